"""Shared numerics of the categorical aggregation engines: vote counts, log-space normalisation, stopping rule.

All functions are O(number of labels) or O(items x classes): they scatter per-label numbers into per-item rows
with ``np.bincount`` on the flat index ``item * K + class`` and never build an items x workers matrix.

Example:
    >>> import numpy as np
    >>> post, norm = normalise_log(np.log(np.array([[1.0, 3.0], [2.0, 2.0]])))  # sums 4 and 4
    >>> post.tolist(), np.allclose(norm, np.log(4.0))
    ([[0.25, 0.75], [0.5, 0.5]], True)
"""

from __future__ import annotations

import numpy as np

from tutorloop.quality._encode import Encoded, one_hot_gold


def vote_counts(enc: Encoded, *, weights: np.ndarray | None = None) -> np.ndarray:
    """``counts[i, k]``: the (weighted) number of labels ``k`` that item ``i`` received."""
    flat = np.bincount(enc.item * enc.n_classes + enc.label, weights=weights,
                       minlength=enc.n_items * enc.n_classes)
    return flat.reshape(enc.n_items, enc.n_classes).astype(np.float64, copy=False)


def vote_shares(enc: Encoded, *, weights: np.ndarray | None = None) -> np.ndarray:
    """Rows of :func:`vote_counts` divided by their sums (a row with no weight left becomes uniform)."""
    counts = vote_counts(enc, weights=weights)
    totals = counts.sum(axis=1, keepdims=True)
    empty = totals[:, 0] <= 0
    if empty.any():
        counts[empty] = 1.0
        totals[empty] = enc.n_classes
    return counts / totals


def initial_posteriors(enc: Encoded) -> np.ndarray:
    """Majority-vote shares with gold rows clamped: the start of every EM method here."""
    return one_hot_gold(vote_shares(enc), enc)


def normalise_log(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-normalise unnormalised log-probabilities in place; return the posteriors and each row's log-normaliser.

    This is ``logsumexp`` done by hand: shift each row so its max is 0, exponentiate, divide by the row sum.
    After the shift every row holds a 1, so an item whose logits are all hugely negative (hundreds of labels)
    neither underflows to 0/0 nor loses its winning class. The in-place form matters at scale:
    ``scipy.special.logsumexp`` (1.17) plus a second ``exp`` took ~3 s per E-step on a 1M x 10 array, this
    takes ~0.2 s. ``logits`` is overwritten (it becomes the posteriors).
    """
    if logits.shape[1] == 0:
        return logits, np.zeros(len(logits))
    row_max = row_maxima(logits)
    logits -= row_max[:, None]
    np.exp(logits, out=logits)
    row_sum = logits @ np.ones(logits.shape[1])  # a mat-vec: ~5x faster than .sum(axis=1) on narrow rows
    logits /= row_sum[:, None]
    return logits, row_max + np.log(row_sum)


def row_maxima(matrix: np.ndarray) -> np.ndarray:
    """``matrix.max(axis=1)`` as one vectorised pass per column: ~10x faster for the few columns (classes)
    seen here, since numpy's reduction along a short last axis pays a per-row overhead."""
    best = matrix[:, 0].copy()
    for column in range(1, matrix.shape[1]):
        np.maximum(best, matrix[:, column], out=best)
    return best


def e_step(enc: Encoded, logits: np.ndarray) -> tuple[np.ndarray, float]:
    """Posteriors from logits (gold rows clamped) and the log evidence, consuming ``logits``.

    The log evidence is ``sum_i log P(labels of i)``, except that for a gold item it is
    ``log P(labels of i, z_i = gold)``: its class is observed, not summed over.
    """
    gold_logits = logits[enc.gold_item, enc.gold_label]  # read before normalise_log overwrites them
    posteriors, norm = normalise_log(logits)
    evidence = float(norm.sum())
    if len(enc.gold_item):
        evidence += float((gold_logits - norm[enc.gold_item]).sum())
    return one_hot_gold(posteriors, enc), evidence


def item_logits(enc: Encoded, *, log_prior: np.ndarray, base: np.ndarray, bonus: np.ndarray) -> np.ndarray:
    """Logits of "one number if the label is right, another if wrong" models (one-coin, GLAD, MACE).

    Label r adds ``base[r]`` to every class of its item and ``bonus[r]`` more to the class it names::

        logit[i, k] = log_prior[k] + sum_{r in i} base[r] + sum_{r in i, l_r = k} bonus[r]

    The ``base`` part is constant across classes, so it only matters for the log-likelihood.
    """
    logits = vote_counts(enc, weights=bonus)
    logits += np.bincount(enc.item, weights=base, minlength=enc.n_items)[:, None]
    logits += log_prior[None, :]
    return logits


def class_prior(posteriors: np.ndarray, *, pseudo_count: float) -> np.ndarray:
    """MAP class frequencies: ``(sum_i T_ik + a) / (n + K a)``, never exactly 0 so its log stays finite."""
    counts = posteriors.sum(axis=0) + pseudo_count
    return counts / counts.sum()


def has_converged(previous: float, current: float, *, tol: float, n_labels: int) -> bool:
    """Stop when the objective moves by less than ``tol`` nats per label (scale-free across dataset sizes)."""
    return abs(current - previous) <= tol * max(n_labels, 1)
