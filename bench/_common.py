"""Shared pieces of the queue benchmark: server processes, the HTTP load generator, statistics.

Everything here talks to 127.0.0.1 only, and every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"


class BenchError(RuntimeError):
    """A step of the benchmark failed; the message says which and why."""


def log(message: str) -> None:
    """Progress output (stderr, so stdout stays the report)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile (nearest rank) of values, or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100.0 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def run(cmd: list[str], *, env: dict[str, str] | None = None, cwd: str | Path | None = None,
        timeout: float = 600, what: str = "") -> str:
    """Run a command to completion; its stdout, or BenchError with the tail of its output."""
    try:
        proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{what or cmd[0]}: timed out after {timeout:.0f} s") from exc
    if proc.returncode != 0:
        output = (proc.stderr or proc.stdout or "").strip()
        log(f"{what or cmd[0]} failed; output tail:\n{output[-3000:]}")
        last = output.splitlines()[-1] if output else "(no output)"
        raise BenchError(f"{what or ' '.join(cmd[:4])}: exit code {proc.returncode}: {last}")
    return proc.stdout


def clean_env(extra: dict[str, str] | None = None, *, keep: tuple[str, ...] = ()) -> dict[str, str]:
    """A minimal environment: no proxies, no stray settings (HOST, PORT, USERNAME, ... are read by servers)."""
    env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TZ", *keep) if k in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.setdefault("LANG", "C.UTF-8")
    env["NO_PROXY"] = env["no_proxy"] = "*"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def machine_busy_seconds() -> float:
    """CPU seconds all cores of the machine spent busy since boot (from /proc/stat)."""
    parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in parts[:8]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK")


def wait_for_quiet(max_wait: float, *, busy_cores: float = 0.3, sample: float = 3.0) -> float:
    """Before a measurement: wait (at most max_wait s) until the machine uses under busy_cores CPUs, so that
    other work does not disturb the figures. Returns the CPUs in use at the last sample."""
    t0 = time.monotonic()
    while True:
        b0 = machine_busy_seconds()
        time.sleep(sample)
        busy = (machine_busy_seconds() - b0) / sample
        if busy < busy_cores or time.monotonic() - t0 >= max_wait:
            if busy >= busy_cores:
                log(f"machine still busy ({busy:.1f} CPUs in use by other work) after {max_wait:.0f} s: "
                    f"measuring anyway")
            elif time.monotonic() - t0 > sample + 1:
                log(f"machine quiet after {time.monotonic() - t0:.0f} s")
            return busy
        log(f"machine busy ({busy:.1f} CPUs in use by other work): waiting before measuring")


def _proc_stats():
    """(pid, stat fields from the state field on, CPU ticks incl. reaped children) of every live process."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # man 5 proc, counting from field 3 (state) = index 0: ppid = 1, pgrp = 2, utime..cstime = 11..14
        fields = stat[stat.rindex(")") + 2:].split()
        yield int(entry), fields, sum(int(f) for f in fields[11:15])


def _proc_cpu_seconds(*, pgid: int) -> float:
    """CPU seconds (user + system, with reaped children) used so far by the live processes of a process
    group."""
    ticks = sum(cpu for _, fields, cpu in _proc_stats() if int(fields[2]) == pgid)
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds(data_dir: Path) -> float:
    """CPU used so far by one PostgreSQL cluster: its postmaster (from postmaster.pid) and its children."""
    try:
        postmaster = int((Path(data_dir) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    ticks = sum(cpu for pid, fields, cpu in _proc_stats() if postmaster in (pid, int(fields[1])))
    return ticks / os.sysconf("SC_CLK_TCK")


class Server:
    """A server process in its own process group, with its output in a log file."""

    def __init__(self, name: str, cmd: list[str], *, env: dict[str, str], cwd: Path, log_path: Path):
        self.name, self.cmd, self.env, self.cwd, self.log_path = name, cmd, env, cwd, log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(self.cmd, env=self.env, cwd=self.cwd, stdout=self.log_file,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    def wait_ready(self, url: str, *, timeout: float, headers: dict[str, str] | None = None) -> float:
        """Poll url until it answers below 500; the seconds it took. BenchError on exit or time-out."""
        t0 = time.monotonic()
        with httpx.Client(timeout=5, trust_env=False) as client:
            while True:
                if self.proc.poll() is not None:
                    raise BenchError(f"{self.name} exited with code {self.proc.returncode} while starting; "
                                     f"log tail:\n{self.log_tail()}")
                try:
                    if client.get(url, headers=headers).status_code < 500:
                        return time.monotonic() - t0
                except httpx.HTTPError:
                    pass
                if time.monotonic() - t0 > timeout:
                    raise BenchError(f"{self.name} did not answer {url} within {timeout:.0f} s; log tail:\n"
                                     f"{self.log_tail()}")
                time.sleep(0.5)

    def cpu_seconds(self) -> float:
        return _proc_cpu_seconds(pgid=self.proc.pid) if self.proc and self.proc.poll() is None else 0.0

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = 20) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # the group may still hold workers after the leader is gone
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log_file.close()


# --------------------------------------------------------------------------------------------------
# PostgreSQL (a private, socket-only cluster run as the `postgres` OS user)

PG_BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass
class OwnPostgres:
    """A cluster with PostgreSQL's stock settings (durable: fsync and synchronous_commit on), listening on a
    Unix socket only. initdb + pg_ctl as the `postgres` OS user."""

    base_dir: Path
    url: str = ""

    def start(self) -> OwnPostgres:
        if not (PG_BIN / "initdb").exists():
            raise BenchError(f"PostgreSQL 15 binaries not found in {PG_BIN} (apt-get install postgresql-15)")
        pw = pwd.getpwnam("postgres")
        self.base_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base_dir, 0o755)
        data, sock = self.base_dir / "pgdata", self.base_dir / "sock"
        for d in (data, sock):
            d.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            for d in (self.base_dir, data, sock):
                os.chown(d, pw.pw_uid, pw.pw_gid)
        port = free_port()
        as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        run([*as_pg, str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"],
            timeout=120, what="initdb")
        opts = f"-c listen_addresses='' -k {sock} -p {port}"
        run([*as_pg, str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(self.base_dir / "pg.log"),
             "-w", "-t", "60", "start"], timeout=90, what="pg_ctl start")
        self._as_pg, self._data = as_pg, data
        self.data_dir = data
        run([*as_pg, str(PG_BIN / "createdb"), "-h", str(sock), "-p", str(port), "-U", "postgres", "bench"],
            timeout=60, what="createdb")
        self.url = f"postgresql+psycopg://postgres@/bench?host={sock}&port={port}"
        return self

    def stop(self) -> None:
        try:
            run([*self._as_pg, str(PG_BIN / "pg_ctl"), "-D", str(self._data), "-m", "fast", "-w", "stop"],
                timeout=60, what="pg_ctl stop")
        except (BenchError, AttributeError):
            pass


def start_postgres(base_dir: Path, repo_root: Path, *, use_test_helper: bool = False):
    """A private PostgreSQL with .url and .stop().

    By default the cluster above, with stock (durable) settings. With use_test_helper, the project's
    tests/support/postgres.py, which turns fsync, synchronous_commit and full_page_writes off: faster, but not
    how anyone runs PostgreSQL in production.
    """
    if not use_test_helper:
        log("PostgreSQL: private cluster with stock settings (fsync on)")
        return OwnPostgres(base_dir).start()
    if str(repo_root) not in sys.path:
        sys.path.append(str(repo_root))
    try:
        from tests.support.postgres import start_postgres as project_start  # type: ignore
    except Exception:  # noqa: BLE001 - any import problem means: use our own
        project_start = None
    if project_start is not None:
        log("PostgreSQL: tests/support/postgres.py (fsync, synchronous_commit, full_page_writes off)")
        return project_start(base_dir)
    log("PostgreSQL: tests/support/postgres.py not importable; private cluster with stock settings instead")
    return OwnPostgres(base_dir).start()


# --------------------------------------------------------------------------------------------------
# The load generator


@dataclass
class LoadResult:
    clients: int
    duration_s: float          # wall time from start until the last client finished
    annotations: int            # submits that succeeded
    next_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    exhausted_clients: int = 0  # clients that were told nothing is left
    client_cpu_s: float = 0.0   # CPU the load generator itself used
    server_cpu_s: float = 0.0   # CPU the server's process group used during the run
    db_cpu_s: float | None = None  # CPU of the benchmark's PostgreSQL cluster during the run (if any)
    machine_cpu_s: float = 0.0  # CPU the whole machine used during the run (server, clients, database)

    def summary(self) -> dict[str, Any]:
        def ms(v):
            return None if v is None else round(v, 2)
        return {
            "throughput_per_s": round(self.annotations / self.duration_s, 2) if self.duration_s else None,
            "annotations": self.annotations,
            "next_requests": len(self.next_ms),
            "next_p50_ms": ms(percentile(self.next_ms, 50)),
            "next_p99_ms": ms(percentile(self.next_ms, 99)),
            "submit_p50_ms": ms(percentile(self.submit_ms, 50)),
            "submit_p99_ms": ms(percentile(self.submit_ms, 99)),
            "errors": sum(self.errors.values()),
            "error_kinds": dict(sorted(self.errors.items(), key=lambda kv: -kv[1])[:8]),
            "exhausted_clients": self.exhausted_clients,
            "load_seconds": round(self.duration_s, 2),
            "client_cpu_s": round(self.client_cpu_s, 1),
            "server_cpu_s": round(self.server_cpu_s, 1),
            "db_cpu_s": None if self.db_cpu_s is None else round(self.db_cpu_s, 1),
            "machine_cpu_s": round(self.machine_cpu_s, 1),
            # CPU that none of the above used: other work on the machine, which disturbs the figures
            "other_cpu_s": round(max(0.0, self.machine_cpu_s - self.client_cpu_s - self.server_cpu_s
                                     - (self.db_cpu_s or 0.0)), 1),
        }


class Exhausted(Exception):
    """The queue has nothing left for this client."""


class RequestFailed(BenchError):
    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def check(response: httpx.Response, what: str) -> httpx.Response:
    """The response, or RequestFailed naming the step, the status and (for JSON answers) the body's start."""
    if response.status_code >= 400:
        kind = f"{what} HTTP {response.status_code}"
        if "json" in response.headers.get("content-type", ""):
            kind += f": {response.text[:160]}"
        raise RequestFailed(kind)
    return response


NextFn = Callable[[httpx.AsyncClient], Awaitable[Any]]       # returns a task handle, raises Exhausted
SubmitFn = Callable[[httpx.AsyncClient, Any], Awaitable[None]]


async def _drive(clients: list[httpx.AsyncClient], next_fn: NextFn, submit_fn: SubmitFn, duration: float,
                 request_timeout: float, server: Server | None,
                 db_cpu: Callable[[], float] | None) -> LoadResult:
    result = LoadResult(clients=len(clients), duration_s=0.0, annotations=0)
    start = time.perf_counter()
    stop_at = start + duration
    max_errors_in_row = 50

    def error(kind: str) -> None:
        result.errors[kind] = result.errors.get(kind, 0) + 1

    async def one(client: httpx.AsyncClient) -> None:
        errors_in_row = 0
        while time.perf_counter() < stop_at:
            try:
                t0 = time.perf_counter()
                try:
                    handle = await asyncio.wait_for(next_fn(client), request_timeout)
                finally:
                    result.next_ms.append((time.perf_counter() - t0) * 1000)
                t1 = time.perf_counter()
                try:
                    await asyncio.wait_for(submit_fn(client, handle), request_timeout)
                finally:
                    result.submit_ms.append((time.perf_counter() - t1) * 1000)
                result.annotations += 1
                errors_in_row = 0
            except Exhausted:
                result.exhausted_clients += 1
                return
            except RequestFailed as exc:
                error(exc.kind)
            except (TimeoutError, httpx.TimeoutException):
                error("timeout")
            except httpx.HTTPError as exc:
                error(type(exc).__name__)
            else:
                continue
            errors_in_row += 1
            if errors_in_row >= max_errors_in_row:
                error("client gave up after 50 errors in a row")
                return
            await asyncio.sleep(0.05)

    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    scpu0 = server.cpu_seconds() if server else 0.0
    mcpu0 = machine_busy_seconds()
    dcpu0 = db_cpu() if db_cpu else 0.0
    await asyncio.gather(*(one(c) for c in clients))
    result.duration_s = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    result.client_cpu_s = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    result.server_cpu_s = (server.cpu_seconds() - scpu0) if server else 0.0
    result.machine_cpu_s = machine_busy_seconds() - mcpu0
    result.db_cpu_s = (db_cpu() - dcpu0) if db_cpu else None
    return result


def run_load(base_url: str, tokens: list[str], auth_scheme: str, next_fn: NextFn, submit_fn: SubmitFn, *,
             duration: float, request_timeout: float, server: Server | None = None,
             db_cpu: Callable[[], float] | None = None) -> LoadResult:
    """N annotators (one token each, one connection each) doing next -> submit until `duration` is up.

    A client starts no new cycle after the deadline; requests in flight finish (or time out after
    request_timeout), so the whole run is bounded by duration + 2 * request_timeout.
    """

    async def main() -> LoadResult:
        clients = [
            httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=request_timeout,
                              headers={"Authorization": f"{auth_scheme} {t}"},
                              limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
            for t in tokens
        ]
        try:
            return await _drive(clients, next_fn, submit_fn, duration, request_timeout, server, db_cpu)
        finally:
            await asyncio.gather(*(c.aclose() for c in clients), return_exceptions=True)

    return asyncio.run(main())


def rmtree_quiet(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), sort_keys=False)
