"""The Label Studio half of the queue benchmark.

Label Studio is installed by the bench into its own virtualenv (default `bench/.venv-labelstudio`, which is
gitignored) with `pip install label-studio`; nothing of its code is kept in this repository. It runs the way
its docs start it, `label-studio start` (Django's threaded server) on its default SQLite database, with a data
directory in a temporary folder. Telemetry is switched off (no Sentry DSN, no analytics, no PyPI version
check) so that the only traffic is to 127.0.0.1.

Since 1.17 Label Studio disables legacy API tokens for new organisations. Before the server starts, a small
script run with Label Studio's own Python (Django set up with its settings) applies the migrations, creates
the admin and one annotator per client, puts them in one organisation whose JWT settings have
`legacy_api_tokens_enabled = True`, and prints every user's legacy token. Requests then authenticate with
`Authorization: Token <key>`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
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
    free_port,
    log,
    run,
    run_load,
)

# The same single-label question as the tutorloop schema: one text, one of three labels.
LABEL_CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="label" toName="text" choice="single">'
    '<Choice value="positive"/><Choice value="negative"/><Choice value="neutral"/>'
    "</Choices></View>"
)
RESULT = [{"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": ["positive"]}}]

SETUP_SCRIPT = r'''
import json, os, pathlib, sys
import label_studio
sys.path.insert(0, str(pathlib.Path(label_studio.__file__).parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "label_studio.core.settings.label_studio")
import django
django.setup()
from django.core.management import call_command
call_command("migrate", "--no-color", verbosity=0)
from organizations.functions import create_organization
from rest_framework.authtoken.models import Token
from users.models import User

n, password, out_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
admin = User.objects.create_user(email="admin@bench.local", password=password, username="admin")
admin.is_staff = admin.is_superuser = True
admin.save()
org = create_organization(title="bench", created_by=admin, legacy_api_tokens_enabled=True)
org.jwt.legacy_api_tokens_enabled = True   # Label Studio >= 1.17 turns legacy tokens off by default
org.jwt.save()
admin.active_organization = org
admin.save(update_fields=["active_organization"])
tokens = []
for i in range(n):
    user = User.objects.create_user(email=f"annotator{i}@bench.local", password=password,
                                    username=f"annotator{i}")
    org.add_user(user)
    user.active_organization = org
    user.save(update_fields=["active_organization"])
    tokens.append(Token.objects.get_or_create(user=user)[0].key)
admin_token = Token.objects.get_or_create(user=admin)[0].key
pathlib.Path(out_path).write_text(json.dumps({"admin": admin_token, "annotators": tokens}))
'''


class LabelStudioUnavailable(BenchError):
    """Label Studio could not be installed, set up or started."""


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def installed_version(venv: Path) -> str | None:
    python = _venv_python(venv)
    if not python.exists():
        return None
    try:
        out = subprocess.run([str(python), "-c", "import importlib.metadata as m; print(m.version('label-studio'))"],
                             capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def ensure_installed(venv: Path, version: str | None, *, timeout: float) -> str:
    """Label Studio in its own venv (installed now if missing or of another version); its version."""
    have = installed_version(venv)
    if have and (not version or have == version):
        log(f"Label Studio {have} already installed in {venv}")
        return have
    spec = f"label-studio=={version}" if version else "label-studio"
    log(f"installing {spec} into {venv} (large: ~1 GB; up to {timeout:.0f} s)")
    t0 = time.monotonic()
    deadline = t0 + timeout
    try:
        if not _venv_python(venv).exists():
            run([sys.executable, "-m", "venv", str(venv)], timeout=300, what="python -m venv")
        run([str(_venv_python(venv)), "-m", "pip", "install", "--disable-pip-version-check", "-q", spec],
            timeout=max(60.0, deadline - time.monotonic()), what=f"pip install {spec}")
    except BenchError as exc:
        raise LabelStudioUnavailable(f"could not install {spec}: {exc}") from exc
    have = installed_version(venv)
    if not have:
        raise LabelStudioUnavailable(f"{spec} installed but label_studio is not importable in {venv}")
    log(f"installed Label Studio {have} in {time.monotonic() - t0:.0f} s")
    return have


class LabelStudio:
    """One Label Studio instance on 127.0.0.1 with its own data directory."""

    def __init__(self, venv: Path, work_dir: Path, *, clients: int, overlap: int):
        self.venv, self.work_dir, self.clients, self.overlap = venv, work_dir, clients, overlap
        self.data_dir = work_dir / "label-studio-data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.env = clean_env({
            "HOME": str(work_dir),
            "LABEL_STUDIO_BASE_DATA_DIR": str(self.data_dir),
            "LABEL_STUDIO_APP_WEBSERVER": "uwsgi",   # only effect: skips the PyPI "newer version" check
            "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "",
            "COLLECT_ANALYTICS": "false",
            "LOG_LEVEL": "WARNING",
        })
        self.server: Server | None = None
        self.base_url = ""
        self.admin_token = ""
        self.tokens: list[str] = []
        self.project_id: int | None = None

    def _admin(self, timeout: float = 120) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, trust_env=False, timeout=timeout,
                            headers={"Authorization": f"Token {self.admin_token}"})

    def setup_users(self, *, timeout: float) -> float:
        """Migrate the database and create the admin + annotators; seconds taken."""
        script, out = self.work_dir / "ls_setup.py", self.work_dir / "ls_tokens.json"
        script.write_text(SETUP_SCRIPT)
        t0 = time.monotonic()
        try:
            run([str(_venv_python(self.venv)), str(script), str(self.clients), "bench-Passw0rd!", str(out)],
                env=self.env, cwd=self.work_dir, timeout=timeout, what="Label Studio setup (migrate, users)")
        except BenchError as exc:
            raise LabelStudioUnavailable(str(exc)) from exc
        data = json.loads(out.read_text())
        self.admin_token, self.tokens = data["admin"], data["annotators"]
        return time.monotonic() - t0

    def start(self, *, timeout: float) -> float:
        port = free_port()
        self.base_url = f"http://{HOST}:{port}"
        cmd = [str(self.venv / "bin" / "label-studio"), "start", "--no-browser", "--internal-host", HOST,
               "--port", str(port), "--data-dir", str(self.data_dir)]
        self.server = Server("Label Studio", cmd, env=self.env, cwd=self.work_dir,
                             log_path=self.work_dir / "label-studio.log")
        self.server.start()
        try:
            return self.server.wait_ready(f"{self.base_url}/health", timeout=timeout)
        except BenchError as exc:
            raise LabelStudioUnavailable(str(exc)) from exc

    def create_project(self) -> int:
        with self._admin() as c:
            r = check(c.post("/api/projects", json={
                "title": "queue bench", "label_config": LABEL_CONFIG, "maximum_annotations": self.overlap,
            }), "create project")
        self.project_id = r.json()["id"]
        return self.project_id

    def import_items(self, tasks_json: Path, expected: int, *, timeout: float) -> float:
        """POST every task in one request to /api/projects/{id}/import; seconds until it answered."""
        body = tasks_json.read_bytes()
        with self._admin(timeout) as c:
            t0 = time.perf_counter()
            r = c.post(f"/api/projects/{self.project_id}/import", content=body,
                       headers={"Content-Type": "application/json"})
            took = time.perf_counter() - t0
            check(r, "import")
            count = c.get(f"/api/projects/{self.project_id}").json().get("task_number")
        if count is not None and count != expected:
            raise BenchError(f"Label Studio import: project has {count} tasks, expected {expected}")
        return took

    def load(self, *, duration: float, request_timeout: float):
        pid = self.project_id

        async def next_task(client: httpx.AsyncClient) -> Any:
            r = await client.get(f"/api/projects/{pid}/next/")
            if r.status_code == 404:
                raise Exhausted()
            return check(r, "next").json()["id"]

        async def submit(client: httpx.AsyncClient, task_id: Any) -> None:
            r = await client.post(f"/api/tasks/{task_id}/annotations/?project={pid}",
                                  json={"result": RESULT, "lead_time": 1.0, "project": pid})
            check(r, "submit")

        return run_load(self.base_url, self.tokens, "Token", next_task, submit, duration=duration,
                        request_timeout=request_timeout, server=self.server)

    def export(self, out: Path, *, timeout: float) -> tuple[float, int, int]:
        """Every task with its annotations as JSON; (seconds, tasks, annotations)."""
        with self._admin(timeout) as c:
            t0 = time.perf_counter()
            with c.stream("GET", f"/api/projects/{self.project_id}/export",
                          params={"exportType": "JSON", "download_all_tasks": "true"}) as r:
                if r.status_code >= 400:
                    r.read()
                    check(r, "export")
                with open(out, "wb") as f:
                    f.writelines(r.iter_bytes(1 << 20))
            took = time.perf_counter() - t0
        tasks = json.loads(out.read_text(encoding="utf-8"))
        return took, len(tasks), sum(len(t.get("annotations") or []) for t in tasks)

    def stop(self) -> None:
        if self.server:
            self.server.stop()
