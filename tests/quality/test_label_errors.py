"""Confident-learning label-error finder."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from tutorloop.quality import label_errors
from tutorloop.quality.label_errors import class_thresholds, confident_joint, find_label_errors


def simulate(*, seed, n=2000, k=4, flip=0.1, signal=2.5):
    """Out-of-sample-like probabilities for the true classes, and labels with planted errors."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n)
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), truth] += signal
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    noisy = truth.copy()
    flipped = rng.random(n) < flip
    noisy[flipped] = (truth[flipped] + rng.integers(1, k, flipped.sum())) % k
    return p, noisy, truth


@pytest.mark.parametrize("filter_by", ["prune_by_noise_rate", "confident_joint", "both"])
def test_recalls_planted_errors_with_high_precision(filter_by):
    p, noisy, truth = simulate(seed=0)
    found = find_label_errors(p, noisy, filter_by=filter_by)
    flagged = found["item"].to_numpy()
    is_error = noisy != truth
    precision = is_error[flagged].mean()
    recall = is_error[flagged].sum() / is_error.sum()
    assert precision > 0.8  # chance level is 0.1
    assert recall > 0.7
    assert (found["suggested_label"].to_numpy() == truth[flagged])[is_error[flagged]].mean() > 0.9
    assert (found["given_label"].to_numpy() == noisy[flagged]).all()


def test_ranking_puts_errors_first():
    p, noisy, truth = simulate(seed=1)
    for rank_by in ("self_confidence", "normalized_margin"):
        found = find_label_errors(p, noisy, rank_by=rank_by)
        assert found["score"].is_monotonic_increasing
        top = found["item"].to_numpy()[:50]
        assert (noisy[top] != truth[top]).mean() > 0.95


def test_thresholds_and_confident_joint_by_hand():
    p = np.array([[0.9, 0.1], [0.7, 0.3], [0.4, 0.6], [0.2, 0.8], [0.7, 0.3], [0.3, 0.7]])
    y = np.array([0, 0, 0, 1, 1, 1])
    t = class_thresholds(p, y)
    assert t == pytest.approx([(0.9 + 0.7 + 0.4) / 3, (0.8 + 0.3 + 0.7) / 3])  # 0.667, 0.6
    # confident classes: 0, 0, 1 (0.6 >= t1), 1, 0 (0.7 >= t0), 1
    c = confident_joint(p, y)
    assert c.tolist() == [[2, 1], [1, 2]]
    q = confident_joint(p, y, calibrate=True)
    assert q.sum() == pytest.approx(1.0)
    assert q.ravel().tolist() == pytest.approx([2 / 6, 1 / 6, 1 / 6, 2 / 6])
    found = find_label_errors(p, y, filter_by="confident_joint")
    assert found["item"].tolist() == [4, 2]  # lower self-confidence first
    assert found["suggested_label"].tolist() == [0, 1]
    assert found["score"].tolist() == pytest.approx([0.3, 0.4])
    # prune by noise rate: round(6 · Q[i, j]) = 1 item per off-diagonal cell, the one with the largest margin
    assert find_label_errors(p, y)["item"].tolist() == [4, 2]
    assert find_label_errors(p, y, filter_by="both")["item"].tolist() == [4, 2]


def test_class_names_item_ids_and_no_errors():
    p = np.array([[0.9, 0.1], [0.8, 0.2], [0.15, 0.85], [0.1, 0.9], [0.85, 0.15]])
    names = ["cat", "dog"]
    found = find_label_errors(p, ["cat", "cat", "dog", "dog", "dog"], classes=names, items=list("abcde"))
    assert found.to_dict("list")["item"] == ["e"]
    assert found["given_label"].tolist() == ["dog"] and found["suggested_label"].tolist() == ["cat"]
    clean = find_label_errors(p, ["cat", "cat", "dog", "dog", "cat"], classes=names)
    assert clean.empty


def test_edge_cases():
    one_class = find_label_errors(np.ones((3, 1)), [0, 0, 0])
    assert one_class.empty
    empty = find_label_errors(np.empty((0, 3)), np.empty(0, dtype=int))
    assert empty.empty and list(empty.columns)[:4] == ["item", "given_label", "suggested_label", "score"]
    assert np.isnan(class_thresholds([[0.5, 0.5]], [0])[1])  # a class nobody has
    single = find_label_errors([[0.1, 0.9]], [0])
    assert single.empty  # one item cannot show a class's typical confidence
    with pytest.raises(ValueError):
        find_label_errors([[0.5, 0.5]], [2])
    with pytest.raises(ValueError):
        find_label_errors([[0.5, 0.5]], [0, 1])
    with pytest.raises(ValueError):
        find_label_errors([[0.5, 0.5]], [0], rank_by="loss")
    with pytest.raises(ValueError):
        find_label_errors([[0.5, 0.5]], [0], filter_by="everything")


def test_docstring_examples_run():
    assert doctest.testmod(label_errors).failed == 0
