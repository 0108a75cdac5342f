"""The public entry point ``aggregate``: one output shape for every method, edge cases, bad input."""

from __future__ import annotations

import doctest
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorloop import quality
from tutorloop.quality import METHODS, AggregationResult, _em, aggregate, result

SMALL = pd.DataFrame({
    "item": ["a", "a", "a", "b", "b", "b", "c", "c", "d"],
    "worker": ["u", "v", "w", "u", "v", "w", "u", "v", "w"],
    "label": ["x", "x", "y", "y", "y", "y", "x", "y", "x"],
})


def test_docstring_examples_run():
    for module in (quality, result, _em):
        assert doctest.testmod(module).failed == 0


def test_methods_are_the_documented_ones():
    assert METHODS == ("majority", "wawa", "dawid_skene", "one_coin", "glad", "mace", "auto")


@pytest.mark.parametrize("method", METHODS)
class TestEveryMethod:
    def test_result_shape(self, method):
        res = aggregate(SMALL, method=method)
        assert isinstance(res, AggregationResult)
        assert res.method == method
        assert res.classes_ == ["x", "y"]
        assert list(res.labels_.index) == ["a", "b", "c", "d"]
        assert list(res.labels_.columns) == ["label", "confidence"]
        assert list(res.posteriors_.columns) == ["x", "y"]
        np.testing.assert_allclose(res.posteriors_.sum(axis=1), 1.0)
        chosen = res.posteriors_.to_numpy().argmax(axis=1)
        assert res.labels_["label"].tolist() == [res.classes_[c] for c in chosen]
        np.testing.assert_allclose(res.labels_["confidence"], res.posteriors_.to_numpy().max(axis=1))
        assert res.skills_["n_labels"].to_dict() == {"u": 3, "v": 3, "w": 3}
        assert res.skills_["accuracy"].between(0, 1).all()
        if res.confusions_ is not None:
            assert res.confusions_.shape == (3, 2, 2)
            np.testing.assert_allclose(res.confusions_.sum(axis=2), 1.0)
        assert res.iterations_ >= 0 and isinstance(res.converged_, bool)
        json.dumps(res.details)  # stored as JSON by the consensus service

    def test_unanimous_items_get_their_label(self, method):
        res = aggregate(SMALL, method=method)
        assert res.labels_.loc["b", "label"] == "y"
        assert res.labels_.loc["b", "confidence"] > 0.5

    def test_deterministic_and_independent_of_row_order(self, method):
        first = aggregate(SMALL, method=method, seed=3)
        again = aggregate(SMALL, method=method, seed=3)
        shuffled = aggregate(SMALL.sample(frac=1.0, random_state=1), method=method, seed=3)
        pd.testing.assert_frame_equal(first.posteriors_, again.posteriors_)
        pd.testing.assert_frame_equal(first.posteriors_, shuffled.posteriors_, atol=1e-9)

    def test_one_worker(self, method):
        res = aggregate((["a", "b", "c"], ["solo"] * 3, ["x", "y", "x"]), method=method)
        assert res.labels_["label"].tolist() == ["x", "y", "x"]
        assert res.skills_.index.tolist() == ["solo"]

    def test_one_class(self, method):
        res = aggregate((["a", "a", "b"], ["u", "v", "u"], ["only", "only", "only"]), method=method)
        assert res.classes_ == ["only"]
        assert res.labels_["label"].tolist() == ["only", "only"]
        np.testing.assert_allclose(res.labels_["confidence"], 1.0)
        np.testing.assert_allclose(res.skills_["accuracy"], 1.0)

    def test_items_with_a_single_label_follow_it(self, method):
        labels = pd.concat([SMALL, pd.DataFrame({"item": ["e", "f"], "worker": ["u", "u"], "label": ["y", "x"]})])
        res = aggregate(labels, method=method)
        assert res.labels_.loc[["e", "f"], "label"].tolist() == ["y", "x"]

    def test_gold_label_unseen_among_worker_labels(self, method):
        res = aggregate(SMALL, method=method, gold={"a": "z"})
        assert res.classes_ == ["x", "y", "z"]
        assert res.labels_.loc["a", "label"] == "z"
        assert res.labels_.loc["a", "confidence"] == 1.0
        np.testing.assert_allclose(res.posteriors_.sum(axis=1), 1.0)
        assert res.labels_.loc["b", "label"] == "y"

    def test_empty_input(self, method):
        res = aggregate(pd.DataFrame({"item": [], "worker": [], "label": []}), method=method)
        assert res.labels_.empty and res.posteriors_.empty and res.skills_.empty
        assert res.classes_ == [] and res.converged_
        empty_tuple = aggregate((np.array([]), np.array([]), np.array([])), method=method)
        assert empty_tuple.labels_.empty

    def test_bad_input(self, method):
        with pytest.raises(ValueError, match="worker"):
            aggregate(SMALL.drop(columns="worker"), method=method)
        with pytest.raises(ValueError, match="differ in length"):
            aggregate((np.array(["a"]), np.array(["u", "v"]), np.array(["x"])), method=method)
        with pytest.raises(ValueError, match="missing"):
            aggregate((["a", "b"], ["u", "u"], [1.0, float("nan")]), method=method)


def test_unknown_method():
    with pytest.raises(ValueError, match="unknown aggregation method 'vote'"):
        aggregate(SMALL, method="vote")


def test_ties_go_to_the_lowest_class():
    res = aggregate((["a", "a", "b", "b"], ["u", "v", "u", "v"], ["z", "m", "m", "z"]), method="majority")
    assert res.labels_["label"].tolist() == ["m", "m"]
    assert res.labels_["confidence"].tolist() == [0.5, 0.5]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3), st.integers(0, 2)), max_size=30),
       st.sampled_from(METHODS))
def test_any_small_input_gives_a_consistent_result(rows, method):
    items, workers, labels = (np.array([r[i] for r in rows], dtype=np.int64) for i in range(3))
    res = aggregate((items, workers, labels), method=method)
    assert sorted(res.labels_.index) == sorted(set(items.tolist()))
    assert set(res.labels_["label"]) <= set(labels.tolist())
    if len(rows):
        np.testing.assert_allclose(res.posteriors_.sum(axis=1), 1.0)
        assert np.isfinite(res.posteriors_.to_numpy()).all()
        assert res.skills_["n_labels"].sum() == len({(i, w) for i, w, _ in rows})


def test_options_reach_the_method_and_are_checked():
    assert aggregate(SMALL, method="dawid_skene", max_iter=1).iterations_ == 1
    with pytest.raises(ValueError, match="max_iter"):
        aggregate(SMALL, method="dawid_skene", max_iter=0)
    with pytest.raises(TypeError):
        aggregate(SMALL, method="majority", max_iter=5)  # majority has no iterations
