"""Chat edits in the browser: a tutor picks a response, rewrites it in the text box (the live diff shows the
change, R resets) and submits; another marks an error in an Arabic response with the mouse and the keys. The
server stores the original and its own word diff, and code-point offsets that slice the marked word."""

import json

import pytest

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser

ARABIC = "عاصمة فرنسا 😀 هي برلين."
ROW = {
    "id": "chat-1",
    "chat": [{"role": "user", "content": "What is the capital of France?"}],
    "responses": [{"id": "r1", "model": "m1", "content": "The capital of France is **Berlin**."},
                  {"id": "r2", "model": "m2", "content": ARABIC}],
}


def spec(question: dict) -> dict:
    return {"name": "Edits", "overlap": 1,
            "fields": [{"name": "chat", "type": "chat"}, {"name": "responses", "type": "responses"}],
            "questions": [question]}


@pytest.fixture
def edits_project(server):
    """make(question) → project id: one chat item, ann_edits as its annotator."""
    admin = server.admin
    if "ann_edits" not in server.users:
        user = admin("POST", "/users", json={"username": "ann_edits", "password": PASSWORD, "role": "annotator"})
        server.users["ann_edits"] = user["id"]

    def make(question: dict) -> int:
        pid = admin("POST", "/projects", json={"spec": spec(question)})["id"]
        payload = json.dumps(ROW, ensure_ascii=False).encode()
        admin("POST", f"/projects/{pid}/items/import", files={"file": ("items.jsonl", payload, "application/x-ndjson")})
        admin("PUT", f"/projects/{pid}/members/{server.users['ann_edits']}", json={"role": "annotator"})
        return pid

    return make


def submitted(page, server, pid: int, name: str):
    page.wait_for_function(
        "() => { const d = document.querySelector('[data-testid=all-done]'); return d && !d.hidden; }")
    data = server.api("ann_edits")("GET", f"/projects/{pid}/annotations", params={"mine": "true", "limit": 10})
    [annotation] = data["annotations"]
    return annotation["answers"][name]


def test_rewrite_a_chosen_response(page, server, sign_in, edits_project):
    pid = edits_project({"name": "fix", "type": "rewrite", "prompt": "Rewrite the worse response"})
    sign_in(page, "ann_edits")
    page.goto(f"/projects/{pid}/annotate")
    box = page.get_by_test_id("rewrite-text-fix")
    box.wait_for(state="visible")

    # choose the English response by clicking its letter; the text box starts with its Markdown source
    page.locator("[data-testid^=rewrite-pick-fix-][data-response=r1]").click()
    assert box.input_value() == ROW["responses"][0]["content"]

    # change one word with the keyboard: the live diff marks the deletion and the insertion
    box.click()
    page.keyboard.press("Control+End")
    for _ in range(len("Berlin**.")):
        page.keyboard.press("Backspace")
    page.keyboard.type("Paris**.")
    diff = page.get_by_test_id("rewrite-diff-fix")
    diff.locator("ins").first.wait_for()
    assert diff.locator("del").inner_text() == "Berlin" and diff.locator("ins").inner_text() == "Paris"

    # R (outside the text box) resets to the original; undo brings the rewrite back
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    assert box.input_value() == ROW["responses"][0]["content"]
    page.keyboard.press("Control+z")
    assert box.input_value() == "The capital of France is **Paris**."

    box.click()
    page.keyboard.press("Control+Enter")
    answer = submitted(page, server, pid, "fix")
    assert answer["response"] == "r1"
    assert answer["original"] == ROW["responses"][0]["content"]
    assert answer["rewrite"] == "The capital of France is **Paris**."
    assert ["replace", "Berlin", "Paris"] in answer["diff"]
    assert "".join(part[2] for part in answer["diff"]) == answer["rewrite"]


def test_error_span_marked_with_the_mouse(page, server, sign_in, edits_project):
    pid = edits_project({"name": "errors", "type": "error_spans", "prompt": "Mark the errors"})
    sign_in(page, "ann_edits")
    page.goto(f"/projects/{pid}/annotate")
    page.locator("[data-testid^=errors-tab-errors-][data-response=r2]").click()
    text = page.locator("[data-testid^=errors-text-errors-]:visible")
    text.wait_for()
    box = text.evaluate(
        """(root, word) => {
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(word);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + word.length);
            const r = range.getBoundingClientRect();
            return {x: r.left + r.width / 2, y: r.top + r.height / 2};
          }
          return null;
        }""", "برلين")
    page.mouse.dblclick(box["x"], box["y"])
    assert "برلين" in page.get_by_test_id("errors-hint-errors").inner_text()  # asks for a category
    page.keyboard.press("f")  # factual error, made with the middle severity
    page.keyboard.press("3")  # critical
    rows = page.get_by_test_id("errors-row")
    assert rows.count() == 1 and "critical" in rows.inner_text()
    page.keyboard.press("Control+z")  # back to the middle severity…
    assert "major" in rows.inner_text()
    page.keyboard.press("Control+Shift+z")  # …and forward again
    assert "critical" in rows.inner_text()
    page.get_by_test_id("errors-correction-errors").fill("باريس")
    page.get_by_test_id("errors-correction-errors").press("Tab")
    page.keyboard.press("Escape")

    page.keyboard.press("Enter")
    [error] = submitted(page, server, pid, "errors")
    assert (error["response"], error["start"], error["end"]) == ("r2", 17, 22)
    assert ARABIC[error["start"]:error["end"]] == error["text"] == "برلين"
    assert error["category"] == "factual_error" and error["severity"] == "critical"
    assert error["correction"] == "باريس"
