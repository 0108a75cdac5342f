"""Smaller copies of images (and a poster frame of videos), made once with Pillow and kept on disk.

`?size=thumb` bounds the longer side to 256 px, `?size=preview` to 1024 px, and `?w=N` to the smallest of
`WIDTHS` that is at least N (so a handful of sizes are ever cached per file). Thumbnails are for looking
at: by default they are turned upright by the EXIF orientation, as browsers show the original. Shape
coordinates, however, always refer to the stored pixels (what the server probed); `?orient=stored` keeps
the stored orientation, so a work surface can scale coordinates between a preview and the original.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tutorloop.errors import Invalid
from tutorloop.media.cache import MediaCache, digest, exclusive
from tutorloop.media.probe import VIDEO

SIZES = {"thumb": 256, "preview": 1024}
WIDTHS = (128, 256, 512, 1024, 2048)
ORIENTATION = 0x0112  # the EXIF tag


@dataclass(frozen=True)
class Thumbnail:
    """A made thumbnail on disk and its content type."""

    path: Path
    media_type: str


def bound_for(size: str | None, width: int | None) -> int | None:
    """The longest side asked for by `?size=` or `?w=` (None: the original file)."""
    if size is not None:
        return SIZES[size]
    if width is not None:
        return next((w for w in WIDTHS if w >= width), WIDTHS[-1])
    return None


def thumbnail(cache: MediaCache, source: Path, *, kind: str, bound: int, upright: bool,
              where: str) -> Thumbnail | None:
    """The thumbnail of `source` bounded to `bound` px, made on first use; None when the original fits as is."""
    stat = source.stat()
    orient = "upright" if upright else "stored"
    key = digest(f"{source}|{stat.st_mtime_ns}|{stat.st_size}|{bound}|{orient}")
    made = _made(cache, key)
    if made is not None:
        return made
    with exclusive("thumb:" + key):
        made = _made(cache, key)
        if made is not None:
            return made
        image = _load(source, kind=kind, bound=bound, upright=upright, where=where)
        if image is None:
            return None
        try:
            return _save(cache, key, image)
        except (OSError, ValueError) as exc:  # a pixel format JPEG and WebP cannot take
            raise Invalid(f"{where}: cannot make a thumbnail of this {kind} ({exc})", where=where) from None


def _made(cache: MediaCache, key: str) -> Thumbnail | None:
    for suffix, media_type in ((".jpg", "image/jpeg"), (".webp", "image/webp")):
        path = cache.thumb_path(key, suffix)
        if path.is_file():
            return Thumbnail(path, media_type)
    return None


def _load(source: Path, *, kind: str, bound: int, upright: bool, where: str):
    """The reduced image, or None when an image already fits and needs no turning."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    errors: tuple[type[BaseException], ...] = (UnidentifiedImageError, OSError, ValueError,
                                               Image.DecompressionBombError)
    try:
        if kind == VIDEO:
            import av

            errors += (av.FFmpegError,)
            return _reduced(_first_frame(source), bound)
        with Image.open(source) as opened:
            orientation = opened.getexif().get(ORIENTATION, 1)
            turn = upright and orientation != 1
            if max(opened.size) <= bound and not turn:
                return None
            opened.draft("RGB" if opened.mode == "RGB" else None, (bound, bound))  # JPEG: decode at 1/2..1/8
            image = opened.copy() if max(opened.size) <= bound else _reduced(opened, bound)
        return ImageOps.exif_transpose(image) if turn else image
    except errors as exc:
        raise Invalid(f"{where}: cannot make a thumbnail of this {kind} ({exc})", where=where) from None


def _reduced(image, bound: int):
    from PIL import Image

    image.thumbnail((bound, bound), Image.Resampling.LANCZOS)
    return image


def _first_frame(source: Path):
    import av

    with av.open(str(source)) as container:
        if not container.streams.video:
            raise ValueError("no video stream")
        for frame in container.decode(container.streams.video[0]):
            return frame.to_image()
    raise ValueError("no frame could be decoded")


def _save(cache: MediaCache, key: str, image) -> Thumbnail:
    """JPEG for opaque images, WebP (lossy, with alpha) for ones with transparency."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        image, suffix, media_type, options = image.convert("RGBA"), ".webp", "image/webp", {"quality": 85}
    else:
        image, suffix, media_type = image.convert("RGB"), ".jpg", "image/jpeg"
        options = {"quality": 85, "optimize": True, "progressive": True}
    path = cache.thumb_path(key, suffix)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = cache.temp_path("thumbs")
    try:
        image.save(temp, format="WEBP" if has_alpha else "JPEG", **options)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return Thumbnail(path, media_type)
