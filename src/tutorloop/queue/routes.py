"""HTTP routes for the queue."""

from fastapi import APIRouter

from tutorloop.accounts.deps import Actor, DbSession
from tutorloop.items.routes import item_read
from tutorloop.projects.schemas import LeaseRead, NextRead
from tutorloop.queue import service

router = APIRouter(tags=["queue"])


@router.post("/projects/{project_id}/queue/next", response_model=NextRead)
def next_item(project_id: int, actor: Actor, session: DbSession):
    """Lease your next item (or get back the one you hold); item null when nothing is left for you."""
    leased = service.lease_next(session, actor=actor, project_id=project_id)
    if leased is None:
        return NextRead(item=None, lease=None)
    return NextRead(item=item_read(leased.item, leased.project.spec),
                    lease=LeaseRead(item_id=leased.item.id, expires_at=leased.expires_at))


@router.post("/projects/{project_id}/queue/{item_id}/skip")
def skip(project_id: int, item_id: int, actor: Actor, session: DbSession):
    """Give the item back for others; you will not be offered it again."""
    service.skip(session, actor=actor, project_id=project_id, item_id=item_id)
    return {"ok": True}


@router.post("/projects/{project_id}/queue/{item_id}/release")
def release(project_id: int, item_id: int, actor: Actor, session: DbSession):
    """Give the item back without skipping it."""
    service.release(session, actor=actor, project_id=project_id, item_id=item_id)
    return {"ok": True}
