"""Annotation codecs: files that training code reads (COCO, YOLO, Pascal VOC, CoNLL, spaCy, MOT).

Each codec is a module with the same few names:

- `TYPES`: the question types whose answers it carries;
- `decode(data, *, spec, question, media=None) -> list[record]`: read a file, raise `Invalid` naming the
  file, line or JSON path of the first problem;
- `write(records, out, *, spec, question)`: write records to a binary file object, one item at a time;
- `encode(records, *, spec, question) -> bytes`: the same into bytes;
- `SUFFIX`, `MEDIA_TYPE`: how the file is named and served; `ANNOTATORS`: whether one file can hold every
  person's answers (each record then names its `annotator`).

A record is one item's answer to one question::

    {"external_id": "a.jpg" | None, "data": {field: value}, "media": {field: {"width", "height", ...}},
     "value": <answer in the stored form>, "score": 0.9 | None, "annotator": "omar" (optional),
     "where": "images.3" (decoded records: where in the file it came from)}

`spec` is the project's stored schema and `question` the typed config of the question (its `field` names
the annotated field). Codecs do not touch the database: `MediaLookup` hands them what the server knows of
media files (sizes read from the files themselves).
"""

from __future__ import annotations

import importlib
import io
import math
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import TYPE_CHECKING, Any, BinaryIO

from tutorloop.errors import Invalid

if TYPE_CHECKING:
    from tutorloop.schema.questions import QuestionConfig

CODECS: dict[str, str] = {
    "coco": "tutorloop.formats.coco",
    "yolo": "tutorloop.formats.yolo",
    "voc": "tutorloop.formats.voc",
    "conll": "tutorloop.formats.conll",
    "spacy": "tutorloop.formats.spacy",
    "mot": "tutorloop.formats.mot",
}
FORMATS = tuple(CODECS)
SOURCES = ("consensus", "predictions", "gold", "annotations")
TARGETS = ("predictions", "gold")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif")
VIDEO_SUFFIXES = (".mp4", ".webm", ".mkv", ".avi", ".mov", ".m4v")


def codec(name: str) -> ModuleType:
    """The codec module for a format name, or Invalid listing the known ones."""
    if name not in CODECS:
        raise Invalid(f"unknown annotation format {name!r} (use {', '.join(FORMATS)})", where="format")
    return importlib.import_module(CODECS[name])


def pick_question(spec: dict, fmt: str, name: str | None) -> QuestionConfig:
    """The question a file is for: the named one, or the only question of a type the format carries."""
    from tutorloop.schema.spec import question_configs

    types = codec(fmt).TYPES
    configs = question_configs(spec)
    if name:
        match = next((c for c in configs if c.name == name), None)
        if match is None:
            raise Invalid(f"question: no question {name!r} in this project", where="question")
        if match.type not in types:
            raise Invalid(f"question: {fmt} carries {', '.join(types)} answers, and {name!r} is a {match.type} "
                          "question", where="question")
        return match
    fitting = [c for c in configs if c.type in types]
    if len(fitting) != 1:
        listed = ", ".join(repr(c.name) for c in fitting) or "none"
        raise Invalid(f"question: name the question the {fmt} file is for (questions of types "
                      f"{', '.join(types)}: {listed})", where="question")
    return fitting[0]


def field_type(spec: dict, name: str) -> str | None:
    """The type of a schema field (text, image, video, chat)."""
    return next((f["type"] for f in spec["fields"] if f["name"] == name), None)


def encode_with(write: Callable, records: Iterable[dict], *, spec: dict, question: QuestionConfig) -> bytes:
    """A codec's `write` into bytes."""
    out = io.BytesIO()
    write(records, out, spec=spec, question=question)
    return out.getvalue()


class MediaLookup:
    """Media facts by path: those the server already holds for items, else read from a local file.

    `known` maps a media value (as stored in item data) to its facts; `probe(path)` reads a file of the
    project's media folder (None when there is none). Results are cached.
    """

    def __init__(self, known: dict[str, dict] | None = None, probe: Callable[[str], dict | None] | None = None):
        self.known = dict(known or {})
        self._probe = probe
        self._missing: set[str] = set()

    def facts(self, path: str) -> dict | None:
        """What is known of the media at `path`, or None."""
        if path in self.known:
            return self.known[path]
        if self._probe is None or path in self._missing:
            return None
        found = self._probe(path)
        if found is None:
            self._missing.add(path)
            return None
        self.known[path] = found
        return found

    def find(self, candidates: Iterable[str]) -> str | None:
        """The first candidate path that names a known item's media or a local file."""
        for path in candidates:
            if self.facts(path) is not None:
                return path
        return None

    def named(self, stem: str) -> list[str]:
        """Known media paths whose file name without suffix is `stem` ("clips/road.webm" for "road")."""
        return sorted(p for p in self.known if strip_suffix(p).rsplit("/", 1)[-1] == stem)

    def stems(self) -> dict[str, list[str]]:
        """Known media paths by path without suffix ("train/a.jpg" under "train/a")."""
        out: dict[str, list[str]] = {}
        for path in self.known:
            out.setdefault(strip_suffix(path), []).append(path)
        return out


def strip_suffix(path: str) -> str:
    """A path without its file-name suffix ("a/b.jpg" → "a/b")."""
    head, _, name = path.rpartition("/")
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return f"{head}/{stem}" if head else stem


def image_size(record: dict, field: str, where: str) -> tuple[float, float]:
    """(width, height) of a record's image, or Invalid when the server has not read it."""
    facts = (record.get("media") or {}).get(field) or {}
    width, height = facts.get("width"), facts.get("height")
    if not width or not height:
        raise Invalid(f"{where}: the size of {record['data'].get(field)!r} is unknown (the server reads it "
                      "when the file is imported into the media folder or first fetched)", where=where)
    return width, height


def item_name(record: dict) -> str:
    """How an export error names an item."""
    ext = record.get("external_id")
    return f"item {record.get('item_id')} ({ext})" if ext else f"item {record.get('item_id')}"


def exact(value: float) -> int | float:
    """A coordinate as an int when it is one (within 1e-6), so integer pixels round-trip exactly."""
    nearest = round(value)
    return int(nearest) if abs(value - nearest) < 1e-6 else float(value)


def number_text(value: Any) -> str:
    """A number for a text format: integers without a decimal point, floats in their shortest exact form."""
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        return str(int(value))
    return repr(float(value))


def parse_number(text: str, where: str) -> int | float:
    """A finite number from a text cell, or Invalid naming `where`."""
    try:
        value = float(text)
    except ValueError:
        raise Invalid(f"{where}: {text!r} is not a number", where=where) from None
    if not math.isfinite(value):
        raise Invalid(f"{where}: {text!r} is not a finite number", where=where)
    return int(value) if value.is_integer() and abs(value) < 1e15 else value


def label_names(question: QuestionConfig) -> list[str]:
    """The question's label values in schema order (class ids are positions in this list)."""
    return [label.value for label in question.labels]


def check_inside(where: str, xs: Iterable[float], ys: Iterable[float], width: float | None,
                 height: float | None) -> None:
    """Invalid when a coordinate lies outside the image (sizes unknown: only negatives are refused)."""
    for x in xs:
        if x < 0 or (width is not None and x > width):
            raise Invalid(f"{where}: x {x:g} is outside the image (0–{width:g})" if width is not None
                          else f"{where}: x {x:g} is negative", where=where)
    for y in ys:
        if y < 0 or (height is not None and y > height):
            raise Invalid(f"{where}: y {y:g} is outside the image (0–{height:g})" if height is not None
                          else f"{where}: y {y:g} is negative", where=where)


def write_all(out: BinaryIO, text: str) -> None:
    """Write text as UTF-8."""
    out.write(text.encode("utf-8"))


MAX_UNZIPPED = 4 * 1024**3  # refuse archives that would expand beyond this (zip bombs)


def _zip_errors() -> tuple[type[BaseException], ...]:
    """What the standard library raises on a damaged or unsupported archive (all of it is the upload's fault)."""
    import struct
    import zipfile
    import zlib

    return (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError, zlib.error,
            struct.error, KeyError, IndexError)


def open_zip(data: bytes):
    """A zip archive from bytes, or Invalid; refuses archives whose members would expand too far."""
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except _zip_errors() as exc:
        raise Invalid(f"the file is not a zip archive ({exc})", where="file") from None
    if sum(info.file_size for info in infos) > MAX_UNZIPPED:
        raise Invalid("the zip archive expands to more than 4 GB", where="file")
    return archive


def read_member(archive, name: str) -> bytes:
    """One member of a zip archive, or Invalid naming it."""
    try:
        return archive.read(name)
    except _zip_errors() as exc:
        raise Invalid(f"{name}: cannot be read from the archive ({exc})", where=name) from None


def member_text(archive, name: str) -> str:
    """A zip member as UTF-8 text (a byte-order mark is allowed), or Invalid naming it."""
    raw = read_member(archive, name)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"{name}: not UTF-8 text (byte {exc.start})", where=name) from None


def text_of(data: bytes, name: str = "file") -> str:
    """A whole file as UTF-8 text, or Invalid."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"{name}: not UTF-8 text (byte {exc.start})", where=name) from None


def member_path(name: str) -> str | None:
    """A zip member's name as a safe relative path ("a/b.txt"), or None for folders and unsafe names."""
    if name.endswith("/"):
        return None
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts or name.startswith("/"):
        return None
    if parts[0] == "__MACOSX" or parts[-1].startswith("._"):
        return None
    return "/".join(parts)
