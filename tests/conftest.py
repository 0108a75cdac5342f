"""Shared fixtures: every database test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tutorloop.config import Settings
from tutorloop.db import Database
from tutorloop.migrations import upgrade

IN_CI = os.environ.get("CI", "").lower() == "true"

SENTIMENT_SPEC = {
    "name": "Sentiment",
    "guidelines": "Pick the **overall** sentiment.",
    "overlap": 2,
    "fields": [{"name": "text", "type": "text"}],
    "questions": [
        {"name": "sentiment", "type": "single_label", "labels": ["positive", "negative", "neutral"]},
        {"name": "topics", "type": "multi_label", "labels": ["price", "delivery"], "required": False},
        {"name": "stars", "type": "rating", "min": 1, "max": 5, "required": False},
        {"name": "note", "type": "free_text", "required": False, "max_length": 50},
    ],
}


@pytest.fixture(autouse=True)
def _hash_each_password_once(monkeypatch):
    """Argon2id is slow by design (~0.4 s here); tests reuse a real hash per distinct password."""
    from tutorloop.accounts import security, service

    monkeypatch.setattr(service, "hash_password", _cached_hash)
    assert security.hash_password is not _cached_hash


@functools.lru_cache(maxsize=None)
def _cached_hash(password: str) -> str:
    from tutorloop.accounts.security import hash_password

    return hash_password(password)


@pytest.fixture(scope="session")
def postgres_server():
    from tests.support.postgres import find_bindir, start_postgres

    if find_bindir() is None:
        if IN_CI:
            pytest.fail("PostgreSQL is not installed but CI=true requires the PostgreSQL tests")
        pytest.skip("PostgreSQL server binaries not installed")
    server = start_postgres()
    upgrade(server.create_database("tl_template"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path, sqlite_template) -> str:
    """A freshly migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "tutorloop.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("postgres_server")
    name = "t_" + uuid.uuid4().hex[:12]
    server._run(str(server.bindir / "createdb"), "-h", str(server.socket_dir), "-p", str(server.port),
                "-U", "postgres", "-T", "tl_template", name)
    yield server.url_for(name)
    server.drop_database(name)


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url)


@pytest.fixture
def db(settings):
    database = Database(settings.resolved_database_url, pool_size=5)
    yield database
    database.dispose()


@pytest.fixture
def app(settings, db):
    from tutorloop.app import create_app

    return create_app(settings, database=db)


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


class World:
    """People with API tokens and a project, built through the services."""

    def __init__(self, db: Database, app):
        self.db, self.app = db, app
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, int] = {}

    def person(self, username: str, role: str = "annotator") -> str:
        from tutorloop.accounts.service import create_user, issue_token_for

        with self.db.session() as s:
            user = create_user(s, actor=None, username=username, password="password-" + username, role=role)
            self.ids[username] = user.id
        with self.db.session() as s:
            self.tokens[username] = issue_token_for(s, username=username, name="test")
        return self.tokens[username]

    def client(self, username: str | None) -> TestClient:
        c = TestClient(self.app, raise_server_exceptions=False)
        if username:
            c.headers["Authorization"] = f"Bearer {self.tokens[username]}"
        return c

    def project(self, spec: dict | None = None, members: dict[str, str] | None = None, items: int = 0) -> int:
        import json

        from tutorloop.items.service import import_items
        from tutorloop.projects.service import create_project, set_member

        with self.db.session() as s:
            project = create_project(s, actor=None, raw_spec=spec or SENTIMENT_SPEC)
            for name, role in (members or {}).items():
                set_member(s, actor=None, project_id=project.id, user_id=self.ids[name], role=role)
            if items:
                lines = "\n".join(json.dumps({"id": f"i{n}", "text": f"item {n}"}) for n in range(items))
                import_items(s, actor=None, project_id=project.id, data=lines.encode(), fmt="jsonl")
            return project.id


@pytest.fixture
def world(db, app) -> World:
    return World(db, app)
