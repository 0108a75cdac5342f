"""Writing and reading the append-only audit log."""

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tutorloop.audit.models import AuditEntry
from tutorloop.db import utcnow

_INSERT = insert(AuditEntry.__table__)


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    project_id: int | None = None,
    target_type: str = "",
    target_id: Any = "",
    detail: dict | None = None,
) -> None:
    """Add one audit row to the caller's transaction (it commits or rolls back with the change)."""
    session.execute(_INSERT, {
        "at": utcnow(), "actor_id": actor_id, "action": action, "project_id": project_id,
        "target_type": target_type, "target_id": str(target_id), "detail": detail or {},
    })


def list_entries(
    session: Session, *, project_id: int | None, after: int | None, limit: int
) -> list[AuditEntry]:
    """Audit rows in id order, optionally for one project, paged by id."""
    query = select(AuditEntry).order_by(AuditEntry.id).limit(limit)
    if project_id is not None:
        query = query.where(AuditEntry.project_id == project_id)
    if after is not None:
        query = query.where(AuditEntry.id > after)
    return list(session.scalars(query))
