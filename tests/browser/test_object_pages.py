"""Every page that shows answers works with every object question type: labelling (with suggestions), the
item page (consensus and gold), review (drawn read-only, then corrected) and one's own submissions."""

import json

import numpy as np
import pytest

from tests.browser.conftest import PASSWORD
from tests.support.images import make_png
from tests.support.video import write_video
from tutorloop.quality.masks import rle_encode

pytestmark = pytest.mark.browser

TEXT = "Anna works at Acme in Cairo."
SPEC = {
    "name": "every object type",
    "fields": [{"name": "text", "type": "text"}, {"name": "image", "type": "image"},
               {"name": "clip", "type": "video"}],
    "questions": [
        {"name": "entities", "type": "spans", "field": "text", "labels": ["PER", "ORG", "LOC"],
         "relations": [{"value": "works_for", "from": ["PER"], "to": ["ORG"]}]},
        {"name": "objects", "type": "boxes", "field": "image", "labels": ["car", "person"]},
        {"name": "areas", "type": "polygons", "field": "image", "labels": ["road"]},
        {"name": "pose", "type": "keypoints", "field": "image",
         "labels": [{"value": "person", "keypoints": ["head", "foot"], "skeleton": [["head", "foot"]]}]},
        {"name": "paint", "type": "masks", "field": "image", "labels": ["sky"]},
        {"name": "events", "type": "video_segments", "field": "clip", "labels": ["crossing"]},
        {"name": "tracks", "type": "video_tracks", "field": "clip", "labels": ["car"]},
    ],
}


def answers() -> dict:
    mask = np.zeros((60, 80), dtype=bool)
    mask[5:20, 10:30] = True
    return {
        "entities": {"spans": [{"id": "a", "start": 0, "end": 4, "label": "PER"},
                               {"id": "b", "start": 14, "end": 18, "label": "ORG"}],
                     "relations": [{"from": "a", "to": "b", "label": "works_for"}]},
        "objects": [{"label": "car", "x": 2, "y": 3, "w": 20, "h": 10}],
        "areas": [{"label": "road", "points": [[1, 50], [70, 50], [40, 58]]}],
        "pose": [{"label": "person", "points": [[30, 10, 2], [30, 40, 1]]}],
        "paint": [{"label": "sky", "rle": rle_encode(mask)}],
        "events": [{"label": "crossing", "start": 2, "end": 9}],
        "tracks": [{"label": "car", "keyframes": [{"frame": 0, "x": 1, "y": 1, "w": 10, "h": 8},
                                                  {"frame": 10, "x": 20, "y": 5, "w": 10, "h": 8}]}],
    }


@pytest.fixture(scope="module")
def objects_project(server):
    admin = server.admin
    pid = admin("POST", "/projects", json={"spec": SPEC})["id"]
    media = server.data_dir / "media" / str(pid)
    make_png(media / "scene.png", 80, 60)
    write_video(media / "clip.webm")
    rows = [{"id": f"obj-{i}", "text": TEXT, "image": "scene.png", "clip": "clip.webm",
             "predictions": {"objects": {"value": [{"label": "person", "x": 40, "y": 20, "w": 10, "h": 30}],
                                         "score": 0.7}}} for i in (1, 2, 3)]
    payload = "\n".join(json.dumps(r) for r in rows).encode()
    admin("POST", f"/projects/{pid}/items/import", files={"file": ("items.jsonl", payload, "application/x-ndjson")})
    if "ann_objects" not in server.users:
        server.users["ann_objects"] = admin("POST", "/users", json={"username": "ann_objects", "password": PASSWORD,
                                                                    "role": "annotator"})["id"]
    for username, role in (("manager1", "manager"), ("rev1", "reviewer"), ("ann_objects", "annotator")):
        admin("PUT", f"/projects/{pid}/members/{server.users[username]}", json={"role": role})
    annotator = server.api("ann_objects")
    item = annotator("POST", f"/projects/{pid}/queue/next")["item"]
    annotation = annotator("POST", f"/projects/{pid}/items/{item['id']}/annotations",
                           json={"answers": answers(), "client_key": "objects-1"})
    return {"pid": pid, "item": item, "annotation": annotation}


def test_the_annotator_sees_every_surface_and_the_suggestion(page, server, sign_in, objects_project):
    sign_in(page, "ann_objects")
    page.goto(f"/projects/{objects_project['pid']}/annotate")
    page.get_by_test_id("item-ref").wait_for(state="visible")
    assert page.locator("[data-field-slot='text'] .sp-text").count() == 1
    assert page.locator("[data-field-slot='image'] svg [data-kind='suggestion']").count() >= 1
    assert page.locator("[data-field-slot='clip'] video").count() == 1
    page.keyboard.press("b")  # my submissions: the earlier answer summarised in words
    row = page.get_by_test_id("history-row").first
    row.wait_for(state="visible")
    assert "1 relation" in row.inner_text() or "relation" in row.inner_text().lower()


def test_the_item_page_shows_consensus_and_gold_widgets(page, server, sign_in, objects_project):
    sign_in(page, "manager1")
    page.goto(f"/projects/{objects_project['pid']}/items/{objects_project['item']['id']}")
    page.get_by_test_id("consensus-value").first.wait_for(state="visible")
    values = page.get_by_test_id("consensus-value").all_inner_texts()
    assert len(values) == len(SPEC["questions"]) and all(v.strip() and v != "–" for v in values)
    for question in SPEC["questions"]:
        assert page.get_by_test_id(f"gold-question-{question['name']}").count() == 1


def test_review_draws_the_answer_and_a_correction_keeps_it(page, server, sign_in, objects_project):
    sign_in(page, "rev1")
    page.goto(f"/projects/{objects_project['pid']}/review")
    card = page.get_by_test_id("review-card").first
    card.wait_for(state="visible")
    card.locator("[data-field-slot='image'] svg [data-kind='object']").first.wait_for(state="attached")
    card.get_by_test_id("correct").click()
    card.get_by_test_id("correct-save").click()
    page.get_by_test_id("toast-ok").first.wait_for(state="visible")
    stored = server.api("rev1")("GET", f"/annotations/{objects_project['annotation']['id']}")
    assert stored["status"] == "corrected"
    corrected = stored["review"]["corrected_answers"]
    assert corrected["entities"]["relations"] == [{"from": "a", "to": "b", "label": "works_for"}]
    assert corrected["objects"][0]["w"] == 20 and corrected["tracks"][0]["keyframes"][1]["frame"] == 10
