"""Notes and comments on items; every member of the project can read and write them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutorloop.accounts.models import User
from tutorloop.accounts.service import Principal
from tutorloop.audit.service import record
from tutorloop.comments.models import Comment
from tutorloop.errors import Invalid
from tutorloop.items.service import get_item
from tutorloop.projects.service import authorize

MAX_BODY = 10_000


def add_comment(session: Session, *, actor: Principal, project_id: int, item_id: int, body: str) -> Comment:
    """Add a comment to an item."""
    authorize(session, actor=actor, project_id=project_id)
    get_item(session, project_id=project_id, item_id=item_id)
    body = body.strip()
    if not body:
        raise Invalid("a comment cannot be empty", where="body")
    if len(body) > MAX_BODY:
        raise Invalid(f"a comment can have at most {MAX_BODY} characters", where="body")
    comment = Comment(project_id=project_id, item_id=item_id, user_id=actor.user.id, body=body)
    session.add(comment)
    session.flush()
    record(session, actor_id=actor.user.id, action="comment.add", project_id=project_id,
           target_type="item", target_id=item_id, detail={"comment_id": comment.id})
    return comment


def list_comments(session: Session, *, actor: Principal, project_id: int, item_id: int) -> list[tuple[Comment, User]]:
    """An item's comments, oldest first, with their authors."""
    authorize(session, actor=actor, project_id=project_id)
    get_item(session, project_id=project_id, item_id=item_id)
    return list(session.execute(
        select(Comment, User).join(User, User.id == Comment.user_id)
        .where(Comment.item_id == item_id).order_by(Comment.id)
    ).all())
