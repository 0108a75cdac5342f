"""Annotation formats through the real API: import pre-annotations, export them again, refuse bad files."""

from __future__ import annotations

import inspect
import io
import json
import zipfile

import pytest

from tests.formats.support import BOX_ATTRIBUTES, close, png, shapes
from tests.queue.test_queue import nxt

SPEC = {
    "name": "Mixed media",
    "overlap": 1,
    "fields": [{"name": "image", "type": "image", "required": False},
               {"name": "text", "type": "text", "required": False},
               {"name": "video", "type": "video", "required": False}],
    "questions": [
        {"name": "objects", "type": "boxes", "field": "image", "labels": ["car", "person"],
         "attributes": BOX_ATTRIBUTES, "required": False},
        {"name": "scene", "type": "single_label", "labels": ["day", "night"], "required": False},
        {"name": "entities", "type": "spans", "field": "text", "labels": ["PER", "ORG", "LOC"], "required": False,
         "allow_overlap": True, "relations": [{"value": "works_for", "from": ["PER"], "to": ["ORG"]}]},
        {"name": "tracks", "type": "video_tracks", "field": "video", "labels": ["car", "person"], "required": False},
    ],
}
SIZES = {"a.png": (64, 48), "street/b.png": (80, 60)}


@pytest.fixture
def pid(world, settings):
    world.person("boss", "manager")
    world.person("ann")
    world.person("bob")
    project = world.project(SPEC, members={"boss": "manager", "ann": "annotator", "bob": "annotator"})
    folder = settings.resolved_media_dir / str(project)
    for name, (w, h) in SIZES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(png(w, h))
    return project


def upload(world, pid, name, data, fmt, **form):
    return world.client("boss").post(f"/api/v1/projects/{pid}/items/import", files={"file": (name, data)},
                                     data={"format": fmt, **form})


def items(world, pid) -> list[dict]:
    r = world.client("boss").get(f"/api/v1/projects/{pid}/items?limit=500")
    assert r.status_code == 200, r.text
    return r.json()["items"]


def export(world, pid, fmt, **query):
    return world.client("boss").get(f"/api/v1/projects/{pid}/export", params={"format": fmt, **query})


def unzip(data: bytes) -> dict[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name).decode() for name in archive.namelist()}


COCO = {
    "images": [{"id": 10, "file_name": "a.png", "width": 64, "height": 48},
               {"id": 11, "file_name": "street/b.png", "width": 80, "height": 60}],
    "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "person"}],
    "annotations": [
        {"id": 1, "image_id": 10, "category_id": 1, "bbox": [0, 0, 64, 48], "score": 0.9,
         "attributes": {"difficult": True, "occluded": False}},
        {"id": 2, "image_id": 10, "category_id": 2, "bbox": [10.25, 5.5, 20.125, 30], "score": 0.5},
        {"id": 3, "image_id": 11, "category_id": 2, "bbox": [1, 2, 3, 4], "score": 0.7},
    ],
}


def coco_shapes(doc):
    names = {c["id"]: c["name"] for c in doc["categories"]}
    files = {i["id"]: i["file_name"] for i in doc["images"]}
    return sorted((files[a["image_id"]], names[a["category_id"]], *a["bbox"]) for a in doc["annotations"])


class TestCoco:
    def test_predictions_round_trip_and_load_with_pycocotools(self, world, pid, tmp_path):
        r = upload(world, pid, "preds.json", json.dumps(COCO).encode(), "coco")
        assert r.status_code == 200, r.text
        assert r.json() == {"created": 2, "updated": 0, "total": 2, "gold": 0}
        stored = {i["data"]["image"]: i for i in items(world, pid)}
        assert stored["a.png"]["external_id"] == "a.png" and stored["a.png"]["media"]["image"] == {
            "width": 64, "height": 48}
        first = stored["a.png"]["predictions"]["objects"]
        assert first["score"] == pytest.approx(0.7)
        assert first["value"][0]["attributes"] == {"difficult": True}  # names the question lacks are dropped
        r = export(world, pid, "coco", source="predictions")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/json")
        assert f'project-{pid}-objects-coco.json' in r.headers["content-disposition"]
        doc = r.json()
        assert coco_shapes(doc) == coco_shapes(COCO)
        coco_api = pytest.importorskip("pycocotools.coco")
        (tmp_path / "export.json").write_bytes(r.content)
        api = coco_api.COCO(str(tmp_path / "export.json"))
        assert len(api.getAnnIds(catIds=api.getCatIds(catNms=["person"]))) == 2

    def test_existing_items_are_matched_by_media_path_and_keep_the_rest(self, world, pid):
        line = {"id": "img-1", "image": "a.png", "source": "camera 3",
                "predictions": {"scene": {"value": "night", "score": 0.4}}}
        assert upload(world, pid, "items.jsonl", json.dumps(line).encode(), "jsonl").status_code == 200
        r = upload(world, pid, "preds.json", json.dumps(COCO).encode(), "coco")
        assert r.json() == {"created": 1, "updated": 1, "total": 2, "gold": 0}
        item = next(i for i in items(world, pid) if i["external_id"] == "img-1")
        assert item["metadata"] == {"source": "camera 3"}
        assert item["predictions"]["scene"] == {"value": "night", "score": 0.4}
        assert len(item["predictions"]["objects"]["value"]) == 2

    @pytest.mark.parametrize(("change", "where"), [
        (lambda d: d["annotations"][2].update(category_id=9), "annotations.2.category_id"),
        (lambda d: d["annotations"][2].update(bbox=[70, 2, 20, 4]), "annotations.2.bbox"),
        (lambda d: d["images"][1].update(width=81), "images.1"),
        (lambda d: d["images"].append({"id": 12, "file_name": "missing.png"}), "images.2.image"),
    ])
    def test_a_bad_file_imports_nothing(self, world, pid, change, where):
        doc = json.loads(json.dumps(COCO))
        change(doc)
        r = upload(world, pid, "preds.json", json.dumps(doc).encode(), "coco")
        assert r.status_code == 422 and r.json()["where"] == where, r.text
        assert items(world, pid) == []

    def test_box_outside_the_probed_image_is_refused_without_sizes_in_the_file(self, world, pid):
        doc = json.loads(json.dumps(COCO))
        for image in doc["images"]:
            del image["width"], image["height"]
        doc["annotations"][2]["bbox"] = [70, 2, 20, 4]
        r = upload(world, pid, "preds.json", json.dumps(doc).encode(), "coco")
        assert r.status_code == 422
        assert r.json() == {"error": "Invalid", "detail": "annotations.2.bbox: x 90 is outside the image (0–80)",
                            "where": "annotations.2.bbox"}
        assert items(world, pid) == []

    def test_consensus_and_every_persons_answers(self, world, pid):
        assert upload(world, pid, "i.jsonl", b'{"id": "i1", "image": "a.png"}\n', "jsonl").status_code == 200
        item = nxt(world.client("ann"), pid)
        box = {"id": "b1", "label": "car", "x": 4, "y": 5, "w": 6, "h": 7}
        r = world.client("ann").post(f"/api/v1/projects/{pid}/items/{item['id']}/annotations",
                                     json={"answers": {"objects": [box]}, "client_key": "k1"})
        assert r.status_code in (200, 201), r.text
        agreed = export(world, pid, "coco").json()
        assert [a["bbox"] for a in agreed["annotations"]] == [[4, 5, 6, 7]]
        assert agreed["images"][0]["external_id"] == "i1"
        everyone = export(world, pid, "coco", source="annotations").json()
        assert [a["annotator"] for a in everyone["annotations"]] == ["ann"]
        refused = export(world, pid, "yolo", source="annotations")
        assert refused.status_code == 422 and refused.json()["where"] == "source"
        assert "coco" in refused.json()["detail"]

    def test_gold_source(self, world, pid):
        assert upload(world, pid, "i.jsonl", b'{"id": "g1", "image": "street/b.png"}\n', "jsonl").status_code == 200
        [item] = items(world, pid)
        box = {"id": "1", "label": "person", "x": 0, "y": 0, "w": 80, "h": 60}
        r = world.client("boss").put(f"/api/v1/projects/{pid}/items/{item['id']}/gold",
                                     json={"answers": {"objects": [box]}})
        assert r.status_code == 200, r.text
        doc = export(world, pid, "voc", source="gold")
        files = unzip(doc.content)
        assert "<xmin>1</xmin>" in files["Annotations/street/b.xml"] and "<xmax>80</xmax>" in files[
            "Annotations/street/b.xml"]
        assert export(world, pid, "coco", source="predictions").json()["images"] == []


class TestImageArchives:
    def test_yolo_round_trip(self, world, pid):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("data.yaml", "names:\n  0: car\n  1: person\n")
            z.writestr("labels/a.txt", "0 0.5 0.5 0.25 0.5\n1 0.125 0.25 0.25 0.5\n")
            z.writestr("labels/street/b.txt", "")
        r = upload(world, pid, "labels.zip", archive.getvalue(), "yolo")
        assert r.status_code == 200, r.text
        stored = {i["data"]["image"]: i["predictions"]["objects"]["value"] for i in items(world, pid)}
        assert shapes(stored["a.png"]) == [
            {"label": "car", "x": 24, "y": 12, "w": 16, "h": 24, "rotation": 0, "attributes": {}},
            {"label": "person", "x": 0, "y": 0, "w": 16, "h": 24, "rotation": 0, "attributes": {}}]
        assert stored["street/b.png"] == []
        r = export(world, pid, "yolo", source="predictions")
        assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
        files = unzip(r.content)
        assert files["labels/a.txt"] == "0 0.5 0.5 0.25 0.5\n1 0.125 0.25 0.25 0.5\n"
        assert files["labels/street/b.txt"] == ""
        assert sorted(files["images.txt"].split()) == ["./images/a.png", "./images/street/b.png"]

    def test_yolo_without_data_yaml_imports_nothing(self, world, pid):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("labels/a.txt", "0 0.5 0.5 0.25 0.5\n")
        r = upload(world, pid, "labels.zip", archive.getvalue(), "yolo")
        assert r.status_code == 422 and r.json()["where"] == "data.yaml"
        assert items(world, pid) == []

    def test_voc_round_trip_is_exact(self, world, pid):
        xml = ("<annotation><filename>b.png</filename><path>street/b.png</path>"
               "<size><width>80</width><height>60</height><depth>3</depth></size>"
               "<object><name>car</name><truncated>1</truncated><difficult>0</difficult>"
               "<bndbox><xmin>1</xmin><ymin>2</ymin><xmax>80</xmax><ymax>60</ymax></bndbox></object></annotation>")
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("Annotations/b.xml", xml)
        r = upload(world, pid, "voc.zip", archive.getvalue(), "voc")
        assert r.status_code == 200, r.text
        [item] = items(world, pid)
        assert shapes(item["predictions"]["objects"]["value"]) == [
            {"label": "car", "x": 0, "y": 1, "w": 80, "h": 59, "rotation": 0,
             "attributes": {"truncated": True, "difficult": False}}]
        files = unzip(export(world, pid, "voc", source="predictions").content)
        out = files["Annotations/street/b.xml"]
        for tag, value in (("xmin", 1), ("ymin", 2), ("xmax", 80), ("ymax", 60), ("truncated", 1)):
            assert f"<{tag}>{value}</{tag}>" in out

    def test_voc_bad_xml_imports_nothing(self, world, pid):
        r = upload(world, pid, "a.xml", b"<annotation><filename>a.png</filename><object>", "voc")
        assert r.status_code == 422 and "not well-formed" in r.json()["detail"]
        assert items(world, pid) == []


class TestText:
    def test_spacy_round_trip_with_arabic_and_emoji(self, world, pid):
        text = "قال 😀 أحمد إن شركة أرامكو ربحت"
        start, org = text.index("أحمد"), text.index("أرامكو")
        line = {"id": "ar-1", "text": text, "ents": [[start, start + 4, "PER"], [org, org + 6, "ORG"]],
                "relations": [[0, 1, "works_for"]]}
        r = upload(world, pid, "ents.jsonl", json.dumps(line, ensure_ascii=False).encode(), "spacy")
        assert r.status_code == 200, r.text
        r = export(world, pid, "spacy", source="predictions")
        [row] = [json.loads(x) for x in r.text.splitlines()]
        assert [row["text"][s:e] for s, e, _ in row["ents"]] == ["أحمد", "أرامكو"]
        assert row == {**line, "score": None} or row == line

    def test_spacy_truncated_line_imports_nothing(self, world, pid):
        data = b'{"text": "Anna", "ents": [[0, 4, "PER"]]}\n{"text": "Acme", "ents": [[0, 4'
        r = upload(world, pid, "ents.jsonl", data, "spacy")
        assert r.status_code == 422 and r.json()["where"] == "line 2", r.text
        assert items(world, pid) == []

    def test_conll_round_trip(self, world, pid):
        data = ("-DOCSTART- O\n\nU.N. B-ORG\nofficial O\nEkeus B-PER\nheads O\nfor O\nBaghdad B-LOC\n. O\n\n"
                "-DOCSTART- O\n\nAnna B-PER\nsmiled O\n\n")
        r = upload(world, pid, "news.conll", data.encode(), "conll")
        assert r.status_code == 200 and r.json()["created"] == 2, r.text
        r = export(world, pid, "conll", source="predictions")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        assert r.text == data

    def test_conll_unknown_label_imports_nothing(self, world, pid):
        r = upload(world, pid, "news.conll", b"Anna B-PER\nsmiled B-MOOD\n", "conll")
        assert r.status_code == 422 and r.json()["where"] == "line 2"
        assert items(world, pid) == []


class TestVideo:
    @pytest.fixture
    def clip(self, settings, pid):
        from tests.support.video import write_video

        write_video(settings.resolved_media_dir / str(pid) / "clips" / "road.webm", frames=12, width=64, height=48)
        return "clips/road.webm"

    def test_mot_round_trip(self, world, pid, clip):
        rows = "1,1,0,0,10,10,1,1,1\n2,1,2,1,10,10,1,1,1\n3,1,4,2,10,10,1,1,0\n2,5,30,20,8,8,1,2,1\n"
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("road/gt/gt.txt", rows)
            z.writestr("road/seqinfo.ini", f"[Sequence]\nname=road\nvideo={clip}\n")
        r = upload(world, pid, "mot.zip", archive.getvalue(), "mot")
        assert r.status_code == 200, r.text
        [item] = items(world, pid)
        assert item["data"]["video"] == clip and item["media"]["video"]["frames"] == 12
        tracks = {t["id"]: t for t in item["predictions"]["tracks"]["value"]}
        assert [k["frame"] for k in tracks["1"]["keyframes"]] == [0, 2, 3]
        assert tracks["1"]["keyframes"][-1]["outside"] is True
        files = unzip(export(world, pid, "mot", source="predictions").content)
        assert sorted(files["road/gt/gt.txt"].splitlines()) == sorted(rows.splitlines())
        assert "seqLength=12" in files["road/seqinfo.ini"]

    def test_frame_past_the_video_imports_nothing(self, world, pid, clip):
        line = json.dumps({"id": "v1", "video": clip}).encode()
        assert upload(world, pid, "videos.jsonl", line, "jsonl").status_code == 200
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("road/gt/gt.txt", "1,1,0,0,10,10,1,1,1\n13,1,0,0,10,10,1,1,1\n")
        r = upload(world, pid, "mot.zip", archive.getvalue(), "mot")
        assert r.status_code == 422 and r.json()["where"] == "road/gt/gt.txt line 2", r.text
        [item] = items(world, pid)  # the sequence was matched to the item by its file name
        assert item["predictions"] is None


class TestExportRules:
    def test_only_managers_and_clear_errors(self, world, pid):
        assert world.client("ann").get(f"/api/v1/projects/{pid}/export?format=coco").status_code == 403
        r = export(world, pid, "coco", source="everyone")
        assert r.status_code == 422 and r.json()["where"] == "source"
        r = export(world, pid, "coco", question="scene")
        assert r.status_code == 422 and r.json()["where"] == "question" and "single_label" in r.json()["detail"]
        r = export(world, pid, "coco", question="nope")
        assert r.status_code == 422 and r.json()["where"] == "question"

    def test_an_item_the_format_cannot_hold_is_a_422_naming_it(self, world, pid):
        text = "New York City"
        line = {"id": "ny", "text": text, "ents": [[0, 8, "LOC"], [4, 13, "LOC"]]}
        assert upload(world, pid, "x.jsonl", json.dumps(line).encode(), "spacy").status_code == 200
        [item] = items(world, pid)
        r = export(world, pid, "conll", source="predictions")
        assert r.status_code == 422 and r.json()["where"] == f"item {item['id']} (ny)"
        assert "spans s1 and s2 overlap" in r.json()["detail"]
        r = export(world, pid, "spacy", source="predictions")  # spaCy JSONL keeps nested spans
        assert r.status_code == 200 and json.loads(r.text)["ents"] == line["ents"]

    def test_export_is_audited_with_its_question_and_source(self, world, pid):
        assert upload(world, pid, "preds.json", json.dumps(COCO).encode(), "coco").status_code == 200
        assert export(world, pid, "coco", source="predictions").status_code == 200
        entries = world.client("boss").get(f"/api/v1/audit?project_id={pid}").json()["entries"]
        exported = [e for e in entries if e["action"] == "project.export"]
        assert exported and exported[0]["detail"] == {"format": "coco", "question": "objects",
                                                      "source": "predictions"}


def route_takes(name: str) -> bool:
    from tutorloop.items import routes

    return name in inspect.signature(routes.import_items).parameters


class TestImportTargets:
    def test_read_records_puts_answers_under_gold_and_keeps_predictions(self, world, pid, settings):
        from tutorloop.formats.items import read_records
        from tutorloop.projects.models import Project

        line = {"id": "img-1", "image": "a.png", "predictions": {"scene": {"value": "day", "score": 0.9}}}
        assert upload(world, pid, "items.jsonl", json.dumps(line).encode(), "jsonl").status_code == 200
        with world.db.session(write=False) as s:
            raws = list(read_records(json.dumps(COCO).encode(), "coco", session=s, project=s.get(Project, pid),
                                     media_root=settings.resolved_media_dir, question="objects", target="gold"))
        first = next(r for r in raws if r.values["data"]["image"] == "a.png")
        assert first.values["id"] == "img-1"
        assert [o["label"] for o in first.values["gold"]["objects"]] == ["car", "person"]
        assert first.values["predictions"] == {"scene": {"value": "day", "score": 0.9}}
        with world.db.session(write=False) as s, pytest.raises(Exception, match="predictions or gold"):
            list(read_records(b"{}", "coco", session=s, project=s.get(Project, pid), target="truth"))

    @pytest.mark.skipif(not route_takes("as_"), reason="the import route does not pass question/as yet")
    def test_import_as_gold_through_the_route(self, world, pid):
        r = upload(world, pid, "gold.json", json.dumps(COCO).encode(), "coco", question="objects", **{"as": "gold"})
        assert r.status_code == 200 and r.json()["gold"] == 2, r.text
        gold = {i["data"]["image"]: i["gold"] for i in items(world, pid)}
        assert close(shapes(gold["street/b.png"]["objects"]),
                     [{"label": "person", "x": 1, "y": 2, "w": 3, "h": 4, "rotation": 0, "attributes": {}}])
        doc = export(world, pid, "coco", source="gold").json()
        assert coco_shapes(doc) == coco_shapes(COCO)
