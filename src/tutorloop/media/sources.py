"""Where an item's media comes from — a file in the project's media folder or a URL fetched once — as a file.

A URL is fetched by the server the first time anyone asks for it (see `fetch.py` for what it refuses),
probed like a local file, and kept in the media cache; the facts read from it are stored in the item's
`media` column so answers are checked against the real size from then on.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

from tutorloop.errors import Invalid, NotFound
from tutorloop.media.cache import MediaCache, exclusive
from tutorloop.media.fetch import FetchFailed, FetchPolicy, fetch
from tutorloop.media.probe import IMAGE, VIDEO, is_url, local_relative, probe_file

# Served as what they are; anything else in a media folder is sent as a download (never as a page).
SHOWN_TYPES = ("image/", "video/", "audio/")


@dataclass(frozen=True)
class MediaSource:
    """A media file ready to serve: where it is, its content type, its kind, and facts already read from it."""

    path: Path
    media_type: str
    kind: str | None
    facts: dict | None = None


def resolve_media_path(root: Path, project_id: int, relative: str) -> Path:
    """The file for a media path, refusing anything that would leave the project's media folder.

    The path is resolved with symlinks followed, so `..`, absolute paths and links pointing outside all
    end up outside the folder and are refused like a missing file.
    """
    if "\x00" in relative:
        raise NotFound("No such media file.", where="path")
    base = (root / str(project_id)).resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        raise NotFound("No such media file.", where="path")
    return target


def kind_of(media_type: str) -> str | None:
    """"image", "video" or None for a content type."""
    main = media_type.split("/", 1)[0]
    return main if main in (IMAGE, VIDEO) else None


def local_media_type(path: Path) -> str:
    """The content type a local file is served with (by its name)."""
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return guessed if guessed.startswith(SHOWN_TYPES) else "application/octet-stream"


def local_source(root: Path, project_id: int, relative: str) -> MediaSource:
    """A file of the project's media folder (NotFound when it is missing or outside the folder)."""
    path = resolve_media_path(root, project_id, relative)
    media_type = local_media_type(path)
    return MediaSource(path, media_type, kind_of(media_type))


def url_source(cache: MediaCache, url: str, *, kind: str, policy: FetchPolicy, where: str) -> MediaSource:
    """The cached copy of a URL, fetched, checked and probed on first use (once per process at a time)."""
    cached = cache.lookup_url(url)
    if cached is None:
        with exclusive("url:" + url):
            cached = cache.lookup_url(url) or _fetch_into(cache, url, kind=kind, policy=policy, where=where)
    if kind_of(cached.content_type) != kind:
        raise FetchFailed(f"{where}: {url[:300]} is {cached.content_type}, not {kind}/*", where=where)
    return MediaSource(cached.path, cached.content_type, kind, cached.facts)


def _fetch_into(cache: MediaCache, url: str, *, kind: str, policy: FetchPolicy, where: str):
    temp = cache.temp_path("urls")
    try:
        with temp.open("wb") as out:
            fetched = fetch(url, out, policy=policy, accept=(f"{kind}/",), where=where)
        try:
            facts = probe_file(temp, kind)
        except Invalid:
            raise FetchFailed(f"{where}: {url[:300]} did not give an {kind} this server can read",
                              where=where) from None
        return cache.store_url(url, temp, final_url=fetched.url, content_type=fetched.content_type, kind=kind,
                               facts=facts)
    finally:
        temp.unlink(missing_ok=True)


def item_source(settings, *, project_id: int, spec: dict, data: dict, field: str) -> MediaSource:
    """The media of an item's image or video field, whatever its source."""
    kinds = {f["name"]: f["type"] for f in spec["fields"]}
    kind = kinds.get(field)
    if kind not in (IMAGE, VIDEO):
        raise NotFound(f"field: the project has no image or video field {field!r}", where="field")
    where = f"data.{field}"
    value = data.get(field)
    if not isinstance(value, str) or not value:
        raise NotFound(f"{where}: the item has no media in this field", where=where)
    if is_url(value):
        return url_source(MediaCache(settings.resolved_media_cache_dir), value, kind=kind,
                          policy=FetchPolicy.from_settings(settings), where=where)
    if value.startswith("data:"):
        raise NotFound(f"{where}: inline data: media is shown as it is, not served", where=where)
    try:
        source = local_source(settings.resolved_media_dir, project_id, local_relative(value))
    except NotFound:
        raise NotFound(f"{where}: no media file {value[:300]!r} in this project's media folder",
                       where=where) from None
    return MediaSource(source.path, source.media_type, kind)


def store_facts(db, *, item_id: int, field: str, value: str, facts: dict) -> None:
    """Record what was read from an item's media in `items.media[field]` (a short write transaction).

    Nothing is written when the item changed its media meanwhile or already has these facts.
    """
    from tutorloop.items.models import Item

    with db.session(write=True) as session:
        item = session.get(Item, item_id)
        if item is None or (item.data or {}).get(field) != value or (item.media or {}).get(field) == facts:
            return
        item.media = {**(item.media or {}), field: facts}
