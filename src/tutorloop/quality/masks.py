"""Binary masks as COCO uncompressed run-length encodings: encode, decode, area, IoU, per-pixel majority.

A mask of shape ``(h, w)`` is read in column-major (Fortran) order, top to bottom, then left to right, and
stored as ``{"size": [h, w], "counts": [c0, c1, c2, ...]}``: ``c0`` pixels of 0, then ``c1`` pixels of 1,
then ``c2`` of 0 and so on (Lin et al. 2014, the COCO "uncompressed RLE").  ``c0`` may be 0 (the mask starts
with a 1); ``sum(counts) == h * w``.

IoU is computed on the runs themselves, never on decoded pixels: with ``C_B(p)`` the number of 1-pixels of
``B`` before flat position ``p`` (a cumulative sum over ``B``'s runs, looked up with a binary search),

    |A ∩ B| = Σ_i  C_B(end_i) − C_B(start_i)        over the 1-runs [start_i, end_i) of A

so a pair costs ``O((r_A + r_B) log r_B)`` for ``r`` runs, whatever the image size.

Consensus of several people's masks is the per-pixel majority: a pixel belongs to the agreed mask when
more than half of the people painted it.

Example:
    >>> import numpy as np
    >>> m = np.array([[0, 1], [1, 1]], dtype=bool)
    >>> rle_encode(m)
    {'size': [2, 2], 'counts': [1, 3]}
    >>> bool((rle_decode(rle_encode(m)) == m).all()), rle_area({'size': [2, 2], 'counts': [1, 3]})
    (True, 3)
    >>> rle_iou({'size': [2, 2], 'counts': [1, 3]}, {'size': [2, 2], 'counts': [0, 2, 2]})
    0.25
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def rle_encode(mask: np.ndarray) -> dict:
    """COCO uncompressed RLE of a boolean (or 0/1) array of shape ``(h, w)``."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"a mask is a 2-D array, got shape {mask.shape}")
    h, w = mask.shape
    flat = mask.astype(bool).ravel(order="F")
    if flat.size == 0:
        return {"size": [int(h), int(w)], "counts": []}
    # positions where the value changes, framed by the start and the end of the mask
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    edges = np.concatenate(([0], change, [flat.size]))
    counts = np.diff(edges)
    if flat[0]:
        counts = np.concatenate(([0], counts))
    return {"size": [int(h), int(w)], "counts": counts.astype(int).tolist()}


def rle_decode(rle: dict) -> np.ndarray:
    """The boolean ``(h, w)`` array of an uncompressed RLE."""
    h, w = (int(v) for v in rle["size"])
    counts = np.asarray(rle["counts"], dtype=np.int64)
    if counts.sum() != h * w:
        raise ValueError(f"the runs add up to {int(counts.sum())} pixels, not {h}×{w} = {h * w}")
    values = np.arange(len(counts)) % 2 == 1
    flat = np.repeat(values, counts)
    return flat.reshape((w, h)).T


def rle_area(rle: dict) -> int:
    """Number of 1-pixels of an uncompressed RLE."""
    return int(np.asarray(rle["counts"], dtype=np.int64)[1::2].sum())


def _runs(rle: dict) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) flat positions of the 1-runs, zero-length runs dropped."""
    counts = np.asarray(rle["counts"], dtype=np.int64)
    ends = np.cumsum(counts)
    starts = ends - counts
    starts, ends = starts[1::2], ends[1::2]
    keep = ends > starts
    return starts[keep], ends[keep]


def _covered_before(positions: np.ndarray, starts: np.ndarray, ends: np.ndarray, before: np.ndarray) -> np.ndarray:
    """How many 1-pixels of the runs lie before each position (``before``: run lengths summed so far)."""
    k = np.searchsorted(starts, positions, side="right") - 1
    inside = np.minimum(positions - starts[np.maximum(k, 0)], ends[np.maximum(k, 0)] - starts[np.maximum(k, 0)])
    return np.where(k >= 0, before[np.maximum(k, 0)] + inside, 0)


def rle_intersection(a: dict, b: dict) -> int:
    """Number of pixels set in both masks (same size required)."""
    if list(a["size"]) != list(b["size"]):
        raise ValueError(f"masks of different sizes: {a['size']} and {b['size']}")
    a_starts, a_ends = _runs(a)
    b_starts, b_ends = _runs(b)
    if not len(a_starts) or not len(b_starts):
        return 0
    before = np.concatenate(([0], np.cumsum(b_ends - b_starts)[:-1]))
    inter = (_covered_before(a_ends, b_starts, b_ends, before)
             - _covered_before(a_starts, b_starts, b_ends, before))
    return int(inter.sum())


def rle_iou(a: dict, b: dict) -> float:
    """IoU of two masks of the same size (0 when both are empty)."""
    inter = rle_intersection(a, b)
    union = rle_area(a) + rle_area(b) - inter
    return inter / union if union else 0.0


def rle_bbox(rle: dict) -> tuple[int, int, int, int]:
    """``(x1, y1, x2, y2)`` pixel bounds (exclusive ends) of a non-empty mask, from its runs alone."""
    h = int(rle["size"][0])
    starts, ends = _runs(rle)
    if not len(starts):
        return (0, 0, 0, 0)
    last = ends - 1
    x1, x2 = int(starts[0] // h), int(last[-1] // h) + 1
    # a run that spans a column boundary covers the whole height of the columns in between
    spans = (last // h) > (starts // h)
    y1 = 0 if spans.any() else int((starts % h).min())
    y2 = h if spans.any() else int((last % h).max()) + 1
    return (x1, y1, x2, y2)


def rle_iou_matrix(masks_a: Sequence[dict], masks_b: Sequence[dict]) -> np.ndarray:
    """IoU of every mask of ``masks_a`` with every mask of ``masks_b`` (0 for masks of different sizes).

    Pairs whose bounding boxes do not overlap are skipped without looking at their runs.
    """
    out = np.zeros((len(masks_a), len(masks_b)))
    if not len(masks_a) or not len(masks_b):
        return out
    boxes_a = np.array([rle_bbox(m) for m in masks_a])
    boxes_b = np.array([rle_bbox(m) for m in masks_b])
    lo = np.maximum(boxes_a[:, None, :2], boxes_b[None, :, :2])
    hi = np.minimum(boxes_a[:, None, 2:], boxes_b[None, :, 2:])
    overlap = np.all(hi > lo, axis=-1)
    for i, j in zip(*np.nonzero(overlap)):
        if list(masks_a[i]["size"]) == list(masks_b[j]["size"]):
            out[i, j] = rle_iou(masks_a[i], masks_b[j])
    return out


def mask_majority(masks_by_person: Sequence[Sequence[dict]], size: Sequence[int]) -> dict | None:
    """Per-pixel majority of several people's masks of one label; None when no pixel has a majority.

    ``masks_by_person[p]`` are person ``p``'s masks (their union is what that person painted; a person with
    no mask still counts towards the majority).  Masks of another size than ``size`` are ignored.
    """
    h, w = int(size[0]), int(size[1])
    votes = np.zeros((h, w), dtype=np.uint16)
    for masks in masks_by_person:
        painted = np.zeros((h, w), dtype=bool)
        for rle in masks:
            if [int(v) for v in rle["size"]] == [h, w]:
                painted |= rle_decode(rle)
        votes += painted
    agreed = votes.astype(np.int64) * 2 > len(masks_by_person)
    return rle_encode(agreed) if agreed.any() else None


__all__ = ["mask_majority", "rle_area", "rle_bbox", "rle_decode", "rle_encode", "rle_intersection", "rle_iou",
           "rle_iou_matrix"]
