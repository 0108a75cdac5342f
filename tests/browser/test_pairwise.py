"""Preference questions in the browser: a person compares two responses with the keyboard and ranks three
by keyboard and by dragging; the server stores a/b by the item's stored order whatever side each response
was shown on, and records the order on screen."""

import json

import pytest

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser

SPEC = {
    "name": "Which answer is better",
    "overlap": 1,
    "fields": [{"name": "chat", "type": "chat"}, {"name": "responses", "type": "responses"}],
    "questions": [
        {"name": "pref", "type": "pairwise", "prompt": "Which response is better?"},
        {"name": "rank", "type": "ranking", "prompt": "Rank all responses", "required": False},
    ],
}
MODELS = {"r1": "model-one", "r2": "model-two", "r3": "model-three"}
ROWS = [{"id": f"c{n}", "chat": [{"role": "user", "content": f"Question {n}: what is {n} + {n}?"}],
         "responses": [{"id": rid, "model": model, "content": f"{model} says {n * 2 + i}"}
                       for i, (rid, model) in enumerate(MODELS.items())]}
        for n in range(8)]
BY_MODEL = {model: rid for rid, model in MODELS.items()}


@pytest.fixture
def project(server):
    admin = server.admin
    if "ann_pref" not in server.users:
        user = admin("POST", "/users", json={"username": "ann_pref", "password": PASSWORD, "role": "annotator"})
        server.users["ann_pref"] = user["id"]
    pid = admin("POST", "/projects", json={"spec": SPEC})["id"]
    payload = "\n".join(json.dumps(r) for r in ROWS).encode()
    admin("POST", f"/projects/{pid}/items/import", files={"file": ("items.jsonl", payload, "application/x-ndjson")})
    admin("PUT", f"/projects/{pid}/members/{server.users['ann_pref']}", json={"role": "annotator"})
    return pid


def stored(server, pid: int) -> list[dict]:
    data = server.api("ann_pref")("GET", f"/projects/{pid}/annotations", params={"mine": "true", "limit": 100})
    return [a["answers"] for a in sorted(data["annotations"], key=lambda a: a["id"])]


def screen_side(page, side: str) -> str:
    """The response id shown on one side of the pairwise question, read from the model name on screen."""
    return BY_MODEL[page.get_by_test_id(f"pw-{side}-pref").locator(".pw-model").inner_text().strip()]


def rank_rows(page) -> list[str]:
    ids = page.get_by_test_id("rk-list-rank").locator("li").evaluate_all("els => els.map(e => e.dataset.id)")
    return list(ids)


def submit_and_wait(page) -> None:
    before = page.get_by_test_id("item-ref").inner_text()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "prev => { const el = document.querySelector('[data-testid=item-ref]');"
        " const all = document.querySelector('[data-testid=all-done]');"
        " return (all && !all.hidden) || (el && el.textContent !== prev); }", arg=before)


def test_pairwise_and_ranking_by_keyboard_and_mouse(page, server, sign_in, project):
    sign_in(page, "ann_pref")
    page.goto(f"/projects/{project}/annotate")
    page.get_by_test_id("item-view").wait_for(state="visible")
    page.get_by_test_id("pw-left-pref").wait_for()

    # Item 1: the right one is better, pressed twice (strength 2), a rationale; then rank by keyboard.
    left, right = screen_side(page, "left"), screen_side(page, "right")
    shown_rank = rank_rows(page)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.get_by_test_id("pw-size-pref-2").get_attribute("aria-pressed") == "true"
    page.keyboard.press("r")
    page.keyboard.type("more accurate")
    page.keyboard.press("Escape")
    page.keyboard.press("ArrowDown")  # the ranking question
    page.keyboard.press("3")
    page.keyboard.press("[")
    page.keyboard.press("[")
    assert rank_rows(page)[0] == shown_rank[2]
    page.keyboard.press("Alt+ArrowDown")
    assert rank_rows(page)[1] == shown_rank[2]
    page.keyboard.press("Control+z")
    assert rank_rows(page) == [shown_rank[2], shown_rank[0], shown_rank[1]]
    page.keyboard.press("n")
    submit_and_wait(page)

    first = stored(server, project)[0]
    assert first["pref"]["shown"] == [left, right]
    assert [i for i in shown_rank if i in ("r1", "r2")] == [left, right]  # one display order for both
    assert first["pref"]["choice"] == ("a" if right == "r1" else "b")
    assert first["pref"]["strength"] == (-2 if right == "r1" else 2)
    assert first["pref"]["rationale"] == "more accurate"
    assert first["rank"] == {"order": [shown_rank[2], shown_rank[0], shown_rank[1]], "none_acceptable": True,
                             "shown": shown_rank}

    # Item 2: tie by key, and the last row dragged to the top with the mouse.
    page.get_by_test_id("pw-left-pref").wait_for()
    page.keyboard.press("t")
    rows = rank_rows(page)
    last = page.get_by_test_id(f"rk-row-rank-{rows[2]}").bounding_box()
    top = page.get_by_test_id(f"rk-row-rank-{rows[0]}").bounding_box()
    page.mouse.move(last["x"] + 10, last["y"] + last["height"] / 2)
    page.mouse.down()
    page.mouse.move(top["x"] + 10, top["y"] + 4, steps=8)
    page.mouse.move(top["x"] + 10, top["y"] + 2, steps=2)
    page.mouse.up()
    assert rank_rows(page) == [rows[2], rows[0], rows[1]]
    submit_and_wait(page)
    second = stored(server, project)[1]
    assert second["pref"]["choice"] == "tie" and second["pref"]["strength"] == 0
    assert second["rank"]["order"] == [rows[2], rows[0], rows[1]]

    # More items: "left is better" with 1 maps to a or b by what was on the left; both orders come up.
    sides = set()
    for n in range(3, 9):
        page.get_by_test_id("pw-left-pref").wait_for()
        left = screen_side(page, "left")
        sides.add(left)
        page.keyboard.press("1")
        submit_and_wait(page)
        answers = stored(server, project)[n - 1]
        assert "rank" not in answers  # an untouched ranking is not an answer
        answer = answers["pref"]
        assert answer["shown"][0] == left
        assert answer["choice"] == ("a" if left == "r1" else "b")
        assert answer["strength"] == (-1 if left == "r1" else 1)
    assert sides == {"r1", "r2"}
