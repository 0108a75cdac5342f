"""Spans in the browser: a person marks words with the mouse and label keys, links spans with the keyboard,
undoes, and accepts a model's suggestions; the server stores code-point offsets that slice exactly the
marked words (Arabic with an emoji before them included)."""

import json

import pytest

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser

SPEC = {
    "name": "Entities — الكيانات",
    "overlap": 1,
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{
        "name": "entities", "type": "spans", "prompt": "Mark the entities",
        "labels": [{"value": "PER", "text": "Person", "hotkey": "p"}, {"value": "ORG", "text": "Organisation", "hotkey": "o"},
                   {"value": "LOC", "text": "Place", "hotkey": "l"}],
        "attributes": [{"name": "negated", "type": "boolean"}],
        "relations": [{"value": "works_for", "text": "works for", "from": ["PER"], "to": ["ORG"]},
                      {"value": "based_in", "text": "based in", "from": ["ORG"], "to": ["LOC"]}],
    }],
}
ARABIC = "قال أحمد 😀 إنّ الطقس جميل"
ENGLISH = "Anna works for Acme in Paris."


@pytest.fixture
def spans_project(server):
    """make(rows) → project id: a new spans project with `rows` as items and ann_spans as its annotator."""
    admin = server.admin
    if "ann_spans" not in server.users:
        user = admin("POST", "/users", json={"username": "ann_spans", "password": PASSWORD, "role": "annotator"})
        server.users["ann_spans"] = user["id"]

    def make(rows: list[dict]) -> int:
        pid = admin("POST", "/projects", json={"spec": SPEC})["id"]
        payload = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()
        admin("POST", f"/projects/{pid}/items/import", files={"file": ("items.jsonl", payload, "application/x-ndjson")})
        admin("PUT", f"/projects/{pid}/members/{server.users['ann_spans']}", json={"role": "annotator"})
        return pid

    return make


def stored(server, pid: int) -> list[dict]:
    """ann_spans's answers to the spans question, in item order."""
    data = server.api("ann_spans")("GET", f"/projects/{pid}/annotations", params={"mine": "true", "limit": 100})
    return [a["answers"]["entities"] for a in sorted(data["annotations"], key=lambda a: a["item_id"])]


def word_box(page, word: str, occurrence: int = 0) -> dict:
    """The screen box of a word of the marked text (found in the text nodes, as a person finds it)."""
    return page.evaluate(
        """([word, occurrence]) => {
          const root = document.querySelector('[data-testid=spans-text-entities]');
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          let seen = 0;
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            let at = node.data.indexOf(word);
            while (at >= 0) {
              if (seen === occurrence) {
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + word.length);
                const r = range.getBoundingClientRect();
                return {x: r.left, y: r.top, width: r.width, height: r.height};
              }
              seen += 1;
              at = node.data.indexOf(word, at + 1);
            }
          }
          return null;
        }""",
        [word, occurrence],
    )


def open_annotator(page, sign_in, pid: int) -> None:
    sign_in(page, "ann_spans")
    page.goto(f"/projects/{pid}/annotate")
    page.get_by_test_id("spans-text-entities").wait_for(state="visible")


def wait_for_submit(page, count: int, server, pid: int) -> list[dict]:
    page.wait_for_function(
        "() => { const d = document.querySelector('[data-testid=all-done]'); return d && !d.hidden; }")
    answers = stored(server, pid)
    assert len(answers) == count
    return answers


def rows(page, testid: str = "spans-row") -> list[tuple[str, str]]:
    return page.locator(f"[data-testid={testid}]").evaluate_all(
        "els => els.map(e => [e.dataset.label, e.querySelector('bdi').textContent])")


def test_mouse_selection_in_arabic_with_an_emoji_stores_code_point_offsets(page, server, sign_in, spans_project):
    pid = spans_project([{"id": "ar-1", "text": ARABIC}])
    open_annotator(page, sign_in, pid)
    assert page.get_by_test_id("spans-text-entities").evaluate("el => getComputedStyle(el).direction") == "rtl"

    # double-click a word after the emoji (two UTF-16 units, one code point), then press the label key
    box = word_box(page, "الطقس")
    page.mouse.dblclick(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert "الطقس" in page.get_by_test_id("spans-hint-entities").inner_text()  # asks for a label
    page.keyboard.press("l")
    assert rows(page) == [["LOC", "الطقس"]]
    assert page.evaluate("document.activeElement.dataset.testid") == "spans-text-entities"  # Enter submits again

    # drag across the middle of a word: token snapping grows it to the whole word; the active label is Place,
    # and a label key pressed right after changes the new span's label
    box = word_box(page, "أحمد")
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.8, y)  # right to left: the word starts on the right
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=4)
    page.mouse.move(box["x"] + box["width"] * 0.3, y, steps=4)
    page.mouse.up()
    assert rows(page) == [["LOC", "أحمد"], ["LOC", "الطقس"]]
    page.keyboard.press("p")
    assert rows(page) == [["PER", "أحمد"], ["LOC", "الطقس"]]

    page.keyboard.press("Enter")
    [answer] = wait_for_submit(page, 1, server, pid)
    spans = answer["spans"]
    assert [(s["start"], s["end"], s["label"]) for s in spans] == [(4, 8, "PER"), (15, 20, "LOC")]
    for span in spans:
        assert ARABIC[span["start"]:span["end"]] == span["text"]  # Python indices are code points
    assert answer["relations"] == []


def test_relation_with_the_keyboard_and_undo(page, server, sign_in, spans_project):
    pid = spans_project([{"id": "en-1", "text": ENGLISH}])
    open_annotator(page, sign_in, pid)
    # the first word asks for its label; later ones take the active label, and a key right after relabels
    for word, key in (("Anna", "p"), ("Acme", "o"), ("Paris", "l")):
        box = word_box(page, word)
        page.mouse.dblclick(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.keyboard.press(key)
    assert rows(page) == [["PER", "Anna"], ["ORG", "Acme"], ["LOC", "Paris"]]

    page.keyboard.press("Control+z")  # undo the relabelling of Paris…
    assert rows(page) == [["PER", "Anna"], ["ORG", "Acme"], ["ORG", "Paris"]]
    page.keyboard.press("Control+z")  # …then its creation
    assert rows(page) == [["PER", "Anna"], ["ORG", "Acme"]]

    page.keyboard.press("Escape")
    page.keyboard.press("]")  # the first span
    page.keyboard.press("r")  # relation from Anna; the only possible target (Acme) is proposed
    assert "Anna" in page.get_by_test_id("spans-hint-entities").inner_text()
    page.keyboard.press("Enter")
    relations = page.get_by_test_id("spans-relation")
    assert relations.count() == 1 and "works for" in relations.inner_text()

    page.keyboard.press("Control+z")
    assert relations.count() == 0
    page.keyboard.press("Control+Shift+z")
    assert relations.count() == 1

    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    [answer] = wait_for_submit(page, 1, server, pid)
    by_id = {s["id"]: s for s in answer["spans"]}
    assert [(s["text"], s["label"]) for s in answer["spans"]] == [("Anna", "PER"), ("Acme", "ORG")]
    [relation] = answer["relations"]
    assert (by_id[relation["from"]]["text"], by_id[relation["to"]]["text"], relation["label"]) == ("Anna", "Acme", "works_for")


def test_suggestions_are_accepted_one_by_one_or_all_at_once(page, server, sign_in, spans_project):
    prediction = {"entities": {"value": {
        "spans": [{"id": "m1", "start": 0, "end": 4, "label": "PER"}, {"id": "m2", "start": 15, "end": 19, "label": "ORG"}],
        "relations": [{"from": "m1", "to": "m2", "label": "works_for"}]}, "score": 0.9}}
    pid = spans_project([{"id": "p-1", "text": ENGLISH, "predictions": prediction},
                         {"id": "p-2", "text": ENGLISH, "predictions": prediction}])
    open_annotator(page, sign_in, pid)
    assert rows(page, "spans-suggestion") == [["PER", "Anna"], ["ORG", "Acme"]]
    assert rows(page) == []  # suggestions are not answers until accepted

    page.keyboard.press("Tab")     # the first suggestion
    page.keyboard.press("Enter")   # accept it; the next suggestion is selected
    page.keyboard.press("Delete")  # reject that one
    assert rows(page) == [["PER", "Anna"]] and rows(page, "spans-suggestion") == []
    page.keyboard.press("Enter")   # nothing suggested is selected any more: Enter submits
    page.wait_for_function("() => document.querySelectorAll('[data-testid=spans-suggestion]').length === 2")

    page.get_by_test_id("spans-accept-all-entities").wait_for(state="visible")
    page.keyboard.press("Shift+A")
    assert rows(page) == [["PER", "Anna"], ["ORG", "Acme"]]
    assert page.get_by_test_id("spans-relation").count() == 1
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    first, second = wait_for_submit(page, 2, server, pid)
    assert [(s["start"], s["end"], s["label"], s["text"]) for s in first["spans"]] == [(0, 4, "PER", "Anna")]
    assert first["relations"] == []
    assert [(s["label"], s["text"]) for s in second["spans"]] == [("PER", "Anna"), ("ORG", "Acme")]
    ids = {s["text"]: s["id"] for s in second["spans"]}
    assert second["relations"] == [{"from": ids["Anna"], "to": ids["Acme"], "label": "works_for"}]
