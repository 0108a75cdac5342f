"""Thumbnails: bounded sizes, made once and cached, turned upright by EXIF unless asked for stored pixels."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.media.conftest import PICTURE_SPEC, jpeg_bytes, png_bytes, write_video
from tutorloop.media import thumbs
from tutorloop.media.cache import MediaCache
from tutorloop.media.probe import probe_image
from tutorloop.media.thumbs import bound_for, thumbnail


def size_of(content: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(content)) as image:
        return image.size


def test_bounds():
    assert bound_for(None, None) is None
    assert (bound_for("thumb", None), bound_for("preview", 99)) == (256, 1024)
    assert [bound_for(None, w) for w in (1, 128, 129, 300, 1024, 1500, 2048)] == [128, 128, 256, 512, 1024, 2048,
                                                                                  2048]


def test_thumbnails_are_made_once(tmp_path, monkeypatch):
    source = tmp_path / "wide.png"
    source.write_bytes(png_bytes(2000, 1000))
    cache = MediaCache(tmp_path / "cache")
    made = thumbnail(cache, source, kind="image", bound=256, upright=True, where="path")
    assert made.media_type == "image/jpeg" and size_of(made.path.read_bytes()) == (256, 128)
    monkeypatch.setattr(thumbs, "_load", lambda *a, **k: pytest.fail("made twice"))
    again = thumbnail(cache, source, kind="image", bound=256, upright=True, where="path")
    assert again.path == made.path
    source.write_bytes(png_bytes(1000, 1000))  # a changed file gets a new thumbnail
    with pytest.raises(pytest.fail.Exception):
        thumbnail(cache, source, kind="image", bound=256, upright=True, where="path")


def test_exif_orientation(tmp_path):
    source = tmp_path / "turned.jpg"
    source.write_bytes(jpeg_bytes(400, 200, orientation=6))  # stored wide, shown tall
    assert probe_image(source) == {"width": 400, "height": 200, "orientation": 6}
    cache = MediaCache(tmp_path / "cache")
    upright = thumbnail(cache, source, kind="image", bound=256, upright=True, where="path")
    stored = thumbnail(cache, source, kind="image", bound=256, upright=False, where="path")
    assert size_of(upright.path.read_bytes()) == (128, 256)
    assert size_of(stored.path.read_bytes()) == (256, 128)
    with Image.open(upright.path) as image:  # the yellow corner, top-left when stored, ends top-right
        assert image.getpixel((120, 5))[2] < 100 and image.getpixel((5, 5))[2] > 150
    small = tmp_path / "small.jpg"
    small.write_bytes(jpeg_bytes(100, 60, orientation=6))
    turned = thumbnail(cache, small, kind="image", bound=256, upright=True, where="path")
    assert size_of(turned.path.read_bytes()) == (60, 100)
    assert thumbnail(cache, small, kind="image", bound=256, upright=False, where="path") is None


def test_transparency_is_kept(tmp_path):
    source = tmp_path / "alpha.png"
    source.write_bytes(png_bytes(600, 300, mode="RGBA"))
    made = thumbnail(MediaCache(tmp_path / "cache"), source, kind="image", bound=256, upright=True, where="p")
    with Image.open(made.path) as image:
        assert made.media_type == "image/webp" and image.size == (256, 128) and image.mode == "RGBA"


@pytest.fixture
def gallery(world, settings):
    world.person("owner", "manager")
    pid = world.project(spec=PICTURE_SPEC, members={"owner": "manager"})
    folder = settings.resolved_media_dir / str(pid)
    folder.mkdir(parents=True)
    (folder / "big.png").write_bytes(png_bytes(3000, 1500))
    (folder / "tiny.png").write_bytes(png_bytes(50, 20))
    (folder / "notes.txt").write_text("hello")
    (folder / "broken.png").write_bytes(b"not really a png")
    write_video(folder / "clip.mp4")
    return pid


def test_thumbnail_routes(world, gallery, settings):
    owner = world.client("owner")
    base = f"/media/{gallery}"
    for query, size in (({"size": "thumb"}, (256, 128)), ({"size": "preview"}, (1024, 512)),
                        ({"w": 300}, (512, 256)), ({"w": 2048}, (2048, 1024))):
        r = owner.get(f"{base}/big.png", params=query)
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg", query
        assert size_of(r.content) == size, query
    assert len(list((settings.resolved_media_cache_dir / "thumbs").rglob("*.jpg"))) == 4
    again = owner.get(f"{base}/big.png", params={"size": "thumb"})
    assert again.status_code == 200 and size_of(again.content) == (256, 128)
    assert len(list((settings.resolved_media_cache_dir / "thumbs").rglob("*.jpg"))) == 4
    tiny = owner.get(f"{base}/tiny.png", params={"size": "thumb"})  # already small: the file itself
    assert tiny.headers["content-type"] == "image/png" and tiny.content == (
        settings.resolved_media_dir / str(gallery) / "tiny.png").read_bytes()
    poster = owner.get(f"{base}/clip.mp4", params={"size": "thumb"})
    assert poster.headers["content-type"] == "image/jpeg" and size_of(poster.content) == (64, 48)
    for path, query, where in (("big.png", {"size": "huge"}, "size"), ("big.png", {"w": 0}, "w"),
                               ("big.png", {"w": 99999}, "w"), ("notes.txt", {"size": "thumb"}, "path"),
                               ("broken.png", {"size": "thumb"}, "path")):
        r = owner.get(f"{base}/{path}", params=query)
        assert r.status_code == 422 and r.json()["where"] == where, (path, query, r.text)


def test_thumbnails_of_fetched_images(world, remote):
    world.person("owner", "manager")
    pid = world.project(spec=PICTURE_SPEC, members={"owner": "manager"})
    owner = world.client("owner")
    url = remote.serve("/photo.jpg", jpeg_bytes(1200, 600, orientation=8), "image/jpeg")
    owner.post(f"/api/v1/projects/{pid}/items/import", files={"file": ("i.jsonl", f'{{"image": "{url}"}}'.encode())})
    item = owner.get(f"/api/v1/projects/{pid}/items").json()["items"][0]
    route = f"/api/v1/projects/{pid}/items/{item['id']}/media/image"
    assert size_of(owner.get(route, params={"size": "thumb"}).content) == (128, 256)
    assert size_of(owner.get(route, params={"w": 512, "orient": "stored"}).content) == (512, 256)
    assert remote.hits("/photo.jpg") == 1
    media = owner.get(f"/api/v1/projects/{pid}/items/{item['id']}").json()["media"]
    assert media == {"image": {"width": 1200, "height": 600, "orientation": 8}}
