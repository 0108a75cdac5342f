"""Switching to Arabic: the page turns right-to-left, labels are translated, the choice is remembered."""

import pytest

pytestmark = pytest.mark.browser


def test_switch_to_arabic_and_back(page, server, sign_in):
    sign_in(page, "ann_lang")
    page.goto("/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.get_by_test_id("nav-projects").inner_text() == "Projects"
    page.get_by_test_id("lang-ar").click()
    page.wait_for_selector("html[dir=rtl][lang=ar]")
    assert page.get_by_test_id("nav-projects").inner_text() == "المشاريع"
    assert page.get_by_test_id("logout").inner_text() == "تسجيل الخروج"
    assert server.api("ann_lang")("GET", "/auth/me")["user"]["locale"] == "ar"
    assert {c["name"]: c["value"] for c in page.context.cookies()}["tl_lang"] == "ar"
    # the layout mirrors: the brand sits on the right
    brand = page.get_by_test_id("nav-home").bounding_box()
    assert brand["x"] > page.viewport_size["width"] / 2

    page.goto(f"/projects/{server.projects['sentiment']}/annotate")
    page.get_by_test_id("skip").filter(has_text="تخطٍّ").wait_for()
    page.get_by_test_id("lang-en").click()
    page.wait_for_selector("html[dir=ltr][lang=en]")
    assert page.get_by_test_id("skip").inner_text().startswith("Skip")


def test_login_page_language_from_cookie_and_header(browser, server):
    context = browser.new_context(base_url=server.url, locale="ar-EG", extra_http_headers={"Accept-Language": "ar-EG,ar;q=0.9"})
    try:
        page = context.new_page()
        page.goto("/login")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.get_by_test_id("login-submit").inner_text() == "دخول"
        page.get_by_test_id("lang-en").click()
        page.wait_for_selector("html[dir=ltr]")
        assert page.get_by_test_id("login-submit").inner_text() == "Sign in"
    finally:
        context.close()
