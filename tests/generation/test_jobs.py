"""Generation jobs end to end: the real app, a real database, a local OpenAI-compatible endpoint."""

from __future__ import annotations

import json
import time

import pytest

from tests.generation.conftest import API_KEY
from tutorloop.annotations.models import Annotation
from tutorloop.items.models import Item

SPEC = {
    "name": "Chat candidates",
    "fields": [{"name": "chat", "type": "chat"}, {"name": "responses", "type": "responses", "required": False}],
    "questions": [{"name": "note", "type": "free_text", "required": False}],
}


def chat(text: str) -> list[dict]:
    return [{"role": "system", "content": "Be brief."}, {"role": "user", "content": text}]


def import_chats(world, pid: int, records: list[dict]) -> dict[str, int]:
    from tutorloop.items.service import import_items

    with world.db.session() as s:
        import_items(s, actor=None, project_id=pid, fmt="jsonl",
                     data="\n".join(json.dumps(r) for r in records).encode())
    with world.db.session(write=False) as s:
        return {ext: iid for ext, iid in s.query(Item.external_id, Item.id).filter(Item.project_id == pid)}


def data_of(world, item_id: int) -> dict:
    with world.db.session(write=False) as s:
        return s.get(Item, item_id).data


def wait_for(client, pid: int, job_id: int, until=lambda job: job["status"] in ("done", "failed", "cancelled"),
             timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/projects/{pid}/generation/{job_id}").json()
        if until(job):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


@pytest.fixture
def project(world):
    world.person("boss", "manager")
    world.person("ann")
    world.person("rev")
    world.person("outsider", "manager")
    pid = world.project(spec=SPEC, members={"boss": "manager", "ann": "annotator", "rev": "reviewer"})
    return pid


def test_job_appends_responses_retries_and_records_item_errors(world, project, endpoint):
    ids = import_chats(world, project, [
        {"id": "plain", "chat": chat("plain question")},
        {"id": "kept", "chat": chat("kept question"),
         "responses": [{"id": "r1", "model": "human", "content": "An earlier answer."}]},
        {"id": "flaky", "chat": chat("flaky question")},
        {"id": "broken", "chat": chat("broken question")},
        {"id": "garbage", "chat": chat("garbage question")},
    ])
    boss = world.client("boss")
    r = boss.post(f"/api/v1/projects/{project}/generation",
                  json={"model": "m", "n_per_item": 2, "temperature": 0.2, "max_tokens": 64})
    assert r.status_code == 202, r.text
    job = wait_for(boss, project, r.json()["id"])

    assert job["status"] == "done", job
    assert (job["total"], job["done"], job["generated"], job["skipped"], job["error_count"]) == (5, 5, 6, 0, 2)
    errors = {e["external_id"]: e for e in job["errors"]}
    assert set(errors) == {"broken", "garbage"}
    assert errors["broken"]["status"] == 500 and "The server had an error" in errors["broken"]["message"]
    assert errors["broken"]["item_id"] == ids["broken"]
    assert "not JSON" in errors["garbage"]["message"]

    assert data_of(world, ids["plain"])["responses"] == [
        {"id": "m-1", "model": "m", "content": "reply 0 to plain question"},
        {"id": "m-2", "model": "m", "content": "reply 1 to plain question"},
    ]
    assert [r["id"] for r in data_of(world, ids["kept"])["responses"]] == ["r1", "m-1", "m-2"]
    assert len(data_of(world, ids["flaky"])["responses"]) == 2
    assert "responses" not in data_of(world, ids["broken"])

    assert endpoint.calls("flaky question") == 2  # one 429, one success
    assert endpoint.calls("broken question") == 3  # the first try and generation_max_retries=2 retries
    assert endpoint.calls("garbage question") == 1  # a malformed answer is not retried
    sent = endpoint.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == f"Bearer {API_KEY}"
    assert sent["body"]["messages"] == chat("plain question")
    assert (sent["body"]["model"], sent["body"]["n"], sent["body"]["temperature"], sent["body"]["max_tokens"]) \
        == ("m", 2, 0.2, 64)
    listed = boss.get(f"/api/v1/projects/{project}/generation").json()
    assert [j["id"] for j in listed] == [job["id"]]
    assert API_KEY not in json.dumps(listed)

    # The rendered item shows the new responses to people.
    item = boss.get(f"/api/v1/projects/{project}/items/{ids['plain']}").json()
    assert "reply 1 to plain question" in json.dumps(item)

    # A second run with only_missing visits only the items the model has not answered yet.
    again = boss.post(f"/api/v1/projects/{project}/generation", json={"model": "m"}).json()
    job = wait_for(boss, project, again["id"])
    assert (job["status"], job["total"], job["error_count"]) == ("done", 2, 2)
    # only_missing false adds more, numbered after the ids already used.
    more = boss.post(f"/api/v1/projects/{project}/generation",
                     json={"model": "m", "only_missing": False, "n_per_item": 1}).json()
    wait_for(boss, project, more["id"])
    assert [r["id"] for r in data_of(world, ids["plain"])["responses"]] == ["m-1", "m-2", "m-3"]


def test_items_with_answers_are_left_alone(world, project, endpoint):
    ids = import_chats(world, project, [{"id": "answered", "chat": chat("answered question")},
                                        {"id": "fresh", "chat": chat("fresh question")}])
    with world.db.session() as s:
        s.add(Annotation(project_id=project, item_id=ids["answered"], user_id=world.ids["ann"],
                         answers={"note": "seen"}, client_key="k1"))
    boss = world.client("boss")
    job = wait_for(boss, project, boss.post(f"/api/v1/projects/{project}/generation", json={"model": "m"}).json()["id"])
    assert (job["status"], job["total"], job["generated"], job["skipped"]) == ("done", 2, 1, 1)
    assert "responses" not in data_of(world, ids["answered"])
    assert endpoint.calls("answered question") == 0


def test_cancel_stops_a_running_job(world, project, endpoint):
    import_chats(world, project, [{"id": f"s{n}", "chat": chat(f"slow question {n}")} for n in range(20)])
    boss = world.client("boss")
    job_id = boss.post(f"/api/v1/projects/{project}/generation", json={"model": "m"}).json()["id"]
    wait_for(boss, project, job_id, until=lambda job: job["done"] >= 1)
    r = boss.post(f"/api/v1/projects/{project}/generation/{job_id}/cancel")
    assert r.status_code == 200 and r.json()["cancel_requested"] is True
    job = wait_for(boss, project, job_id)
    assert job["status"] == "cancelled" and 1 <= job["done"] < job["total"] == 20
    assert job["generated"] == job["done"]
    assert job["finished_at"] is not None
    assert boss.post(f"/api/v1/projects/{project}/generation/{job_id}/cancel").json()["status"] == "cancelled"
    # Nothing is requested after the cancel settled.
    seen = len(endpoint.requests)
    time.sleep(0.5)
    assert len(endpoint.requests) == seen


def test_a_refused_key_fails_the_job_without_leaking_it(world, project, endpoint):
    import_chats(world, project, [{"id": "a", "chat": chat("wrongkey")}, {"id": "b", "chat": chat("wrongkey b")}])
    boss = world.client("boss")
    job = wait_for(boss, project, boss.post(f"/api/v1/projects/{project}/generation", json={"model": "m"}).json()["id"])
    assert job["status"] == "failed" and "HTTP 401" in job["message"] and "Incorrect API key" in job["message"]
    assert API_KEY not in json.dumps(job)
    assert endpoint.calls("wrongkey b") == 0  # the job stopped at the first refusal
    r = boss.post(f"/api/v1/projects/{project}/generation/{job['id']}/cancel")
    assert r.status_code == 409


def test_only_project_managers_run_and_read_jobs(world, project, endpoint):
    import_chats(world, project, [{"id": "slow", "chat": chat("slow one")},
                                  {"id": "slow2", "chat": chat("slow two")}])
    base = f"/api/v1/projects/{project}/generation"
    assert world.client("ann").post(base, json={"model": "m"}).status_code == 403
    assert world.client("rev").post(base, json={"model": "m"}).status_code == 403
    assert world.client("outsider").post(base, json={"model": "m"}).status_code == 404
    assert world.client(None).post(base, json={"model": "m"}).status_code == 401
    assert endpoint.requests == []

    boss = world.client("boss")
    job_id = boss.post(base, json={"model": "m"}).json()["id"]
    busy = boss.post(base, json={"model": "other"})
    assert busy.status_code == 409 and busy.json()["where"] == "job_id"
    assert world.client("ann").get(f"{base}/{job_id}").status_code == 403
    assert world.client("outsider").get(f"{base}/{job_id}").status_code == 404
    assert world.client("rev").post(f"{base}/{job_id}/cancel").status_code == 403
    assert boss.get(f"{base}/{job_id + 1000}").status_code == 404
    assert wait_for(boss, project, job_id)["status"] == "done"


BAD_BODIES = [
    ({"model": "m", "n_per_item": 5}, "n_per_item"),
    ({"model": ""}, "model"),
    ({"model": "m", "temperature": 3}, "temperature"),
    ({"model": "m", "api_key": "x"}, "api_key"),
    ({"model": "m", "responses_field": "chat"}, "responses_field"),
]


def test_bad_requests_are_refused_with_where(world, project, endpoint):
    boss = world.client("boss")
    for body, where in BAD_BODIES:
        r = boss.post(f"/api/v1/projects/{project}/generation", json=body)
        assert r.status_code == 422 and r.json()["where"] == where, (body, r.text)
    assert boss.get(f"/api/v1/projects/{project}/generation").json() == []
    assert endpoint.requests == []


def test_projects_without_responses_or_endpoint_are_refused(world, app, settings, db):
    from tutorloop.app import create_app

    world.person("boss", "manager")
    text_pid = world.project(members={"boss": "manager"})
    r = world.client("boss").post(f"/api/v1/projects/{text_pid}/generation", json={"model": "m"})
    assert r.status_code == 422 and r.json()["where"] == "chat_field"

    chat_pid = world.project(spec=SPEC, members={"boss": "manager"})
    world.app = create_app(settings.model_copy(update={"generation_base_url": ""}), database=db)
    r = world.client("boss").post(f"/api/v1/projects/{chat_pid}/generation", json={"model": "m"})
    assert r.status_code == 409 and "TUTORLOOP_GENERATION_BASE_URL" in r.json()["detail"]
