from tests.queue.test_queue import item_row, nxt, submit


def setup(world, **kw):
    world.person("boss", "manager")
    world.person("rev", "reviewer")
    world.person("ann")
    world.person("bob")
    return world.project(members={"boss": "manager", "rev": "reviewer", "ann": "annotator", "bob": "annotator"},
                         **kw)


class TestSubmit:
    def test_invalid_answers_are_422_and_change_nothing(self, world, db):
        pid = setup(world, items=1)
        c = world.client("ann")
        item = nxt(c, pid)
        r = c.post(f"/api/v1/projects/{pid}/items/{item['id']}/annotations",
                   json={"answers": {"sentiment": "happy"}, "client_key": "k1"})
        assert r.status_code == 422
        assert r.json() == {"error": "Invalid", "where": "answers.sentiment",
                            "detail": "answers.sentiment: 'happy' is not one of the labels (negative, neutral, positive)"}
        assert item_row(db, item["id"]).annotation_count == 0
        assert item_row(db, item["id"]).lease_count == 1

    def test_retry_with_same_key_never_creates_a_second_annotation(self, world, db):
        pid = setup(world, items=1)
        c = world.client("ann")
        item = nxt(c, pid)
        first = submit(c, pid, item["id"], "same-key")
        again = submit(c, pid, item["id"], "same-key")
        assert first.status_code == 201 and again.status_code == 200
        assert first.json()["id"] == again.json()["id"]
        assert item_row(db, item["id"]).annotation_count == 1
        mine = c.get(f"/api/v1/projects/{pid}/annotations?mine=true").json()["annotations"]
        assert len(mine) == 1

    def test_same_key_for_another_item_is_409(self, world):
        pid = setup(world, items=2)
        c = world.client("ann")
        item = nxt(c, pid)
        submit(c, pid, item["id"], "k")
        other = nxt(c, pid)
        assert submit(c, pid, other["id"], "k").status_code == 409

    def test_second_annotation_of_same_item_is_409(self, world):
        pid = setup(world, items=1)
        c = world.client("ann")
        item = nxt(c, pid)
        submit(c, pid, item["id"], "k1")
        r = submit(c, pid, item["id"], "k2")
        assert r.status_code == 409 and r.json()["where"] == "item_id"

    def test_annotation_records_guideline_version_and_time(self, world):
        pid = setup(world, items=1)
        world.client("boss").patch(f"/api/v1/projects/{pid}", json={"guidelines": "New rules"})
        c = world.client("ann")
        item = nxt(c, pid)
        body = submit(c, pid, item["id"], "k").json()
        assert body["guideline_version"] == 2 and body["time_spent_ms"] == 1500

    def test_edit_own_annotation(self, world):
        pid = setup(world, items=1)
        c = world.client("ann")
        item = nxt(c, pid)
        aid = submit(c, pid, item["id"], "k").json()["id"]
        r = c.put(f"/api/v1/annotations/{aid}", json={"answers": {"sentiment": "negative"}})
        assert r.status_code == 200 and r.json()["answers"] == {"sentiment": "negative"}
        assert world.client("bob").put(f"/api/v1/annotations/{aid}",
                                       json={"answers": {"sentiment": "neutral"}}).status_code == 404
        bad = c.put(f"/api/v1/annotations/{aid}", json={"answers": {"sentiment": "x"}})
        assert bad.status_code == 422
        assert c.get(f"/api/v1/annotations/{aid}").json()["answers"] == {"sentiment": "negative"}

    def test_annotators_see_only_their_own_annotations_and_items(self, world):
        pid = setup(world, items=2)
        a, b = world.client("ann"), world.client("bob")
        item = nxt(a, pid)
        aid = submit(a, pid, item["id"], "k").json()["id"]
        assert b.get(f"/api/v1/projects/{pid}/annotations").json()["annotations"] == []
        assert b.get(f"/api/v1/annotations/{aid}").status_code == 404
        other = nxt(b, pid)
        assert other["id"] == item["id"]  # overlap 2: bob gets the same item
        assert b.get(f"/api/v1/projects/{pid}/items/{item['id']}").status_code == 200
        assert b.get(f"/api/v1/projects/{pid}/items/2").status_code == 404
        assert len(world.client("rev").get(f"/api/v1/projects/{pid}/annotations").json()["annotations"]) == 1


class TestReview:
    def test_reject_needs_reason_and_returns_item_to_queue(self, world, db):
        pid = setup(world, items=1)
        world.client("boss").patch(f"/api/v1/projects/{pid}", json={"overlap": 1})
        a = world.client("ann")
        item = nxt(a, pid)
        aid = submit(a, pid, item["id"], "k").json()["id"]
        assert nxt(world.client("bob"), pid) is None
        rev = world.client("rev")
        r = rev.post(f"/api/v1/annotations/{aid}/review", json={"decision": "reject"})
        assert r.status_code == 422 and r.json()["where"] == "reason"
        r = rev.post(f"/api/v1/annotations/{aid}/review", json={"decision": "reject", "reason": "It is sarcastic"})
        assert r.json()["status"] == "rejected" and r.json()["review"]["reason"] == "It is sarcastic"
        assert item_row(db, item["id"]).queued is True
        assert nxt(world.client("bob"), pid)["id"] == item["id"]
        progress = world.client("boss").get(f"/api/v1/projects/{pid}/progress").json()
        assert progress["rejected"] == 1 and progress["complete"] == 0

    def test_accept_and_correct(self, world):
        pid = setup(world, items=1)
        a = world.client("ann")
        item = nxt(a, pid)
        aid = submit(a, pid, item["id"], "k").json()["id"]
        rev = world.client("rev")
        assert rev.post(f"/api/v1/annotations/{aid}/review", json={"decision": "accept"}).json()["status"] == "accepted"
        r = rev.post(f"/api/v1/annotations/{aid}/review", json={"decision": "correct", "answers": {"sentiment": "x"}})
        assert r.status_code == 422
        r = rev.post(f"/api/v1/annotations/{aid}/review",
                     json={"decision": "correct", "answers": {"sentiment": "neutral"}})
        assert r.json()["status"] == "corrected"
        assert r.json()["review"]["corrected_answers"] == {"sentiment": "neutral"}
        assert a.put(f"/api/v1/annotations/{aid}", json={"answers": {"sentiment": "negative"}}).status_code == 409

    def test_annotators_cannot_review(self, world):
        pid = setup(world, items=1)
        a = world.client("ann")
        item = nxt(a, pid)
        aid = submit(a, pid, item["id"], "k").json()["id"]
        assert a.post(f"/api/v1/annotations/{aid}/review", json={"decision": "accept"}).status_code == 403

    def test_editing_a_rejected_annotation_resubmits_it(self, world, db):
        pid = setup(world, items=1)
        a = world.client("ann")
        item = nxt(a, pid)
        aid = submit(a, pid, item["id"], "k").json()["id"]
        world.client("rev").post(f"/api/v1/annotations/{aid}/review", json={"decision": "reject", "reason": "no"})
        assert item_row(db, item["id"]).annotation_count == 0
        r = a.put(f"/api/v1/annotations/{aid}", json={"answers": {"sentiment": "negative"}})
        assert r.json()["status"] == "submitted"
        assert item_row(db, item["id"]).annotation_count == 1


class TestComments:
    def test_everyone_in_the_project_can_comment(self, world):
        pid = setup(world, items=1)
        a = world.client("ann")
        item = nxt(a, pid)
        assert a.post(f"/api/v1/projects/{pid}/items/{item['id']}/comments",
                      json={"body": "هذا غامض — ambiguous"}).status_code == 201
        world.client("rev").post(f"/api/v1/projects/{pid}/items/{item['id']}/comments", json={"body": "Agreed"})
        bodies = [c["body"] for c in a.get(f"/api/v1/projects/{pid}/items/{item['id']}/comments").json()]
        assert bodies == ["هذا غامض — ambiguous", "Agreed"]
        r = a.post(f"/api/v1/projects/{pid}/items/{item['id']}/comments", json={"body": "  "})
        assert r.status_code == 422 and r.json()["where"] == "body"
