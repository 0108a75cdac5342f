"""MOT codec: tracks → per-frame rows (1-based) → tracks again, seqinfo, malformed archives."""

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.formats.support import VIDEO_SPEC, close, config
from tutorloop.errors import Invalid
from tutorloop.formats import mot
from tutorloop.formats.annotations import MediaLookup
from tutorloop.quality.tracks import expand_track

SPEC, QUESTION = config(VIDEO_SPEC, "mot", "tracks")
FACTS = {"width": 64, "height": 48, "frames": 20, "fps": 24.0}


def record(*tracks, video="clips/road.webm", facts=FACTS, score=None):
    return {"item_id": 1, "external_id": "v1", "data": {"video": video}, "media": {"video": facts},
            "value": list(tracks), "score": score}


def track(track_id, label, *keyframes):
    return {"id": track_id, "label": label, "attributes": {},
            "keyframes": [{"frame": f, "x": x, "y": y, "w": w, "h": h, "outside": out, "occluded": occ}
                          for f, x, y, w, h, out, occ in keyframes]}


def files(data: bytes) -> dict[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name).decode() for name in archive.namelist()}


def test_rows_are_one_based_interpolated_and_sorted():
    car = track("7", "car", (0, 0, 0, 10, 10, False, False), (2, 4, 2, 10, 10, False, True), (3, 0, 0, 1, 1, True, False))
    person = track("3", "person", (1, 5, 5, 4, 8, False, False))
    out = files(mot.encode([record(car, person, facts={**FACTS, "frames": 4})], spec=SPEC, question=QUESTION))
    assert out["road/gt/gt.txt"].splitlines() == [
        "1,7,0,0,10,10,1,1,1",
        "2,3,5,5,4,8,1,2,1",
        "2,7,2,1,10,10,1,1,1",
        "3,3,5,5,4,8,1,2,1",
        "3,7,4,2,10,10,1,1,0",
        "4,3,5,5,4,8,1,2,1",
    ]
    info = out["road/seqinfo.ini"]
    assert "seqLength=4" in info and "imWidth=64" in info and "frameRate=24" in info
    assert "video=clips/road.webm" in info and "externalId=v1" in info
    assert out["labels.txt"] == "1 car\n2 person\n"


def test_tracks_without_whole_number_ids_are_numbered():
    a = track("t-a", "car", (0, 1, 1, 5, 5, False, False))
    b = track("t-b", "car", (0, 9, 9, 5, 5, False, False))
    out = files(mot.encode([record(a, b, facts={**FACTS, "frames": 1})], spec=SPEC, question=QUESTION))
    assert [row.split(",")[1] for row in out["road/gt/gt.txt"].splitlines()] == ["1", "2"]


def test_predictions_write_their_score_as_conf():
    a = track("1", "car", (0, 1, 1, 5, 5, False, False))
    out = files(mot.encode([record(a, facts={**FACTS, "frames": 1}, score=0.25)], spec=SPEC, question=QUESTION))
    assert out["road/gt/gt.txt"] == "1,1,1,1,5,5,0.25,1,1\n"
    [back] = mot.decode(mot.encode([record(a, facts={**FACTS, "frames": 1}, score=0.25)], spec=SPEC,
                                   question=QUESTION), spec=SPEC, question=QUESTION,
                        media=MediaLookup({"clips/road.webm": {**FACTS, "frames": 1}}))
    assert back["score"] == 0.25


@st.composite
def random_track(draw, number: int, frames: int):
    count = draw(st.integers(1, min(5, frames)))
    chosen = sorted(draw(st.lists(st.integers(0, frames - 1), min_size=count, max_size=count, unique=True)))
    keyframes = []
    for frame in chosen:
        w, h = draw(st.integers(1, 30)), draw(st.integers(1, 20))
        x = draw(st.one_of(st.integers(0, 64 - w), st.floats(0, 64 - w).map(lambda v: round(v, 2))))
        y = draw(st.integers(0, 48 - h))
        keyframes.append({"frame": frame, "x": x, "y": y, "w": w, "h": h, "outside": draw(st.booleans()),
                          "occluded": draw(st.booleans())})
    if all(k["outside"] for k in keyframes):
        keyframes[0]["outside"] = False
    return {"id": str(number), "label": draw(st.sampled_from(["car", "person"])), "attributes": {},
            "keyframes": keyframes}


def per_frame(tracks, frames):
    return sorted((t["label"], tuple((b["frame"], b["x"], b["y"], b["w"], b["h"], b["occluded"])
                                     for b in expand_track(t, frames))) for t in tracks)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 30), st.data())
def test_encode_decode_gives_every_box_back(frames, data):
    tracks = [data.draw(random_track(i, frames)) for i in range(1, data.draw(st.integers(0, 4)) + 1)]
    tracks = [t for t in tracks if expand_track(t, frames)]
    facts = {**FACTS, "frames": frames}
    encoded = mot.encode([record(*tracks, facts=facts)], spec=SPEC, question=QUESTION)
    [back] = mot.decode(encoded, spec=SPEC, question=QUESTION, media=MediaLookup({"clips/road.webm": facts}))
    assert back["data"] == {"video": "clips/road.webm"} and back["external_id"] == "v1"
    assert close(per_frame(back["value"], frames), per_frame(tracks, frames))
    assert files(mot.encode([{**back, "item_id": 1}], spec=SPEC, question=QUESTION)) == files(encoded)


def zipped(entries: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in entries.items():
            z.writestr(name, text)
    return out.getvalue()


MEDIA = MediaLookup({"s.mp4": FACTS})


def test_video_found_by_sequence_name():
    [back] = mot.decode(zipped({"s/gt/gt.txt": "1,1,0,0,5,5,1,2,1\n"}), spec=SPEC, question=QUESTION, media=MEDIA)
    assert back["data"] == {"video": "s.mp4"} and back["value"][0]["label"] == "person"
    assert [k["frame"] for k in back["value"][0]["keyframes"]] == [0, 1]
    assert back["value"][0]["keyframes"][1]["outside"] is True


@pytest.mark.parametrize(("rows", "where", "message"), [
    ("1,1,0,0,5\n", "s/gt/gt.txt line 1", "expected 6 to 10"),
    ("0,1,0,0,5,5,1,1,1\n", "s/gt/gt.txt line 1", "start at 1"),
    ("21,1,0,0,5,5,1,1,1\n", "s/gt/gt.txt line 1", "past the end of the 20-frame video"),
    ("1,1,0,0,5,5,1,9,1\n", "s/gt/gt.txt line 1", "unknown class 9"),
    ("1,1,0,0,5,5,1,1,1\n1,1,0,0,5,5,1,1,1\n", "s/gt/gt.txt line 2", "second box on frame 1"),
    ("1,1,0,0,5,5,1,1,1\n2,1,0,0,5,5,1,2,1\n", "s/gt/gt.txt line 2", "changes class"),
    ("1,1,0,0,0,5,1,1,1\n", "s/gt/gt.txt line 1", "positive"),
    ("1,1,60,0,5,5,1,1,1\n", "s/gt/gt.txt line 1", "outside the 64×48 frame"),
    ("1,1,0,0,5,5,1,-1,1\n", "s/gt/gt.txt line 1", "several labels"),
    ("1,x,0,0,5,5,1,1,1\n", "s/gt/gt.txt line 1", "not a number"),
])
def test_malformed_rows_say_where(rows, where, message):
    with pytest.raises(Invalid, match=message) as err:
        mot.decode(zipped({"s/gt/gt.txt": rows}), spec=SPEC, question=QUESTION, media=MEDIA)
    assert err.value.where == where


def test_archive_without_ground_truth_or_video():
    with pytest.raises(Invalid, match="no <sequence>/gt/gt.txt"):
        mot.decode(zipped({"s/det/det.txt": ""}), spec=SPEC, question=QUESTION, media=MEDIA)
    with pytest.raises(Invalid, match="no video other.\\*") as err:
        mot.decode(zipped({"other/gt/gt.txt": "1,1,0,0,5,5,1,1,1\n"}), spec=SPEC, question=QUESTION, media=MEDIA)
    assert err.value.where == "other/gt/gt.txt"
    with pytest.raises(Invalid, match="not a valid ini"):
        mot.decode(zipped({"s/gt/gt.txt": "", "s/seqinfo.ini": "name"}), spec=SPEC, question=QUESTION, media=MEDIA)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_any_damage_is_refused_cleanly(data):
    raw = bytearray(zipped({"s/gt/gt.txt": "1,1,0,0,5,5,1,1,1\n2,1,1,0,5,5,1,1,0\n",
                            "s/seqinfo.ini": "[Sequence]\nname=s\nvideo=s.mp4\n"}))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        for _ in range(data.draw(st.integers(1, 4))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        mot.decode(bytes(raw), spec=SPEC, question=QUESTION, media=MEDIA)
    except Invalid as exc:
        assert exc.message
