import json

from sqlalchemy import func, select

from tutorloop.items.models import Item


def upload(client, pid, content: bytes, name="items.jsonl", fmt=None):
    data = {"format": fmt} if fmt else {}
    return client.post(f"/api/v1/projects/{pid}/items/import", files={"file": (name, content)}, data=data)


def count_items(db, pid):
    with db.session(write=False) as s:
        return s.scalar(select(func.count()).select_from(Item).where(Item.project_id == pid))


class TestImport:
    def test_jsonl_import_and_reimport_updates_instead_of_duplicating(self, world, db):
        world.person("boss", "manager")
        pid = world.project(members={"boss": "manager"})
        c = world.client("boss")
        lines = b'{"id": "a", "text": "one"}\n{"id": "b", "text": "two"}\n'
        assert upload(c, pid, lines).json() == {"created": 2, "updated": 0, "total": 2, "gold": 0}
        again = b'{"id": "a", "text": "one, fixed"}\n{"id": "c", "text": "three"}\n'
        assert upload(c, pid, again).json() == {"created": 1, "updated": 1, "total": 2, "gold": 0}
        assert count_items(db, pid) == 3
        assert c.get(f"/api/v1/projects/{pid}").json()["item_count"] == 3

    def test_items_without_ids_are_deduplicated_by_content(self, world, db):
        world.person("boss", "manager")
        pid = world.project(members={"boss": "manager"})
        c = world.client("boss")
        upload(c, pid, b'[{"text": "same"}, {"text": "other"}]', "x.json")
        upload(c, pid, b'[{"text": "same"}]', "x.json")
        assert count_items(db, pid) == 2

    def test_csv_and_json_array(self, world, db):
        world.person("boss", "manager")
        pid = world.project(members={"boss": "manager"})
        c = world.client("boss")
        r = upload(c, pid, "id,text,lang\nr1,مرحبا,ar\nr2,hello,en\n".encode(), "items.csv")
        assert r.json()["created"] == 2
        items = c.get(f"/api/v1/projects/{pid}/items").json()["items"]
        assert items[0]["data"] == {"text": "مرحبا"} and items[0]["metadata"] == {"lang": "ar"}

    def test_a_bad_record_imports_nothing_and_names_line_and_field(self, world, db):
        world.person("boss", "manager")
        pid = world.project(members={"boss": "manager"})
        content = b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "ok"}\n{"id": "c", "txt": "typo"}\n'
        r = upload(world.client("boss"), pid, content)
        assert r.status_code == 422
        assert r.json()["where"] == "line 3.text" and "line 3" in r.json()["detail"]
        assert count_items(db, pid) == 0

    def test_upload_over_the_limit_is_413(self, world, app, db):
        world.person("boss", "manager")
        pid = world.project(members={"boss": "manager"})
        app.state.settings.max_upload_mb = 1
        line = json.dumps({"text": "x" * 1000}).encode() + b"\n"
        r = upload(world.client("boss"), pid, line * 1100)
        assert r.status_code == 413 and count_items(db, pid) == 0

    def test_annotators_cannot_import(self, world, db):
        world.person("ann")
        pid = world.project(members={"ann": "annotator"})
        assert upload(world.client("ann"), pid, b'{"text": "x"}').status_code == 403
        assert count_items(db, pid) == 0

    def test_empty_file_is_refused(self, world):
        world.person("boss", "manager")
        pid = world.project(members={"boss": "manager"})
        r = upload(world.client("boss"), pid, b"\n\n")
        assert r.status_code == 422 and "no items" in r.json()["detail"]
