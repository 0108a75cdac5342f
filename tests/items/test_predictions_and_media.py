"""Model pre-annotations (`predictions`) at import, and media facts read from local files."""

import json

from PIL import Image

from tutorloop.items.models import Item

SPEC = {
    "name": "pictures",
    "fields": [{"name": "image", "type": "image"}],
    "questions": [{"name": "kind", "type": "single_label", "labels": ["cat", "dog"]},
                  {"name": "note", "type": "free_text", "required": False}],
}


def upload(client, pid, records):
    body = "\n".join(json.dumps(r) for r in records).encode()
    return client.post(f"/api/v1/projects/{pid}/items/import", files={"file": ("items.jsonl", body)})


def put_image(settings, pid, name, size):
    path = settings.resolved_media_dir / str(pid) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (10, 20, 30)).save(path)


class TestPredictions:
    def test_predictions_are_validated_stored_and_shown_with_the_item(self, world, settings):
        world.person("boss", "manager")
        pid = world.project(SPEC, members={"boss": "manager"})
        put_image(settings, pid, "a.png", (64, 48))
        c = world.client("boss")
        r = upload(c, pid, [{"id": "a", "image": "a.png",
                             "predictions": {"kind": {"value": "cat", "score": 0.83}, "note": "looks fluffy"}}])
        assert r.status_code == 200, r.text
        item = c.get(f"/api/v1/projects/{pid}/items").json()["items"][0]
        assert item["predictions"] == {"kind": {"value": "cat", "score": 0.83},
                                       "note": {"value": "looks fluffy", "score": None}}
        assert "predictions" not in item["metadata"]

    def test_a_bad_prediction_names_record_and_question_and_imports_nothing(self, world, settings):
        world.person("boss", "manager")
        pid = world.project(SPEC, members={"boss": "manager"})
        put_image(settings, pid, "a.png", (64, 48))
        c = world.client("boss")
        r = upload(c, pid, [{"id": "a", "image": "a.png", "predictions": {"kind": "cat"}},
                            {"id": "b", "image": "a.png", "predictions": {"kind": {"value": "cow"}}}])
        assert r.status_code == 422
        assert r.json()["where"] == "line 2.predictions.kind"
        r = upload(c, pid, [{"id": "a", "image": "a.png", "predictions": {"kind": {"value": "cat", "score": 7}}}])
        assert r.status_code == 422 and r.json()["where"] == "line 1.predictions.kind.score"
        r = upload(c, pid, [{"id": "a", "image": "a.png", "predictions": {"colour": "red"}}])
        assert r.status_code == 422 and r.json()["where"] == "line 1.predictions.colour"
        assert c.get(f"/api/v1/projects/{pid}/items").json()["items"] == []


class TestMediaFacts:
    def test_local_image_size_is_read_from_the_file_at_import(self, world, settings, db):
        world.person("boss", "manager")
        pid = world.project(SPEC, members={"boss": "manager"})
        put_image(settings, pid, "sub/wide.png", (640, 200))
        c = world.client("boss")
        assert upload(c, pid, [{"id": "w", "image": "media:sub/wide.png"}]).status_code == 200
        item = c.get(f"/api/v1/projects/{pid}/items").json()["items"][0]
        assert item["media"] == {"image": {"width": 640, "height": 200}}
        with db.session(write=False) as s:
            assert s.get(Item, item["id"]).media == {"image": {"width": 640, "height": 200}}

    def test_missing_or_unreadable_local_media_is_an_import_error(self, world, settings):
        world.person("boss", "manager")
        pid = world.project(SPEC, members={"boss": "manager"})
        c = world.client("boss")
        r = upload(c, pid, [{"id": "x", "image": "nowhere.png"}])
        assert r.status_code == 422 and r.json()["where"] == "line 1.image"
        folder = settings.resolved_media_dir / str(pid)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "fake.png").write_bytes(b"not an image at all")
        r = upload(c, pid, [{"id": "x", "image": "fake.png"}])
        assert r.status_code == 422 and r.json()["where"] == "line 1.image"
        assert "not an image" in r.json()["detail"]

    def test_urls_are_not_fetched_at_import(self, world):
        world.person("boss", "manager")
        pid = world.project(SPEC, members={"boss": "manager"})
        c = world.client("boss")
        assert upload(c, pid, [{"id": "u", "image": "https://example.org/a.png"}]).status_code == 200
        assert c.get(f"/api/v1/projects/{pid}/items").json()["items"][0]["media"] == {}
