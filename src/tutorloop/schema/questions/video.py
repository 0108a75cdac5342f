"""Video questions: temporal segments (`video_segments`) and keyframed object tracks (`video_tracks`).

Both annotate one `video` field (`field`) and answer with a list of labelled objects; frames are 0-based
integers and boxes are in video pixels. Answers are checked against what the server read from the video
file (`ctx.media[field]`: frames, width, height), never against numbers a client sends; a video that was
not probed (a URL) is checked for everything but those bounds. The interpolation rule of tracks, the
measures and the consensus are in `tutorloop.quality.tracks` and docs/video.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import model_validator

from tutorloop.quality.tracks import consensus_segments, consensus_tracks, match_tracks, segments_f1, tracks_f1
from tutorloop.schema.questions.base import NO_CONTEXT, AnswerContext, QuestionType, fail, register
from tutorloop.schema.questions.choices import HOTKEYS, RESERVED
from tutorloop.schema.questions.structured import ObjectQuestionConfig, check_objects, number

# Letter keys the video player and the track tools use; automatic label hotkeys skip them.
VIDEO_KEYS = {"k": "play/pause", "o": "outside", "c": "occluded", "n": "new track", "p": "accept the suggestion"}
MAX_KEYFRAMES = 100_000
SEGMENT_KEYS = ("id", "label", "start", "end", "attributes")
TRACK_KEYS = ("id", "label", "attributes", "keyframes")
KEYFRAME_KEYS = ("frame", "x", "y", "w", "h", "outside", "occluded")
_SLACK = 1e-6  # boxes drawn exactly on the frame's edge may carry float rounding


class VideoQuestionConfig(ObjectQuestionConfig):
    """Labels of a video question get automatic hotkeys that leave the player's letter keys free.

    An explicit label hotkey is kept even when it is one of them; the editor then leaves that plain letter
    to the label and offers the tool on Shift+letter (always available too).
    """

    @model_validator(mode="wrap")
    @classmethod
    def _hotkeys_around_player_keys(cls, data: Any, handler: Any) -> VideoQuestionConfig:
        if not isinstance(data, dict) or not isinstance(data.get("labels"), list):
            return handler(data)
        labels = [{"value": v} if isinstance(v, str) else v for v in data["labels"]]
        explicit = {str(label.get("hotkey")).lower() for label in labels
                    if isinstance(label, dict) and label.get("hotkey")}
        free = iter(k for k in HOTKEYS if k not in explicit and k not in RESERVED and k not in VIDEO_KEYS)
        labels = [{**label, "hotkey": next(free, "")} if isinstance(label, dict) and not label.get("hotkey")
                  else label for label in labels]
        config = handler({**data, "labels": labels})
        for label in config.labels:  # more labels than free keys: the rest go without, never on a player key
            if label.hotkey in VIDEO_KEYS and label.hotkey not in explicit:
                label.hotkey = ""
        return config


class VideoSegmentsConfig(VideoQuestionConfig):
    # Segments of one label never overlap (they would be one segment); this lets different labels overlap.
    allow_overlap: bool = False


class VideoTracksConfig(VideoQuestionConfig):
    pass


def video_facts(config: ObjectQuestionConfig, ctx: AnswerContext) -> tuple[int | None, int | None, int | None]:
    """(frames, width, height) the server read from the question's video; None for what is unknown."""
    facts = ctx.media.get(config.field or "") or {}

    def whole(name: str) -> int | None:
        value = facts.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None

    return whole("frames"), whole("width"), whole("height")


def check_frame(value: Any, where: str, frames: int | None) -> int:
    """A 0-based frame number inside the video (when its frame count is known)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(where, "expected a whole frame number")
    if value < 0:
        raise fail(where, f"frame {value} is before the first frame (0)")
    if frames is not None and value >= frames:
        raise fail(where, f"frame {value} is past the last frame ({frames - 1}) of this {frames}-frame video")
    return value


def _known_keys(obj: dict, allowed: Sequence[str], where: str, noun: str) -> None:
    unknown = sorted(set(obj) - set(allowed))
    if unknown:
        raise fail(f"{where}.{unknown[0]}", f"no field {unknown[0]!r} in a {noun} (use {', '.join(allowed)})")


def _flag(obj: dict, name: str, where: str) -> bool:
    value = obj.get(name, False)
    if not isinstance(value, bool):
        raise fail(f"{where}.{name}", "expected true or false")
    return value


# ------------------------------------------------------------------------------------------- segments


def check_segments(config: VideoSegmentsConfig, value: Any, where: str, ctx: AnswerContext) -> list[dict]:
    """Validate a segments answer; returns it normalised (see the module docstring)."""
    frames, _, _ = video_facts(config, ctx)
    out = []
    for i, obj in enumerate(check_objects(config, value, where, "segments")):
        path = f"{where}.{i}"
        _known_keys(obj, SEGMENT_KEYS, path, "segment")
        start = check_frame(obj.get("start"), f"{path}.start", frames)
        end = check_frame(obj.get("end"), f"{path}.end", frames)
        if end < start:
            raise fail(f"{path}.end", f"the segment ends (frame {end}) before it starts (frame {start})")
        out.append({"id": obj["id"], "label": obj["label"], "start": start, "end": end,
                    "attributes": obj["attributes"]})
    _check_overlap(out, where, allow_overlap=config.allow_overlap)
    return out


def _check_overlap(segments: list[dict], where: str, *, allow_overlap: bool) -> None:
    """Refuse same-label overlaps always, and any overlap unless allowed (sweep in start order)."""
    order = sorted(range(len(segments)), key=lambda i: (segments[i]["start"], segments[i]["end"], i))
    last_of_label: dict[str, int] = {}
    latest: int | None = None  # the segment reaching furthest so far
    for i in order:
        seg = segments[i]
        same = last_of_label.get(seg["label"])
        if same is not None and segments[same]["end"] >= seg["start"]:
            other = segments[same]
            raise fail(f"{where}.{i}.start", f"overlaps segment {same} ({other['label']}, frames {other['start']}–"
                                             f"{other['end']}); segments of one label must not overlap — join them")
        if not allow_overlap and latest is not None and segments[latest]["end"] >= seg["start"]:
            other = segments[latest]
            raise fail(f"{where}.{i}.start", f"overlaps segment {latest} ({other['label']}, frames {other['start']}–"
                                             f"{other['end']}); this question does not allow overlapping segments")
        last_of_label[seg["label"]] = i
        if latest is None or seg["end"] > segments[latest]["end"]:
            latest = i


# --------------------------------------------------------------------------------------------- tracks


def check_tracks(config: VideoTracksConfig, value: Any, where: str, ctx: AnswerContext) -> list[dict]:
    """Validate a tracks answer; returns it normalised (see the module docstring)."""
    facts = video_facts(config, ctx)
    out = []
    for i, obj in enumerate(check_objects(config, value, where, "tracks")):
        path = f"{where}.{i}"
        _known_keys(obj, TRACK_KEYS, path, "track")
        out.append({"id": obj["id"], "label": obj["label"], "attributes": obj["attributes"],
                    "keyframes": check_keyframes(obj.get("keyframes"), f"{path}.keyframes", facts)})
    return out


def check_keyframes(value: Any, where: str, facts: tuple[int | None, int | None, int | None]) -> list[dict]:
    """A track's keyframes: in frame order, unique, inside the video; boxes inside the frame unless outside.

    An outside keyframe may leave out its box; it then gets the box of the shown keyframe before it (or
    after it), so every stored keyframe has one.
    """
    frames, width, height = facts
    if not isinstance(value, list) or not value:
        raise fail(where, "a track needs a list of at least one keyframe")
    if len(value) > MAX_KEYFRAMES:
        raise fail(where, f"at most {MAX_KEYFRAMES} keyframes per track, got {len(value)}")
    out: list[dict] = []
    previous: int | None = None
    for j, kf in enumerate(value):
        path = f"{where}.{j}"
        if not isinstance(kf, dict):
            raise fail(path, "expected a keyframe object")
        _known_keys(kf, KEYFRAME_KEYS, path, "keyframe")
        frame = check_frame(kf.get("frame"), f"{path}.frame", frames)
        if previous is not None and frame <= previous:
            raise fail(f"{path}.frame", f"keyframes must be in frame order without repeats: frame {frame} "
                                        f"follows frame {previous}")
        previous = frame
        outside, occluded = _flag(kf, "outside", path), _flag(kf, "occluded", path)
        box = _check_box(kf, path, width, height, optional=outside)
        out.append({"frame": frame, **box, "outside": outside, "occluded": occluded})
    shown = [k for k in out if not k["outside"]]
    if not shown:
        raise fail(where, "a track needs at least one keyframe that is not outside")
    last = shown[0]
    for kf in out:
        if not kf["outside"]:
            last = kf
        elif kf["x"] is None:
            kf.update({c: last[c] for c in ("x", "y", "w", "h")})
    return out


def _check_box(kf: dict, path: str, width: int | None, height: int | None, *, optional: bool) -> dict:
    if optional and all(kf.get(c) is None for c in ("x", "y", "w", "h")):
        return {"x": None, "y": None, "w": None, "h": None}
    x, y = number(kf.get("x"), f"{path}.x"), number(kf.get("y"), f"{path}.y")
    w, h = number(kf.get("w"), f"{path}.w"), number(kf.get("h"), f"{path}.h")
    if w <= 0:
        raise fail(f"{path}.w", f"a box needs a width above 0, got {w:g}")
    if h <= 0:
        raise fail(f"{path}.h", f"a box needs a height above 0, got {h:g}")
    if not optional:
        for start, size, limit, axis, extent, side in ((x, w, width, "x", "w", "width"),
                                                       (y, h, height, "y", "h", "height")):
            if start < -_SLACK:
                raise fail(f"{path}.{axis}", f"the box starts outside the frame ({axis} = {start:g})")
            if limit is not None and start + size > limit + _SLACK:
                raise fail(f"{path}.{extent}", f"the box reaches {axis} = {start + size:g}, past the frame "
                                               f"{side} {limit}")
    return {"x": x, "y": y, "w": w, "h": h}


# ------------------------------------------------------------------------------------------- registry


def _lists(values: Sequence[Any]) -> list[list]:
    return [v if isinstance(v, list) else [] for v in values]


@register
class VideoSegments(QuestionType):
    name = "video_segments"
    Config = VideoSegmentsConfig
    component = "video-segments"
    field_types = ("video",)
    structured = True

    def validate(self, config: VideoSegmentsConfig, value: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> Any:
        return check_segments(config, value, where, ctx)

    def consensus(self, config: VideoSegmentsConfig, values: Sequence[Any]) -> Any:
        """Per label, the frames a majority marked, as runs (tutorloop.quality.tracks.consensus_segments)."""
        if not values:
            return None
        return consensus_segments(_lists(values), labels=[label.value for label in config.labels])

    def agreement(self, config: VideoSegmentsConfig, values: Sequence[Any], consensus: Any) -> float | None:
        """Mean matched F1 (temporal IoU >= 0.5) of each answer with the consensus."""
        if consensus is None or not values:
            return None
        return sum(segments_f1(v, consensus) for v in _lists(values)) / len(values)

    def pair_agreement(self, config: VideoSegmentsConfig, a: Any, b: Any) -> float:
        return segments_f1(*_lists([a, b]))

    def gold_matches(self, config: VideoSegmentsConfig, answer: Any, truth: Any) -> bool:
        """Every gold segment matched (same label, temporal IoU >= 0.5) and nothing extra."""
        return segments_f1(*_lists([answer, truth])) == 1.0


@register
class VideoTracks(QuestionType):
    name = "video_tracks"
    Config = VideoTracksConfig
    component = "video-tracks"
    field_types = ("video",)
    structured = True

    def validate(self, config: VideoTracksConfig, value: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> Any:
        return check_tracks(config, value, where, ctx)

    def consensus(self, config: VideoTracksConfig, values: Sequence[Any]) -> Any:
        """Tracks matched across a majority, averaged per frame and re-keyframed (consensus_tracks)."""
        if not values:
            return None
        return consensus_tracks(_lists(values))

    def agreement(self, config: VideoTracksConfig, values: Sequence[Any], consensus: Any) -> float | None:
        """Mean soft matched F1 (matched track IoU) of each answer with the consensus."""
        if consensus is None or not values:
            return None
        return sum(tracks_f1(v, consensus) for v in _lists(values)) / len(values)

    def pair_agreement(self, config: VideoTracksConfig, a: Any, b: Any) -> float:
        return tracks_f1(*_lists([a, b]))

    def gold_matches(self, config: VideoTracksConfig, answer: Any, truth: Any) -> bool:
        """Every gold track matched (same label, track IoU >= 0.5) and nothing extra."""
        answer, truth = _lists([answer, truth])
        return len(answer) == len(truth) and len(match_tracks(answer, truth)) == len(truth)
