"""Chat tutoring in the browser: a person scores responses in the rubric grid, flags a response and writes the
next turns with the keyboard only; the server stores each score under the id of the response that was shown
under that letter. The mouse works too, and an incomplete grid is refused before anything is sent."""

import json

import pytest

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser

SPEC = {
    "name": "Chat tutoring — تقييم الردود",
    "overlap": 1,
    "fields": [{"name": "chat", "type": "chat"}, {"name": "responses", "type": "responses"}],
    "questions": [
        {"name": "quality", "type": "rubric", "prompt": "Score each response", "field": "responses",
         "attributes": [{"name": "helpful", "text": "Helpfulness", "guideline": "Does it answer the question?",
                         "labels": {"0": "useless", "4": "perfect"}},
                        {"name": "honest", "text": "Honesty", "max": 2}]},
        {"name": "problems", "type": "flags", "prompt": "Anything wrong?", "field": "chat"},
        {"name": "next", "type": "write", "mode": "continuation", "field": "chat", "required": False},
    ],
}
CHAT = [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "ما عاصمة فرنسا؟"}]
RESPONSES = [{"id": "r-paris", "model": "m1", "content": "باريس."},
             {"id": "r-lyon", "model": "m2", "content": "Lyon."},
             {"id": "r-none", "model": "m3", "content": "I do not know."}]
USER = "ann_rubric"


@pytest.fixture
def chat_project(server):
    admin = server.admin
    if USER not in server.users:
        server.users[USER] = admin("POST", "/users", json={"username": USER, "password": PASSWORD, "role": "annotator"})["id"]
    pid = admin("POST", "/projects", json={"spec": SPEC})["id"]
    rows = [{"id": f"c{n}", "chat": CHAT, "responses": RESPONSES} for n in range(2)]
    payload = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()
    admin("POST", f"/projects/{pid}/items/import", files={"file": ("items.jsonl", payload, "application/x-ndjson")})
    admin("PUT", f"/projects/{pid}/members/{server.users[USER]}", json={"role": "annotator"})
    return pid


def stored(server, pid: int) -> list[dict]:
    data = server.api(USER)("GET", f"/projects/{pid}/annotations", params={"mine": "true", "limit": 100})
    return [a["answers"] for a in data["annotations"]]


def letters_to_ids(page) -> dict[str, str]:
    """What the person sees: the response card under each letter."""
    cards = page.locator("[data-testid=responses-responses] [data-letter]")
    cards.first.wait_for()
    return {cards.nth(i).get_attribute("data-letter"): cards.nth(i).get_attribute("data-response-id")
            for i in range(cards.count())}


def is_active(page, question: str) -> bool:
    return "is-active" in (page.get_by_test_id(f"question-{question}").get_attribute("class") or "")


def test_keyboard_only_rubric_flags_and_turns(page, server, sign_in, chat_project):
    sign_in(page, USER)
    page.goto(f"/projects/{chat_project}/annotate")
    ids = letters_to_ids(page)
    assert sorted(ids.values()) == sorted(r["id"] for r in RESPONSES)
    header = page.get_by_test_id("rubric-quality").locator("thead th.rb-col").all_inner_texts()
    assert header == ["A", "B", "C"]

    # digits score the focused cell and move on: helpfulness A, B, C, then honesty A, B
    for key in "42021":
        page.keyboard.press(key)
    assert page.get_by_test_id("rubric-hint-quality").inner_text().startswith("Honesty")
    page.keyboard.press("ArrowUp")  # inside the grid: up one row (helpfulness, C), not the previous question
    page.keyboard.press("i")  # the focused attribute's guideline and scale words
    guide = page.get_by_test_id("rubric-quality").locator(".rb-guide:visible")
    assert guide.inner_text() == "Does it answer the question? — 0 = useless · 4 = perfect"
    assert page.get_by_test_id("rubric-info-helpful").get_attribute("aria-expanded") == "true"
    page.keyboard.press("3")  # helpfulness C = 3, then on to honesty A
    page.keyboard.press("End")
    page.keyboard.press("7")  # outside honesty's 0–2 scale: refused with a hint
    assert "0 to 2" in page.get_by_test_id("rubric-hint-quality").inner_text()
    page.keyboard.press("0")
    page.keyboard.press("Control+z")
    assert page.get_by_test_id("rubric-cell-honest-C").get_attribute("data-empty") is not None
    page.keyboard.press("Control+Shift+z")
    assert page.get_by_test_id("rubric-cell-honest-C").get_attribute("data-empty") is None
    page.keyboard.press("ArrowDown")
    assert is_active(page, "quality")  # the grid has focus: arrows stay inside it

    page.keyboard.press("Escape")  # leave the grid; now ArrowDown moves to the next question
    page.keyboard.press("ArrowDown")
    assert is_active(page, "problems")
    page.keyboard.press("End")  # the last row: response C
    page.keyboard.press("2")  # pii
    page.keyboard.press("Escape")
    page.keyboard.press("ArrowDown")
    assert is_active(page, "next")
    page.keyboard.type("Paris, of course.")
    page.keyboard.press("Alt+Enter")
    page.keyboard.type("وماذا عن إسبانيا؟")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("() => document.querySelector('[data-testid=item-ref]').textContent !== ''"
                           " && document.querySelector('[data-testid=rubric-cell-helpful-A][data-empty]')")

    [answers] = stored(server, chat_project)
    assert answers["quality"] == {
        ids["A"]: {"helpful": 4, "honest": 2},
        ids["B"]: {"helpful": 2, "honest": 1},
        ids["C"]: {"helpful": 3, "honest": 0},
    }
    assert answers["problems"] == [{"target": f"response:{ids['C']}", "flag": "pii"}]
    assert answers["next"] == {"messages": [{"role": "assistant", "content": "Paris, of course."},
                                            {"role": "user", "content": "وماذا عن إسبانيا؟"}]}


def test_mouse_and_an_incomplete_grid(page, server, sign_in, chat_project):
    sign_in(page, USER)
    page.goto(f"/projects/{chat_project}/annotate")
    ids = letters_to_ids(page)
    cell = page.get_by_test_id("rubric-cell-helpful-B")
    cell.locator("[data-score='1']").click()
    page.get_by_test_id("submit").click()
    error = page.get_by_test_id("question-error-quality")
    error.wait_for(state="visible")  # the other cells have no score yet: nothing is sent
    assert stored(server, chat_project) == []

    for attribute, scores in (("helpful", "404"), ("honest", "120")):
        for letter, score in zip("ABC", scores, strict=True):
            page.get_by_test_id(f"rubric-cell-{attribute}-{letter}").locator(f"[data-score='{score}']").click()
    page.get_by_test_id(f"flag-problems-response:{ids['A']}-unsafe").click()
    page.get_by_test_id("submit").click()
    page.wait_for_function("() => document.querySelector('[data-testid=rubric-cell-helpful-A][data-empty]')")

    [answers] = stored(server, chat_project)
    assert answers["quality"] == {ids["A"]: {"helpful": 4, "honest": 1}, ids["B"]: {"helpful": 0, "honest": 2},
                                  ids["C"]: {"helpful": 4, "honest": 0}}
    assert answers["problems"] == [{"target": f"response:{ids['A']}", "flag": "unsafe"}]
    assert "next" not in answers
