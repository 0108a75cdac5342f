"""COCO uncompressed RLE: encode, decode, area, IoU on runs, per-pixel majority."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tutorloop.quality import masks
from tutorloop.quality.masks import (
    mask_majority,
    rle_area,
    rle_bbox,
    rle_decode,
    rle_encode,
    rle_intersection,
    rle_iou,
    rle_iou_matrix,
)


def test_docstring_examples():
    assert doctest.testmod(masks).failed == 0


class TestEncode:
    def test_hand_computed_case_is_column_major(self):
        # 3 rows × 4 columns; columns read top to bottom: [0 1 1] [1 0 0] [0 0 0] [1 1 1]
        mask = np.array([[0, 1, 0, 1],
                         [1, 0, 0, 1],
                         [1, 0, 0, 1]], dtype=bool)
        assert rle_encode(mask) == {"size": [3, 4], "counts": [1, 3, 5, 3]}

    def test_a_mask_starting_with_a_one_opens_with_an_empty_run_of_zeros(self):
        assert rle_encode(np.array([[1, 0], [1, 1]]))["counts"] == [0, 2, 1, 1]

    def test_all_zero_and_all_one(self):
        assert rle_encode(np.zeros((2, 3), bool))["counts"] == [6]
        assert rle_encode(np.ones((2, 3), bool))["counts"] == [0, 6]

    def test_decode_checks_the_total(self):
        with pytest.raises(ValueError, match="6"):
            rle_decode({"size": [2, 3], "counts": [1, 2]})

    def test_not_two_dimensional_is_refused(self):
        with pytest.raises(ValueError):
            rle_encode(np.zeros(5))


@settings(max_examples=80, deadline=None)
@given(mask=arrays(np.bool_, st.tuples(st.integers(1, 17), st.integers(1, 19))))
def test_random_masks_round_trip(mask):
    rle = rle_encode(mask)
    assert sum(rle["counts"]) == mask.size
    assert all(c > 0 for c in rle["counts"][1:])
    decoded = rle_decode(rle)
    assert decoded.dtype == bool and decoded.shape == mask.shape
    assert (decoded == mask).all()
    assert rle_area(rle) == int(mask.sum())
    if mask.any():
        ys, xs = np.nonzero(mask)
        x1, y1, x2, y2 = rle_bbox(rle)
        assert x1 == xs.min() and x2 == xs.max() + 1
        assert y1 <= ys.min() and y2 >= ys.max() + 1  # a run over a column boundary spans the full height


pair = st.integers(1, 12).flatmap(lambda h: st.integers(1, 12).flatmap(
    lambda w: st.tuples(arrays(np.bool_, (h, w)), arrays(np.bool_, (h, w)))))


@settings(max_examples=80, deadline=None)
@given(ab=pair)
def test_iou_on_runs_equals_iou_on_pixels(ab):
    a, b = ab
    ra, rb = rle_encode(a), rle_encode(b)
    assert rle_intersection(ra, rb) == int((a & b).sum())
    union = int((a | b).sum())
    assert rle_iou(ra, rb) == pytest.approx((a & b).sum() / union if union else 0.0)
    assert rle_iou_matrix([ra], [rb])[0, 0] == pytest.approx(rle_iou(ra, rb))


def test_iou_matrix_skips_far_masks_and_other_sizes():
    left = np.zeros((10, 10), bool)
    left[2:5, 1:3] = True
    right = np.zeros((10, 10), bool)
    right[2:5, 7:9] = True
    m = rle_iou_matrix([rle_encode(left)], [rle_encode(right), rle_encode(left), rle_encode(np.ones((3, 3)))])
    assert m.tolist() == [[0.0, 1.0, 0.0]]
    with pytest.raises(ValueError):
        rle_intersection(rle_encode(left), rle_encode(np.ones((3, 3))))


def test_majority_keeps_pixels_most_people_painted():
    a, b, c = (np.zeros((4, 4), bool) for _ in range(3))
    a[0:2, 0:2] = True
    b[0:2, 1:3] = True
    c[3, 3] = True
    agreed = rle_decode(mask_majority([[rle_encode(a)], [rle_encode(b)], [rle_encode(c)]], [4, 4]))
    expected = np.zeros((4, 4), bool)
    expected[0:2, 1] = True  # only column 1 of the top rows was painted by two of the three
    assert (agreed == expected).all()


def test_majority_counts_a_person_once_and_people_without_masks():
    a = np.zeros((3, 3), bool)
    a[0, 0] = True
    twice = [rle_encode(a), rle_encode(a)]  # one person's two overlapping masks are one vote
    assert mask_majority([twice, []], [3, 3]) is None
    assert rle_area(mask_majority([twice, [rle_encode(a)], []], [3, 3])) == 1
