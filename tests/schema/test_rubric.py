"""The rubric, flags and write question types: settings, every answer check with its exact `where`,
consensus and agreement, and answers through the real API."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorloop.errors import Invalid
from tutorloop.schema.questions import REGISTRY, AnswerContext
from tutorloop.schema.spec import parse_spec, question_configs

RUBRIC, FLAGS, WRITE = REGISTRY["rubric"], REGISTRY["flags"], REGISTRY["write"]
CHAT = [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "ما عاصمة فرنسا؟"}]
RESPONSES = [{"id": "r1", "model": "m-a", "content": "باريس."}, {"id": "r2", "model": "m-b", "content": "Lyon."}]
DATA = {"chat": CHAT, "responses": RESPONSES}
ATTRIBUTES = [{"name": "helpful", "guideline": "Does it answer?"},
              {"name": "honest", "max": 2, "labels": {"0": "lies", "2": "true"}, "required": False}]


def spec(*questions: dict) -> dict:
    return {"name": "Chat", "fields": [{"name": "chat", "type": "chat"}, {"name": "responses", "type": "responses"}],
            "questions": list(questions)}


def config(question: dict):
    return question_configs(parse_spec(spec(question)))[0]


def rubric(**extra):
    return config({"name": "q", "type": "rubric", "field": "responses", "attributes": ATTRIBUTES, **extra})


def refused(qtype, cfg, value, data=DATA) -> Invalid:
    with pytest.raises(Invalid) as caught:
        qtype.validate(cfg, value, "answers.q", AnswerContext(data=data))
    assert caught.value.message.startswith(f"{caught.value.where}: ")
    return caught.value


class TestRubricConfig:
    def test_defaults(self):
        cfg = rubric()
        assert cfg.per_response and cfg.attributes[0].min == 0 and cfg.attributes[0].max == 4
        assert cfg.attributes[0].text == "helpful" and cfg.attributes[1].required is False

    @pytest.mark.parametrize(("attributes", "message"), [
        ([], "at least 1"),
        ([{"name": "a"}, {"name": "a"}], "unique"),
        ([{"name": "a", "min": 3, "max": 3}], "max must be greater"),
        ([{"name": "a", "max": 12}], "less than or equal to 9"),
        ([{"name": "a", "labels": {"7": "x"}}], "not a point"),
        ([{"name": "a"}] * 21, "at most 20"),
    ])
    def test_bad_settings(self, attributes, message):
        with pytest.raises(Invalid) as caught:
            parse_spec(spec({"name": "q", "type": "rubric", "field": "responses", "attributes": attributes}))
        assert message in caught.value.message
        assert caught.value.where.startswith("spec.questions.0")


class TestRubricValidate:
    def test_per_response_answer_in_stored_order(self):
        value = {"r2": {"helpful": 1}, "r1": {"helpful": 4, "honest": 2}}
        out = RUBRIC.validate(rubric(), value, "answers.q", AnswerContext(data=DATA))
        assert list(out) == ["r1", "r2"] and out == {"r1": {"helpful": 4, "honest": 2}, "r2": {"helpful": 1}}

    @pytest.mark.parametrize(("value", "where", "text"), [
        ([1, 2], "answers.q", "response ids"),
        ({"r1": {"helpful": 1}}, "answers.q.r2", "no scores"),
        ({"r1": {"helpful": 1}, "r2": {"helpful": 1}, "r9": {}}, "answers.q.r9", "not one of this item's"),
        ({"r1": {"helpful": 1}, "r2": {}}, "answers.q.r2.helpful", "needs a score"),
        ({"r1": {"helpful": 5}, "r2": {"helpful": 1}}, "answers.q.r1.helpful", "outside the scale 0–4"),
        ({"r1": {"helpful": True}, "r2": {"helpful": 1}}, "answers.q.r1.helpful", "whole number"),
        ({"r1": {"helpful": 1.5}, "r2": {"helpful": 1}}, "answers.q.r1.helpful", "whole number"),
        ({"r1": {"helpful": 1, "honest": 3}, "r2": {"helpful": 1}}, "answers.q.r1.honest", "0–2"),
        ({"r1": {"helpful": 1, "tone": 3}, "r2": {"helpful": 1}}, "answers.q.r1.tone", "no attribute"),
        ({"r1": [], "r2": {"helpful": 1}}, "answers.q.r1", "expected an object"),
    ])
    def test_refused(self, value, where, text):
        error = refused(RUBRIC, rubric(), value)
        assert error.where == where and text in error.message

    def test_ids_come_from_this_item(self):
        other = {"chat": CHAT, "responses": [{"id": "x1", "content": "…"}]}
        error = refused(RUBRIC, rubric(), {"r1": {"helpful": 1}, "r2": {"helpful": 1}}, data=other)
        assert error.where == "answers.q.r1"
        assert refused(RUBRIC, rubric(), {"r1": {"helpful": 1}}, data={"chat": CHAT}).where == "answers.q"

    def test_whole_conversation(self):
        cfg = config({"name": "q", "type": "rubric", "field": "chat", "per_response": False, "attributes": ATTRIBUTES})
        assert RUBRIC.validate(cfg, {"helpful": 2}, "answers.q", AnswerContext(data=DATA)) == {"helpful": 2}
        assert refused(RUBRIC, cfg, {"helpful": 9}).where == "answers.q.helpful"


class TestRubricQuality:
    cfg = rubric()

    def test_consensus_is_the_lower_median_per_cell(self):
        values = [{"r1": {"helpful": 4, "honest": 2}, "r2": {"helpful": 0}},
                  {"r1": {"helpful": 1, "honest": 1}, "r2": {"helpful": 3}},
                  {"r1": {"helpful": 2}, "r2": {"helpful": 3}},
                  {"r1": {"helpful": 3}, "r2": {"helpful": 3}}]
        assert RUBRIC.consensus(self.cfg, values) == {"r1": {"helpful": 2, "honest": 1}, "r2": {"helpful": 3}}
        assert RUBRIC.consensus(self.cfg, []) is None

    def test_pair_agreement_scales_distance_by_the_range(self):
        a = {"r1": {"helpful": 4, "honest": 2}, "r2": {"helpful": 0}}
        b = {"r1": {"helpful": 3, "honest": 0}, "r2": {"helpful": 0}}
        assert RUBRIC.pair_agreement(self.cfg, a, b) == pytest.approx((0.75 + 0 + 1) / 3)
        assert RUBRIC.pair_agreement(self.cfg, a, a) == 1.0
        # a cell only one person scored counts as a disagreement
        c = {"r1": {"helpful": 4}, "r2": {"helpful": 0}}
        assert RUBRIC.pair_agreement(self.cfg, a, c) == pytest.approx(2 / 3)
        assert RUBRIC.agreement(self.cfg, [a, a, b], a) == pytest.approx((1 + 1 + 1.75 / 3) / 3)

    def test_gold_with_tolerance(self):
        gold = {"r1": {"helpful": 3}, "r2": {"helpful": 1}}
        near = {"r1": {"helpful": 4, "honest": 2}, "r2": {"helpful": 1}}
        assert not RUBRIC.gold_matches(self.cfg, near, gold)
        assert RUBRIC.gold_matches(rubric(gold_tolerance=1), near, gold)
        assert RUBRIC.gold_matches(self.cfg, gold, gold) and not RUBRIC.gold_matches(self.cfg, None, gold)


# ----------------------------------------------------------------------------------------------- flags

def flags(**extra):
    return config({"name": "q", "type": "flags", **extra})


class TestFlags:
    def test_defaults_and_field(self):
        cfg = flags()
        assert cfg.field == "chat" and cfg.targets == "both" and not cfg.required
        assert [f.value for f in cfg.flags] == ["spam", "pii", "unsafe", "language_mismatch"]

    def test_valid_answer_is_normalised_and_ordered(self):
        value = [{"target": "response:r2", "flag": "pii", "note": "  "},
                 {"target": "message:1", "flag": "unsafe", "note": "تهديد"},
                 {"target": "message:1", "flag": "spam"}]
        out = FLAGS.validate(flags(), value, "answers.q", AnswerContext(data=DATA))
        assert out == [{"target": "message:1", "flag": "spam"}, {"target": "message:1", "flag": "unsafe", "note": "تهديد"},
                       {"target": "response:r2", "flag": "pii"}]
        assert FLAGS.validate(flags(), [], "answers.q", AnswerContext(data=DATA)) == []

    @pytest.mark.parametrize(("value", "where", "text"), [
        ({"target": "message:0"}, "answers.q", "list of flags"),
        ([{"target": "message:2", "flag": "spam"}], "answers.q.0.target", "no message 2"),
        ([{"target": "message:01", "flag": "spam"}], "answers.q.0.target", "message:<index>"),
        ([{"target": "reply:1", "flag": "spam"}], "answers.q.0.target", "message:<index>"),
        ([{"target": "response:r3", "flag": "spam"}], "answers.q.0.target", "not one of this item's"),
        ([{"target": "message:0", "flag": "rude"}], "answers.q.0.flag", "not one of the flags"),
        ([{"target": "message:0", "flag": "spam"}, {"target": "message:0", "flag": "spam"}], "answers.q.1", "twice"),
        ([{"target": "message:0", "flag": "spam", "note": 3}], "answers.q.0.note", "expected text"),
        ([{"target": "message:0", "flag": "spam", "note": "x" * 2001}], "answers.q.0.note", "at most"),
        ([{"target": "message:0", "flag": "spam", "why": "x"}], "answers.q.0.why", "unknown key"),
        (["spam"], "answers.q.0", "expected an object"),
    ])
    def test_refused(self, value, where, text):
        error = refused(FLAGS, flags(), value)
        assert error.where == where and text in error.message

    def test_targets_setting_and_named_responses_field(self):
        error = refused(FLAGS, flags(targets="messages"), [{"target": "response:r1", "flag": "spam"}])
        assert error.where == "answers.q.0.target" and "messages only" in error.message
        cfg = flags(responses_field="responses", targets="responses")
        assert FLAGS.validate(cfg, [{"target": "response:r1", "flag": "spam"}], "q", AnswerContext(data=DATA))
        assert refused(FLAGS, cfg, [{"target": "message:0", "flag": "spam"}]).where == "answers.q.0.target"

    def test_consensus_agreement_gold(self):
        cfg = flags()
        a = [{"target": "message:1", "flag": "spam"}, {"target": "response:r1", "flag": "pii"}]
        b = [{"target": "message:1", "flag": "spam", "note": "ad"}]
        c = [{"target": "response:r1", "flag": "pii"}, {"target": "message:0", "flag": "unsafe"}]
        assert FLAGS.consensus(cfg, [a, b, c]) == a
        assert FLAGS.consensus(cfg, [a, b]) == [{"target": "message:1", "flag": "spam"}]
        assert FLAGS.consensus(cfg, [[], [], a]) == []
        assert FLAGS.pair_agreement(cfg, a, b) == pytest.approx(0.5)
        assert FLAGS.pair_agreement(cfg, a, c) == pytest.approx(1 / 3)
        assert FLAGS.pair_agreement(cfg, [], []) == 1.0
        assert FLAGS.agreement(cfg, [a, b, c], a) == pytest.approx((1 + 0.5 + 1 / 3) / 3)
        assert FLAGS.gold_matches(cfg, b, [{"target": "message:1", "flag": "spam"}])
        assert not FLAGS.gold_matches(cfg, a, b) and FLAGS.gold_matches(cfg, [], [])


# ----------------------------------------------------------------------------------------------- write

def write(**extra):
    return config({"name": "q", "type": "write", **extra})


class TestWrite:
    def test_prompt_and_response(self):
        cfg = write(mode="prompt", min_length=5, max_length=20)
        assert WRITE.validate(cfg, {"content": "اكتب قصة"}, "answers.q") == {"content": "اكتب قصة"}
        for value, where, text in [("text", "answers.q", "expected an object"),
                                   ({"content": "  hi   "}, "answers.q.content", "at least 5"),
                                   ({"content": "x" * 21}, "answers.q.content", "limit is 20"),
                                   ({"content": 5}, "answers.q.content", "expected text"),
                                   ({"content": "hello", "messages": []}, "answers.q.messages", "unknown key")]:
            error = refused(WRITE, cfg, value)
            assert error.where == where and text in error.message

    def test_continuation_alternates_after_the_last_message(self):
        cfg = write(mode="continuation", max_turns=3)
        turns = [{"role": "assistant", "content": "Paris."}, {"role": "user", "content": "And Spain?"}]
        out = WRITE.validate(cfg, {"messages": turns}, "answers.q", AnswerContext(data=DATA))
        assert out == {"messages": turns}
        for value, where, text in [
            ({"messages": []}, "answers.q.messages", "at least one"),
            ({"messages": [{"role": "user", "content": "x"}]}, "answers.q.messages.0.role", "expected assistant"),
            ({"messages": [turns[0], turns[0]]}, "answers.q.messages.1.role", "expected user"),
            ({"messages": [{"role": "system", "content": "x"}]}, "answers.q.messages.0.role", "user or assistant"),
            ({"messages": [{"role": "assistant", "content": " "}]}, "answers.q.messages.0.content", "at least 1"),
            ({"messages": [turns[0], turns[1], turns[0], turns[1]]}, "answers.q.messages", "at most 3"),
            ({"messages": [{**turns[0], "name": "x"}]}, "answers.q.messages.0.name", "unknown key"),
        ]:
            error = refused(WRITE, cfg, value)
            assert error.where == where and text in error.message
        after_assistant = {"chat": [*CHAT, {"role": "assistant", "content": "Paris."}]}
        assert refused(WRITE, cfg, {"messages": turns}, data=after_assistant).where == "answers.q.messages.0.role"

    def test_quality_hooks(self):
        cfg = write()
        assert WRITE.consensus(cfg, [{"content": "a"}, {"content": "a"}]) is None
        assert WRITE.agreement(cfg, [{"content": "a"}], None) is None
        assert WRITE.pair_agreement(cfg, {"content": "one two three"}, {"content": "one two four"}) == pytest.approx(2 / 3)
        assert WRITE.gold_matches(cfg, {"content": "a  b"}, {"content": "a b"})
        assert WRITE.export_value(cfg, {"content": "نص"}) == "نص"


# ------------------------------------------------------------------------------------ any input at all

JSONISH = st.recursive(st.none() | st.booleans() | st.integers(-3, 12) | st.floats(allow_nan=True) | st.text(max_size=8),
                       lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                       max_leaves=12)
PIECES = st.fixed_dictionaries({}, optional={"r1": JSONISH, "r2": JSONISH, "r9": JSONISH, "helpful": JSONISH})
FLAG_LISTS = st.lists(st.fixed_dictionaries({"target": st.sampled_from(["message:0", "message:1", "message:2",
                                                                          "response:r1", "response:r2", "x", 3]),
                                             "flag": st.sampled_from(["spam", "pii", "other", None])},
                                            optional={"note": st.text(max_size=5) | st.none()}), max_size=6)


@settings(max_examples=150, deadline=None)
@given(value=PIECES | JSONISH)
def test_rubric_refuses_any_malformed_answer_cleanly_and_is_idempotent(value):
    cfg, ctx = rubric(), AnswerContext(data=DATA)
    try:
        clean = RUBRIC.validate(cfg, value, "answers.q", ctx)
    except Invalid as error:
        assert error.where.startswith("answers.q") and error.message.startswith(f"{error.where}: ")
        return
    assert RUBRIC.validate(cfg, clean, "answers.q", ctx) == clean
    assert RUBRIC.pair_agreement(cfg, clean, clean) == 1.0


@settings(max_examples=150, deadline=None)
@given(value=FLAG_LISTS)
def test_flags_normalise_to_a_fixed_point(value):
    cfg, ctx = flags(), AnswerContext(data=DATA)
    try:
        clean = FLAGS.validate(cfg, value, "answers.q", ctx)
    except Invalid as error:
        assert error.where.startswith("answers.q.")
        return
    assert FLAGS.validate(cfg, list(reversed(clean)), "answers.q", ctx) == clean
    assert FLAGS.consensus(cfg, [clean, clean]) == [{"target": f["target"], "flag": f["flag"]} for f in clean]


# ---------------------------------------------------------------------------------------------- the API

def test_answers_through_the_api(world):
    raw = spec({"name": "quality", "type": "rubric", "field": "responses", "attributes": ATTRIBUTES},
               {"name": "problems", "type": "flags", "responses_field": "responses"},
               {"name": "better", "type": "write", "mode": "response", "required": False})
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
                      json={"answers": answers, "client_key": f"k-{name}-{len(str(answers))}"}), item["id"]

    bad, _ = submit("ann", {"quality": {"r1": {"helpful": 3}, "r2": {"helpful": 7}}, "problems": []})
    assert bad.status_code == 422 and bad.json()["where"] == "answers.quality.r2.helpful"
    bad, _ = submit("ann", {"quality": {"r1": {"helpful": 3}, "r2": {"helpful": 1}},
                            "problems": [{"target": "message:5", "flag": "spam"}]})
    assert bad.status_code == 422 and bad.json()["where"] == "answers.problems.0.target"

    ok, item_id = submit("ann", {"quality": {"r2": {"helpful": 1}, "r1": {"helpful": 4, "honest": 2}},
                                 "problems": [{"target": "response:r2", "flag": "language_mismatch"}],
                                 "better": {"content": "العاصمة هي باريس."}})
    assert ok.status_code == 201, ok.text
    stored = world.client("ann").get(f"/api/v1/annotations/{ok.json()['id']}").json()["answers"]
    assert stored["quality"] == {"r1": {"helpful": 4, "honest": 2}, "r2": {"helpful": 1}}
    assert stored["problems"] == [{"target": "response:r2", "flag": "language_mismatch"}]
    assert stored["better"] == {"content": "العاصمة هي باريس."}

    ok, _ = submit("bob", {"quality": {"r1": {"helpful": 2}, "r2": {"helpful": 1}},
                           "problems": [{"target": "response:r2", "flag": "language_mismatch"}]})
    assert ok.status_code == 201, ok.text
    consensus = {c["question"]: c for c in boss.get(f"/api/v1/projects/{pid}/items/{item_id}/consensus").json()}
    assert consensus["quality"]["value"] == {"r1": {"helpful": 2, "honest": 2}, "r2": {"helpful": 1}}
    assert consensus["problems"]["value"] == [{"target": "response:r2", "flag": "language_mismatch"}]
    assert consensus["problems"]["confidence"] == 1.0
