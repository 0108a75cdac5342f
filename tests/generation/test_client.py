"""The endpoint client and the response list helpers, without a database."""

import json

import httpx
import pytest

from tutorloop.generation.client import (
    Cancelled,
    ChatClient,
    EndpointConfig,
    EndpointError,
    ItemError,
    RateLimiter,
)
from tutorloop.generation.service import appended, response_id


def client_for(handler, *, retries=2, key="sk-abc") -> ChatClient:
    config = EndpointConfig(base_url="http://llm.test/v1", api_key=key, timeout=1, max_retries=retries,
                            retry_backoff=0.5)
    return ChatClient(config, RateLimiter(0), transport=httpx.MockTransport(handler))


def ok(n=1):
    return httpx.Response(200, json={"choices": [{"message": {"content": f"c{i}"}} for i in range(n)]})


class TestComplete:
    def test_asks_again_when_the_endpoint_ignores_n(self):
        sent = []

        def handler(request):
            sent.append(request)
            return ok(1)

        assert client_for(handler).complete(model="m", messages=[], n=3, temperature=1, max_tokens=5,
                                            wait=lambda s: False) == ["c0", "c0", "c0"]
        assert [json.loads(r.read())["n"] for r in sent] == [3, 2, 1]

    def test_backoff_doubles_and_honours_retry_after(self):
        waits = []
        answers = iter([httpx.Response(503), httpx.Response(429, headers={"Retry-After": "5"}), ok()])
        out = client_for(lambda r: next(answers)).complete(
            model="m", messages=[], n=1, temperature=1, max_tokens=5, wait=lambda s: waits.append(s) or False)
        assert out == ["c0"]
        assert [w for w in waits if w > 0] == [0.5, 5.0]

    def test_gives_up_after_the_retries_with_the_status(self):
        calls = []
        client = client_for(lambda r: calls.append(r) or httpx.Response(502, text="bad gateway"), retries=1)
        with pytest.raises(ItemError) as info:
            client.complete(model="m", messages=[], n=1, temperature=1, max_tokens=5, wait=lambda s: False)
        assert info.value.status == 502 and "bad gateway" in info.value.message and len(calls) == 2

    def test_a_timeout_is_retried_then_reported(self):
        def handler(request):
            raise httpx.ReadTimeout("slow", request=request)

        with pytest.raises(ItemError, match="no answer within 1 s"):
            client_for(handler, retries=1).complete(model="m", messages=[], n=1, temperature=1, max_tokens=5,
                                                    wait=lambda s: False)

    def test_a_bad_request_is_not_retried_and_a_refused_key_stops_everything(self):
        calls = []
        client = client_for(lambda r: calls.append(r) or httpx.Response(400, json={"error": "too long"}))
        with pytest.raises(ItemError, match="HTTP 400: too long"):
            client.complete(model="m", messages=[], n=1, temperature=1, max_tokens=5, wait=lambda s: False)
        assert len(calls) == 1
        client = client_for(lambda r: httpx.Response(401, json={"error": {"message": "bad key sk-abc"}}))
        with pytest.raises(EndpointError) as info:
            client.complete(model="m", messages=[], n=1, temperature=1, max_tokens=5, wait=lambda s: False)
        assert "sk-abc" not in info.value.message and "***" in info.value.message

    def test_cancel_interrupts_a_backoff(self):
        client = client_for(lambda r: httpx.Response(500))
        with pytest.raises(Cancelled):
            client.complete(model="m", messages=[], n=1, temperature=1, max_tokens=5, wait=lambda s: s > 0)

    @pytest.mark.parametrize("body", [{"choices": "x"}, {"choices": [{"message": {"content": None}}]},
                                      {"choices": [{"message": {"content": "  "}}]}, {"choices": []}])
    def test_answers_without_text_are_item_errors(self, body):
        with pytest.raises(ItemError):
            client_for(lambda r: httpx.Response(200, json=body)).complete(
                model="m", messages=[], n=1, temperature=1, max_tokens=5, wait=lambda s: False)


def test_rate_limiter_spaces_requests():
    limiter = RateLimiter(60)
    assert limiter.reserve() == pytest.approx(0, abs=0.05)
    assert limiter.reserve() == pytest.approx(1, abs=0.05)
    assert limiter.reserve() == pytest.approx(2, abs=0.05)
    assert RateLimiter(0).reserve() == 0


def test_response_ids_fit_and_continue_after_used_ones():
    assert response_id("m" * 100, 12) == "m" * 61 + "-12"
    out = appended([{"id": "gpt-2", "model": "gpt", "content": "x"}], model="gpt", contents=["a", "b"])
    assert [r["id"] for r in out] == ["gpt-2", "gpt-1", "gpt-3"]
    assert appended(None, model="gpt", contents=["a"]) == [{"id": "gpt-1", "model": "gpt", "content": "a"}]
