"""method="auto": what it runs, and that it is never clearly worse than any other method on real data."""

from __future__ import annotations

import doctest
import importlib

import pandas as pd
import pytest

from tutorloop.quality import METHODS, aggregate
from tutorloop.quality._encode import encode

from . import DATASETS, crowd_accuracy
from .test_dawid_skene import spammer_crowd

module = importlib.import_module("tutorloop.quality.categorical.auto")
dawid_skene = importlib.import_module("tutorloop.quality.categorical.dawid_skene")


def test_docstring_example_runs():
    assert doctest.testmod(module).failed == 0


def test_is_the_default_and_says_what_it_chose():
    labels, truth = spammer_crowd(seed=14)
    res = aggregate(labels)
    assert res.method == "auto"
    assert res.details["chosen"] == "dawid_skene" and "pooled" in res.details["why"]
    assert len(res.details["pool_strength"]) == 3
    assert (res.labels_["label"].to_numpy() == truth).mean() >= 0.9


def test_equals_dawid_skene_with_the_fitted_pooled_prior():
    labels, _ = spammer_crowd(seed=15)
    enc = encode(labels=labels)
    auto = module.auto(enc)
    explicit = dawid_skene.dawid_skene(enc, pool_strength=None)
    assert auto.posteriors_.equals(explicit.posteriors_)


def test_worker_with_one_label_borrows_the_crowd():
    # Classic Dawid-Skene reads a full confusion row from a single label; the pooled prior does not.
    labels, _ = spammer_crowd(seed=16, n_items=200)
    newcomer = pd.DataFrame({"item": [0], "worker": ["newcomer"], "label": [2]})
    labels = pd.concat([labels, newcomer], ignore_index=True)
    classic = aggregate(labels, method="dawid_skene")
    pooled = aggregate(labels, method="auto")
    classic_matrix = classic.confusions_[list(classic.skills_.index).index("newcomer")]
    pooled_matrix = pooled.confusions_[list(pooled.skills_.index).index("newcomer")]
    assert classic_matrix.max() > 0.95  # one label -> a row that is certain of itself
    assert pooled_matrix.max() < 0.7  # close to the crowd's average rows instead


@pytest.mark.parametrize("name", DATASETS)
def test_at_least_the_best_other_method_on_real_data(name):
    others = max(crowd_accuracy(method, name) for method in METHODS if method != "auto")
    assert crowd_accuracy("auto", name) >= others - 0.005
