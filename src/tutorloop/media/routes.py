"""Serving a project's local media files to its members, never outside the media root."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from tutorloop.accounts.deps import Actor, DbSession
from tutorloop.errors import NotFound
from tutorloop.projects.service import authorize

router = APIRouter(tags=["media"])


def resolve_media_path(root: Path, project_id: int, relative: str) -> Path:
    """The file for a media path, refusing anything that would escape the project's media folder."""
    base = (root / str(project_id)).resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        raise NotFound("No such media file.", where="path")
    return target


@router.get("/media/{project_id}/{path:path}", include_in_schema=True)
def media(project_id: int, path: str, request: Request, actor: Actor, session: DbSession):
    """A local media file of a project (members only)."""
    authorize(session, actor=actor, project_id=project_id)
    target = resolve_media_path(request.app.state.settings.resolved_media_dir, project_id, path)
    return FileResponse(target, headers={"Cache-Control": "private, max-age=3600"})
