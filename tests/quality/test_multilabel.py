"""Multi-label aggregation: per-tag binary Dawid–Skene, one-coin and majority."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from tutorloop.quality import multilabel
from tutorloop.quality.multilabel import aggregate_multilabel

TAGS = [f"t{k}" for k in range(5)]


def simulate(*, seed, n_items=400, n_workers=15, per_item=5):
    rng = np.random.default_rng(seed)
    truth = rng.random((n_items, len(TAGS))) < 0.3
    sens, spec = rng.uniform(0.6, 0.95, n_workers), rng.uniform(0.75, 0.99, n_workers)
    sens[:4], spec[:4] = 0.3, 0.6  # careless workers: miss most tags, add wrong ones
    rows = []
    for i in range(n_items):
        for w in rng.choice(n_workers, per_item, replace=False):
            u = rng.random(len(TAGS))
            said = np.where(truth[i], u < sens[w], u > spec[w])
            rows.append((i, f"w{w:02d}", [t for t, s in zip(TAGS, said) if s]))
    return pd.DataFrame(rows, columns=["item", "worker", "labels"]), truth, sens, spec


def _accuracy(fit, truth):
    return float(((fit.probabilities_[TAGS].to_numpy() >= 0.5) == truth).mean())


def test_dawid_skene_beats_majority_and_recovers_skills():
    df, truth, sens, spec = simulate(seed=0)
    maj = aggregate_multilabel(df, method="majority")
    ds = aggregate_multilabel(df, method="dawid_skene")
    one = aggregate_multilabel(df, method="one_coin", share_skill=True)
    assert ds.converged_
    assert _accuracy(ds, truth) > _accuracy(maj, truth) + 0.03
    assert _accuracy(one, truth) >= _accuracy(maj, truth) - 0.01
    skill = ds.skills_.groupby(level="worker")[["sensitivity", "specificity"]].mean()
    assert np.corrcoef(skill["sensitivity"], sens)[0, 1] > 0.8
    assert np.corrcoef(skill["specificity"], spec)[0, 1] > 0.8
    assert ds.priors_.to_numpy() == pytest.approx(truth.mean(axis=0), abs=0.05)
    chosen = ds.labels_["labels"]
    assert chosen.loc[0] == tuple(t for t, p in zip(TAGS, ds.probabilities_.loc[0]) if p >= 0.5)


def test_classes_include_unseen_tags_and_empty_answers():
    df = pd.DataFrame({"item": ["x", "x", "y"], "worker": ["a", "b", "a"],
                       "labels": [["red"], ["red", "blue"], None]})
    fit = aggregate_multilabel(df, classes=["red", "blue", "green"], method="majority")
    assert list(fit.probabilities_.columns) == ["red", "blue", "green"]
    assert fit.probabilities_.loc["x"].tolist() == [1.0, 0.5, 0.0]
    assert fit.labels_.loc["y", "labels"] == ()
    assert fit.labels_.loc["x", "n_labels"] == 2
    with pytest.raises(ValueError):
        aggregate_multilabel(df, classes=["red"])


def test_delimited_strings():
    df = pd.DataFrame({"item": [1, 1, 1], "worker": ["a", "b", "c"], "labels": ["price|delivery", "price", ""]})
    fit = aggregate_multilabel(df, sep="|", method="majority")
    assert fit.labels_.loc[1, "labels"] == ("price",)
    assert fit.probabilities_.loc[1, "delivery"] == pytest.approx(1 / 3)


def test_one_worker_and_single_item():
    df = pd.DataFrame({"item": [1, 2], "worker": ["solo", "solo"], "labels": [["a"], ["b"]]})
    for method in ("dawid_skene", "one_coin", "majority"):
        fit = aggregate_multilabel(df, method=method)
        assert fit.labels_["labels"].to_dict() == {1: ("a",), 2: ("b",)}
    single = aggregate_multilabel(df.iloc[:1])
    assert single.labels_["labels"].tolist() == [("a",)]


def test_invalid_and_empty():
    with pytest.raises(ValueError):
        aggregate_multilabel(pd.DataFrame(columns=["item", "worker", "labels"]))
    df = pd.DataFrame({"item": [1], "worker": ["a"], "labels": [["x"]]})
    with pytest.raises(ValueError):
        aggregate_multilabel(df, method="glad")


def test_aggregate_backend_matches_contract():
    quality = pytest.importorskip("tutorloop.quality")
    if not hasattr(quality, "aggregate"):
        pytest.skip("tutorloop.quality.aggregate not available yet")
    df, truth, _, _ = simulate(seed=1, n_items=150)
    fit = aggregate_multilabel(df, backend="aggregate", method="dawid_skene")
    probs = fit.probabilities_[TAGS].to_numpy()
    assert np.all((probs >= 0) & (probs <= 1))
    assert _accuracy(fit, truth) > _accuracy(aggregate_multilabel(df, method="majority"), truth) - 0.02


def test_docstring_examples_run():
    assert doctest.testmod(multilabel).failed == 0
