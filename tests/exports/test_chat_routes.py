"""Chat imports and training exports through the HTTP routes: candidates in, answers, DPO/SFT out."""

import json

SPEC = {
    "name": "chat prefs",
    "fields": [{"name": "chat", "type": "chat"}, {"name": "responses", "type": "responses"}],
    "questions": [{"name": "pref", "type": "pairwise", "field": "responses"}],
}
CANDIDATES = [
    {"id": "p1", "prompt": "What is 2+2?", "model": "m-a", "response": "4"},
    {"id": "p1", "prompt": "What is 2+2?", "model": "m-b", "response": "5"},
    {"id": "p2", "prompt": "ما عاصمة الأردن؟", "model": "m-a", "response": "عمّان"},
    {"id": "p2", "prompt": "ما عاصمة الأردن؟", "model": "m-b", "response": "إربد"},
]


def test_candidates_import_then_pairwise_answers_export_as_dpo(world):
    world.person("boss", "manager")
    world.person("ann", "annotator")
    pid = world.project(SPEC, members={"boss": "manager", "ann": "annotator"})
    boss, ann = world.client("boss"), world.client("ann")
    body = "\n".join(json.dumps(r, ensure_ascii=False) for r in CANDIDATES).encode()
    r = boss.post(f"/api/v1/projects/{pid}/items/import", files={"file": ("c.jsonl", body)},
                  data={"format": "candidates"})
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 2
    for n in range(2):
        item = ann.post(f"/api/v1/projects/{pid}/queue/next").json()["item"]
        first, second = (resp["id"] for resp in item["data"]["responses"][:2])
        winner_is_a = item["data"]["responses"][0]["content"] in ("4", "عمّان")
        answer = {"choice": "a" if winner_is_a else "b", "strength": -2 if winner_is_a else 2,
                  "shown": [second, first]}
        r = ann.post(f"/api/v1/projects/{pid}/items/{item['id']}/annotations",
                     json={"answers": {"pref": answer}, "client_key": f"k{n}"})
        assert r.status_code == 201, r.text
    r = boss.get(f"/api/v1/projects/{pid}/export", params={"format": "dpo"})
    assert r.status_code == 200, r.text
    rows = [json.loads(line) for line in r.text.splitlines() if line.strip()]
    assert len(rows) == 2
    chosen = {row["chosen"][-1]["content"] for row in rows}
    rejected = {row["rejected"][-1]["content"] for row in rows}
    assert chosen == {"4", "عمّان"} and rejected == {"5", "إربد"}
    r = boss.get(f"/api/v1/projects/{pid}/export", params={"format": "sft"})
    assert r.status_code == 200
    assert {json.loads(line)["messages"][-1]["content"] for line in r.text.splitlines()} == {"4", "عمّان"}


def test_an_export_with_nothing_usable_is_refused_clearly(world):
    world.person("boss", "manager")
    pid = world.project(SPEC, members={"boss": "manager"})
    boss = world.client("boss")
    body = "\n".join(json.dumps(r, ensure_ascii=False) for r in CANDIDATES).encode()
    boss.post(f"/api/v1/projects/{pid}/items/import", files={"file": ("c.jsonl", body)}, data={"format": "candidates"})
    r = boss.get(f"/api/v1/projects/{pid}/export", params={"format": "dpo"})
    assert r.status_code == 422 and r.json()["detail"]
    r = boss.get(f"/api/v1/projects/{pid}/export", params={"format": "dpo", "pairs": "sideways"})
    assert r.status_code == 422
