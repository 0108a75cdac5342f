"""YOLO (Ultralytics layout): a zip with `data.yaml`, `images.txt` and one `labels/<image path>.txt` per image.

Every coordinate is normalised by the image size the server read from the file (x by width, y by height);
one line per object, the class being the label's position in the question's label list (`names` in
`data.yaml`):

- boxes, detection: `class cx cy w h` (box centre and size);
- boxes of a question that allows rotation, oriented (OBB): `class x1 y1 x2 y2 x3 y3 x4 y4`, the corners
  clockwise from the box's own top-left corner;
- polygons, segmentation: `class x1 y1 x2 y2 …`;
- keypoints, pose: `class cx cy w h x1 y1 v1 …` (the box encloses the labelled points; `kpt_shape` in
  `data.yaml`; every label must have the same number of keypoints).

`images.txt` lists `./images/<media path>` per item, and `data.yaml` points `train` and `val` at it: copy the
project's media folder into `images/` next to `labels/` and Ultralytics trains on the archive as is.
An image whose label file is empty has no objects (a negative).

On import the label file of image `<path>` is `labels/<path without suffix>.txt`. Images are found through
`images.txt` when the archive has one, otherwise by the label file's path among the project's items and
media files (`a/b.txt` → `a/b.jpg`, `a/b.png`, …). Numbers are written in full (the shortest text that
reads back as the same float); coordinates within 1e-6 pixels of a whole number read back as integers. The
archive may hold everything under one top folder.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, BinaryIO

import yaml

from tutorloop.errors import Invalid
from tutorloop.formats.annotations import (
    IMAGE_SUFFIXES,
    MediaLookup,
    check_inside,
    encode_with,
    exact,
    image_size,
    item_name,
    label_names,
    member_path,
    member_text,
    number_text,
    open_zip,
    parse_number,
    strip_suffix,
)

if TYPE_CHECKING:
    from tutorloop.schema.questions import QuestionConfig

TYPES = ("boxes", "polygons", "keypoints")
SUFFIX = ".zip"
MEDIA_TYPE = "application/zip"
ANNOTATORS = False


def mode(question: QuestionConfig) -> str:
    """detect, obb, segment or pose: the YOLO task a question's answers are written for."""
    if question.type == "boxes":
        return "obb" if getattr(question, "rotation", False) else "detect"
    return "segment" if question.type == "polygons" else "pose"


def keypoint_count(question: QuestionConfig) -> int:
    """The number of keypoints every label of a keypoints question has (YOLO needs one shape)."""
    counts = {len(getattr(label, "keypoints", None) or []) for label in question.labels}
    if len(counts) != 1:
        raise Invalid(f"question: YOLO pose needs every label of {question.name!r} to have the same number of "
                      "keypoints", where="question")
    return counts.pop()


def label_path(media_value: str) -> str:
    """`labels/<path without suffix>.txt` for an image's media value (a URL keeps its last part)."""
    path = media_value.removeprefix("media:").lstrip("/")
    if media_value.startswith(("http://", "https://")):
        path = media_value.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "image"
    return f"labels/{strip_suffix(path)}.txt"


def box_from_corners(corners: list[list[float]]) -> dict:
    """x, y, w, h, rotation of a rectangle given by its four corners in order (inverse of box_corners)."""
    (x1, y1), (x2, y2), _, (x4, y4) = corners
    cx = sum(c[0] for c in corners) / 4
    cy = sum(c[1] for c in corners) / 4
    w, h = math.hypot(x2 - x1, y2 - y1), math.hypot(x4 - x1, y4 - y1)
    angle = exact(math.degrees(math.atan2(y2 - y1, x2 - x1)))
    if angle <= -180:  # rotations run over (-180, 180]
        angle += 360
    return {"x": exact(cx - w / 2), "y": exact(cy - h / 2), "w": exact(w), "h": exact(h), "rotation": angle}


def _is_rectangle(corners: list[list[float]]) -> bool:
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = corners
    sides = [math.hypot(bx - ax, by - ay), math.hypot(cx - bx, cy - by), math.hypot(dx - cx, dy - cy),
             math.hypot(ax - dx, ay - dy)]
    tolerance = 1e-3 * max(sides) + 1e-6
    diagonals = math.hypot(cx - ax, cy - ay), math.hypot(dx - bx, dy - by)
    return (min(sides) > 0 and abs(sides[0] - sides[2]) <= tolerance and abs(sides[1] - sides[3]) <= tolerance
            and abs(diagonals[0] - diagonals[1]) <= tolerance)


# ---- export -------------------------------------------------------------------------------------------

def _corners(box: dict) -> list[list[float]]:
    if not box.get("rotation"):
        x, y, w, h = box["x"], box["y"], box["w"], box["h"]
        return [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
    from tutorloop.schema.questions.shapes import box_corners

    return box_corners(box)


def _line(obj: dict, cls: int, how: str, width: float, height: float) -> str:
    def pair(x: float, y: float) -> list[float]:
        return [x / width, y / height]

    if how == "detect":
        values = [*pair(obj["x"] + obj["w"] / 2, obj["y"] + obj["h"] / 2), *pair(obj["w"], obj["h"])]
    elif how == "obb":
        values = [v for corner in _corners(obj) for v in pair(*corner)]
    elif how == "segment":
        values = [v for p in obj["points"] for v in pair(p[0], p[1])]
    else:
        labelled = [p for p in obj["points"] if p[2] > 0] or [[0, 0, 0]]
        xs, ys = [p[0] for p in labelled], [p[1] for p in labelled]
        values = [*pair((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2), *pair(max(xs) - min(xs),
                                                                                  max(ys) - min(ys))]
        for x, y, v in obj["points"]:
            values += [*pair(x, y), v] if v else [0, 0, 0]
    return " ".join([str(cls), *(number_text(v) for v in values)])


def data_yaml(spec: dict, question: QuestionConfig) -> str:
    """The data set description Ultralytics reads: class names (and the keypoint shape for pose)."""
    doc: dict[str, Any] = {"path": ".", "train": "images.txt", "val": "images.txt",
                           "names": dict(enumerate(label_names(question)))}
    if question.type == "keypoints":
        doc["kpt_shape"] = [keypoint_count(question), 3]
    header = f"# {spec.get('name', '')} · {question.name} ({mode(question)})\n"
    return header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def write(records: Iterable[dict], out: BinaryIO, *, spec: dict, question: QuestionConfig) -> None:
    """Write the zip archive, one label file per item."""
    field, how = question.field, mode(question)
    classes = {name: i for i, name in enumerate(label_names(question))}
    seen: dict[str, str] = {}
    images: list[str] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.yaml", data_yaml(spec, question))
        for record in records:
            name = item_name(record)
            media_value = record["data"].get(field) or ""
            path = label_path(media_value)
            if path in seen:
                raise Invalid(f"{name}: its label file {path} would overwrite that of {seen[path]}", where=name)
            seen[path] = name
            width, height = image_size(record, field, name)
            lines = [_line(obj, classes[obj["label"]], how, width, height) for obj in record.get("value") or []]
            archive.writestr(path, "".join(line + "\n" for line in lines))
            images.append("./images/" + path.removeprefix("labels/").removesuffix(".txt")
                          + _suffix(media_value))
        archive.writestr("images.txt", "".join(line + "\n" for line in images))


def _suffix(media_value: str) -> str:
    name = media_value.split("?", 1)[0].rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[1] if "." in name.lstrip(".") else ""


def encode(records: Iterable[dict], *, spec: dict, question: QuestionConfig) -> bytes:
    """The zip archive as bytes."""
    return encode_with(write, records, spec=spec, question=question)


# ---- import -------------------------------------------------------------------------------------------

def _names(text: str, where: str, question: QuestionConfig) -> list[str | None]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark else ""
        raise Invalid(f"{where}: not valid YAML{line}", where=where) from None
    names = doc.get("names") if isinstance(doc, dict) else None
    if isinstance(names, list):
        table = dict(enumerate(names))
    elif isinstance(names, dict) and all(isinstance(k, int) and not isinstance(k, bool) for k in names):
        table = names
    else:
        raise Invalid(f"{where}: `names` must list the class names (a list, or a mapping of class ids to names)",
                      where=f"{where}.names")
    if question.type == "keypoints":
        shape = doc.get("kpt_shape")
        if shape is not None and shape != [keypoint_count(question), 3]:
            raise Invalid(f"{where}: kpt_shape {shape} does not match the question's "
                          f"[{keypoint_count(question)}, 3]", where=f"{where}.kpt_shape")
    size = max(table, default=-1) + 1
    return [str(table[i]) if i in table else None for i in range(size)]


def _layout(archive) -> tuple[str, dict[str, str]]:
    """(folder holding data.yaml, {path relative to it: member name})."""
    members = {p: info.filename for info in archive.infolist() if (p := member_path(info.filename))}
    yamls = sorted((p for p in members if p.rsplit("/", 1)[-1] in ("data.yaml", "data.yml")),
                   key=lambda p: (p.count("/"), p))
    if not yamls:
        raise Invalid("the archive has no data.yaml naming the classes", where="data.yaml")
    root = yamls[0].rpartition("/")[0]
    prefix = root + "/" if root else ""
    return prefix, {p[len(prefix):]: m for p, m in members.items() if p.startswith(prefix)}


def _listed_images(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        line = line.removeprefix("./").removeprefix("images/")
        out.append(line)
    return out


def _find_image(label: str, media: MediaLookup | None, stems: dict[str, list[str]]) -> str | None:
    stem = label.removeprefix("labels/").removesuffix(".txt")
    if stems.get(stem):
        return min(stems[stem])
    if media is None:
        return None
    return media.find(stem + suffix for suffix in (*IMAGE_SUFFIXES, *(s.upper() for s in IMAGE_SUFFIXES)))


def _parse_line(line: str, where: str, how: str, names: list[str | None], labels: set[str],
                size: tuple[float, float], question: QuestionConfig) -> dict:
    cells = line.split()
    width, height = size
    try:
        cls = int(cells[0])
    except ValueError:
        raise Invalid(f"{where}: the class {cells[0]!r} is not a whole number", where=where) from None
    if not 0 <= cls < len(names) or names[cls] is None:
        raise Invalid(f"{where}: unknown class {cls} (data.yaml names {len(names)} classes)", where=where)
    label = names[cls]
    if label not in labels:
        raise Invalid(f"{where}: class {cls} {label!r} is not a label of question {question.name!r}", where=where)
    values = [parse_number(c, where) for c in cells[1:]]
    for v in values:
        if not -1e-9 <= v <= 1 + 1e-9 and how != "pose":
            raise Invalid(f"{where}: {v:g} is outside the image (normalised coordinates run from 0 to 1)",
                          where=where)

    def px(i: int) -> tuple[float, float]:
        return exact(values[i] * width), exact(values[i + 1] * height)

    if how == "detect" or (how == "obb" and len(values) == 4):
        if len(values) != 4:
            raise Invalid(f"{where}: expected 5 columns (class cx cy w h), got {len(cells)}", where=where)
        cx, cy = values[0] * width, values[1] * height
        w, h = exact(values[2] * width), exact(values[3] * height)
        if w <= 0 or h <= 0:
            raise Invalid(f"{where}: width and height must be positive", where=where)
        x, y = exact(cx - w / 2), exact(cy - h / 2)
        check_inside(where, [x, x + w], [y, y + h], width, height)
        return {"label": label, "x": x, "y": y, "w": w, "h": h, "rotation": 0}
    if how == "obb":
        if len(values) != 8:
            raise Invalid(f"{where}: expected 9 columns (class x1 y1 … x4 y4) or 5, got {len(cells)}", where=where)
        corners = [[values[i] * width, values[i + 1] * height] for i in range(0, 8, 2)]
        if not _is_rectangle(corners):
            raise Invalid(f"{where}: the four corners do not make a rectangle", where=where)
        return {"label": label, **box_from_corners(corners)}
    if how == "segment":
        if len(values) < 6 or len(values) % 2:
            raise Invalid(f"{where}: a polygon needs a class and at least 3 x y pairs, got {len(cells)} columns",
                          where=where)
        return {"label": label, "points": [list(px(i)) for i in range(0, len(values), 2)]}
    count = keypoint_count(question)
    if len(values) != 4 + 3 * count:
        raise Invalid(f"{where}: expected {5 + 3 * count} columns (class, box, {count} keypoints × x y v), got "
                      f"{len(cells)}", where=where)
    points = []
    for k in range(count):
        x, y = px(4 + 3 * k)
        v = values[6 + 3 * k]
        if v not in (0, 1, 2):
            raise Invalid(f"{where}: keypoint {k + 1} visibility must be 0, 1 or 2", where=where)
        if v:
            check_inside(where, [x], [y], width, height)
        points.append([x, y, int(v)] if v else [0, 0, 0])
    return {"label": label, "points": points}


def decode(data: bytes, *, spec: dict, question: QuestionConfig, media: MediaLookup | None = None) -> list[dict]:
    """Records (one per image) from a YOLO zip archive; image sizes come from `media`."""
    archive = open_zip(data)
    prefix, files = _layout(archive)
    yaml_name = "data.yaml" if "data.yaml" in files else "data.yml"
    names = _names(member_text(archive, files[yaml_name]), prefix + yaml_name, question)
    labels, field, how = set(label_names(question)), question.field, mode(question)
    label_files = sorted(p for p in files if p.startswith("labels/") and p.endswith(".txt"))
    images: dict[str, str | None] = {}  # label file → image path
    if "images.txt" in files:
        for path in _listed_images(member_text(archive, files["images.txt"])):
            images[label_path(path)] = path
        stray = next((p for p in label_files if p not in images), None)
        if stray:
            raise Invalid(f"{prefix}{stray}: no image for it in images.txt", where=prefix + stray)
    else:
        stems = media.stems() if media else {}
        for path in label_files:
            images[path] = _find_image(path, media, stems)
            if images[path] is None:
                raise Invalid(f"{prefix}{path}: no image {path[7:-4]}.* among the project's items or media files",
                              where=prefix + path)
    if not images:
        raise Invalid("the archive has no label files (labels/*.txt)", where="labels")
    records = []
    for path, image in images.items():
        where = prefix + path
        facts = media.facts(image) if media else None
        if not facts or not facts.get("width"):
            raise Invalid(f"{where}: the size of image {image!r} is unknown (put the file in the project's media "
                          "folder)", where=where)
        size = (facts["width"], facts["height"])
        value = []
        if path in files:
            for number, line in enumerate(member_text(archive, files[path]).splitlines(), start=1):
                if line.strip():
                    obj = _parse_line(line, f"{where} line {number}", how, names, labels, size, question)
                    value.append({"id": str(len(value) + 1), **obj, "attributes": {}})
        records.append({"external_id": None, "data": {field: image}, "media": {field: facts}, "value": value,
                        "score": None, "where": where})
    return records
