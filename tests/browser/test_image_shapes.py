"""Drawing on images like a person: a box by dragging (after zooming with the wheel), its label by hotkey,
arrow-key nudges, undo, Enter to submit; a polygon by clicks; a brush stroke on a mask. Each test checks
what the server stored, in image pixels.

The site is served in-process from its own data folder, so the test can put real image files into the
project's media folder (the server reads their size at import and checks answers against it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD
from tests.support.images import make_png
from tests.support.server import running_server
from tutorloop.quality.masks import rle_decode

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 400, 300
SPECS = {
    "boxes": {"name": "Boxes", "fields": [{"name": "photo", "type": "image"}],
              "questions": [{"name": "objects", "type": "boxes", "labels": ["car", "person"]}]},
    "polygons": {"name": "Polygons", "fields": [{"name": "photo", "type": "image"}],
                 "questions": [{"name": "areas", "type": "polygons", "labels": ["road", "grass"]}]},
    "keypoints": {"name": "Poses", "fields": [{"name": "photo", "type": "image"}],
                  "questions": [{"name": "pose", "type": "keypoints", "labels": [
                      {"value": "person", "keypoints": ["head", "left_hand", "right_hand", "feet"],
                       "skeleton": [["head", "left_hand"], ["head", "right_hand"], ["head", "feet"]]}]}]},
    "masks": {"name": "Masks", "fields": [{"name": "photo", "type": "image"}],
              "questions": [{"name": "paint", "type": "masks", "labels": ["sky"], "brush_sizes": [4, 8, 16]}]},
}
SUGGESTED = {"id": "p1", "label": "car", "x": 330, "y": 10, "w": 60, "h": 40, "rotation": 0, "attributes": {}}


@dataclass
class ShapesSite:
    url: str
    media: Path
    projects: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def shapes_site(tmp_path_factory):
    from tutorloop.accounts.service import create_user
    from tutorloop.app import create_app
    from tutorloop.config import Settings
    from tutorloop.db import Database
    from tutorloop.items.service import import_items
    from tutorloop.migrations import upgrade
    from tutorloop.projects.service import create_project, set_member

    settings = Settings(data_dir=tmp_path_factory.mktemp("shapes-site"))
    upgrade(settings.resolved_database_url)
    db = Database(settings.resolved_database_url, pool_size=5)
    site = ShapesSite(url="", media=settings.resolved_media_dir)
    with db.session() as s:
        drawer = create_user(s, actor=None, username="drawer", password=PASSWORD, role="annotator")
        for key, spec in SPECS.items():
            project = create_project(s, actor=None, raw_spec=spec)
            site.projects[key] = project.id
            make_png(site.media / str(project.id) / "scene.png", WIDTH, HEIGHT,
                     rectangles=[(60, 50, 180, 140, (200, 60, 60)), (220, 160, 360, 260, (60, 120, 200))])
            record = {"id": f"{key}-1", "photo": "scene.png"}
            if key == "boxes":
                record["predictions"] = {"objects": {"value": [SUGGESTED], "score": 0.8}}
            import_items(s, actor=None, project_id=project.id, data=json.dumps(record).encode(), fmt="jsonl",
                         media_root=settings.resolved_media_dir)
            set_member(s, actor=None, project_id=project.id, user_id=drawer.id, role="annotator")
    app = create_app(settings, database=db)
    with running_server(app) as url:
        site.url = url
        yield site
    db.dispose()


@pytest.fixture(scope="module")
def drawer_session(browser, shapes_site):
    """The drawer's signed-in cookies, made once (password hashing is slow by design)."""
    ctx = browser.new_context(base_url=shapes_site.url)
    r = ctx.request.post("/api/v1/auth/login", data={"username": "drawer", "password": PASSWORD})
    assert r.ok, r.text()
    state = ctx.storage_state()
    ctx.close()
    return state


@pytest.fixture
def drawer_page(browser, shapes_site, drawer_session):
    ctx = browser.new_context(base_url=shapes_site.url, viewport={"width": 1360, "height": 900},
                              storage_state=drawer_session)
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def open_task(page, site, key):
    page.goto(f"/projects/{site.projects[key]}/annotate")
    page.get_by_test_id("item-view").wait_for(state="visible")
    image = page.locator(".ic-image")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    return image


class Screen:
    """Maps image pixels to screen points through the image element's on-screen box (zoom and pan)."""

    def __init__(self, image):
        box = image.bounding_box()
        self.left, self.top, self.scale = box["x"], box["y"], box["width"] / WIDTH
        assert box["height"] / HEIGHT == pytest.approx(self.scale, rel=1e-3)

    def at(self, x, y):
        return self.left + x * self.scale, self.top + y * self.scale

    def image(self, sx, sy):
        return (sx - self.left) / self.scale, (sy - self.top) / self.scale


def stored(page, site, key):
    data = page.context.request.get(f"/api/v1/projects/{site.projects[key]}/annotations",
                                    params={"mine": "true"}).json()
    return data["annotations"]


def submitted(page, site, key):
    page.get_by_test_id("all-done").wait_for(state="visible")
    annotations = stored(page, site, key)
    assert len(annotations) == 1
    return annotations[0]["answers"]


def test_draw_a_box_label_it_nudge_undo_and_submit(drawer_page, shapes_site):
    page = drawer_page
    image = open_task(page, shapes_site, "boxes")
    count = page.get_by_test_id("shape-count-objects")
    expect(count).to_have_text("0 boxes · 1 suggestion")
    assert page.locator(".ic-shape.is-suggestion").count() == 1  # the model's box, drawn dashed
    page.keyboard.press("Shift+A")
    expect(count).to_have_text("1 box (car ×1)")

    stage = page.get_by_test_id("image-stage").bounding_box()
    page.mouse.move(stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2)
    page.mouse.wheel(0, -300)  # zoom in around the cursor
    page.wait_for_timeout(100)
    screen = Screen(image)
    assert screen.scale > stage["width"] / WIDTH * 1.2 or screen.scale > 1.2

    start, end = screen.at(150, 110), screen.at(250, 190)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=6)
    page.mouse.up()
    x0, y0 = screen.image(*start)
    x1, y1 = screen.image(*end)
    expect(count).to_have_text("2 boxes (car ×2)")

    page.keyboard.press("2")  # the label hotkey relabels the selected (new) box
    expect(count).to_have_text("2 boxes (car ×1, person ×1)")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")  # a shape is selected: the arrows move it, not the active question
    page.keyboard.press("Shift+ArrowDown")  # 10 px down
    page.keyboard.press("Control+z")  # … undone
    page.keyboard.press("Enter")

    answers = submitted(page, shapes_site, "boxes")
    boxes = {b["label"]: b for b in answers["objects"]}
    assert boxes["car"]["x"] == SUGGESTED["x"] and boxes["car"]["w"] == SUGGESTED["w"]
    drawn = boxes["person"]
    assert drawn["x"] == pytest.approx(x0 + 3, abs=0.6)
    assert drawn["y"] == pytest.approx(y0 + 1, abs=0.6)
    assert drawn["w"] == pytest.approx(x1 - x0, abs=0.6)
    assert drawn["h"] == pytest.approx(y1 - y0, abs=0.6)
    assert drawn["rotation"] == 0


def test_draw_a_polygon_by_clicks(drawer_page, shapes_site):
    page = drawer_page
    screen = Screen(open_task(page, shapes_site, "polygons"))
    corners = [(40, 40), (200, 50), (220, 200), (60, 180), (300, 280)]
    for x, y in corners:
        page.mouse.click(*screen.at(x, y))
    expect(page.get_by_test_id("polygon-draft-areas")).to_have_text("Drawing: 5 points")
    page.keyboard.press("Backspace")  # the last point goes
    page.keyboard.press("Enter")  # closes the polygon (something was being drawn: no submit)
    count = page.get_by_test_id("shape-count-areas")
    expect(count).to_have_text("1 polygon (road ×1)")
    assert page.get_by_test_id("all-done").is_hidden()
    page.keyboard.press("Escape")  # deselect
    page.keyboard.press("Enter")  # now Enter submits

    polygon = submitted(page, shapes_site, "polygons")["areas"][0]
    assert polygon["label"] == "road"
    assert len(polygon["points"]) == 4
    for (x, y), (px, py) in zip(corners[:4], polygon["points"]):
        assert (px, py) == (pytest.approx(x, abs=0.6), pytest.approx(y, abs=0.6))


def test_place_keypoints_in_order_with_occluded_and_skipped(drawer_page, shapes_site):
    page = drawer_page
    screen = Screen(open_task(page, shapes_site, "keypoints"))
    next_note = page.get_by_test_id("keypoint-next-pose")
    page.mouse.click(*screen.at(200, 60))
    expect(next_note).to_have_text("Next: left_hand (2/4)")
    page.keyboard.press("v")  # the head, just placed, is occluded
    page.mouse.click(*screen.at(150, 120))
    page.keyboard.press("x")  # no right hand
    expect(next_note).to_have_text("Next: feet (4/4)")
    page.mouse.click(*screen.at(210, 250))  # the last keypoint ends the object
    expect(page.get_by_test_id("shape-count-pose")).to_have_text("1 skeleton (person ×1)")
    # two bones drawn (head–left hand, left hand–feet), none to the missing right hand
    expect(page.locator(".ic-pose .ic-skeleton")).to_have_attribute("d", re.compile(r"^M[^M]+M[^M]+$"))
    page.keyboard.press("Enter")

    points = submitted(page, shapes_site, "keypoints")["pose"][0]["points"]
    expected = [(200, 60, 1), (150, 120, 2), (0, 0, 0), (210, 250, 2)]
    for (x, y, v), got in zip(expected, points):
        assert got == [pytest.approx(x, abs=0.6), pytest.approx(y, abs=0.6), v]


def test_brush_stroke_on_a_mask(drawer_page, shapes_site):
    page = drawer_page
    screen = Screen(open_task(page, shapes_site, "masks"))
    size = page.get_by_test_id("brush-size-paint")
    expect(size).to_have_text("8 px")
    page.keyboard.press("]")
    expect(size).to_have_text("16 px")
    page.mouse.move(*screen.at(100, 150))
    page.mouse.down()
    page.mouse.move(*screen.at(300, 150), steps=12)
    page.mouse.up()
    expect(page.get_by_test_id("shape-count-paint")).to_have_text("1 mask (sky ×1)")
    page.keyboard.press("Enter")

    mask = submitted(page, shapes_site, "masks")["paint"][0]
    assert mask["label"] == "sky" and mask["rle"]["size"] == [HEIGHT, WIDTH]
    pixels = rle_decode(mask["rle"])
    assert pixels[150, 100:300].all()  # along the stroke
    assert pixels[143:157, 200].all()  # its width is the brush size
    assert not pixels[160:, :].any() and not pixels[:140, :].any() and not pixels[:, 320:].any()
    assert 200 * 16 * 0.9 < pixels.sum() < (200 * 16 + 3.2 * 8 * 8) * 1.1
