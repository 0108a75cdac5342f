"""Turn ``(item, worker, label)`` triples and optional gold labels into the integer codes the engines use.

Every aggregation engine works on three parallel ``int64`` arrays (one entry per label: the item's code, the
worker's code, the class's code) and never sees the original values. This module validates the input, makes
those codes, keeps the last of duplicate ``(item, worker)`` pairs, and maps gold labels onto the same codes.

Codes follow the sorted order of the values (classes always; items and workers when their values can be
compared with each other, else the order of first appearance), so results do not depend on input row order
except through "keep the last duplicate".

Example:
    >>> import numpy as np
    >>> enc = encode(labels=(np.array(["b", "a", "a"]), np.array([1, 1, 2]), np.array(["x", "y", "y"])),
    ...              gold={"a": "z"})
    >>> enc.classes, enc.items.tolist(), enc.label.tolist(), enc.gold_label.tolist()
    (['x', 'y', 'z'], ['a', 'b'], [1, 1, 0], [2])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

COLUMNS = ("item", "worker", "label")


@dataclass(frozen=True)
class Encoded:
    """Labels as integer codes: ``item[r]``, ``worker[r]``, ``label[r]`` describe the r-th label."""

    items: np.ndarray  # original item values; position = item code
    workers: np.ndarray  # original worker values; position = worker code
    classes: list[Any]  # class values, sorted; position = class code
    item: np.ndarray
    worker: np.ndarray
    label: np.ndarray
    gold_item: np.ndarray  # item codes that have a gold label
    gold_label: np.ndarray  # their class codes

    @property
    def n_items(self) -> int:
        """Number of distinct items."""
        return len(self.items)

    @property
    def n_workers(self) -> int:
        """Number of distinct workers."""
        return len(self.workers)

    @property
    def n_classes(self) -> int:
        """Number of classes (worker labels and gold labels together)."""
        return len(self.classes)

    @property
    def n_labels(self) -> int:
        """Number of labels after removing duplicate (item, worker) pairs."""
        return len(self.label)


def _as_columns(labels: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The three input columns as 1-D numpy arrays, or ValueError saying what is wrong with them."""
    if isinstance(labels, pd.DataFrame):
        missing = [c for c in COLUMNS if c not in labels.columns]
        if missing:
            raise ValueError(f"labels is missing column(s) {missing}; it needs columns {list(COLUMNS)}")
        return tuple(labels[c].to_numpy() for c in COLUMNS)  # type: ignore[return-value]
    if isinstance(labels, (tuple, list)) and len(labels) == 3:
        arrays = tuple(np.asarray(a) for a in labels)
        for name, a in zip(COLUMNS, arrays):
            if a.ndim != 1:
                raise ValueError(f"labels: the {name} array must be 1-D, got shape {a.shape}")
        lengths = {name: len(a) for name, a in zip(COLUMNS, arrays)}
        if len(set(lengths.values())) != 1:
            raise ValueError(f"labels: the (items, workers, labels) arrays differ in length: {lengths}")
        return arrays  # type: ignore[return-value]
    raise ValueError("labels must be a DataFrame with columns item, worker, label "
                     "or a tuple of three equal-length arrays (items, workers, labels)")


def _check_present(values: np.ndarray, what: str) -> None:
    missing = pd.isna(values)
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        raise ValueError(f"{what}: {int(missing.sum())} value(s) are missing (NaN/None), the first at row {first}")


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and unique values, sorted when the values can be compared, else in order of first appearance."""
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:  # mixed types that do not compare (e.g. str and int)
        codes, uniques = pd.factorize(values, sort=False)
    return codes.astype(np.int64, copy=False), np.asarray(uniques)


def _gold_columns(gold: Any) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(gold, pd.DataFrame):
        missing = [c for c in ("item", "label") if c not in gold.columns]
        if missing:
            raise ValueError(f"gold is missing column(s) {missing}; it needs columns ['item', 'label']")
        items, values = gold["item"].to_numpy(), gold["label"].to_numpy()
    elif isinstance(gold, pd.Series):
        items, values = gold.index.to_numpy(), gold.to_numpy()
    elif isinstance(gold, Mapping):
        # Series infers one dtype (int64, float64) where the values share it and keeps object for a mix.
        items, values = pd.Series(list(gold.keys())).to_numpy(), pd.Series(list(gold.values())).to_numpy()
    else:
        # ValueError, not TypeError: the API promises ValueError for every kind of bad input.
        raise ValueError(  # noqa: TRY004
            "gold must be a mapping item -> label, a Series, or a DataFrame with columns item, label")
    _check_present(items, "gold items")
    _check_present(values, "gold labels")
    return items, values


def encode(*, labels: Any, gold: Any = None) -> Encoded:
    """Validate labels (and gold) and return them as integer codes; see the module docstring."""
    items_raw, workers_raw, labels_raw = _as_columns(labels)
    for name, values in zip(COLUMNS, (items_raw, workers_raw, labels_raw)):
        _check_present(values, f"labels column {name!r}")
    item, items = _factorize(items_raw)
    worker, workers = _factorize(workers_raw)

    # Keep the last label of each (item, worker) pair. A stable sort of one int64 key puts equal pairs next to
    # each other in input order, so the last of each run is the one to keep; the labels come out ordered by
    # (item, worker), which also makes the engines' scatter-adds walk memory in order.
    key = item * max(len(workers), 1) + worker
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = sorted_key[1:] != sorted_key[:-1]
    keep = order[last]
    item, worker, labels_raw = item[keep], worker[keep], labels_raw[keep]

    gold_item = np.empty(0, dtype=np.int64)
    gold_values = labels_raw[:0]
    if gold is not None:
        gold_items_raw, gold_values = _gold_columns(gold)
        gold_item = pd.Index(items).get_indexer(gold_items_raw).astype(np.int64)
        # Gold for an item nobody labelled carries no information about workers: it is ignored.
        known = gold_item >= 0
        gold_item, gold_values = gold_item[known], gold_values[known]
        last = ~pd.Index(gold_item).duplicated(keep="last")
        gold_item, gold_values = gold_item[last], gold_values[last]

    # Classes come from worker labels and gold labels together, so a gold-only class still gets a code.
    both = np.concatenate([labels_raw, gold_values]) if len(gold_values) else labels_raw
    all_codes, classes = _factorize(both)
    label, gold_label = all_codes[: len(labels_raw)], all_codes[len(labels_raw):]
    return Encoded(items=items, workers=workers, classes=classes.tolist(), item=item, worker=worker,
                   label=label, gold_item=gold_item, gold_label=gold_label)


def one_hot_gold(posteriors: np.ndarray, enc: Encoded) -> np.ndarray:
    """Clamp the gold items' rows of ``posteriors`` (in place) to their known class and return it."""
    if len(enc.gold_item):
        posteriors[enc.gold_item] = 0.0
        posteriors[enc.gold_item, enc.gold_label] = 1.0
    return posteriors
