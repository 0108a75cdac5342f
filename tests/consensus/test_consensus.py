"""Consensus stored per item and question, gold items, and refits with the quality engine."""

import json

from tests.queue.test_queue import item_row, nxt

SPEC = {
    "name": "Quality",
    "overlap": 3,
    "fields": [{"name": "text", "type": "text"}],
    "questions": [
        {"name": "label", "type": "single_label", "labels": ["a", "b"]},
        {"name": "stars", "type": "rating", "min": 1, "max": 5, "required": False},
    ],
}


def team(world, n=4, items=0, spec=SPEC):
    world.person("boss", "manager")
    names = [f"p{i}" for i in range(n)]
    for name in names:
        world.person(name)
    pid = world.project(spec=spec, members={"boss": "manager", **{x: "annotator" for x in names}}, items=items)
    return pid, names


def answer(client, pid, item_id, label, key, stars=None):
    answers = {"label": label} | ({"stars": stars} if stars else {})
    r = client.post(f"/api/v1/projects/{pid}/items/{item_id}/annotations", json={"answers": answers, "client_key": key})
    assert r.status_code in (200, 201), r.text
    return r.json()


def consensus_of(world, pid, item_id):
    rows = world.client("boss").get(f"/api/v1/projects/{pid}/items/{item_id}/consensus").json()
    return {row["question"]: row for row in rows}


class TestIncremental:
    def test_consensus_is_stored_as_labels_arrive(self, world):
        pid, names = team(world, items=1)
        votes = {"p0": ("a", 4), "p1": ("a", 5), "p2": ("b", 2)}
        for n, (label, stars) in votes.items():
            c = world.client(n)
            item = nxt(c, pid)
            answer(c, pid, item["id"], label, n, stars)
        got = consensus_of(world, pid, item["id"])
        assert got["label"]["value"] == "a" and got["label"]["n_labels"] == 3
        assert abs(got["label"]["confidence"] - 2 / 3) < 1e-9 and got["label"]["method"] == "majority"
        assert got["stars"]["value"] == 4

    def test_rejection_updates_consensus(self, world):
        pid, names = team(world, items=1)
        world.person("rev", "reviewer")
        world.client("boss").put(f"/api/v1/projects/{pid}/members/{world.ids['rev']}", json={"role": "reviewer"})
        ids = []
        for n, label in (("p0", "b"), ("p1", "a")):
            c = world.client(n)
            item = nxt(c, pid)
            ids.append(answer(c, pid, item["id"], label, n)["id"])
        assert consensus_of(world, pid, item["id"])["label"]["value"] == "b"  # tie: first seen
        world.client("rev").post(f"/api/v1/annotations/{ids[0]}/review", json={"decision": "reject", "reason": "x"})
        got = consensus_of(world, pid, item["id"])["label"]
        assert got["value"] == "a" and got["n_labels"] == 1


class TestGold:
    def import_gold(self, world, pid):
        lines = [{"id": "g1", "text": "gold one", "gold": {"label": "a"}},
                 {"id": "n1", "text": "normal"}]
        body = "\n".join(json.dumps(x) for x in lines).encode()
        r = world.client("boss").post(f"/api/v1/projects/{pid}/items/import", files={"file": ("g.jsonl", body)})
        assert r.status_code == 200, r.text
        assert r.json()["gold"] == 1
        return r

    def test_gold_items_are_served_at_the_rate_and_scored(self, world):
        pid, names = team(world)
        world.client("boss").patch(f"/api/v1/projects/{pid}", json={"gold_rate": 1.0})
        self.import_gold(world, pid)
        project = world.client("boss").get(f"/api/v1/projects/{pid}").json()
        assert project["item_count"] == 1 and project["gold_rate"] == 1.0
        c = world.client("p0")
        first = nxt(c, pid)
        assert first["external_id"] == "g1"
        assert first["gold"] is None and "gold" not in json.dumps(first["metadata"])  # not recognisable
        answer(c, pid, first["id"], "b", "k1")  # wrong on gold
        second = nxt(c, pid)
        assert second["external_id"] == "n1"
        report = world.client("boss").get(f"/api/v1/projects/{pid}/quality").json()
        [label_q] = [q for q in report["questions"] if q["name"] == "label"]
        [person] = [p for p in label_q["people"] if p["username"] == "p0"]
        assert person["gold_total"] == 1 and person["gold_correct"] == 0
        lo, hi = person["gold_interval"]
        assert 0 <= lo < hi <= 1
        assert consensus_of(world, pid, first["id"])["label"]["value"] == "a"  # gold wins

    def test_gold_never_counts_towards_completion(self, world, db):
        pid, names = team(world)
        self.import_gold(world, pid)
        progress = world.client("boss").get(f"/api/v1/projects/{pid}/progress").json()
        assert progress["items"] == 1 and progress["complete"] == 0
        gold_id = world.client("boss").get(f"/api/v1/projects/{pid}/items").json()["items"][0]["id"]
        row = item_row(db, gold_id)
        assert row.is_gold and row.queued is False

    def test_mark_and_unmark_gold_keeps_counters_true(self, world, db):
        pid, names = team(world, items=2)
        boss = world.client("boss")
        r = boss.put(f"/api/v1/projects/{pid}/items/1/gold", json={"answers": {"label": "x"}})
        assert r.status_code == 422 and r.json()["where"] == "answers.label"
        assert boss.put(f"/api/v1/projects/{pid}/items/1/gold", json={"answers": {"label": "b"}}).status_code == 200
        assert boss.get(f"/api/v1/projects/{pid}").json()["item_count"] == 1
        assert item_row(db, 1).queued is False
        assert boss.delete(f"/api/v1/projects/{pid}/items/1/gold").status_code == 200
        assert boss.get(f"/api/v1/projects/{pid}").json()["item_count"] == 2
        assert item_row(db, 1).queued is True and item_row(db, 1).needed == 3

    def test_marking_gold_updates_consensus_and_is_visible_to_managers_only(self, world):
        pid, names = team(world, items=1)
        c = world.client("p0")
        item = nxt(c, pid)
        answer(c, pid, item["id"], "a", "k")
        boss = world.client("boss")
        boss.put(f"/api/v1/projects/{pid}/items/{item['id']}/gold", json={"answers": {"label": "b"}})
        got = consensus_of(world, pid, item["id"])["label"]
        assert (got["value"], got["method"], got["confidence"]) == ("b", "gold", 1.0)
        assert boss.get(f"/api/v1/projects/{pid}/items/{item['id']}").json()["gold"] == {"label": "b"}
        assert c.get(f"/api/v1/projects/{pid}/items/{item['id']}").json()["gold"] is None
        boss.delete(f"/api/v1/projects/{pid}/items/{item['id']}/gold")
        got = consensus_of(world, pid, item["id"])["label"]
        assert (got["value"], got["method"]) == ("a", "majority")
        r = boss.delete(f"/api/v1/projects/{pid}/items/{item['id']}/gold")
        assert r.status_code == 409

    def test_bad_gold_in_import_names_the_line(self, world):
        pid, names = team(world)
        body = b'{"id": "x", "text": "t"}\n{"id": "y", "text": "t", "gold": {"label": "zzz"}}\n'
        r = world.client("boss").post(f"/api/v1/projects/{pid}/items/import", files={"file": ("g.jsonl", body)})
        assert r.status_code == 422 and r.json()["where"] == "line 2.gold.label"


class TestRefit:
    def label_all(self, world, pid, names, spammer="p3"):
        """Three careful people agree with the truth (a for even items), one always says b."""
        for n in names:
            c = world.client(n)
            while (item := nxt(c, pid)) is not None:
                truth = "a" if int(item["external_id"][1:]) % 2 == 0 else "b"
                answer(c, pid, item["id"], "b" if n == spammer else truth, f"{n}-{item['id']}")

    def test_refit_estimates_skills_and_keeps_consensus(self, world):
        spec = {**SPEC, "overlap": 4}
        pid, names = team(world, items=12, spec=spec)
        self.label_all(world, pid, names)
        boss = world.client("boss")
        r = boss.post(f"/api/v1/projects/{pid}/quality/refit")
        assert r.status_code == 200 and r.json()["questions"]["label"]["labels"] == 48
        report = boss.get(f"/api/v1/projects/{pid}/quality").json()
        [q] = [q for q in report["questions"] if q["name"] == "label"]
        assert q["method"] and q["classes"] == ["a", "b"]
        skill = {p["username"]: p for p in q["people"]}
        assert skill["p3"]["accuracy"] < min(skill[n]["accuracy"] for n in ("p0", "p1", "p2"))
        assert len(skill["p0"]["confusion"]) == 2 and skill["p0"]["n_labels"] == 12
        records = [json.loads(x) for x in boss.get(f"/api/v1/projects/{pid}/export").text.splitlines()]
        for rec in records:
            truth = "a" if int(rec["external_id"][1:]) % 2 == 0 else "b"
            assert rec["consensus"]["label"] == truth
            assert rec["consensus_method"]["label"] == q["method"]
            assert rec["consensus_confidence"]["label"] > 0.5

    def test_refit_fits_ratings_with_rater_bias_and_multi_labels(self, world):
        spec = {**SPEC, "overlap": 5, "questions": SPEC["questions"] + [
            {"name": "tags", "type": "multi_label", "labels": ["x", "y"], "required": False}]}
        pid, names = team(world, n=5, items=4, spec=spec)
        # p4 rates two points too high; the model centres biases on zero, so the level moves by 2/5 at most
        for bias, n in zip((0, 0, 0, 0, 2), names, strict=True):
            c = world.client(n)
            while (item := nxt(c, pid)) is not None:
                stars = min(5, 1 + int(item["external_id"][1:]) % 3 + bias)
                r = c.post(f"/api/v1/projects/{pid}/items/{item['id']}/annotations",
                           json={"answers": {"label": "a", "stars": stars, "tags": ["x"]}, "client_key": n + item["external_id"]})
                assert r.status_code == 201
        world.client("boss").post(f"/api/v1/projects/{pid}/quality/refit")
        records = [json.loads(x) for x in world.client("boss").get(f"/api/v1/projects/{pid}/export").text.splitlines()]
        for rec in records:
            assert rec["consensus_method"]["stars"] == "rater_bias"
            assert rec["consensus"]["stars"] == 1 + int(rec["external_id"][1:]) % 3  # the bias is removed
            assert rec["consensus"]["tags"] == ["x"] and rec["consensus_method"]["tags"] == "dawid_skene"

    def test_labels_after_a_refit_use_the_fitted_confusion_matrices(self, world):
        spec = {**SPEC, "overlap": 4}
        pid, names = team(world, items=12, spec=spec)
        self.label_all(world, pid, [n for n in names if n != "p2"])
        boss = world.client("boss")
        method = boss.post(f"/api/v1/projects/{pid}/quality/refit").json()["questions"]["label"]["method"]
        c = world.client("p2")
        item = nxt(c, pid)
        answer(c, pid, item["id"], "a" if int(item["external_id"][1:]) % 2 == 0 else "b", "late")
        got = consensus_of(world, pid, item["id"])["label"]
        assert got["method"] == method and got["n_labels"] == 4 and got["posterior"] is not None

    def test_only_managers_refit_and_outsiders_see_nothing(self, world):
        pid, names = team(world, items=1)
        assert world.client("p0").post(f"/api/v1/projects/{pid}/quality/refit").status_code == 403
        assert world.client("p0").get(f"/api/v1/projects/{pid}/quality").status_code == 403
        world.person("stranger", "manager")
        assert world.client("stranger").get(f"/api/v1/projects/{pid}/quality").status_code == 404
