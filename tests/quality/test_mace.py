"""MACE: competence vs. spamming by variational Bayes; restarts; floors on real data."""

from __future__ import annotations

import doctest
import importlib

import pytest

from tutorloop.quality import aggregate
from tutorloop.quality._encode import encode

from . import crowd_accuracy
from .test_dawid_skene import spammer_crowd

module = importlib.import_module("tutorloop.quality.categorical.mace")


def test_docstring_example_runs():
    assert doctest.testmod(module).failed == 0


def test_spammers_have_low_competence():
    labels, truth = spammer_crowd(seed=10)
    res = aggregate(labels, method="mace")
    competence = res.skills_["competence"]
    assert competence[["good1", "good2"]].min() > 0.8
    assert competence[["spam1", "spam2", "spam3"]].max() < 0.3
    assert (res.labels_["label"].to_numpy() == truth).mean() >= 0.9


def test_restarts_keep_the_best_bound_and_follow_the_seed():
    labels, _ = spammer_crowd(seed=11, n_items=80)
    enc = encode(labels=labels)
    single = module.mace(enc)
    restarted = module.mace(enc, n_restarts=3, seed=5)
    assert restarted.log_likelihood_ >= single.log_likelihood_
    again = module.mace(enc, n_restarts=3, seed=5)
    assert again.posteriors_.equals(restarted.posteriors_)


def test_uniform_class_prior_option_runs():
    labels, truth = spammer_crowd(seed=12)
    res = module.mace(encode(labels=labels), fit_class_prior=False)
    assert (res.labels_["label"].to_numpy() == truth).mean() >= 0.85


def test_gold_clamps_and_anchors():
    labels, truth = spammer_crowd(seed=13, n_items=60)
    gold = {n: int(truth[n]) for n in range(30)}
    res = aggregate(labels, method="mace", gold=gold)
    assert (res.labels_["label"].to_numpy()[:30] == truth[:30]).all()
    assert res.skills_.loc["good1", "competence"] > res.skills_.loc["spam1", "competence"]


@pytest.mark.parametrize(("name", "floor"), [("product", 0.925), ("possent", 0.95), ("relevance", 0.61)])
def test_accuracy_on_real_data(name, floor):
    # crowd-kit's JOSS paper: MACE .929 / .950 / .501
    assert crowd_accuracy("mace", name) >= floor
