"""Pairwise and rubric quality figures computed at refit (consensus/preference.py)."""

from types import SimpleNamespace

import pytest

from tutorloop.consensus.preference import pairwise_summary, rubric_summary

PAIRWISE = SimpleNamespace(field="responses", pair=None)


def items(n, models=("strong", "weak")):
    return {i: {"responses": [{"id": "r1", "model": models[0], "content": "x"},
                              {"id": "r2", "model": models[1], "content": "y"}]} for i in range(1, n + 1)}


def answer(choice, shown=("r1", "r2")):
    return {"choice": choice, "strength": 0, "shown": list(shown)}


class TestPairwiseSummary:
    def test_agreement_with_and_without_ties(self):
        rows = [(1, 1, answer("a")), (1, 2, answer("a")),           # agree, decided
                (2, 1, answer("a")), (2, 2, answer("b")),           # disagree, decided
                (3, 1, answer("tie")), (3, 2, answer("tie"))]       # agree, not decided
        out = pairwise_summary(PAIRWISE, rows, items(3))
        assert out["agreement_with_ties"] == pytest.approx(2 / 3, abs=1e-4)
        assert out["agreement_without_ties"] == pytest.approx(1 / 2)
        assert out["comparisons"] == 6 and out["items"] == 3

    def test_position_bias_counts_the_answer_shown_left_whatever_its_letter(self):
        # a wins while shown left twice; b wins while shown left once; a wins while shown right once
        rows = [(1, 1, answer("a", ("r1", "r2"))), (2, 1, answer("a", ("r1", "r2"))),
                (3, 1, answer("b", ("r2", "r1"))), (4, 1, answer("a", ("r2", "r1"))), (5, 1, answer("tie"))]
        bias = pairwise_summary(PAIRWISE, rows, items(5))["position_bias"]
        assert (bias["left_wins"], bias["right_wins"], bias["ties"]) == (3, 1, 1)
        assert bias["share_left_wins"] == pytest.approx(0.75)
        assert bias["ci"][0] < 0.75 < bias["ci"][1]

    def test_bradley_terry_ranks_the_model_that_wins_more_first(self):
        rows = [(i, u, answer("a" if (i + u) % 4 else "b")) for i in range(1, 9) for u in (1, 2)]
        out = pairwise_summary(PAIRWISE, rows, items(8))
        models = {m["name"]: m for m in out["bt_models"]}
        assert models["strong"]["rank"] == 1 and models["strong"]["score"] > models["weak"]["score"]
        assert models["strong"]["wins"] == sum(1 for *_, a in rows if a["choice"] == "a")
        assert len(out["bt_responses"]) == 16  # every response of every item

    def test_answers_that_do_not_fit_the_item_are_left_out(self):
        rows = [(1, 1, answer("a")), (2, 1, {"choice": "maybe"}), (99, 1, answer("b"))]
        assert pairwise_summary(PAIRWISE, rows, items(2))["comparisons"] == 1


def test_rubric_alpha_per_attribute_over_item_and_response_units():
    config = SimpleNamespace(per_response=True)
    rows = [(1, 1, {"r1": {"help": 4, "verb": 0}, "r2": {"help": 1, "verb": 4}}),
            (1, 2, {"r1": {"help": 4, "verb": 4}, "r2": {"help": 1, "verb": 0}}),
            (2, 1, {"r1": {"help": 2, "verb": 1}, "r2": {"help": 0, "verb": 3}}),
            (2, 2, {"r1": {"help": 2, "verb": 3}, "r2": {"help": 0, "verb": 1}})]
    out = rubric_summary(config, rows)
    assert out["help"]["alpha_interval"] == pytest.approx(1.0)
    assert out["verb"]["alpha_interval"] < 0
    assert out["help"]["units"] == 4 and out["help"]["ratings"] == 8
