"""Pairwise and ranking questions: validation against the item's responses (exact `where`), consensus,
agreement and gold, and a round trip through the annotation API."""

import json

import pytest

from tutorloop.errors import Invalid
from tutorloop.schema.questions import AnswerContext, get_type
from tutorloop.schema.questions.preference import kendall_agreement
from tutorloop.schema.spec import parse_spec, question_configs, validate_answers

SPEC = {
    "name": "Preferences",
    "fields": [{"name": "chat", "type": "chat"}, {"name": "responses", "type": "responses"}],
    "questions": [
        {"name": "pref", "type": "pairwise", "rationale": "optional"},
        {"name": "rank", "type": "ranking", "required": False},
    ],
}
DATA = {
    "chat": [{"role": "user", "content": "What is 2+2?"}],
    "responses": [{"id": "r1", "model": "m1", "content": "4"}, {"id": "r2", "model": "m2", "content": "5"},
                  {"id": "r3", "model": "m3", "content": "four"}],
}
CTX = AnswerContext(data=DATA)


@pytest.fixture(scope="module")
def spec():
    return parse_spec(SPEC)


@pytest.fixture(scope="module")
def configs(spec):
    return {c.name: c for c in question_configs(spec)}


def check(spec, answers):
    return validate_answers(spec, answers, CTX)


def error(spec, answers) -> Invalid:
    with pytest.raises(Invalid) as exc:
        check(spec, answers)
    return exc.value


class TestPairwiseValidation:
    def test_field_is_filled_and_answer_normalised(self, spec):
        assert spec["questions"][0]["field"] == "responses"
        out = check(spec, {"pref": {"choice": "b", "strength": 2, "rationale": "  shorter  ", "shown": ["r2", "r1"]}})
        assert out["pref"] == {"choice": "b", "strength": 2, "rationale": "shorter", "shown": ["r2", "r1"]}

    def test_missing_strength_defaults_to_one_step_toward_the_choice(self, spec):
        assert check(spec, {"pref": {"choice": "a", "shown": ["r1", "r2"]}})["pref"]["strength"] == -1
        assert check(spec, {"pref": {"choice": "tie", "shown": ["r1", "r2"]}})["pref"]["strength"] == 0

    @pytest.mark.parametrize(("answer", "where", "fragment"), [
        ({"choice": "left", "shown": ["r1", "r2"]}, "answers.pref.choice", "expected one of a, b, tie, both_bad"),
        ({"choice": "a", "strength": 2, "shown": ["r1", "r2"]}, "answers.pref.strength", "negative"),
        ({"choice": "b", "strength": -1, "shown": ["r1", "r2"]}, "answers.pref.strength", "positive"),
        ({"choice": "tie", "strength": 1, "shown": ["r1", "r2"]}, "answers.pref.strength", "must be 0"),
        ({"choice": "a", "strength": -4, "shown": ["r1", "r2"]}, "answers.pref.strength", "-3 to 3"),
        ({"choice": "a", "strength": True, "shown": ["r1", "r2"]}, "answers.pref.strength", "whole number"),
        ({"choice": "a"}, "answers.pref.shown", "required"),
        ({"choice": "a", "shown": ["r1", "r3"]}, "answers.pref.shown.1", "'r3' is not one of"),
        ({"choice": "a", "shown": ["r1", "r1"]}, "answers.pref.shown.1", "listed twice"),
        ({"choice": "a", "shown": ["r1"]}, "answers.pref.shown", "expected all 2"),
        ({"choice": "a", "shown": ["r1", "r2"], "winner": "r1"}, "answers.pref.winner", "unknown key"),
        ({"choice": "a", "shown": ["r1", "r2"], "rationale": 5}, "answers.pref.rationale", "expected text"),
        ("a", "answers.pref", "expected a pairwise object"),
    ])
    def test_bad_answers_name_where(self, spec, answer, where, fragment):
        err = error(spec, {"pref": answer})
        assert err.where == where
        assert f"{where}: " in str(err) and fragment in str(err)

    def test_configured_pair_is_ordered_by_the_item_and_checked(self):
        spec = parse_spec({**SPEC, "questions": [{"name": "pref", "type": "pairwise", "pair": ["r3", "r1"]}]})
        out = validate_answers(spec, {"pref": {"choice": "a", "shown": ["r3", "r1"]}}, CTX)
        assert out["pref"]["shown"] == ["r3", "r1"]
        err_ctx = AnswerContext(data={**DATA, "responses": DATA["responses"][:2]})
        with pytest.raises(Invalid, match="no response 'r3'") as exc:
            validate_answers(spec, {"pref": {"choice": "a", "shown": ["r3", "r1"]}}, err_ctx)
        assert exc.value.where == "answers.pref"

    def test_rationale_required_and_off_and_no_both_bad(self):
        questions = [{"name": "pref", "type": "pairwise", "rationale": "required", "allow_both_bad": False}]
        spec = parse_spec({**SPEC, "questions": questions})
        assert error(spec, {"pref": {"choice": "a", "shown": ["r1", "r2"], "rationale": " "}}).where == "answers.pref.rationale"
        assert error(spec, {"pref": {"choice": "both_bad", "shown": ["r1", "r2"], "rationale": "x"}}).where == "answers.pref.choice"
        off = parse_spec({**SPEC, "questions": [{"name": "pref", "type": "pairwise", "rationale": "off", "strength": False}]})
        out = validate_answers(off, {"pref": {"choice": "b", "strength": 3, "rationale": "x", "shown": ["r1", "r2"]}}, CTX)
        assert out["pref"] == {"choice": "b", "strength": 1, "rationale": "", "shown": ["r1", "r2"]}

    def test_one_response_cannot_be_compared(self, spec):
        ctx = AnswerContext(data={**DATA, "responses": DATA["responses"][:1]})
        with pytest.raises(Invalid, match="fewer than two responses"):
            validate_answers(spec, {"pref": {"choice": "a", "shown": ["r1", "r2"]}}, ctx)


class TestRankingValidation:
    def ok(self, spec, rank):
        return check(spec, {"pref": {"choice": "tie", "shown": ["r1", "r2"]}, "rank": rank})["rank"]

    def test_normalised(self, spec):
        out = self.ok(spec, {"order": ["r3", "r1", "r2"], "shown": ["r2", "r3", "r1"]})
        assert out == {"order": ["r3", "r1", "r2"], "none_acceptable": False, "shown": ["r2", "r3", "r1"]}

    @pytest.mark.parametrize(("rank", "where", "fragment"), [
        ({"order": ["r3", "r1"], "shown": ["r1", "r2", "r3"]}, "answers.rank.order", "missing r2"),
        ({"order": ["r3", "r1", "r9"], "shown": ["r1", "r2", "r3"]}, "answers.rank.order.2", "'r9' is not one of"),
        ({"order": ["r3", "r3", "r1"], "shown": ["r1", "r2", "r3"]}, "answers.rank.order.1", "listed twice"),
        ({"order": ["r3", "r1", "r2"]}, "answers.rank.shown", "required"),
        ({"order": ["r3", "r1", "r2"], "shown": ["r1", "r2", "r3"], "none_acceptable": "yes"},
         "answers.rank.none_acceptable", "true or false"),
        ({"order": ["r3", "r1", "r2"], "shown": ["r1", "r2", "r3"], "ties": [["r3", "r1"]]},
         "answers.rank.ties", "does not allow ties"),
        ({"shown": ["r1", "r2", "r3"]}, "answers.rank.order", "required"),
    ])
    def test_bad_answers_name_where(self, spec, rank, where, fragment):
        err = error(spec, {"pref": {"choice": "tie", "shown": ["r1", "r2"]}, "rank": rank})
        assert err.where == where
        assert f"{where}: " in str(err) and fragment in str(err)

    def test_ties_must_be_neighbours(self):
        spec = parse_spec({**SPEC, "questions": [{"name": "rank", "type": "ranking", "ties": True}]})
        base = {"order": ["r3", "r1", "r2"], "shown": ["r1", "r2", "r3"]}
        out = validate_answers(spec, {"rank": {**base, "ties": [["r2", "r1"]]}}, CTX)["rank"]
        assert out["ties"] == [["r1", "r2"]]
        with pytest.raises(Invalid, match="not next to each other") as exc:
            validate_answers(spec, {"rank": {**base, "ties": [["r3", "r2"]]}}, CTX)
        assert exc.value.where == "answers.rank.ties.0"


class TestQuality:
    def test_pairwise_consensus_majority_and_median_strength(self, configs):
        qtype, config = get_type("pairwise", "t"), configs["pref"]
        values = [{"choice": "a", "strength": -3}, {"choice": "a", "strength": -1}, {"choice": "a", "strength": -2},
                  {"choice": "tie", "strength": 0}]
        consensus = qtype.consensus(config, values)
        assert consensus == {"choice": "a", "strength": -2}
        assert qtype.agreement(config, values, consensus) == 0.75
        assert qtype.pair_agreement(config, values[0], values[1]) == 1.0
        assert qtype.pair_agreement(config, {"choice": "tie"}, {"choice": "both_bad"}) == 0.0
        assert qtype.gold_matches(config, {"choice": "b", "strength": 1}, {"choice": "b", "strength": 3})
        assert not qtype.gold_matches(config, {"choice": "tie", "strength": 0}, {"choice": "b", "strength": 3})
        assert qtype.consensus(config, []) is None

    def test_ranking_consensus_is_borda_and_agreement_is_kendall(self, configs):
        qtype, config = get_type("ranking", "t"), configs["rank"]
        values = [{"order": ["r1", "r2", "r3"]}, {"order": ["r1", "r3", "r2"]},
                  {"order": ["r2", "r1", "r3"], "none_acceptable": True}]
        consensus = qtype.consensus(config, values)
        assert consensus == {"order": ["r1", "r2", "r3"], "none_acceptable": False}
        assert qtype.pair_agreement(config, values[0], values[0]) == 1.0
        assert qtype.pair_agreement(config, {"order": ["a", "b", "c"]}, {"order": ["c", "b", "a"]}) == 0.0
        assert qtype.pair_agreement(config, values[0], values[1]) == pytest.approx(2 / 3)
        assert qtype.agreement(config, values, consensus) == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)
        assert qtype.gold_matches(config, {"order": ["r1", "r2", "r3"]}, {"order": ["r1", "r2", "r3"]})
        assert not qtype.gold_matches(config, values[1], values[0])

    def test_kendall_counts_ties_as_neither(self):
        assert kendall_agreement(["a", "b"], ["b", "a"], ties_a=[["a", "b"]]) == 0.5
        assert kendall_agreement(["a"], ["a"]) == 1.0


def test_api_round_trip(world):
    from tests.queue.test_queue import nxt
    from tutorloop.items.service import import_items

    world.person("ann")
    pid = world.project(spec=SPEC, members={"ann": "annotator"})
    with world.db.session() as s:
        import_items(s, actor=None, project_id=pid, data=json.dumps({"id": "c1", **DATA}).encode(), fmt="jsonl")
    c = world.client("ann")
    item = nxt(c, pid)
    url = f"/api/v1/projects/{pid}/items/{item['id']}/annotations"
    bad = c.post(url, json={"answers": {"pref": {"choice": "a", "shown": ["r1", "r9"]}}, "client_key": "k0"})
    assert bad.status_code == 422 and bad.json()["where"] == "answers.pref.shown.1"
    answers = {"pref": {"choice": "b", "strength": 3, "rationale": "r2 is honest", "shown": ["r2", "r1"]},
               "rank": {"order": ["r3", "r1", "r2"], "shown": ["r2", "r3", "r1"], "none_acceptable": False}}
    r = c.post(url, json={"answers": answers, "client_key": "k1"})
    assert r.status_code == 201, r.text
    stored = c.get(f"/api/v1/projects/{pid}/annotations?mine=true").json()["annotations"][0]["answers"]
    assert stored == answers


def test_position_bias_reads_answers_in_screen_order():
    from tutorloop.quality.preference_report import pairwise_position_bias, screen_comparisons

    records = [({"choice": "a", "shown": ["r1", "r2"]}, "r1"), ({"choice": "a", "shown": ["r2", "r1"]}, "r1"),
               ({"choice": "b", "shown": ["r2", "r1"]}, "r1"), ({"choice": "both_bad", "shown": ["r1", "r2"]}, "r1"),
               ({"choice": "b"}, "r1")]
    assert screen_comparisons(records)["outcome"].tolist() == ["first", "second", "first", "tie"]
    bias = pairwise_position_bias(records)
    assert (bias.first_wins_, bias.second_wins_, bias.ties_) == (2, 1, 1)
    assert bias.share_first_ == pytest.approx(2 / 3)
