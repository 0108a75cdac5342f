"""Geometry of image shapes: rotated box corners and IoU, polygon IoU between lists, self-crossing edges.

Boxes here are rows ``(cx, cy, w, h, rotation)`` with the rotation in degrees clockwise on screen (image y
points down) about the centre. Axis-aligned lists go through the vectorised ``quality.shapes.box_iou``;
rotated pairs are clipped exactly (``polygon_intersection_area``, convex windows) but only where their
bounding boxes meet, so 1,000 boxes against 1,000 stay fast when boxes are spread over the image.
(`tutorloop.quality.shapes` is imported inside the functions: the quality package loads pandas and SciPy.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def box_corners(box: dict) -> list[list[float]]:
    """The 4 corners of a (possibly rotated) box, clockwise on screen from the unrotated top-left."""
    x, y, w, h = (float(box[k]) for k in ("x", "y", "w", "h"))
    theta = math.radians(float(box.get("rotation") or 0))
    cx, cy = x + w / 2, y + h / 2
    cos, sin = math.cos(theta), math.sin(theta)
    out = []
    for dx, dy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
        out.append([cx + dx * cos - dy * sin, cy + dx * sin + dy * cos])
    return out


def box_rows(boxes: Sequence[dict]) -> np.ndarray:
    """Boxes as rows (cx, cy, w, h, rotation)."""
    rows = np.array([[b["x"] + b["w"] / 2, b["y"] + b["h"] / 2, b["w"], b["h"], b.get("rotation") or 0]
                     for b in boxes], dtype=float)
    return rows.reshape(-1, 5)


def row_corners(rows: np.ndarray) -> np.ndarray:
    """(n, 4, 2) corners of (cx, cy, w, h, rotation) rows, in the order of `box_corners`."""
    theta = np.radians(rows[:, 4])
    cos, sin = np.cos(theta)[:, None], np.sin(theta)[:, None]
    dx = np.array([-0.5, 0.5, 0.5, -0.5])[None, :] * rows[:, 2:3]
    dy = np.array([-0.5, -0.5, 0.5, 0.5])[None, :] * rows[:, 3:4]
    return np.stack([rows[:, :1] + dx * cos - dy * sin, rows[:, 1:2] + dx * sin + dy * cos], axis=-1)


def box_iou_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix of (cx, cy, w, h, rotation) rows; rotated pairs are clipped only where their hulls meet."""
    from tutorloop.quality.shapes import box_iou
    a, b = np.asarray(a, dtype=float).reshape(-1, 5), np.asarray(b, dtype=float).reshape(-1, 5)
    if not np.any(a[:, 4]) and not np.any(b[:, 4]):
        return box_iou(np.column_stack([a[:, :2] - a[:, 2:4] / 2, a[:, 2:4]]),
                       np.column_stack([b[:, :2] - b[:, 2:4] / 2, b[:, 2:4]]))
    ca, cb = row_corners(a), row_corners(b)
    lo_a, hi_a, lo_b, hi_b = ca.min(1), ca.max(1), cb.min(1), cb.max(1)
    meet = np.all((np.minimum(hi_a[:, None], hi_b[None]) > np.maximum(lo_a[:, None], lo_b[None])), axis=-1)
    out = np.zeros((len(a), len(b)))
    i, j = np.nonzero(meet)
    if len(i):
        inter = convex_intersection_area(ca[i], cb[j])
        union = a[i, 2] * a[i, 3] + b[j, 2] * b[j, 3] - inter
        out[i, j] = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return out


def convex_intersection_area(subject: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Intersection areas of P pairs of convex polygons (``(P, n, 2)`` and ``(P, m, 2)``, counter-clockwise
    in the shoelace sense, which every box of `row_corners` is).

    Sutherland–Hodgman (1974) run on all pairs at once: each window edge keeps the subject's vertices on
    its inner side plus the points where the subject's edges cross it. Clipping a convex polygon by one
    half-plane adds at most one vertex, so polygons are held in arrays of width n + m with a count per row.
    """
    pairs, width = len(subject), subject.shape[1] + window.shape[1]
    poly = np.zeros((pairs, width, 2))
    poly[:, :subject.shape[1]] = subject
    count = np.full(pairs, subject.shape[1])
    rows = np.arange(pairs)[:, None]
    slots = np.arange(width)[None, :]
    for e in range(window.shape[1]):
        a, b = window[:, e], window[:, (e + 1) % window.shape[1]]
        valid = slots < count[:, None]
        nxt_index = np.where(slots + 1 < count[:, None], slots + 1, 0)
        nxt = poly[rows, nxt_index]
        edge = (b - a)[:, None, :]
        d = edge[..., 0] * (poly[..., 1] - a[:, None, 1]) - edge[..., 1] * (poly[..., 0] - a[:, None, 0])
        d_next = d[rows, nxt_index]
        inside, inside_next = d >= 0, d_next >= 0
        crossing = (inside != inside_next) & valid
        t = np.divide(d, d - d_next, out=np.zeros_like(d), where=crossing)[..., None]
        hit = poly + t * (nxt - poly)
        candidates = np.stack([hit, nxt], axis=2).reshape(pairs, 2 * width, 2)
        emit = np.stack([crossing, inside_next & valid], axis=2).reshape(pairs, 2 * width)
        order = np.argsort(~emit, axis=1, kind="stable")[:, :width]
        poly = candidates[rows, order]
        count = np.minimum(emit.sum(axis=1), width)
    valid = slots < count[:, None]
    nxt = poly[rows, np.where(slots + 1 < count[:, None], slots + 1, 0)]
    twice = np.where(valid, poly[..., 0] * nxt[..., 1] - nxt[..., 0] * poly[..., 1], 0.0).sum(axis=1)
    return np.where(count >= 3, np.maximum(twice / 2, 0.0), 0.0)


def first_crossing(points: np.ndarray) -> tuple[int, int] | None:
    """The first pair (i, j) of non-adjacent edges (edge k runs from point k to k + 1) that touch or cross."""
    p = np.asarray(points, dtype=float)
    n = len(p)
    if n < 4:
        return None
    a, b = p, np.roll(p, -1, axis=0)
    i, j = np.triu_indices(n, k=2)
    keep = ~((i == 0) & (j == n - 1))
    i, j = i[keep], j[keep]

    def cross(o, u, v):
        return (u[:, 0] - o[:, 0]) * (v[:, 1] - o[:, 1]) - (u[:, 1] - o[:, 1]) * (v[:, 0] - o[:, 0])

    o1, o2 = cross(a[i], b[i], a[j]), cross(a[i], b[i], b[j])
    o3, o4 = cross(a[j], b[j], a[i]), cross(a[j], b[j], b[i])
    boxes_meet = np.all(np.minimum(np.maximum(a[i], b[i]), np.maximum(a[j], b[j]))
                        >= np.maximum(np.minimum(a[i], b[i]), np.minimum(a[j], b[j])), axis=1)
    hit = np.flatnonzero((o1 * o2 <= 0) & (o3 * o4 <= 0) & boxes_meet)
    return (int(i[hit[0]]), int(j[hit[0]])) if len(hit) else None


def polygon_iou_rows(a: Sequence, b: Sequence) -> np.ndarray:
    """IoU matrix of two lists of simple polygons; pairs whose bounding boxes do not meet are 0 unclipped."""
    from tutorloop.quality.shapes import polygon_area, polygon_intersection_area
    polys_a = [np.asarray(p, dtype=float) for p in a]
    polys_b = [np.asarray(p, dtype=float) for p in b]
    out = np.zeros((len(a), len(b)))
    if not polys_a or not polys_b:
        return out
    lo_a, hi_a = np.array([p.min(0) for p in polys_a]), np.array([p.max(0) for p in polys_a])
    lo_b, hi_b = np.array([p.min(0) for p in polys_b]), np.array([p.max(0) for p in polys_b])
    meet = np.all(np.minimum(hi_a[:, None], hi_b[None]) > np.maximum(lo_a[:, None], lo_b[None]), axis=-1)
    area_a = [polygon_area(p) for p in polys_a]
    area_b = [polygon_area(p) for p in polys_b]
    for i, j in zip(*np.nonzero(meet)):
        try:
            inter = polygon_intersection_area(polys_a[i], polys_b[j])
        except ValueError:  # not simple: stored answers are checked, but a bad pair must not stop a consensus
            continue
        union = area_a[i] + area_b[j] - inter
        out[i, j] = inter / union if union > 0 else 0.0
    return out


__all__ = ["box_corners", "box_iou_rows", "box_rows", "convex_intersection_area", "first_crossing", "polygon_iou_rows",
           "row_corners"]
