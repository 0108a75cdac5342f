import csv
import io
import json

from tests.annotations.test_annotations import setup
from tests.queue.test_queue import nxt, submit


def label_everything(world, pid):
    a, b = world.client("ann"), world.client("bob")
    first = nxt(a, pid)
    ka = submit(a, pid, first["id"], "a1", "negative").json()["id"]
    assert nxt(b, pid)["id"] == first["id"]
    submit(b, pid, first["id"], "b1", "negative")
    world.client("rev").post(f"/api/v1/annotations/{ka}/review", json={"decision": "reject", "reason": "check"})
    return first


class TestExport:
    def test_jsonl_has_per_annotator_rows_and_consensus(self, world):
        pid = setup(world, items=3)
        first = label_everything(world, pid)
        r = world.client("boss").get(f"/api/v1/projects/{pid}/export?format=jsonl")
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        records = [json.loads(line) for line in r.text.splitlines()]
        assert len(records) == 3
        rec = next(x for x in records if x["item_id"] == first["id"])
        assert rec["consensus"]["sentiment"] == "negative"
        assert rec["consensus_method"]["sentiment"] == "majority"  # no engine fit yet: the simple rule
        assert rec["consensus_confidence"]["sentiment"] == 1.0
        rows = {row["annotator"]: row for row in rec["annotations"]}
        assert rows["ann"]["review_state"] == "rejected" and rows["ann"]["review_reason"] == "check"
        assert rows["bob"]["review_state"] == "submitted"
        assert rows["bob"]["time_spent_ms"] == 1500 and rows["bob"]["guideline_version"] == 1
        assert all(not x["annotations"] for x in records if x["item_id"] != first["id"])

    def test_csv_has_one_row_per_annotation(self, world):
        pid = setup(world, items=2)
        first = label_everything(world, pid)
        r = world.client("boss").get(f"/api/v1/projects/{pid}/export?format=csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        mine = [row for row in rows if row["item_id"] == str(first["id"])]
        assert {row["annotator"] for row in mine} == {"ann", "bob"}
        assert {row["consensus.sentiment"] for row in mine} == {"negative"}
        assert len(rows) == 3  # two annotations + one unlabelled item

    def test_only_managers_export_and_bad_format_is_422(self, world):
        pid = setup(world, items=1)
        assert world.client("ann").get(f"/api/v1/projects/{pid}/export").status_code == 403
        r = world.client("boss").get(f"/api/v1/projects/{pid}/export?format=xml")
        assert r.status_code == 422 and r.json()["where"] == "format"

    def test_consensus_uses_corrections(self, world):
        pid = setup(world, items=1)
        a = world.client("ann")
        item = nxt(a, pid)
        aid = submit(a, pid, item["id"], "k", "positive").json()["id"]
        world.client("rev").post(f"/api/v1/annotations/{aid}/review",
                                 json={"decision": "correct", "answers": {"sentiment": "neutral"}})
        [rec] = [json.loads(x) for x in world.client("boss").get(f"/api/v1/projects/{pid}/export").text.splitlines()]
        assert rec["consensus"]["sentiment"] == "neutral"
        assert rec["annotations"][0]["answers"] == {"sentiment": "positive"}
