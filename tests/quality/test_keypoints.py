"""Object keypoint similarity and the per-keypoint median."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest

from tutorloop.quality import keypoints
from tutorloop.quality.keypoints import MIN_SCALE, keypoint_area, median_keypoints, oks_matrix


def test_docstring_examples():
    assert doctest.testmod(keypoints).failed == 0


def test_oks_known_case():
    # scale: both objects span 100 × 50 px -> s² = 5000; sigma 0.05 -> k = 0.1, 2 s² k² = 100
    a = [[[0, 0, 2], [100, 50, 2], [30, 30, 2]]]
    b = [[[0, 0, 2], [100, 50, 2], [33, 34, 1]]]  # third point 5 px away (3-4-5)
    expected = (1 + 1 + math.exp(-25 / 100)) / 3
    assert oks_matrix(a, b)[0, 0] == pytest.approx(expected)
    assert oks_matrix(b, a)[0, 0] == pytest.approx(expected)


def test_per_keypoint_sigmas_change_the_tolerance():
    a = [[[0, 0, 2], [100, 50, 2]]]
    b = [[[10, 0, 2], [100, 50, 2]]]
    tight, loose = oks_matrix(a, b, [0.01, 0.05])[0, 0], oks_matrix(a, b, [0.2, 0.05])[0, 0]
    assert tight < loose
    # b spans 90 × 50: the scale is the mean area (5000 + 4500) / 2
    assert loose == pytest.approx((math.exp(-100 / (2 * 4750 * 0.4**2)) + 1) / 2)


def test_a_point_labelled_by_one_side_is_a_miss_and_unlabelled_by_both_is_ignored():
    a = [[[0, 0, 2], [100, 50, 2], [0, 0, 0], [0, 0, 0]]]
    b = [[[0, 0, 2], [100, 50, 2], [60, 20, 2], [0, 0, 0]]]
    assert oks_matrix(a, b)[0, 0] == pytest.approx(2 / 3)


def test_small_objects_use_the_minimum_scale():
    a = [[[10, 10, 2]]]
    b = [[[13, 14, 2]]]
    assert oks_matrix(a, b)[0, 0] == pytest.approx(math.exp(-25 / (2 * MIN_SCALE * 0.1**2)))


def test_matrix_shape_and_nothing_labelled():
    a = np.zeros((2, 3, 3))
    assert oks_matrix(a, np.zeros((4, 3, 3))).tolist() == [[0.0] * 4] * 2
    assert oks_matrix([], a).shape == (0, 2)
    with pytest.raises(ValueError):
        oks_matrix(np.zeros((1, 2, 3)), np.zeros((1, 3, 3)))


def test_keypoint_area_ignores_unlabelled_points():
    pts = np.array([[[0, 0, 0], [10, 20, 2], [30, 25, 1]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]]], dtype=float)
    assert keypoint_area(pts).tolist() == [100.0, 0.0]


def test_median_keypoints():
    members = [
        [[10, 10, 2], [50, 50, 1], [0, 0, 0]],
        [[12, 11, 2], [52, 48, 1], [0, 0, 0]],
        [[14, 30, 1], [0, 0, 0], [70, 70, 2]],
    ]
    assert median_keypoints(members) == [[12.0, 11.0, 2], [51.0, 49.0, 1], [0, 0, 0]]
