"""Reviews: accept, reject with a reason (the item returns to the queue), or correct."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tutorloop.accounts.service import Principal
from tutorloop.annotations.models import COUNTED, Annotation
from tutorloop.annotations.service import change_annotation_count
from tutorloop.audit.service import record
from tutorloop.consensus.service import refresh_item
from tutorloop.db import utcnow
from tutorloop.errors import Invalid, NotFound
from tutorloop.items.models import Item
from tutorloop.items.service import answer_context
from tutorloop.projects.service import authorize, bump_member_counters
from tutorloop.reviews.models import Review
from tutorloop.schema.spec import validate_answers

STATUS_OF = {"accept": "accepted", "reject": "rejected", "correct": "corrected"}


def review(
    session: Session, *, actor: Principal, annotation_id: int, decision: str, reason: str = "",
    answers: dict | None = None,
) -> Annotation:
    """Record a reviewer's decision and move the counters that depend on it."""
    annotation = session.get(Annotation, annotation_id)
    if annotation is None:
        raise NotFound(f"Annotation {annotation_id} not found.", where="annotation_id")
    project = authorize(session, actor=actor, project_id=annotation.project_id, at_least="reviewer")
    if decision not in STATUS_OF:
        raise Invalid("decision must be accept, reject or correct", where="decision")
    reason = (reason or "").strip()
    if decision == "reject" and not reason:
        raise Invalid("a rejection needs a reason", where="reason")
    corrected = None
    if decision == "correct":
        if answers is None:
            raise Invalid("a correction needs the corrected answers", where="answers")
        corrected = validate_answers(project.spec, answers, answer_context(session.get(Item, annotation.item_id)))

    old, new = annotation.status, STATUS_OF[decision]
    was_counted, is_counted = old in COUNTED, new in COUNTED
    if was_counted != is_counted:
        change_annotation_count(session, item_id=annotation.item_id, project_id=project.id,
                                delta=1 if is_counted else -1)
    bump_member_counters(
        session, project_id=project.id, user_id=annotation.user_id,
        accepted=int(new in ("accepted", "corrected")) - int(old in ("accepted", "corrected")),
        rejected=int(new == "rejected") - int(old == "rejected"),
    )
    now = utcnow()
    annotation.status = new
    annotation.reviewed_by, annotation.reviewed_at = actor.user.id, now
    annotation.review_reason = reason or None
    annotation.corrected_answers = corrected
    session.add(Review(annotation_id=annotation.id, reviewer_id=actor.user.id, decision=decision,
                       reason=reason, corrected_answers=corrected, created_at=now))
    record(session, actor_id=actor.user.id, action=f"review.{decision}", project_id=project.id,
           target_type="annotation", target_id=annotation.id, detail={"from": old, "reason": reason})
    session.flush()
    refresh_item(session, project=project, item_id=annotation.item_id)
    return annotation
