"""HTTP route for exports (streamed)."""

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from tutorloop.accounts.deps import Actor, DbSession
from tutorloop.audit.service import record
from tutorloop.errors import Invalid
from tutorloop.exports.service import (
    CHAT_FORMATS,
    FORMATS,
    TABLE_FORMATS,
    build_annotation_export,
    build_chat_export,
    export_name,
    iter_export,
    iter_file,
)
from tutorloop.formats import chat as chat_formats
from tutorloop.formats.annotations import codec
from tutorloop.projects.service import authorize

router = APIRouter(tags=["exports"])
MEDIA_TYPES = {"jsonl": "application/x-ndjson; charset=utf-8", "csv": "text/csv; charset=utf-8"}


@router.get("/projects/{project_id}/export")
def export(project_id: int, request: Request, actor: Actor, session: DbSession, format: str = "jsonl",
           question: str | None = None, source: str = "consensus", form: str | None = None,
           pairs: str | None = None, ties: bool = False, both_bad: bool = False, rewrites: bool = True):
    """Every item with per-annotator rows and consensus, as JSONL (one item per line) or CSV (one row per
    annotation); or one question's answers from one source (consensus, predictions, gold, annotations) as
    COCO, YOLO, Pascal VOC, CoNLL, spaCy JSONL or MOT; or chat training data (TRL SFT, prompt-completion,
    DPO, KTO, reward pairs, HelpSteer rubric scores, OpenAssistant trees)."""
    if format not in FORMATS:
        raise Invalid(f"format must be one of {', '.join(FORMATS)}", where="format")
    project = authorize(session, actor=actor, project_id=project_id, at_least="manager")
    db = request.app.state.db
    if format in TABLE_FORMATS:
        body, media_type, filename = None, MEDIA_TYPES[format], export_name(project, format)
        detail = {"format": format}
    elif format in CHAT_FORMATS:
        options = {k: v for k, v in {"form": form, "pairs": pairs, "ties": ties, "both_bad": both_bad,
                   "rewrites": rewrites, "questions": [question] if question else None}.items() if v is not None}
        handle = build_chat_export(session, project=project, fmt=format, source=source, **options)
        body, media_type = iter_file(handle), chat_formats.media_type(format)
        filename = chat_formats.export_name(project.id, format)
        detail = {"format": format, "source": source, **({"question": question} if question else {})}
    else:
        # Built before answering, so an item the format cannot hold is a 422 rather than a cut-off download.
        handle, config = build_annotation_export(session, project=project, fmt=format, question=question,
                                                 source=source)
        body, media_type = iter_file(handle), codec(format).MEDIA_TYPE
        filename = export_name(project, format, config)
        detail = {"format": format, "question": config.name, "source": source}
    with db.session(write=True) as writer:  # a GET's own session is read-only
        record(writer, actor_id=actor.user.id, action="project.export", project_id=project.id,
               target_type="project", target_id=project.id, detail=detail)

    def stream():
        with db.session(write=False) as read_session:
            yield from iter_export(read_session, project=project, fmt=format)

    return StreamingResponse(stream() if body is None else body, media_type=media_type,
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})
