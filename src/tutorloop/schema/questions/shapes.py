"""Image shapes: boxes (optionally rotated), polygons, keypoints with a skeleton, and brush masks.

Every answer is a list of objects `{"id", "label", ..., "attributes"}` in pixel coordinates of the original
image (origin top-left, x to the right, y down). The geometry of each type:

- boxes: `x, y` top-left of the unrotated box, `w, h > 0`, `rotation` in degrees clockwise about the box
  centre, in (-180, 180], and 0 unless the question sets `rotation: true`;
- polygons: `points: [[x, y], ...]`, at least 3, simple (no crossing edges), no repeated consecutive point,
  enclosing some area;
- keypoints: `points: [[x, y, v], ...]`, one triple per keypoint name of the object's label, v = 0 not
  labelled (then x = y = 0), 1 labelled but occluded, 2 visible (COCO);
- masks: `rle: {"size": [h, w], "counts": [...]}`, COCO uncompressed RLE (see quality/masks.py), not empty.

When the server has read the image's size (`ctx.media[field]`), every coordinate must lie inside it
(0 ≤ x ≤ width, 0 ≤ y ≤ height; all four corners of a rotated box) and a mask's size must equal it;
otherwise coordinates need only be finite and non-negative.

Consensus clusters people's objects of the same label (IoU ≥ 0.5 for boxes and polygons, OKS ≥ 0.5 for
keypoints) and keeps clusters that a strict majority of the people are in: the median box, the most
central polygon, the per-keypoint median. Masks take the per-pixel majority per label. Agreement between
two answers is the matched F1 (one-to-one matching maximising the summed similarity, same label,
similarity ≥ 0.5): 2·matched / (|A| + |B|), 1 when both are empty. A gold answer is matched when that F1 is
1 at similarity ≥ 0.75: every gold object found, nothing extra.

The numeric helpers of `tutorloop.quality` are imported where they are used: that package loads pandas and
SciPy, which reading a schema or checking a box does not need.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
from pydantic import Field, model_validator

from tutorloop.schema.questions.base import NO_CONTEXT, AnswerContext, QuestionType, fail, plurality, register
from tutorloop.schema.questions.choices import HOTKEYS, RESERVED, Label
from tutorloop.schema.questions.shape_geometry import (
    box_corners,
    box_iou_rows,
    box_rows,
    first_crossing,
    polygon_iou_rows,
)
from tutorloop.schema.questions.structured import ObjectQuestionConfig, check_objects, number

MATCH_IOU = 0.5
GOLD_IOU = 0.75
MAX_POLYGON_POINTS = 1000
MAX_MASK_PIXELS = 100_000_000
NAME_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
TOOL_KEYS = frozenset("evx")  # masks: E eraser; keypoints: V occluded, X not labelled

# ------------------------------------------------------------------------------------------- configs


class ShapeConfig(ObjectQuestionConfig):
    """Object questions drawn on an image. Labels without a hotkey get one that leaves the drawing keys
    (E eraser, V occluded, X skip keypoint) to the tools."""

    @model_validator(mode="before")
    @classmethod
    def _spare_tool_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("labels"), list):
            return data
        labels = [{"value": v} if isinstance(v, str) else v for v in data["labels"]]
        if not all(isinstance(v, dict) for v in labels):
            return data
        taken = {str(v.get("hotkey") or "").lower() for v in labels}
        free = iter(k for k in HOTKEYS if k not in taken and k not in RESERVED and k not in TOOL_KEYS)
        return {**data, "labels": [v if v.get("hotkey") else {**v, "hotkey": next(free, "")} for v in labels]}


class BoxesConfig(ShapeConfig):
    rotation: bool = False


class PolygonsConfig(ShapeConfig):
    pass


class KeypointLabel(Label):
    keypoints: list[str] = Field(min_length=1, max_length=100)
    skeleton: list[tuple[str, str]] = Field(default_factory=list, max_length=1000)
    sigmas: list[float] | None = None

    @model_validator(mode="after")
    def _check(self) -> KeypointLabel:
        for name in self.keypoints:
            if not re.fullmatch(NAME_PATTERN, name):
                raise ValueError(f"keypoint name {name!r}: use 1–64 letters, digits or _ . : -")
        if len(set(self.keypoints)) != len(self.keypoints):
            raise ValueError(f"label {self.value!r}: keypoint names must be unique")
        known, seen = set(self.keypoints), set()
        for a, b in self.skeleton:
            for end in (a, b):
                if end not in known:
                    raise ValueError(f"label {self.value!r}: skeleton names {end!r}, which is not one of its keypoints")
            if a == b or frozenset((a, b)) in seen:
                raise ValueError(f"label {self.value!r}: skeleton edge {a}–{b} joins a point to itself or repeats")
            seen.add(frozenset((a, b)))
        if self.sigmas is not None and (len(self.sigmas) != len(self.keypoints)
                                        or not all(0 < s <= 10 for s in self.sigmas)):
            raise ValueError(f"label {self.value!r}: sigmas needs one positive number per keypoint")
        return self


class KeypointsConfig(ShapeConfig):
    labels: list[KeypointLabel] = Field(min_length=1, max_length=200)

    def label(self, value: str) -> KeypointLabel:
        return next(label for label in self.labels if label.value == value)


class MasksConfig(ShapeConfig):
    brush_sizes: list[int] = Field(default_factory=lambda: [4, 8, 16, 32, 64], min_length=1, max_length=12)

    @model_validator(mode="after")
    def _check_brushes(self) -> MasksConfig:
        if any(not 1 <= s <= 1000 for s in self.brush_sizes):
            raise ValueError("brush sizes are 1 to 1000 pixels")
        self.brush_sizes = sorted(set(self.brush_sizes))
        return self


# ------------------------------------------------------------------------------------------ validation


def image_size(config: ObjectQuestionConfig, ctx: AnswerContext) -> tuple[int, int] | None:
    """(width, height) of the question's image as read by the server, or None when not known."""
    facts = ctx.media.get(config.field) if config.field else None
    if not isinstance(facts, dict):
        return None
    width, height = facts.get("width"), facts.get("height")
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        return width, height
    return None


def _only_keys(obj: dict, allowed: tuple[str, ...], path: str, noun: str) -> None:
    extra = sorted(set(obj) - set(allowed))
    if extra:
        raise fail(f"{path}.{extra[0]}", f"unknown key {extra[0]!r}; {noun} has {', '.join(allowed)}")


def _point(x: Any, y: Any, where: str, size: tuple[int, int] | None) -> tuple[float, float]:
    """A finite, non-negative point, inside the image when its size is known."""
    for v in (x, y):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise fail(where, "expected finite numbers for x and y")
    if x < 0 or y < 0:
        raise fail(where, f"({x:g}, {y:g}) lies outside the image: coordinates start at 0")
    if size and (x > size[0] or y > size[1]):
        raise fail(where, f"({x:g}, {y:g}) lies outside the {size[0]}×{size[1]} image")
    return x, y


def _objects_of(config: ObjectQuestionConfig, value: Any, where: str, noun: str) -> list[dict]:
    """`check_objects`, after making sure labels are strings (an unhashable label must be a 422, not a crash)."""
    if isinstance(value, list):
        for i, obj in enumerate(value):
            if isinstance(obj, dict) and not isinstance(obj.get("label"), str):
                raise fail(f"{where}.{i}.label", "expected the label as a string")
    return check_objects(config, value, where, noun)


def _check_box(config: BoxesConfig, obj: dict, path: str, size: tuple[int, int] | None) -> dict:
    _only_keys(obj, ("id", "label", "x", "y", "w", "h", "rotation", "attributes"), path, "a box")
    x, y = number(obj.get("x"), f"{path}.x", low=0), number(obj.get("y"), f"{path}.y", low=0)
    w, h = number(obj.get("w"), f"{path}.w"), number(obj.get("h"), f"{path}.h")
    if w <= 0 or h <= 0:
        raise fail(f"{path}.{'w' if w <= 0 else 'h'}", "a box needs a positive width and height")
    rotation = number(obj.get("rotation", 0), f"{path}.rotation", low=-180, high=180)
    if rotation == -180:
        raise fail(f"{path}.rotation", "write -180° as 180 (rotation is in (-180, 180])")
    if rotation and not config.rotation:
        raise fail(f"{path}.rotation", "this question does not allow rotated boxes; rotation must be 0")
    box = {"id": obj["id"], "label": obj["label"], "x": x, "y": y, "w": w, "h": h, "rotation": rotation,
           "attributes": obj["attributes"]}
    if size and not rotation:
        if x > size[0]:
            raise fail(f"{path}.x", f"x = {x:g} lies outside the image (width {size[0]})")
        if y > size[1]:
            raise fail(f"{path}.y", f"y = {y:g} lies outside the image (height {size[1]})")
        if x + w > size[0]:
            raise fail(f"{path}.w", f"the box reaches x = {x + w:g}, beyond the image width {size[0]}")
        if y + h > size[1]:
            raise fail(f"{path}.h", f"the box reaches y = {y + h:g}, beyond the image height {size[1]}")
    elif size:
        slack = 1e-6 * max(size)
        for cx, cy in box_corners(box):
            if cx < -slack or cy < -slack or cx > size[0] + slack or cy > size[1] + slack:
                raise fail(path, f"the rotated box has a corner at ({cx:.4g}, {cy:.4g}), outside the "
                                 f"{size[0]}×{size[1]} image")
    return box


def _check_polygon(obj: dict, path: str, size: tuple[int, int] | None) -> dict:
    from tutorloop.quality.shapes import polygon_area
    _only_keys(obj, ("id", "label", "points", "attributes"), path, "a polygon")
    where = f"{path}.points"
    points = obj.get("points")
    if not isinstance(points, list):
        raise fail(where, "expected a list of [x, y] points")
    if len(points) < 3:
        raise fail(where, f"a polygon needs at least 3 points, got {len(points)}")
    if len(points) > MAX_POLYGON_POINTS:
        raise fail(where, f"a polygon has at most {MAX_POLYGON_POINTS} points, got {len(points)}")
    clean = []
    for j, p in enumerate(points):
        if not isinstance(p, list) or len(p) != 2:
            raise fail(f"{where}.{j}", "expected a point [x, y]")
        clean.append(list(_point(p[0], p[1], f"{where}.{j}", size)))
    for j in range(1, len(clean)):
        if clean[j] == clean[j - 1]:
            raise fail(f"{where}.{j}", "repeats the point before it")
    if clean[-1] == clean[0]:
        raise fail(f"{where}.{len(clean) - 1}", "repeats the first point; polygons close themselves")
    crossing = first_crossing(np.asarray(clean))
    if crossing:
        i, j = crossing
        raise fail(f"{where}.{j}", f"the edge from point {j} touches or crosses the edge from point {i}; "
                                   "a polygon may not intersect itself")
    if polygon_area(clean) <= 1e-9:
        raise fail(where, "the polygon encloses no area")
    return {"id": obj["id"], "label": obj["label"], "points": clean, "attributes": obj["attributes"]}


def _check_keypoints(config: KeypointsConfig, obj: dict, path: str, size: tuple[int, int] | None) -> dict:
    _only_keys(obj, ("id", "label", "points", "attributes"), path, "a keypoint object")
    names = config.label(obj["label"]).keypoints
    where = f"{path}.points"
    points = obj.get("points")
    if not isinstance(points, list) or len(points) != len(names):
        shown = ", ".join(names[:6]) + (", …" if len(names) > 6 else "")
        got = len(points) if isinstance(points, list) else type(points).__name__
        raise fail(where, f"expected {len(names)} [x, y, v] triples ({shown}), got {got}")
    clean = []
    for j, p in enumerate(points):
        at = f"{where}.{j}"
        if not isinstance(p, list) or len(p) != 3:
            raise fail(at, f"expected [x, y, v] for keypoint {names[j]!r}")
        v = p[2]
        if isinstance(v, bool) or v not in (0, 1, 2):
            raise fail(f"{at}.2", "v is 0 (not labelled), 1 (occluded) or 2 (visible)")
        if v == 0:
            if p[0] != 0 or p[1] != 0 or isinstance(p[0], bool) or isinstance(p[1], bool):
                raise fail(at, f"keypoint {names[j]!r} is not labelled (v = 0), so x and y must be 0")
            clean.append([0, 0, 0])
            continue
        x, y = _point(p[0], p[1], at, size)
        clean.append([x, y, int(v)])
    if not any(p[2] for p in clean):
        raise fail(where, "label at least one keypoint")
    return {"id": obj["id"], "label": obj["label"], "points": clean, "attributes": obj["attributes"]}


def _check_rle(rle: Any, where: str, size: tuple[int, int] | None) -> dict:
    from tutorloop.quality.masks import rle_area
    if not isinstance(rle, dict) or set(rle) != {"size", "counts"}:
        raise fail(where, 'expected {"size": [h, w], "counts": [...]}')
    dims = rle["size"]
    if (not isinstance(dims, list) or len(dims) != 2
            or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in dims)):
        raise fail(f"{where}.size", "expected [height, width] as two positive integers")
    h, w = dims
    if h * w > MAX_MASK_PIXELS:
        raise fail(f"{where}.size", f"a mask has at most {MAX_MASK_PIXELS:,} pixels")
    if size and [h, w] != [size[1], size[0]]:
        raise fail(f"{where}.size", f"[{h}, {w}] is not the image size [{size[1]}, {size[0]}] (height, width)")
    counts = rle["counts"]
    if isinstance(counts, str):
        raise fail(f"{where}.counts", "compressed RLE strings are not accepted; send the list of run lengths")
    if not isinstance(counts, list) or not counts or len(counts) > h * w + 1:
        raise fail(f"{where}.counts", "expected a list of run lengths")
    for k, c in enumerate(counts):
        if type(c) is not int or c < 0:
            raise fail(f"{where}.counts.{k}", "a run length is a non-negative integer")
    total = sum(counts)
    if total != h * w:
        raise fail(f"{where}.counts", f"the runs cover {total} pixels, not {h}×{w} = {h * w}")
    if not rle_area(rle):
        raise fail(where, "the mask is empty; remove the object instead")
    return {"size": [h, w], "counts": list(counts)}


def _check_mask(obj: dict, path: str, size: tuple[int, int] | None) -> dict:
    _only_keys(obj, ("id", "label", "rle", "attributes"), path, "a mask")
    return {"id": obj["id"], "label": obj["label"], "rle": _check_rle(obj.get("rle"), f"{path}.rle", size),
            "attributes": obj["attributes"]}


# -------------------------------------------------------------------------------------- agreement


def _objects(value: Any) -> list[dict]:
    return value if isinstance(value, list) else []


def _label_mask(a: Sequence[dict], b: Sequence[dict]) -> np.ndarray:
    """Which pairs share a label (compared as integer codes: object arrays compare slowly)."""
    codes: dict[str, int] = {}
    la = np.array([codes.setdefault(o["label"], len(codes)) for o in a], dtype=np.int64)
    lb = np.array([codes.setdefault(o["label"], len(codes)) for o in b], dtype=np.int64)
    return la[:, None] == lb[None, :]


def matched_count(sim: np.ndarray, threshold: float) -> int:
    """How many one-to-one pairs the matching keeps (similarity already zeroed across labels)."""
    from tutorloop.quality.shapes import match_by_iou
    rows, _ = match_by_iou(sim, threshold=threshold)
    return len(rows)


def cluster_objects(answers: Sequence[list[dict]], similarity: Callable, represent_many: Callable,
                    threshold: float) -> list[list[tuple[int, int]]]:
    """Cluster people's objects, at most one per person per cluster (the rule of `quality.shapes.cluster_by_iou`).

    People are taken in order; each person's objects are matched to the clusters' current agreed objects
    (`represent_many([members, ...])`, refreshed once per person) by the Hungarian algorithm, same label and
    similarity ≥ threshold; unmatched objects open clusters. Returns clusters as lists of (person, index).
    """
    from tutorloop.quality.shapes import match_by_iou
    clusters: list[list[tuple[int, int]]] = []
    reps: list[dict] = []
    for p, objs in enumerate(answers):
        if not objs:
            continue
        matched: set[int] = set()
        if clusters:
            sim = np.where(_label_mask(objs, reps), similarity(objs, reps), 0.0)
            rows, cols = match_by_iou(sim, threshold=threshold)
            for r, c in zip(rows.tolist(), cols.tolist()):
                clusters[c].append((p, r))
                matched.add(r)
            grown = cols.tolist()
            fresh = represent_many([[answers[q][k] for q, k in clusters[c]] for c in grown])
            for c, rep in zip(grown, fresh):
                reps[c] = {**rep, "label": reps[c]["label"]}
        for r, obj in enumerate(objs):
            if r not in matched:
                clusters.append([(p, r)])
                reps.append(obj)
    return clusters


def agreed_attributes(members: Sequence[dict]) -> dict:
    """Per attribute, the members' most frequent value (omitted when most left it unset)."""
    names = sorted({n for m in members for n in (m.get("attributes") or {})})
    out = {}
    for name in names:
        value = plurality([(m.get("attributes") or {}).get(name) for m in members])
        if value is not None:
            out[name] = value
    return out


class _ShapeType(QuestionType):
    """What the four shape types share: matched-F1 agreement, gold at IoU 0.75, clustering consensus."""

    field_types = ("image",)
    structured = True
    noun: ClassVar[str]

    def validate(self, config: Any, value: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> Any:
        """Every object checked by the type's `check_object`, against the image size the server read."""
        size = image_size(config, ctx)
        return [self.check_object(config, obj, f"{where}.{i}", size)
                for i, obj in enumerate(_objects_of(config, value, where, self.noun))]

    def check_object(self, config: Any, obj: dict, path: str, size: tuple[int, int] | None) -> dict:
        """One object of an answer, normalised, or Invalid naming `path`."""
        raise NotImplementedError

    def similarity(self, config: Any, a: Sequence[dict], b: Sequence[dict]) -> np.ndarray:
        """Pairwise similarity matrix (IoU or OKS) of two object lists."""
        raise NotImplementedError

    def represent(self, config: Any, members: Sequence[dict]) -> dict:
        """The agreed object of one cluster (geometry only; id and attributes are set by `consensus`)."""
        raise NotImplementedError

    def represent_many(self, config: Any, clusters: Sequence[Sequence[dict]]) -> list[dict]:
        """`represent` of several clusters (types override it to do them all at once)."""
        return [self.represent(config, members) for members in clusters]

    def usable(self, agreed: dict) -> bool:
        """Whether an agreed object is a valid object (a keypoint object needs a labelled point)."""
        return True

    def _matched(self, config: Any, a: list[dict], b: list[dict], threshold: float) -> int:
        if not a or not b:
            return 0
        sim = np.where(_label_mask(a, b), self.similarity(config, a, b), 0.0)
        return matched_count(sim, threshold)

    def pair_agreement(self, config: Any, a: Any, b: Any) -> float:
        a, b = _objects(a), _objects(b)
        if not a and not b:
            return 1.0
        return 2 * self._matched(config, a, b, MATCH_IOU) / (len(a) + len(b))

    def agreement(self, config: Any, values: Sequence[Any], consensus: Any) -> float | None:
        if consensus is None or not values:
            return None
        return float(np.mean([self.pair_agreement(config, v, consensus) for v in values]))

    def gold_matches(self, config: Any, answer: Any, truth: Any) -> bool:
        a, b = _objects(answer), _objects(truth)
        return len(a) == len(b) and self._matched(config, a, b, GOLD_IOU) == len(b)

    def consensus(self, config: Any, values: Sequence[Any]) -> Any:
        if not values:
            return None
        answers = [_objects(v) for v in values]
        clusters = cluster_objects(answers, lambda a, b: self.similarity(config, a, b),
                                   lambda many: self.represent_many(config, many), MATCH_IOU)
        return self._kept(config, answers, clusters)

    def _kept(self, config: Any, answers: list[list[dict]], clusters: list[list[tuple[int, int]]]) -> list[dict]:
        quorum = len(answers) // 2 + 1
        kept = [[answers[p][k] for p, k in members] for members in clusters if len(members) >= quorum]
        out = []
        for objs, agreed in zip(kept, self.represent_many(config, kept)):
            if not self.usable(agreed):
                continue
            out.append({"id": str(len(out) + 1), "label": objs[0]["label"], **agreed,
                        "attributes": agreed_attributes(objs)})
        return out


@register
class Boxes(_ShapeType):
    name = "boxes"
    Config = BoxesConfig
    component = "boxes"
    noun = "boxes"

    def check_object(self, config: BoxesConfig, obj: dict, path: str, size: tuple[int, int] | None) -> dict:
        return _check_box(config, obj, path, size)

    def similarity(self, config, a, b):
        return box_iou_rows(box_rows(a), box_rows(b))

    def represent(self, config, members):
        return self.represent_many(config, [members])[0]

    def represent_many(self, config, clusters):
        """Median (cx, cy, w, h, rotation) per cluster, all clusters in one `nanmedian` (rows padded with NaN)."""
        if not clusters:
            return []
        rows = np.full((len(clusters), max(len(m) for m in clusters), 5), np.nan)
        for c, members in enumerate(clusters):
            rows[c, :len(members)] = box_rows(members)
        cx, cy, w, h, rotation = np.nanmedian(rows, axis=1).round(4).T
        return [{"x": round(float(x), 2), "y": round(float(y), 2), "w": round(float(ww), 2), "h": round(float(hh), 2),
                 "rotation": round(float(r), 2)}
                for x, y, ww, hh, r in zip(cx - w / 2, cy - h / 2, w, h, rotation)]


@register
class Polygons(_ShapeType):
    name = "polygons"
    Config = PolygonsConfig
    component = "polygons"
    noun = "polygons"

    def check_object(self, config: PolygonsConfig, obj: dict, path: str, size: tuple[int, int] | None) -> dict:
        return _check_polygon(obj, path, size)

    def similarity(self, config, a, b):
        return polygon_iou_rows([o["points"] for o in a], [o["points"] for o in b])

    def represent(self, config, members):
        from tutorloop.quality.shapes import central_polygon
        best, _ = central_polygon([o["points"] for o in members]) if len(members) > 1 else (0, None)
        return {"points": [list(p) for p in members[best]["points"]]}


@register
class Keypoints(_ShapeType):
    name = "keypoints"
    Config = KeypointsConfig
    component = "keypoints"
    noun = "keypoint objects"

    def check_object(self, config: KeypointsConfig, obj: dict, path: str, size: tuple[int, int] | None) -> dict:
        return _check_keypoints(config, obj, path, size)

    def similarity(self, config: KeypointsConfig, a, b):
        """OKS, computed label by label (each label has its own keypoint list and sigmas)."""
        from tutorloop.quality.keypoints import oks_matrix
        out = np.zeros((len(a), len(b)))
        for label in {o["label"] for o in a} & {o["label"] for o in b}:
            ia = [i for i, o in enumerate(a) if o["label"] == label]
            ib = [j for j, o in enumerate(b) if o["label"] == label]
            sim = oks_matrix([a[i]["points"] for i in ia], [b[j]["points"] for j in ib],
                             config.label(label).sigmas)
            out[np.ix_(ia, ib)] = sim
        return out

    def represent(self, config, members):
        from tutorloop.quality.keypoints import median_keypoints
        return {"points": median_keypoints([o["points"] for o in members])}

    def usable(self, agreed):
        return any(p[2] for p in agreed["points"])


@register
class Masks(_ShapeType):
    name = "masks"
    Config = MasksConfig
    component = "masks"
    noun = "masks"

    def check_object(self, config: MasksConfig, obj: dict, path: str, size: tuple[int, int] | None) -> dict:
        return _check_mask(obj, path, size)

    def similarity(self, config, a, b):
        from tutorloop.quality.masks import rle_iou_matrix
        return rle_iou_matrix([o["rle"] for o in a], [o["rle"] for o in b])

    def represent(self, config, members):
        return {"rle": members[0]["rle"]}

    def consensus(self, config: MasksConfig, values):
        """Per label, the pixels more than half of the people painted (one mask per label)."""
        from tutorloop.quality.masks import mask_majority
        if not values:
            return None
        answers = [_objects(v) for v in values]
        sizes = [tuple(o["rle"]["size"]) for a in answers for o in a]
        if not sizes:
            return []
        size = plurality(sizes)
        out = []
        for label in (lbl.value for lbl in config.labels):
            per_person = [[o["rle"] for o in a if o["label"] == label] for a in answers]
            if not any(per_person):
                continue
            rle = mask_majority(per_person, size)
            if rle is not None:
                members = [o for a in answers for o in a if o["label"] == label]
                out.append({"id": str(len(out) + 1), "label": label, "rle": rle,
                            "attributes": agreed_attributes(members)})
        return out


__all__ = ["BoxesConfig", "KeypointLabel", "KeypointsConfig", "MasksConfig", "PolygonsConfig", "box_corners",
           "box_iou_rows", "cluster_objects", "first_crossing", "image_size"]
