"""Media test helpers: a real HTTP server on 127.0.0.1 standing in for the web, images and videos made here."""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tutorloop.config import Settings

PICTURE_SPEC = {
    "name": "Pictures",
    "overlap": 1,
    "fields": [{"name": "image", "type": "image"}],
    "questions": [{"name": "ok", "type": "single_label", "labels": ["yes", "no"]}],
}


def png_bytes(width: int, height: int, *, mode: str = "RGB", color=(200, 30, 30)) -> bytes:
    """A PNG of the given size."""
    from PIL import Image

    out = io.BytesIO()
    fill = (*color, 128) if mode == "RGBA" else color
    Image.new(mode, (width, height), fill).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(width: int, height: int, *, orientation: int | None = None) -> bytes:
    """A JPEG of the given stored size, optionally with an EXIF orientation tag."""
    from PIL import Image

    image = Image.new("RGB", (width, height), (20, 120, 220))
    image.paste((250, 250, 0), (0, 0, width // 4, height // 4))  # a corner that shows which way is up
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    image.save(out, format="JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def write_video(path, *, frames: int = 10, width: int = 64, height: int = 48, fps: int = 10) -> None:
    """A small MPEG-4 video."""
    import av
    import numpy as np

    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for n in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((height, width, 3), n * 20, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@dataclass
class Answer:
    """What the stand-in server answers on one path."""

    body: bytes = b""
    status: int = 200
    headers: dict = field(default_factory=dict)
    length: bool = True     # send Content-Length (else the body ends when the connection closes)
    delay: float = 0.0      # seconds to wait before answering


class Remote:
    """A threaded HTTP server on 127.0.0.1 with answers set per path; it records every request it gets."""

    def __init__(self, server: ThreadingHTTPServer):
        self.server = server
        self.answers: dict[str, Answer] = {}
        self.requests: list[tuple[str, dict]] = []

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def serve(self, path: str, body: bytes = b"", content_type: str | None = "image/png", **options) -> str:
        headers = dict(options.pop("headers", {}))
        if content_type:
            headers["Content-Type"] = content_type
        self.answers[path] = Answer(body=body, headers=headers, **options)
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.answers[path] = Answer(status=status, headers={"Location": location})
        return self.url(path)

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)


def _handler(remote: Remote):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            remote.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            answer = remote.answers.get(self.path, Answer(status=404, body=b"nothing here"))
            if answer.delay:
                time.sleep(answer.delay)
            self.send_response(answer.status)
            for key, value in answer.headers.items():
                self.send_header(key, value)
            if answer.length:
                self.send_header("Content-Length", str(len(answer.body)))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            try:
                self.wfile.write(answer.body)
            except OSError:
                pass  # the fetcher hung up (a size cap), as it should

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def remote():
    """The stand-in web server; stopped after the test."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    stand_in = Remote(server)
    server.RequestHandlerClass = _handler(stand_in)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield stand_in
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    """Test settings that let the fetcher reach the stand-in server on 127.0.0.1 (and nothing else internal)."""
    return Settings(data_dir=tmp_path, database_url=database_url, media_fetch_allow="127.0.0.1",
                    media_fetch_timeout=5)
