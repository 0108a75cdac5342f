"""HTTP routes for generation jobs: start, list, read, cancel (project managers)."""

from fastapi import APIRouter, Request

from tutorloop.accounts.deps import Actor, DbSession, current_principal
from tutorloop.generation import service
from tutorloop.generation.runner import get_runner
from tutorloop.generation.service import GenerationStart

router = APIRouter(tags=["generation"])


@router.post("/projects/{project_id}/generation", status_code=202)
def start(project_id: int, body: GenerationStart, request: Request) -> dict:
    """Queue a job that appends candidate responses from a model to the project's items, and start it."""
    runner = get_runner(request.app)
    # The job row commits in its own transaction before the thread starts, so the thread always finds it.
    with request.app.state.db.session() as session:
        actor = current_principal(request, session)  # also checks the CSRF token of a browser session
        job = service.start_job(session, actor=actor, project_id=project_id, body=body,
                                configured=runner.configured)
        out = service.job_read(job)
    runner.start(out["id"])
    return out


@router.get("/projects/{project_id}/generation")
def list_jobs(project_id: int, actor: Actor, session: DbSession) -> list[dict]:
    """The project's latest generation jobs, newest first."""
    return [service.job_read(job) for job in service.list_jobs(session, actor=actor, project_id=project_id)]


@router.get("/projects/{project_id}/generation/{job_id}")
def read_job(project_id: int, job_id: int, actor: Actor, session: DbSession) -> dict:
    """A job's status and progress: done of total items, responses added, items skipped, item errors."""
    return service.job_read(service.get_job(session, actor=actor, project_id=project_id, job_id=job_id))


@router.post("/projects/{project_id}/generation/{job_id}/cancel")
def cancel(project_id: int, job_id: int, request: Request) -> dict:
    """Cancel a job: a queued one at once, a running one after its current request."""
    with request.app.state.db.session() as session:
        actor = current_principal(request, session)
        out = service.job_read(service.cancel_job(session, actor=actor, project_id=project_id, job_id=job_id))
    get_runner(request.app).cancel(job_id)
    return out
