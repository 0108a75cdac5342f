#!/usr/bin/env python3
"""Queue benchmark: N annotators doing next -> submit over HTTP, tutorloop vs Label Studio.

    .venv/bin/python bench/queue.py                      # defaults: 100,000 items, 32 clients, 30 s
    .venv/bin/python bench/queue.py --items 2000 --clients 4 --duration 10 --skip-label-studio

For each tutorloop backend (SQLite, PostgreSQL) and for Label Studio (installed by the bench into its own
venv, default SQLite database) it: creates one project with a single-label text question (overlap 1),
imports the same items over HTTP (timed), runs the annotators for a fixed time (each its own user and token,
one keep-alive connection each, asyncio + httpx), then exports every item with its annotations over HTTP
(timed). It prints a table, the ratios against Label Studio, and as its last line one JSON object.

See bench/README.md for what is measured and how to read it.
"""

# This file is called queue.py, which would shadow the standard library's `queue` module (used by asyncio,
# concurrent.futures, psycopg, ...) for everything imported from here: take this folder off the front of
# sys.path before importing anything else, and put it at the end for our helper modules.
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE] + [_HERE]

import argparse
import json
import random
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from _common import (
    HOST,
    BenchError,
    Exhausted,
    Server,
    check,
    clean_env,
    dumps,
    free_port,
    log,
    postgres_cpu_seconds,
    run,
    run_load,
    start_postgres,
    wait_for_quiet,
)

REPO = Path(_HERE).parent
OVERLAP = 1   # one label per item, in both systems (Label Studio: maximum_annotations = 1)
PASSWORD = "bench-Passw0rd!"

# The tutorloop schema: one text field, one single-label question (the same as Label Studio's config).
SCHEMA: dict[str, Any] = {
    "name": "queue bench",
    "description": "bench/queue.py: single-label text classification",
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "label", "type": "single_label", "labels": ["positive", "negative", "neutral"]}],
    "overlap": OVERLAP,
}

WORDS = [
    "the", "service", "was", "quick", "and", "the", "staff", "friendly", "but", "the", "room", "felt", "small",
    "and", "the", "coffee", "was", "cold", "overall", "a", "decent", "stay", "I", "would", "come", "back",
    "for", "the", "price", "though", "the", "wifi", "kept", "dropping", "at", "night",
]


def make_items(n: int, work_dir: Path) -> tuple[Path, Path]:
    """The same n items as tutorloop JSONL ({"id": "t<n>", "text": ...}) and as a Label Studio task list."""
    rng = random.Random(42)
    jsonl, ls_json = work_dir / "items.jsonl", work_dir / "tasks.json"
    with open(jsonl, "w", encoding="utf-8") as a, open(ls_json, "w", encoding="utf-8") as b:
        b.write("[")
        for i in range(n):
            text = f"Review {i}: " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30))) + "."
            a.write(json.dumps({"id": f"t{i}", "text": text}) + "\n")
            b.write(("," if i else "") + json.dumps({"data": {"text": text, "ext_id": f"t{i}"}}))
        b.write("]")
    return jsonl, ls_json


# --------------------------------------------------------------------------------------------------
# tutorloop


class Tutorloop:
    """`tutorloop serve` on one database, set up through its CLI and REST API."""

    def __init__(self, backend: str, work_dir: Path, *, python: str, clients: int, workers: int,
                 access_log: bool, pg_test_helper: bool = False):
        self.backend, self.work_dir, self.python = backend, work_dir, python
        self.pg_test_helper = pg_test_helper
        self.clients, self.workers, self.access_log = clients, workers, access_log
        self.data_dir = work_dir / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.pg = None
        self.server: Server | None = None
        self.base_url = ""
        self.admin_token = ""
        self.tokens: list[str] = []
        self.project_id: int | None = None
        self.env = clean_env({"TUTORLOOP_DATA_DIR": str(self.data_dir), "HOME": str(work_dir),
                              "PYTHONPATH": str(REPO / "src")})

    def cli(self, *args: str, timeout: float = 300) -> str:
        return run([self.python, "-m", "tutorloop", *args], env=self.env, cwd=self.work_dir, timeout=timeout,
                   what=f"tutorloop {' '.join(args[:2])}")

    def api(self, token: str | None = None, timeout: float = 120) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token or self.admin_token}"}
        return httpx.Client(base_url=f"{self.base_url}/api/v1", trust_env=False, timeout=timeout, headers=headers)

    def prepare(self, *, start_timeout: float) -> None:
        if self.backend == "postgres":
            self.pg = start_postgres(self.work_dir / "pg", REPO, use_test_helper=self.pg_test_helper)
            self.env["TUTORLOOP_DATABASE_URL"] = self.pg.url
        self.cli("db", "upgrade")
        self.cli("users", "add", "bench-admin", "--role", "admin", "--password", PASSWORD)
        self.admin_token = self.cli("users", "token", "bench-admin").strip().splitlines()[-1].strip()
        port = free_port()
        self.base_url = f"http://{HOST}:{port}"
        cmd = [self.python, "-m", "tutorloop", "serve", "--host", HOST, "--port", str(port),
               "--workers", str(self.workers)]
        if not self.access_log:
            cmd.append("--no-access-log")
        self.server = Server(f"tutorloop ({self.backend})", cmd, env=self.env, cwd=self.work_dir,
                             log_path=self.work_dir / "server.log")
        self.server.start()
        took = self.server.wait_ready(f"{self.base_url}/api/v1/auth/me", timeout=start_timeout)
        log(f"tutorloop ({self.backend}) answering on {self.base_url} after {took:.1f} s")

    def create_project_and_people(self) -> None:
        with self.api() as c:
            self.project_id = check(c.post("/projects", json={"spec": SCHEMA}), "create project").json()["id"]
            for i in range(self.clients):
                name = f"annotator{i}"
                user = check(c.post("/users", json={"username": name, "password": PASSWORD,
                                                    "role": "annotator"}), "create user").json()
                check(c.put(f"/projects/{self.project_id}/members/{user['id']}", json={"role": "annotator"}),
                      "add member")
                self.tokens.append(self._token_for(name))

    def _token_for(self, username: str) -> str:
        """Sign in as the person (session + CSRF) and create an API token for them."""
        with httpx.Client(base_url=f"{self.base_url}/api/v1", trust_env=False, timeout=60) as s:
            r = check(s.post("/auth/login", json={"username": username, "password": PASSWORD}), "login")
            csrf = r.json()["csrf_token"]
            r = check(s.post("/auth/tokens", json={"name": "bench"}, headers={"X-CSRF-Token": csrf}), "token")
            return r.json()["token"]

    def import_items(self, jsonl: Path, expected: int, *, timeout: float) -> float:
        body = jsonl.read_bytes()
        with self.api(timeout=timeout) as c:
            t0 = time.perf_counter()
            r = c.post(f"/projects/{self.project_id}/items/import",
                       files={"file": ("items.jsonl", body, "application/x-ndjson")}, data={"format": "jsonl"})
            took = time.perf_counter() - t0
            summary = check(r, "import").json()
            if summary.get("created") != expected:
                raise BenchError(f"tutorloop import created {summary.get('created')} items, expected {expected}")
        return took

    def load(self, *, duration: float, request_timeout: float):
        pid = self.project_id

        async def next_item(client: httpx.AsyncClient) -> Any:
            body = check(await client.post(f"/api/v1/projects/{pid}/queue/next"), "next").json()
            if body.get("item") is None:
                raise Exhausted()
            return body["item"]["id"]

        async def submit(client: httpx.AsyncClient, item_id: Any) -> None:
            r = await client.post(f"/api/v1/projects/{pid}/items/{item_id}/annotations",
                                  json={"answers": {"label": "positive"}, "client_key": str(uuid.uuid4()),
                                        "time_spent_ms": 1000})
            check(r, "submit")

        db_cpu = None
        if self.pg is not None:
            # our own cluster keeps its data in .data_dir; tests/support/postgres.py in .base / "data"
            data_dir = getattr(self.pg, "data_dir", None) or Path(self.pg.base) / "data"
            db_cpu = lambda: postgres_cpu_seconds(data_dir)
        return run_load(self.base_url, self.tokens, "Bearer", next_item, submit, duration=duration,
                        request_timeout=request_timeout, server=self.server, db_cpu=db_cpu)

    def export(self, out: Path, *, timeout: float) -> tuple[float, int, int]:
        """Every item with its annotations as JSONL; (seconds, items, annotations)."""
        with self.api(timeout=timeout) as c:
            t0 = time.perf_counter()
            with c.stream("GET", f"/projects/{self.project_id}/export", params={"format": "jsonl"}) as r:
                if r.status_code >= 400:
                    r.read()
                    check(r, "export")
                with open(out, "wb") as f:
                    f.writelines(r.iter_bytes(1 << 20))
            took = time.perf_counter() - t0
        items = annotations = 0
        with open(out, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    items += 1
                    annotations += len(json.loads(line).get("annotations") or [])
        return took, items, annotations

    def progress(self) -> dict:
        with self.api() as c:
            return check(c.get(f"/projects/{self.project_id}/progress"), "progress").json()

    def stop(self) -> None:
        if self.server:
            self.server.stop()
        if self.pg is not None:
            try:
                self.pg.stop()
            except Exception as exc:  # noqa: BLE001 - best effort at the end
                log(f"stopping PostgreSQL: {exc}")


def _export_step(name: str, export, expected: int) -> dict:
    """Run a timed export; a failure is reported (export_s None, export_error) without losing the rest."""
    try:
        export_s, n_items, n_ann = export()
        log(f"{name}: export took {export_s:.2f} s ({n_items} items, {n_ann} annotations)")
        if n_items != expected:
            raise BenchError(f"the export holds {n_items} items, expected {expected}")
    except BenchError as exc:
        log(f"{name}: export failed: {exc}")
        return {"export_s": None, "export_items": None, "export_annotations": None, "export_error": str(exc)}
    return {"export_s": round(export_s, 3), "export_items": n_items, "export_annotations": n_ann}


def bench_tutorloop(backend: str, args, work_dir: Path, jsonl: Path) -> dict:
    t = Tutorloop(backend, work_dir, python=args.python, clients=args.clients, workers=args.workers,
                  access_log=args.access_log, pg_test_helper=args.pg_test_helper)
    try:
        t.prepare(start_timeout=args.start_timeout)
        t.create_project_and_people()
        wait_for_quiet(args.quiet_wait)
        log(f"tutorloop ({backend}): importing {args.items} items over HTTP")
        import_s = t.import_items(jsonl, args.items, timeout=args.import_timeout)
        log(f"tutorloop ({backend}): import took {import_s:.2f} s; load: {args.clients} clients for "
            f"{args.duration:.0f} s")
        wait_for_quiet(args.quiet_wait)
        load = t.load(duration=args.duration, request_timeout=args.request_timeout)
        figures = load.summary()
        log(f"tutorloop ({backend}): {figures['throughput_per_s']} annotations/s, errors {figures['errors']}")
        prog = t.progress()
        wait_for_quiet(args.quiet_wait)
        export = _export_step(f"tutorloop ({backend})", lambda: t.export(work_dir / "export.jsonl",
                                                                        timeout=args.export_timeout), args.items)
        return {**figures, "import_s": round(import_s, 3), **export,
                "progress_annotations": prog.get("annotations"), "progress_complete": prog.get("complete")}
    except BenchError:
        if t.server:
            log(f"tutorloop ({backend}) server log tail:\n{t.server.log_tail()}")
        raise
    finally:
        t.stop()


def bench_label_studio(args, work_dir: Path, ls_json: Path) -> dict:
    from _labelstudio import LabelStudio, ensure_installed

    version = args.label_studio_installed or ensure_installed(
        Path(args.label_studio_venv), args.label_studio_version, timeout=args.install_timeout)
    ls = LabelStudio(Path(args.label_studio_venv), work_dir, clients=args.clients, overlap=OVERLAP)
    try:
        log(f"Label Studio {version}: migrating its database and creating {args.clients} annotators")
        setup_s = ls.setup_users(timeout=args.ls_setup_timeout)
        start_s = ls.start(timeout=args.start_timeout * 4)
        log(f"Label Studio answering on {ls.base_url} (setup {setup_s:.0f} s, start {start_s:.0f} s)")
        ls.create_project()
        wait_for_quiet(args.quiet_wait)
        log(f"Label Studio: importing {args.items} items over HTTP")
        import_s = ls.import_items(ls_json, args.items, timeout=args.import_timeout)
        log(f"Label Studio: import took {import_s:.2f} s; load: {args.clients} clients for {args.duration:.0f} s")
        wait_for_quiet(args.quiet_wait)
        load = ls.load(duration=args.duration, request_timeout=args.request_timeout)
        figures = load.summary()
        log(f"Label Studio: {figures['throughput_per_s']} annotations/s, errors {figures['errors']}")
        wait_for_quiet(args.quiet_wait)
        export = _export_step("Label Studio", lambda: ls.export(work_dir / "export.json",
                                                               timeout=args.export_timeout), args.items)
        return {**figures, "import_s": round(import_s, 3), **export, "version": version}
    except BenchError:
        if ls.server:
            log(f"Label Studio log tail:\n{ls.server.log_tail()}")
        raise
    finally:
        ls.stop()


# --------------------------------------------------------------------------------------------------
# report


def _ratio(a, b, *, invert: bool = False):
    """a/b (or b/a), rounded; None when either is missing or zero."""
    if not a or not b:
        return None
    return round((b / a) if invert else (a / b), 2)


def _fmt(v, unit=""):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.2f}{unit}"
    return f"{v:,}{unit}" if isinstance(v, int) else f"{v}{unit}"


def tutorloop_version() -> str | None:
    """The commit the tutorloop sources are at ("+dirty" with uncommitted changes under src/), if known."""
    try:
        head = run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], timeout=30, what="git rev-parse").strip()
        dirty = run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src"], timeout=30, what="git status")
    except (BenchError, OSError):
        return None
    return head + ("+dirty" if dirty.strip() else "")


def report(args, results: dict[str, dict | None], errors: dict[str, str]) -> dict:
    cols = [k for k in ("sqlite", "postgres", "label_studio") if k in results or k in errors]
    names = {"sqlite": "tutorloop/SQLite", "postgres": "tutorloop/PostgreSQL", "label_studio": "Label Studio"}
    rows = [
        ("annotations/s", "throughput_per_s", ""), ("annotations", "annotations", ""),
        ("next p50", "next_p50_ms", " ms"), ("next p99", "next_p99_ms", " ms"),
        ("submit p50", "submit_p50_ms", " ms"), ("submit p99", "submit_p99_ms", " ms"),
        ("errors", "errors", ""), ("import (HTTP)", "import_s", " s"), ("export (HTTP)", "export_s", " s"),
        ("export annotations", "export_annotations", ""),
        ("load generator CPU", "client_cpu_s", " s"), ("server CPU", "server_cpu_s", " s"),
        ("PostgreSQL CPU", "db_cpu_s", " s"), ("machine CPU (all)", "machine_cpu_s", " s"),
        ("other CPU on machine", "other_cpu_s", " s"), ("load wall time", "load_seconds", " s"),
    ]
    print()
    print(f"Queue benchmark: {args.items:,} items, {args.clients} clients, {args.duration:.0f} s of next -> submit, "
          f"overlap {OVERLAP}, tutorloop --workers {args.workers} (commit {args.tutorloop_commit})")
    print(f"Machine: {os.cpu_count()} CPUs shared by the server, its database and the load generator (all on "
          f"127.0.0.1), so absolute figures are lower than on separate machines; the CPU rows show who used it.")
    width = 22
    print("".ljust(width) + "".join(names[c].rjust(22) for c in cols))
    for label, key, unit in rows:
        line = label.ljust(width)
        for c in cols:
            r = results.get(c)
            line += (_fmt(r.get(key), unit) if r else "failed").rjust(22)
        print(line)
    for c in cols:
        r = results.get(c)
        if r and r.get("machine_cpu_s") and r.get("other_cpu_s", 0) > 0.15 * (os.cpu_count() or 1) * r["load_seconds"]:
            print(f"WARNING: other processes on this machine used {r['other_cpu_s']} CPU-seconds during the "
                  f"{names[c]} load ({r['load_seconds']} s on {os.cpu_count()} CPUs): its figures are disturbed; "
                  f"re-run on a quiet machine.")
    for c, why in errors.items():
        print(f"{names[c]} failed: {why.splitlines()[0][:300]}")
    for c in cols:
        r = results.get(c)
        if r and r.get("export_error"):
            print(f"{names[c]} export failed: {r['export_error'][:300]}")
        if r and r.get("error_kinds"):
            print(f"{names[c]} error kinds: {r['error_kinds']}")

    ls = results.get("label_studio")
    out: dict[str, Any] = {
        "items": args.items, "clients": args.clients, "duration_s": args.duration, "overlap": OVERLAP,
        "workers": args.workers, "cpus": os.cpu_count(), "tutorloop_commit": args.tutorloop_commit,
    }
    metric_keys = ("throughput_per_s", "annotations", "next_p50_ms", "next_p99_ms", "submit_p50_ms",
                   "submit_p99_ms", "errors", "import_s", "export_s", "client_cpu_s", "server_cpu_s",
                   "db_cpu_s", "machine_cpu_s", "other_cpu_s")
    for backend, prefix in (("sqlite", ""), ("postgres", "postgres_")):
        r = results.get(backend)
        if backend not in results and backend not in errors:
            continue
        for k in metric_keys:
            out[prefix + k] = r.get(k) if r else None
        # ratios: how many times tutorloop is better than Label Studio (higher is better for tutorloop)
        out[prefix + "throughput_ratio_vs_label_studio"] = _ratio(
            r and r["throughput_per_s"], ls and ls["throughput_per_s"])
        out[prefix + "import_ratio_vs_label_studio"] = _ratio(r and r["import_s"], ls and ls["import_s"],
                                                              invert=True)
        out[prefix + "export_ratio_vs_label_studio"] = _ratio(r and r["export_s"], ls and ls["export_s"],
                                                              invert=True)
        out[prefix + "next_p99_ratio_vs_label_studio"] = _ratio(r and r["next_p99_ms"], ls and ls["next_p99_ms"],
                                                                invert=True)
        if backend in errors:
            out[prefix + "error"] = errors[backend][:500]
        if r and r.get("export_error"):
            out[prefix + "export_error"] = r["export_error"][:500]
    for k in metric_keys:
        out["label_studio_" + k] = ls.get(k) if ls else None
    out["label_studio_version"] = ls.get("version") if ls else None
    if ls and ls.get("export_error"):
        out["label_studio_export_error"] = ls["export_error"][:500]
    out["label_studio_error"] = errors.get("label_studio", "skipped" if args.skip_label_studio else None)
    if out["label_studio_error"]:
        out["label_studio_error"] = out["label_studio_error"][:500]

    if ls and any(results.get(b) for b in ("sqlite", "postgres")):
        print("Ratios (tutorloop / Label Studio; >1 means tutorloop is better: more annotations/s, "
              "shorter import/export/p99):")
        for backend, prefix in (("sqlite", ""), ("postgres", "postgres_")):
            if results.get(backend):
                print(f"  {names[backend]}: throughput x{_fmt(out[prefix + 'throughput_ratio_vs_label_studio'])}, "
                      f"import x{_fmt(out[prefix + 'import_ratio_vs_label_studio'])}, "
                      f"export x{_fmt(out[prefix + 'export_ratio_vs_label_studio'])}, "
                      f"next p99 x{_fmt(out[prefix + 'next_p99_ratio_vs_label_studio'])}")
    elif not ls:
        print(f"No Label Studio figures ({out['label_studio_error']}): the ratio keys are null.")
    return out


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--items", type=int, default=100_000)
    p.add_argument("--clients", type=int, default=32, help="concurrent annotators, one user and token each")
    p.add_argument("--duration", type=float, default=30.0, help="seconds of next -> submit per system")
    p.add_argument("--backends", default="sqlite,postgres",
                   help="tutorloop backends to run (sqlite, postgres; '' for none)")
    p.add_argument("--workers", type=int, default=1, help="`tutorloop serve --workers`")
    p.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True,
                   help="run tutorloop with its access log (its default)")
    p.add_argument("--pg-test-helper", action="store_true",
                   help="run PostgreSQL through tests/support/postgres.py (fsync etc. off) instead of a "
                        "private cluster with stock, durable settings")
    p.add_argument("--python", default=sys.executable, help="Python that has tutorloop installed")
    p.add_argument("--skip-label-studio", action="store_true")
    p.add_argument("--label-studio-version", default=None, help="pin a version (default: latest on PyPI)")
    p.add_argument("--label-studio-venv", default=str(Path(_HERE) / ".venv-labelstudio"))
    p.add_argument("--request-timeout", type=float, default=60.0, help="per HTTP request of the load")
    p.add_argument("--start-timeout", type=float, default=120.0, help="tutorloop start (Label Studio gets 4x)")
    p.add_argument("--import-timeout", type=float, default=1800.0)
    p.add_argument("--export-timeout", type=float, default=1800.0)
    p.add_argument("--install-timeout", type=float, default=1800.0, help="pip install label-studio")
    p.add_argument("--ls-setup-timeout", type=float, default=900.0, help="Label Studio migrations + users")
    p.add_argument("--quiet-wait", type=float, default=60.0,
                   help="before each import, load and export, wait up to this long for other work on the machine "
                        "to stop (0: don't wait)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, exports)")
    args = p.parse_args(argv)
    args.label_studio_installed = None
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    bad = set(args.backends) - {"sqlite", "postgres"}
    if bad:
        p.error(f"unknown backend(s): {', '.join(sorted(bad))}")
    if args.items < 1 or args.clients < 1 or args.duration <= 0:
        p.error("--items, --clients and --duration must be positive")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="tutorloop-queue-bench-"))
    os.chmod(work, 0o755)  # the PostgreSQL server runs as another OS user and must reach its folder
    log(f"working in {work}")
    args.tutorloop_commit = tutorloop_version()
    results: dict[str, dict | None] = {}
    errors: dict[str, str] = {}
    try:
        if not args.skip_label_studio:
            # Install (or find) Label Studio first, so that pip does not compete for CPU with a measurement.
            from _labelstudio import LabelStudioUnavailable, ensure_installed
            try:
                args.label_studio_installed = ensure_installed(
                    Path(args.label_studio_venv), args.label_studio_version, timeout=args.install_timeout)
            except LabelStudioUnavailable as exc:
                errors["label_studio"] = str(exc)
                log(f"Label Studio unavailable: {exc}")
        jsonl, ls_json = make_items(args.items, work)
        for backend in args.backends:
            d = work / f"tutorloop-{backend}"
            d.mkdir()
            os.chmod(d, 0o755)
            try:
                results[backend] = bench_tutorloop(backend, args, d, jsonl)
            except BenchError as exc:
                errors[backend] = str(exc)
                results[backend] = None
                log(f"tutorloop ({backend}) failed: {exc}")
        if not args.skip_label_studio and "label_studio" not in errors:
            d = work / "label-studio"
            d.mkdir()
            try:
                results["label_studio"] = bench_label_studio(args, d, ls_json)
            except BenchError as exc:
                errors["label_studio"] = str(exc)
                log(f"Label Studio failed: {exc}")
        if "label_studio" in errors:
            results.setdefault("label_studio", None)
        final = report(args, results, errors)
        print(dumps(final), flush=True)
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if all(results.get(b) for b in args.backends) else 1


if __name__ == "__main__":
    sys.exit(main())
