"""Categorical label aggregation: one entry point, :func:`aggregate`, over every method in :data:`METHODS`."""

from __future__ import annotations

from typing import Any

from tutorloop.quality._em import vote_shares
from tutorloop.quality._encode import Encoded, encode

# Import the modules, not their functions, so that e.g. ``categorical.dawid_skene`` stays the module.
from tutorloop.quality.categorical import auto, dawid_skene, glad, mace, majority, one_coin, wawa
from tutorloop.quality.result import AggregationResult, build_result

METHODS = ("majority", "wawa", "dawid_skene", "one_coin", "glad", "mace", "auto")

_ENGINES = {"majority": majority.majority, "wawa": wawa.wawa, "dawid_skene": dawid_skene.dawid_skene,
            "one_coin": one_coin.one_coin, "glad": glad.glad, "mace": mace.mace, "auto": auto.auto}


def aggregate(labels: Any, method: str = "auto", gold: Any = None, seed: int = 0,
              **options: Any) -> AggregationResult:
    """Infer each item's true class from several workers' labels with ``method``.

    ``labels``: a DataFrame with columns ``item, worker, label`` or a tuple ``(items, workers, labels)`` of
    equal-length arrays; values may be any hashable; for a repeated (item, worker) pair the last row counts.
    ``gold``: optional known labels (mapping item -> label, Series, or DataFrame ``item, label``); their
    posteriors are clamped during EM and in the result, which anchors worker skills; a gold label no worker
    gave becomes a class. ``seed`` drives the only random choice (MACE's optional restarts); every method is
    deterministic for a given seed. ``options`` go to the method's function in
    ``tutorloop.quality.categorical.<method>`` (e.g. ``max_iter``, ``tol``). Empty input gives an empty
    result; bad input raises ``ValueError`` saying what is wrong.
    """
    if method not in METHODS:
        raise ValueError(f"unknown aggregation method {method!r}; choose one of {METHODS}")
    if options.get("max_iter", 1) < 1:
        raise ValueError(f"max_iter must be at least 1, got {options['max_iter']}")
    enc = encode(labels=labels, gold=gold)
    if enc.n_labels == 0 or enc.n_classes <= 1:
        return _trivial(enc, method=method)
    engine = _ENGINES[method]
    if method in ("glad", "mace", "auto"):
        options["seed"] = seed
    return engine(enc, **options)


def _trivial(enc: Encoded, *, method: str) -> AggregationResult:
    """No labels, or a single class: nothing to infer, every posterior is that class (or there are no items)."""
    why = "no labels" if enc.n_labels == 0 else "one class"
    return build_result(method=method, enc=enc, posteriors=vote_shares(enc), details={"trivial": why})
