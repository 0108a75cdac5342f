"""Serving media to a project's members: local files by path, and any item's media by item and field.

Both routes take `?size=thumb|preview` or `?w=N` for a thumbnail (see `thumbs.py`). Authorisation runs in
a short read transaction of its own; fetching, probing and thumbnailing happen outside any transaction,
and facts read from a newly fetched file are stored in a short write transaction.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from tutorloop.accounts.deps import current_principal
from tutorloop.errors import Invalid
from tutorloop.media.cache import MediaCache
from tutorloop.media.probe import probe_file
from tutorloop.media.serving import file_response
from tutorloop.media.sources import (
    MediaSource,
    item_source,
    local_source,
    resolve_media_path,
    store_facts,
)
from tutorloop.media.thumbs import WIDTHS, bound_for, thumbnail
from tutorloop.projects.service import authorize

router = APIRouter(tags=["media"])
api_router = APIRouter(tags=["media"])

__all__ = ["api_router", "resolve_media_path", "router"]

SizeQuery = Query(None, description="`thumb` (256 px) or `preview` (1024 px): a reduced copy.")
WidthQuery = Query(None, ge=1, le=WIDTHS[-1], description="A reduced copy at least this wide (rounded up).")
OrientQuery = Query("upright", description="`stored` keeps a thumbnail in the stored pixels' orientation.")


@router.get("/media/{project_id}/{path:path}")
def media(project_id: int, path: str, request: Request, size: Literal["thumb", "preview"] | None = SizeQuery,
          w: int | None = WidthQuery, orient: Literal["upright", "stored"] = OrientQuery) -> Response:
    """A file of a project's media folder (members only), or a thumbnail of it."""
    with request.app.state.db.session(write=False) as session:
        actor = current_principal(request, session)
        authorize(session, actor=actor, project_id=project_id)
    source = local_source(request.app.state.settings.resolved_media_dir, project_id, path)
    return _serve(request, source, size=size, width=w, orient=orient, where="path")


@api_router.get("/projects/{project_id}/items/{item_id}/media/{field}")
def item_media(project_id: int, item_id: int, field: str, request: Request,
               size: Literal["thumb", "preview"] | None = SizeQuery, w: int | None = WidthQuery,
               orient: Literal["upright", "stored"] = OrientQuery) -> Response:
    """An item's image or video for one field, from the media folder or its URL (fetched once, cached)."""
    from tutorloop.items.routes import authorize_item

    app = request.app
    with app.state.db.session(write=False) as session:
        actor = current_principal(request, session)
        item, spec, _ = authorize_item(session, actor=actor, project_id=project_id, item_id=item_id)
        data, known = dict(item.data or {}), (item.media or {}).get(field)
    source = item_source(app.state.settings, project_id=project_id, spec=spec, data=data, field=field)
    if not known:
        facts = source.facts
        if facts is None:
            try:
                facts = probe_file(source.path, source.kind)
            except Invalid:
                facts = None  # a local file that cannot be read is still served; the browser may manage
        if facts:
            store_facts(app.state.db, item_id=item_id, field=field, value=data[field], facts=facts)
    return _serve(request, source, size=size, width=w, orient=orient, where=f"data.{field}")


def _serve(request: Request, source: MediaSource, *, size: str | None, width: int | None, orient: str,
           where: str) -> Response:
    bound = bound_for(size, width)
    if bound is None:
        return file_response(request, source.path, media_type=source.media_type)
    if source.kind is None:
        raise Invalid(f"{where}: thumbnails are made of images and videos only", where=where)
    cache = MediaCache(request.app.state.settings.resolved_media_cache_dir)
    thumb = thumbnail(cache, source.path, kind=source.kind, bound=bound, upright=orient == "upright", where=where)
    if thumb is None:
        return file_response(request, source.path, media_type=source.media_type)
    return file_response(request, thumb.path, media_type=thumb.media_type)
