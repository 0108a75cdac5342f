"""Keypoint objects: object keypoint similarity (OKS) and the per-keypoint median of matched objects.

An object is ``K`` triples ``(x, y, v)`` in a fixed keypoint order: ``v = 0`` not labelled, ``1`` labelled
but occluded, ``2`` visible (the COCO convention).  Object keypoint similarity (Ronchi & Perona 2017, the
COCO keypoint metric) of two objects ``a`` and ``b``::

    OKS(a, b) = Σ_i exp(−d_i² / (2 s² k_i²)) · [v_i^a > 0 and v_i^b > 0]  /  Σ_i [v_i^a > 0 or v_i^b > 0]

with ``d_i`` the distance between the two placements of keypoint ``i``, ``k_i = 2 σ_i`` its per-keypoint
constant (``σ`` defaults to 0.05) and ``s²`` the object's scale.  COCO takes the scale from the ground
truth's segment area; here both sides are people, so ``s²`` is the mean of the two objects' keypoint
bounding-box areas, at least ``32² px`` (COCO's "small object" bound) so that objects with one or two
labelled points are not impossible to match.  A keypoint labelled by only one side counts as a miss,
which keeps the measure symmetric.  Two objects with no labelled keypoint have OKS 0.

Example:
    >>> a = [[[10, 10, 2], [50, 50, 2]]]
    >>> b = [[[10, 10, 2], [50, 50, 1]]]
    >>> float(oks_matrix(a, b)[0, 0])
    1.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DEFAULT_SIGMA = 0.05
MIN_SCALE = 32.0**2


def _as_points(objects: Sequence) -> np.ndarray:
    arr = np.asarray(objects, dtype=float)
    if arr.size == 0:
        return arr.reshape(0, 0, 3)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"expected objects of (x, y, v) triples, got shape {arr.shape}")
    return arr


def keypoint_area(points: np.ndarray) -> np.ndarray:
    """Bounding-box area of the labelled keypoints of each object (``(n, K, 3)`` → ``(n,)``; 0 if none)."""
    labelled = points[..., 2] > 0
    x, y = points[..., 0], points[..., 1]
    width = np.where(labelled, x, -np.inf).max(axis=-1) - np.where(labelled, x, np.inf).min(axis=-1)
    height = np.where(labelled, y, -np.inf).max(axis=-1) - np.where(labelled, y, np.inf).min(axis=-1)
    return np.where(labelled.any(axis=-1), width * height, 0.0)


def oks_matrix(objects_a: Sequence, objects_b: Sequence, sigmas: Sequence[float] | None = None) -> np.ndarray:
    """OKS of every object of ``objects_a`` with every object of ``objects_b`` (same keypoint list)."""
    a, b = _as_points(objects_a), _as_points(objects_b)
    if not len(a) or not len(b):
        return np.zeros((len(a), len(b)))
    if a.shape[1] != b.shape[1]:
        raise ValueError("objects with different keypoint lists cannot be compared")
    k = 2 * np.asarray(sigmas if sigmas is not None else [DEFAULT_SIGMA] * a.shape[1], dtype=float)
    scale = np.maximum((keypoint_area(a)[:, None] + keypoint_area(b)[None, :]) / 2, MIN_SCALE)
    d2 = ((a[:, None, :, :2] - b[None, :, :, :2]) ** 2).sum(axis=-1)
    la, lb = a[:, None, :, 2] > 0, b[None, :, :, 2] > 0
    sim = np.exp(-d2 / (2 * scale[..., None] * k**2)) * (la & lb)
    either = (la | lb).sum(axis=-1)
    return np.divide(sim.sum(axis=-1), either, out=np.zeros(either.shape), where=either > 0)


def median_keypoints(members: Sequence) -> list[list[float]]:
    """The agreed keypoints of several people's placements of one object.

    A keypoint is labelled when more than half of the members labelled it; its position is the median of
    their placements, and it is visible (2) when most of those who labelled it saw it, else occluded (1).
    """
    pts = _as_points(members)
    out = []
    for i in range(pts.shape[1]):
        column = pts[:, i]
        labelled = column[column[:, 2] > 0]
        if len(labelled) * 2 <= len(pts):
            out.append([0, 0, 0])
            continue
        x, y = np.median(labelled[:, 0]), np.median(labelled[:, 1])
        visible = int((labelled[:, 2] == 2).sum() * 2 > len(labelled))
        out.append([round(float(x), 2), round(float(y), 2), 2 if visible else 1])
    return out


__all__ = ["DEFAULT_SIGMA", "MIN_SCALE", "keypoint_area", "median_keypoints", "oks_matrix"]
