"""Facts read from media files themselves: image size, video size, frame count and frame rate.

What a client says about a file is never trusted for validation; these are what answers are checked against.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from tutorloop.errors import Invalid

IMAGE = "image"
VIDEO = "video"


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def local_relative(value: str) -> str:
    """The path of a local media value inside its project's media folder ("media:a/b.png" → "a/b.png")."""
    return value.removeprefix("media:").lstrip("/")


def probe_image(path: Path) -> dict:
    """{"width", "height"} of an image file's stored pixels (reads the header only).

    A JPEG whose EXIF orientation turns it for display also gets "orientation" (2–8): width and height
    stay those of the stored pixels, which shape coordinates refer to.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
            orientation = image.getexif().get(0x0112, 1)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise Invalid(f"{path.name} is not an image this server can read", where="media") from exc
    facts = {"width": int(width), "height": int(height)}
    if isinstance(orientation, int) and 2 <= orientation <= 8:
        facts["orientation"] = orientation
    return facts


def probe_video(path: Path) -> dict:
    """{"width", "height", "frames", "fps", "duration"} of a video file's first video stream.

    The frame count comes from the container when it states one, otherwise by counting packets.
    """
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise Invalid(f"{path.name} has no video stream", where="media")
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate or stream.base_rate
            fps = Fraction(rate) if rate else Fraction(25)
            frames = int(stream.frames or 0)
            if frames <= 0:
                frames = sum(1 for packet in container.demux(stream) if packet.size)
            width, height = stream.codec_context.width, stream.codec_context.height
    except av.FFmpegError as exc:
        raise Invalid(f"{path.name} is not a video this server can read", where="media") from exc
    return {"width": int(width), "height": int(height), "frames": frames,
            "fps": round(float(fps), 6), "fps_fraction": [fps.numerator, fps.denominator],
            "duration": round(frames / float(fps), 6)}


def probe_file(path: Path, kind: str) -> dict:
    return probe_image(path) if kind == IMAGE else probe_video(path)


def probe_item_media(spec: dict, media_root: Path | None, project_id: int, data: dict, where: str) -> dict:
    """Facts for every image and video field of an item whose file is local; URLs are probed when fetched.

    A local file that is missing or unreadable is an import error naming the record and field.
    """
    out: dict[str, dict] = {}
    if media_root is None:
        return out
    from tutorloop.errors import NotFound
    from tutorloop.media.sources import resolve_media_path

    for field in spec["fields"]:
        kind, name = field["type"], field["name"]
        value = data.get(name)
        if kind not in (IMAGE, VIDEO) or not isinstance(value, str) or not value or is_url(value):
            continue
        if value.startswith("data:"):
            continue
        path_where = f"{where}.{name}"
        try:
            path = resolve_media_path(media_root, project_id, local_relative(value))
        except NotFound:
            raise Invalid(f"{path_where}: no media file {value!r} in this project's media folder",
                          where=path_where) from None
        try:
            out[name] = probe_file(path, kind)
        except Invalid as exc:
            raise Invalid(f"{path_where}: {exc.message}", where=path_where) from None
    return out
