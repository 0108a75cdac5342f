"""Majority vote: each item gets the class most of its workers chose.

Model (no parameters to fit): the posterior of class k for item i is its share of the votes,

    P(z_i = k) = n_ik / sum_c n_ic,        n_ik = number of workers who gave item i the label k,

and the consensus label is ``argmax_k n_ik`` with exact ties going to the lowest class index (the first class
in sorted order). Items with a gold label are reported with that label (posterior 1). Worker ``accuracy`` is
the expected share of a worker's labels that agree with these posteriors (see :mod:`tutorloop.quality.result`).

Reference: the baseline in every crowd-labelling study, e.g. Sheng, Provost & Ipeirotis, "Get another label?
Improving data quality and data mining using multiple, noisy labelers", KDD 2008.

Example:
    >>> from tutorloop.quality import aggregate
    >>> labels = (["q1", "q1", "q1", "q2", "q2"], ["ann", "bob", "cat", "ann", "bob"],
    ...           ["cat", "cat", "dog", "dog", "cat"])
    >>> res = aggregate(labels, method="majority")
    >>> res.labels_["label"].tolist(), res.labels_["confidence"].round(3).tolist()
    (['cat', 'cat'], [0.667, 0.5])

The tie on ``q2`` (one "cat", one "dog") goes to "cat", the first class in sorted order.
"""

from __future__ import annotations

from tutorloop.quality._em import vote_shares
from tutorloop.quality._encode import Encoded
from tutorloop.quality.result import AggregationResult, build_result


def majority(enc: Encoded) -> AggregationResult:
    """Aggregate encoded labels by (unweighted) majority vote."""
    return build_result(method="majority", enc=enc, posteriors=vote_shares(enc))
