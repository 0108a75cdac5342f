"""A small client for `POST <base>/chat/completions` (the OpenAI protocol): rate limit, bounded retries.

Transient failures (HTTP 429, 5xx, timeouts, refused connections) are retried with exponential backoff
(`retry_backoff * 2**attempt` seconds, at most 60, or the server's `Retry-After` when it is longer, also at
most 60), `max_retries` times. Anything else fails at once: an item error (`ItemError`) when only this
conversation is at fault, `EndpointError` when no request can succeed (wrong key, wrong URL), which stops
the job. The API key goes into the Authorization header only; it is scrubbed from every message kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

MAX_BACKOFF = 60.0
RETRYABLE = {408, 409, 425, 429}  # plus every 5xx
FATAL = {401, 403, 404}  # the key or the URL is wrong: every other request would fail the same way


class ItemError(Exception):
    """This conversation could not be completed: `status` is the last HTTP status (None without one)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message, self.status = message, status


class EndpointError(ItemError):
    """The endpoint refuses every request (bad key, bad URL): the whole job stops."""


class Cancelled(Exception):
    """The job was cancelled while a request waited."""


class RateLimiter:
    """Spaces request starts at least 60/rate seconds apart, across every job of the process."""

    def __init__(self, per_minute: int):
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Book the next free slot; returns how many seconds to wait for it."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
            return start - now


@dataclass
class EndpointConfig:
    base_url: str
    api_key: str
    timeout: float
    max_retries: int
    retry_backoff: float


class ChatClient:
    """Completes conversations against one endpoint; `wait(seconds)` sleeps and returns True if cancelled."""

    def __init__(self, config: EndpointConfig, limiter: RateLimiter, *,
                 transport: httpx.BaseTransport | None = None):
        self.config = config
        self.limiter = limiter
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self.http = httpx.Client(base_url=config.base_url.rstrip("/") + "/", headers=headers,
                                 timeout=config.timeout, transport=transport)

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def scrub(self, text: str) -> str:
        """The text without the API key in it, shortened for storage."""
        if self.config.api_key:
            text = text.replace(self.config.api_key, "***")
        return text if len(text) <= 300 else text[:297] + "..."

    def complete(self, *, model: str, messages: list[dict], n: int, temperature: float, max_tokens: int,
                 wait: Callable[[float], bool]) -> list[str]:
        """`n` completions of the conversation (more requests if the endpoint returns fewer choices)."""
        out: list[str] = []
        while len(out) < n:
            body = {"model": model, "messages": messages, "n": n - len(out), "temperature": temperature,
                    "max_tokens": max_tokens}
            choices = self._post_with_retries(body, wait)
            if not choices:
                raise ItemError("the endpoint answered without any choices")
            out.extend(choices[:n - len(out)])
        return out

    def _post_with_retries(self, body: dict, wait: Callable[[float], bool]) -> list[str]:
        attempt = 0
        while True:
            if wait(self.limiter.reserve()):
                raise Cancelled()
            retry_after = None
            try:
                response = self.http.post("chat/completions", json=body)
            except httpx.TimeoutException:
                error = ItemError(f"no answer within {self.config.timeout:g} s")
            except httpx.TransportError as exc:
                error = ItemError(self.scrub(f"could not reach the endpoint: {type(exc).__name__}: {exc}"))
            else:
                if response.status_code < 300:
                    return self._choices(response)
                error = self._http_error(response)
                if response.status_code in FATAL:
                    raise EndpointError(error.message, error.status)
                if response.status_code not in RETRYABLE and response.status_code < 500:
                    raise error
                retry_after = _retry_after(response)
            if attempt >= self.config.max_retries:
                if attempt:
                    error.message += f" (after {attempt + 1} attempts)"
                raise error
            delay = min(MAX_BACKOFF, self.config.retry_backoff * 2 ** attempt)
            if retry_after is not None:
                delay = max(delay, min(MAX_BACKOFF, retry_after))
            attempt += 1
            if wait(delay):
                raise Cancelled()

    def _http_error(self, response: httpx.Response) -> ItemError:
        detail = response.text
        try:
            payload = response.json()
            if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
                detail = str(payload["error"].get("message") or detail)
            elif isinstance(payload, dict) and isinstance(payload.get("error"), str):
                detail = payload["error"]
        except ValueError:
            pass
        text = f"HTTP {response.status_code}: {' '.join(detail.split()) or response.reason_phrase}"
        return ItemError(self.scrub(text), response.status_code)

    def _choices(self, response: httpx.Response) -> list[str]:
        status = response.status_code
        try:
            payload = response.json()
        except (ValueError, UnicodeDecodeError):
            raise ItemError(self.scrub(f"HTTP {status}: the answer is not JSON: {response.text[:80]!r}"), status)
        choices = payload.get("choices") if isinstance(payload, dict) else None
        if not isinstance(choices, list):
            raise ItemError(f"HTTP {status}: the answer has no 'choices' list", status)
        out = []
        for i, choice in enumerate(choices):
            message = choice.get("message") if isinstance(choice, dict) else None
            content = message.get("content") if isinstance(message, dict) else None
            if not isinstance(content, str):
                raise ItemError(f"HTTP {status}: choices.{i}.message.content is not text", status)
            if not content.strip():
                raise ItemError(f"HTTP {status}: choices.{i} is an empty response", status)
            out.append(content)
        return out


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None

