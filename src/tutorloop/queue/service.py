"""The queue: atomic leases with expiry.

Invariants kept here (and checked by tests under concurrency on SQLite and PostgreSQL):
- an item is leased only while `needed > annotation_count + lease_count`, so there are never more
  simultaneous holders than labels still needed;
- a person is never offered an item they annotated, skipped or already hold;
- skip, release, expiry and deactivation return the lease, and the counters move in the same transaction.

On PostgreSQL the candidate row is claimed with `FOR UPDATE SKIP LOCKED`, so concurrent `next` calls take
different items instead of waiting on each other; SQLite serialises writers (BEGIN IMMEDIATE).
No request scans a project: candidates come off the (project_id, queued, id) index, and expired leases
are reclaimed in small batches off the (project_id, expires_at) index.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from tutorloop.accounts.service import Principal
from tutorloop.annotations.models import Annotation
from tutorloop.audit.service import record
from tutorloop.db import NO_SYNC, utcnow
from tutorloop.errors import NotFound
from tutorloop.items.models import Item
from tutorloop.projects.models import Project
from tutorloop.projects.service import authorize
from tutorloop.queue.models import Lease, Skip

RECLAIM_BATCH = 100
_random = random.Random()

# The statements of `next` are built once (building one costs more than running it).
_items, _leases = Item.__table__, Lease.__table__
_CHANGE_LEASES = (
    update(_items).where(_items.c.id == bindparam("key_item"))
    .values(lease_count=_items.c.lease_count + bindparam("delta"),
            queued=_items.c.needed > _items.c.annotation_count + _items.c.lease_count + bindparam("delta"))
)
_EXPIRED = (
    select(Lease.id, Lease.item_id)
    .where(Lease.project_id == bindparam("project_id"), Lease.expires_at <= bindparam("now"))
    .limit(RECLAIM_BATCH).with_for_update(skip_locked=True)
)
_HELD = (
    select(Lease.id, Lease.item_id)
    .where(Lease.user_id == bindparam("user_id"), Lease.project_id == bindparam("project_id"))
    .order_by(Lease.id).limit(1)
)
_EXTEND = update(_leases).where(_leases.c.id == bindparam("key_lease")).values(expires_at=bindparam("expires"))
_CANDIDATE = (
    select(Item.id)
    .where(
        Item.project_id == bindparam("project_id"), Item.queued.is_(True),
        ~exists().where(Annotation.item_id == Item.id, Annotation.user_id == bindparam("user_id")),
        ~exists().where(Skip.item_id == Item.id, Skip.user_id == bindparam("user_id")),
    )
    .order_by(Item.id).limit(1)
    .with_for_update(skip_locked=True, of=Item)
)
_GOLD_CANDIDATE = (
    select(Item.id)
    .where(
        Item.project_id == bindparam("project_id"), Item.is_gold.is_(True),
        ~exists().where(Annotation.item_id == Item.id, Annotation.user_id == bindparam("user_id")),
        ~exists().where(Skip.item_id == Item.id, Skip.user_id == bindparam("user_id")),
        ~exists().where(Lease.item_id == Item.id, Lease.user_id == bindparam("user_id")),
    )
    .order_by(Item.id).limit(1)
)
_INSERT_LEASE = insert(_leases)
_ITEM = select(Item).where(Item.id == bindparam("item_id"))


@dataclass(frozen=True)
class Leased:
    """What `next` hands out: the project, the item and when the lease ends."""

    project: Project
    item: Item
    expires_at: datetime


def change_lease_count(session: Session, *, item_id: int, delta: int) -> None:
    """Move an item's lease counter and recompute whether it is queued, in one statement."""
    session.execute(_CHANGE_LEASES, {"key_item": item_id, "delta": delta})


def _drop_leases(session: Session, leases: list[tuple[int, int]]) -> int:
    """Delete (lease id, item id) pairs and give each item its slot back."""
    if not leases:
        return 0
    session.execute(delete(Lease).where(Lease.id.in_([lease_id for lease_id, _ in leases])),
                    execution_options=NO_SYNC)
    for _, item_id in sorted(leases, key=lambda pair: pair[1]):  # fixed order: no lock cycles
        change_lease_count(session, item_id=item_id, delta=-1)
    return len(leases)


def reclaim_expired(session: Session, *, project_id: int, now: datetime) -> int:
    """Return up to RECLAIM_BATCH expired leases of a project to the queue."""
    expired = session.execute(_EXPIRED, {"project_id": project_id, "now": now}).all()
    return _drop_leases(session, [tuple(row) for row in expired])


def lease_next(session: Session, *, actor: Principal, project_id: int) -> Leased | None:
    """Lease the next item for the actor, or return the one they already hold; None if none is left."""
    project = authorize(session, actor=actor, project_id=project_id)
    user_id = actor.user.id
    now = utcnow()
    expires = now + timedelta(seconds=project.lease_seconds)
    reclaim_expired(session, project_id=project_id, now=now)

    held = session.execute(_HELD, {"user_id": user_id, "project_id": project_id}).first()
    if held is not None:
        session.execute(_EXTEND, {"key_lease": held.id, "expires": expires})
        item_id = held.item_id
    else:
        params = {"project_id": project_id, "user_id": user_id}
        # Gold items are mixed in at the project's rate; they look like any other item.
        serve_gold = project.gold_rate > 0 and _random.random() < project.gold_rate
        item_id = session.scalar(_GOLD_CANDIDATE, params) if serve_gold else None
        if item_id is None:
            item_id = session.scalar(_CANDIDATE, params)
        if item_id is None:
            return None
        change_lease_count(session, item_id=item_id, delta=+1)
        session.execute(_INSERT_LEASE, {"project_id": project_id, "item_id": item_id, "user_id": user_id,
                                        "created_at": now, "expires_at": expires})
        record(session, actor_id=user_id, action="queue.lease", project_id=project_id,
               target_type="item", target_id=item_id)
    return Leased(project=project, item=session.scalars(_ITEM, {"item_id": item_id}).one(), expires_at=expires)


def _own_lease(session: Session, *, user_id: int, project_id: int, item_id: int) -> Lease:
    lease = session.scalar(select(Lease).where(
        Lease.user_id == user_id, Lease.item_id == item_id, Lease.project_id == project_id))
    if lease is None:
        raise NotFound(f"You hold no lease on item {item_id}.", where="item_id")
    return lease


def skip(session: Session, *, actor: Principal, project_id: int, item_id: int) -> None:
    """Give the item back for others; the actor is not offered it again."""
    authorize(session, actor=actor, project_id=project_id)
    lease = _own_lease(session, user_id=actor.user.id, project_id=project_id, item_id=item_id)
    _drop_leases(session, [(lease.id, item_id)])
    if session.get(Skip, (actor.user.id, item_id)) is None:
        session.add(Skip(user_id=actor.user.id, item_id=item_id, project_id=project_id))
    record(session, actor_id=actor.user.id, action="queue.skip", project_id=project_id,
           target_type="item", target_id=item_id)


def release(session: Session, *, actor: Principal, project_id: int, item_id: int) -> None:
    """Give the item back without skipping it."""
    authorize(session, actor=actor, project_id=project_id)
    lease = _own_lease(session, user_id=actor.user.id, project_id=project_id, item_id=item_id)
    _drop_leases(session, [(lease.id, item_id)])
    record(session, actor_id=actor.user.id, action="queue.release", project_id=project_id,
           target_type="item", target_id=item_id)


_TAKE = (
    delete(_leases).where(_leases.c.user_id == bindparam("user_id"), _leases.c.item_id == bindparam("item_id"))
    .returning(_leases.c.id)
)


def take_lease_for_submit(session: Session, *, user_id: int, item_id: int) -> bool:
    """Consume the person's lease on an item when they submit; False if they held none."""
    return session.execute(_TAKE, {"user_id": user_id, "item_id": item_id}).first() is not None


def release_all_for_user(session: Session, *, user_id: int, project_id: int | None = None) -> int:
    """Return every lease a person holds (in one project or everywhere); the count returned."""
    query = select(Lease.id, Lease.item_id).where(Lease.user_id == user_id)
    if project_id is not None:
        query = query.where(Lease.project_id == project_id)
    return _drop_leases(session, list(session.execute(query).all()))


def live_lease_count(session: Session, *, project_id: int) -> int:
    """Leases of a project that have not expired (an index range on (project_id, expires_at))."""
    return session.scalar(select(func.count()).select_from(Lease).where(
        Lease.project_id == project_id, Lease.expires_at > utcnow())) or 0


def holds_lease(session: Session, *, user_id: int, item_id: int) -> bool:
    """True if the person holds a lease on the item."""
    return session.scalar(select(Lease.id).where(Lease.user_id == user_id, Lease.item_id == item_id)) is not None
