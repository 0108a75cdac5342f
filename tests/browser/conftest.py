"""Browser tests: the real server in a subprocess, seeded over its own CLI and REST API, driven by Chromium.

The server runs `python -m tutorloop serve` on a free port with a temporary data folder. Each test gets a
fresh browser context (no shared cookies) and signs in as a person made for it, so tests do not depend
on each other's order.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("TUTORLOOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "correct-horse-battery"
DEMO_ADMIN_PASSWORD = "admin-demo-1"  # from `tutorloop demo` (src/tutorloop/demo.py)
XSS_TEXT = 'Hello <script>window.__xss=1</script> and <img src=x onerror="window.__xss=1"> end'
XSS_MARKDOWN = (
    "A [x](javascript:window.__xss=1) link, <script>window.__xss=1</script> and "
    '<img src=x onerror="window.__xss=1"> here.'
)

ARABIC_TEXTS = [
    "وصل الطلب في الوقت المحدد والجودة ممتازة، شكراً لكم!",
    "تأخر الشحن أسبوعين ولم يرد أحد على رسائلي.",
    "هل يمكن تغيير عنوان التوصيل بعد الدفع؟",
    "المنتج جيد لكن السعر مرتفع قليلاً.",
    "خدمة العملاء كانت رائعة وساعدوني بسرعة.",
    "وصلت العلبة مكسورة والمنتج لا يعمل.",
    "ما هي ساعات عمل المتجر يوم الجمعة؟",
    "أفضل تجربة شراء عبر الإنترنت حتى الآن.",
    "السعر مناسب والتوصيل سريع.",
    "لم يعجبني اللون، لكنه مطابق للصورة.",
    "طلبت مقاساً خاطئاً، كيف أستبدله؟",
    "الجودة أقل بكثير مما توقعت.",
]

SENTIMENT_SPEC = {
    "name": "مشاعر الرسائل — Sentiment",
    "description": "Classify the sentiment of short customer messages.",
    "guidelines": "Choose the **overall** sentiment.\n\n- *Positive*: satisfied\n- *Negative*: complaint",
    "overlap": 5,
    "fields": [{"name": "text", "type": "text", "label": "Message"}],
    "questions": [
        {"name": "sentiment", "type": "single_label", "prompt": "Overall sentiment",
         "labels": [{"value": "positive", "text": "Positive"}, {"value": "negative", "text": "Negative"},
                    {"value": "neutral", "text": "Neutral"}]},
        {"name": "topics", "type": "multi_label", "prompt": "Topics", "required": False,
         "labels": [{"value": "delivery", "text": "Delivery"}, {"value": "price", "text": "Price"},
                    {"value": "quality", "text": "Quality"}]},
        {"name": "note", "type": "free_text", "prompt": "Note for the reviewer", "required": False,
         "max_length": 500},
    ],
}

XSS_SPEC = {
    "name": "Inert text check",
    "guidelines": "Guidelines with a [bad link](javascript:window.__xss=1) and <script>window.__xss=1</script>.",
    "overlap": 1,
    "fields": [
        {"name": "text", "type": "text", "label": "Plain"},
        {"name": "notes", "type": "text", "format": "markdown", "label": "Markdown"},
    ],
    "questions": [{"name": "ok", "type": "single_label", "labels": ["yes", "no"]}],
}

# people made for the tests: username -> site role
PEOPLE = {
    "manager1": "manager",
    "rev1": "reviewer",
    "ann_keys": "annotator",
    "ann_draft": "annotator",
    "ann_edit": "annotator",
    "ann_seed": "annotator",
    "ann_lang": "annotator",
    "ann_xss": "annotator",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tutorloop", *args], env=env, check=check,
                          capture_output=True, text=True, timeout=120)


class Api:
    """A signed-in API client (session cookie + CSRF header), for seeding and for checking results."""

    def __init__(self, base_url: str, username: str, password: str = PASSWORD):
        self.client = httpx.Client(base_url=f"{base_url}/api/v1", timeout=30)
        r = self.client.post("/auth/login", json={"username": username, "password": password})
        r.raise_for_status()
        self.user = r.json()["user"]
        self.client.headers["X-CSRF-Token"] = r.json()["csrf_token"]

    def __call__(self, method: str, path: str, **kwargs):
        r = self.client.request(method, path, **kwargs)
        if r.status_code >= 400:
            raise AssertionError(f"{method} {path} -> {r.status_code}: {r.text}")
        return r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text


@dataclass
class Site:
    url: str
    admin: Api
    demo: bool = False
    data_dir: Path | None = None  # the server's TUTORLOOP_DATA_DIR (media goes in data_dir / "media" / <pid>)
    users: dict[str, int] = field(default_factory=dict)
    projects: dict[str, int] = field(default_factory=dict)
    items: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def admin_password(self) -> str:
        return DEMO_ADMIN_PASSWORD if self.demo else PASSWORD

    def api(self, username: str) -> Api:
        return Api(self.url, username)


def _seed(base_url: str, admin_password: str, demo: bool) -> Site:
    admin = Api(base_url, "admin", admin_password)
    site = Site(url=base_url, admin=admin, demo=demo)
    for username, role in PEOPLE.items():
        user = admin("POST", "/users", json={"username": username, "password": PASSWORD, "role": role,
                                             "display_name": username.replace("_", " ").title()})
        site.users[username] = user["id"]
    for key, spec, rows in (
        ("sentiment", SENTIMENT_SPEC, [{"id": f"ar-{i + 1}", "text": t} for i, t in enumerate(ARABIC_TEXTS)]),
        ("xss", XSS_SPEC, [{"id": "evil-1", "text": XSS_TEXT, "notes": XSS_MARKDOWN}]),
    ):
        project = admin("POST", "/projects", json={"spec": spec})
        pid = project["id"]
        site.projects[key] = pid
        payload = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()
        admin("POST", f"/projects/{pid}/items/import", files={"file": ("items.jsonl", payload, "application/x-ndjson")})
        for username, role in PEOPLE.items():
            project_role = {"manager": "manager", "reviewer": "reviewer"}.get(role, "annotator")
            admin("PUT", f"/projects/{pid}/members/{site.users[username]}", json={"role": project_role})
        listing = admin("GET", f"/projects/{pid}/items", params={"limit": 100})
        site.items[key] = {item["external_id"]: item["id"] for item in listing["items"]}
    return site


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The real tutorloop server, seeded; yields a `Site`."""
    data_dir = tmp_path_factory.mktemp("tutorloop-data")
    env = {**os.environ, "TUTORLOOP_DATA_DIR": str(data_dir), "TUTORLOOP_DATABASE_URL": "", "PYTHONUNBUFFERED": "1"}
    _cli(env, "db", "upgrade")
    # The demo people and projects when `tutorloop demo` exists; the test's own data is added on top.
    demo = _cli(env, "demo", "--no-serve", check=False).returncode == 0
    if not demo:
        _cli(env, "users", "add", "admin", "--role", "admin", "--password", PASSWORD)
    port = _free_port()
    log = open(data_dir / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "tutorloop", "serve", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start:\n" + (data_dir / "server.log").read_text())
            time.sleep(0.2)
        site = _seed(base_url, DEMO_ADMIN_PASSWORD if demo else PASSWORD, demo)
        site.data_dir = data_dir
        yield site
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def browser():
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        if IN_CI:
            pytest.fail(f"Chromium not found at {CHROMIUM} but CI=true requires the browser tests")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser, server):
    ctx = browser.new_context(base_url=server.url, viewport={"width": 1360, "height": 900}, accept_downloads=True)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def sign_in():
    """sign_in(page, username): sign in through the API with the page's own cookies (the form has its own test)."""

    def _sign_in(page, username: str, password: str | None = None) -> None:
        r = page.context.request.post("/api/v1/auth/login",
                                      data={"username": username, "password": password or PASSWORD})
        assert r.ok, r.text()

    return _sign_in
