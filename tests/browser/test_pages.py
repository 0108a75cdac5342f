"""Every page opens without a JavaScript error for each kind of person, on the demo data when present."""

import pytest

pytestmark = pytest.mark.browser

DEMO_PASSWORDS = {"admin": "admin-demo-1", "manager": "manager-demo-1", "reviewer": "reviewer-demo-1",
                  "annotator1": "annotator-demo-1"}


def visit(page, path: str):
    response = page.goto(path)
    assert response.status == 200, path
    page.wait_for_load_state("networkidle")
    assert not page.get_by_test_id("error-banner").is_visible(), page.get_by_test_id("error-banner").inner_text()
    return response


def test_pages_render_for_each_role(page, server, sign_in):
    pid = server.projects["sentiment"]
    item_id = next(iter(server.items["sentiment"].values()))
    pages = {
        "admin": ["/", "/projects/new", f"/projects/{pid}", f"/projects/{pid}/review",
                  f"/projects/{pid}/items/{item_id}", "/admin/users", "/account"],
        "manager1": ["/", "/projects/new", f"/projects/{pid}", f"/projects/{pid}/review", "/account"],
        "rev1": ["/", f"/projects/{pid}", f"/projects/{pid}/review", f"/projects/{pid}/items/{item_id}"],
        "ann_seed": ["/", f"/projects/{pid}", "/account"],
    }
    for username, paths in pages.items():
        page.context.clear_cookies()
        sign_in(page, username, server.admin_password if username == "admin" else None)
        for path in paths:
            visit(page, path)
    # pages an annotator may not open answer 403 with a page, not an error dump
    page.context.clear_cookies()
    sign_in(page, "ann_seed")
    for path in ("/admin/users", "/projects/new"):
        response = page.goto(path)
        assert response.status == 403
        page.get_by_test_id("forbidden").wait_for()


def test_anonymous_pages_redirect_to_login(page, server):
    for path in ("/", "/account", f"/projects/{server.projects['sentiment']}/annotate"):
        page.goto(path)
        assert "/login?next=" in page.url
    page.goto("/login?next=https://evil.example/")
    assert page.evaluate("JSON.parse(document.getElementById('tl-page').textContent).next") == "/"


def test_demo_projects_open_and_show_their_media(page, server):
    if not server.demo:
        pytest.skip("`tutorloop demo` is not available")
    page.context.request.post("/api/v1/auth/login",
                              data={"username": "annotator1", "password": DEMO_PASSWORDS["annotator1"]})
    visit(page, "/")
    cards = page.get_by_test_id("project-card")
    cards.first.wait_for()
    ids = [cards.nth(i).get_attribute("data-project-id") for i in range(cards.count())]
    assert len(ids) >= 3
    seen_image = False
    for pid in ids:
        visit(page, f"/projects/{pid}/annotate")
        page.get_by_test_id("item-view").wait_for(state="visible")
        image = page.locator("[data-testid=item-view] img")
        if image.count():
            page.wait_for_function("img => img.complete", arg=image.first.element_handle())
            assert image.first.evaluate("img => img.naturalWidth") > 0  # /media/... served to members
            seen_image = True
        page.keyboard.press("s")  # give the item back
        page.wait_for_load_state("networkidle")
    assert seen_image
