"""Quality engines: turn several people's labels into consensus, posteriors and per-person skills.

Categorical aggregation has one entry point::

    res = aggregate(labels, method="auto", gold=None, seed=0, **options)

with ``method`` one of :data:`METHODS` (``majority``, ``wawa``, ``dawid_skene``, ``one_coin``, ``glad``,
``mace``, ``auto``: one module each under :mod:`tutorloop.quality.categorical`, whose docstring gives the
model, the paper and the options). ``res`` is an :class:`AggregationResult`: ``labels_`` (label and
confidence per item), ``posteriors_`` (items x classes), ``skills_`` (per worker: expected ``accuracy``,
``n_labels`` and method-specific columns), ``confusions_``, ``iterations_``, ``converged_``.

    >>> from tutorloop.quality import aggregate
    >>> res = aggregate((["q1", "q1", "q2"], ["ann", "bob", "ann"], ["yes", "yes", "no"]), method="majority")
    >>> res.labels_["label"].to_dict()
    {'q1': 'yes', 'q2': 'no'}
"""

from tutorloop.quality.categorical import METHODS, aggregate
from tutorloop.quality.result import AggregationResult

__all__ = ["METHODS", "AggregationResult", "aggregate"]
