"""Chat formats against the real services: imported items pass the importer, stored answers export."""

import json

from tests.formats.test_chat_support import CHAT, RESPONSES, SPEC, jsonl
from tests.queue.test_queue import nxt
from tutorloop.formats import chat
from tutorloop.schema.questions.base import AnswerContext
from tutorloop.schema.spec import parse_spec, validate_answers

PROJECT_SPEC = {**SPEC, "overlap": 2, "questions": [{**q, "required": False} for q in SPEC["questions"]]}


def test_hand_made_answers_are_what_the_server_stores():
    from tests.formats.test_chat_exports import PAIR_B, RANKED, REWRITE, SCORES

    spec = parse_spec(SPEC)
    answers = {**PAIR_B, **RANKED, **REWRITE, **SCORES, "reply": {"content": "It is 4."}}
    stored = validate_answers(spec, answers, AnswerContext(data={"chat": CHAT, "responses": RESPONSES}, media={}))
    assert {k: v for k, v in stored["fix"].items() if k != "diff"} == {k: v for k, v in REWRITE["fix"].items()
                                                                       if k != "diff"}
    assert stored["prefer"] == PAIR_B["prefer"] and stored["order"] == RANKED["order"]


def test_candidates_import_then_per_person_and_consensus_exports(world):
    from tutorloop.exports.service import iter_item_records
    from tutorloop.items.service import import_items
    from tutorloop.projects.models import Project

    for name in ("ann", "bob"):
        world.person(name)
    pid = world.project(PROJECT_SPEC, members={"ann": "annotator", "bob": "annotator"})
    rows = [{"id": "p1", "prompt": "2+2?", "model": "m-a", "response": "4"},
            {"id": "p1", "prompt": "2+2?", "model": "m-b", "response": "5"}]
    records = chat.decode("candidates", "\n".join(map(json.dumps, rows)).encode(), spec=PROJECT_SPEC)
    with world.db.session() as s:
        import_items(s, actor=None, project_id=pid,
                     data="\n".join(json.dumps(chat.item_values(r)) for r in records).encode(), fmt="jsonl")
    for name, choice, strength in (("ann", "a", -2), ("bob", "a", -1)):
        client = world.client(name)
        item = nxt(client, pid)
        assert item["data"]["responses"][1] == {"id": "r2", "model": "m-b", "content": "5"}
        answers = {"prefer": {"choice": choice, "strength": strength, "rationale": "", "shown": ["r2", "r1"]}}
        r = client.post(f"/api/v1/projects/{pid}/items/{item['id']}/annotations",
                        json={"answers": answers, "client_key": name})
        assert r.status_code in (200, 201), r.text
    with world.db.session(write=False) as s:
        project = s.get(Project, pid)
        spec = project.spec
        per_person = jsonl(chat.encode("dpo", chat.from_item_records(iter_item_records(s, project=project),
                                                                     source="annotations"), spec=spec))
        agreed = jsonl(chat.encode("reward_pairs", chat.from_item_records(iter_item_records(s, project=project)),
                                   spec=spec))
    assert [(r["id"], r["annotator"], r["chosen"][0]["content"], r["rejected"][0]["content"]) for r in per_person] \
        == [("p1", "ann", "4", "5"), ("p1", "bob", "4", "5")]
    assert [(r["chosen"][-1]["content"], r["margin"]) for r in agreed] == [("4", 2)]
    assert agreed[0]["chosen"][:-1] == [{"role": "user", "content": "2+2?"}]
