"""HTTP routes for quality: the report, refits, item consensus and gold items."""

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from tutorloop.accounts.deps import Actor, DbSession
from tutorloop.consensus.refit import refit_project
from tutorloop.consensus.report import item_consensus, quality_report
from tutorloop.items.service import get_item, set_gold
from tutorloop.projects.service import authorize

router = APIRouter(tags=["quality"])


class GoldSet(BaseModel):
    answers: dict[str, Any]


@router.get("/projects/{project_id}/quality")
def report(project_id: int, actor: Actor, session: DbSession) -> dict:
    """Agreement, skill per person (gold and model) with its evidence, weakest items, suspected errors."""
    return quality_report(session, actor=actor, project_id=project_id)


@router.post("/projects/{project_id}/quality/refit")
async def refit(project_id: int, request: Request) -> dict:
    """Refit the project's consensus and skills from all labels now (managers)."""
    from starlette.concurrency import run_in_threadpool

    from tutorloop.accounts.deps import current_principal

    db = request.app.state.db

    def work() -> dict:
        # Authorise in a read transaction: the refit then reads and writes in transactions of its own.
        with db.session(write=False) as session:
            actor = current_principal(request, session)  # also checks the CSRF token of a browser session
            authorize(session, actor=actor, project_id=project_id, at_least="manager")
        return {"questions": refit_project(db, project_id=project_id)}

    return await run_in_threadpool(work)


@router.get("/projects/{project_id}/items/{item_id}/consensus")
def consensus(project_id: int, item_id: int, actor: Actor, session: DbSession) -> list[dict]:
    """The stored consensus of an item per question, with method and confidence (reviewers)."""
    authorize(session, actor=actor, project_id=project_id, at_least="reviewer")
    get_item(session, project_id=project_id, item_id=item_id)
    return item_consensus(session, project_id=project_id, item_id=item_id)


@router.put("/projects/{project_id}/items/{item_id}/gold")
def make_gold(project_id: int, item_id: int, body: GoldSet, actor: Actor, session: DbSession) -> dict:
    """Mark an item as gold with its known answers (managers); it leaves the normal queue."""
    project = authorize(session, actor=actor, project_id=project_id, at_least="manager")
    item = set_gold(session, actor=actor, project=project, item_id=item_id, answers=body.answers)
    return {"item_id": item.id, "gold": item.gold}


@router.delete("/projects/{project_id}/items/{item_id}/gold")
def unmake_gold(project_id: int, item_id: int, actor: Actor, session: DbSession) -> dict:
    """Make a gold item ordinary again (managers)."""
    project = authorize(session, actor=actor, project_id=project_id, at_least="manager")
    item = set_gold(session, actor=actor, project=project, item_id=item_id, answers=None)
    return {"item_id": item.id, "gold": None}
