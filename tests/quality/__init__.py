"""Tests of ``tutorloop.quality``; below, the helpers the aggregation tests share for the real crowd datasets."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

CROWD = Path(__file__).resolve().parents[2] / "data" / "crowd"
DATASETS = ("product", "possent", "relevance", "dog", "face", "temp", "rte", "bluebirds")


@cache
def load_crowd(name: str) -> tuple[pd.DataFrame, pd.Series]:
    """The labels (item, worker, label) and the gold labels (a Series indexed by item) of one dataset."""
    labels = pd.read_csv(CROWD / name / "labels.csv")
    gold = pd.read_csv(CROWD / name / "gold.csv").set_index("item")["label"]
    return labels, gold


@cache
def crowd_accuracy(method: str, name: str) -> float:
    """Share of the gold items that ``aggregate(method=...)`` labels correctly (computed once per test run)."""
    from tutorloop.quality import aggregate

    labels, gold = load_crowd(name)
    predicted = aggregate(labels, method=method).labels_["label"].reindex(gold.index)
    return float((predicted == gold).mean())
