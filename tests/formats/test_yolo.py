"""YOLO codec: detection, OBB, segmentation and pose round trips; archives that cannot be read."""

import io
import zipfile

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.formats.support import (
    IMAGE_SPEC,
    axis_box,
    close,
    config,
    image_record,
    keypoint_object,
    polygon,
    rotated_box,
    same_angle,
    shapes,
    unique_paths,
)
from tutorloop.errors import Invalid
from tutorloop.formats import yolo
from tutorloop.formats.annotations import MediaLookup

BOXES = config(IMAGE_SPEC, "yolo", "objects")
TURNED = config(IMAGE_SPEC, "yolo", "turned")
REGIONS = config(IMAGE_SPEC, "yolo", "regions")
POSE = config(IMAGE_SPEC, "yolo", "pose")


def lookup(records):
    return MediaLookup({r["data"]["image"]: r["media"]["image"] for r in records})


def round_trip(records, spec_question):
    spec, question = spec_question
    data = yolo.encode(records, spec=spec, question=question)
    return yolo.decode(data, spec=spec, question=question, media=lookup(records))


def records_of(strategy):
    return st.lists(image_record(strategy, attributes=False) if strategy is axis_box else image_record(strategy),
                    min_size=1, max_size=4).filter(unique_paths)


def no_attributes(width, height):
    return axis_box(width, height, attributes=False)


class TestRoundTrip:
    @settings(max_examples=60, deadline=None)
    @given(st.lists(image_record(no_attributes), min_size=1, max_size=4).filter(unique_paths))
    def test_detection(self, records):
        back = round_trip(records, BOXES)
        by_image = {r["data"]["image"]: r for r in back}
        for before in records:
            after = by_image[before["data"]["image"]]
            assert after["media"] == before["media"]
            assert close(shapes(after["value"]), shapes(before["value"]))

    @settings(max_examples=60, deadline=None)
    @given(st.lists(image_record(rotated_box), min_size=1, max_size=3).filter(unique_paths))
    def test_oriented_boxes(self, records):
        back = {r["data"]["image"]: r for r in round_trip(records, TURNED)}
        for before in records:
            after = back[before["data"]["image"]]["value"]
            for a, b in zip(after, before["value"], strict=True):
                assert a["label"] == b["label"]
                assert close({k: a[k] for k in "xywh"}, {k: b[k] for k in "xywh"}, 1e-6)
                assert same_angle(a["rotation"], b["rotation"])
                assert -180 < a["rotation"] <= 180

    @settings(max_examples=60, deadline=None)
    @given(st.lists(image_record(polygon), min_size=1, max_size=3).filter(unique_paths))
    def test_segmentation(self, records):
        back = {r["data"]["image"]: r for r in round_trip(records, REGIONS)}
        for before in records:
            assert close(shapes(back[before["data"]["image"]]["value"]), shapes(before["value"]))

    @settings(max_examples=60, deadline=None)
    @given(st.lists(image_record(keypoint_object), min_size=1, max_size=3).filter(unique_paths))
    def test_pose(self, records):
        back = {r["data"]["image"]: r for r in round_trip(records, POSE)}
        for before in records:
            assert close(shapes(back[before["data"]["image"]]["value"]), shapes(before["value"]))


def sample_record():
    return {"item_id": 1, "external_id": "x", "data": {"image": "train/a.jpg"},
            "media": {"image": {"width": 200, "height": 100}},
            "value": [{"id": "1", "label": "person", "x": 20, "y": 10, "w": 40, "h": 20, "rotation": 0,
                       "attributes": {}}]}


def test_layout_is_what_ultralytics_reads():
    spec, question = BOXES
    archive = zipfile.ZipFile(io.BytesIO(yolo.encode([sample_record()], spec=spec, question=question)))
    assert set(archive.namelist()) == {"data.yaml", "labels/train/a.txt", "images.txt"}
    doc = yaml.safe_load(archive.read("data.yaml"))
    assert doc["names"] == {0: "car", 1: "person"} and doc["train"] == "images.txt"
    assert archive.read("labels/train/a.txt").decode() == "1 0.2 0.2 0.2 0.2\n"
    assert archive.read("images.txt").decode() == "./images/train/a.jpg\n"


def test_pose_yaml_has_the_keypoint_shape():
    spec, question = POSE
    text = yolo.data_yaml(spec, question)
    assert yaml.safe_load(text)["kpt_shape"] == [3, 3]


def test_images_found_by_stem_without_images_txt():
    spec, question = BOXES
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("set/data.yaml", "names: [car, person]\n")
        z.writestr("set/labels/train/a.txt", "0 0.5 0.5 0.5 0.5\n")
    media = MediaLookup(probe=lambda p: {"width": 10, "height": 10} if p == "train/a.png" else None)
    [record] = yolo.decode(archive.getvalue(), spec=spec, question=question, media=media)
    assert record["data"] == {"image": "train/a.png"}
    assert shapes(record["value"]) == [{"label": "car", "x": 2.5, "y": 2.5, "w": 5, "h": 5, "rotation": 0,
                                        "attributes": {}}]


def zipped(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return out.getvalue()


MEDIA = MediaLookup({"a.jpg": {"width": 100, "height": 100}})
GOOD = {"data.yaml": "names: [car, person]\n", "images.txt": "./images/a.jpg\n", "labels/a.txt": "0 .5 .5 .2 .2\n"}


@pytest.mark.parametrize(("files", "where", "message"), [
    ({k: v for k, v in GOOD.items() if k != "data.yaml"}, "data.yaml", "no data.yaml"),
    ({**GOOD, "data.yaml": "names: [car, [\n"}, "data.yaml", "not valid YAML"),
    ({**GOOD, "data.yaml": "nc: 2\n"}, "data.yaml.names", "names"),
    ({**GOOD, "labels/a.txt": "0 .5 .5 .2\n"}, "labels/a.txt line 1", "expected 5 columns"),
    ({**GOOD, "labels/a.txt": "0 .5 .5 .2 .2\n5 .5 .5 .2 .2\n"}, "labels/a.txt line 2", "unknown class 5"),
    ({**GOOD, "data.yaml": "names: [car, truck]\n", "labels/a.txt": "1 .5 .5 .2 .2\n"}, "labels/a.txt line 1",
     "'truck' is not a label"),
    ({**GOOD, "labels/a.txt": "0 1.5 .5 .2 .2\n"}, "labels/a.txt line 1", "outside the image"),
    ({**GOOD, "labels/a.txt": "0 .95 .5 .2 .2\n"}, "labels/a.txt line 1", "outside the image"),
    ({**GOOD, "labels/a.txt": "x .5 .5 .2 .2\n"}, "labels/a.txt line 1", "not a whole number"),
    ({**GOOD, "labels/a.txt": "0 .5 nan .2 .2\n"}, "labels/a.txt line 1", "finite"),
    ({**GOOD, "images.txt": "./images/a.jpg\n./images/b.jpg\n"}, "labels/b.txt", "size of image 'b.jpg' is unknown"),
    ({**GOOD, "labels/c.txt": ""}, "labels/c.txt", "no image for it in images.txt"),
])
def test_malformed_archives_say_where(files, where, message):
    spec, question = BOXES
    with pytest.raises(Invalid, match=message) as err:
        yolo.decode(zipped(files), spec=spec, question=question, media=MEDIA)
    assert err.value.where == where


def test_not_a_zip():
    spec, question = BOXES
    with pytest.raises(Invalid, match="not a zip archive"):
        yolo.decode(b"0 0.5 0.5 0.1 0.1\n", spec=spec, question=question, media=MEDIA)


def test_obb_must_be_a_rectangle():
    spec, question = TURNED
    files = {**GOOD, "labels/a.txt": "0 .1 .1 .5 .1 .5 .5 .2 .6\n"}
    with pytest.raises(Invalid, match="do not make a rectangle"):
        yolo.decode(zipped(files), spec=spec, question=question, media=MEDIA)


def test_detection_question_refuses_rotation_on_export():
    spec, question = TURNED
    record = {**sample_record(), "value": [{"id": "1", "label": "car", "x": 50, "y": 20, "w": 20, "h": 10,
                                            "rotation": 90, "attributes": {}}]}
    archive = zipfile.ZipFile(io.BytesIO(yolo.encode([record], spec=spec, question=question)))
    cells = archive.read("labels/train/a.txt").decode().split()
    assert len(cells) == 9 and cells[0] == "0"


def test_two_items_with_one_label_file_are_refused():
    spec, question = BOXES
    a = sample_record()
    b = {**sample_record(), "item_id": 2, "data": {"image": "train/a.png"}}
    with pytest.raises(Invalid, match="would overwrite"):
        yolo.encode([a, b], spec=spec, question=question)


def test_unknown_size_is_an_export_error():
    spec, question = BOXES
    with pytest.raises(Invalid, match="size of 'train/a.jpg' is unknown") as err:
        yolo.encode([{**sample_record(), "media": {}}], spec=spec, question=question)
    assert err.value.where == "item 1 (x)"


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_any_damage_is_refused_cleanly(data):
    spec, question = BOXES
    raw = bytearray(zipped(GOOD))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        for _ in range(data.draw(st.integers(1, 4))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        yolo.decode(bytes(raw), spec=spec, question=question, media=MEDIA)
    except Invalid as exc:
        assert exc.message
