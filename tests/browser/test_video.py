"""Video in the browser: the player steps frame by frame and shows the frame it says; a person draws a track
on two keyframes and marks a segment with the keyboard; the server stores them in video pixels and frames.
The JavaScript interpolation gives the same boxes as the Python one."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import PASSWORD
from tests.quality.test_tracks import INTERPOLATION_CASES
from tests.support.video import write_video
from tutorloop.quality.tracks import expand_track

pytestmark = pytest.mark.browser

SPEC = {
    "name": "Street video",
    "overlap": 2,
    "fields": [{"name": "clip", "type": "video"}],
    "questions": [
        {"name": "tracks", "type": "video_tracks", "prompt": "Track the objects", "labels": ["car", "person"]},
        {"name": "events", "type": "video_segments", "prompt": "Mark what happens", "labels": ["walk", "run"],
         "required": False},
    ],
}
PEOPLE = ("vid_player", "vid_draw")
SUGGESTED = [
    {"id": "m1", "label": "car", "keyframes": [{"frame": 0, "x": 2, "y": 2, "w": 8, "h": 8},
                                               {"frame": 20, "x": 40, "y": 30, "w": 8, "h": 8}]},
    {"id": "m2", "label": "person", "keyframes": [{"frame": 5, "x": 50, "y": 5, "w": 6, "h": 12}]},
]

# Reads the frame the <video> shows: its pixels drawn on a canvas, the six bars of tests/support/video.py.
SHOWN_FRAME = """() => {
  const video = document.querySelector('[data-testid=video-element]');
  if (!video || video.readyState < 2 || video.seeking) return null;
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 48;
  const g = canvas.getContext('2d');
  g.drawImage(video, 0, 0, 64, 48);
  const row = g.getImageData(0, 24, 64, 1).data;
  let n = 0;
  for (let k = 0; k < 6; k += 1) n = n * 2 + (row[(k * 10 + 5) * 4] > 127 ? 1 : 0);
  return n;
}"""


@pytest.fixture(scope="module")
def video_project(server):
    """A project whose two items show a 48-frame, 24 fps, 64×48 WebM clip of numbered frames."""
    data_dir = server.data_dir
    admin = server.admin
    pid = admin("POST", "/projects", json={"spec": SPEC})["id"]
    write_video(data_dir / "media" / str(pid) / "clips" / "numbers.webm")
    rows = [{"id": f"clip-{i}", "clip": "clips/numbers.webm", "predictions": {"tracks": {"value": SUGGESTED, "score": 0.8}}}
            for i in (1, 2)]
    payload = "\n".join(json.dumps(r) for r in rows).encode()
    admin("POST", f"/projects/{pid}/items/import", files={"file": ("items.jsonl", payload, "application/x-ndjson")})
    for username in PEOPLE:
        user = admin("POST", "/users", json={"username": username, "password": PASSWORD, "role": "annotator"})
        server.users[username] = user["id"]
        admin("PUT", f"/projects/{pid}/members/{user['id']}", json={"role": "annotator"})
    return pid


def open_player(page, pid: int):
    page.goto(f"/projects/{pid}/annotate")
    player = page.get_by_test_id("video-player-clip")
    player.wait_for(state="visible")
    page.wait_for_function(f"() => ({SHOWN_FRAME})() === 0")
    return player


def expect_frame(page, player, n: int) -> None:
    """The player says frame n, and the picture is frame n."""
    page.wait_for_function(f"n => ({SHOWN_FRAME})() === n", arg=n)
    assert player.get_attribute("data-frame") == str(n)
    assert page.get_by_test_id("video-frame-input").input_value() == str(n)


def test_player_steps_frame_by_frame_and_shows_that_frame(page, server, sign_in, video_project):
    sign_in(page, "vid_player")
    player = open_player(page, video_project)
    assert page.get_by_test_id("video-frames").inner_text() == "of 0–47"
    offer = page.get_by_test_id("tracks-suggestion-tracks")
    assert offer.inner_text().startswith("Model suggestion (80%): 2 tracks (car, person) · 3 keyframes")
    page.keyboard.press("p")  # take the model's tracks
    assert offer.is_hidden()
    assert "#m1 car · 2 keyframes" in page.get_by_test_id("track-tracks-m1").inner_text()
    assert page.evaluate(
        """async (value) => {
          const tracks = await import('/static/js/questions/video-tracks.js');
          const segments = await import('/static/js/questions/video-segments.js');
          const q = {labels: [{value: 'car', text: 'car'}, {value: 'person', text: 'person'}]};
          return [tracks.summary(q, value), segments.summary(q, [{}, {}, {}])];
        }""", SUGGESTED) == ["2 tracks (car, person) · 3 keyframes", "3 segments"]
    for _ in range(5):
        page.keyboard.press(".")
    expect_frame(page, player, 5)
    page.keyboard.press(",")
    page.keyboard.press("ArrowLeft")
    expect_frame(page, player, 3)
    page.keyboard.press("Shift+ArrowRight")  # one second: 24 frames
    expect_frame(page, player, 27)
    assert page.get_by_test_id("video-time").inner_text() == "0:01.125"
    page.get_by_test_id("video-frame-input").fill("40")
    page.keyboard.press("Enter")
    expect_frame(page, player, 40)
    page.keyboard.press("End")
    expect_frame(page, player, 47)
    page.keyboard.press("Home")
    expect_frame(page, player, 0)

    page.keyboard.press("=")
    assert page.get_by_test_id("video-rate").inner_text() == "1.5×"
    page.keyboard.press("k")  # play, then pause: the player stops on a frame and shows that one
    page.wait_for_function("() => Number(document.querySelector('[data-testid=video-player-clip]').dataset.frame) >= 3")
    page.keyboard.press("k")
    stopped = int(player.get_attribute("data-frame"))
    assert 3 <= stopped <= 47
    expect_frame(page, player, stopped)
    if page.evaluate("'requestVideoFrameCallback' in HTMLVideoElement.prototype"):
        assert player.get_attribute("data-shown-frame") is not None  # playing followed the presented frames

    # the timeline scrubs: a click at 3/4 of its width lands on frame 36
    timeline = page.get_by_test_id("video-timeline").bounding_box()
    page.mouse.click(timeline["x"] + timeline["width"] * 0.76, timeline["y"] + 5)
    expect_frame(page, player, 36)

    # the file comes in byte ranges, as browsers ask for video
    src = page.get_by_test_id("video-element").evaluate("v => v.currentSrc")
    r = page.context.request.get(src, headers={"Range": "bytes=0-99"})
    assert r.status == 206
    assert len(r.body()) == 100

    # a label given a tool's letter keeps it; the tool answers to Shift+letter
    assert page.evaluate(
        """async () => {
          const m = await import('/static/js/questions/video-edit.js');
          const claimed = m.labelKeys([{hotkey: 'c'}, {hotkey: '1'}]);
          const key = (k, shiftKey = false) => ({key: k, shiftKey});
          return [m.isToolKey(key('c'), 'c', claimed), m.isToolKey(key('C', true), 'c', claimed),
                  m.isToolKey(key('o'), 'o', claimed), m.toolKeyText('c', claimed), m.toolKeyText('o', claimed)];
        }""") == [False, True, True, "Shift+C", "O"]

    # the interpolation the page draws is the one the server exports
    got = page.evaluate(
        """async (cases) => {
          const m = await import('/static/js/questions/video-interpolate.js');
          const out = {};
          for (const [name, track] of Object.entries(cases)) out[name] = [m.expandTrack(track, 12), m.expandTrack(track, null)];
          return out;
        }""", INTERPOLATION_CASES)
    for name, track in INTERPOLATION_CASES.items():
        assert got[name] == [expand_track(track, 12), expand_track(track, None)], name


def test_draw_a_track_on_two_keyframes_and_a_segment_then_submit(page, server, sign_in, video_project):
    sign_in(page, "vid_draw")
    player = open_player(page, video_project)
    ref = page.get_by_test_id("item-ref").inner_text()
    overlay = page.get_by_test_id("video-overlay-tracks").bounding_box()
    scale = overlay["width"] / 64

    def at(x, y):
        return overlay["x"] + x * scale, overlay["y"] + y * scale

    page.mouse.move(*at(10, 8))  # frame 0: a box from (10, 8) to (30, 28)
    page.mouse.down()
    page.mouse.move(*at(20, 18), steps=3)
    page.mouse.move(*at(30, 28), steps=3)
    page.mouse.up()
    item = page.get_by_test_id("track-tracks-1")
    assert "car · 1 keyframe" in item.inner_text()

    for _ in range(10):
        page.keyboard.press(".")
    expect_frame(page, player, 10)
    page.mouse.move(*at(20, 18))  # frame 10: drag the box by (+12, +6)
    page.mouse.down()
    page.mouse.move(*at(26, 21), steps=3)
    page.mouse.move(*at(32, 24), steps=3)
    page.mouse.up()
    assert "2 keyframes" in item.inner_text()
    page.keyboard.press("Control+z")
    assert "1 keyframe" in item.inner_text()
    page.keyboard.press("Control+Shift+z")
    assert "2 keyframes" in item.inner_text()

    page.keyboard.press("Escape")  # nothing selected: the arrows leave the box and move between questions
    page.keyboard.press("ArrowDown")
    page.get_by_test_id("question-events").and_(page.locator(".is-active")).wait_for()
    for _ in range(8):
        page.keyboard.press(",")
    expect_frame(page, player, 2)
    page.keyboard.press("2")  # label "run"
    page.keyboard.press("[")
    for _ in range(5):
        page.keyboard.press(".")
    page.keyboard.press("]")
    assert "run: frames 2–7" in page.get_by_test_id("segment-events-1").inner_text()

    page.keyboard.press("Enter")
    page.wait_for_function("ref => document.querySelector('[data-testid=item-ref]').textContent !== ref", arg=ref)
    data = server.api("vid_draw")("GET", f"/projects/{video_project}/annotations", params={"mine": "true"})
    answers = data["annotations"][0]["answers"]
    (track,) = answers["tracks"]
    assert track["label"] == "car"
    first, second = track["keyframes"]
    assert (first["frame"], second["frame"]) == (0, 10)
    for keyframe, want in ((first, (10, 8, 20, 20)), (second, (22, 14, 20, 20))):
        assert not keyframe["outside"] and not keyframe["occluded"]
        for got, expected in zip((keyframe["x"], keyframe["y"], keyframe["w"], keyframe["h"]), want):
            assert got == pytest.approx(expected, abs=0.2)
    assert [(s["label"], s["start"], s["end"]) for s in answers["events"]] == [("run", 2, 7)]
