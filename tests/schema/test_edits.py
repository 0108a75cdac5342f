"""The rewrite and error_spans question types: settings, every answer check (with the exact `where`), the
server-side diff, code-point offsets in Arabic with an emoji, consensus and agreement, and the API."""

from __future__ import annotations

import difflib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorloop.errors import Invalid
from tutorloop.schema.questions import REGISTRY, AnswerContext
from tutorloop.schema.questions.edits import opcodes, tokens, word_diff
from tutorloop.schema.spec import parse_spec, question_configs

REWRITE = REGISTRY["rewrite"]
ERRORS = REGISTRY["error_spans"]
ARABIC = "عاصمة فرنسا 😀 هي برلين."
CHAT = [{"role": "user", "content": "What is the capital of France?"}]
RESPONSES = [{"id": "r1", "model": "m1", "content": "The capital of France is Berlin."},
             {"id": "r2", "model": "m2", "content": ARABIC}]
DATA = {"chat": CHAT, "responses": RESPONSES}
CTX = AnswerContext(data=DATA)


def spec(*questions) -> dict:
    return {"name": "Chat", "fields": [{"name": "chat", "type": "chat"}, {"name": "responses", "type": "responses"}],
            "questions": list(questions)}


def config(**question):
    return question_configs(parse_spec(spec({"name": "q", **question})))[0]


def refused(qtype, cfg, value) -> Invalid:
    with pytest.raises(Invalid) as caught:
        qtype.validate(cfg, value, "answers.q", CTX)
    assert caught.value.message.startswith(f"{caught.value.where}: ")
    return caught.value


class TestRewrite:
    def test_field_is_filled_and_defaults(self):
        stored = parse_spec(spec({"name": "q", "type": "rewrite"}))["questions"][0]
        assert stored["field"] == "responses" and stored["target"] == "choose" and stored["allow_unchanged"] is False

    def test_server_fills_original_and_diff_ignoring_the_clients(self):
        cfg = config(type="rewrite")
        out = REWRITE.validate(cfg, {"response": "r1", "rewrite": "The capital of France is Paris.",
                                     "original": "forged", "diff": [["equal", "x", "x"]]}, "answers.q", CTX)
        assert out["original"] == RESPONSES[0]["content"]
        assert ["replace", "Berlin", "Paris"] in out["diff"]
        assert "".join(d[2] for d in out["diff"]) == out["rewrite"]
        assert {d[0] for d in out["diff"]} == {"equal", "replace"}

    @pytest.mark.parametrize(("value", "where"), [
        ("text", "answers.q"),
        ({"response": "r9", "rewrite": "x"}, "answers.q.response"),
        ({"response": "r1", "rewrite": 3}, "answers.q.rewrite"),
        ({"response": "r1", "rewrite": "   "}, "answers.q.rewrite"),
        ({"response": "r1", "rewrite": RESPONSES[0]["content"]}, "answers.q.rewrite"),
        ({"response": "r1", "rewrite": "x", "extra": 1}, "answers.q.extra"),
    ])
    def test_refusals_name_the_place(self, value, where):
        assert refused(REWRITE, config(type="rewrite"), value).where == where

    def test_target_first_defaults_and_refuses_others(self):
        cfg = config(type="rewrite", target="first")
        assert REWRITE.validate(cfg, {"rewrite": "Paris."}, "answers.q", CTX)["response"] == "r1"
        assert refused(REWRITE, cfg, {"response": "r2", "rewrite": "x"}).where == "answers.q.response"

    def test_unchanged_allowed_when_configured(self):
        cfg = config(type="rewrite", allow_unchanged=True)
        out = REWRITE.validate(cfg, {"response": "r2", "rewrite": ARABIC}, "answers.q", CTX)
        assert out["diff"] == [["equal", ARABIC, ARABIC]]

    def test_arabic_emoji_diff(self):
        out = word_diff(ARABIC, "عاصمة فرنسا 😀 هي باريس.")
        assert ["replace", "برلين", "باريس"] in out

    def test_agreement_is_mean_similarity_and_no_consensus(self):
        cfg = config(type="rewrite")
        a = {"response": "r1", "rewrite": "The capital is Paris."}
        b = {"response": "r1", "rewrite": "The capital is Paris."}
        c = {"response": "r2", "rewrite": "Paris"}
        assert REWRITE.consensus(cfg, [a, b]) is None
        assert REWRITE.pair_agreement(cfg, a, b) == 1.0 and REWRITE.pair_agreement(cfg, a, c) == 0.0
        assert REWRITE.agreement(cfg, [a, b, c], None) == pytest.approx(1 / 3)
        assert REWRITE.agreement(cfg, [a], None) is None
        assert REWRITE.gold_matches(cfg, a, {"response": "r1", "rewrite": "The  capital is\nParis."})


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab c\n.,😀عربي\t")), max_size=40),
       st.text(alphabet=st.sampled_from(list("ab c\n.,😀عربي\t")), max_size=40))
def test_diff_rebuilds_both_texts(original, rewrite):
    assert "".join(tokens(rewrite)) == rewrite
    diff = word_diff(original, rewrite)
    assert "".join(d[1] for d in diff) == original
    assert "".join(d[2] for d in diff) == rewrite
    for op, old, new in diff:
        assert {"equal": old == new != "", "replace": old != "" and new != "",
                "insert": old == "" != new, "delete": new == "" != old}[op]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from("ab c"), max_size=14), st.lists(st.sampled_from("ab c"), max_size=14))
def test_opcodes_are_a_shortest_edit_script(a, b):
    ops = opcodes(a, b)
    i = j = 0
    for op, i1, i2, j1, j2 in ops:
        assert (i1, j1) == (i, j)
        i, j = i2, j2
        if op == "equal":
            assert a[i1:i2] == b[j1:j2]
    assert (i, j) == (len(a), len(b))
    common = sum(block.size for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    assert sum(i2 - i1 for op, i1, i2, _, _ in ops if op == "equal") >= common


def test_a_middle_past_the_edit_limit_is_one_replacement():
    a, b = list("x" + "ab" * 20 + "y"), list("x" + "ba" * 20 + "cy")
    assert opcodes(a, b, limit=2) == [("equal", 0, 1, 0, 1), ("replace", 1, 41, 1, 42), ("equal", 41, 42, 42, 43)]
    assert [op for op, *_ in opcodes(a, b)].count("equal") > 2


def err(response="r2", start=12, end=13, category="factual_error", severity="major", **extra):
    return {"response": response, "start": start, "end": end, "category": category, "severity": severity, **extra}


class TestErrorSpans:
    def test_default_categories_with_letter_hotkeys(self):
        stored = parse_spec(spec({"name": "q", "type": "error_spans"}))["questions"][0]
        assert stored["field"] == "responses"
        assert [c["hotkey"] for c in stored["categories"]] == list("fruimo")
        assert stored["severities"] == ["minor", "major", "critical"]

    def test_code_points_in_arabic_with_emoji(self):
        cfg = config(type="error_spans")
        # "عاصمة فرنسا 😀 هي برلين." — the emoji is one code point at 12; برلين is 17–22
        out = ERRORS.validate(cfg, [err(start=17, end=22, correction="باريس"), err(start=12, end=13, id="e")],
                              "answers.q", CTX)
        assert [(e["start"], e["end"], e["text"]) for e in out] == [(12, 13, "😀"), (17, 22, "برلين")]
        assert out[1]["correction"] == "باريس" and out[0]["id"] == "e" and "correction" not in out[0]
        assert out[1]["category"] == "factual_error" and "label" not in out[1]

    def test_empty_list_means_no_errors(self):
        assert ERRORS.validate(config(type="error_spans"), [], "answers.q", CTX) == []

    @pytest.mark.parametrize(("value", "where"), [
        ({}, "answers.q"),
        ([err(response="r7")], "answers.q.0.response"),
        ([err(start=-1)], "answers.q.0.start"),
        ([err(start=5, end=5)], "answers.q.0.end"),
        ([err(end=len(ARABIC) + 1)], "answers.q.0.end"),
        ([err(start=17, end=22, text="برلي")], "answers.q.0.text"),
        ([err(category="typo")], "answers.q.0.category"),
        ([err(category=None)], "answers.q.0.category"),
        ([err(severity="huge")], "answers.q.0.severity"),
        ([err(correction=5)], "answers.q.0.correction"),
        ([err(colour="red")], "answers.q.0.colour"),
        ([err(), err(start=0, end=1), err()], "answers.q.2"),
        ([err(id="x"), err(id="x", start=0)], "answers.q.1.id"),
    ])
    def test_refusals_name_the_place(self, value, where):
        assert refused(ERRORS, config(type="error_spans"), value).where == where

    def test_custom_categories_and_severities(self):
        cfg = config(type="error_spans", categories=[{"value": "tone", "hotkey": "t"}], severities=["low", "high"])
        out = ERRORS.validate(cfg, [err(category="tone", severity="high", response="r1", start=25, end=31)],
                              "answers.q", CTX)
        assert out[0]["text"] == "Berlin"
        assert refused(ERRORS, cfg, [err(category="tone", severity="major")]).where == "answers.q.0.severity"

    def test_consensus_by_majority_and_f1(self):
        cfg = config(type="error_spans")
        a = [err(response="r1", start=25, end=31, text="Berlin", severity="critical", correction="Paris")]
        b = [err(response="r1", start=25, end=31, text="Berlin", severity="major", correction="Paris"),
             err(response="r2", start=17, end=22, text="برلين")]
        c = [err(response="r1", start=25, end=31, text="Berlin", severity="critical")]
        agreed = ERRORS.consensus(cfg, [a, b, c])
        assert [(e["response"], e["start"], e["end"], e["text"], e["category"], e["severity"]) for e in agreed] == [
            ("r1", 25, 31, "Berlin", "factual_error", "critical")]
        assert agreed[0]["correction"] == "Paris"
        assert ERRORS.agreement(cfg, [a, b, c], agreed) == pytest.approx((1 + 2 / 3 + 1) / 3)
        assert ERRORS.pair_agreement(cfg, a, b) == pytest.approx(2 / 3)
        # the same offsets in another response are another error
        assert ERRORS.pair_agreement(cfg, a, [err(response="r2", start=25, end=31)]) == 0.0
        assert ERRORS.gold_matches(cfg, c, a) and not ERRORS.gold_matches(cfg, b, a)
        assert ERRORS.consensus(cfg, [[], [], a]) == []


def test_answers_through_the_api(world):
    raw = spec({"name": "fix", "type": "rewrite"}, {"name": "errors", "type": "error_spans"})
    world.person("boss", "manager")
    for name in ("ann", "bob"):
        world.person(name)
    pid = world.project(raw, members={"boss": "manager", "ann": "annotator", "bob": "annotator"})
    boss = world.client("boss")
    boss.patch(f"/api/v1/projects/{pid}", json={"overlap": 2})
    line = json.dumps({"id": "c1", **DATA}, ensure_ascii=False).encode()
    r = boss.post(f"/api/v1/projects/{pid}/items/import", files={"file": ("items.jsonl", line, "application/x-ndjson")})
    assert r.status_code in (200, 201), r.text

    def submit(name, answers):
        c = world.client(name)
        item = c.post(f"/api/v1/projects/{pid}/queue/next").json()["item"]
        return c.post(f"/api/v1/projects/{pid}/items/{item['id']}/annotations",
                      json={"answers": answers, "client_key": f"k-{name}"}), item["id"]

    fix = {"response": "r2", "rewrite": "عاصمة فرنسا 😀 هي باريس."}
    bad, _ = submit("ann", {"fix": fix, "errors": [err(start=17, end=24)]})
    assert bad.status_code == 422 and bad.json()["where"] == "answers.errors.0.end"
    ok, item_id = submit("ann", {"fix": fix, "errors": [err(start=17, end=22)]})
    assert ok.status_code == 201, ok.text
    stored = world.client("ann").get(f"/api/v1/annotations/{ok.json()['id']}").json()["answers"]
    assert stored["fix"]["original"] == ARABIC and ["replace", "برلين", "باريس"] in stored["fix"]["diff"]
    assert stored["errors"][0]["text"] == "برلين"
    assert submit("bob", {"fix": fix, "errors": [err(start=17, end=22, severity="minor")]})[0].status_code == 201
    consensus = {c["question"]: c for c in boss.get(f"/api/v1/projects/{pid}/items/{item_id}/consensus").json()}
    assert [e["text"] for e in consensus["errors"]["value"]] == ["برلين"]
    assert consensus["errors"]["confidence"] == pytest.approx(1.0)
