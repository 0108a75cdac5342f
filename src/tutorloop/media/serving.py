"""Sending a media file: byte ranges (206), conditional requests (304), and headers that keep it inert.

Starlette's FileResponse does the ranges: `Accept-Ranges: bytes`, one range as 206 with `Content-Range`,
several as `multipart/byteranges`, `If-Range` honoured. Two of its answers are changed here: a range that
starts past the end is a 416 in the project's JSON error shape (with `Content-Range: bytes */<size>`), and
a Range header that cannot be parsed is ignored (the whole file, 200), as RFC 9110 asks, instead of a 400.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.responses import FileResponse, MalformedRangeHeader, RangeNotSatisfiable

CACHE_CONTROL = "private, max-age=3600"
# Opened directly (a link to an image, an SVG, a stray HTML file), media runs no script and has no origin.
SANDBOX = "sandbox"


class MediaFileResponse(FileResponse):
    """A FileResponse that can be told to ignore the request's Range header."""

    ignore_range = False

    async def __call__(self, scope, receive, send):
        if self.ignore_range:
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"range"]}
        await super().__call__(scope, receive, send)


def file_response(request: Request, path: Path, *, media_type: str) -> Response:
    """The file as a response to this request: whole, a byte range, or 304 when the browser has it."""
    stat = path.stat()
    headers = {"Cache-Control": CACHE_CONTROL, "Content-Security-Policy": SANDBOX}
    if not media_type.startswith(("image/", "video/", "audio/")):
        headers["Content-Disposition"] = "attachment"
    response = MediaFileResponse(path, stat_result=stat, media_type=media_type, headers=headers)
    etag = response.headers["etag"]
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})
    requested = request.headers.get("range")
    if requested is None:
        return response
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range not in (etag, response.headers["last-modified"]):
        return response  # the browser's copy is stale: it gets the whole new file
    try:
        # Starlette's own parser, so this check and the response agree on what the header means.
        FileResponse._parse_range_header(requested, stat.st_size)
    except MalformedRangeHeader:
        response.ignore_range = True
    except RangeNotSatisfiable:
        return JSONResponse(
            {"error": "RangeNotSatisfiable", "where": "range",
             "detail": f"range: {requested[:100]!r} starts beyond the end of the file ({stat.st_size} bytes)"},
            status_code=416, headers={"Content-Range": f"bytes */{stat.st_size}", "Accept-Ranges": "bytes"})
    return response


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags
