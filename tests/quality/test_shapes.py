"""Boxes and polygons: IoU, matching and consensus."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorloop.quality import shapes
from tutorloop.quality.shapes import (
    box_iou,
    central_polygon,
    consensus_boxes,
    match_boxes,
    polygon_area,
    polygon_intersection_area,
    polygon_iou,
    polygon_iou_matrix,
)

L_SHAPE = [(0, 0), (4, 0), (4, 1), (1, 1), (1, 4), (0, 4)]
STAR = [(2, -1), (2.6, 1.2), (5, 1.5), (3, 2.6), (3.5, 5), (2, 3.5), (0.5, 5), (1, 2.6), (-1, 1.5), (1.4, 1.2)]


def _inside(poly, pts):
    """Even-odd rule point-in-polygon, vectorised (test oracle)."""
    p = np.asarray(poly, float)
    x, y = pts[:, :1], pts[:, 1:]
    x1, y1, x2, y2 = p[:, 0], p[:, 1], np.roll(p[:, 0], -1), np.roll(p[:, 1], -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        crosses = ((y1 > y) != (y2 > y)) & (x < (x2 - x1) * (y - y1) / (y2 - y1) + x1)
    return crosses.sum(axis=1) % 2 == 1


def _grid_area(a, b):
    g = np.linspace(-1.5, 5.5, 701) + 0.0037  # offset keeps grid points off polygon edges
    xx, yy = np.meshgrid(g, g)
    pts = np.column_stack([xx.ravel(), yy.ravel()])
    return (_inside(a, pts) & _inside(b, pts)).sum() * (g[1] - g[0]) ** 2


def test_box_iou_known_values():
    m = box_iou([[0, 0, 2, 2], [10, 10, 1, 1]], [[1, 0, 2, 2], [0, 0, 2, 2], [0, 0, 1, 1]])
    assert m.shape == (2, 3)
    assert m[0].tolist() == pytest.approx([1 / 3, 1.0, 0.25])
    assert m[1].tolist() == pytest.approx([0, 0, 0])
    with pytest.raises(ValueError):
        box_iou([[0, 0, -1, 1]], [[0, 0, 1, 1]])


boxes = st.tuples(st.floats(-50, 50), st.floats(-50, 50), st.floats(0.1, 40), st.floats(0.1, 40))


@settings(max_examples=60, deadline=None)
@given(a=boxes, b=boxes)
def test_box_iou_bounded_symmetric_and_equal_to_polygon_iou(a, b):
    ab, ba = box_iou([a], [b])[0, 0], box_iou([b], [a])[0, 0]
    assert 0.0 <= ab <= 1.0
    assert ab == pytest.approx(ba)
    assert box_iou([a], [a])[0, 0] == pytest.approx(1.0)

    def rect(x, y, w, h):
        return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]

    assert polygon_iou(rect(*a), rect(*b)) == pytest.approx(ab, abs=1e-9)


@pytest.mark.parametrize(("a", "b"), [
    (L_SHAPE, [(0.5, 0.5), (3, 0.5), (3, 3), (0.5, 3)]),
    (L_SHAPE, STAR),
    (STAR, [(x + 0.4, y - 0.3) for x, y in STAR]),
    (L_SHAPE, [(x + 0.5, y + 0.3) for x, y in L_SHAPE][::-1]),  # clockwise input
])
def test_concave_polygon_intersection_matches_grid_estimate(a, b):
    exact = polygon_intersection_area(a, b)
    assert exact == pytest.approx(polygon_intersection_area(b, a), abs=1e-9)
    assert exact == pytest.approx(_grid_area(a, b), rel=0.01, abs=0.01)


def test_polygon_area_and_self_iou():
    assert polygon_area(L_SHAPE) == pytest.approx(7.0)
    assert polygon_iou(STAR, STAR[::-1]) == pytest.approx(1.0)
    assert polygon_iou(L_SHAPE, [(10, 10), (11, 10), (11, 11)]) == 0.0
    assert polygon_iou([(0, 0), (1, 1)], L_SHAPE) == 0.0  # degenerate: no area


def test_self_intersecting_polygon_is_rejected():
    bowtie = [(0, 0), (2, 2), (2, 0), (0, 2)]
    with pytest.raises(ValueError):
        polygon_intersection_area(L_SHAPE, bowtie)


def test_match_boxes_is_one_to_one_and_thresholded():
    a = [[0, 0, 10, 10], [20, 20, 10, 10], [100, 100, 5, 5]]
    b = [[21, 21, 10, 10], [1, 1, 10, 10]]
    m = match_boxes(a, b, threshold=0.5)
    assert sorted(zip(m["a"], m["b"])) == [(0, 1), (1, 0)]
    assert (m["iou"] >= 0.5).all()
    assert match_boxes(a, [], threshold=0.5).empty


def test_consensus_boxes_majority_and_median():
    rng = np.random.default_rng(0)
    truth = np.array([[10, 10, 30, 20], [60, 5, 15, 15]], dtype=float)
    rows = []
    for k in range(5):
        for t, box in enumerate(truth):
            if k == 4 and t == 1:
                continue  # annotator 4 misses the second box
            rows.append({"item": "img", "annotator": f"w{k}", **dict(zip("xywh", box + rng.normal(0, 0.5, 4)))})
    rows.append({"item": "img", "annotator": "w0", "x": 200, "y": 200, "w": 5, "h": 5})  # a stray box
    out = consensus_boxes(pd.DataFrame(rows)).sort_values("x")
    assert len(out) == 2
    assert out[["x", "y", "w", "h"]].to_numpy() == pytest.approx(truth, abs=1.0)
    assert out["support"].tolist() == [5, 4]
    assert (out["mean_iou"] > 0.8).all()


def test_consensus_boxes_counts_empty_annotators_and_labels():
    df = pd.DataFrame({"item": [1, 1, 1, 1], "annotator": ["a", "b", "c", "d"], "x": [0, 0, np.nan, np.nan],
                       "y": [0, 0, np.nan, np.nan], "w": [4, 4, np.nan, np.nan], "h": [4, 4, np.nan, np.nan],
                       "label": ["car", "bus", None, None]})
    assert consensus_boxes(df).empty  # 2 of 4 is not a strict majority
    assert len(consensus_boxes(df, quorum=2)) == 1
    assert consensus_boxes(df, quorum=2, label="label").empty  # car and bus never match
    assert consensus_boxes(df.iloc[:0]).empty


def test_central_polygon_is_the_medoid():
    square = [(0, 0), (4, 0), (4, 4), (0, 4)]
    polys = [[(x + dx, y) for x, y in square] for dx in (0.0, 0.5, 1.0, 3.5)]
    idx, score = central_polygon(polys)
    assert idx == 1
    m = polygon_iou_matrix(polys)
    assert np.allclose(m, m.T) and np.allclose(np.diag(m), 1)
    assert score == pytest.approx((m[1].sum() - 1) / 3)
    assert central_polygon([square]) == (0, pytest.approx(np.nan, nan_ok=True))
    with pytest.raises(ValueError):
        central_polygon([])


def test_docstring_examples_run():
    assert doctest.testmod(shapes).failed == 0
