"""A reviewer rejects one annotation with a reason and accepts another."""

import pytest

pytestmark = pytest.mark.browser


def submit_two(server) -> list[int]:
    pid = server.projects["sentiment"]
    api = server.api("ann_seed")
    ids = []
    for i, label in enumerate(["positive", "negative"]):
        item = api("POST", f"/projects/{pid}/queue/next")["item"]
        annotation = api("POST", f"/projects/{pid}/items/{item['id']}/annotations",
                         json={"answers": {"sentiment": label}, "client_key": f"review-{i}", "time_spent_ms": 3000})
        ids.append(annotation["id"])
    return ids


def test_reject_with_reason_and_accept(page, server, sign_in):
    to_reject, to_accept = submit_two(server)
    sign_in(page, "rev1")
    pid = server.projects["sentiment"]
    page.goto(f"/projects/{pid}/review")
    card = page.locator(f"[data-testid=review-card][data-annotation-id='{to_reject}']")
    card.wait_for()
    card.get_by_test_id("reject").click()
    card.get_by_test_id("reject-reason").fill("The message is a complaint, not praise.")
    card.get_by_test_id("reject-confirm").click()
    card.wait_for(state="detached")  # it leaves the "submitted" list

    other = page.locator(f"[data-testid=review-card][data-annotation-id='{to_accept}']")
    other.focus()
    page.keyboard.press("a")  # A accepts the focused card
    other.wait_for(state="detached")

    reviewer = server.api("rev1")
    rejected = reviewer("GET", f"/annotations/{to_reject}")
    assert rejected["status"] == "rejected"
    assert rejected["review"]["reason"] == "The message is a complaint, not praise."
    assert reviewer("GET", f"/annotations/{to_accept}")["status"] == "accepted"

    page.get_by_test_id("status-filter").select_option("rejected")
    shown = page.locator(f"[data-testid=review-card][data-annotation-id='{to_reject}']")
    shown.wait_for()
    assert shown.get_by_test_id("status-badge").inner_text() == "Rejected"
    assert "complaint" in shown.get_by_test_id("review-decision").inner_text()
