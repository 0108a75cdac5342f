"""Spans: IoU, matching, consensus and per-annotator scores."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorloop.quality import spans
from tutorloop.quality.spans import annotator_scores, consensus_spans, match_spans, span_iou


def test_span_iou_values():
    m = span_iou([[0, 10], [5, 6]], [[5, 15], [20, 30], [0, 10]])
    np.testing.assert_allclose(m, [[5 / 15, 0, 1], [0.1, 0, 0.1]])
    assert span_iou([[3, 3]], [[3, 3]])[0, 0] == 0.0  # empty spans have no union
    with pytest.raises(ValueError):
        span_iou([[5, 2]], [[0, 1]])


span_strategy = st.tuples(st.integers(0, 100), st.integers(1, 50)).map(lambda t: (t[0], t[0] + t[1]))


@settings(max_examples=60, deadline=None)
@given(a=span_strategy, b=span_strategy)
def test_span_iou_bounded_and_symmetric(a, b):
    ab, ba = span_iou([a], [b])[0, 0], span_iou([b], [a])[0, 0]
    assert 0.0 <= ab <= 1.0 and ab == pytest.approx(ba)
    assert span_iou([a], [a])[0, 0] == 1.0


def test_match_spans_respects_labels():
    a, b = [[0, 10], [20, 30]], [[21, 30], [0, 9]]
    m = match_spans(a, b)
    assert sorted(zip(m["a"], m["b"])) == [(0, 1), (1, 0)]
    m = match_spans(a, b, labels_a=["PER", "LOC"], labels_b=["PER", "PER"])
    assert list(zip(m["a"], m["b"])) == [(0, 1)]


def _ner_frame():
    return pd.DataFrame([
        # item 1: three annotators; "Paris" found by all, "Lyon" by one only
        (1, "a", 0, 5, "LOC"), (1, "b", 0, 5, "LOC"), (1, "c", 0, 6, "LOC"), (1, "c", 10, 14, "LOC"),
        # item 2: two of three agree on a PER span with slightly different boundaries; c marked nothing
        (2, "a", 3, 8, "PER"), (2, "b", 2, 8, "PER"), (2, "c", np.nan, np.nan, None),
        # item 3: label disagreement
        (3, "a", 0, 4, "PER"), (3, "b", 0, 4, "ORG"), (3, "c", 0, 4, "PER"),
    ], columns=["item", "annotator", "start", "end", "label"])


def test_consensus_spans_majority_median_and_labels():
    out = consensus_spans(_ner_frame())
    assert out[["item", "start", "end", "label", "support"]].to_dict("records") == [
        {"item": 1, "start": 0, "end": 5, "label": "LOC", "support": 3},
        {"item": 2, "start": 2, "end": 8, "label": "PER", "support": 2},  # median 2.5 → rounded outward
        {"item": 3, "start": 0, "end": 4, "label": "PER", "support": 2},
    ]
    assert out["share"].tolist() == pytest.approx([1, 2 / 3, 2 / 3])


def test_consensus_quorum_and_unlabelled():
    df = _ner_frame()
    assert len(consensus_spans(df, quorum=1)) == 5  # every cluster: Paris, Lyon, PER, PER, ORG
    unlabelled = consensus_spans(df.drop(columns="label"))
    assert "label" not in unlabelled.columns
    assert unlabelled.loc[unlabelled["item"] == 3, "support"].tolist() == [3]


def test_annotator_scores():
    df = _ner_frame()
    scores = annotator_scores(df, consensus_spans(df))
    assert scores.loc["a", ["precision", "recall"]].tolist() == [1.0, 1.0]
    assert scores.loc["b", "precision"] == pytest.approx(2 / 3)  # ORG span is not in the consensus
    assert scores.loc["c", "precision"] == pytest.approx(2 / 3)  # "Lyon" is extra
    assert scores.loc["c", "recall"] == pytest.approx(2 / 3)  # missed item 2
    assert scores["n_items"].tolist() == [3, 3, 3]


def test_single_annotator_and_empty_input():
    one = pd.DataFrame({"item": [1], "annotator": ["a"], "start": [0], "end": [3], "label": ["X"]})
    out = consensus_spans(one)
    assert out[["start", "end", "support"]].values.tolist() == [[0, 3, 1]]
    assert annotator_scores(one, out).loc["a", "f1"] == 1.0
    empty = one.iloc[:0]
    assert consensus_spans(empty).empty
    assert annotator_scores(empty, consensus_spans(empty)).empty


def test_docstring_examples_run():
    assert doctest.testmod(spans).failed == 0
