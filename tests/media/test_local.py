"""Local media: byte ranges, conditional requests, members only, and no way out of the project's folder."""

from __future__ import annotations

import os

import pytest

from tests.media.conftest import PICTURE_SPEC, png_bytes

CLIP = bytes(range(256)) * 4  # 1,024 bytes, every offset distinguishable


@pytest.fixture
def project(world, settings):
    """A project with a media folder, its manager, an annotator, and an outsider with a project of their own."""
    world.person("owner", "manager")
    world.person("member")
    world.person("outsider")
    pid = world.project(spec=PICTURE_SPEC, members={"owner": "manager", "member": "annotator"})
    other = world.project(spec=PICTURE_SPEC, members={"outsider": "annotator"})
    folder = settings.resolved_media_dir / str(pid)
    (folder / "sub").mkdir(parents=True)
    (folder / "clip.mp4").write_bytes(CLIP)
    (folder / "sub" / "a b#1.png").write_bytes(png_bytes(4, 4))
    (folder / "page.html").write_text("<script>alert(1)</script>")
    secret = settings.resolved_media_dir / str(other) / "secret.png"
    secret.parent.mkdir(parents=True)
    secret.write_bytes(b"SECRET-OF-ANOTHER-PROJECT")
    (settings.data_dir / "outside.png").write_bytes(b"SECRET-OUTSIDE-THE-MEDIA-ROOT")
    return {"pid": pid, "other": other, "folder": folder}


def test_byte_ranges(world, project):
    client = world.client("member")
    url = f"/media/{project['pid']}/clip.mp4"
    whole = client.get(url)
    assert whole.status_code == 200 and whole.content == CLIP
    assert whole.headers["accept-ranges"] == "bytes" and whole.headers["content-type"] == "video/mp4"
    cases = {"bytes=0-99": (0, 99), "bytes=1000-": (1000, 1023), "bytes=-24": (1000, 1023),
             "bytes=1020-5000": (1020, 1023), "bytes=5-5": (5, 5)}
    for header, (first, last) in cases.items():
        r = client.get(url, headers={"Range": header})
        assert r.status_code == 206, header
        assert r.content == CLIP[first:last + 1], header
        assert r.headers["content-range"] == f"bytes {first}-{last}/1024", header
        assert r.headers["content-length"] == str(last - first + 1), header
    several = client.get(url, headers={"Range": "bytes=0-1,10-11"})
    assert several.status_code == 206 and several.headers["content-type"].startswith("multipart/byteranges")
    assert b"Content-Range: bytes 0-1/1024" in several.content and CLIP[10:12] in several.content
    for header in ("bytes=1024-", "bytes=4000-4100", "bytes=-0"):
        r = client.get(url, headers={"Range": header})
        assert r.status_code == 416, header
        assert r.headers["content-range"] == "bytes */1024"
        assert r.json()["error"] == "RangeNotSatisfiable" and r.json()["detail"].startswith("range: ")
    for header in ("bytes=abc", "lines=1-2", "bytes=9-3"):  # unreadable ranges are ignored, as RFC 9110 says
        r = client.get(url, headers={"Range": header})
        assert r.status_code == 200 and r.content == CLIP, header


def test_conditional_requests(world, project):
    client = world.client("member")
    url = f"/media/{project['pid']}/clip.mp4"
    first = client.get(url)
    etag = first.headers["etag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    fresh = client.get(url, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert fresh.status_code == 206 and fresh.content == CLIP[:10]
    stale = client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"an-old-version"'})
    assert stale.status_code == 200 and stale.content == CLIP


def test_media_is_inert_when_opened_directly(world, project):
    client = world.client("member")
    picture = client.get(f"/media/{project['pid']}/sub/a%20b%231.png")
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    assert "sandbox" in picture.headers.get_list("content-security-policy")
    page = client.get(f"/media/{project['pid']}/page.html")
    assert page.status_code == 200 and page.headers["content-type"] == "application/octet-stream"
    assert page.headers["content-disposition"] == "attachment"


def test_only_members_see_media(world, project):
    url = f"/media/{project['pid']}/clip.mp4"
    assert world.client(None).get(url).status_code == 401
    refused = world.client("outsider").get(url)
    assert refused.status_code == 404 and b"\x00\x01\x02" not in refused.content
    assert refused.json()["error"] == "NotFound"
    assert world.client("owner").get(url).status_code == 200


def test_no_path_leaves_the_project_folder(world, project, settings):
    folder, other = project["folder"], project["other"]
    os.symlink(settings.data_dir / "outside.png", folder / "link-out.png")
    os.symlink(settings.resolved_media_dir / str(other), folder / "link-dir")
    os.symlink(folder / "clip.mp4", folder / "link-in.mp4")
    client = world.client("member")
    base = f"/media/{project['pid']}"
    escapes = [
        f"%2e%2e/{other}/secret.png", f"..%2f{other}%2fsecret.png", f"%2E%2E%2F{other}%2Fsecret.png",
        "%2e%2e/%2e%2e/outside.png", f"sub/%2e%2e/%2e%2e/{other}/secret.png",
        f"%2f{settings.data_dir}/outside.png".replace("/", "%2f"), f"/{settings.data_dir}/outside.png",
        "link-out.png", "link-dir/secret.png", f"%252e%252e/{other}/secret.png", "clip.mp4%00.png",
        "", "sub", "sub/", ".",
    ]
    for path in escapes:
        r = client.get(f"{base}/{path}")
        assert r.status_code == 404, (path, r.status_code)
        assert b"SECRET" not in r.content, path
    inside = client.get(f"{base}/link-in.mp4")  # a link that stays inside the folder is fine
    assert inside.status_code == 200 and inside.content == CLIP
