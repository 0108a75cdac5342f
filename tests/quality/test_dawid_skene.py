"""Dawid-Skene: spammers lose their say, gold anchors confusions, accuracy on real data beats majority."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest

from tutorloop.quality import aggregate
from tutorloop.quality._encode import encode

from . import DATASETS, crowd_accuracy, load_crowd

module = importlib.import_module("tutorloop.quality.categorical.dawid_skene")


def test_docstring_example_runs():
    assert doctest.testmod(module).failed == 0


def spammer_crowd(seed: int = 0, n_items: int = 300):
    """Two careful workers (90 % right) and three spammers (uniformly random) label every item."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n_items)
    rows = []
    for worker, accuracy in [("good1", 0.9), ("good2", 0.9), ("spam1", 0.0), ("spam2", 0.0), ("spam3", 0.0)]:
        right = rng.random(n_items) < accuracy
        label = np.where(right, truth, rng.integers(0, 3, n_items))
        rows.append(pd.DataFrame({"item": np.arange(n_items), "worker": worker, "label": label}))
    return pd.concat(rows), truth


def test_spammers_are_down_weighted():
    labels, truth = spammer_crowd()
    majority = aggregate(labels, method="majority").labels_["label"].to_numpy()
    res = aggregate(labels, method="dawid_skene")
    ds = res.labels_["label"].to_numpy()
    assert (ds == truth).mean() >= (majority == truth).mean() + 0.1
    assert (ds == truth).mean() >= 0.9
    skills = res.skills_["accuracy"]
    assert skills[["spam1", "spam2", "spam3"]].max() < skills[["good1", "good2"]].min() - 0.4
    # A spammer's confusion rows are near uniform; a careful worker's are near the identity.
    confusions = dict(zip(res.skills_.index, res.confusions_))
    assert np.abs(confusions["spam1"] - 1 / 3).max() < 0.25  # ~100 items per row: sampling noise
    assert np.diag(confusions["good1"]).min() > 0.8


def test_gold_clamping_flips_an_item():
    # w2 always gives the opposite of w1: without gold the two stories are equally likely.
    items = [f"i{n}" for n in range(6) for _ in range(2)]
    workers = ["w1", "w2"] * 6
    labels = [c for n in range(6) for c in (("x", "y") if n % 2 else ("y", "x"))]
    free = aggregate((items, workers, labels), method="dawid_skene")
    gold = {f"i{n}": ("y" if n % 2 else "x") for n in range(5)}  # w2 is right on every gold item
    anchored = aggregate((items, workers, labels), method="dawid_skene", gold=gold)
    assert free.labels_.loc["i5", "label"] == "x"  # follows w1 (tie-break / symmetric start)
    assert anchored.labels_.loc["i5", "label"] == "y"  # follows w2, whom gold showed to be right
    assert anchored.labels_.loc["i5", "confidence"] > 0.9
    assert anchored.skills_.loc["w2", "accuracy"] > anchored.skills_.loc["w1", "accuracy"]


def test_biased_worker_is_corrected_not_ignored():
    # "lazy" answers x whenever the truth is y half the time but is always right on x.
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 2, 400)
    lazy = np.where((truth == 1) & (rng.random(400) < 0.5), 0, truth)
    others = [np.where(rng.random(400) < 0.75, truth, 1 - truth) for _ in range(2)]
    frame = pd.concat([pd.DataFrame({"item": np.arange(400), "worker": name, "label": lab})
                       for name, lab in [("lazy", lazy), ("o1", others[0]), ("o2", others[1])]])
    res = aggregate(frame, method="dawid_skene")
    lazy_matrix = res.confusions_[list(res.skills_.index).index("lazy")]
    assert lazy_matrix[0, 0] > 0.95  # true x -> says x
    assert 0.35 < lazy_matrix[1, 0] < 0.65  # true y -> says x about half the time
    # When lazy says y it is always right, so two dissenters cannot outvote it.
    assert (res.labels_["label"].to_numpy()[lazy == 1] == 1).all()


def test_converges_and_is_deterministic():
    labels, _ = spammer_crowd(seed=2)
    first = aggregate(labels, method="dawid_skene")
    second = aggregate(labels, method="dawid_skene")
    assert first.converged_ and first.iterations_ < 100
    pd.testing.assert_frame_equal(first.posteriors_, second.posteriors_)


def test_more_iterations_never_lower_the_objective():
    labels, _ = spammer_crowd(seed=3)
    objectives = [aggregate(labels, method="dawid_skene", max_iter=n, tol=0).log_likelihood_ for n in (1, 2, 5, 20)]
    assert objectives == sorted(objectives)


def test_pool_strength_options():
    labels, _ = spammer_crowd(seed=4)
    enc = encode(labels=labels)
    fitted = module.dawid_skene(enc, pool_strength=None)
    assert len(fitted.details["pool_strength"]) == 3 and min(fitted.details["pool_strength"]) > 0
    fixed = module.dawid_skene(enc, pool_strength=5.0)
    assert fixed.details["pool_strength"] == [5.0, 5.0, 5.0]
    with pytest.raises(ValueError, match="smoothing"):
        module.dawid_skene(enc, smoothing=0.0)


@pytest.mark.parametrize("name", DATASETS)
def test_at_least_majority_on_real_data(name):
    assert crowd_accuracy("dawid_skene", name) >= crowd_accuracy("majority", name) - 0.01


@pytest.mark.parametrize(("name", "floor"), [("product", 0.935), ("possent", 0.955), ("relevance", 0.605)])
def test_published_accuracy_on_real_data(name, floor):
    # crowd-kit's JOSS paper: Dawid-Skene .940 / .960 / .615
    assert crowd_accuracy("dawid_skene", name) >= floor


def test_gold_on_half_the_items_helps_the_other_half():
    labels, gold = load_crowd("face")
    known = gold.iloc[::2]
    unknown = gold.index.difference(known.index)
    free = aggregate(labels, method="dawid_skene").labels_["label"].reindex(unknown)
    anchored = aggregate(labels, method="dawid_skene", gold=known).labels_["label"].reindex(unknown)
    assert (anchored == gold[unknown]).mean() >= (free == gold[unknown]).mean()
