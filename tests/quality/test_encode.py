"""Input handling shared by every aggregation method: validation, integer codes, duplicates, gold."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from tutorloop.quality import _encode
from tutorloop.quality._encode import encode


def test_docstring_example_runs():
    assert doctest.testmod(_encode).failed == 0


class TestEncode:
    def test_dataframe_and_tuple_give_the_same_codes(self):
        frame = pd.DataFrame({"item": ["b", "a", "a"], "worker": ["u", "u", "v"], "label": [1, 0, 1]})
        from_frame = encode(labels=frame)
        from_tuple = encode(labels=(frame["item"].to_numpy(), frame["worker"].to_numpy(), frame["label"].to_numpy()))
        for field in ("item", "worker", "label"):
            assert getattr(from_frame, field).tolist() == getattr(from_tuple, field).tolist()
        assert from_frame.classes == [0, 1]
        assert from_frame.items.tolist() == ["a", "b"]

    def test_codes_follow_sorted_values(self):
        enc = encode(labels=([3, 1, 2], ["z", "x", "y"], ["c", "a", "b"]))
        assert enc.items.tolist() == [1, 2, 3]
        assert enc.workers.tolist() == ["x", "y", "z"]
        assert enc.classes == ["a", "b", "c"]
        # each label keeps its own item, worker and class after re-coding
        triples = {(enc.items[i], enc.workers[w], enc.classes[c]) for i, w, c in zip(enc.item, enc.worker, enc.label)}
        assert triples == {(3, "z", "c"), (1, "x", "a"), (2, "y", "b")}

    def test_values_that_do_not_compare_still_encode(self):
        enc = encode(labels=(["a", 1, "a"], ["w", "w", "v"], ["x", 2, 2]))
        assert enc.n_items == 2 and enc.n_classes == 2 and enc.n_labels == 3

    def test_duplicate_item_worker_pairs_keep_the_last(self):
        enc = encode(labels=(["a", "a", "b", "a"], ["u", "u", "u", "u"], ["x", "y", "x", "z"]))
        assert enc.n_labels == 2
        kept = {(enc.items[i], enc.classes[c]) for i, c in zip(enc.item, enc.label)}
        assert kept == {("a", "z"), ("b", "x")}

    def test_gold_class_not_among_worker_labels_is_added(self):
        enc = encode(labels=(["a", "b"], ["u", "u"], ["x", "y"]), gold={"a": "z"})
        assert enc.classes == ["x", "y", "z"]
        assert enc.gold_item.tolist() == [0] and enc.gold_label.tolist() == [2]

    def test_gold_forms_are_equivalent_and_unlabelled_items_are_ignored(self):
        labels = (["a", "b"], ["u", "u"], ["x", "y"])
        forms = [{"b": "x", "nobody-labelled-this": "q"},
                 pd.Series({"b": "x", "nobody-labelled-this": "q"}),
                 pd.DataFrame({"item": ["b", "nobody-labelled-this"], "label": ["x", "q"]})]
        for gold in forms:
            enc = encode(labels=labels, gold=gold)
            assert enc.gold_item.tolist() == [1] and enc.gold_label.tolist() == [0]
            assert enc.classes == ["x", "y"]

    def test_empty_input(self):
        enc = encode(labels=pd.DataFrame({"item": [], "worker": [], "label": []}))
        assert (enc.n_items, enc.n_workers, enc.n_classes, enc.n_labels) == (0, 0, 0, 0)


class TestBadInput:
    def test_missing_columns_are_named(self):
        with pytest.raises(ValueError, match=r"missing column\(s\) \['worker'\]"):
            encode(labels=pd.DataFrame({"item": [1], "label": [1]}))

    def test_arrays_of_different_lengths(self):
        with pytest.raises(ValueError, match="differ in length"):
            encode(labels=(np.array([1, 2]), np.array([1]), np.array([1, 2])))

    def test_nan_label_is_reported_with_its_row(self):
        with pytest.raises(ValueError, match=r"'label'.*1 value\(s\) are missing.*row 1"):
            encode(labels=([1, 2], [1, 1], [0.0, np.nan]))

    def test_none_worker(self):
        with pytest.raises(ValueError, match="'worker'"):
            encode(labels=pd.DataFrame({"item": [1, 2], "worker": ["a", None], "label": [0, 1]}))

    def test_not_a_table(self):
        with pytest.raises(ValueError, match="tuple of three"):
            encode(labels="item,worker,label")

    def test_two_dimensional_array(self):
        with pytest.raises(ValueError, match="1-D"):
            encode(labels=(np.zeros((2, 2)), np.zeros(2), np.zeros(2)))

    def test_bad_gold(self):
        labels = ([1], [1], [0])
        with pytest.raises(ValueError, match="gold is missing column"):
            encode(labels=labels, gold=pd.DataFrame({"item": [1]}))
        with pytest.raises(ValueError, match="gold labels"):
            encode(labels=labels, gold={1: None})
        with pytest.raises(ValueError, match="gold must be"):
            encode(labels=labels, gold=[1, 0])
