import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.annotations.test_annotations import setup
from tests.queue.test_queue import nxt, submit


def actions(world, pid=None):
    q = f"?project_id={pid}&limit=1000" if pid else "?limit=1000"
    return [e["action"] for e in world.client("root").get(f"/api/v1/audit{q}").json()["entries"]]


def test_state_changes_write_audit_rows(world):
    world.person("root", "admin")
    pid = setup(world, items=1)
    a = world.client("ann")
    item = nxt(a, pid)
    aid = submit(a, pid, item["id"], "k").json()["id"]
    world.client("rev").post(f"/api/v1/annotations/{aid}/review", json={"decision": "accept"})
    world.client("boss").get(f"/api/v1/projects/{pid}/export")
    seen = actions(world, pid)
    for action in ("project.create", "member.set", "items.import", "queue.lease", "annotation.submit",
                   "review.accept", "project.export"):
        assert action in seen


def test_failed_change_leaves_no_audit_row(world):
    world.person("root", "admin")
    pid = setup(world, items=1)
    a = world.client("ann")
    item = nxt(a, pid)
    before = actions(world, pid).count("annotation.submit")
    a.post(f"/api/v1/projects/{pid}/items/{item['id']}/annotations", json={"answers": {}, "client_key": "x"})
    assert actions(world, pid).count("annotation.submit") == before


def test_audit_log_is_append_only_in_the_database(world, db):
    world.person("root", "admin")
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.session() as s:
                s.execute(text(statement))


def test_managers_read_their_project_only(world):
    world.person("root", "admin")
    pid = setup(world, items=1)
    other = world.project()
    boss = world.client("boss")
    assert boss.get(f"/api/v1/audit?project_id={pid}").status_code == 200
    assert boss.get(f"/api/v1/audit?project_id={other}").status_code == 404
    assert boss.get("/api/v1/audit").status_code == 403
