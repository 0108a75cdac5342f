"""Item text with HTML and a javascript: link stays inert text, and pages carry a strict CSP."""

import pytest

pytestmark = pytest.mark.browser


def assert_inert(page):
    assert page.evaluate("typeof window.__xss") == "undefined"
    view = page.get_by_test_id("item-view")
    assert view.locator("script").count() == 0
    assert view.locator("img[onerror]").count() == 0
    assert page.locator("a[href^='javascript:' i]").count() == 0
    plain = page.get_by_test_id("field-text").inner_text()
    assert "<script>window.__xss=1</script>" in plain
    assert '<img src=x onerror="window.__xss=1">' in plain
    markdown = page.get_by_test_id("field-notes")
    assert "window.__xss=1" in markdown.inner_text()
    # click the Markdown link (or its text, when the renderer left it as text)
    links = markdown.locator("a")
    target = links.first if links.count() else markdown.get_by_text("[x]", exact=False).first
    target.click()
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_hostile_item_renders_as_text(page, server, sign_in):
    sign_in(page, "ann_xss")
    response = page.goto(f"/projects/{server.projects['xss']}/annotate")
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "object-src 'none'" in csp and "unsafe-inline" not in csp
    page.get_by_test_id("field-notes").wait_for()
    assert_inert(page)
    page.keyboard.press("g")  # the guidelines hold the same kind of link
    page.get_by_test_id("guidelines").wait_for(state="visible")
    assert page.get_by_test_id("guidelines").locator("script").count() == 0
    assert page.locator("a[href^='javascript:' i]").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_hostile_item_on_the_item_page(page, server, sign_in):
    sign_in(page, "manager1")
    pid = server.projects["xss"]
    item_id = server.items["xss"]["evil-1"]
    response = page.goto(f"/projects/{pid}/items/{item_id}")
    assert "default-src 'self'" in response.headers.get("content-security-policy", "")
    page.get_by_test_id("field-notes").wait_for()
    assert_inert(page)
    # a comment with HTML is text too
    page.get_by_test_id("comment-body").fill('<img src=x onerror="window.__xss=1"> looks fine')
    page.get_by_test_id("comment-submit").click()
    page.get_by_test_id("comment").filter(has_text="looks fine").wait_for()
    assert page.get_by_test_id("comments").locator("img").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
