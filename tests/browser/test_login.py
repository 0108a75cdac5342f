"""Signing in through the form: a wrong password stays on the page with a message; a right one goes on."""

import pytest

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_bad_password_shows_an_error(page, server):
    page.goto("/login")
    page.get_by_test_id("login-username").fill("manager1")
    page.get_by_test_id("login-password").fill("not-the-password")
    page.get_by_test_id("login-submit").click()
    error = page.get_by_test_id("login-error")
    error.wait_for(state="visible")
    assert error.inner_text() == "Wrong username or password."
    assert page.url.endswith("/login")
    assert not [c for c in page.context.cookies() if c["name"] == "tl_session"]


def test_good_password_returns_to_the_page_asked_for(page, server):
    pid = server.projects["sentiment"]
    page.goto(f"/projects/{pid}")
    assert "/login?next=" in page.url  # pages redirect anonymous visitors to the login form
    page.get_by_test_id("login-username").fill("manager1")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/projects/{pid}")
    page.get_by_test_id("project-name").filter(has_text="Sentiment").wait_for()
    page.get_by_test_id("settings-save").wait_for(state="visible")  # a manager sees the settings


def test_sign_out(page, server, sign_in):
    sign_in(page, "rev1")
    page.goto("/")
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/login")
    page.goto("/")
    assert "/login" in page.url
