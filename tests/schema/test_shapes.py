"""Image shape questions: configs, answer validation (exact paths), geometry, consensus, agreement, gold; and
the API refusing a box outside an imported image."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.images import make_png
from tutorloop.errors import Invalid
from tutorloop.quality.masks import rle_decode, rle_encode
from tutorloop.quality.shapes import polygon_area, polygon_iou
from tutorloop.schema.questions import REGISTRY, AnswerContext
from tutorloop.schema.questions.shape_geometry import box_iou_rows, first_crossing, row_corners
from tutorloop.schema.questions.shapes import box_corners
from tutorloop.schema.spec import parse_spec, question_configs, validate_answers

PERSON = {"value": "person", "keypoints": ["nose", "left_eye", "right_eye"],
          "skeleton": [["nose", "left_eye"], ["nose", "right_eye"]]}
SPEC = {
    "name": "Street scenes",
    "fields": [{"name": "image", "type": "image"}],
    "questions": [
        {"name": "objects", "type": "boxes", "labels": ["car", "person"],
         "attributes": [{"name": "occluded", "type": "boolean"}]},
        {"name": "turned", "type": "boxes", "labels": ["car"], "rotation": True, "required": False},
        {"name": "areas", "type": "polygons", "labels": ["road", "grass"], "required": False},
        {"name": "poses", "type": "keypoints", "labels": [PERSON], "required": False},
        {"name": "paint", "type": "masks", "labels": ["sky", "tree"], "required": False, "brush_sizes": [20, 5, 5]},
    ],
}
IMAGE = AnswerContext(media={"image": {"width": 640, "height": 480}})


@pytest.fixture(scope="module")
def spec():
    return parse_spec(SPEC)


def configs(spec):
    return {c.name: c for c in question_configs(spec)}


def refused(spec, answers, ctx=IMAGE) -> Invalid:
    with pytest.raises(Invalid) as exc:
        validate_answers(spec, {"objects": [box()], **answers}, ctx)  # `objects` is required
    assert exc.value.message.startswith(f"{exc.value.where}: ")
    return exc.value


def box(**kw):
    return {"label": "car", "x": 10, "y": 20, "w": 100, "h": 50, **kw}


def mask(h=480, w=640, cells=((5, 10, 20, 30),)):
    m = np.zeros((h, w), bool)
    for y1, y2, x1, x2 in cells:
        m[y1:y2, x1:x2] = True
    return rle_encode(m)


class TestConfig:
    def test_shape_questions_find_their_image_field(self, spec):
        assert [q["field"] for q in spec["questions"]] == ["image"] * 5
        assert spec["questions"][1]["rotation"] is True and spec["questions"][0]["rotation"] is False
        assert spec["questions"][4]["brush_sizes"] == [5, 20]

    def test_a_shape_question_needs_an_image_field(self):
        bad = {**SPEC, "fields": [{"name": "text", "type": "text"}], "questions": [SPEC["questions"][0]]}
        with pytest.raises(Invalid) as exc:
            parse_spec(bad)
        assert exc.value.where == "spec.questions.0.field"

    @pytest.mark.parametrize("label, words", [
        ({**PERSON, "skeleton": [["nose", "chin"]]}, "'chin', which is not one of its keypoints"),
        ({**PERSON, "skeleton": [["nose", "nose"]]}, "joins a point to itself"),
        ({**PERSON, "skeleton": [["nose", "left_eye"], ["left_eye", "nose"]]}, "repeats"),
        ({**PERSON, "keypoints": ["nose", "nose"], "skeleton": []}, "unique"),
        ({**PERSON, "sigmas": [0.1]}, "one positive number per keypoint"),
        ({"value": "person"}, "Field required"),
    ])
    def test_bad_keypoint_labels_are_refused(self, label, words):
        question = {"name": "poses", "type": "keypoints", "labels": [label]}
        with pytest.raises(Invalid) as exc:
            parse_spec({**SPEC, "questions": [question]})
        assert words in exc.value.message
        assert exc.value.where.startswith("spec.questions.0.labels")

    def test_automatic_hotkeys_leave_the_tool_keys_free(self):
        labels = [f"l{i}" for i in range(14)] + [{"value": "mine", "hotkey": "e"}]
        spec = parse_spec({**SPEC, "questions": [{"name": "paint", "type": "masks", "labels": labels}]})
        keys = [label["hotkey"] for label in spec["questions"][0]["labels"]]
        assert keys[:9] == list("123456789") and keys[9:14] == ["a", "c", "d", "f", "h"]
        assert keys[14] == "e"  # an explicit choice is kept
        assert len(set(keys)) == len(keys)

    def test_brush_sizes_are_bounded(self):
        question = {"name": "paint", "type": "masks", "labels": ["sky"], "brush_sizes": [0]}
        with pytest.raises(Invalid, match="1 to 1000"):
            parse_spec({**SPEC, "questions": [question]})


class TestBoxes:
    def test_valid_boxes_are_normalised(self, spec):
        clean = validate_answers(spec, {"objects": [box(), box(id="b", label="person", attributes={"occluded": True})],
                                        "turned": [box(rotation=30, x=100, y=100)]}, IMAGE)
        assert clean["objects"][0] == {"id": "1", "label": "car", "x": 10, "y": 20, "w": 100, "h": 50,
                                       "rotation": 0, "attributes": {}}
        assert clean["objects"][1]["id"] == "b" and clean["objects"][1]["attributes"] == {"occluded": True}
        assert clean["turned"][0]["rotation"] == 30

    @pytest.mark.parametrize("obj, where, words", [
        (box(x=-1), "answers.objects.0.x", "below 0"),
        (box(y=float("nan")), "answers.objects.0.y", "expected a number"),
        (box(w=0), "answers.objects.0.w", "positive width"),
        (box(h=-3), "answers.objects.0.h", "positive width and height"),
        (box(x=641), "answers.objects.0.x", "width 640"),
        (box(y=500), "answers.objects.0.y", "height 480"),
        (box(x=600), "answers.objects.0.w", "x = 700, beyond the image width 640"),
        (box(y=450), "answers.objects.0.h", "beyond the image height 480"),
        (box(rotation=10), "answers.objects.0.rotation", "does not allow rotated boxes"),
        (box(label="bus"), "answers.objects.0.label", "'bus' is not one of the labels"),
        (box(score=0.9), "answers.objects.0.score", "unknown key 'score'"),
        (box(attributes={"colour": "red"}), "answers.objects.0.attributes.colour", "no attribute"),
        (box(id="x y"), "answers.objects.0.id", "an id is"),
        (box(label=["car"]), "answers.objects.0.label", "label as a string"),
        ({"label": "car", "x": "10", "y": 0, "w": 1, "h": 1}, "answers.objects.0.x", "expected a number"),
    ])
    def test_each_rule_names_its_path(self, spec, obj, where, words):
        err = refused(spec, {"objects": [box(), obj][1:]})
        assert err.where == where and words in err.message

    def test_the_error_names_the_exact_object(self, spec):
        objects = [box(id=str(i)) for i in range(12)] + [box(x=630)]
        assert refused(spec, {"objects": objects}).where == "answers.objects.12.w"

    def test_rotated_box_checks_all_four_corners(self, spec):
        assert validate_answers(spec, {"objects": [box()], "turned": [box(x=100, y=100, rotation=180)]}, IMAGE)
        err = refused(spec, {"turned": [box(x=5, y=5, rotation=45)]})
        assert err.where == "answers.turned.0" and "corner" in err.message
        for bad in (-180, 181):
            assert refused(spec, {"turned": [box(x=100, y=100, rotation=bad)]}).where == "answers.turned.0.rotation"

    def test_without_a_known_size_only_non_negative_numbers_are_checked(self, spec):
        far = box(x=5000, y=4000, w=10, h=10)
        assert validate_answers(spec, {"objects": [far]})["objects"][0]["x"] == 5000
        assert refused(spec, {"objects": [box(x=-0.5)]}, AnswerContext()).where == "answers.objects.0.x"

    def test_count_limits(self):
        question = {**SPEC["questions"][0], "min": 1, "max": 2}
        spec = parse_spec({**SPEC, "questions": [question]})
        assert refused(spec, {"objects": [box(), box(), box()]}).where == "answers.objects"
        with pytest.raises(Invalid, match="required"):
            validate_answers(spec, {"objects": []}, IMAGE)


class TestPolygons:
    def test_valid_polygon(self, spec):
        area = {"label": "road", "points": [[0, 0], [640, 0], [640, 480]]}
        clean = validate_answers(spec, {"objects": [box()], "areas": [area]}, IMAGE)
        assert clean["areas"][0]["points"] == [[0, 0], [640, 0], [640, 480]]

    @pytest.mark.parametrize("points, where, words", [
        ([[0, 0], [5, 5]], "answers.areas.0.points", "at least 3 points"),
        ("0,0 1,1 2,0", "answers.areas.0.points", "list of [x, y]"),
        ([[0, 0], [5, 5], [5]], "answers.areas.0.points.2", "expected a point"),
        ([[0, 0], [5, 5], [700, 0]], "answers.areas.0.points.2", "outside the 640×480 image"),
        ([[0, 0], [5, 5], [5, -1]], "answers.areas.0.points.2", "coordinates start at 0"),
        ([[0, 0], [5, 5], [5, 5], [9, 0]], "answers.areas.0.points.2", "repeats the point before it"),
        ([[0, 0], [5, 5], [9, 0], [0, 0]], "answers.areas.0.points.3", "repeats the first point"),
        ([[0, 0], [10, 0], [0, 10], [10, 10]], "answers.areas.0.points.3", "may not intersect itself"),
        ([[0, 0], [5, 5], [10, 10]], "answers.areas.0.points", "encloses no area"),
        ([[0, 0], [5, True], [10, 0]], "answers.areas.0.points.1", "finite numbers"),
    ])
    def test_each_rule_names_its_path(self, spec, points, where, words):
        err = refused(spec, {"areas": [{"label": "road", "points": points}]})
        assert err.where == where and words in err.message

    def test_the_example_path_from_the_docs(self, spec):
        ok = {"label": "grass", "points": [[1, 1], [9, 1], [9, 9]]}
        objects = [ok] * 12 + [{"label": "grass", "points": [[1, 1], [9, 1], [9, 9], [9, 600]]}]
        assert refused(spec, {"areas": objects}).where == "answers.areas.12.points.3"

    def test_touching_itself_counts_as_crossing(self):
        # the fifth point lies on the first edge
        assert first_crossing(np.array([[0, 0], [10, 0], [10, 10], [5, 10], [5, 0.0]])) is not None
        assert first_crossing(np.array([[0, 0], [10, 0], [10, 10], [0, 10.0]])) is None


class TestKeypoints:
    def test_valid_keypoints(self, spec):
        pts = [[10, 10, 2], [0, 0, 0], [20.5, 12, 1]]
        clean = validate_answers(spec, {"objects": [box()], "poses": [{"label": "person", "points": pts}]}, IMAGE)
        assert clean["poses"][0]["points"] == pts

    @pytest.mark.parametrize("points, where, words", [
        ([[10, 10, 2]], "answers.poses.0.points", "expected 3 [x, y, v] triples (nose, left_eye, right_eye), got 1"),
        ([[10, 10, 2], [0, 0, 0], [1, 1, 3]], "answers.poses.0.points.2.2", "v is 0"),
        ([[10, 10, 2], [0, 0, 0], [1, 1, True]], "answers.poses.0.points.2.2", "v is 0"),
        ([[10, 10, 2], [4, 0, 0], [1, 1, 1]], "answers.poses.0.points.1", "x and y must be 0"),
        ([[10, 10, 2], [0, 0, 0], [641, 1, 2]], "answers.poses.0.points.2", "outside the 640×480 image"),
        ([[10, 10, 2], [0, 0, 0], [1, 1]], "answers.poses.0.points.2", "'right_eye'"),
        ([[0, 0, 0], [0, 0, 0], [0, 0, 0]], "answers.poses.0.points", "at least one keypoint"),
    ])
    def test_each_rule_names_its_path(self, spec, points, where, words):
        err = refused(spec, {"poses": [{"label": "person", "points": points}]})
        assert err.where == where and words in err.message


class TestMasks:
    def test_valid_mask(self, spec):
        clean = validate_answers(spec, {"objects": [box()], "paint": [{"label": "sky", "rle": mask()}]}, IMAGE)
        assert rle_decode(clean["paint"][0]["rle"]).sum() == 5 * 10

    @pytest.mark.parametrize("rle, where, words", [
        ("abc", "answers.paint.0.rle", "expected {"),
        ({"size": [480, 640]}, "answers.paint.0.rle", "expected {"),
        ({"size": [480], "counts": [1]}, "answers.paint.0.rle.size", "[height, width]"),
        ({"size": [640, 480], "counts": [0, 640 * 480]}, "answers.paint.0.rle.size", "not the image size"),
        ({"size": [480, 640], "counts": "PPYo0"}, "answers.paint.0.rle.counts", "compressed RLE"),
        ({"size": [480, 640], "counts": [10, -1, 1]}, "answers.paint.0.rle.counts.1", "non-negative integer"),
        ({"size": [480, 640], "counts": [10, 1.5, 1]}, "answers.paint.0.rle.counts.1", "non-negative integer"),
        ({"size": [480, 640], "counts": [10, 5]}, "answers.paint.0.rle.counts", "not 480×640"),
        ({"size": [480, 640], "counts": [480 * 640]}, "answers.paint.0.rle", "empty"),
    ])
    def test_each_rule_names_its_path(self, spec, rle, where, words):
        err = refused(spec, {"paint": [{"label": "sky", "rle": rle}]})
        assert err.where == where and words in err.message

    def test_any_size_without_a_known_image(self, spec):
        small = {"label": "tree", "rle": mask(10, 12, ((1, 2, 1, 2),))}
        clean = validate_answers(spec, {"objects": [box()], "paint": [small]})
        assert clean["paint"][0]["rle"]["size"] == [10, 12]


class TestGeometry:
    def test_box_corners_clockwise_from_top_left(self):
        assert box_corners({"x": 0, "y": 0, "w": 4, "h": 2}) == [[0, 0], [4, 0], [4, 2], [0, 2]]
        turned = box_corners({"x": 0, "y": 0, "w": 4, "h": 2, "rotation": 90})
        # clockwise on screen (y down): the top-left corner swings to the top-right
        assert np.allclose(turned, [[3, -1], [3, 3], [1, 3], [1, -1]])

    @settings(max_examples=60, deadline=None)
    @given(st.tuples(st.floats(0, 20), st.floats(0, 20), st.floats(0.5, 10), st.floats(0.5, 10), st.floats(-179, 180)),
           st.tuples(st.floats(0, 20), st.floats(0, 20), st.floats(0.5, 10), st.floats(0.5, 10), st.floats(-179, 180)))
    def test_rotated_iou_equals_polygon_iou(self, a, b):
        rows = np.array([a, b], dtype=float)
        corners = row_corners(rows)
        assert polygon_area(corners[0]) == pytest.approx(a[2] * a[3])
        expected = polygon_iou(corners[0], corners[1])
        assert box_iou_rows(rows[:1], rows[1:])[0, 0] == pytest.approx(expected, abs=1e-9)


def boxes_answer(*rects, label="car"):
    return [{"id": str(i + 1), "label": label, "x": x, "y": y, "w": w, "h": h, "rotation": 0, "attributes": {}}
            for i, (x, y, w, h) in enumerate(rects)]


class TestConsensusAndAgreement:
    def test_boxes_median_of_majority_clusters(self, spec):
        c, t = configs(spec)["objects"], REGISTRY["boxes"]
        a = boxes_answer((0, 0, 10, 10), (100, 100, 20, 20))
        b = boxes_answer((1, 0, 10, 10))
        c_ = boxes_answer((2, 1, 12, 10), (300, 300, 5, 5))
        agreed = t.consensus(c, [a, b, c_])
        assert agreed == [{"id": "1", "label": "car", "x": 1.0, "y": 0.0, "w": 10.0, "h": 10.0, "rotation": 0.0,
                           "attributes": {}}]
        assert t.agreement(c, [a, b, c_], agreed) == pytest.approx((2 / 3 + 1 + 2 / 3) / 3)

    def test_boxes_of_different_labels_never_match(self, spec):
        c, t = configs(spec)["objects"], REGISTRY["boxes"]
        a, b = boxes_answer((0, 0, 10, 10)), boxes_answer((0, 0, 10, 10), label="person")
        assert t.pair_agreement(c, a, b) == 0.0
        assert t.consensus(c, [a, b]) == []

    def test_attributes_take_the_most_frequent_value(self, spec):
        c, t = configs(spec)["objects"], REGISTRY["boxes"]
        answers = [boxes_answer((0, 0, 10, 10)) for _ in range(3)]
        answers[0][0]["attributes"] = {"occluded": True}
        answers[1][0]["attributes"] = {"occluded": True}
        assert t.consensus(c, answers)[0]["attributes"] == {"occluded": True}

    def test_pair_agreement_is_matched_f1(self, spec):
        c, t = configs(spec)["objects"], REGISTRY["boxes"]
        a = boxes_answer((0, 0, 10, 10), (50, 50, 10, 10), (80, 80, 5, 5))
        b = boxes_answer((1, 1, 10, 10), (52, 50, 10, 10))
        assert t.pair_agreement(c, a, b) == pytest.approx(2 * 2 / 5)
        assert t.pair_agreement(c, [], []) == 1.0 and t.pair_agreement(c, a, None) == 0.0

    def test_gold_needs_every_box_at_iou_075(self, spec):
        c, t = configs(spec)["objects"], REGISTRY["boxes"]
        truth = boxes_answer((0, 0, 10, 10), (50, 50, 10, 10))
        assert t.gold_matches(c, boxes_answer((50, 50, 10, 10), (1, 0, 10, 10)), truth)  # IoU 0.82
        assert not t.gold_matches(c, boxes_answer((0, 0, 10, 10), (53, 50, 10, 10)), truth)  # IoU 0.54
        assert not t.gold_matches(c, truth + boxes_answer((90, 90, 5, 5)), truth)
        assert t.gold_matches(c, None, []) and not t.gold_matches(c, [], truth)

    def test_rotated_boxes_cluster_by_rotated_iou(self, spec):
        c, t = configs(spec)["turned"], REGISTRY["boxes"]
        answers = [[{"id": "1", "label": "car", "x": 100, "y": 100, "w": 80, "h": 20, "rotation": r,
                     "attributes": {}}] for r in (40, 44, -45)]
        agreed = t.consensus(c, answers)
        assert len(agreed) == 1 and agreed[0]["rotation"] == 42.0  # the median angle of the two that match
        assert t.pair_agreement(c, answers[0], answers[2]) == 0.0  # crossing at right angles

    def test_polygons_take_the_most_central_member(self, spec):
        c, t = configs(spec)["areas"], REGISTRY["polygons"]

        def square(x, label="road"):
            return [{"id": "1", "label": label, "points": [[x, 0], [x + 10, 0], [x + 10, 10], [x, 10]],
                     "attributes": {}}]

        agreed = t.consensus(c, [square(0), square(1), square(2), square(40, "grass")])
        assert agreed[0]["points"] == square(1)[0]["points"]  # closest to both others
        assert len(agreed) == 1  # 3 of 4 is a majority; the lone grass polygon is not
        assert t.pair_agreement(c, square(0), square(1)) == 1.0
        assert not t.gold_matches(c, square(3), square(0))  # IoU 7/13

    def test_keypoints_median_per_keypoint(self, spec):
        c, t = configs(spec)["poses"], REGISTRY["keypoints"]

        def pose(dx, third=(30, 30, 2)):
            return [{"id": "1", "label": "person", "points": [[100 + dx, 100, 2], [140 + dx, 90, 2], list(third)],
                     "attributes": {}}]

        elsewhere = [{**pose(0)[0], "points": [[500, 400, 2], [0, 0, 0], [0, 0, 0]]}]
        answers = [pose(0), pose(2), pose(4, (0, 0, 0)), elsewhere]
        agreed = t.consensus(c, answers[:3])
        assert agreed[0]["points"] == [[102.0, 100.0, 2], [142.0, 90.0, 2], [30.0, 30.0, 2]]
        assert t.pair_agreement(c, answers[0], answers[1]) == 1.0  # OKS ≈ 0.99
        assert t.pair_agreement(c, answers[0], answers[3]) == 0.0

    def test_masks_per_pixel_majority_and_mask_iou_agreement(self, spec):
        c, t = configs(spec)["paint"], REGISTRY["masks"]
        a = [{"id": "1", "label": "sky", "rle": mask(8, 8, ((0, 4, 0, 4),)), "attributes": {}}]
        b = [{"id": "1", "label": "sky", "rle": mask(8, 8, ((0, 4, 1, 5),)), "attributes": {}}]
        e = [{"id": "1", "label": "tree", "rle": mask(8, 8, ((6, 8, 6, 8),)), "attributes": {}}]
        agreed = t.consensus(c, [a, b, e])
        assert [o["label"] for o in agreed] == ["sky"]
        expected = np.zeros((8, 8), bool)
        expected[0:4, 1:4] = True
        assert (rle_decode(agreed[0]["rle"]) == expected).all()
        assert t.pair_agreement(c, a, b) == 1.0  # IoU 12/20 ≥ 0.5
        assert not t.gold_matches(c, a, b)  # … but < 0.75
        assert t.pair_agreement(c, a, e) == 0.0

    def test_no_values_no_consensus(self, spec):
        for name in ("objects", "areas", "poses", "paint"):
            config = configs(spec)[name]
            assert REGISTRY[config.type].consensus(config, []) is None
            assert REGISTRY[config.type].consensus(config, [[], []]) == []


class TestThroughTheApi:
    def test_box_outside_the_image_is_refused_and_a_valid_one_stored(self, world, settings):
        world.person("boss", "manager")
        world.person("ann")
        spec = {**SPEC, "questions": SPEC["questions"][:1]}
        pid = world.project(spec, members={"boss": "manager", "ann": "annotator"})
        make_png(settings.resolved_media_dir / str(pid) / "street" / "a.png", 64, 48)
        boss = world.client("boss")
        r = boss.post(f"/api/v1/projects/{pid}/items/import",
                      files={"file": ("items.jsonl", json.dumps({"id": "a", "image": "street/a.png"}).encode())})
        assert r.status_code == 200, r.text
        ann = world.client("ann")
        item = ann.post(f"/api/v1/projects/{pid}/queue/next", json={}).json()["item"]
        assert item["media"]["image"] == {"width": 64, "height": 48}
        url = f"/api/v1/projects/{pid}/items/{item['id']}/annotations"
        outside = {"objects": [box(x=10, y=10, w=20, h=20), box(x=40, y=30, w=30, h=10)]}
        r = ann.post(url, json={"answers": outside, "client_key": "k1"})
        assert r.status_code == 422
        assert r.json()["where"] == "answers.objects.1.w" and "64" in r.json()["detail"]
        inside = {"objects": [box(x=40, y=30, w=24, h=18, attributes={"occluded": False})]}
        r = ann.post(url, json={"answers": inside, "client_key": "k2"})
        assert r.status_code in (200, 201), r.text
        stored = ann.get(f"/api/v1/projects/{pid}/annotations?mine=true").json()["annotations"]
        assert stored[0]["answers"]["objects"] == [{"id": "1", "label": "car", "x": 40, "y": 30, "w": 24, "h": 18,
                                                    "rotation": 0, "attributes": {"occluded": False}}]


junk = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.sampled_from(
        ["id", "label", "x", "y", "w", "h", "rotation", "points", "rle", "size", "counts", "attributes"]), children,
        max_size=6),
    max_leaves=25)


@settings(max_examples=150, deadline=None)
@given(value=junk, question=st.sampled_from(["objects", "turned", "areas", "poses", "paint"]))
def test_malformed_answers_are_refused_cleanly(value, question):
    spec = parse_spec(SPEC)
    config = configs(spec)[question]
    try:
        REGISTRY[config.type].validate(config, value, f"answers.{question}", IMAGE)
    except Invalid as exc:
        assert exc.where.startswith(f"answers.{question}")
