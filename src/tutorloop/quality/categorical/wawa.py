"""Wawa ("worker agreement with aggregate"): a majority vote weighted by how often each worker agrees with it.

Two passes, no iteration:

1. Plain majority vote gives a label ``m_i`` per item (the gold label where one is known).
2. Each worker's weight is their agreement rate with it,

       w_j = (1 / n_j) * sum over worker j's labels (i, l) of [l = m_i],

   and the posterior is the weighted vote share ``P(z_i = k) ∝ sum_{j labelled i with k} w_j``.
   (An item whose workers all have weight 0, possible only on a gold item, keeps its plain vote shares
   rather than 0/0; gold rows are then clamped to the gold label anyway.)

Exact ties go to the lowest class index. Reference: the "Wawa" baseline of Appen/Figure Eight as described
in Ustalov et al., "Learning from Crowds with Crowd-Kit", JOSS 2024 (arXiv:2109.08584).

Example:
    >>> from tutorloop.quality import aggregate
    >>> labels = (["a", "a", "a", "b", "b", "b", "c", "c"],
    ...           ["good1", "good2", "noisy", "good1", "good2", "noisy", "good1", "noisy"],
    ...           [1, 1, 0, 0, 0, 1, 1, 0])
    >>> res = aggregate(labels, method="wawa")
    >>> res.skills_["weight"].round(2).to_dict()
    {'good1': 0.67, 'good2': 1.0, 'noisy': 0.33}
    >>> int(res.labels_.loc["c", "label"])
    1

On item ``c`` the plain vote is a 1-1 tie (broken towards class 0, so ``good1`` seems to disagree there);
the weighted vote still follows ``good1``, who agrees with the majority more often than ``noisy``.
"""

from __future__ import annotations

import numpy as np

from tutorloop.quality._em import vote_counts, vote_shares
from tutorloop.quality._encode import Encoded, one_hot_gold
from tutorloop.quality.result import AggregationResult, build_result


def wawa(enc: Encoded) -> AggregationResult:
    """Aggregate encoded labels by a majority vote weighted with each worker's agreement with majority vote."""
    plain = one_hot_gold(vote_shares(enc), enc)
    # argmax takes the first maximum: plain-vote ties go to the lowest class index, as in majority().
    consensus = np.argmax(plain, axis=1)
    agrees = (enc.label == consensus[enc.item]).astype(np.float64)
    n_labels = np.bincount(enc.worker, minlength=enc.n_workers)
    weight = np.bincount(enc.worker, weights=agrees, minlength=enc.n_workers) / np.maximum(n_labels, 1)

    weighted = vote_counts(enc, weights=weight[enc.worker])
    totals = weighted.sum(axis=1, keepdims=True)
    unweighted = totals[:, 0] <= 0
    weighted[unweighted] = plain[unweighted]
    totals[unweighted] = 1.0
    return build_result(method="wawa", enc=enc, posteriors=weighted / totals, skills={"weight": weight})
