"""An item's media through the platform: URLs fetched once by the server, cached, probed, and refused when unsafe."""

from __future__ import annotations

import json

import pytest

from tests.media.conftest import PICTURE_SPEC, png_bytes, write_video
from tutorloop.items.service import rendered_fields

VIDEO_SPEC = {**PICTURE_SPEC, "name": "Clips", "fields": [{"name": "clip", "type": "video"}]}


@pytest.fixture
def people(world):
    world.person("owner", "manager")
    world.person("member")
    world.person("outsider")
    return world


def add_items(world, pid: int, records: list[dict]) -> dict[str, dict]:
    """Import records as the project's manager; returns the stored items by external id."""
    owner = world.client("owner")
    lines = "\n".join(json.dumps(r) for r in records).encode()
    r = owner.post(f"/api/v1/projects/{pid}/items/import", files={"file": ("items.jsonl", lines)})
    assert r.status_code == 200, r.text
    return {i["external_id"]: i for i in owner.get(f"/api/v1/projects/{pid}/items").json()["items"]}


def picture_project(world, records: list[dict], spec=PICTURE_SPEC) -> tuple[int, dict[str, dict]]:
    pid = world.project(spec=spec, members={"owner": "manager", "member": "annotator"})
    world.project(spec=spec, members={"outsider": "annotator"})
    return pid, add_items(world, pid, records)


def test_a_url_is_fetched_once_cached_and_probed(people, remote, settings):
    picture = png_bytes(40, 30)
    pid, items = picture_project(people, [{"id": "p1", "image": remote.serve("/pic.png", picture)}])
    item = items["p1"]
    route = f"/api/v1/projects/{pid}/items/{item['id']}/media/image"
    assert item["rendered"]["image"] == route and item["media"] == {}
    owner = people.client("owner")
    first = owner.get(route)
    assert first.status_code == 200 and first.content == picture
    assert first.headers["content-type"] == "image/png" and first.headers["accept-ranges"] == "bytes"
    stored = owner.get(f"/api/v1/projects/{pid}/items/{item['id']}").json()
    assert stored["media"] == {"image": {"width": 40, "height": 30}}
    second = owner.get(route, headers={"Range": "bytes=0-7"})
    assert second.status_code == 206 and second.content == picture[:8]
    assert owner.get(route).content == picture
    assert remote.hits("/pic.png") == 1  # fetched once, then served from the cache
    cached = list((settings.resolved_media_cache_dir / "urls").rglob("*.json"))
    assert len(cached) == 1 and json.loads(cached[0].read_text())["facts"] == {"width": 40, "height": 30}


def test_the_same_url_in_another_item_gets_its_facts_from_the_cache(people, remote):
    url = remote.serve("/shared.png", png_bytes(12, 7))
    pid, items = picture_project(people, [{"id": "a", "image": url}, {"id": "b", "image": url}])
    owner = people.client("owner")
    for name in ("a", "b"):
        assert owner.get(f"/api/v1/projects/{pid}/items/{items[name]['id']}/media/image").status_code == 200
        media = owner.get(f"/api/v1/projects/{pid}/items/{items[name]['id']}").json()["media"]
        assert media == {"image": {"width": 12, "height": 7}}
    assert remote.hits("/shared.png") == 1


def test_unsafe_or_unusable_urls_are_refused_with_a_clear_error(people, remote, app):
    app.state.settings.media_fetch_max_mb = 1
    remote.serve("/huge.png", b"\0" * (1024 * 1024 + 1))
    remote.serve("/page.png", b"<html></html>", "text/html")
    remote.serve("/fake.png", b"this is not a png at all")
    remote.redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/")
    cases = {
        "meta": ("http://169.254.169.254/latest/meta-data/", 403, "FetchBlocked", "metadata"),
        "hop": (remote.url("/to-metadata"), 403, "FetchBlocked", "metadata"),
        "v6": (remote.url("/pic.png", host="[::1]"), 403, "FetchBlocked", "loopback"),
        "dec": ("http://2130706434/pic.png", 403, "FetchBlocked", "loopback"),  # 127.0.0.2
        "lan": ("http://10.0.0.1/pic.png", 403, "FetchBlocked", "private"),
        "huge": (remote.url("/huge.png"), 502, "FetchFailed", "larger than the 1 MB"),
        "page": (remote.url("/page.png"), 502, "FetchFailed", "text/html, not image/*"),
        "fake": (remote.url("/fake.png"), 502, "FetchFailed", "did not give an image"),
        "gone": (remote.url("/gone.png"), 502, "FetchFailed", "HTTP 404"),
    }
    pid, items = picture_project(people, [{"id": key, "image": url} for key, (url, *_) in cases.items()])
    owner = people.client("owner")
    for key, (_, status, error, words) in cases.items():
        r = owner.get(f"/api/v1/projects/{pid}/items/{items[key]['id']}/media/image")
        assert r.status_code == status, (key, r.text)
        body = r.json()
        assert body["error"] == error and body["where"] == "data.image", key
        assert words in body["detail"] and body["detail"].startswith("data.image: "), (key, body["detail"])
        assert "Traceback" not in r.text
    assert owner.get(f"/api/v1/projects/{pid}/items/{items['fake']['id']}").json()["media"] == {}
    assert remote.hits("/page.png") == 1


def test_a_video_url_must_be_a_video(people, remote, tmp_path):
    write_video(tmp_path / "c.mp4", frames=12, fps=12)
    clip = (tmp_path / "c.mp4").read_bytes()
    pid, items = picture_project(people, [
        {"id": "v", "clip": remote.serve("/c.mp4", clip, "video/mp4")},
        {"id": "img", "clip": remote.serve("/p.png", png_bytes(3, 3))},
    ], spec=VIDEO_SPEC)
    owner = people.client("owner")
    route = f"/api/v1/projects/{pid}/items/{items['v']['id']}/media/clip"
    r = owner.get(route, headers={"Range": "bytes=100-"})
    assert r.status_code == 206 and r.content == clip[100:]
    media = owner.get(f"/api/v1/projects/{pid}/items/{items['v']['id']}").json()["media"]["clip"]
    assert (media["width"], media["height"], media["frames"], media["fps"]) == (64, 48, 12, 12.0)
    wrong = owner.get(f"/api/v1/projects/{pid}/items/{items['img']['id']}/media/clip")
    assert wrong.status_code == 502 and "image/png, not video/*" in wrong.json()["detail"]
    poster = owner.get(route, params={"size": "thumb"})
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/jpeg"


def test_item_media_follows_item_access(people, remote, world):
    pid, items = picture_project(people, [{"id": "p", "image": remote.serve("/p.png", png_bytes(2, 2))}])
    route = f"/api/v1/projects/{pid}/items/{items['p']['id']}/media/image"
    assert world.client(None).get(route).status_code == 401
    assert world.client("outsider").get(route).status_code == 404
    member = world.client("member")
    assert member.get(route).status_code == 404  # an annotator sees only items they hold or annotated
    leased = member.post(f"/api/v1/projects/{pid}/queue/next").json()["item"]
    assert leased["rendered"]["image"] == route
    assert member.get(route).status_code == 200
    assert remote.hits("/p.png") == 1
    for field in ("text", "nope", "ok"):
        missing = member.get(f"/api/v1/projects/{pid}/items/{items['p']['id']}/media/{field}")
        assert missing.status_code == 404 and missing.json()["where"] == "field"


def test_local_files_through_the_item_route(people, settings):
    pid = people.project(spec=PICTURE_SPEC, members={"owner": "manager"})
    folder = settings.resolved_media_dir / str(pid)
    folder.mkdir(parents=True)
    (folder / "x.png").write_bytes(png_bytes(9, 5))
    items = add_items(people, pid, [{"id": "l", "image": "media:x.png"}])
    assert items["l"]["rendered"]["image"] == f"/media/{pid}/x.png"
    assert items["l"]["media"] == {"image": {"width": 9, "height": 5}}
    r = people.client("owner").get(f"/api/v1/projects/{pid}/items/{items['l']['id']}/media/image")
    assert r.status_code == 200 and r.content == (folder / "x.png").read_bytes()
    (folder / "x.png").unlink()
    gone = people.client("owner").get(f"/api/v1/projects/{pid}/items/{items['l']['id']}/media/image")
    assert gone.status_code == 404 and gone.json()["where"] == "data.image"


def test_rendered_fields_point_every_media_field_at_the_platform():
    spec = {"fields": [{"name": "a", "type": "image"}, {"name": "b", "type": "image"}, {"name": "c", "type": "video"},
                       {"name": "d", "type": "video"}, {"name": "e", "type": "image"}, {"name": "f", "type": "text"}]}
    data = {"a": "https://example.org/x.png", "b": "media:/dir/a b#?.png", "c": "http://example.org/v.mp4",
            "d": "clips/v.mp4", "e": "data:image/png;base64,AAAA", "f": "https://example.org/x.png"}
    out = rendered_fields(spec, 3, data, item_id=7)
    assert out == {"a": "/api/v1/projects/3/items/7/media/a", "b": "/media/3/dir/a%20b%23%3F.png",
                   "c": "/api/v1/projects/3/items/7/media/c", "d": "/media/3/clips/v.mp4",
                   "e": "data:image/png;base64,AAAA"}
    assert "a" not in rendered_fields(spec, 3, data)  # without the item, a URL is not handed to the browser


def test_pages_load_media_only_from_the_platform(client):
    csp = client.get("/healthz").headers["content-security-policy"]
    assert "img-src 'self' data: blob:;" in csp and "media-src 'self' blob:;" in csp
    assert "http:" not in csp and "https:" not in csp
