"""Annotations: validated, idempotent submission; editing one's own; listing."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tutorloop.accounts.service import Principal
from tutorloop.annotations.models import Annotation
from tutorloop.audit.service import record
from tutorloop.db import NO_SYNC, utcnow
from tutorloop.errors import Conflict, Forbidden, Invalid, NotFound
from tutorloop.items.models import Item
from tutorloop.items.service import get_item
from tutorloop.projects.models import Project
from tutorloop.projects.service import (
    RANK,
    authorize,
    bump_member_counters,
    bump_project_counters,
)
from tutorloop.queue.service import take_lease_for_submit
from tutorloop.schema.spec import validate_answers

COUNTED = ("submitted", "accepted", "corrected")  # statuses that count towards an item's overlap
MAX_TIME_MS = 24 * 3600 * 1000


def change_annotation_count(session: Session, *, item_id: int, project_id: int, delta: int,
                            lease_delta: int = 0) -> None:
    """Move an item's label (and lease) counters in one statement and keep the project totals true."""
    row = session.execute(
        update(Item).where(Item.id == item_id).values(
            annotation_count=Item.annotation_count + delta,
            lease_count=Item.lease_count + lease_delta,
            queued=Item.needed > Item.annotation_count + delta + Item.lease_count + lease_delta,
        ).returning(Item.annotation_count, Item.needed)
    , execution_options=NO_SYNC).one()
    after, needed = row
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
    previous = session.scalar(select(Annotation).where(
        Annotation.user_id == user_id, Annotation.client_key == client_key))
    if previous is not None:
        if previous.item_id != item_id:
            raise Conflict("client_key was already used for another item.", where="client_key")
        return previous, False
    item = get_item(session, project_id=project_id, item_id=item_id)
    clean = validate_answers(project.spec, answers)
    if session.scalar(select(Annotation.id).where(
            Annotation.item_id == item.id, Annotation.user_id == user_id)) is not None:
        raise Conflict("You already annotated this item; edit your annotation instead.", where="item_id")
    now = utcnow()
    annotation = Annotation(
        project_id=project_id, item_id=item.id, user_id=user_id, answers=clean, client_key=client_key,
        time_spent_ms=max(0, min(time_spent_ms, MAX_TIME_MS)), guideline_version=project.guideline_version,
        status="submitted", created_at=now, updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(annotation)
    except IntegrityError:
        # A concurrent retry with the same key (or for the same item) committed first.
        existing = session.scalar(select(Annotation).where(
            Annotation.user_id == user_id, Annotation.client_key == client_key))
        if existing is not None and existing.item_id == item_id:
            return existing, False
        raise Conflict("You already annotated this item; edit your annotation instead.", where="item_id") from None
    had_lease = take_lease_for_submit(session, user_id=user_id, item_id=item.id)
    bump_member_counters(session, project_id=project_id, user_id=user_id, annotations=1,
                         time_spent_ms=annotation.time_spent_ms)
    record(session, actor_id=user_id, action="annotation.submit", project_id=project_id,
           target_type="annotation", target_id=annotation.id, detail={"item_id": item.id})
    change_annotation_count(session, item_id=item.id, project_id=project_id, delta=1,
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
    annotation.answers = validate_answers(project.spec, answers)
    annotation.updated_at = utcnow()
    annotation.guideline_version = project.guideline_version
    if time_spent_ms is not None:
        extra = max(0, min(time_spent_ms, MAX_TIME_MS))
        annotation.time_spent_ms += extra
        bump_member_counters(session, project_id=project.id, user_id=actor.user.id, time_spent_ms=extra)
    if annotation.status == "rejected":
        annotation.status = "submitted"
        change_annotation_count(session, item_id=annotation.item_id, project_id=project.id, delta=1)
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
