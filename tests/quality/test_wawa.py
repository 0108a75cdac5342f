"""Wawa: agreement-with-majority weights, a weighted vote that can overturn the plain one."""

from __future__ import annotations

import doctest
import importlib

import pytest

from tutorloop.quality import aggregate

from . import DATASETS, crowd_accuracy

module = importlib.import_module("tutorloop.quality.categorical.wawa")


def test_docstring_example_runs():
    assert doctest.testmod(module).failed == 0


def _crowd_with_two_contrarians():
    """Three reliable workers agree on six items; two contrarians always say the other class."""
    items, workers, labels = [], [], []
    for n in range(6):
        truth, other = ("x", "y") if n % 2 else ("y", "x")
        for worker in ("g1", "g2", "g3"):
            items.append(f"i{n}"), workers.append(worker), labels.append(truth)
        for worker in ("b1", "b2"):
            items.append(f"i{n}"), workers.append(worker), labels.append(other)
    # The contested item: both contrarians against one reliable worker.
    items += ["z", "z", "z"]
    workers += ["b1", "b2", "g1"]
    labels += ["x", "x", "y"]
    return items, workers, labels


def test_weights_are_agreement_with_majority():
    res = aggregate(_crowd_with_two_contrarians(), method="wawa")
    weights = res.skills_["weight"]
    assert weights["g2"] == 1.0 and weights["g3"] == 1.0
    assert weights["b1"] < 0.2 and weights["b2"] < 0.2


def test_weighted_vote_overturns_the_plain_majority():
    data = _crowd_with_two_contrarians()
    assert aggregate(data, method="majority").labels_.loc["z", "label"] == "x"
    assert aggregate(data, method="wawa").labels_.loc["z", "label"] == "y"


def test_gold_replaces_the_majority_when_weighing_workers():
    # On the gold item the lone dissenter w0 is right; everyone else is wrong there.
    items = ["a", "a", "a", "b", "b", "b"]
    workers = ["u", "v", "w0", "u", "v", "w0"]
    labels = ["x", "x", "y", "y", "y", "y"]
    plain = aggregate((items, workers, labels), method="wawa")
    anchored = aggregate((items, workers, labels), method="wawa", gold={"a": "y"})
    assert plain.skills_.loc["w0", "weight"] == 0.5
    assert anchored.skills_.loc["w0", "weight"] == 1.0
    assert anchored.skills_.loc["u", "weight"] == 0.5
    assert anchored.labels_.loc["a", "label"] == "y"


@pytest.mark.parametrize("name", DATASETS)
def test_not_worse_than_majority_on_real_data(name):
    assert crowd_accuracy("wawa", name) >= crowd_accuracy("majority", name) - 0.005


def test_published_accuracy_on_possent():
    assert crowd_accuracy("wawa", "possent") >= 0.945  # crowd-kit's JOSS paper: .951
