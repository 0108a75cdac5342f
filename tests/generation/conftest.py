"""A small OpenAI-compatible endpoint on 127.0.0.1, scripted by the last user message of each request."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tutorloop.config import Settings

API_KEY = "sk-test-SECRET-4417"


class FakeEndpoint:
    """Records every request; answers by the last user message:

    - "flaky ..."   : 429 with Retry-After 0 on the first request, then success
    - "broken ..."  : 500 every time
    - "garbage ..." : 200 with a body that is not JSON
    - "slow ..."    : success after 0.3 s
    - "wrongkey"    : 401 whose message repeats the key it was sent
    - anything else : success, choices "reply <i> to <message>"
    """

    def __init__(self):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with endpoint.lock:
                    endpoint.requests.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                              "body": body})
                status, payload, headers = endpoint.answer(body, self.headers.get("Authorization", ""))
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def calls(self, text: str) -> int:
        """How many requests carried a conversation whose last user message is `text`."""
        with self.lock:
            return sum(1 for r in self.requests if _last_user(r["body"]) == text)

    def answer(self, body: dict, auth: str):
        text = _last_user(body)
        if text.startswith("flaky") and self.calls(text) == 1:
            return 429, {"error": {"message": "Rate limit reached, slow down"}}, {"Retry-After": "0"}
        if text.startswith("broken"):
            return 500, {"error": {"message": "The server had an error"}}, {}
        if text.startswith("garbage"):
            return 200, b"{not json at all", {}
        if text.startswith("wrongkey"):
            return 401, {"error": {"message": f"Incorrect API key provided: {auth.removeprefix('Bearer ')}"}}, {}
        if text.startswith("slow"):
            time.sleep(0.3)
        choices = [{"index": i, "message": {"role": "assistant", "content": f"reply {i} to {text}"},
                    "finish_reason": "stop"} for i in range(body.get("n", 1))]
        return 200, {"id": "cmpl-1", "object": "chat.completion", "model": body["model"], "choices": choices}, {}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def _last_user(body: dict) -> str:
    return next((m["content"] for m in reversed(body.get("messages", [])) if m["role"] == "user"), "")


@pytest.fixture
def endpoint():
    server = FakeEndpoint()
    yield server
    server.stop()


@pytest.fixture
def settings(tmp_path, database_url, endpoint) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, generation_base_url=endpoint.url,
                    generation_api_key=API_KEY, generation_rate_per_minute=0, generation_timeout=5,
                    generation_max_retries=2, generation_retry_backoff=0.01)
