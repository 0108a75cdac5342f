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
