"""Generation jobs: starting, reading and cancelling them, and applying one item's result.

Every function here works inside the caller's transaction. The runner calls `apply_outcome` once per item,
in a short write transaction of its own, so people keep labelling while a job runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from tutorloop.accounts.service import Principal
from tutorloop.annotations.models import Annotation
from tutorloop.audit.service import record
from tutorloop.db import utcnow
from tutorloop.errors import Conflict, Invalid, NotFound
from tutorloop.generation.models import ACTIVE, GenerationJob
from tutorloop.items.models import Item
from tutorloop.projects.service import authorize
from tutorloop.queue.models import Lease
from tutorloop.schema.spec import MAX_RESPONSES, validate_item_data

MAX_ERRORS = 200  # item errors kept on the job row; error_count counts them all
STALE = timedelta(minutes=15)  # an active job without progress for this long was cut off by a restart
ID_LENGTH = 64


class GenerationStart(BaseModel):
    """What a manager sends to start a job."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    n_per_item: int = Field(default=1, ge=1, le=4)
    temperature: float = Field(default=1.0, ge=0, le=2)
    max_tokens: int = Field(default=1024, ge=1, le=65536)
    only_missing: bool = True
    chat_field: str | None = None
    responses_field: str | None = None


def _field(spec: dict, kind: str, name: str | None, where: str) -> str:
    fields = {f["name"]: f["type"] for f in spec["fields"]}
    if name is None:
        name = next((n for n, t in fields.items() if t == kind), None)
        if name is None:
            raise Invalid(f"{where}: the project has no field of type {kind!r}", where=where)
    elif fields.get(name) != kind:
        raise Invalid(f"{where}: {name!r} is not a field of type {kind!r} in this project", where=where)
    return name


def start_job(session: Session, *, actor: Principal, project_id: int, body: GenerationStart,
              configured: bool) -> GenerationJob:
    """Queue a job (project managers); at most one job per project is queued or running."""
    project = authorize(session, actor=actor, project_id=project_id, at_least="manager")
    if not configured:
        raise Conflict("Generation is not set up on this server: set TUTORLOOP_GENERATION_BASE_URL.")
    chat = _field(project.spec, "chat", body.chat_field, "chat_field")
    responses = _field(project.spec, "responses", body.responses_field, "responses_field")
    now = utcnow()
    for job in session.scalars(select(GenerationJob).where(
            GenerationJob.project_id == project_id, GenerationJob.status.in_(ACTIVE))):
        if now - job.updated_at < STALE:
            raise Conflict(f"Generation job {job.id} of this project is still {job.status}; "
                           "wait for it or cancel it.", where="job_id")
        job.status, job.finished_at, job.updated_at = "failed", now, now
        job.message = "interrupted: the server stopped while the job ran"
    params = {"n_per_item": body.n_per_item, "temperature": body.temperature, "max_tokens": body.max_tokens,
              "only_missing": body.only_missing, "chat_field": chat, "responses_field": responses}
    job = GenerationJob(project_id=project_id, created_by=actor.user.id, status="queued", model=body.model,
                        params=params, total=0, done=0, generated=0, skipped=0, error_count=0, errors=[],
                        cancel_requested=False, created_at=now, updated_at=now)
    session.add(job)
    session.flush()
    record(session, actor_id=actor.user.id, action="generation.start", project_id=project_id,
           target_type="generation_job", target_id=job.id, detail={"model": body.model, **params})
    return job


def get_job(session: Session, *, actor: Principal, project_id: int, job_id: int) -> GenerationJob:
    """One job of a project (project managers)."""
    authorize(session, actor=actor, project_id=project_id, at_least="manager")
    job = session.get(GenerationJob, job_id)
    if job is None or job.project_id != project_id:
        raise NotFound(f"Generation job {job_id} not found in project {project_id}.", where="job_id")
    return job


def list_jobs(session: Session, *, actor: Principal, project_id: int, limit: int = 50) -> list[GenerationJob]:
    """The project's latest jobs, newest first (project managers)."""
    authorize(session, actor=actor, project_id=project_id, at_least="manager")
    return list(session.scalars(select(GenerationJob).where(GenerationJob.project_id == project_id)
                                .order_by(GenerationJob.id.desc()).limit(limit)))


def cancel_job(session: Session, *, actor: Principal, project_id: int, job_id: int) -> GenerationJob:
    """Stop a job: a queued one at once, a running one after the item it is on (project managers)."""
    job = get_job(session, actor=actor, project_id=project_id, job_id=job_id)
    if job.status not in ACTIVE:
        if job.status == "cancelled":
            return job
        raise Conflict(f"Generation job {job_id} already ended ({job.status}).", where="job_id")
    now = utcnow()
    job.cancel_requested, job.updated_at = True, now
    if job.status == "queued":
        job.status, job.finished_at, job.message = "cancelled", now, "cancelled before it started"
    record(session, actor_id=actor.user.id, action="generation.cancel", project_id=project_id,
           target_type="generation_job", target_id=job.id, detail={"done": job.done, "total": job.total})
    return job


def job_read(job: GenerationJob) -> dict:
    """The API view of a job."""
    return {
        "id": job.id, "project_id": job.project_id, "status": job.status, "model": job.model, **job.params,
        "total": job.total, "done": job.done, "generated": job.generated, "skipped": job.skipped,
        "error_count": job.error_count, "errors": job.errors, "message": job.message,
        "cancel_requested": job.cancel_requested, "created_by": job.created_by, "created_at": job.created_at,
        "started_at": job.started_at, "finished_at": job.finished_at, "updated_at": job.updated_at,
    }


# --- one item ------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What happened to one item: responses to add, a reason to leave it alone, or an error."""

    contents: list[str] = field(default_factory=list)
    skip: str | None = None
    error: str | None = None
    status: int | None = None


def chat_messages(data: dict, chat_field: str) -> list[dict]:
    """The item's conversation as OpenAI chat messages; Invalid when it has none."""
    chat = data.get(chat_field)
    if not isinstance(chat, list) or not chat:
        raise Invalid(f"the item has no conversation in {chat_field!r}", where=chat_field)
    out = []
    for message in chat:
        entry = {"role": message["role"], "content": message.get("content", "")}
        if message.get("name"):
            entry["name"] = message["name"]
        out.append(entry)
    return out


def skip_reason(session: Session, item: Item, *, model: str, params: dict) -> str | None:
    """Why the item must not get new responses now (None if it may): answers would stop matching it."""
    if item.is_gold:
        return "gold"
    if session.scalar(select(exists().where(Annotation.item_id == item.id))):
        return "answered"
    if session.scalar(select(exists().where(Lease.item_id == item.id, Lease.expires_at > utcnow()))):
        return "leased"
    if params["only_missing"] and has_model(item.data, params["responses_field"], model):
        return "has_model"
    return None


def has_model(data: dict, responses_field: str, model: str) -> bool:
    """True when the item already holds a response of this model."""
    existing = data.get(responses_field)
    return isinstance(existing, list) and any(isinstance(r, dict) and r.get("model") == model for r in existing)


def room_error(data: dict, responses_field: str, n: int) -> str | None:
    """An error text when n more responses would pass the limit, else None."""
    existing = data.get(responses_field)
    count = len(existing) if isinstance(existing, list) else 0
    if count + n > MAX_RESPONSES:
        return (f"the item holds {count} responses; {n} more would pass the limit of {MAX_RESPONSES}")
    return None


def response_id(model: str, n: int) -> str:
    """`<model>-<n>`, with the model name shortened so the id fits in 64 characters."""
    suffix = f"-{n}"
    return model[:ID_LENGTH - len(suffix)] + suffix


def appended(existing: list | None, *, model: str, contents: list[str]) -> list[dict]:
    """The responses list with the new ones at its end, numbered after the ids already used."""
    out = list(existing) if isinstance(existing, list) else []
    taken = {r.get("id") for r in out if isinstance(r, dict)}
    n = 1
    for content in contents:
        while response_id(model, n) in taken:
            n += 1
        rid = response_id(model, n)
        taken.add(rid)
        out.append({"id": rid, "model": model, "content": content})
    return out


def apply_outcome(session: Session, *, job_id: int, item_id: int, outcome: Outcome) -> bool:
    """Write one item's result and the job's progress in the caller's transaction; True if cancel was asked."""
    job = session.get(GenerationJob, job_id)
    item = session.execute(select(Item).where(Item.id == item_id).with_for_update()).scalar_one_or_none()
    params = job.params
    error, status, skipped = outcome.error, outcome.status, outcome.skip
    if item is None:
        skipped = "deleted"
    elif error is None and skipped is None:
        # Re-checked under the write lock: someone may have taken or answered the item meanwhile.
        skipped = skip_reason(session, item, model=job.model, params=params)
        error = None if skipped else room_error(item.data, params["responses_field"], len(outcome.contents))
        if skipped is None and error is None:
            data = {**item.data, params["responses_field"]: appended(
                item.data.get(params["responses_field"]), model=job.model, contents=outcome.contents)}
            project_spec = job_spec(session, job)
            try:
                validate_item_data(project_spec, data, f"items.{item.external_id}")
            except Invalid as exc:
                error = exc.message
            else:
                item.data = data
                job.generated += len(outcome.contents)
    job.done += 1
    if skipped is not None:
        job.skipped += 1
    elif error is not None:
        job.error_count += 1
        if len(job.errors) < MAX_ERRORS:
            job.errors = [*job.errors, {"item_id": item_id, "external_id": item.external_id if item else None,
                                        "status": status, "message": error}]
    job.updated_at = utcnow()
    return job.cancel_requested


def job_spec(session: Session, job: GenerationJob) -> dict:
    """The labelling schema of the job's project."""
    from tutorloop.projects.models import Project

    return session.get(Project, job.project_id).spec
