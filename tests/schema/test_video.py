"""Video questions: configs, answer validation against the probed video, consensus hooks, the real API."""

from __future__ import annotations

import json

import pytest

from tests.support.video import decoded_frame_numbers, write_video
from tutorloop.errors import Invalid
from tutorloop.media.probe import probe_video
from tutorloop.schema.questions import REGISTRY, AnswerContext
from tutorloop.schema.spec import parse_spec, validate_answers

SPEC = {
    "name": "Traffic",
    "fields": [{"name": "clip", "type": "video"}],
    "questions": [
        {"name": "tracks", "type": "video_tracks", "labels": ["car", "person"],
         "attributes": [{"name": "colour", "options": ["red", "blue"], "labels": ["car"]}]},
        {"name": "events", "type": "video_segments", "labels": ["walk", "run", "stop"], "required": False},
    ],
}
CTX = AnswerContext(data={"clip": "clip.webm"},
                    media={"clip": {"width": 64, "height": 48, "frames": 48, "fps": 24.0, "duration": 2.0}})


def kf(frame, x=1, y=2, w=10, h=10, **flags):
    return {"frame": frame, "x": x, "y": y, "w": w, "h": h, **flags}


def car(*keyframes, tid="t1"):
    return {"id": tid, "label": "car", "keyframes": list(keyframes)}


@pytest.fixture(scope="module")
def spec():
    return parse_spec(SPEC)


def check(spec, answers, ctx=CTX):
    return validate_answers(spec, answers, ctx)


def refused(spec, answers, ctx=CTX) -> Invalid:
    with pytest.raises(Invalid) as info:
        check(spec, answers, ctx)
    assert info.value.message.startswith(f"{info.value.where}: ")
    return info.value


class TestConfig:
    def test_the_field_is_found_and_labels_skip_the_player_keys(self, spec):
        tracks = spec["questions"][0]
        assert tracks["field"] == "clip"
        many = parse_spec({**SPEC, "questions": [{"name": "t", "type": "video_tracks",
                                                  "labels": [f"l{i}" for i in range(30)]}]})
        keys = [label["hotkey"] for label in many["questions"][0]["labels"]]
        assert not {"k", "o", "c", "n", "p", "s", "b", "g"} & set(keys)
        assert keys[:10] == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "a"]
        assert keys[-1] == ""  # more labels than free keys
        assert [label.hotkey for label in _config(many, "t").labels] == keys

    def test_an_explicit_player_key_is_kept(self):
        raw = {**SPEC, "questions": [{"name": "t", "type": "video_tracks",
                                      "labels": [{"value": "car", "hotkey": "c"}, "person", "bike"]}]}
        spec = parse_spec(raw)
        assert [label["hotkey"] for label in spec["questions"][0]["labels"]] == ["c", "1", "2"]
        again = _config(spec, "t")  # the stored form reads back the same
        assert [label.hotkey for label in again.labels] == ["c", "1", "2"]

    def test_a_video_question_needs_a_video_field(self):
        raw = {**SPEC, "fields": [{"name": "text", "type": "text"}]}
        with pytest.raises(Invalid) as info:
            parse_spec(raw)
        assert info.value.where == "spec.questions.0.field"


class TestTracks:
    def test_a_valid_track_is_normalised(self, spec):
        out = check(spec, {"tracks": [{"label": "car", "attributes": {"colour": "red"},
                                       "keyframes": [kf(0), kf(10, 30, 20, outside=True), kf(12, occluded=True)]}]})
        assert out["tracks"] == [{"id": "1", "label": "car", "attributes": {"colour": "red"}, "keyframes": [
            {"frame": 0, "x": 1, "y": 2, "w": 10, "h": 10, "outside": False, "occluded": False},
            {"frame": 10, "x": 30, "y": 20, "w": 10, "h": 10, "outside": True, "occluded": False},
            {"frame": 12, "x": 1, "y": 2, "w": 10, "h": 10, "outside": False, "occluded": True}]}]

    def test_an_outside_keyframe_may_leave_out_its_box(self, spec):
        out = check(spec, {"tracks": [car(kf(0, 5, 6), {"frame": 4, "outside": True})]})
        assert out["tracks"][0]["keyframes"][1] == {"frame": 4, "x": 5, "y": 6, "w": 10, "h": 10,
                                                    "outside": True, "occluded": False}

    @pytest.mark.parametrize(("keyframes", "where", "words"), [
        ([kf(48)], "answers.tracks.0.keyframes.0.frame", "past the last frame (47)"),
        ([kf(0), kf(-1)], "answers.tracks.0.keyframes.1.frame", "before the first frame"),
        ([kf(0), kf(1.5)], "answers.tracks.0.keyframes.1.frame", "whole frame number"),
        ([kf(5), kf(5)], "answers.tracks.0.keyframes.1.frame", "frame 5 follows frame 5"),
        ([kf(5), kf(2)], "answers.tracks.0.keyframes.1.frame", "in frame order"),
        ([kf(0, w=0)], "answers.tracks.0.keyframes.0.w", "width above 0"),
        ([kf(0, h=-2)], "answers.tracks.0.keyframes.0.h", "height above 0"),
        ([kf(0, x=-1)], "answers.tracks.0.keyframes.0.x", "starts outside the frame"),
        ([kf(0, x=60, w=5)], "answers.tracks.0.keyframes.0.w", "x = 65, past the frame width 64"),
        ([kf(0, y=40, h=9)], "answers.tracks.0.keyframes.0.h", "y = 49, past the frame height 48"),
        ([kf(0, x="3")], "answers.tracks.0.keyframes.0.x", "expected a number"),
        ([kf(0, outside=True)], "answers.tracks.0.keyframes", "not outside"),
        ([kf(0, occluded="yes")], "answers.tracks.0.keyframes.0.occluded", "true or false"),
        ([{**kf(0), "z": 1}], "answers.tracks.0.keyframes.0.z", "no field 'z'"),
        ([], "answers.tracks.0.keyframes", "at least one keyframe"),
        ("0", "answers.tracks.0.keyframes", "at least one keyframe"),
    ])
    def test_refused_with_the_path(self, spec, keyframes, where, words):
        err = refused(spec, {"tracks": [car(kf(0)), {"id": "x", "label": "car", "keyframes": keyframes}][1:]})
        assert err.where == where
        assert words in err.message

    def test_object_level_errors(self, spec):
        assert refused(spec, {"tracks": [car(kf(0)), car(kf(1))]}).where == "answers.tracks.1.id"
        assert refused(spec, {"tracks": [{"label": "bike", "keyframes": [kf(0)]}]}).where == "answers.tracks.0.label"
        assert refused(spec, {"tracks": [{**car(kf(0)), "score": 1}]}).where == "answers.tracks.0.score"
        err = refused(spec, {"tracks": [{**car(kf(0)), "label": "person", "attributes": {"colour": "red"}}]})
        assert err.where == "answers.tracks.0.attributes.colour"

    def test_without_probed_facts_only_the_shape_is_checked(self, spec):
        out = check(spec, {"tracks": [car(kf(500, x=1000))]}, AnswerContext())
        assert out["tracks"][0]["keyframes"][0]["frame"] == 500
        assert refused(spec, {"tracks": [car(kf(0, x=-3))]}, AnswerContext()).where.endswith("0.x")


class TestSegments:
    def base(self, segments):
        return {"tracks": [car(kf(0))], "events": segments}

    def test_valid_segments(self, spec):
        out = check(spec, self.base([{"label": "walk", "start": 0, "end": 4}, {"label": "run", "start": 5, "end": 47}]))
        assert out["events"] == [{"id": "1", "label": "walk", "start": 0, "end": 4, "attributes": {}},
                                 {"id": "2", "label": "run", "start": 5, "end": 47, "attributes": {}}]

    @pytest.mark.parametrize(("segments", "where", "words"), [
        ([{"label": "walk", "start": 0, "end": 48}], "answers.events.0.end", "past the last frame"),
        ([{"label": "walk", "start": 9, "end": 3}], "answers.events.0.end", "before it starts"),
        ([{"label": "walk", "start": True, "end": 3}], "answers.events.0.start", "whole frame number"),
        ([{"label": "walk", "end": 3}], "answers.events.0.start", "whole frame number"),
        ([{"label": "walk", "start": 0, "end": 9}, {"label": "walk", "start": 9, "end": 12}],
         "answers.events.1.start", "segments of one label must not overlap"),
        ([{"label": "run", "start": 20, "end": 30}, {"label": "walk", "start": 0, "end": 40}],
         "answers.events.0.start", "does not allow overlapping"),
        ([{"label": "walk", "start": 0, "end": 3, "speed": 2}], "answers.events.0.speed", "no field"),
        ([{"label": "fly", "start": 0, "end": 3}], "answers.events.0.label", "not one of the labels"),
    ])
    def test_refused_with_the_path(self, spec, segments, where, words):
        err = refused(spec, self.base(segments))
        assert err.where == where
        assert words in err.message

    def test_allow_overlap_lets_other_labels_overlap_but_not_the_same(self):
        raw = json.loads(json.dumps(SPEC))
        raw["questions"][1]["allow_overlap"] = True
        spec = parse_spec(raw)
        ok = check(spec, self.base([{"label": "walk", "start": 0, "end": 9}, {"label": "run", "start": 5, "end": 9}]))
        assert len(ok["events"]) == 2
        err = refused(spec, self.base([{"label": "walk", "start": 0, "end": 9}, {"label": "walk", "start": 5, "end": 6}]))
        assert err.where == "answers.events.1.start"


class TestRegistryHooks:
    def test_tracks_consensus_agreement_and_gold(self, spec):
        qtype, config = REGISTRY["video_tracks"], _config(spec, "tracks")
        a = [car(kf(0, 0), kf(10, 20))]
        b = [car(kf(0, 2), kf(10, 22))]
        c = [car(kf(0, 40, 30))]
        consensus = qtype.consensus(config, [a, b, c])
        assert [(k["frame"], k["x"]) for k in consensus[0]["keyframes"]] == [(0, 1.0), (10, 21.0)]
        assert 0.5 < qtype.agreement(config, [a, b, c], consensus) < 0.7
        assert qtype.pair_agreement(config, a, a) == 1.0
        assert qtype.pair_agreement(config, a, c) == 0.0
        assert qtype.gold_matches(config, b, a) and not qtype.gold_matches(config, a + c, a)
        assert qtype.consensus(config, []) is None

    def test_segments_consensus_agreement_and_gold(self, spec):
        qtype, config = REGISTRY["video_segments"], _config(spec, "events")
        a = [{"id": "1", "label": "run", "start": 0, "end": 9, "attributes": {}}]
        b = [{"id": "1", "label": "run", "start": 2, "end": 11, "attributes": {}}]
        consensus = qtype.consensus(config, [a, b, []])
        assert [(s["label"], s["start"], s["end"]) for s in consensus] == [("run", 2, 9)]
        assert qtype.agreement(config, [a, b, []], consensus) == pytest.approx(2 / 3)
        assert qtype.pair_agreement(config, a, b) == 1.0
        assert not qtype.gold_matches(config, [], a)


def _config(spec, name):
    from tutorloop.schema.spec import question_configs

    return next(c for c in question_configs(spec) if c.name == name)


def test_probe_reads_what_was_written(tmp_path):
    for name, frames, fps in (("a.webm", 48, 24), ("b.mp4", 30, 30)):
        path = write_video(tmp_path / name, frames=frames, fps=fps, width=80, height=48)
        facts = probe_video(path)
        assert (facts["frames"], facts["fps"], facts["width"], facts["height"]) == (frames, fps, 80, 48)
        assert facts["fps_fraction"] == [fps, 1]
        assert decoded_frame_numbers(path) == list(range(frames))


class TestThroughTheApi:
    def test_a_keyframe_past_the_video_is_422_and_a_valid_track_is_stored(self, world, settings):
        world.person("boss", "manager")
        world.person("ann")
        pid = world.project(SPEC, members={"boss": "manager", "ann": "annotator"})
        write_video(settings.resolved_media_dir / str(pid) / "clips" / "a.webm")
        boss = world.client("boss")
        r = boss.post(f"/api/v1/projects/{pid}/items/import",
                      files={"file": ("items.jsonl", b'{"id": "v1", "clip": "clips/a.webm"}', "application/x-ndjson")})
        assert r.status_code == 200, r.text
        ann = world.client("ann")
        item = ann.post(f"/api/v1/projects/{pid}/queue/next", json={}).json()["item"]
        assert item["media"]["clip"]["frames"] == 48

        url = f"/api/v1/projects/{pid}/items/{item['id']}/annotations"
        r = ann.post(url, json={"answers": {"tracks": [car(kf(0), kf(48))]}, "client_key": "k1"})
        assert r.status_code == 422
        assert r.json()["where"] == "answers.tracks.0.keyframes.1.frame"
        assert "past the last frame (47)" in r.json()["detail"]

        track = car(kf(0, 1.5, 2, 20, 10), kf(47, 40, 30, 24, 18, occluded=True))
        r = ann.post(url, json={"answers": {"tracks": [track]}, "client_key": "k2"})
        assert r.status_code == 201, r.text
        stored = ann.get(f"/api/v1/projects/{pid}/annotations?mine=true").json()["annotations"][0]["answers"]
        assert stored["tracks"][0]["keyframes"] == [
            {"frame": 0, "x": 1.5, "y": 2, "w": 20, "h": 10, "outside": False, "occluded": False},
            {"frame": 47, "x": 40, "y": 30, "w": 24, "h": 18, "outside": False, "occluded": True}]

    def test_media_answers_range_requests(self, world, settings):
        world.person("boss", "manager")
        pid = world.project(SPEC, members={"boss": "manager"})
        path = write_video(settings.resolved_media_dir / str(pid) / "a.webm")
        r = world.client("boss").get(f"/media/{pid}/a.webm", headers={"Range": "bytes=0-99"})
        assert r.status_code == 206
        assert r.content == path.read_bytes()[:100]
