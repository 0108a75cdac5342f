"""One-coin Dawid-Skene: one accuracy per worker, errors spread evenly; floors on real data."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

from tutorloop.quality import aggregate
from tutorloop.quality._encode import encode

from . import crowd_accuracy
from .test_dawid_skene import spammer_crowd

module = importlib.import_module("tutorloop.quality.categorical.one_coin")


def test_docstring_example_runs():
    assert doctest.testmod(module).failed == 0


def test_coins_separate_careful_workers_from_spammers():
    labels, truth = spammer_crowd(seed=5)
    res = aggregate(labels, method="one_coin")
    coins = res.skills_["coin"]
    assert coins[["good1", "good2"]].min() > 0.8
    assert coins[["spam1", "spam2", "spam3"]].max() < 0.5
    assert (res.labels_["label"].to_numpy() == truth).mean() >= 0.9


def test_confusions_have_one_coin_structure():
    labels, _ = spammer_crowd(seed=6)
    res = aggregate(labels, method="one_coin")
    for coin, matrix in zip(res.skills_["coin"], res.confusions_):
        np.testing.assert_allclose(np.diag(matrix), coin)
        off = matrix[~np.eye(3, dtype=bool)]
        np.testing.assert_allclose(off, (1 - coin) / 2)


def test_gold_anchors_the_coins():
    # Two workers who always disagree: gold decides which one is the careful one.
    items = [f"i{n}" for n in range(6) for _ in range(2)]
    labels = [c for n in range(6) for c in (("x", "y") if n % 2 else ("y", "x"))]
    res = aggregate((items, ["w1", "w2"] * 6, labels), method="one_coin",
                    gold={f"i{n}": ("y" if n % 2 else "x") for n in range(4)})
    assert res.skills_.loc["w2", "coin"] > 0.6 > res.skills_.loc["w1", "coin"]
    assert res.labels_.loc[["i4", "i5"], "label"].tolist() == ["x", "y"]


def test_fitted_class_prior_option_runs():
    labels, truth = spammer_crowd(seed=7)
    res = module.one_coin(encode(labels=labels), fit_class_prior=True)
    assert (res.labels_["label"].to_numpy() == truth).mean() >= 0.85


@pytest.mark.parametrize(("name", "floor"), [("product", 0.92), ("possent", 0.945), ("dog", 0.825),
                                             ("rte", 0.92), ("temp", 0.93)])
def test_accuracy_on_real_data(name, floor):
    assert crowd_accuracy("one_coin", name) >= floor
