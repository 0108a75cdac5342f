"""HTTP route for reading the audit log."""

from fastapi import APIRouter

from tutorloop.accounts.deps import Actor, DbSession
from tutorloop.audit.service import list_entries
from tutorloop.errors import Forbidden
from tutorloop.projects.schemas import AuditPage, AuditRead
from tutorloop.projects.service import authorize

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=AuditPage)
def audit(actor: Actor, session: DbSession, project_id: int | None = None, after: int | None = None,
          limit: int = 100):
    """Audit rows: all for admins; one project's for its managers."""
    if project_id is None and not actor.is_admin:
        raise Forbidden("Only admins can read the whole audit log; managers pass project_id.")
    if project_id is not None:
        authorize(session, actor=actor, project_id=project_id, at_least="manager")
    limit = max(1, min(limit, 1000))
    rows = list_entries(session, project_id=project_id, after=after, limit=limit)
    return AuditPage(entries=[AuditRead.model_validate(r) for r in rows],
                     next_after=rows[-1].id if len(rows) == limit else None)
