"""Annotations: validated, idempotent submission; editing one's own; listing."""

from __future__ import annotations

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tutorloop.accounts.service import Principal
from tutorloop.annotations.models import Annotation
from tutorloop.audit.service import record
from tutorloop.consensus.service import record_gold_answer, refresh_item
from tutorloop.db import utcnow
from tutorloop.errors import Conflict, Forbidden, Invalid, NotFound
from tutorloop.items.models import Item
from tutorloop.items.service import answer_context
from tutorloop.projects.models import Project
from tutorloop.projects.service import (
    RANK,
    authorize,
    bump_member_counters,
    bump_project_counters,
)
from tutorloop.queue.service import take_lease_for_submit
from tutorloop.schema.questions import AnswerContext
from tutorloop.schema.spec import validate_answers

MAX_TIME_MS = 24 * 3600 * 1000


_items, _annotations = Item.__table__, Annotation.__table__
# The statements of a submit are built once (building one costs more than running it).
_CHANGE_COUNTS = (
    update(_items).where(_items.c.id == bindparam("key_item"))
    .values(annotation_count=_items.c.annotation_count + bindparam("delta"),
            lease_count=_items.c.lease_count + bindparam("lease_delta"),
            queued=_items.c.needed
            > _items.c.annotation_count + bindparam("delta") + _items.c.lease_count + bindparam("lease_delta"))
    .returning(_items.c.annotation_count, _items.c.needed)
)
_BY_KEY = select(Annotation).where(Annotation.user_id == bindparam("user_id"),
                                   Annotation.client_key == bindparam("client_key"))
_ITEM_IN_PROJECT = select(Item.id, Item.gold, Item.data, Item.media).where(Item.id == bindparam("item_id"),
                                                   Item.project_id == bindparam("project_id"))
_INSERT = insert(_annotations).returning(_annotations.c.id)


def change_annotation_count(session: Session, *, item_id: int, project_id: int, delta: int,
                            lease_delta: int = 0) -> None:
    """Move an item's label (and lease) counters in one statement and keep the project totals true."""
    after, needed = session.execute(
        _CHANGE_COUNTS, {"key_item": item_id, "delta": delta, "lease_delta": lease_delta}).one()
    before = after - delta
    crossed = int(after >= needed) - int(before >= needed)
    bump_project_counters(session, project_id=project_id, annotation_count=delta, complete_count=crossed)


def submit(
    session: Session, *, actor: Principal, project_id: int, item_id: int, answers: dict,
    client_key: str, time_spent_ms: int,
) -> tuple[Annotation, bool]:
    """Store a person's answers to an item; returns (annotation, created).

    A repeated `client_key` returns the first annotation unchanged, so a retried submit never
    creates a second one. A person annotates an item at most once; later changes go through `edit`.
    """
    project = authorize(session, actor=actor, project_id=project_id)
    user_id = actor.user.id
    previous = session.scalars(_BY_KEY, {"user_id": user_id, "client_key": client_key}).first()
    if previous is not None:
        if previous.item_id != item_id:
            raise Conflict("client_key was already used for another item.", where="client_key")
        return previous, False
    target = session.execute(_ITEM_IN_PROJECT, {"item_id": item_id, "project_id": project_id}).first()
    if target is None:
        raise NotFound(f"Item {item_id} not found in project {project_id}.", where="item_id")
    clean = validate_answers(project.spec, answers, AnswerContext(data=target.data or {}, media=target.media or {}))
    now = utcnow()
    values = {
        "project_id": project_id, "item_id": item_id, "user_id": user_id, "answers": clean,
        "client_key": client_key, "time_spent_ms": max(0, min(time_spent_ms, MAX_TIME_MS)),
        "guideline_version": project.guideline_version, "status": "submitted", "created_at": now,
        "updated_at": now,
    }
    try:
        with session.begin_nested():
            annotation_id = session.scalar(_INSERT, values)
    except IntegrityError:
        # A retry with the same key (possibly concurrent), or a second annotation of the same item.
        existing = session.scalars(_BY_KEY, {"user_id": user_id, "client_key": client_key}).first()
        if existing is not None and existing.item_id == item_id:
            return existing, False
        raise Conflict("You already annotated this item; edit your annotation instead.", where="item_id") from None
    annotation = Annotation(id=annotation_id, **values)  # a plain copy for the answer; the row is written
    had_lease = take_lease_for_submit(session, user_id=user_id, item_id=item_id)
    bump_member_counters(session, project_id=project_id, user_id=user_id, annotations=1,
                         time_spent_ms=values["time_spent_ms"])
    record(session, actor_id=user_id, action="annotation.submit", project_id=project_id,
           target_type="annotation", target_id=annotation_id, detail={"item_id": item_id})
    if target.gold:
        record_gold_answer(session, project=project, gold=target.gold, user_id=user_id, answers=clean)
    refresh_item(session, project=project, item_id=item_id)
    # Last, because it updates the project's totals: that row is shared by every submit of the project, so
    # its lock (on PostgreSQL) is taken as late as possible and held only until the commit.
    change_annotation_count(session, item_id=item_id, project_id=project_id, delta=1,
                            lease_delta=-1 if had_lease else 0)
    return annotation, True


def get_annotation(session: Session, *, actor: Principal, annotation_id: int) -> Annotation:
    """One annotation, for its author or the project's reviewers and managers."""
    annotation = session.get(Annotation, annotation_id)
    if annotation is None:
        raise NotFound(f"Annotation {annotation_id} not found.", where="annotation_id")
    try:
        authorize(session, actor=actor, project_id=annotation.project_id,
                  at_least="annotator" if annotation.user_id == actor.user.id else "reviewer")
    except (Forbidden, NotFound):
        raise NotFound(f"Annotation {annotation_id} not found.", where="annotation_id") from None
    return annotation


def edit(session: Session, *, actor: Principal, annotation_id: int, answers: dict,
         time_spent_ms: int | None) -> Annotation:
    """Change one's own annotation; a rejected one is resubmitted and counts again."""
    annotation = get_annotation(session, actor=actor, annotation_id=annotation_id)
    if annotation.user_id != actor.user.id:
        raise NotFound(f"Annotation {annotation_id} not found.", where="annotation_id")
    if annotation.status in ("accepted", "corrected"):
        raise Conflict("This annotation was already reviewed and can no longer be edited.", where="status")
    project = session.get(Project, annotation.project_id)
    item = session.get(Item, annotation.item_id)
    annotation.answers = validate_answers(project.spec, answers, answer_context(item))
    annotation.updated_at = utcnow()
    annotation.guideline_version = project.guideline_version
    if time_spent_ms is not None:
        extra = max(0, min(time_spent_ms, MAX_TIME_MS))
        annotation.time_spent_ms += extra
        bump_member_counters(session, project_id=project.id, user_id=actor.user.id, time_spent_ms=extra)
    if annotation.status == "rejected":
        annotation.status = "submitted"
        change_annotation_count(session, item_id=annotation.item_id, project_id=project.id, delta=1)
    session.flush()
    refresh_item(session, project=project, item_id=annotation.item_id)
    record(session, actor_id=actor.user.id, action="annotation.edit", project_id=project.id,
           target_type="annotation", target_id=annotation.id)
    return annotation


def list_annotations(
    session: Session, *, actor: Principal, project_id: int, mine: bool, status: str | None,
    item_id: int | None, after: int | None, limit: int, newest_first: bool = False,
) -> list[Annotation]:
    """A page of a project's annotations; people below reviewer only see their own."""
    from tutorloop.projects.service import role_in_project

    authorize(session, actor=actor, project_id=project_id)
    role = role_in_project(session, actor=actor, project_id=project_id)
    query = select(Annotation).where(Annotation.project_id == project_id)
    if mine or RANK[role] < RANK["reviewer"]:
        query = query.where(Annotation.user_id == actor.user.id)
    if status:
        if status not in ("submitted", "accepted", "rejected", "corrected"):
            raise Invalid("status must be submitted, accepted, rejected or corrected", where="status")
        query = query.where(Annotation.status == status)
    if item_id is not None:
        query = query.where(Annotation.item_id == item_id)
    if after is not None:
        query = query.where(Annotation.id < after if newest_first else Annotation.id > after)
    order = Annotation.id.desc() if newest_first else Annotation.id
    return list(session.scalars(query.order_by(order).limit(limit)))
