"""The manager downloads the JSONL export from the dashboard."""

import json

import pytest

pytestmark = pytest.mark.browser


def test_manager_exports_jsonl(page, server, sign_in):
    pid = server.projects["sentiment"]
    manager = server.api("manager1")
    item = manager("POST", f"/projects/{pid}/queue/next")["item"]
    manager("POST", f"/projects/{pid}/items/{item['id']}/annotations",
            json={"answers": {"sentiment": "neutral"}, "client_key": "export-1"})

    sign_in(page, "manager1")
    page.goto(f"/projects/{pid}")
    link = page.get_by_test_id("export-jsonl")
    link.wait_for(state="visible")
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    assert {row["external_id"] for row in rows} == set(server.items["sentiment"])
    row = next(r for r in rows if r["item_id"] == item["id"])
    mine = [a for a in row["annotations"] if a["annotator"] == "manager1"]
    assert mine and mine[0]["answers"] == {"sentiment": "neutral"}
    assert row["data"]["text"]  # the Arabic text travels as it was


def test_annotators_see_start_labelling_not_the_manager_tools(page, server, sign_in):
    sign_in(page, "ann_lang")
    page.goto(f"/projects/{server.projects['sentiment']}")
    page.get_by_test_id("start-labelling").wait_for(state="visible")
    assert not page.get_by_test_id("export-jsonl").is_visible()
    assert not page.get_by_test_id("settings-save").is_visible()


BOXES_SPEC = {
    "name": "boxes for training export",
    "fields": [{"name": "image", "type": "image"}],
    "questions": [{"name": "objects", "type": "boxes", "labels": ["car", "person"]}],
}


def test_manager_imports_coco_suggestions_and_downloads_them_as_voc(page, server, sign_in, tmp_path):
    import io
    import zipfile

    from PIL import Image

    pid = server.admin("POST", "/projects", json={"spec": BOXES_SPEC})["id"]
    server.admin("PUT", f"/projects/{pid}/members/{server.users['manager1']}", json={"role": "manager"})
    folder = server.data_dir / "media" / str(pid)
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (200, 100), (90, 90, 90)).save(folder / "street.png")
    coco = {"images": [{"id": 1, "file_name": "street.png", "width": 200, "height": 100}],
            "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "person"}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 20, 30, 40], "score": 0.9}]}
    coco_file = tmp_path / "instances.json"
    coco_file.write_text(json.dumps(coco))

    sign_in(page, "manager1")
    page.goto(f"/projects/{pid}")
    page.get_by_test_id("import-file").set_input_files(str(coco_file))
    page.get_by_test_id("import-format").select_option("coco")
    assert page.get_by_test_id("import-as").is_visible()
    page.get_by_test_id("import-submit").click()
    page.get_by_test_id("import-result").wait_for(state="visible")
    item = server.admin("GET", f"/projects/{pid}/items")["items"][0]
    assert item["predictions"]["objects"]["value"][0]["w"] == 30

    form = page.get_by_test_id("training-export")
    form.wait_for(state="visible")
    page.get_by_test_id("training-format").select_option("voc")
    page.get_by_test_id("training-source").select_option("predictions")
    assert page.get_by_test_id("training-source").locator("option[value=annotations]").is_disabled()
    with page.expect_download() as info:
        page.get_by_test_id("training-download").click()
    archive = zipfile.ZipFile(io.BytesIO(open(info.value.path(), "rb").read()))
    xml = next(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml"))
    assert "<xmin>11</xmin>" in xml and "<xmax>40</xmax>" in xml  # VOC is 1-based: x + 1 … x + w


def test_chat_projects_offer_the_training_formats_that_fit_each_question(page, server, sign_in):
    spec = {"name": "chat training export", "fields": [{"name": "chat", "type": "chat"},
                                                       {"name": "responses", "type": "responses"}],
            "questions": [{"name": "pref", "type": "pairwise"},
                          {"name": "scores", "type": "rubric", "attributes": [{"name": "helpfulness"}]}]}
    pid = server.admin("POST", "/projects", json={"spec": spec})["id"]
    server.admin("PUT", f"/projects/{pid}/members/{server.users['manager1']}", json={"role": "manager"})
    sign_in(page, "manager1")
    page.goto(f"/projects/{pid}")
    page.get_by_test_id("training-export").wait_for(state="visible")
    page.get_by_test_id("training-question").select_option("pref")
    formats = page.get_by_test_id("training-format").locator("option").evaluate_all("os => os.map((o) => o.value)")
    assert {"dpo", "kto", "reward_pairs", "sft"} <= set(formats) and "coco" not in formats
    page.get_by_test_id("training-question").select_option("scores")
    formats = page.get_by_test_id("training-format").locator("option").evaluate_all("os => os.map((o) => o.value)")
    assert "helpsteer" in formats and "dpo" not in formats
    href = page.get_by_test_id("training-download").get_attribute("href")
    assert "question=scores" in href and "format=helpsteer" in href


def test_managers_of_chat_projects_get_the_generation_card_with_a_clear_error_when_no_endpoint_is_set(
        page, server, sign_in):
    spec = {"name": "chat generation", "fields": [{"name": "chat", "type": "chat"},
                                                  {"name": "responses", "type": "responses", "required": False}],
            "questions": [{"name": "pref", "type": "pairwise"}]}
    pid = server.admin("POST", "/projects", json={"spec": spec})["id"]
    server.admin("PUT", f"/projects/{pid}/members/{server.users['manager1']}", json={"role": "manager"})
    sign_in(page, "manager1")
    page.goto(f"/projects/{pid}")
    card = page.get_by_test_id("generation")
    card.wait_for(state="visible")
    assert "No generation jobs yet" in page.get_by_test_id("generation-jobs").inner_text()
    page.get_by_test_id("generation-model").fill("some-model")
    page.get_by_test_id("generation-start").click()
    error = page.get_by_test_id("generation-error")
    error.wait_for(state="visible")
    assert "TUTORLOOP_GENERATION_BASE_URL" in error.inner_text() or "endpoint" in error.inner_text().lower()
    assert server.admin("GET", f"/projects/{pid}/generation") == []
    page.goto(f"/projects/{server.projects['sentiment']}")  # not a chat project: no card
    page.get_by_test_id("export-jsonl").wait_for(state="visible")
    assert not page.get_by_test_id("generation").is_visible()
