"""COCO codec: encode → decode identity for every shape type, malformed files, the official API."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.formats.support import (
    IMAGE_SPEC,
    axis_box,
    close,
    config,
    image_record,
    keypoint_object,
    mask_object,
    numbered,
    polygon,
    rotated_box,
    same_angle,
    shapes,
)
from tutorloop.errors import Invalid
from tutorloop.formats import coco
from tutorloop.formats.annotations import MediaLookup

BOXES = config(IMAGE_SPEC, "coco", "objects")
TURNED = config(IMAGE_SPEC, "coco", "turned")
REGIONS = config(IMAGE_SPEC, "coco", "regions")
POSE = config(IMAGE_SPEC, "coco", "pose")
PAINT = config(IMAGE_SPEC, "coco", "paint")
MEDIA = {"image": {"width": 640, "height": 480}}


def round_trip(records, spec_question):
    spec, question = spec_question
    data = coco.encode(records, spec=spec, question=question)
    return data, coco.decode(data, spec=spec, question=question)


def records_of(strategy, **kw):
    return st.lists(image_record(strategy, **kw), min_size=1, max_size=4,
                    unique_by=lambda r: r["data"]["image"])


class TestRoundTrip:
    @settings(max_examples=60, deadline=None)
    @given(records_of(axis_box, score=True))
    def test_boxes(self, records):
        _, back = round_trip(records, BOXES)
        for before, after in zip(records, back, strict=True):
            assert after["data"] == before["data"] and after["external_id"] == before["external_id"]
            assert after["media"] == before["media"]
            assert close(shapes(after["value"]), shapes(before["value"]))
            assert (after["score"] is None) == (before["score"] is None or not before["value"])

    @settings(max_examples=60, deadline=None)
    @given(records_of(rotated_box))
    def test_rotated_boxes_keep_their_rotation(self, records):
        _, back = round_trip(records, TURNED)
        for before, after in zip(records, back, strict=True):
            for a, b in zip(after["value"], before["value"], strict=True):
                assert close({k: a[k] for k in "xywh"}, {k: b[k] for k in "xywh"})
                assert same_angle(a["rotation"], b["rotation"])

    @settings(max_examples=60, deadline=None)
    @given(records_of(polygon))
    def test_polygons(self, records):
        _, back = round_trip(records, REGIONS)
        for before, after in zip(records, back, strict=True):
            assert close(shapes(after["value"]), shapes(before["value"]))

    @settings(max_examples=60, deadline=None)
    @given(records_of(keypoint_object))
    def test_keypoints(self, records):
        _, back = round_trip(records, POSE)
        for before, after in zip(records, back, strict=True):
            assert close(shapes(after["value"]), shapes(before["value"]))

    @settings(max_examples=40, deadline=None)
    @given(st.integers(1, 9), st.integers(1, 9), st.data())
    def test_masks(self, height, width, data):
        objects = data.draw(st.lists(mask_object(height, width), min_size=1, max_size=3))
        record = {"external_id": "m.png", "data": {"image": "m.png"},
                  "media": {"image": {"width": width, "height": height}}, "value": numbered(objects)}
        _, [back] = round_trip([record], PAINT)
        assert shapes(back["value"]) == shapes(record["value"])


class TestRle:
    @settings(max_examples=80, deadline=None)
    @given(st.lists(st.integers(0, 5000), min_size=1, max_size=30))
    def test_compressed_string_round_trip(self, counts):
        assert coco.rle_from_string(coco.rle_to_string(counts), "x") == counts

    def test_matches_pycocotools(self):
        mask_api = pytest.importorskip("pycocotools.mask")
        rng = np.random.default_rng(3)
        mask = rng.random((37, 23)) > 0.6
        official = mask_api.encode(np.asfortranarray(mask.astype(np.uint8)))
        from tutorloop.quality.masks import rle_encode

        ours = rle_encode(mask)
        assert coco.rle_to_string(ours["counts"]) == official["counts"].decode()
        assert coco.rle_box(ours) == [int(v) for v in mask_api.toBbox(official)]


def test_export_loads_with_pycocotools(tmp_path):
    coco_api = pytest.importorskip("pycocotools.coco")
    spec, question = POSE
    record = {"item_id": 7, "external_id": "x", "data": {"image": "people/p.jpg"}, "media": MEDIA, "score": 0.8,
              "value": [{"id": "a", "label": "person", "points": [[10, 20, 2], [0, 0, 0], [30, 25, 1]],
                         "attributes": {}}]}
    path = tmp_path / "pose.json"
    path.write_bytes(coco.encode([record], spec=spec, question=question))
    api = coco_api.COCO(str(path))
    [ann] = api.loadAnns(api.getAnnIds(imgIds=[7]))
    assert ann["keypoints"] == [10, 20, 2, 0, 0, 0, 30, 25, 1] and ann["num_keypoints"] == 2
    assert api.loadCats(api.getCatIds(catNms=["person"]))[0]["skeleton"] == [[1, 2], [1, 3]]
    assert api.loadImgs([7])[0]["file_name"] == "people/p.jpg" and ann["score"] == 0.8


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pycocotools' own numpy 2 notice
def test_masks_and_polygons_rasterise_with_pycocotools(tmp_path):
    coco_api = pytest.importorskip("pycocotools.coco")
    from tutorloop.quality.masks import rle_decode, rle_encode

    mask = np.zeros((40, 60), dtype=bool)
    mask[5:15, 10:30] = True
    spec, question = PAINT
    path = tmp_path / "masks.json"
    path.write_bytes(coco.encode([{"item_id": 1, "data": {"image": "a.png"}, "media": {"image": {"width": 60,
                                   "height": 40}}, "value": [{"id": "1", "label": "tree", "rle": rle_encode(mask),
                                                              "attributes": {}}]}], spec=spec, question=question))
    api = coco_api.COCO(str(path))
    [ann] = api.loadAnns(api.getAnnIds())
    assert (api.annToMask(ann).astype(bool) == mask).all() and ann["area"] == 200
    assert ann["bbox"] == [10, 5, 20, 10]
    assert (rle_decode(coco.decode(path.read_bytes(), spec=spec, question=question)[0]["value"][0]["rle"])
            == mask).all()


def test_box_export_is_a_coco_dataset():
    spec, question = BOXES
    record = {"item_id": 3, "external_id": "a", "data": {"image": "a.jpg"}, "media": MEDIA,
              "value": [{"id": "1", "label": "person", "x": 1, "y": 2, "w": 3, "h": 4, "rotation": 0,
                         "attributes": {"difficult": True}}]}
    doc = json.loads(coco.encode([record], spec=spec, question=question))
    assert [c["name"] for c in doc["categories"]] == ["car", "person"]
    assert doc["images"] == [{"id": 3, "file_name": "a.jpg", "width": 640, "height": 480, "external_id": "a"}]
    [ann] = doc["annotations"]
    assert ann["bbox"] == [1, 2, 3, 4] and ann["category_id"] == 2 and ann["area"] == 12
    assert ann["attributes"] == {"difficult": True} and "score" not in ann


def test_every_persons_answers_name_the_annotator_and_share_the_image():
    spec, question = BOXES
    box = {"id": "1", "label": "car", "x": 1, "y": 2, "w": 3, "h": 4, "rotation": 0, "attributes": {}}
    rows = [{"item_id": 5, "data": {"image": "a.jpg"}, "media": MEDIA, "value": [box], "annotator": name}
            for name in ("omar", "lena")]
    doc = json.loads(coco.encode(rows, spec=spec, question=question))
    assert len(doc["images"]) == 1
    assert [a["annotator"] for a in doc["annotations"]] == ["omar", "lena"]
    with pytest.raises(Invalid, match="every person's answers"):
        coco.decode(json.dumps(doc).encode(), spec=spec, question=question)


def test_multi_ring_segmentation_gives_one_polygon_per_ring():
    spec, question = REGIONS
    doc = {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
           "categories": [{"id": 4, "name": "road"}],
           "annotations": [{"id": 9, "image_id": 1, "category_id": 4,
                            "segmentation": [[0, 0, 10, 0, 10, 10], [50, 50, 60, 50, 60, 60]]}]}
    [record] = coco.decode(json.dumps(doc).encode(), spec=spec, question=question)
    assert [o["id"] for o in record["value"]] == ["9", "9-2"]
    assert record["value"][1]["points"] == [[50, 50], [60, 50], [60, 60]]


def test_polygon_segmentation_into_masks_is_drawn():
    spec, question = PAINT
    doc = {"images": [{"id": 1, "file_name": "a.jpg", "width": 20, "height": 10}],
           "categories": [{"id": 1, "name": "sky"}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[2, 2, 8, 2, 8, 6, 2, 6]]}]}
    [record] = coco.decode(json.dumps(doc).encode(), spec=spec, question=question)
    from tutorloop.quality.masks import rle_area

    assert record["value"][0]["rle"]["size"] == [10, 20] and 20 <= rle_area(record["value"][0]["rle"]) <= 35


def base_doc():
    return {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 80}],
            "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "person"}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20]}]}


@pytest.mark.parametrize(("change", "where", "message"), [
    (lambda d: d["annotations"][0].update(category_id=7), "annotations.0.category_id", "no category"),
    (lambda d: d["categories"].append({"id": 3, "name": "truck"}) or d["annotations"][0].update(category_id=3),
     "annotations.0.category_id", "'truck' is not a label"),
    (lambda d: d["annotations"][0].update(image_id=2), "annotations.0.image_id", "no image"),
    (lambda d: d["annotations"][0].update(bbox=[90, 10, 20, 20]), "annotations.0.bbox", "outside the image"),
    (lambda d: d["annotations"][0].update(bbox=[10, 10, 0, 20]), "annotations.0.bbox", "positive"),
    (lambda d: d["annotations"][0].update(bbox=[10, 10, 20]), "annotations.0.bbox", "4 numbers"),
    (lambda d: d["annotations"][0].update(bbox=[10, "x", 20, 20]), "annotations.0.bbox.1", "number"),
    (lambda d: d["annotations"][0].update(score=1.5), "annotations.0.score", "0 to 1"),
    (lambda d: d["annotations"][0].update(rbox=[10, 10, 20, 20, 30]), "annotations.0.rbox", "rotation"),
    (lambda d: d["images"].append({"id": 1, "file_name": "b.jpg"}), "images.1.id", "twice"),
    (lambda d: d["images"].append({"id": 2, "file_name": "a.jpg"}), "images.1.file_name", "twice"),
    (lambda d: d["images"][0].pop("file_name"), "images.0.file_name", "file_name"),
    (lambda d: d.pop("images"), "file", "images"),
])
def test_malformed_files_say_where(change, where, message):
    spec, question = BOXES
    doc = base_doc()
    change(doc)
    with pytest.raises(Invalid, match=message) as err:
        coco.decode(json.dumps(doc).encode(), spec=spec, question=question)
    assert err.value.where == where and (where == "file" or err.value.message.startswith(where))


def test_declared_size_must_match_the_file_the_server_read():
    spec, question = BOXES
    with pytest.raises(Invalid, match="is 640×480 pixels") as err:
        coco.decode(json.dumps(base_doc()).encode(), spec=spec, question=question,
                    media=MediaLookup({"a.jpg": {"width": 640, "height": 480}}))
    assert err.value.where == "images.0"


def test_truncated_json_names_the_line():
    spec, question = BOXES
    data = json.dumps(base_doc(), indent=1).encode()
    with pytest.raises(Invalid, match=r"^line \d+: not valid JSON"):
        coco.decode(data[: len(data) // 2], spec=spec, question=question)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_damage_is_refused_cleanly(data):
    """Cutting or flipping bytes of a valid file gives Invalid (or a valid read), never another error."""
    spec, question = BOXES
    raw = bytearray(json.dumps(base_doc()).encode())
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        for _ in range(data.draw(st.integers(1, 4))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        coco.decode(bytes(raw), spec=spec, question=question)
    except Invalid as exc:
        assert exc.message
