"""HTTP routes for annotations and their review."""

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from tutorloop.accounts.deps import Actor, DbSession
from tutorloop.accounts.models import User
from tutorloop.annotations import service
from tutorloop.annotations.models import Annotation
from tutorloop.projects.schemas import (
    AnnotationCreate,
    AnnotationPage,
    AnnotationRead,
    AnnotationUpdate,
    ReviewCreate,
    ReviewInfo,
)
from tutorloop.reviews.service import review as review_annotation

router = APIRouter(tags=["annotations"])
REFIT_CHECK_EVERY = 10  # every tenth new annotation asks whether a background refit is due


def annotation_read(session: Session, annotation: Annotation, usernames: dict[int, str] | None = None) -> AnnotationRead:
    """The API view of an annotation."""
    if usernames is None or annotation.user_id not in usernames:
        username = session.get(User, annotation.user_id).username
    else:
        username = usernames[annotation.user_id]
    review = None
    if annotation.reviewed_at is not None:
        review = ReviewInfo(
            decision={"accepted": "accept", "rejected": "reject", "corrected": "correct"}.get(
                annotation.status, annotation.status),
            reason=annotation.review_reason, reviewer_id=annotation.reviewed_by,
            reviewer=session.get(User, annotation.reviewed_by).username if annotation.reviewed_by else None,
            corrected_answers=annotation.corrected_answers, at=annotation.reviewed_at,
        )
    return AnnotationRead(
        id=annotation.id, item_id=annotation.item_id, project_id=annotation.project_id,
        user_id=annotation.user_id, username=username, answers=annotation.answers,
        client_key=annotation.client_key, time_spent_ms=annotation.time_spent_ms,
        guideline_version=annotation.guideline_version, status=annotation.status, review=review,
        created_at=annotation.created_at, updated_at=annotation.updated_at,
    )


@router.post("/projects/{project_id}/items/{item_id}/annotations", response_model=AnnotationRead,
             status_code=201)
def submit(project_id: int, item_id: int, body: AnnotationCreate, actor: Actor, session: DbSession,
           request: Request, response: Response):
    """Submit your answers; a repeated client_key returns the first annotation (200) instead of a new one."""
    annotation, created = service.submit(
        session, actor=actor, project_id=project_id, item_id=item_id, answers=body.answers,
        client_key=body.client_key, time_spent_ms=body.time_spent_ms,
    )
    if not created:
        response.status_code = 200
    elif annotation.id % REFIT_CHECK_EVERY == 0:  # cheap sampling: most submits skip the check
        request.app.state.refits.maybe_start(project_id)
    return annotation_read(session, annotation, {actor.user.id: actor.user.username})


@router.get("/projects/{project_id}/annotations", response_model=AnnotationPage)
def list_annotations(project_id: int, actor: Actor, session: DbSession, mine: bool = False,
                     status: str | None = None, item_id: int | None = None, after: int | None = None,
                     limit: int = 50, order: str = "asc"):
    """A page of annotations (annotators see only their own); `order=desc` lists newest first."""
    limit = max(1, min(limit, 500))
    rows = service.list_annotations(session, actor=actor, project_id=project_id, mine=mine, status=status,
                                    item_id=item_id, after=after, limit=limit, newest_first=order == "desc")
    usernames: dict[int, str] = {}
    out = []
    for a in rows:
        if a.user_id not in usernames:
            usernames[a.user_id] = session.get(User, a.user_id).username
        out.append(annotation_read(session, a, usernames))
    return AnnotationPage(annotations=out, next_after=rows[-1].id if len(rows) == limit else None)


@router.get("/annotations/{annotation_id}", response_model=AnnotationRead)
def get_annotation(annotation_id: int, actor: Actor, session: DbSession):
    """One annotation (its author, or the project's reviewers and managers)."""
    return annotation_read(session, service.get_annotation(session, actor=actor, annotation_id=annotation_id))


@router.put("/annotations/{annotation_id}", response_model=AnnotationRead)
def edit_annotation(annotation_id: int, body: AnnotationUpdate, actor: Actor, session: DbSession):
    """Change your own annotation (until a reviewer accepted or corrected it)."""
    annotation = service.edit(session, actor=actor, annotation_id=annotation_id, answers=body.answers,
                              time_spent_ms=body.time_spent_ms)
    return annotation_read(session, annotation)


@router.post("/annotations/{annotation_id}/review", response_model=AnnotationRead)
def review(annotation_id: int, body: ReviewCreate, actor: Actor, session: DbSession):
    """Accept, reject with a reason (the item returns to the queue), or correct (reviewers)."""
    annotation = review_annotation(session, actor=actor, annotation_id=annotation_id, decision=body.decision,
                                   reason=body.reason, answers=body.answers)
    return annotation_read(session, annotation)
