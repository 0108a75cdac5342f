"""The quality page a lead opens every morning, the gold controls of the item page, and who may see what.

A project of its own is seeded over the REST API: four annotators label the same ten items and two gold
items (imported with `gold`); two of them agree with the truth, one slips now and then and one always says
"bug". After a refit the manager sees each person's gold counts and accuracy, confusion matrices, the least
certain items and the suspected errors; a reviewer sees the same without the refit button; an annotator and
an outsider get the forbidden and not-found states. Screenshots in English and Arabic are written to
`$TUTORLOOP_SCREENSHOTS` (or the test's temporary folder).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser

CLASSES = ["bug", "feature", "question"]
SPEC = {
    "name": "Support tickets — quality",
    "overlap": 4,
    "fields": [{"name": "text", "type": "text", "label": "Ticket"}],
    "questions": [
        {"name": "topic", "type": "single_label", "prompt": "Ticket topic",
         "labels": [{"value": "bug", "text": "Bug report"}, {"value": "feature", "text": "Feature request"},
                    {"value": "question", "text": "Question"}]},
        {"name": "note", "type": "free_text", "prompt": "Note", "required": False},
    ],
}
ITEMS = [{"id": f"t-{i:02d}", "text": f"Ticket number {i}"} for i in range(10)]  # 48 labels: no background refit
GOLD = [{"id": "g-1", "text": "The app crashes when I press save.", "gold": {"topic": "bug"}},
        {"id": "g-2", "text": "How do I change my password?", "gold": {"topic": "question"}}]
TRUTH = {**{row["id"]: CLASSES[i % 3] for i, row in enumerate(ITEMS)}, "g-1": "bug", "g-2": "question"}
PEOPLE = {"q_lead": "manager", "q_rev": "reviewer", "q_ann1": "annotator", "q_ann2": "annotator",
          "q_ann3": "annotator", "q_spam": "annotator", "q_out": "annotator"}
ANNOTATORS = ["q_ann1", "q_ann2", "q_ann3", "q_spam"]


def answer_of(username: str, external_id: str) -> str:
    truth = TRUTH[external_id]
    if username == "q_spam":
        return "bug"  # the disagreeing annotator
    if username == "q_ann3" and external_id in ("t-01", "t-05", "g-2"):
        return "question" if truth != "question" else "feature"
    return truth


@pytest.fixture(scope="module")
def quality(server):
    """The seeded project: {pid, items: {external id: item id}, refit: the refit answer}."""
    admin = server.admin
    for username, role in PEOPLE.items():
        admin("POST", "/users", json={"username": username, "password": PASSWORD,
                                      "role": "manager" if role == "manager" else "annotator"})
    lead = server.api("q_lead")
    pid = lead("POST", "/projects", json={"spec": SPEC})["id"]
    payload = "\n".join(json.dumps(r) for r in ITEMS + GOLD).encode()
    summary = lead("POST", f"/projects/{pid}/items/import", files={"file": ("items.jsonl", payload)})
    assert summary["gold"] == 2
    for username, role in PEOPLE.items():
        if username not in ("q_lead", "q_out"):
            lead("POST", f"/projects/{pid}/members", json={"username": username, "role": role})
    lead("PATCH", f"/projects/{pid}", json={"gold_rate": 1.0})  # gold first, so everyone answers both
    for username in ANNOTATORS:
        api = server.api(username)
        while (item := api("POST", f"/projects/{pid}/queue/next")["item"]) is not None:
            api("POST", f"/projects/{pid}/items/{item['id']}/annotations", json={
                "answers": {"topic": answer_of(username, item["external_id"])},
                "client_key": f"{username}-{item['id']}", "time_spent_ms": 2000})
    lead("PATCH", f"/projects/{pid}", json={"gold_rate": 0.1})
    refit = lead("POST", f"/projects/{pid}/quality/refit")
    listing = lead("GET", f"/projects/{pid}/items", params={"limit": 100})
    return {"pid": pid, "items": {i["external_id"]: i["id"] for i in listing["items"]}, "refit": refit}


def shots_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("TUTORLOOP_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_quality(page, pid: int):
    response = page.goto(f"/projects/{pid}/quality")
    assert response.status == 200
    return response


def test_manager_sees_accuracy_evidence_matrices_and_lists(page, server, sign_in, quality, tmp_path):
    pid = quality["pid"]
    assert quality["refit"]["questions"]["topic"]["labels"] == 48
    sign_in(page, "q_lead")
    open_quality(page, pid)
    topic = page.locator("[data-testid=quality-question][data-question=topic]")
    topic.get_by_test_id("people-table").wait_for()
    assert "10%" in page.get_by_test_id("quality-summary").inner_text()

    # agreement figures and the chart: one row per annotator, each with its gold dot and model mark
    assert topic.get_by_test_id("agreement").locator("dd").count() >= 1
    chart = topic.get_by_test_id("accuracy-chart")
    assert chart.locator("title").first.text_content().startswith("Accuracy per person")
    rows = chart.get_by_test_id("accuracy-row")
    assert sorted(rows.nth(i).get_attribute("data-name") for i in range(rows.count())) == sorted(ANNOTATORS)
    assert chart.get_by_test_id("gold-dot").count() == 4 and chart.get_by_test_id("model-mark").count() == 4
    assert rows.first.get_attribute("data-name") == "q_spam"  # lowest accuracy first
    assert "gold 1/2" in rows.first.locator("text.evidence").text_content()

    # the people table carries the same numbers; two gold answers each is little evidence
    table_rows = {topic.get_by_test_id("people-row").nth(i).get_attribute("data-username"): topic.get_by_test_id("people-row").nth(i)
                  for i in range(topic.get_by_test_id("people-row").count())}
    assert set(table_rows) == set(ANNOTATORS)
    assert table_rows["q_ann1"].get_by_test_id("gold-count").inner_text() == "2/2"
    assert table_rows["q_spam"].get_by_test_id("gold-count").inner_text() == "1/2"
    assert table_rows["q_ann3"].get_by_test_id("gold-count").inner_text() == "1/2"
    assert table_rows["q_ann1"].get_by_test_id("little-evidence").is_visible()
    assert chart.locator(".chart-row.is-weak").count() == 4

    # confusion matrices: the worst few by default, one person when chosen
    matrices = topic.get_by_test_id("matrices")
    assert matrices.get_by_test_id("confusion-matrix").count() == 3
    first = matrices.get_by_test_id("confusion-matrix").first
    assert "q_spam" in first.locator("caption").inner_text()
    assert first.locator("tbody tr").count() == 3 and first.locator("td.heat").count() == 9
    assert first.locator("thead th").nth(1).inner_text() == "Bug report"
    table_rows["q_ann2"].get_by_role("button", name="Matrix").click()
    page.wait_for_function("() => document.querySelectorAll('[data-question=topic] [data-testid=confusion-matrix]').length === 1")
    assert "q_ann2" in matrices.get_by_test_id("confusion-matrix").locator("caption").inner_text()

    # suspected errors name the disagreeing annotator; lowest-confidence items link to item pages
    suspects = topic.get_by_test_id("suspects-row")
    assert suspects.count() >= 1
    assert "q_spam" in [suspects.nth(i).locator("td").nth(1).inner_text() for i in range(suspects.count())]
    lowest = topic.get_by_test_id("lowest-row")
    assert lowest.count() >= 1
    link = lowest.first.get_by_test_id("item-link")
    assert re.fullmatch(rf"/projects/{pid}/items/\d+", link.get_attribute("href"))

    # a question nobody answered has no fit yet
    note = page.locator("[data-testid=quality-question][data-question=note]")
    assert note.get_by_test_id("quality-empty").is_visible()
    assert "Not enough labels yet" in note.get_by_test_id("quality-empty").inner_text()

    # refit now: a spinner while it runs (the request is held until the spinner was seen), then the data again
    held = []
    page.route(f"**/api/v1/projects/{pid}/quality/refit", lambda route: held.append(route))
    page.get_by_test_id("refit").click()
    page.locator("[data-testid=refit][aria-busy=true] .spinner").wait_for(state="visible")
    assert page.get_by_test_id("refit-state").inner_text() == "Refitting…"
    held[0].continue_()
    page.get_by_test_id("toast-ok").filter(has_text="Refit done").wait_for()
    page.unroute(f"**/api/v1/projects/{pid}/quality/refit")
    assert page.get_by_test_id("refit").get_attribute("aria-busy") is None
    topic.get_by_test_id("people-table").wait_for()
    assert not page.get_by_test_id("error-banner").is_visible()

    folder = shots_dir(tmp_path)
    page.screenshot(path=str(folder / "quality-en.png"), full_page=True)

    external = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(rf"/projects/{pid}/items/\d+$"))
    page.get_by_test_id("item-ref").filter(has_text=external).wait_for()
    page.get_by_test_id("consensus-row").first.wait_for()


def test_mark_and_unmark_gold_on_the_item_page(page, server, sign_in, quality, tmp_path):
    pid = quality["pid"]
    item_id = quality["items"]["t-02"]  # truth "question"; three of four people said so
    lead = server.api("q_lead")
    before = lead("GET", f"/projects/{pid}")["item_count"]
    sign_in(page, "q_lead")
    page.goto(f"/projects/{pid}/items/{item_id}")
    row = page.locator("[data-testid=consensus-row][data-question=topic]")
    row.wait_for()
    assert row.get_by_test_id("consensus-value").inner_text() == "Question"
    assert row.get_by_test_id("posterior-bar").count() == 1
    assert "Question" in row.get_by_test_id("posterior-legend").inner_text()
    assert page.get_by_test_id("gold-unmark").is_hidden()

    source = page.get_by_test_id("gold-source-topic")
    assert source.input_value() == "consensus"
    assert page.get_by_test_id("gold-source-note").input_value() == "skip"  # nobody answered it
    page.get_by_test_id("gold-submit").click()
    page.get_by_test_id("gold-state").wait_for()
    assert page.get_by_test_id("gold-answers").inner_text().count("Question") == 1
    assert page.get_by_test_id("gold-badge").is_visible()
    records = {r["external_id"]: r for r in map(json.loads, lead("GET", f"/projects/{pid}/export").splitlines())}
    assert records["t-02"]["gold"] == {"topic": "question"}
    assert lead("GET", f"/projects/{pid}")["item_count"] == before - 1
    page.screenshot(path=str(shots_dir(tmp_path) / "item-gold-en.png"), full_page=True)

    # a chosen answer instead of the consensus, then unmark
    source.select_option("choose")
    page.get_by_test_id("gold-question-topic").get_by_test_id("choice-topic-feature").click()
    page.get_by_test_id("gold-submit").click()
    page.get_by_test_id("toast-ok").filter(has_text="Marked as gold").last.wait_for()
    page.wait_for_function("() => document.querySelector('[data-testid=gold-answers]')?.textContent.includes('Feature request')")
    records = {r["external_id"]: r for r in map(json.loads, lead("GET", f"/projects/{pid}/export").splitlines())}
    assert records["t-02"]["gold"] == {"topic": "feature"}

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("gold-unmark").click()
    page.get_by_test_id("gold-unmark").wait_for(state="hidden")
    assert page.get_by_test_id("gold-state").is_hidden()
    records = {r["external_id"]: r for r in map(json.loads, lead("GET", f"/projects/{pid}/export").splitlines())}
    assert records["t-02"]["gold"] is None
    assert lead("GET", f"/projects/{pid}")["item_count"] == before


def test_reviewer_sees_quality_without_refit(page, sign_in, quality):
    sign_in(page, "q_rev")
    open_quality(page, quality["pid"])
    page.locator("[data-question=topic] [data-testid=people-table]").wait_for()
    assert page.get_by_test_id("refit").is_hidden()
    assert page.get_by_test_id("forbidden").is_hidden()
    page.goto(f"/projects/{quality['pid']}")
    page.get_by_test_id("open-quality").wait_for()
    assert page.get_by_test_id("open-quality").get_attribute("href") == f"/projects/{quality['pid']}/quality"
    page.goto(f"/projects/{quality['pid']}/items/{quality['items']['t-00']}")
    page.get_by_test_id("consensus-row").first.wait_for()
    assert page.get_by_test_id("gold-card").is_hidden()


def test_annotator_and_outsider_are_refused(page, sign_in, quality):
    pid = quality["pid"]
    page.goto(f"/projects/{pid}/quality")
    assert "/login?next=" in page.url  # signed out: to the login page first
    sign_in(page, "q_ann1")
    open_quality(page, pid)
    denied = page.get_by_test_id("forbidden")
    denied.wait_for()
    assert "Not allowed" in denied.inner_text()
    assert page.get_by_test_id("quality-question").count() == 0
    assert page.get_by_test_id("refit").is_hidden()
    assert not page.get_by_test_id("error-banner").is_visible()
    page.goto(f"/projects/{pid}")
    page.get_by_test_id("start-labelling").wait_for()
    assert page.get_by_test_id("open-quality").is_hidden()

    page.context.clear_cookies()
    sign_in(page, "q_out")
    open_quality(page, pid)
    page.get_by_test_id("forbidden").filter(has_text="Not found").wait_for()


def test_settings_gold_rate_and_method(page, server, sign_in, quality, tmp_path):
    pid = quality["pid"]
    sign_in(page, "q_lead")
    page.goto(f"/projects/{pid}")
    rate = page.get_by_test_id("settings-gold-rate")
    rate.wait_for()
    page.wait_for_function("() => document.querySelector('[data-testid=settings-gold-rate]').value !== ''")
    assert rate.input_value() == "10"
    page.get_by_test_id("settings-form").screenshot(path=str(shots_dir(tmp_path) / "settings-en.png"))
    rate.fill("25")
    page.get_by_test_id("settings-consensus-method").select_option("dawid_skene")
    page.get_by_test_id("settings-save").click()
    page.get_by_test_id("toast-ok").wait_for()
    project = server.api("q_lead")("GET", f"/projects/{pid}")
    assert project["gold_rate"] == 0.25 and project["consensus_method"] == "dawid_skene"
    server.api("q_lead")("PATCH", f"/projects/{pid}", json={"gold_rate": 0.1, "consensus_method": "auto"})


def test_quality_page_in_arabic(page, server, sign_in, quality, tmp_path):
    pid = quality["pid"]
    sign_in(page, "q_rev")
    server.api("q_rev")("PATCH", "/users/me", json={"locale": "ar"})
    try:
        open_quality(page, pid)
        assert page.locator("html").get_attribute("dir") == "rtl"
        topic = page.locator("[data-testid=quality-question][data-question=topic]")
        topic.get_by_test_id("people-table").wait_for()
        assert page.locator("h1").inner_text() == "الجودة"
        assert topic.get_by_test_id("little-evidence").first.inner_text() == "أدلة قليلة"
        chart = topic.get_by_test_id("accuracy-chart")
        assert chart.evaluate("el => getComputedStyle(el).direction") == "ltr"  # charts stay left to right
        page.screenshot(path=str(shots_dir(tmp_path) / "quality-ar.png"), full_page=True)
        page.goto(f"/projects/{pid}/items/{quality['items']['t-01']}")
        page.get_by_test_id("consensus-row").first.wait_for()
        page.screenshot(path=str(shots_dir(tmp_path) / "item-ar.png"), full_page=True)
    finally:
        server.api("q_rev")("PATCH", "/users/me", json={"locale": "en"})
