"""The page routes without a browser: redirects, language choice, the embedded catalog, safe `next`."""

import json
import re

import pytest
from fastapi.testclient import TestClient

from tutorloop.app import create_app
from tutorloop.config import Settings
from tutorloop.migrations import upgrade
from tutorloop.web.routes import safe_next


@pytest.fixture
def client(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url="")
    upgrade(settings.resolved_database_url)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


def page_data(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="tl-page">(.*?)</script>', html, re.S)[1])


@pytest.mark.parametrize("path", ["/", "/projects/new", "/projects/3", "/projects/3/annotate", "/projects/3/review",
                                  "/projects/3/items/9", "/admin/users", "/account"])
def test_anonymous_visitors_are_sent_to_login(client, path):
    response = client.get(path, params={"x": "1"} if path == "/" else None)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/")


def test_login_page(client):
    response = client.get("/login", params={"next": "/projects/2"})
    assert response.status_code == 200
    html = response.text
    assert '<html lang="en" dir="ltr">' in html
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert page_data(html) == {"user": None, "locale": "en", "next": "/projects/2"}
    catalog = json.loads(re.search(r'id="tl-i18n">(.*?)</script>', html, re.S)[1])
    assert catalog["login.submit"] == "Sign in"
    assert re.search(r"<script(?![^>]*(type=\"application/json\"|src=))[^>]*>", html) is None  # no inline code


def test_language_from_cookie_then_header(client):
    client.cookies.set("tl_lang", "ar")
    arabic = client.get("/login", headers={"Accept-Language": "en"}).text
    assert '<html lang="ar" dir="rtl">' in arabic and "دخول" in arabic
    client.cookies.set("tl_lang", "en")
    assert '<html lang="en" dir="ltr">' in client.get("/login", headers={"Accept-Language": "ar"}).text
    client.cookies.clear()
    assert '<html lang="ar" dir="rtl">' in client.get("/login", headers={"Accept-Language": "ar-SA,en;q=0.5"}).text


@pytest.mark.parametrize(("target", "expected"), [
    ("/projects/1?x=2", "/projects/1?x=2"), (None, "/"), ("", "/"), ("https://evil.example/", "/"),
    ("//evil.example/", "/"), ("/\\evil.example", "/"), ("javascript:alert(1)", "/"), ("/a\nb", "/"),
])
def test_safe_next(target, expected):
    assert safe_next(target) == expected
