"""HTTP route for exports (streamed)."""

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from tutorloop.accounts.deps import Actor, DbSession
from tutorloop.audit.service import record
from tutorloop.errors import Invalid
from tutorloop.exports.service import FORMATS, iter_export
from tutorloop.projects.service import authorize

router = APIRouter(tags=["exports"])
MEDIA_TYPES = {"jsonl": "application/x-ndjson; charset=utf-8", "csv": "text/csv; charset=utf-8"}


@router.get("/projects/{project_id}/export")
def export(project_id: int, request: Request, actor: Actor, session: DbSession, format: str = "jsonl"):
    """Every item with per-annotator rows and consensus, as JSONL (one item per line) or CSV (one row per
    annotation)."""
    if format not in FORMATS:
        raise Invalid(f"format must be one of {', '.join(FORMATS)}", where="format")
    project = authorize(session, actor=actor, project_id=project_id, at_least="manager")
    db = request.app.state.db
    with db.session(write=True) as writer:  # a GET's own session is read-only
        record(writer, actor_id=actor.user.id, action="project.export", project_id=project.id,
               target_type="project", target_id=project.id, detail={"format": format})

    def stream():
        with db.session(write=False) as read_session:
            yield from iter_export(read_session, project=project, fmt=format)

    filename = f"project-{project.id}.{format}"
    return StreamingResponse(stream(), media_type=MEDIA_TYPES[format],
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})
