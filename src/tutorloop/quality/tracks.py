"""Video annotations: keyframed object tracks and temporal segments — interpolation, IoU, matching, consensus.

**Tracks.** A track is ``{"id", "label", "attributes", "keyframes": [...]}``; a keyframe is ``{"frame",
"x", "y", "w", "h", "outside", "occluded"}`` (0-based frame, box in video pixels, top-left corner and
size), keyframes sorted by frame and unique.  The box on frame ``f`` is defined by the keyframe ``k`` at or
before ``f`` (none: the track has not started, nothing is shown) and the keyframe ``n`` after it:

- ``k.outside``: nothing is shown from ``k.frame`` up to (not including) ``n.frame``;
- ``n`` exists and is not outside: linear interpolation of each of ``x, y, w, h``::

      t = (f - k.frame) / (n.frame - k.frame);   x = k.x + (n.x - k.x) * t   (same for y, w, h)

- ``n`` is outside, or there is no ``n``: ``k``'s box, unchanged (after the last keyframe the track stays
  where it was to the end of the video, unless that keyframe is outside);
- ``occluded`` is ``k.occluded`` on every frame from ``k`` up to ``n`` (flags are not interpolated).

A track coming back after an outside keyframe appears at its next keyframe (no interpolation from the
outside keyframe's box).  ``static/js/questions/video-interpolate.js`` implements the same rule with the
same floating-point operations; the browser tests compare the two.

:func:`expand_track` gives the per-frame boxes; :func:`simplify_track` is its inverse: per-frame boxes →
the fewest keyframes (found greedily) whose interpolation reproduces every box within ``tolerance`` pixels
(``outside`` keyframes where frames are missing).  Consensus tracks are re-keyframed with it.

**Track IoU** (spatio-temporal): the mean over frames where either track is shown of the per-frame box IoU,
a frame shown by only one of them counting 0.  Tracks are expanded up to a common horizon: the video's
frame count when known, else one past the last keyframe of the tracks compared (so two tracks that both
stay put after their last keyframes agree on those frames too).

**Track consensus.** The annotators' tracks are clustered (annotators in the given order, each matched to the
clusters so far by the Hungarian algorithm on track IoU, same label, IoU >= ``threshold``; unmatched
tracks open clusters; one track per annotator per cluster).  A cluster supported by ``quorum`` annotators
(default a strict majority of all annotators, including those who drew nothing) becomes a consensus track:
shown on the frames where at least ``quorum`` members show it, its box there the mean of those members'
boxes, occluded when most of them say so; it is then re-keyframed by :func:`simplify_track` — a keyframe
wherever the averaged motion leaves a straight line by more than the tolerance.

**Segments** are ``{"id", "label", "start", "end", "attributes"}`` with inclusive frames.  Temporal IoU::

    IoU(a, b) = |a ∩ b| / |a ∪ b|,   |[s, e]| = e - s + 1

Consensus: for each label, the frames marked with that label by at least ``quorum`` annotators (default a
strict majority), merged into runs of consecutive frames.  Agreement of two answers is the matched F1:
segments (or tracks) are matched one to one, same label, by the Hungarian algorithm on IoU, pairs with
IoU >= 0.5 count; ``F1 = 2·matched / (|A| + |B|)``; for tracks each match counts its IoU (a soft F1,
which equals the mean matched IoU when every track is matched).  Two empty answers agree fully.

Example:
    >>> track = {"keyframes": [{"frame": 0, "x": 0, "y": 0, "w": 10, "h": 10},
    ...                        {"frame": 4, "x": 8, "y": 0, "w": 10, "h": 10}]}
    >>> [b["x"] for b in expand_track(track, 6)]
    [0.0, 2.0, 4.0, 6.0, 8.0, 8.0]
    >>> len(simplify_track(expand_track(track, None)))
    2
    >>> consensus_segments([[{"label": "a", "start": 0, "end": 9}], [{"label": "a", "start": 2, "end": 12}]])
    [{'id': '1', 'label': 'a', 'start': 2, 'end': 9, 'attributes': {}}]
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

import numpy as np

from tutorloop.quality.shapes import match_by_iou

_COORDS = ("x", "y", "w", "h")
_EPS = 1e-9


# --------------------------------------------------------------------------------------------- one track


def _flag(keyframe: dict, name: str) -> bool:
    return bool(keyframe.get(name, False))


def _box(keyframe: dict) -> tuple[float, float, float, float]:
    return tuple(float(keyframe[c]) for c in _COORDS)  # type: ignore[return-value]


def last_frame(track: dict) -> int:
    """The frame of a track's last keyframe (-1 for a track without keyframes)."""
    keyframes = track.get("keyframes") or []
    return int(keyframes[-1]["frame"]) if keyframes else -1


def boxes_at(track: dict, frame: int) -> dict | None:
    """The track's box on one frame (same shape as :func:`expand_track` rows), or None where it is not shown.

    Frames after the last keyframe are answered as if the video never ended; callers bound them.
    """
    keyframes = track.get("keyframes") or []
    frames = [int(k["frame"]) for k in keyframes]
    i = bisect_right(frames, frame) - 1
    if i < 0 or _flag(keyframes[i], "outside"):
        return None
    k = keyframes[i]
    x, y, w, h = _box(k)
    if frames[i] != frame and i + 1 < len(keyframes) and not _flag(keyframes[i + 1], "outside"):
        n = keyframes[i + 1]
        t = (frame - frames[i]) / (frames[i + 1] - frames[i])
        nx, ny, nw, nh = _box(n)
        x, y, w, h = x + (nx - x) * t, y + (ny - y) * t, w + (nw - w) * t, h + (nh - h) * t
    return {"frame": int(frame), "x": x, "y": y, "w": w, "h": h,
            "occluded": _flag(k, "occluded"), "keyframe": frames[i] == frame}


def dense_track(track: dict, horizon: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The track on frames ``0..horizon-1``: boxes ``(horizon, 4)`` (NaN where not shown), occluded, keyframe."""
    boxes = np.full((horizon, 4), np.nan)
    occluded = np.zeros(horizon, dtype=bool)
    is_key = np.zeros(horizon, dtype=bool)
    keyframes = track.get("keyframes") or []
    for i, k in enumerate(keyframes):
        start = int(k["frame"])
        if start >= horizon:
            break
        if _flag(k, "outside"):
            continue
        n = keyframes[i + 1] if i + 1 < len(keyframes) else None
        end = min(int(n["frame"]) if n is not None else horizon, horizon)
        a = np.array(_box(k))
        if n is not None and not _flag(n, "outside"):
            t = (np.arange(start, end) - start) / (int(n["frame"]) - start)
            boxes[start:end] = a + (np.array(_box(n)) - a) * t[:, None]
        else:
            boxes[start:end] = a
        occluded[start:end] = _flag(k, "occluded")
        is_key[start] = True
    return boxes, occluded, is_key


def expand_track(track: dict, frames: int | None) -> list[dict]:
    """The track's box on every frame where it is shown, in frame order.

    Rows are ``{"frame", "x", "y", "w", "h", "occluded", "keyframe"}``; ``frames`` is the video's frame
    count (the track runs on to its end after the last keyframe), None to stop at the last keyframe.
    """
    horizon = last_frame(track) + 1 if frames is None else int(frames)
    boxes, occluded, is_key = dense_track(track, max(horizon, 0))
    shown = np.flatnonzero(~np.isnan(boxes[:, 0]))
    return [{"frame": int(f), "x": float(boxes[f, 0]), "y": float(boxes[f, 1]), "w": float(boxes[f, 2]),
             "h": float(boxes[f, 3]), "occluded": bool(occluded[f]), "keyframe": bool(is_key[f])} for f in shown]


def simplify_track(boxes: list[dict], tolerance: float = 0.5) -> list[dict]:
    """Per-frame boxes → keyframes whose interpolation gives back every box within ``tolerance`` pixels.

    ``boxes`` are rows like :func:`expand_track`'s (``keyframe`` is ignored); frames missing between two
    boxes mean the object is outside, and get an ``outside`` keyframe on the first missing frame.  The first
    box of every visible run and the last box overall are keyframes, so ``expand_track(result, None)``
    covers exactly the given frames.  Keyframes are chosen greedily: each reaches as far as a straight line
    (and an unchanged occluded flag) allows, found by galloping then bisecting over the next keyframe.
    """
    if not boxes:
        return []
    rows = sorted(boxes, key=lambda b: int(b["frame"]))
    frames = np.array([int(b["frame"]) for b in rows])
    if np.any(np.diff(frames) == 0):
        raise ValueError("two boxes for the same frame")
    coords = np.array([[float(b[c]) for c in _COORDS] for b in rows])
    occluded = np.array([bool(b.get("occluded", False)) for b in rows])
    breaks = np.flatnonzero(np.diff(frames) > 1)
    starts, ends = np.r_[0, breaks + 1], np.r_[breaks, len(rows) - 1]
    out: list[dict] = []
    for s, e in zip(starts, ends):
        i = int(s)
        while True:
            out.append(_keyframe(frames[i], coords[i], occluded=bool(occluded[i])))
            if i == e:
                break
            i = _reach(frames, coords, occluded, i, int(e), tolerance)
        if e != len(rows) - 1:
            out.append(_keyframe(frames[e] + 1, coords[e], occluded=False, outside=True))
    return out


def _keyframe(frame, box, *, occluded: bool, outside: bool = False) -> dict:
    x, y, w, h = (float(v) for v in box)
    return {"frame": int(frame), "x": x, "y": y, "w": w, "h": h, "outside": outside, "occluded": occluded}


def _fits(frames, coords, occluded, i: int, j: int, tolerance: float) -> bool:
    """Whether keyframes at rows i and j reproduce rows i+1..j-1 (consecutive frames) within tolerance."""
    if j - i < 2:
        return True
    if np.any(occluded[i:j] != occluded[i]):
        return False
    t = (frames[i + 1:j] - frames[i]) / (frames[j] - frames[i])
    line = coords[i] + (coords[j] - coords[i]) * t[:, None]
    return bool(np.max(np.abs(line - coords[i + 1:j])) <= tolerance + _EPS)


def _reach(frames, coords, occluded, i: int, end: int, tolerance: float) -> int:
    """The row of the keyframe after row i: the farthest fitting one found by galloping then bisection."""
    good, step = i + 1, 1
    while good < end:
        probe = min(i + 2 * step, end)
        if not _fits(frames, coords, occluded, i, probe, tolerance):
            bad = probe
            break
        good, step = probe, step * 2
    else:
        return good
    while bad - good > 1:
        mid = (good + bad) // 2
        if _fits(frames, coords, occluded, i, mid, tolerance):
            good = mid
        else:
            bad = mid
    return good


# ------------------------------------------------------------------------------------ comparing tracks


def horizon_of(*answers: Sequence[dict]) -> int:
    """One past the last keyframe of any track in the answers (0 when there are none)."""
    return max((last_frame(t) for answer in answers for t in answer), default=-1) + 1


def _frame_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-frame IoU of boxes ``a`` (..., 4) and ``b`` (..., 4); NaN boxes give 0."""
    iw = np.minimum(a[..., 0] + a[..., 2], b[..., 0] + b[..., 2]) - np.maximum(a[..., 0], b[..., 0])
    ih = np.minimum(a[..., 1] + a[..., 3], b[..., 1] + b[..., 3]) - np.maximum(a[..., 1], b[..., 1])
    inter = np.clip(np.nan_to_num(iw), 0, None) * np.clip(np.nan_to_num(ih), 0, None)
    union = np.nan_to_num(a[..., 2] * a[..., 3]) + np.nan_to_num(b[..., 2] * b[..., 3]) - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > _EPS)


def _dense_iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Track IoU between stacks of dense tracks ``a`` (na, H, 4) and ``b`` (nb, H, 4)."""
    out = np.zeros((len(a), len(b)))
    if not len(a) or not len(b):
        return out
    shown_b = ~np.isnan(b[..., 0])
    for i, track in enumerate(a):
        per_frame = _frame_iou(track[None], b)
        union = (~np.isnan(track[:, 0]))[None] | shown_b
        frames = union.sum(axis=1)
        out[i] = np.divide(per_frame.sum(axis=1), frames, out=np.zeros(len(b)), where=frames > 0)
    return out


def _stack(tracks: Sequence[dict], horizon: int) -> np.ndarray:
    return np.array([dense_track(t, horizon)[0] for t in tracks]).reshape(len(tracks), horizon, 4)


def track_iou(track_a: dict, track_b: dict, frames: int | None = None) -> float:
    """Mean per-frame IoU over the frames where either track is shown (see the module docstring)."""
    horizon = frames if frames is not None else horizon_of([track_a, track_b])
    return float(_dense_iou_matrix(_stack([track_a], horizon), _stack([track_b], horizon))[0, 0])


def track_iou_matrix(tracks_a: Sequence[dict], tracks_b: Sequence[dict], frames: int | None = None,
                     *, same_label: bool = True) -> np.ndarray:
    """Track IoU of every pair (``len(a) × len(b)``); pairs of different labels are 0 when ``same_label``."""
    horizon = frames if frames is not None else horizon_of(tracks_a, tracks_b)
    m = _dense_iou_matrix(_stack(tracks_a, horizon), _stack(tracks_b, horizon))
    if same_label and m.size:
        m = np.where(_same_labels(tracks_a, tracks_b), m, 0.0)
    return m


def _same_labels(a: Sequence[dict], b: Sequence[dict]) -> np.ndarray:
    la = np.array([o.get("label") for o in a], dtype=object)
    lb = np.array([o.get("label") for o in b], dtype=object)
    return la[:, None] == lb[None, :]


def match_tracks(tracks_a: Sequence[dict], tracks_b: Sequence[dict], *, threshold: float = 0.5,
                 frames: int | None = None) -> list[tuple[int, int, float]]:
    """One-to-one matching of two answers' tracks (same label, IoU >= threshold): ``[(i, j, iou)]``."""
    m = track_iou_matrix(tracks_a, tracks_b, frames)
    rows, cols = match_by_iou(m, threshold=threshold)
    return [(int(r), int(c), float(m[r, c])) for r, c in zip(rows, cols)]


def tracks_f1(tracks_a: Sequence[dict], tracks_b: Sequence[dict], *, threshold: float = 0.5,
              frames: int | None = None) -> float:
    """Soft matched F1 of two answers: ``2·Σ matched IoU / (|A| + |B|)``; 1.0 when both are empty."""
    if not tracks_a and not tracks_b:
        return 1.0
    matched = match_tracks(tracks_a, tracks_b, threshold=threshold, frames=frames)
    return 2 * sum(iou for _, _, iou in matched) / (len(tracks_a) + len(tracks_b))


def consensus_tracks(answers: Sequence[Sequence[dict]], *, threshold: float = 0.5, quorum: int | None = None,
                     frames: int | None = None, tolerance: float = 0.5) -> list[dict]:
    """The consensus tracks of several annotators' answers (see the module docstring); ids "1", "2"…"""
    horizon = frames if frames is not None else horizon_of(*answers)
    need = quorum if quorum is not None else len(answers) // 2 + 1
    clusters: list[list[tuple[int, int]]] = []
    centres: list[np.ndarray] = []
    stacks = [_stack(answer, horizon) for answer in answers]
    for g, answer in enumerate(answers):
        matched: set[int] = set()
        if clusters and len(answer):
            m = _dense_iou_matrix(stacks[g], np.array(centres))
            firsts = [answers[c[0][0]][c[0][1]] for c in clusters]
            m = np.where(_same_labels(answer, firsts), m, 0.0)
            rows, cols = match_by_iou(m, threshold=threshold)
            for r, c in zip(rows, cols):
                clusters[c].append((g, int(r)))
                centres[c] = _mean_shown(np.array([stacks[gg][rr] for gg, rr in clusters[c]]))
                matched.add(int(r))
        for r in range(len(answer)):
            if r not in matched:
                clusters.append([(g, r)])
                centres.append(stacks[g][r])
    out = []
    for members in clusters:
        if len(members) < need:
            continue
        keyframes = _consensus_keyframes(members, answers, horizon, need, tolerance)
        if keyframes:
            tracks = [answers[g][r] for g, r in members]
            out.append({"label": tracks[0].get("label"), "attributes": _plural_attributes(tracks),
                        "keyframes": keyframes})
    out.sort(key=lambda t: (t["keyframes"][0]["frame"], str(t["label"])))
    return [{"id": str(i + 1), **t} for i, t in enumerate(out)]


def _mean_shown(stack: np.ndarray) -> np.ndarray:
    """Per-frame mean box of the tracks shown on that frame; NaN where none is."""
    shown = ~np.isnan(stack[..., 0])
    count = shown.sum(axis=0)[:, None]
    total = np.nan_to_num(stack).sum(axis=0)
    return np.divide(total, count, out=np.full(total.shape, np.nan), where=count > 0)


def _consensus_keyframes(members, answers, horizon: int, need: int, tolerance: float) -> list[dict]:
    dense = [dense_track(answers[g][r], horizon) for g, r in members]
    boxes = np.array([d[0] for d in dense])
    occluded = np.array([d[1] for d in dense])
    shown = ~np.isnan(boxes[..., 0])
    count = shown.sum(axis=0)
    rows = []
    for f in np.flatnonzero(count >= need):
        mean = boxes[shown[:, f], f].mean(axis=0)
        occ = 2 * int(occluded[shown[:, f], f].sum()) > int(count[f])
        rows.append({"frame": int(f), "x": mean[0], "y": mean[1], "w": mean[2], "h": mean[3], "occluded": occ})
    return simplify_track(rows, tolerance)


def _plural_attributes(objects: Sequence[dict]) -> dict:
    """Each attribute's most frequent value among the objects that have it (ties: the first seen)."""
    counts: dict[str, dict[str, tuple[int, object]]] = {}
    for obj in objects:
        for name, value in (obj.get("attributes") or {}).items():
            key = repr(value)
            seen = counts.setdefault(name, {})
            n, _ = seen.get(key, (0, value))
            seen[key] = (n + 1, value)
    return {name: max(values.values(), key=lambda nv: nv[0])[1] for name, values in counts.items()}


# ------------------------------------------------------------------------------------------- segments


def segment_iou_matrix(segments_a: Sequence[dict], segments_b: Sequence[dict], *,
                       same_label: bool = True) -> np.ndarray:
    """Temporal IoU of inclusive-frame segments (``len(a) × len(b)``); other labels 0 when ``same_label``."""
    a = np.array([[s["start"], s["end"]] for s in segments_a], dtype=float).reshape(-1, 2)
    b = np.array([[s["start"], s["end"]] for s in segments_b], dtype=float).reshape(-1, 2)
    inter = np.clip(np.minimum(a[:, None, 1], b[None, :, 1]) - np.maximum(a[:, None, 0], b[None, :, 0]) + 1, 0, None)
    union = (a[:, 1] - a[:, 0] + 1)[:, None] + (b[:, 1] - b[:, 0] + 1)[None, :] - inter
    m = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    if same_label and m.size:
        m = np.where(_same_labels(segments_a, segments_b), m, 0.0)
    return m


def segment_iou(a: dict, b: dict) -> float:
    """Temporal IoU of two segments (labels ignored)."""
    return float(segment_iou_matrix([a], [b], same_label=False)[0, 0])


def segments_f1(segments_a: Sequence[dict], segments_b: Sequence[dict], *, threshold: float = 0.5) -> float:
    """Matched F1 of two answers' segments: ``2·matched / (|A| + |B|)``; 1.0 when both are empty."""
    if not segments_a and not segments_b:
        return 1.0
    rows, _ = match_by_iou(segment_iou_matrix(segments_a, segments_b), threshold=threshold)
    return 2 * len(rows) / (len(segments_a) + len(segments_b))


def consensus_segments(answers: Sequence[Sequence[dict]], *, quorum: int | None = None,
                       labels: Sequence[str] | None = None) -> list[dict]:
    """Per label, the frames marked by at least ``quorum`` annotators, as runs; ids "1", "2"… by start.

    ``labels`` orders labels that start on the same frame (default: order of first appearance).
    """
    need = quorum if quorum is not None else len(answers) // 2 + 1
    order = list(labels or [])
    for answer in answers:
        order += [s["label"] for s in answer if s["label"] not in order]
    horizon = max((int(s["end"]) for answer in answers for s in answer), default=-1) + 2
    out = []
    for label in order:
        count = np.zeros(horizon, dtype=int)
        for answer in answers:
            delta = np.zeros(horizon, dtype=int)
            for s in answer:
                if s["label"] == label:
                    delta[int(s["start"])] += 1
                    delta[int(s["end"]) + 1] -= 1
            count += np.cumsum(delta) > 0
        for start, end in _runs(count >= need):
            run = {"label": label, "start": start, "end": end}
            members = [s for answer in answers for s in answer
                       if s["label"] == label and s["start"] <= end and s["end"] >= start]
            out.append({**run, "attributes": _plural_attributes(members)})
    out.sort(key=lambda s: (s["start"], order.index(s["label"])))
    return [{"id": str(i + 1), **s} for i, s in enumerate(out)]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive (start, end) of each run of True."""
    edges = np.diff(np.r_[0, mask.astype(int), 0])
    return [(int(s), int(e) - 1) for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))]


__all__ = [
    "boxes_at",
    "consensus_segments",
    "consensus_tracks",
    "dense_track",
    "expand_track",
    "horizon_of",
    "last_frame",
    "match_tracks",
    "segment_iou",
    "segment_iou_matrix",
    "segments_f1",
    "simplify_track",
    "track_iou",
    "track_iou_matrix",
    "tracks_f1",
]
