"""A throwaway PostgreSQL server for tests and benchmarks, from Debian's packages.

PostgreSQL refuses to run as root, so when we are root the cluster is created and started as the
`postgres` OS user. The server listens only on a Unix socket inside the cluster folder (and on a
loopback port), and is stopped and deleted at the end.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def find_bindir() -> Path | None:
    """The newest installed PostgreSQL server binaries, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    base: Path
    port: int
    bindir: Path
    run_as: str | None

    @property
    def socket_dir(self) -> Path:
        return self.base / "sock"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the `tutorloop` database (psycopg 3, over the Unix socket)."""
        return self.url_for("tutorloop")

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True)

    def create_database(self, name: str) -> str:
        """Create a database and return its URL."""
        self._run(str(self.bindir / "createdb"), "-h", str(self.socket_dir), "-p", str(self.port),
                  "-U", "postgres", name)
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        self._run(str(self.bindir / "dropdb"), "-h", str(self.socket_dir), "-p", str(self.port),
                  "-U", "postgres", "--if-exists", "--force", name, check=False)

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.base / "data"), "-m", "immediate", "stop",
                  check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def start_postgres(base_dir: str | os.PathLike | None = None, *, max_connections: int = 300) -> PostgresServer:
    """initdb + start a private cluster and create the `tutorloop` database."""
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="tl-pg-", dir=base_dir))
    run_as = "postgres" if os.geteuid() == 0 else None
    (base / "sock").mkdir()
    if run_as:
        entry = pwd.getpwnam(run_as)
        os.chmod(base, 0o755)
        for path in (base, base / "sock"):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(base=base, port=_free_port(), bindir=bindir, run_as=run_as)
    server._run(str(bindir / "initdb"), "-D", str(base / "data"), "-U", "postgres", "--auth=trust",
                "-E", "UTF8", "--locale=C.UTF-8")
    options = (f"-c listen_addresses=127.0.0.1 -c port={server.port} -c unix_socket_directories={base / 'sock'} "
               f"-c max_connections={max_connections} -c fsync=off -c synchronous_commit=off "
               "-c full_page_writes=off -c shared_buffers=256MB")
    server._run(str(bindir / "pg_ctl"), "-D", str(base / "data"), "-o", options, "-l", str(base / "log"),
                "-w", "-t", "60", "start")
    deadline = time.monotonic() + 30
    while True:
        ok = server._run(str(bindir / "pg_isready"), "-h", str(server.socket_dir), "-p", str(server.port),
                         check=False)
        if ok.returncode == 0:
            break
        if time.monotonic() > deadline:
            raise RuntimeError("PostgreSQL did not become ready: " + (base / "log").read_text()[-2000:])
        time.sleep(0.2)
    server.create_database("tutorloop")
    return server
