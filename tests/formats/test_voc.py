"""Pascal VOC codec: the 1-based pixel convention both ways, flags as attributes, malformed XML."""

import io
import zipfile
from xml.etree import ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.formats.support import IMAGE_SPEC, axis_box, close, config, image_record, shapes, unique_paths
from tutorloop.errors import Invalid
from tutorloop.formats import voc
from tutorloop.formats.annotations import MediaLookup

BOXES = config(IMAGE_SPEC, "voc", "objects")


@settings(max_examples=80, deadline=None)
@given(st.lists(image_record(axis_box), min_size=1, max_size=4).filter(unique_paths))
def test_round_trip(records):
    spec, question = BOXES
    back = voc.decode(voc.encode(records, spec=spec, question=question), spec=spec, question=question)
    by_image = {r["data"]["image"]: r for r in back}
    for before in records:
        after = by_image[before["data"]["image"]]
        assert after["media"] == before["media"]
        # VOC always writes both flags: an absent one reads back as false
        expected = [{**o, "attributes": {"difficult": o["attributes"].get("difficult", False),
                                         "truncated": o["attributes"].get("truncated", False)}}
                    for o in shapes(before["value"])]
        assert close(shapes(after["value"]), expected)


def record(**box):
    return {"item_id": 4, "external_id": "e", "data": {"image": "VOC/JPEGImages/000005.jpg"},
            "media": {"image": {"width": 500, "height": 375}},
            "value": [{"id": "1", "label": "car", "rotation": 0, "attributes": {"difficult": True}, **box}]}


def test_one_based_inclusive_corners():
    spec, question = BOXES
    archive = zipfile.ZipFile(io.BytesIO(voc.encode([record(x=0, y=0, w=10, h=5)], spec=spec, question=question)))
    assert sorted(archive.namelist()) == ["Annotations/VOC/JPEGImages/000005.xml", "ImageSets/Main/default.txt",
                                          "labels.txt"]
    root = ET.fromstring(archive.read("Annotations/VOC/JPEGImages/000005.xml"))
    box = root.find("object/bndbox")
    assert [box.find(k).text for k in ("xmin", "ymin", "xmax", "ymax")] == ["1", "1", "10", "5"]
    assert root.find("object/difficult").text == "1" and root.find("object/truncated").text == "0"
    assert root.find("filename").text == "000005.jpg" and root.find("size/width").text == "500"


def test_a_box_covering_the_whole_image_ends_at_its_size():
    spec, question = BOXES
    data = voc.encode([record(x=0, y=0, w=500, h=375)], spec=spec, question=question)
    [back] = voc.decode(data, spec=spec, question=question)
    assert (back["value"][0]["x"], back["value"][0]["w"]) == (0, 500)


def xml(objects: str, size: str = "<size><width>100</width><height>50</height></size>") -> bytes:
    return f"<annotation><filename>a.jpg</filename>{size}{objects}</annotation>".encode()


BOX = "<object><name>car</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>10</xmax><ymax>10</ymax></bndbox></object>"


def test_a_bare_xml_file_and_an_absolute_path():
    spec, question = BOXES
    raw = xml(BOX).replace(b"<filename>", b"<path>/home/me/a.jpg</path><filename>")
    [back] = voc.decode(raw, spec=spec, question=question)
    assert back["data"] == {"image": "a.jpg"}
    assert shapes(back["value"]) == [{"label": "car", "x": 0, "y": 0, "w": 10, "h": 10, "rotation": 0,
                                      "attributes": {}}]


@pytest.mark.parametrize(("raw", "where", "message"), [
    (xml(BOX)[:-5], "file", "not well-formed"),
    (b"<root/>", "file", "root element must be <annotation>"),
    (xml(BOX.replace("car", "truck")), "file.object.0.name", "'truck' is not a label"),
    (xml(BOX.replace("<xmax>10", "<xmax>101")), "file.object.0.bndbox", "outside the image"),
    (xml(BOX.replace("<xmax>10", "<xmax>0")), "file.object.0.bndbox", "must not be below"),
    (xml(BOX.replace("<ymin>1</ymin>", "")), "file.object.0.bndbox", "<ymin> is missing"),
    (xml(BOX.replace("<xmin>1", "<xmin>one")), "file.object.0.bndbox.xmin", "not a number"),
    (xml("<object><name>car</name></object>"), "file.object.0", "<bndbox> is missing"),
    (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><annotation/>', "file", "entity declaration"),
])
def test_malformed_xml_says_where(raw, where, message):
    spec, question = BOXES
    with pytest.raises(Invalid, match=message) as err:
        voc.decode(raw, spec=spec, question=question)
    assert err.value.where == where


def test_flags_must_be_zero_or_one():
    spec, question = BOXES
    with pytest.raises(Invalid, match="expected 0 or 1"):
        voc.decode(xml(BOX.replace("<name>car</name>", "<name>car</name><difficult>yes</difficult>")), spec=spec,
                   question=question)


def test_declared_size_must_match_the_file():
    spec, question = BOXES
    with pytest.raises(Invalid, match="is 640×480 pixels"):
        voc.decode(xml(BOX), spec=spec, question=question, media=MediaLookup({"a.jpg": {"width": 640,
                                                                                          "height": 480}}))


def test_one_image_annotated_twice_in_an_archive():
    spec, question = BOXES
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("Annotations/1.xml", xml(BOX))
        z.writestr("Annotations/2.xml", xml(BOX))
    with pytest.raises(Invalid, match="annotated in Annotations/1.xml too"):
        voc.decode(out.getvalue(), spec=spec, question=question)


def test_rotated_boxes_cannot_be_written():
    spec, question = config(IMAGE_SPEC, "voc", "turned")
    with pytest.raises(Invalid, match="rotated") as err:
        voc.encode([record(x=10, y=10, w=10, h=10, rotation=30, label="sign", attributes={})], spec=spec,
                   question=question)
    assert err.value.where == "item 4 (e)"


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_any_damage_is_refused_cleanly(data):
    spec, question = BOXES
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Annotations/a.xml", xml(BOX))
    raw = bytearray(out.getvalue() if data.draw(st.booleans()) else xml(BOX))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        for _ in range(data.draw(st.integers(1, 4))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        voc.decode(bytes(raw), spec=spec, question=question)
    except Invalid as exc:
        assert exc.message
