"""The annotator loop, keyboard first: choose with digits, submit with Enter, skip with S; drafts survive a
reload; one's own submissions can be reopened and edited."""

import json

import pytest

pytestmark = pytest.mark.browser


def current_ref(page) -> str:
    page.get_by_test_id("item-view").wait_for(state="visible")
    return page.get_by_test_id("item-ref").inner_text()


def wait_for_next(page, previous: str) -> str:
    page.wait_for_function(
        "prev => { const el = document.querySelector('[data-testid=item-ref]');"
        " const done = document.querySelector('[data-testid=all-done]');"
        " return (done && !done.hidden) || (el && el.textContent && el.textContent !== prev"
        " && !document.querySelector('[data-role=task]').hidden); }",
        arg=previous,
    )
    return page.get_by_test_id("item-ref").inner_text()


def mine(server, username: str) -> dict[str, dict]:
    """The person's annotations in the sentiment project, by item external id."""
    pid = server.projects["sentiment"]
    by_id = {v: k for k, v in server.items["sentiment"].items()}
    data = server.api(username)("GET", f"/projects/{pid}/annotations", params={"mine": "true", "limit": 100})
    return {by_id[a["item_id"]]: a for a in data["annotations"]}


def pressed(page, question: str, value: str) -> bool:
    return page.get_by_test_id(f"choice-{question}-{value}").get_attribute("aria-pressed") == "true"


def test_hotkeys_submit_skip_and_text_boxes(page, server, sign_in):
    sign_in(page, "ann_keys")
    pid = server.projects["sentiment"]
    page.goto(f"/projects/{pid}/annotate")
    first = current_ref(page)
    text = page.get_by_test_id("field-text").locator(".field-text")
    assert text.inner_text().strip()
    assert text.get_attribute("dir") == "auto"
    assert text.evaluate("el => getComputedStyle(el).direction") == "rtl"  # Arabic renders right to left

    page.keyboard.press("2")
    assert pressed(page, "sentiment", "negative")
    page.keyboard.press("Enter")
    second = wait_for_next(page, first)
    assert second != first
    stored = mine(server, "ann_keys")
    assert stored[first]["answers"]["sentiment"] == "negative"
    assert stored[first]["time_spent_ms"] >= 0

    page.keyboard.press("s")
    third = wait_for_next(page, second)
    assert third not in (first, second)
    assert second not in mine(server, "ann_keys")  # skipped, not annotated

    # Keys typed into a text box are text: no label changes, Enter does not submit; Ctrl+Enter does.
    page.keyboard.press("1")
    assert pressed(page, "sentiment", "positive")
    note = page.get_by_test_id("input-note")
    note.click()
    page.keyboard.type("2 s b")
    page.keyboard.press("Enter")
    page.keyboard.type("line two")
    assert pressed(page, "sentiment", "positive") and not pressed(page, "sentiment", "negative")
    assert page.get_by_test_id("item-ref").inner_text() == third
    page.keyboard.press("Control+Enter")
    fourth = wait_for_next(page, third)
    assert fourth != third
    stored = mine(server, "ann_keys")[third]["answers"]
    assert stored["sentiment"] == "positive"
    assert stored["note"] == "2 s b\nline two"

def test_required_question_error_is_shown_next_to_it(page, server, sign_in):
    sign_in(page, "ann_keys")
    page.goto(f"/projects/{server.projects['sentiment']}/annotate")
    ref = current_ref(page)
    page.keyboard.press("Enter")
    error = page.get_by_test_id("question-error-sentiment")
    error.wait_for(state="visible")
    assert error.inner_text() == "This question needs an answer."
    assert page.get_by_test_id("item-ref").inner_text() == ref

    # the server's 422 lands under the question its `where` names
    page.keyboard.press("1")
    assert not error.is_visible()
    page.get_by_test_id("input-note").evaluate(
        "el => { el.value = 'x'.repeat(501); el.dispatchEvent(new Event('input', {bubbles: true})); }")
    page.get_by_test_id("submit").click()
    note_error = page.get_by_test_id("question-error-note")
    note_error.wait_for(state="visible")
    assert "500" in note_error.inner_text()
    assert page.get_by_test_id("item-ref").inner_text() == ref
    page.get_by_test_id("input-note").fill("short")
    page.get_by_test_id("submit").click()
    wait_for_next(page, ref)


def test_draft_survives_a_reload(page, server, sign_in):
    sign_in(page, "ann_draft")
    user_id = server.users["ann_draft"]
    pid = server.projects["sentiment"]
    page.goto(f"/projects/{pid}/annotate")
    ref = current_ref(page)
    page.keyboard.press("3")  # neutral; the active question moves on to topics
    page.keyboard.press("2")  # price
    page.get_by_test_id("input-note").fill("draft text")
    assert pressed(page, "topics", "price")
    item_id = server.items["sentiment"][ref]
    draft = json.loads(page.evaluate("k => localStorage.getItem(k)", f"tl:draft:v1:{user_id}:{pid}:{item_id}"))
    assert draft["answers"]["sentiment"] == "neutral"
    client_key = draft["client_key"]

    page.reload()
    assert current_ref(page) == ref  # the lease is still mine
    assert pressed(page, "sentiment", "neutral")
    assert pressed(page, "topics", "price")
    assert page.get_by_test_id("input-note").input_value() == "draft text"
    assert page.get_by_test_id("draft-state").inner_text() == "Draft restored"

    page.get_by_test_id("submit").click()
    wait_for_next(page, ref)
    stored = mine(server, "ann_draft")[ref]
    assert stored["answers"]["sentiment"] == "neutral"
    assert stored["answers"]["topics"] == ["price"]
    assert stored["answers"]["note"] == "draft text"
    assert stored["client_key"] == client_key  # the key stored with the draft: a retry is idempotent
    assert page.evaluate("k => localStorage.getItem(k)", f"tl:draft:v1:{user_id}:{pid}:{item_id}") is None


def test_back_and_edit_own_submission(page, server, sign_in):
    sign_in(page, "ann_edit")
    pid = server.projects["sentiment"]
    page.goto(f"/projects/{pid}/annotate")
    first = current_ref(page)
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    second = wait_for_next(page, first)

    page.keyboard.press("b")
    history = page.get_by_test_id("history")
    history.wait_for(state="visible")
    row = page.locator(f"[data-testid=history-row][data-item-id='{server.items['sentiment'][first]}']")
    row.get_by_test_id("history-edit").click()
    page.get_by_test_id("mode").filter(has_text="Editing").wait_for()
    assert page.get_by_test_id("item-ref").inner_text() == first
    assert pressed(page, "sentiment", "positive")
    page.keyboard.press("2")
    assert pressed(page, "sentiment", "negative")
    page.keyboard.press("Enter")
    page.get_by_test_id("mode").filter(has_text="New item").wait_for()
    assert current_ref(page) == second  # back in the queue, on the item I was holding
    annotation = mine(server, "ann_edit")[first]
    assert annotation["answers"]["sentiment"] == "negative"
    assert len(mine(server, "ann_edit")) == 1
