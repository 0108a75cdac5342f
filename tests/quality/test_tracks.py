"""Tracks and segments: interpolation, its inverse, IoU, matching and consensus."""

from __future__ import annotations

import doctest
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorloop.quality import tracks
from tutorloop.quality.tracks import (
    boxes_at,
    consensus_segments,
    consensus_tracks,
    expand_track,
    match_tracks,
    segment_iou,
    segments_f1,
    simplify_track,
    track_iou,
    tracks_f1,
)

# The interpolation cases; tests/browser/test_video.py runs the JavaScript module on the same ones.
INTERPOLATION_CASES = {
    "midpoint": {"keyframes": [{"frame": 0, "x": 0, "y": 10, "w": 10, "h": 20},
                               {"frame": 10, "x": 20, "y": 30, "w": 30, "h": 20}]},
    "outside_gap": {"keyframes": [{"frame": 2, "x": 5, "y": 5, "w": 10, "h": 10},
                                  {"frame": 4, "x": 9, "y": 5, "w": 10, "h": 10, "outside": True},
                                  {"frame": 7, "x": 1, "y": 1, "w": 4, "h": 4},
                                  {"frame": 9, "x": 3, "y": 1, "w": 4, "h": 4}]},
    "occluded_span": {"keyframes": [{"frame": 0, "x": 0, "y": 0, "w": 8, "h": 8},
                                    {"frame": 3, "x": 3, "y": 0, "w": 8, "h": 8, "occluded": True},
                                    {"frame": 6, "x": 9, "y": 3, "w": 8, "h": 8}]},
    "thirds": {"keyframes": [{"frame": 1, "x": 0.1, "y": 0, "w": 1, "h": 1},
                             {"frame": 4, "x": 1.3, "y": 2.2, "w": 3.7, "h": 1}]},
    "ends_outside": {"keyframes": [{"frame": 0, "x": 0, "y": 0, "w": 4, "h": 4},
                                   {"frame": 2, "x": 6, "y": 0, "w": 4, "h": 4, "outside": True}]},
}


def box(frame, x, y=0.0, w=10.0, h=10.0, occluded=False, keyframe=False):
    return {"frame": frame, "x": x, "y": y, "w": w, "h": h, "occluded": occluded, "keyframe": keyframe}


def kf(frame, x, y=0, w=10, h=10, **flags):
    return {"frame": frame, "x": x, "y": y, "w": w, "h": h, "outside": False, "occluded": False, **flags}


def track(*keyframes, label="car", tid="1"):
    return {"id": tid, "label": label, "attributes": {}, "keyframes": list(keyframes)}


def test_doctests():
    assert doctest.testmod(tracks).failed == 0


class TestExpandTrack:
    def test_linear_midpoint(self):
        rows = expand_track(INTERPOLATION_CASES["midpoint"], None)
        assert [r["frame"] for r in rows] == list(range(11))
        assert rows[5] == box(5, 10.0, 20.0, 20.0, 20.0)
        assert rows[0]["keyframe"] and rows[10]["keyframe"] and not rows[5]["keyframe"]

    def test_outside_gap_hides_frames_and_does_not_interpolate_into_it(self):
        rows = {r["frame"]: r for r in expand_track(INTERPOLATION_CASES["outside_gap"], 12)}
        assert sorted(rows) == [2, 3, 7, 8, 9, 10, 11]
        assert rows[3]["x"] == 5.0  # held: the next keyframe is outside
        assert rows[7] == box(7, 1.0, 1.0, 4.0, 4.0, keyframe=True)  # comes back at its keyframe, no fade-in
        assert rows[8]["x"] == 2.0

    def test_occluded_holds_from_a_keyframe_to_the_next(self):
        rows = expand_track(INTERPOLATION_CASES["occluded_span"], None)
        assert [r["occluded"] for r in rows] == [False] * 3 + [True] * 3 + [False]
        assert rows[4]["x"] == 5.0 and rows[4]["y"] == 1.0

    def test_after_the_last_keyframe_the_box_stays_to_the_end(self):
        t = INTERPOLATION_CASES["midpoint"]
        rows = expand_track(t, 15)
        assert [r["frame"] for r in rows] == list(range(15))
        assert rows[14] == box(14, 20.0, 30.0, 30.0, 20.0)
        assert len(expand_track(t, None)) == 11  # no frame count: up to the last keyframe
        assert len(expand_track(t, 6)) == 6  # a shorter video cuts it

    def test_a_last_keyframe_outside_ends_the_track(self):
        rows = expand_track(INTERPOLATION_CASES["ends_outside"], 10)
        assert [(r["frame"], r["x"]) for r in rows] == [(0, 0.0), (1, 0.0)]

    def test_nothing_before_the_first_keyframe(self):
        assert [r["frame"] for r in expand_track(INTERPOLATION_CASES["thirds"], 6)] == [1, 2, 3, 4, 5]

    @pytest.mark.parametrize("name", sorted(INTERPOLATION_CASES))
    def test_boxes_at_agrees_with_expand_track(self, name):
        t = INTERPOLATION_CASES[name]
        rows = {r["frame"]: r for r in expand_track(t, 12)}
        for frame in range(12):
            assert boxes_at(t, frame) == rows.get(frame)


def runs_of_boxes():
    """Per-frame boxes in runs of consecutive frames with gaps between, moving piecewise linearly."""
    run = st.tuples(st.integers(1, 25), st.integers(0, 4), st.lists(
        st.tuples(st.floats(-3, 3), st.floats(-3, 3), st.floats(-1, 1), st.booleans()), min_size=1, max_size=4))

    def build(spec):
        start, rows = 0, []
        for length, gap, pieces in spec:
            start += gap
            x, y, w = 50.0, 40.0, 20.0
            for i in range(length):
                dx, dy, dw, occ = pieces[i * len(pieces) // length]
                x, y, w = x + dx, y + dy, max(1.0, w + dw)
                rows.append(box(start + i, x, y, w, 15.0, occluded=occ))
            start += length + 1
        return rows

    return st.lists(run, min_size=1, max_size=4).map(build)


class TestSimplifyTrack:
    def test_a_straight_line_needs_two_keyframes(self):
        rows = [box(f, 2.0 * f) for f in range(30)]
        keys = simplify_track(rows)
        assert [k["frame"] for k in keys] == [0, 29]

    def test_gaps_get_outside_keyframes(self):
        rows = [box(f, 1.0) for f in (3, 4, 5, 9, 10)]
        keys = simplify_track(rows)
        assert [(k["frame"], k["outside"]) for k in keys] == [(3, False), (5, False), (6, True), (9, False),
                                                                (10, False)]

    def test_an_occlusion_change_is_a_keyframe(self):
        rows = [box(f, 0.0, occluded=4 <= f < 7) for f in range(10)]
        frames = [k["frame"] for k in simplify_track(rows)]
        assert {4, 7} <= set(frames)

    def test_duplicate_frames_are_refused(self):
        with pytest.raises(ValueError):
            simplify_track([box(1, 0.0), box(1, 2.0)])

    @settings(max_examples=150, deadline=None)
    @given(runs_of_boxes(), st.sampled_from([0.01, 0.5, 2.0]))
    def test_round_trip_within_tolerance(self, rows, tolerance):
        keys = simplify_track(rows, tolerance)
        back = expand_track({"keyframes": keys}, None)
        assert [r["frame"] for r in back] == [r["frame"] for r in rows]
        for got, want in zip(back, rows):
            assert got["occluded"] == want["occluded"]
            for c in ("x", "y", "w", "h"):
                assert abs(got[c] - want[c]) <= tolerance + 1e-9
        gaps = sum(1 for a, b in pairwise(rows) if b["frame"] > a["frame"] + 1)
        assert sum(k["outside"] for k in keys) == gaps  # one outside keyframe per gap
        assert sum(not k["outside"] for k in keys) <= len(rows)


class TestTrackIoU:
    def test_identical_and_disjoint(self):
        a = track(kf(0, 0), kf(9, 9))
        assert track_iou(a, a) == 1.0
        assert track_iou(a, track(kf(0, 100), kf(9, 100))) == 0.0

    def test_frames_shown_by_one_track_only_count_zero(self):
        a = track(kf(0, 0), kf(9, 0))
        b = track(kf(0, 0), kf(4, 0), kf(5, 0, outside=True))
        assert track_iou(a, b) == pytest.approx(0.5)
        assert track_iou(a, b, frames=20) == pytest.approx(0.25)

    def test_matching_respects_labels(self):
        a = [track(kf(0, 0), label="car"), track(kf(0, 50), label="person", tid="2")]
        b = [track(kf(0, 51), label="person"), track(kf(0, 1), label="person", tid="2")]
        assert match_tracks(a, b) == [(1, 0, pytest.approx(9 / 11))]


class TestTrackConsensus:
    def test_majority_tracks_are_averaged_and_rekeyframed(self):
        ann = [[track(kf(0, 0), kf(10, 20))], [track(kf(0, 2), kf(10, 22))],
               [track(kf(0, 1), kf(10, 21)), track(kf(0, 300), label="person", tid="9")]]
        out = consensus_tracks(ann)
        assert len(out) == 1
        assert out[0]["label"] == "car" and out[0]["id"] == "1"
        assert [(k["frame"], k["x"]) for k in out[0]["keyframes"]] == [(0, 1.0), (10, 21.0)]

    def test_frames_need_a_majority_of_annotators(self):
        ann = [[track(kf(0, 0), kf(9, 0))], [track(kf(0, 0), kf(5, 0), kf(6, 0, outside=True))],
               [track(kf(0, 0), kf(9, 0))], []]
        out = consensus_tracks(ann)
        assert [r["frame"] for r in expand_track(out[0], None)] == list(range(6))  # 3 of 4 up to 5, then 2
        ann[3] = [track(kf(3, 0), kf(9, 0))]
        ann[2] = []
        out = consensus_tracks(ann)
        assert [r["frame"] for r in expand_track(out[0], None)] == [3, 4, 5]

    def test_no_majority_no_track(self):
        assert consensus_tracks([[track(kf(0, 0))], [], []]) == []
        assert consensus_tracks([[], []]) == []

    def test_attributes_by_plurality(self):
        t = [track(kf(0, 0)) for _ in range(3)]
        for obj, colour in zip(t, ["red", "red", "blue"]):
            obj["attributes"] = {"colour": colour}
        assert consensus_tracks([[obj] for obj in t])[0]["attributes"] == {"colour": "red"}

    def test_soft_f1(self):
        a = [track(kf(0, 0), kf(9, 0))]
        assert tracks_f1(a, a) == 1.0
        assert tracks_f1([], []) == 1.0
        assert tracks_f1(a, []) == 0.0
        assert tracks_f1(a, a + [track(kf(0, 200), tid="2")]) == pytest.approx(2 / 3)


def seg(label, start, end, **attributes):
    return {"label": label, "start": start, "end": end, "attributes": attributes}


class TestSegments:
    def test_iou_counts_inclusive_frames(self):
        assert segment_iou(seg("a", 0, 9), seg("a", 5, 14)) == pytest.approx(5 / 15)
        assert segment_iou(seg("a", 3, 3), seg("a", 3, 3)) == 1.0
        assert segment_iou(seg("a", 0, 2), seg("a", 3, 5)) == 0.0

    def test_consensus_is_majority_frames_per_label(self):
        ann = [[seg("walk", 0, 9), seg("run", 10, 20)], [seg("walk", 2, 12)], [seg("walk", 4, 6), seg("run", 15, 30)]]
        out = consensus_segments(ann, labels=["walk", "run"])
        assert [(s["id"], s["label"], s["start"], s["end"]) for s in out] == [
            ("1", "walk", 2, 9), ("2", "run", 15, 20)]

    def test_majority_frames_split_into_runs(self):
        ann = [[seg("a", 0, 10)], [seg("a", 0, 3), seg("a", 7, 10)], []]
        assert [(s["start"], s["end"]) for s in consensus_segments(ann)] == [(0, 3), (7, 10)]

    def test_consensus_attributes(self):
        ann = [[seg("a", 0, 5, mood="calm")], [seg("a", 0, 5, mood="calm")], [seg("a", 0, 5, mood="angry")]]
        assert consensus_segments(ann)[0]["attributes"] == {"mood": "calm"}

    def test_f1(self):
        a = [seg("a", 0, 9), seg("b", 20, 29)]
        assert segments_f1(a, a) == 1.0
        assert segments_f1(a, [seg("a", 1, 9)]) == pytest.approx(2 / 3)
        assert segments_f1(a, [seg("b", 0, 9)]) == 0.0  # other label
        assert segments_f1([], []) == 1.0
