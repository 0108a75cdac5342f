"""Majority vote: vote shares, deterministic ties, gold, and its published accuracy on real data."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

from tutorloop.quality import aggregate

from . import DATASETS, crowd_accuracy

module = importlib.import_module("tutorloop.quality.categorical.majority")


def test_docstring_example_runs():
    assert doctest.testmod(module).failed == 0


def test_posteriors_are_vote_shares():
    res = aggregate((["a"] * 4, ["u", "v", "w", "x"], ["p", "q", "q", "r"]), method="majority")
    np.testing.assert_allclose(res.posteriors_.loc["a"].to_numpy(), [0.25, 0.5, 0.25])
    assert res.labels_.loc["a", "label"] == "q"


def test_three_way_tie_goes_to_the_first_class():
    res = aggregate((["a"] * 3, ["u", "v", "w"], [3, 1, 2]), method="majority")
    assert res.labels_.loc["a", "label"] == 1


def test_gold_overrides_the_vote_and_anchors_skills():
    labels = (["a", "a", "a", "b", "b"], ["u", "v", "w", "u", "v"], ["x", "x", "y", "y", "y"])
    res = aggregate(labels, method="majority", gold={"a": "y"})
    assert res.labels_.loc["a", "label"] == "y"
    assert res.skills_.loc["w", "accuracy"] == 1.0  # w was the only one right on the gold item
    assert res.skills_.loc["u", "accuracy"] == 0.5


@pytest.mark.parametrize(("name", "floor"), [("product", 0.89), ("possent", 0.93), ("relevance", 0.53)])
def test_published_accuracy_on_real_data(name, floor):
    # crowd-kit's JOSS paper: MV .897 / .932 / .536
    assert crowd_accuracy("majority", name) >= floor


@pytest.mark.parametrize("name", DATASETS)
def test_above_chance_on_every_dataset(name):
    assert crowd_accuracy("majority", name) > 0.5  # chance is 0.5 (2 classes) or 0.25 (4 classes)
