"""Walk every route of the OpenAPI schema as outsiders: they must never see or change another project."""

import re

import pytest

from tests.queue.test_queue import nxt, submit

MARKER = "ZEBRA-SECRET-7731"

SPEC = {
    "name": f"Project {MARKER}",
    "guidelines": f"Guidelines {MARKER}",
    "overlap": 2,
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "sentiment", "type": "single_label", "labels": ["positive", MARKER]}],
}

BODIES = {
    "/api/v1/auth/login": {"username": "owner", "password": "guessed-password"},
    "/api/v1/auth/tokens": {"name": "t"},
    "/api/v1/users": {"username": "intruder2", "password": "long-password"},
    "/api/v1/users/me": {"locale": "en"},
    "/api/v1/projects": {"spec": {**SPEC, "name": "Own project", "guidelines": "",
                                  "questions": [{"name": "q", "type": "free_text"}]}},
    "/api/v1/projects/{project_id}": {"name": "hijacked", "overlap": 5},
    "/api/v1/projects/{project_id}/members/{user_id}": {"role": "manager"},
    "/api/v1/projects/{project_id}/items/{item_id}/annotations": {
        "answers": {"sentiment": "positive"}, "client_key": "walk"},
    "/api/v1/annotations/{annotation_id}": {"answers": {"sentiment": "positive"}},
    "/api/v1/annotations/{annotation_id}/review": {"decision": "reject", "reason": "walk"},
    "/api/v1/projects/{project_id}/items/{item_id}/comments": {"body": "walk"},
    "/api/v1/projects/{project_id}/items/{item_id}/gold": {"answers": {"sentiment": "positive"}},
    "/api/v1/projects/{project_id}/generation": {"model": "walk-model", "n_per_item": 1},
}


@pytest.fixture
def target(world):
    """A project with data only its members may see, and two outsiders."""
    world.person("owner", "manager")
    world.person("member")
    world.person("intruder")            # an annotator in another project
    world.person("rival", "manager")    # a manager of another project
    pid = world.project(spec=SPEC, members={"owner": "manager", "member": "annotator"})
    owner = world.client("owner")
    owner.post(f"/api/v1/projects/{pid}/items/import",
               files={"file": ("i.jsonl", f'{{"id": "x1", "text": "{MARKER} item"}}\n'.encode())})
    m = world.client("member")
    item = nxt(m, pid)
    aid = submit(m, pid, item["id"], "k", MARKER).json()["id"]
    owner.post(f"/api/v1/projects/{pid}/items/{item['id']}/comments", json={"body": f"note {MARKER}"})
    world.project(members={"intruder": "annotator", "rival": "manager"}, items=2)
    token_id = owner.get("/api/v1/auth/tokens").json()[0]["id"]
    from tutorloop.generation.models import GenerationJob

    with world.db.session() as s:
        job = GenerationJob(project_id=pid, created_by=world.ids["owner"], status="done", model=f"m-{MARKER}",
                            params={}, total=1, done=1, generated=0, skipped=0, error_count=1, cancel_requested=False,
                            errors=[{"item_id": item["id"], "external_id": "x1", "status": 500, "message": MARKER}])
        s.add(job)
        s.flush()
        job_id = job.id
    return {"project_id": pid, "item_id": item["id"], "annotation_id": aid, "user_id": world.ids["member"],
            "token_id": token_id, "job_id": job_id, "path": "x.png", "field": "image"}


def operations(app):
    schema = app.openapi()
    for path, methods in schema["paths"].items():
        for method in methods:
            yield method.upper(), path


def fill(path, ids):
    return re.sub(r"{(\w+)(:path)?}", lambda m: str(ids[m.group(1)]), path)


def call(client, method, path, ids):
    url = fill(path, ids)
    if path.endswith("/items/import"):
        return client.post(url, files={"file": ("a.jsonl", b'{"text": "planted"}\n')})
    body = BODIES.get(path)
    if method in ("POST", "PUT", "PATCH"):
        return client.request(method, url, json=body if body is not None else {})
    return client.request(method, url)


def snapshot(world, ids):
    owner = world.client("owner")
    pid = ids["project_id"]
    return (
        owner.get(f"/api/v1/projects/{pid}").json(),
        owner.get(f"/api/v1/projects/{pid}/members").json(),
        owner.get(f"/api/v1/projects/{pid}/annotations").json(),
        owner.get(f"/api/v1/projects/{pid}/items").json()["items"],
        owner.get(f"/api/v1/projects/{pid}/items/{ids['item_id']}/comments").json(),
    )


def test_every_route_refuses_anonymous_clients(world, app, target):
    anon = world.client(None)
    before = snapshot(world, target)
    for method, path in operations(app):
        r = call(anon, method, path, target)
        assert r.status_code != 500, (method, path, r.text)
        assert MARKER not in r.text, (method, path)
        if path != "/api/v1/auth/login":
            assert r.status_code in (401, 403, 404, 405, 422), (method, path, r.status_code)
    assert snapshot(world, target) == before


@pytest.mark.parametrize("outsider", ["intruder", "rival"])
def test_every_route_keeps_other_projects_data_from_outsiders(world, app, target, outsider):
    client = world.client(outsider)
    before = snapshot(world, target)
    for method, path in operations(app):
        if path in ("/api/v1/auth/logout",) or path.startswith("/api/v1/auth/tokens/"):
            continue  # would only end the outsider's own credentials
        r = call(client, method, path, target)
        assert r.status_code != 500, (method, path, r.text)
        assert MARKER not in r.text, (method, path, r.status_code)
        if "{project_id}" in path or "{annotation_id}" in path:
            assert r.status_code in (401, 403, 404, 422), (method, path, r.status_code)
    assert snapshot(world, target) == before
