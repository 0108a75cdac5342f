"""Parallel annotators over real HTTP: the queue's invariants hold on SQLite and PostgreSQL."""

import random
import threading
import time
import uuid
from collections import Counter

import httpx
from sqlalchemy import func, select

from tests.support.server import running_server
from tutorloop.annotations.models import Annotation
from tutorloop.items.models import Item
from tutorloop.queue.models import Lease, Skip

CLIENTS = 12
ITEMS = 40  # overlap 2 -> 80 labels to hand out


def worker(base, token, pid, rng, results, errors, violations, db, items_needed):
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        while True:
            r = c.post(f"/api/v1/projects/{pid}/queue/next")
            if r.status_code != 200:
                errors.append(("next", r.status_code, r.text))
                return
            item = r.json()["item"]
            if item is None:
                # Nothing for me now; but an item someone else holds may still come back (a skip or a
                # release). Like a person pressing "check again", ask again until no lease is out.
                with db.session(write=False) as s:
                    if not s.scalar(select(func.count()).select_from(Lease)):
                        return
                time.sleep(0.02)
                continue
            roll = rng.random()
            if roll < 0.1:
                c.post(f"/api/v1/projects/{pid}/queue/{item['id']}/skip")
                continue
            if roll < 0.15:
                c.post(f"/api/v1/projects/{pid}/queue/{item['id']}/release")
                continue
            key = str(uuid.uuid4())
            body = {"answers": {"sentiment": rng.choice(["positive", "negative"])}, "client_key": key}
            url = f"/api/v1/projects/{pid}/items/{item['id']}/annotations"
            first = c.post(url, json=body)
            retry = c.post(url, json=body)  # a client retry must not create a second annotation
            if first.status_code != 201 or retry.status_code != 200 or first.json()["id"] != retry.json()["id"]:
                errors.append(("submit", first.status_code, retry.status_code, first.text))
                return
            results.append((token, item["id"]))
            if rng.random() < 0.2:
                with db.session(write=False) as s:  # mid-run check of the holders invariant
                    for item_id, held, done, needed in s.execute(
                        select(Item.id, Item.lease_count, Item.annotation_count, Item.needed)
                    ):
                        if held + done > needed:
                            violations.append((item_id, held, done, needed))


def test_parallel_clients_keep_the_queue_invariants(world, app, db):
    names = [f"w{n}" for n in range(CLIENTS)]
    for n in names:
        world.person(n)
    pid = world.project(members={n: "annotator" for n in names}, items=ITEMS)
    results, errors, violations = [], [], []
    with running_server(app) as base:
        threads = [
            threading.Thread(target=worker, args=(base, world.tokens[n], pid, random.Random(i), results,
                                                  errors, violations, db, None))
            for i, n in enumerate(names)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    assert not errors, errors[:3]
    assert not violations, violations[:3]
    pairs = Counter(results)
    assert max(pairs.values()) == 1  # never the same item twice to one person
    with db.session(write=False) as s:
        annotations = s.scalar(select(func.count()).select_from(Annotation).where(Annotation.project_id == pid))
        per_item = dict(s.execute(select(Annotation.item_id, func.count()).group_by(Annotation.item_id)).all())
        items = s.scalars(select(Item).where(Item.project_id == pid)).all()
        leases = s.scalar(select(func.count()).select_from(Lease))
    assert annotations == len(results) == sum(per_item.values())
    assert leases == 0
    for item in items:
        assert item.annotation_count == per_item.get(item.id, 0) <= item.needed
        assert item.lease_count == 0
    # An item may stay short of labels only when every annotator has either labelled or skipped it.
    with db.session(write=False) as s:
        touched: dict[int, set[int]] = {}
        for item_id, user_id in s.execute(select(Annotation.item_id, Annotation.user_id)).all():
            touched.setdefault(item_id, set()).add(user_id)
        for item_id, user_id in s.execute(select(Skip.item_id, Skip.user_id)).all():
            touched.setdefault(item_id, set()).add(user_id)
    everyone = {world.ids[n] for n in names}
    for item in items:
        if item.annotation_count < item.needed:
            assert touched.get(item.id, set()) == everyone, item.id
