"""Finding likely label errors by confident learning (Northcutt, Jiang & Chuang 2021, JAIR 70).

Inputs: out-of-sample predicted probabilities ``P`` (``n × K``, e.g. from cross-validation — in-sample
predictions memorise the errors) and the current labels ``ỹ`` (integers ``0..K-1``, or values of
``classes=``).

1. Per-class thresholds: ``t_j = mean of P[x, j] over items x with ỹ = j`` (NaN for a class nobody has;
   such a class is never "confident").
2. Confident joint ``C[i, j]``: items labelled ``i`` whose confident class is ``j``, where the confident
   class of ``x`` is ``argmax_{j : P[x, j] >= t_j} P[x, j]`` (items above no threshold are not counted).
3. Calibrated joint ``Q``: each row of ``C`` rescaled to the number of items labelled ``i``, then the whole
   matrix divided by ``n`` — an estimate of ``P(ỹ = i, y* = j)``.
4. Flag items (``filter_by=``):

   * ``"confident_joint"`` — the off-diagonal cells of ``C`` (confident class ≠ given label);
   * ``"prune_by_noise_rate"`` (default, the paper's "prune by noise rate") — for each ``i ≠ j``, the
     ``round(n · Q[i, j])`` items labelled ``i`` with the largest margin ``P[x, j] - P[x, i]``;
   * ``"both"`` — items flagged by both rules.

   As in the reference implementation, an item whose given label is also its ``argmax`` prediction is never
   flagged.
5. Rank flagged items, most likely error first, by ``rank_by=``: ``"self_confidence"`` ``P[x, ỹ]`` or
   ``"normalized_margin"`` ``P[x, ỹ] - max_{j≠ỹ} P[x, j]`` (lower = more likely wrong).

The suggested label is the confident class when it differs from the given label, else the most probable
other class.

Example:
    >>> import numpy as np
    >>> p = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.2, 0.8], [0.1, 0.9], [0.85, 0.15]])
    >>> labels = np.array([0, 0, 0, 1, 1, 1])  # the last item looks like class 0
    >>> find_label_errors(p, labels)[["item", "given_label", "suggested_label"]].to_dict("records")
    [{'item': 5, 'given_label': 1, 'suggested_label': 0}]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

_TOL = 1e-6


def _validate(probabilities, labels, classes):
    p = np.asarray(probabilities, dtype=float)
    if p.ndim != 2:
        raise ValueError("probabilities must be n × K")
    raw = np.asarray(labels)
    if classes is not None:
        lookup = {c: k for k, c in enumerate(classes)}
        try:
            y = np.array([lookup[v] for v in raw.tolist()], dtype=int)
        except KeyError as exc:
            raise ValueError(f"label {exc.args[0]!r} not in classes") from exc
    else:
        y = raw.astype(int)
    if len(y) != len(p):
        raise ValueError("probabilities and labels differ in length")
    if len(y) and (y.min() < 0 or y.max() >= p.shape[1]):
        raise ValueError("labels must be in 0..K-1")
    return p, y


def class_thresholds(probabilities, labels, *, classes: Sequence | None = None) -> np.ndarray:
    """Per-class thresholds ``t_j`` = mean predicted probability of class ``j`` among items labelled ``j``."""
    p, y = _validate(probabilities, labels, classes)
    k = p.shape[1]
    counts = np.bincount(y, minlength=k)
    sums = np.bincount(y, weights=p[np.arange(len(y)), y], minlength=k) if len(y) else np.zeros(k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / counts, np.nan)


def _confident_class(p: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    above = p >= np.nan_to_num(thresholds, nan=np.inf)[None, :] - _TOL
    masked = np.where(above, p, -np.inf)
    best = np.argmax(masked, axis=1)
    return np.where(above.any(axis=1), best, -1)


def confident_joint(probabilities, labels, *, classes: Sequence | None = None, calibrate: bool = False) -> np.ndarray:
    """The confident joint ``C`` (rows: given label, columns: confident class), or with ``calibrate=True``
    the calibrated joint ``Q`` (sums to 1)."""
    p, y = _validate(probabilities, labels, classes)
    k = p.shape[1]
    conf = _confident_class(p, class_thresholds(p, y))
    ok = conf >= 0
    joint = np.zeros((k, k))
    np.add.at(joint, (y[ok], conf[ok]), 1)
    if not calibrate:
        return joint.astype(int)
    given = np.bincount(y, minlength=k)
    rows = joint.sum(axis=1, keepdims=True)
    cal = np.divide(joint, rows, out=np.zeros_like(joint), where=rows > 0) * given[:, None]
    total = cal.sum()
    return cal / total if total > 0 else cal


def find_label_errors(
    probabilities,
    labels,
    *,
    filter_by: str = "prune_by_noise_rate",
    rank_by: str = "self_confidence",
    classes: Sequence | None = None,
    items: Sequence | None = None,
) -> pd.DataFrame:
    """Ranked likely label errors: DataFrame with ``item``, ``given_label``, ``suggested_label``, ``score``,
    ``p_given``, ``p_suggested`` (most likely error first).  ``item`` is the row position, or ``items[row]``;
    labels are class values when ``classes`` is given."""
    p, y = _validate(probabilities, labels, classes)
    n, k = p.shape
    rows = np.arange(n)
    thresholds = class_thresholds(p, y)
    conf = _confident_class(p, thresholds)
    cj_mask = (conf >= 0) & (conf != y)
    if filter_by in ("prune_by_noise_rate", "both"):
        q = confident_joint(p, y, calibrate=True)
        nr_mask = np.zeros(n, dtype=bool)
        for i in range(k):
            members = np.flatnonzero(y == i)
            for j in range(k):
                num = int(np.rint(n * q[i, j]))
                if i == j or num == 0 or len(members) == 0:
                    continue
                margin = p[members, j] - p[members, i]
                nr_mask[members[np.argsort(-margin, kind="stable")[:num]]] = True
        mask = nr_mask if filter_by == "prune_by_noise_rate" else nr_mask & cj_mask
    elif filter_by == "confident_joint":
        mask = cj_mask
    else:
        raise ValueError("filter_by must be 'prune_by_noise_rate', 'confident_joint' or 'both'")
    if n:
        mask &= p.argmax(axis=1) != y
    others = np.where(np.eye(k, dtype=bool)[y], -np.inf, p)
    best_other = others.argmax(axis=1) if k > 1 else np.zeros(n, dtype=int)
    suggested = np.where(cj_mask, conf, best_other)
    p_given = p[rows, y]
    if rank_by == "self_confidence":
        score = p_given
    elif rank_by == "normalized_margin":
        score = p_given - (others.max(axis=1) if k > 1 else 0.0)
    else:
        raise ValueError("rank_by must be 'self_confidence' or 'normalized_margin'")
    idx = np.flatnonzero(mask)
    idx = idx[np.argsort(score[idx], kind="stable")]
    names = np.asarray(classes, dtype=object) if classes is not None else None
    item_ids = np.asarray(items, dtype=object)[idx] if items is not None else idx
    return pd.DataFrame({
        "item": item_ids,
        "given_label": names[y[idx]] if names is not None else y[idx],
        "suggested_label": names[suggested[idx]] if names is not None else suggested[idx],
        "score": score[idx],
        "p_given": p_given[idx],
        "p_suggested": p[idx, suggested[idx]],
    })


__all__ = ["class_thresholds", "confident_joint", "find_label_errors"]
