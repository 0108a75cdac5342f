from datetime import timedelta

from sqlalchemy import select, update

from tutorloop.db import utcnow
from tutorloop.items.models import Item
from tutorloop.queue.models import Lease


def nxt(client, pid):
    r = client.post(f"/api/v1/projects/{pid}/queue/next")
    assert r.status_code == 200, r.text
    return r.json()["item"]


def submit(client, pid, item_id, key, label="positive"):
    return client.post(f"/api/v1/projects/{pid}/items/{item_id}/annotations",
                       json={"answers": {"sentiment": label}, "client_key": key, "time_spent_ms": 1500})


def item_row(db, item_id) -> Item:
    with db.session(write=False) as s:
        return s.get(Item, item_id)


class TestLeasing:
    def test_next_returns_the_held_item_again(self, world):
        world.person("ann")
        pid = world.project(members={"ann": "annotator"}, items=3)
        c = world.client("ann")
        first = nxt(c, pid)
        assert nxt(c, pid)["id"] == first["id"]

    def test_never_more_holders_than_labels_needed(self, world, db):
        names = ["a1", "a2", "a3"]
        for n in names:
            world.person(n)
        pid = world.project(members={n: "annotator" for n in names}, items=1)  # overlap 2
        got = [nxt(world.client(n), pid) for n in names]
        assert got[0]["id"] == got[1]["id"] and got[2] is None
        row = item_row(db, got[0]["id"])
        assert row.lease_count == 2 and row.queued is False

    def test_never_the_same_item_twice_to_one_person(self, world):
        world.person("ann")
        pid = world.project(members={"ann": "annotator"}, items=2)
        c = world.client("ann")
        seen = []
        while (item := nxt(c, pid)) is not None:
            seen.append(item["id"])
            assert submit(c, pid, item["id"], f"k{item['id']}").status_code == 201
        assert sorted(seen) == sorted(set(seen)) and len(seen) == 2

    def test_skip_returns_item_to_others_but_not_to_skipper(self, world, db):
        world.person("ann")
        world.person("bob")
        pid = world.project(members={"ann": "annotator", "bob": "annotator"}, items=1)
        world.client("ann")
        a = world.client("ann")
        item = nxt(a, pid)
        assert a.post(f"/api/v1/projects/{pid}/queue/{item['id']}/skip").status_code == 200
        assert nxt(a, pid) is None
        assert nxt(world.client("bob"), pid)["id"] == item["id"]
        assert item_row(db, item["id"]).lease_count == 1

    def test_skip_without_lease_is_404(self, world):
        world.person("ann")
        pid = world.project(members={"ann": "annotator"}, items=1)
        r = world.client("ann").post(f"/api/v1/projects/{pid}/queue/1/skip")
        assert r.status_code == 404

    def test_expired_lease_returns_to_the_queue(self, world, db):
        for n in ("a1", "a2", "a3"):
            world.person(n)
        pid = world.project(members={"a1": "annotator", "a2": "annotator", "a3": "annotator"}, items=1)
        item = nxt(world.client("a1"), pid)
        nxt(world.client("a2"), pid)
        assert nxt(world.client("a3"), pid) is None
        with db.session() as s:
            s.execute(update(Lease).where(Lease.user_id == world.ids["a1"])
                      .values(expires_at=utcnow() - timedelta(days=1)))
        assert nxt(world.client("a3"), pid)["id"] == item["id"]
        with db.session(write=False) as s:
            holders = set(s.scalars(select(Lease.user_id).where(Lease.item_id == item["id"])))
        assert holders == {world.ids["a2"], world.ids["a3"]}

    def test_submit_after_expiry_is_kept(self, world, db):
        world.person("ann")
        pid = world.project(members={"ann": "annotator"}, items=1)
        c = world.client("ann")
        item = nxt(c, pid)
        with db.session() as s:
            s.execute(update(Lease).values(expires_at=utcnow() - timedelta(days=1)))
        assert submit(c, pid, item["id"], "late").status_code == 201
        row = item_row(db, item["id"])
        assert row.annotation_count == 1 and row.lease_count >= 0

    def test_deactivation_releases_all_leases(self, world, db):
        world.person("root", "admin")
        world.person("ann")
        p1 = world.project(members={"ann": "annotator"}, items=2)
        p2 = world.project(members={"ann": "annotator"}, items=2)
        c = world.client("ann")
        i1, i2 = nxt(c, p1), nxt(c, p2)
        world.client("root").post(f"/api/v1/users/{world.ids['ann']}/deactivate")
        with db.session(write=False) as s:
            assert s.scalars(select(Lease)).all() == []
        assert item_row(db, i1["id"]).lease_count == 0 and item_row(db, i2["id"]).queued is True

    def test_removing_a_member_releases_their_leases(self, world, db):
        world.person("boss", "manager")
        world.person("ann")
        pid = world.project(members={"boss": "manager", "ann": "annotator"}, items=1)
        item = nxt(world.client("ann"), pid)
        assert world.client("boss").delete(f"/api/v1/projects/{pid}/members/{world.ids['ann']}").status_code == 200
        assert item_row(db, item["id"]).lease_count == 0
        assert world.client("ann").post(f"/api/v1/projects/{pid}/queue/next").status_code == 404

    def test_overlap_change_requeues_items(self, world, db):
        world.person("boss", "manager")
        world.person("ann")
        world.person("bob")
        pid = world.project(members={"boss": "manager", "ann": "annotator", "bob": "annotator"}, items=1)
        boss = world.client("boss")
        boss.patch(f"/api/v1/projects/{pid}", json={"overlap": 1})
        a = world.client("ann")
        item = nxt(a, pid)
        submit(a, pid, item["id"], "k")
        assert nxt(world.client("bob"), pid) is None
        assert boss.get(f"/api/v1/projects/{pid}/progress").json()["complete"] == 1
        boss.patch(f"/api/v1/projects/{pid}", json={"overlap": 2})
        assert boss.get(f"/api/v1/projects/{pid}/progress").json()["complete"] == 0
        assert nxt(world.client("bob"), pid)["id"] == item["id"]


def test_project_manager_adds_member_by_username(world):
    world.person("lead", "reviewer")  # a project manager without a site-wide manager role
    world.person("ann")
    pid = world.project(members={"lead": "manager"}, items=1)
    lead = world.client("lead")
    assert lead.get("/api/v1/users").status_code == 403
    r = lead.post(f"/api/v1/projects/{pid}/members", json={"username": "ann", "role": "annotator"})
    assert r.status_code == 200 and r.json()["username"] == "ann"
    assert nxt(world.client("ann"), pid) is not None
    r = lead.post(f"/api/v1/projects/{pid}/members", json={"username": "ghost", "role": "annotator"})
    assert r.status_code == 404 and r.json()["where"] == "username"
