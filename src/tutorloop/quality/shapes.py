"""Boxes and polygons: IoU, one-to-one matching between annotators, consensus shapes.

Boxes are ``(x, y, w, h)`` with ``w, h >= 0`` (top-left corner, width, height; any consistent unit).
Polygons are ``(n, 2)`` vertex arrays, in either orientation, implicitly closed.

Intersection over union (Jaccard 1901)::

    IoU(A, B) = |A ∩ B| / |A ∪ B| = |A ∩ B| / (|A| + |B| - |A ∩ B|)

Two shapes whose union has zero area have IoU 0 by definition.

Polygon intersection is computed without shapely: the clip polygon is split into triangles by ear clipping
and the subject is clipped against each triangle with Sutherland–Hodgman (1974); the shoelace areas of the
pieces add up to ``|A ∩ B|``.  Sutherland–Hodgman against a convex window gives the exact area even for a
concave subject (its spurious zero-width edges enclose no area).  **Limits:** polygons must be *simple*
(no self-intersections, no holes, no repeated vertices other than consecutive duplicates, which are
dropped); a polygon whose edges cross raises ``ValueError``, as does one that touches itself when it has
to be triangulated.  Cost is
``O(n·m)`` per convex pair and ``O(n²·m)`` otherwise, fine for annotation-sized polygons.

Matching between two annotators is the assignment maximising total IoU (Hungarian algorithm, Kuhn 1955,
``scipy.optimize.linear_sum_assignment``), keeping pairs with ``IoU >= threshold``.

Consensus boxes: boxes of all annotators of an item are clustered (each annotator is matched in turn to
the clusters' current medians, unmatched boxes open new clusters; at most one box per annotator per
cluster); a cluster is kept when a strict majority of the item's annotators are in it, and its box is the
coordinate-wise median of its members' corners.  Consensus polygon: the member with the highest mean IoU
to the others (a medoid), since medians of vertices are not defined for polygons of different sizes.

Example:
    >>> import pandas as pd
    >>> round(float(box_iou([[0, 0, 2, 2]], [[1, 0, 2, 2]])[0, 0]), 4)
    0.3333
    >>> round(polygon_iou([(0, 0), (2, 0), (2, 2), (0, 2)], [(1, 0), (3, 0), (3, 2), (1, 2)]), 4)
    0.3333
    >>> df = pd.DataFrame({"item": [1, 1, 1], "annotator": ["a", "b", "c"],
    ...                    "x": [0, 1, 50], "y": [0, 0, 50], "w": [10, 10, 5], "h": [10, 10, 5]})
    >>> consensus_boxes(df)[["item", "x", "y", "w", "h", "support"]].to_dict("records")
    [{'item': 1, 'x': 0.5, 'y': 0.0, 'w': 10.0, 'h': 10.0, 'support': 2}]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

_EPS = 1e-12


def box_iou(boxes_a, boxes_b) -> np.ndarray:
    """IoU matrix (``len(a) × len(b)``) between two sets of ``(x, y, w, h)`` boxes."""
    return _corner_iou(_to_corners(boxes_a), _to_corners(boxes_b))


def _to_corners(boxes) -> np.ndarray:
    b = np.asarray(boxes, dtype=float).reshape(-1, 4)
    if np.any(b[:, 2:] < 0):
        raise ValueError("box width and height must be >= 0")
    return np.column_stack([b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]])


def _corner_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of corner boxes ``(x1, y1, x2, y2)``, broadcasting ``a`` over rows and ``b`` over columns."""
    iw = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    ih = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    inter = np.clip(iw, 0, None) * np.clip(ih, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > _EPS)


def match_by_iou(iou, *, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one matching maximising total IoU; returns row and column indices of pairs with IoU >= threshold.

    Pairs with IoU 0 are never returned, even with ``threshold=0``.
    """
    iou = np.asarray(iou, dtype=float)
    if iou.size == 0:
        return np.empty(0, dtype=int), np.empty(0, dtype=int)
    rows, cols = linear_sum_assignment(iou, maximize=True)
    keep = (iou[rows, cols] >= threshold) & (iou[rows, cols] > 0)
    return rows[keep], cols[keep]


def match_boxes(boxes_a, boxes_b, *, threshold: float = 0.5) -> pd.DataFrame:
    """Match two annotators' boxes; a DataFrame with columns ``a``, ``b`` (row positions) and ``iou``."""
    iou = box_iou(boxes_a, boxes_b)
    rows, cols = match_by_iou(iou, threshold=threshold)
    return pd.DataFrame({"a": rows, "b": cols, "iou": iou[rows, cols]})


# --------------------------------------------------------------------------------------------- polygons


def _as_polygon(polygon) -> np.ndarray:
    p = np.asarray(polygon, dtype=float).reshape(-1, 2)
    if len(p) > 1:
        keep = np.any(np.abs(p - np.roll(p, -1, axis=0)) > _EPS, axis=1)
        p = p[keep] if keep.any() else p[:1]
    if len(p) >= 3 and _signed_area(p) < 0:
        p = p[::-1]
    return p


def _signed_area(p: np.ndarray) -> float:
    if len(p) < 3:
        return 0.0
    x, y = p[:, 0], p[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def polygon_area(polygon) -> float:
    """Area of a simple polygon (shoelace formula)."""
    return abs(_signed_area(np.asarray(polygon, dtype=float).reshape(-1, 2)))


def _cross(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a[..., 0] - o[..., 0]) * (b[..., 1] - o[..., 1]) - (a[..., 1] - o[..., 1]) * (b[..., 0] - o[..., 0])


def _is_convex(p: np.ndarray) -> bool:
    return len(p) >= 3 and bool(np.all(_cross(p, np.roll(p, -1, axis=0), np.roll(p, -2, axis=0)) >= -_EPS))


def _clip_convex(subject: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Sutherland–Hodgman: clip ``subject`` by the counter-clockwise convex ``window``."""
    out = subject
    for a, b in zip(window, np.roll(window, -1, axis=0)):
        if len(out) == 0:
            break
        nxt = np.roll(out, -1, axis=0)
        d = _cross(a, b, out)
        d_next = np.roll(d, -1)
        inside, inside_next = d >= 0, d_next >= 0
        crossing = inside != inside_next
        denom = np.where(crossing, d - d_next, 1.0)
        t = (d / denom)[:, None]
        hit = out + t * (nxt - out)
        points = np.stack([hit, nxt], axis=1).reshape(-1, 2)
        mask = np.stack([crossing, inside_next], axis=1).reshape(-1)
        out = points[mask]
    return out


def _triangulate(p: np.ndarray) -> list[np.ndarray]:
    """Ear-clipping triangulation of a simple counter-clockwise polygon."""
    idx = list(range(len(p)))
    triangles: list[np.ndarray] = []
    while len(idx) > 3:
        pts = p[idx]
        turn = _cross(np.roll(pts, 1, axis=0), pts, np.roll(pts, -1, axis=0))
        if np.any(np.abs(turn) <= _EPS):  # drop collinear vertices: they add no area
            idx = [v for v, t in zip(idx, turn) if abs(t) > _EPS]
            continue
        for k in np.flatnonzero(turn > 0):
            a, b, c = pts[k - 1], pts[k], pts[(k + 1) % len(pts)]
            others = np.delete(pts, [(k - 1) % len(pts), k, (k + 1) % len(pts)], axis=0)
            inside = (_cross(a, b, others) >= 0) & (_cross(b, c, others) >= 0) & (_cross(c, a, others) >= 0)
            if not inside.any():
                triangles.append(np.array([a, b, c]))
                del idx[k]
                break
        else:
            raise ValueError("polygon is not simple (self-intersecting or touching itself)")
    if len(idx) == 3:
        triangles.append(p[idx])
    return triangles


def _crosses_itself(p: np.ndarray) -> bool:
    """True when two non-adjacent edges cross properly or overlap collinearly."""
    n = len(p)
    if n < 4:
        return False
    a, b = p, np.roll(p, -1, axis=0)
    i, j = np.triu_indices(n, k=2)
    keep = ~((i == 0) & (j == n - 1))
    i, j = i[keep], j[keep]
    o1, o2 = _cross(a[i], b[i], a[j]), _cross(a[i], b[i], b[j])
    o3, o4 = _cross(a[j], b[j], a[i]), _cross(a[j], b[j], b[i])
    proper = (o1 * o2 < 0) & (o3 * o4 < 0)
    collinear = (np.abs(o1) <= _EPS) & (np.abs(o2) <= _EPS)
    lo_i, hi_i = np.minimum(a[i], b[i]), np.maximum(a[i], b[i])
    lo_j, hi_j = np.minimum(a[j], b[j]), np.maximum(a[j], b[j])
    overlap = np.all(np.minimum(hi_i, hi_j) - np.maximum(lo_i, lo_j) > _EPS, axis=1)
    return bool(np.any(proper | (collinear & overlap)))


def polygon_intersection_area(polygon_a, polygon_b) -> float:
    """Exact area of the intersection of two simple polygons (see the module docstring for limits)."""
    a, b = _as_polygon(polygon_a), _as_polygon(polygon_b)
    if len(a) < 3 or len(b) < 3:
        return 0.0
    if _crosses_itself(a) or _crosses_itself(b):
        raise ValueError("polygon is not simple (its edges cross)")
    lo, hi = np.maximum(a.min(0), b.min(0)), np.minimum(a.max(0), b.max(0))
    if np.any(hi <= lo):
        return 0.0
    if not _is_convex(b) and _is_convex(a):
        a, b = b, a
    windows = [b] if _is_convex(b) else _triangulate(b)
    return float(sum(max(_signed_area(_clip_convex(a, w)), 0.0) for w in windows))


def polygon_iou(polygon_a, polygon_b) -> float:
    """IoU of two simple polygons."""
    inter = polygon_intersection_area(polygon_a, polygon_b)
    union = polygon_area(polygon_a) + polygon_area(polygon_b) - inter
    return float(inter / union) if union > _EPS else 0.0


def polygon_iou_matrix(polygons: Sequence) -> np.ndarray:
    """Symmetric matrix of pairwise polygon IoU (ones on the diagonal for polygons of positive area)."""
    n = len(polygons)
    out = np.zeros((n, n))
    for i in range(n):
        out[i, i] = 1.0 if polygon_area(polygons[i]) > _EPS else 0.0
        for j in range(i + 1, n):
            out[i, j] = out[j, i] = polygon_iou(polygons[i], polygons[j])
    return out


def central_polygon(polygons: Sequence) -> tuple[int, float]:
    """Index of the most central polygon (highest mean IoU to the others) and that mean IoU.

    One polygon gives ``(0, nan)``; an empty sequence raises ``ValueError``.
    """
    if len(polygons) == 0:
        raise ValueError("no polygons")
    if len(polygons) == 1:
        return 0, float("nan")
    m = polygon_iou_matrix(polygons)
    mean = (m.sum(axis=1) - np.diag(m)) / (len(polygons) - 1)
    best = int(np.argmax(mean))
    return best, float(mean[best])


# ------------------------------------------------------------------------------------------- consensus


def cluster_by_iou(
    groups: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    iou: Callable[[np.ndarray, np.ndarray], np.ndarray],
    threshold: float,
) -> list[list[tuple[int, int]]]:
    """Cluster shapes across annotators, at most one shape per annotator per cluster.

    ``groups[g] = (coords, labels)`` holds annotator ``g``'s shapes as rows of corner coordinates.  Annotators
    are taken in the given order; each is matched (Hungarian, same label, IoU >= threshold) to the clusters'
    current coordinate-wise medians, and unmatched shapes open new clusters.  Returns clusters as lists of
    ``(group, row)`` pairs.
    """
    clusters: list[list[tuple[int, int]]] = []
    centres: list[np.ndarray] = []
    labels: list[object] = []
    for g, (coords, labs) in enumerate(groups):
        if len(coords) == 0:
            continue
        matched: set[int] = set()
        if clusters:
            m = iou(np.asarray(coords), np.vstack(centres))
            m = np.where(np.asarray(labs, dtype=object)[:, None] == np.asarray(labels, dtype=object)[None, :], m, 0)
            rows, cols = match_by_iou(m, threshold=threshold)
            for r, c in zip(rows, cols):
                clusters[c].append((g, int(r)))
                centres[c] = np.median([groups[gg][0][rr] for gg, rr in clusters[c]], axis=0)
                matched.add(int(r))
        for r in range(len(coords)):
            if r not in matched:
                clusters.append([(g, r)])
                centres.append(np.asarray(coords[r], dtype=float))
                labels.append(labs[r])
    return clusters


def _annotated_groups(sub: pd.DataFrame, annotator: str, coord_cols: list[str], label: str | None):
    names = sorted(sub[annotator].unique(), key=str)
    groups = []
    for name in names:
        rows = sub[(sub[annotator] == name)].dropna(subset=coord_cols)
        labs = rows[label].to_numpy(dtype=object) if label else np.full(len(rows), None, dtype=object)
        groups.append((rows[coord_cols].to_numpy(dtype=float), labs))
    return names, groups


def consensus_boxes(
    boxes: pd.DataFrame,
    *,
    threshold: float = 0.5,
    quorum: int | None = None,
    columns: Sequence[str] = ("item", "annotator", "x", "y", "w", "h"),
    label: str | None = None,
) -> pd.DataFrame:
    """Consensus boxes per item from a long DataFrame of annotators' boxes.

    A row whose coordinates are NaN records that the annotator saw the item and drew nothing (it counts
    towards the majority).  ``quorum`` defaults to a strict majority of the item's annotators.  ``label``
    names an optional class column; boxes only match boxes of the same class.  Returns columns ``item, x, y,
    w, h, [label], support, share, mean_iou`` (``mean_iou``: members' mean IoU to the consensus box).
    """
    item, annotator, *coords = columns
    out = []
    for key, sub in boxes.groupby(item, sort=True):
        sub = sub.copy()
        sub["_x2"], sub["_y2"] = sub[coords[0]] + sub[coords[2]], sub[coords[1]] + sub[coords[3]]
        cols = [coords[0], coords[1], "_x2", "_y2"]
        names, groups = _annotated_groups(sub, annotator, cols, label)
        need = quorum if quorum is not None else len(names) // 2 + 1
        for members in cluster_by_iou(groups, iou=_corner_iou, threshold=threshold):
            if len(members) < need:
                continue
            corners = np.array([groups[g][0][r] for g, r in members])
            c = np.median(corners, axis=0)
            row = {"item": key, "x": c[0], "y": c[1], "w": c[2] - c[0], "h": c[3] - c[1]}
            if label:
                row[label] = groups[members[0][0]][1][members[0][1]]
            row.update(support=len(members), share=len(members) / len(names),
                       mean_iou=float(_corner_iou(corners, c[None, :]).mean()))
            out.append(row)
    extra = [label] if label else []
    return pd.DataFrame(out, columns=["item", "x", "y", "w", "h", *extra, "support", "share", "mean_iou"])


__all__ = [
    "box_iou",
    "central_polygon",
    "cluster_by_iou",
    "consensus_boxes",
    "match_boxes",
    "match_by_iou",
    "polygon_area",
    "polygon_intersection_area",
    "polygon_iou",
    "polygon_iou_matrix",
]
