"""Schemas, hand-made answers and hypothesis strategies shared by the annotation-format tests."""

from __future__ import annotations

import io
import math

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from tutorloop.formats.annotations import pick_question
from tutorloop.schema.spec import parse_spec

BOX_ATTRIBUTES = [{"name": "difficult", "type": "boolean"}, {"name": "truncated", "type": "boolean"}]
IMAGE_SPEC = {
    "name": "Street scenes",
    "fields": [{"name": "image", "type": "image"}],
    "questions": [
        {"name": "objects", "type": "boxes", "labels": ["car", "person"], "attributes": BOX_ATTRIBUTES,
         "required": False},
        {"name": "turned", "type": "boxes", "labels": ["car", "sign"], "rotation": True, "required": False},
        {"name": "regions", "type": "polygons", "labels": ["road", "building"], "required": False},
        {"name": "pose", "type": "keypoints", "required": False, "labels": [
            {"value": "person", "keypoints": ["nose", "left_eye", "right_eye"],
             "skeleton": [["nose", "left_eye"], ["nose", "right_eye"]]},
            {"value": "cat", "keypoints": ["nose", "tail", "ear"], "skeleton": [["nose", "ear"]]}]},
        {"name": "paint", "type": "masks", "labels": ["sky", "tree"], "required": False},
    ],
}
TEXT_SPEC = {
    "name": "News entities",
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "entities", "type": "spans", "labels": ["PER", "ORG", "LOC"], "required": False,
                   "relations": [{"value": "works_for", "from": ["PER"], "to": ["ORG"]}]}],
}
VIDEO_SPEC = {
    "name": "Traffic",
    "fields": [{"name": "video", "type": "video"}],
    "questions": [{"name": "tracks", "type": "video_tracks", "labels": ["car", "person"], "required": False}],
}


def config(raw_spec: dict, fmt: str, name: str):
    """(normalised spec, typed question config)."""
    spec = parse_spec(raw_spec)
    return spec, pick_question(spec, fmt, name)


def png(width: int, height: int) -> bytes:
    """A PNG of the given size."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 60)).save(out, format="PNG")
    return out.getvalue()


def close(a, b, tol: float = 1e-6) -> bool:
    """Nested lists/dicts equal, numbers within `tol` (integers exactly equal in type-agnostic terms)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], tol) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(close(x, y, tol) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        return abs(a - b) <= tol
    return a == b


def shapes(objects: list[dict]) -> list[dict]:
    """Objects without their ids (codecs may renumber them)."""
    return [{k: v for k, v in o.items() if k != "id"} for o in objects]


def same_angle(a: float, b: float, tol: float = 1e-6) -> bool:
    return abs((a - b + 180) % 360 - 180) <= tol


# ---- strategies -------------------------------------------------------------------------------------

sizes = st.tuples(st.integers(8, 4000), st.integers(8, 3000))


def coordinate(high: float) -> st.SearchStrategy:
    """An int or a float in [0, high]."""
    return st.one_of(st.integers(0, int(high)),
                     st.floats(0, high, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 3)))


@st.composite
def axis_box(draw, width: int, height: int, labels=("car", "person"), attributes: bool = True) -> dict:
    x = draw(coordinate(width - 1))
    y = draw(coordinate(height - 1))
    w = draw(coordinate(width - x).filter(lambda v: v > 0.01))
    h = draw(coordinate(height - y).filter(lambda v: v > 0.01))
    attrs = {}
    if attributes:
        attrs = draw(st.fixed_dictionaries({}, optional={"difficult": st.booleans(), "truncated": st.booleans()}))
    return {"id": "0", "label": draw(st.sampled_from(labels)), "x": x, "y": y, "w": w, "h": h, "rotation": 0,
            "attributes": attrs}


@st.composite
def rotated_box(draw, width: int, height: int) -> dict:
    from tutorloop.schema.questions.shapes import box_corners

    w = draw(st.integers(1, max(1, width // 3)))
    h = draw(st.integers(1, max(1, height // 3)))
    cx = draw(st.floats(w, width - w, allow_nan=False)) if width > 2 * w else width / 2
    cy = draw(st.floats(h, height - h, allow_nan=False)) if height > 2 * h else height / 2
    rotation = draw(st.one_of(st.sampled_from([0, 90, 180, -90, 45]),
                              st.floats(-179.5, 180, allow_nan=False).map(lambda v: round(v, 2))))
    box = {"id": "0", "label": draw(st.sampled_from(["car", "sign"])), "x": cx - w / 2, "y": cy - h / 2, "w": w,
           "h": h, "rotation": rotation, "attributes": {}}
    assume(box["x"] >= 0 and box["y"] >= 0)
    assume(all(0 <= px <= width and 0 <= py <= height for px, py in box_corners(box)))
    return box


@st.composite
def polygon(draw, width: int, height: int) -> dict:
    n = draw(st.integers(3, 8))
    cx, cy = draw(st.integers(0, width)), draw(st.integers(0, height))
    radius = draw(st.integers(2, max(2, min(width, height) // 2)))
    angles = sorted(draw(st.lists(st.floats(0, 2 * math.pi, exclude_max=True, allow_nan=False), min_size=n,
                                  max_size=n, unique=True)))
    points = []
    for a in angles:
        px = min(max(round(cx + radius * math.cos(a), 2), 0), width)
        py = min(max(round(cy + radius * math.sin(a), 2), 0), height)
        if not points or [px, py] != points[-1]:
            points.append([px, py])
    assume(len(points) >= 3 and points[0] != points[-1])
    area = abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]))) / 2
    assume(area > 1)
    return {"id": "0", "label": draw(st.sampled_from(["road", "building"])), "points": points, "attributes": {}}


@st.composite
def keypoint_object(draw, width: int, height: int) -> dict:
    points = []
    for _ in range(3):
        v = draw(st.sampled_from([0, 1, 2]))
        points.append([draw(coordinate(width)), draw(coordinate(height)), v] if v else [0, 0, 0])
    assume(any(p[2] for p in points))
    return {"id": "0", "label": draw(st.sampled_from(["person", "cat"])), "points": points, "attributes": {}}


@st.composite
def mask_object(draw, height: int, width: int) -> dict:
    from tutorloop.quality.masks import rle_encode

    bits = draw(st.lists(st.booleans(), min_size=height * width, max_size=height * width))
    mask = np.array(bits, dtype=bool).reshape(height, width)
    assume(mask.any())
    return {"id": "0", "label": draw(st.sampled_from(["sky", "tree"])), "rle": rle_encode(mask), "attributes": {}}


def numbered(objects: list[dict]) -> list[dict]:
    """Objects with ids 1, 2, … in order."""
    return [{**o, "id": str(i)} for i, o in enumerate(objects, start=1)]


@st.composite
def image_record(draw, make, *, n: int = 4, path: str | None = None, score: bool = False) -> dict:
    width, height = draw(sizes)
    objects = draw(st.lists(make(width, height), max_size=n))
    name = path or draw(st.from_regex(r"[a-z]{1,8}(/[a-z0-9]{1,6})?\.(jpg|png)", fullmatch=True))
    record = {"external_id": name, "data": {"image": name}, "media": {"image": {"width": width, "height": height}},
              "value": numbered(objects), "score": None}
    if score:
        record["score"] = draw(st.one_of(st.none(), st.floats(0, 1, allow_nan=False)))
    return record


def unique_paths(records: list[dict]) -> bool:
    from tutorloop.formats.annotations import strip_suffix

    stems = [strip_suffix(r["data"]["image"]) for r in records]
    return len(set(stems)) == len(stems)
