"""COCO JSON: boxes, polygons, keypoints and masks of images, one file for a whole data set.

The file is the COCO data-set form (`images`, `annotations`, `categories`), so `pycocotools.coco.COCO(path)`
loads an export as is. Categories are the question's labels, ids 1…n in schema order (keypoint labels carry
their `keypoints` names and 1-based `skeleton` pairs). Images carry `file_name` (the item's media value),
`width`, `height` (what the server read from the file) and, beyond COCO, `external_id`.

Per question type, one annotation is one object:

- boxes: `bbox` [x, y, w, h] in pixels and `segmentation` the box as a polygon; a rotated box has `bbox`
  and `segmentation` enclosing its four corners and, beyond COCO, `rbox` [x, y, w, h, degrees clockwise]
  in the stored form (read back exactly);
- polygons: `segmentation` [[x1, y1, x2, y2, …]] (one ring; a file's multi-ring annotation becomes one
  polygon per ring, ids "<id>", "<id>-2", …), `bbox` enclosing it, `area` by the shoelace formula;
- keypoints: `keypoints` [x1, y1, v1, …] in the category's keypoint order, `num_keypoints`, `bbox` enclosing
  the labelled points;
- masks: `segmentation` RLE {"size": [h, w], "counts": "<COCO compressed string>"}; on import uncompressed
  counts lists and polygons (drawn with Pillow) are read too.

`attributes` (CVAT's convention) carry object attributes; names the question does not define are dropped on
import. `score` is written on every annotation of a record with a score; on import a record's score is the
mean of its annotations' scores. An export of every person's answers adds `annotator` to each annotation;
such files are not imported.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import tempfile
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, BinaryIO

from tutorloop.errors import Invalid
from tutorloop.formats.annotations import (
    MediaLookup,
    check_inside,
    encode_with,
    exact,
    image_size,
    item_name,
    label_names,
    text_of,
    write_all,
)

if TYPE_CHECKING:
    from tutorloop.schema.questions import QuestionConfig

TYPES = ("boxes", "polygons", "keypoints", "masks")
SUFFIX = ".json"
MEDIA_TYPE = "application/json"
ANNOTATORS = True
ID_OK = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


# ---- COCO compressed RLE (pycocotools' rleToString / rleFrString) ------------------------------------------

def rle_to_string(counts: list[int]) -> str:
    """COCO's compressed form of RLE counts: deltas against the count two back, 5 bits per character."""
    out = []
    for i, count in enumerate(counts):
        x = count - counts[i - 2] if i > 2 else count
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = x != -1 if c & 0x10 else x != 0
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


def rle_from_string(text: str, where: str) -> list[int]:
    """RLE counts from COCO's compressed string, or Invalid."""
    counts: list[int] = []
    p, n = 0, len(text)
    while p < n:
        x, k, more = 0, 0, True
        while more:
            if p >= n:
                raise Invalid(f"{where}: the compressed RLE string ends in the middle of a count", where=where)
            c = ord(text[p]) - 48
            if not 0 <= c < 64:
                raise Invalid(f"{where}: {text[p]!r} cannot appear in a compressed RLE string", where=where)
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and c & 0x10:
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        if x < 0:
            raise Invalid(f"{where}: the compressed RLE string holds a negative run", where=where)
        counts.append(x)
    return counts


def rle_box(rle: dict) -> list[int]:
    """[x, y, w, h] enclosing the foreground of a column-major RLE, without decoding it."""
    h = rle["size"][0]
    pos, rows, cols = 0, [], []
    for i, run in enumerate(rle["counts"]):
        if i % 2 and run:
            first, last = pos, pos + run - 1
            cols += [first // h, last // h]
            rows += [first % h, last % h] if first // h == last // h else [0, h - 1]
        pos += run
    if not rows:
        return [0, 0, 0, 0]
    return [min(cols), min(rows), max(cols) - min(cols) + 1, max(rows) - min(rows) + 1]


# ---- geometry helpers ---------------------------------------------------------------------------------

def _corners(box: dict) -> list[list[float]]:
    if not box.get("rotation"):
        x, y, w, h = box["x"], box["y"], box["w"], box["h"]
        return [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
    from tutorloop.schema.questions.shapes import box_corners

    return box_corners(box)


def _enclosing(points: list[list[float]]) -> list[float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]


def polygon_area(points: list[list[float]]) -> float:
    """The area of a simple polygon (shoelace formula)."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


def _flat(points: list[list[float]]) -> list[float]:
    return [c for p in points for c in p[:2]]


# ---- export -------------------------------------------------------------------------------------------

def categories(question: QuestionConfig) -> list[dict]:
    """COCO categories: the question's labels, ids from 1 (keypoints and skeleton for keypoint labels)."""
    out = []
    for i, label in enumerate(question.labels, start=1):
        category: dict[str, Any] = {"id": i, "name": label.value, "supercategory": question.name}
        names = list(getattr(label, "keypoints", None) or [])
        if question.type == "keypoints":
            category["keypoints"] = names
            category["skeleton"] = [[names.index(a) + 1, names.index(b) + 1]
                                    for a, b in (getattr(label, "skeleton", None) or [])]
        out.append(category)
    return out


def _annotation(obj: dict, qtype: str) -> dict:
    """The COCO fields of one stored object (without ids)."""
    if qtype == "boxes":
        corners = _corners(obj)
        ann = {"bbox": _enclosing(corners), "segmentation": [_flat(corners)], "area": obj["w"] * obj["h"]}
        if obj.get("rotation"):
            ann["rbox"] = [obj["x"], obj["y"], obj["w"], obj["h"], obj["rotation"]]
        return ann
    if qtype == "polygons":
        points = [list(p[:2]) for p in obj["points"]]
        return {"bbox": _enclosing(points), "segmentation": [_flat(points)], "area": polygon_area(points)}
    if qtype == "keypoints":
        labelled = [p for p in obj["points"] if p[2] > 0]
        bbox = _enclosing(labelled) if labelled else [0, 0, 0, 0]
        return {"keypoints": [c for p in obj["points"] for c in p], "num_keypoints": len(labelled),
                "bbox": bbox, "area": bbox[2] * bbox[3]}
    rle = obj["rle"]
    from tutorloop.quality.masks import rle_area

    return {"segmentation": {"size": list(rle["size"]), "counts": rle_to_string(list(rle["counts"]))},
            "bbox": rle_box(rle), "area": int(rle_area(rle))}


def write(records: Iterable[dict], out: BinaryIO, *, spec: dict, question: QuestionConfig) -> None:
    """Write a COCO data set: images stream straight out, annotations wait in a temporary file."""
    field, qtype = question.field, question.type
    category_ids = {name: i for i, name in enumerate(label_names(question), start=1)}
    head = {"info": {"description": f"{spec.get('name', '')} · {question.name}", "version": "1.0"},
            "licenses": [], "categories": categories(question)}
    write_all(out, json.dumps(head, ensure_ascii=False)[:-1] + ', "images": [')
    next_ann, next_image, last_item, first_image = 1, 1, object(), True
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as anns:
        first_ann = True
        for record in records:
            item_key = record.get("item_id", record.get("external_id"))
            if item_key is None or item_key != last_item:
                image_id = record["item_id"] if record.get("item_id") is not None else next_image
                next_image = max(next_image, image_id + 1)
                width, height = image_size(record, field, item_name(record))
                image = {"id": image_id, "file_name": record["data"].get(field), "width": width, "height": height}
                if record.get("external_id") is not None:
                    image["external_id"] = record["external_id"]
                write_all(out, ("" if first_image else ",") + json.dumps(image, ensure_ascii=False))
                first_image, last_item = False, item_key
            for obj in record.get("value") or []:
                ann = {"id": next_ann, "image_id": image_id, "category_id": category_ids[obj["label"]],
                       "iscrowd": 0, **_annotation(obj, qtype)}
                if obj.get("attributes"):
                    ann["attributes"] = obj["attributes"]
                if record.get("score") is not None:
                    ann["score"] = record["score"]
                if record.get("annotator") is not None:
                    ann["annotator"] = record["annotator"]
                write_all(anns, ("" if first_ann else ",") + json.dumps(ann, ensure_ascii=False))
                first_ann, next_ann = False, next_ann + 1
        write_all(out, '], "annotations": [')
        anns.seek(0)
        shutil.copyfileobj(anns, out)
    write_all(out, "]}")


def encode(records: Iterable[dict], *, spec: dict, question: QuestionConfig) -> bytes:
    """A COCO data set as bytes."""
    return encode_with(write, records, spec=spec, question=question)


# ---- import -------------------------------------------------------------------------------------------

def _bad(where: str, message: str) -> Invalid:
    return Invalid(f"{where}: {message}", where=where)


def _number(value: Any, where: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _bad(where, "expected a number")
    return exact(value) if isinstance(value, float) else value


def _numbers(value: Any, where: str, count: int | None = None) -> list:
    if not isinstance(value, list) or (count is not None and len(value) != count):
        raise _bad(where, f"expected a list of {count} numbers" if count else "expected a list of numbers")
    return [_number(v, f"{where}.{i}") for i, v in enumerate(value)]


def _load(data: bytes) -> dict:
    text = text_of(data)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(f"line {exc.lineno}: not valid JSON ({exc.msg})", where=f"line {exc.lineno}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("images"), list):
        raise Invalid("a COCO file is a JSON object with an `images` list", where="file")
    for key in ("annotations", "categories"):
        if not isinstance(doc.get(key, []), list):
            raise _bad(key, "expected a list")
    return doc


def _categories(doc: dict, question: QuestionConfig) -> dict[Any, dict]:
    labels = set(label_names(question))
    out: dict[Any, dict] = {}
    for i, category in enumerate(doc.get("categories", [])):
        where = f"categories.{i}"
        if not isinstance(category, dict) or not isinstance(category.get("id"), (int, str)) \
                or isinstance(category.get("id"), bool) or not isinstance(category.get("name"), str):
            raise _bad(where, "a category needs an id and a name")
        if category["id"] in out:
            raise _bad(f"{where}.id", f"category id {category['id']!r} is used twice")
        out[category["id"]] = {**category, "where": where, "known": category["name"] in labels}
    return out


def _images(doc: dict, field: str, media: MediaLookup | None) -> tuple[list[dict], dict[Any, dict]]:
    records, by_id, names = [], {}, set()
    for i, image in enumerate(doc["images"]):
        where = f"images.{i}"
        if not isinstance(image, dict):
            raise _bad(where, "expected an object")
        image_id, name = image.get("id"), image.get("file_name")
        if isinstance(image_id, bool) or not isinstance(image_id, (int, str)):
            raise _bad(f"{where}.id", "an image needs an id (a number or string)")
        if image_id in by_id:
            raise _bad(f"{where}.id", f"image id {image_id!r} is used twice")
        if not isinstance(name, str) or not name.strip():
            raise _bad(f"{where}.file_name", "an image needs a file_name")
        if name in names:
            raise _bad(f"{where}.file_name", f"{name!r} is listed twice")
        names.add(name)
        facts = {}
        for key in ("width", "height"):
            if image.get(key) is not None:
                size = _number(image[key], f"{where}.{key}")
                if size <= 0:
                    raise _bad(f"{where}.{key}", "must be positive")
                facts[key] = size
        known = media.facts(name) if media else None
        if known and facts and (known.get("width"), known.get("height")) != (facts.get("width"),
                                                                             facts.get("height")):
            raise _bad(where, f"the file says {facts.get('width')}×{facts.get('height')} but {name!r} is "
                              f"{known.get('width')}×{known.get('height')} pixels")
        size = known or facts
        ext = image.get("external_id")
        record = {"external_id": str(ext) if isinstance(ext, (str, int)) and str(ext).strip() else None,
                  "data": {field: name}, "media": {field: size} if size else {}, "value": [], "where": where,
                  "_scores": []}
        records.append(record)
        by_id[image_id] = record
    return records, by_id


def _object_id(ann: dict, taken: set[str], fallback: int) -> str:
    base = str(ann.get("id")) if isinstance(ann.get("id"), (int, str)) and not isinstance(ann.get("id"), bool) \
        else str(fallback)
    if not ID_OK.match(base):
        base = str(fallback)
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


def _attributes(ann: dict, question: QuestionConfig, label: str, where: str) -> dict:
    given = ann.get("attributes")
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise _bad(f"{where}.attributes", "expected an object")
    names = {a.name for a in question.attributes if not a.labels or label in a.labels}
    return {k: v for k, v in given.items() if k in names}


def _decode_box(ann: dict, question: QuestionConfig, size: dict, where: str) -> dict:
    if "rbox" in ann:
        x, y, w, h, angle = _numbers(ann["rbox"], f"{where}.rbox", 5)
        if angle and not getattr(question, "rotation", False):
            raise _bad(f"{where}.rbox", f"a rotated box, and question {question.name!r} does not allow rotation")
    else:
        x, y, w, h = _numbers(ann.get("bbox"), f"{where}.bbox", 4)
        angle = 0
    if w <= 0 or h <= 0:
        raise _bad(f"{where}.bbox", "width and height must be positive")
    box = {"x": x, "y": y, "w": w, "h": h, "rotation": angle}
    corners = _corners(box)
    check_inside(f"{where}.{'rbox' if angle else 'bbox'}", [c[0] for c in corners], [c[1] for c in corners],
                 size.get("width"), size.get("height"))
    return box


def _decode_polygons(ann: dict, size: dict, where: str) -> list[list[list]]:
    segmentation = ann.get("segmentation")
    if not isinstance(segmentation, list) or not segmentation:
        raise _bad(f"{where}.segmentation", "expected a list of polygons [[x1, y1, x2, y2, …]]")
    rings = []
    for k, ring in enumerate(segmentation):
        path = f"{where}.segmentation.{k}"
        coords = _numbers(ring, path)
        if len(coords) < 6 or len(coords) % 2:
            raise _bad(path, "a polygon needs at least 3 points as x, y pairs")
        check_inside(path, coords[0::2], coords[1::2], size.get("width"), size.get("height"))
        rings.append([[coords[j], coords[j + 1]] for j in range(0, len(coords), 2)])
    return rings


def _decode_keypoints(ann: dict, category: dict, question: QuestionConfig, label: str, size: dict,
                      where: str) -> list[list]:
    config_label = next(lbl for lbl in question.labels if lbl.value == label)
    names = list(getattr(config_label, "keypoints", None) or [])
    given_names = category.get("keypoints") or names
    if sorted(given_names) != sorted(names) or len(set(given_names)) != len(given_names):
        raise _bad(f"{category['where']}.keypoints",
                   f"the keypoints of {label!r} are {', '.join(names)} in this project")
    flat = _numbers(ann.get("keypoints"), f"{where}.keypoints", 3 * len(names))
    points = {given_names[i]: [flat[3 * i], flat[3 * i + 1], flat[3 * i + 2]] for i in range(len(names))}
    for i, name in enumerate(given_names):
        x, y, v = points[name]
        if v not in (0, 1, 2):
            raise _bad(f"{where}.keypoints.{3 * i + 2}", "visibility must be 0, 1 or 2")
        if v:
            check_inside(f"{where}.keypoints.{3 * i}", [x], [y], size.get("width"), size.get("height"))
        else:
            points[name] = [0, 0, 0]  # COCO leaves unlabelled points' x, y to chance; stored ones are 0
    return [points[name] for name in names]


def _decode_mask(ann: dict, size: dict, where: str) -> dict:
    segmentation = ann.get("segmentation")
    path = f"{where}.segmentation"
    if isinstance(segmentation, list):
        if not size:
            raise _bad(where, "a polygon mask needs the image's width and height")
        from PIL import Image, ImageDraw

        from tutorloop.quality.masks import rle_encode

        canvas = Image.new("1", (int(size["width"]), int(size["height"])), 0)
        draw = ImageDraw.Draw(canvas)
        for ring in _decode_polygons(ann, size, where):
            draw.polygon([tuple(p) for p in ring], fill=1)
        import numpy as np

        return rle_encode(np.asarray(canvas, dtype=bool))
    if not isinstance(segmentation, dict) or "size" not in segmentation or "counts" not in segmentation:
        raise _bad(path, "expected an RLE {size: [h, w], counts} or polygons")
    dims = _numbers(segmentation["size"], f"{path}.size", 2)
    if any(not isinstance(d, int) or d <= 0 for d in dims):
        raise _bad(f"{path}.size", "expected [height, width] in whole pixels")
    if size and (dims[0], dims[1]) != (size.get("height"), size.get("width")):
        raise _bad(f"{path}.size", f"{dims} differs from the image's [height, width] "
                                   f"[{size.get('height')}, {size.get('width')}]")
    counts = segmentation["counts"]
    if isinstance(counts, str):
        counts = rle_from_string(counts, f"{path}.counts")
    else:
        counts = _numbers(counts, f"{path}.counts")
        if any(not isinstance(c, int) or c < 0 for c in counts):
            raise _bad(f"{path}.counts", "runs are whole numbers ≥ 0")
    if sum(counts) != dims[0] * dims[1]:
        raise _bad(f"{path}.counts", f"the runs add up to {sum(counts)}, not height × width = {dims[0] * dims[1]}")
    return {"size": dims, "counts": counts}


def decode(data: bytes, *, spec: dict, question: QuestionConfig, media: MediaLookup | None = None) -> list[dict]:
    """Records (one per image, in file order) from a COCO data-set file."""
    doc = _load(data)
    field, qtype = question.field, question.type
    cats = _categories(doc, question)
    records, by_id = _images(doc, field, media)
    taken: dict[int, set[str]] = {}
    for i, ann in enumerate(doc.get("annotations", [])):
        where = f"annotations.{i}"
        if not isinstance(ann, dict):
            raise _bad(where, "expected an object")
        if ann.get("image_id") not in by_id:
            raise _bad(f"{where}.image_id", f"no image with id {ann.get('image_id')!r}")
        category = cats.get(ann.get("category_id"))
        if category is None:
            raise _bad(f"{where}.category_id", f"no category with id {ann.get('category_id')!r}")
        label = category["name"]
        if not category["known"]:
            raise _bad(f"{where}.category_id", f"category {label!r} is not a label of question {question.name!r} "
                                               f"({', '.join(label_names(question))})")
        if "annotator" in ann:
            raise _bad(f"{where}.annotator", "a file of every person's answers cannot be imported")
        record = by_id[ann["image_id"]]
        size = record["media"].get(field) or {}
        if "score" in ann:
            score = _number(ann["score"], f"{where}.score")
            if not 0 <= score <= 1:
                raise _bad(f"{where}.score", "a score is a number from 0 to 1")
            record["_scores"].append(score)
        ids = taken.setdefault(id(record), set())
        base = {"label": label}
        if qtype == "boxes":
            objects = [{**base, **_decode_box(ann, question, size, where)}]
        elif qtype == "polygons":
            objects = [{**base, "points": ring} for ring in _decode_polygons(ann, size, where)]
        elif qtype == "keypoints":
            objects = [{**base, "points": _decode_keypoints(ann, category, question, label, size, where)}]
        else:
            objects = [{**base, "rle": _decode_mask(ann, size, where)}]
        attributes = _attributes(ann, question, label, where)
        for obj in objects:
            obj["attributes"] = dict(attributes)
            record["value"].append({"id": _object_id(ann, ids, len(record["value"]) + 1), **obj})
    for record in records:
        scores = record.pop("_scores")
        record["score"] = sum(scores) / len(scores) if scores else None
    return records
