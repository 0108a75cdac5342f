"""Pascal VOC XML: one `Annotations/<image path>.xml` per image in a zip, for axis-aligned boxes.

Coordinates follow VOC's 1-based pixel convention: `xmin`/`ymin` is the 1-based index of the first pixel
column/row the box covers and `xmax`/`ymax` that of the last one (inclusive). A stored box covers the
continuous range [x, x + w) × [y, y + h), whose first pixel is column x (0-based), so

    xmin = x + 1,  ymin = y + 1,  xmax = x + w,  ymax = y + h
    x = xmin - 1,  y = ymin - 1,  w = xmax - xmin + 1,  h = ymax - ymin + 1

which round-trips exactly (fractional coordinates are written as they are). `difficult`, `truncated` and
`occluded` (0/1) are written from boolean attributes of those names and read back into them when the
question defines them; otherwise they are 0 on export and dropped on import. The archive also holds
`ImageSets/Main/default.txt` (one image id per line) and `labels.txt` (the class names).

On import every `*.xml` file anywhere in the archive is read; the image is its `<path>` when that is a
relative path, else its `<filename>` (with `<folder>` when that names a folder other than VOC's usual
`JPEGImages` or `VOC…`). Rotated boxes cannot be written in VOC.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from typing import TYPE_CHECKING, BinaryIO
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from tutorloop.errors import Invalid
from tutorloop.formats.annotations import (
    MediaLookup,
    check_inside,
    encode_with,
    image_size,
    item_name,
    label_names,
    member_path,
    number_text,
    open_zip,
    parse_number,
    read_member,
    strip_suffix,
)

if TYPE_CHECKING:
    from tutorloop.schema.questions import QuestionConfig

TYPES = ("boxes",)
SUFFIX = ".zip"
MEDIA_TYPE = "application/zip"
ANNOTATORS = False
FLAGS = ("truncated", "difficult", "occluded")


def _flag_attributes(question: QuestionConfig, label: str) -> set[str]:
    return {a.name for a in question.attributes
            if a.name in FLAGS and a.type == "boolean" and (not a.labels or label in a.labels)}


def _tag(name: str, text: str, indent: str) -> str:
    return f"{indent}<{name}>{escape(text)}</{name}>\n"


def xml_of(record: dict, question: QuestionConfig, width: float, height: float) -> bytes:
    """One image's annotation XML (written as text: ElementTree is ten times slower for many boxes)."""
    media_value = record["data"].get(question.field) or ""
    parts = ["<?xml version='1.0' encoding='utf-8'?>\n<annotation>\n", "  <folder />\n",
             _tag("filename", media_value.rsplit("/", 1)[-1], "  "), _tag("path", media_value, "  "),
             "  <source>\n", _tag("database", "tutorloop", "    "), "  </source>\n", "  <size>\n",
             _tag("width", number_text(width), "    "), _tag("height", number_text(height), "    "),
             _tag("depth", "3", "    "), "  </size>\n", _tag("segmented", "0", "  ")]
    for obj in record.get("value") or []:
        if obj.get("rotation"):
            name = item_name(record)
            raise Invalid(f"{name}: box {obj['id']} is rotated, and Pascal VOC holds axis-aligned boxes only "
                          "(use coco or yolo)", where=name)
        attributes = obj.get("attributes") or {}
        parts += ["  <object>\n", _tag("name", obj["label"], "    "), _tag("pose", "Unspecified", "    ")]
        parts += [_tag(flag, "1" if attributes.get(flag) is True else "0", "    ") for flag in FLAGS]
        parts += ["    <bndbox>\n", _tag("xmin", number_text(obj["x"] + 1), "      "),
                  _tag("ymin", number_text(obj["y"] + 1), "      "),
                  _tag("xmax", number_text(obj["x"] + obj["w"]), "      "),
                  _tag("ymax", number_text(obj["y"] + obj["h"]), "      "), "    </bndbox>\n", "  </object>\n"]
    parts.append("</annotation>\n")
    return "".join(parts).encode("utf-8")


def annotation_path(media_value: str) -> str:
    """`Annotations/<image path without suffix>.xml`."""
    path = media_value.removeprefix("media:").lstrip("/")
    if media_value.startswith(("http://", "https://")):
        path = media_value.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "image"
    return f"Annotations/{strip_suffix(path)}.xml"


def write(records: Iterable[dict], out: BinaryIO, *, spec: dict, question: QuestionConfig) -> None:
    """Write the zip archive, one XML file per item."""
    seen: dict[str, str] = {}
    ids: list[str] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            name = item_name(record)
            path = annotation_path(record["data"].get(question.field) or "")
            if path in seen:
                raise Invalid(f"{name}: its annotation file {path} would overwrite that of {seen[path]}", where=name)
            seen[path] = name
            width, height = image_size(record, question.field, name)
            archive.writestr(path, xml_of(record, question, width, height))
            ids.append(path.removeprefix("Annotations/").removesuffix(".xml"))
        archive.writestr("ImageSets/Main/default.txt", "".join(i + "\n" for i in ids))
        archive.writestr("labels.txt", "".join(n + "\n" for n in label_names(question)))


def encode(records: Iterable[dict], *, spec: dict, question: QuestionConfig) -> bytes:
    """The zip archive as bytes."""
    return encode_with(write, records, spec=spec, question=question)


def _text(element: ET.Element, tag: str, where: str, required: bool = True) -> str | None:
    found = element.find(tag)
    if found is None or found.text is None or not found.text.strip():
        if required:
            raise Invalid(f"{where}: <{tag}> is missing", where=where)
        return None
    return found.text.strip()


def _image_path(root: ET.Element, where: str) -> str:
    path = _text(root, "path", where, required=False)
    if path and not path.startswith("/") and not (len(path) > 1 and path[1] == ":") and "\\" not in path:
        return path
    filename = _text(root, "filename", where)
    folder = _text(root, "folder", where, required=False)
    if folder and folder != "JPEGImages" and not folder.upper().startswith("VOC") and "/" not in folder.strip("/"):
        return f"{folder}/{filename}"
    return filename


def _flag(element: ET.Element, tag: str, where: str) -> bool | None:
    text = _text(element, tag, where, required=False)
    if text is None:
        return None
    if text not in ("0", "1"):
        raise Invalid(f"{where}.{tag}: expected 0 or 1, got {text!r}", where=f"{where}.{tag}")
    return text == "1"


def decode_xml(raw: bytes, where: str, question: QuestionConfig, media: MediaLookup | None) -> dict:
    """One record from one annotation XML file."""
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:  # VOC needs no DTD; entities could expand without bound
        raise Invalid(f"{where}: a document type or entity declaration is not allowed", where=where)
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else "?"
        raise Invalid(f"{where} line {line}: not well-formed XML ({exc.msg if hasattr(exc, 'msg') else exc})",
                      where=where) from None
    if root.tag != "annotation":
        raise Invalid(f"{where}: the root element must be <annotation>, not <{root.tag}>", where=where)
    image = _image_path(root, where)
    size_element = root.find("size")
    declared = {}
    if size_element is not None:
        for key in ("width", "height"):
            text = _text(size_element, key, f"{where}.size", required=False)
            if text is not None:
                declared[key] = parse_number(text, f"{where}.size.{key}")
    known = media.facts(image) if media else None
    if known and declared.get("width") and (known["width"], known["height"]) != (declared["width"],
                                                                                   declared.get("height")):
        raise Invalid(f"{where}: <size> says {declared['width']}×{declared.get('height')} but {image!r} is "
                      f"{known['width']}×{known['height']} pixels", where=f"{where}.size")
    facts = known or ({**declared} if declared.get("width") and declared.get("height") else None)
    width, height = (facts or {}).get("width"), (facts or {}).get("height")
    labels = set(label_names(question))
    value = []
    for i, element in enumerate(root.findall("object")):
        path = f"{where}.object.{i}"
        label = _text(element, "name", path)
        if label not in labels:
            raise Invalid(f"{path}.name: {label!r} is not a label of question {question.name!r} "
                          f"({', '.join(label_names(question))})", where=f"{path}.name")
        box = element.find("bndbox")
        if box is None:
            raise Invalid(f"{path}: <bndbox> is missing", where=path)
        xmin, ymin, xmax, ymax = (parse_number(_text(box, tag, f"{path}.bndbox"), f"{path}.bndbox.{tag}")
                                  for tag in ("xmin", "ymin", "xmax", "ymax"))
        x, y, w, h = xmin - 1, ymin - 1, xmax - xmin + 1, ymax - ymin + 1
        if w <= 0 or h <= 0:
            raise Invalid(f"{path}.bndbox: xmax/ymax must not be below xmin/ymin", where=f"{path}.bndbox")
        check_inside(f"{path}.bndbox", [x, x + w], [y, y + h], width, height)
        attributes = {}
        for flag in _flag_attributes(question, label):
            state = _flag(element, flag, path)
            if state is not None:
                attributes[flag] = state
        value.append({"id": str(i + 1), "label": label, "x": x, "y": y, "w": w, "h": h, "rotation": 0,
                      "attributes": attributes})
    field = question.field
    return {"external_id": None, "data": {field: image}, "media": {field: facts} if facts else {},
            "value": value, "score": None, "where": where}


def decode(data: bytes, *, spec: dict, question: QuestionConfig, media: MediaLookup | None = None) -> list[dict]:
    """Records (one per XML file, in path order) from a zip of VOC annotation files (or one bare XML file)."""
    if data.lstrip()[:1] == b"<":
        return [decode_xml(data, "file", question, media)]
    archive = open_zip(data)
    names = sorted((path, info.filename) for info in archive.infolist()
                   if (path := member_path(info.filename)) and path.lower().endswith(".xml"))
    if not names:
        raise Invalid("the archive holds no VOC annotation files (*.xml)", where="file")
    records, seen = [], {}
    for path, member in names:
        record = decode_xml(read_member(archive, member), path, question, media)
        image = record["data"][question.field]
        if image in seen:
            raise Invalid(f"{path}: image {image!r} is annotated in {seen[image]} too", where=path)
        seen[image] = path
        records.append(record)
    return records
