"""GLAD: worker ability and item difficulty; floors on real data near the published figures."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest

from tutorloop.quality import aggregate

from . import crowd_accuracy
from .test_dawid_skene import spammer_crowd

module = importlib.import_module("tutorloop.quality.categorical.glad")


def test_docstring_example_runs():
    assert doctest.testmod(module).failed == 0


def test_abilities_rank_workers():
    labels, truth = spammer_crowd(seed=8)
    res = aggregate(labels, method="glad")
    alpha = res.skills_["alpha"]
    assert alpha[["good1", "good2"]].min() > alpha[["spam1", "spam2", "spam3"]].max() + 1.0
    assert (res.labels_["label"].to_numpy() == truth).mean() >= 0.9


def test_contested_items_are_harder():
    # Five reliable workers; on item "hard" they split 3-2, everywhere else they agree.
    rows = [(f"i{n}", f"w{j}", n % 2) for n in range(20) for j in range(5)]
    rows += [("hard", f"w{j}", int(j < 2)) for j in range(5)]
    res = aggregate(pd.DataFrame(rows, columns=["item", "worker", "label"]), method="glad")
    beta = res.item_easiness_
    assert beta["hard"] < beta.drop("hard").min()
    assert res.labels_.loc["hard", "label"] == 0


def test_m_step_never_lowers_its_objective():
    labels, _ = spammer_crowd(seed=9, n_items=100)
    objectives = [aggregate(labels, method="glad", max_iter=n, tol=0).log_likelihood_ for n in (1, 3, 10)]
    assert objectives == sorted(objectives)
    assert np.isfinite(objectives).all()


@pytest.mark.parametrize(("name", "floor"), [("product", 0.92), ("possent", 0.94), ("relevance", 0.50)])
def test_published_accuracy_on_real_data(name, floor):
    # crowd-kit's JOSS paper: GLAD .928 / .948 / .511
    assert crowd_accuracy("glad", name) >= floor
