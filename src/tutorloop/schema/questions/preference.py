"""Preference questions on a chat item's candidate responses: `pairwise` (which of two is better, and by how
much) and `ranking` (order all of them best to worst).

Both record `shown`, the order the responses were on the person's screen, so position bias can be measured
(`tutorloop.quality.preference_report`). Ids are checked against the responses of the item being answered.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, field_validator

from tutorloop.schema.questions.base import (
    NO_CONTEXT,
    AnswerContext,
    QuestionConfig,
    QuestionType,
    fail,
    plurality,
    register,
)

CHOICES = ("a", "b", "tie", "both_bad")
MAX_RATIONALE = 5000


def response_ids(config: QuestionConfig, ctx: AnswerContext) -> list[str] | None:
    """The ids of the item's responses in stored order, or None when the item data is not at hand."""
    responses = ctx.data.get(getattr(config, "field", None) or "") if ctx.data else None
    if not isinstance(responses, list):
        return None
    return [r.get("id") for r in responses if isinstance(r, dict)]


def _check_keys(value: Any, where: str, allowed: set[str], noun: str) -> dict:
    if not isinstance(value, dict):
        raise fail(where, f"expected {noun} object, got {type(value).__name__}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise fail(f"{where}.{unknown[0]}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
    return value


def _check_permutation(value: Any, where: str, ids: list[str] | None, size: int | None = None) -> list[str]:
    """A list naming each of `ids` once (any order); without `ids`, distinct non-empty strings."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise fail(where, "expected a list of response ids")
    for i, rid in enumerate(value):
        if ids is not None and rid not in ids:
            raise fail(f"{where}.{i}", f"{rid!r} is not one of this item's responses ({', '.join(ids)})")
        if rid in value[:i]:
            raise fail(f"{where}.{i}", f"{rid!r} is listed twice")
    wanted = len(ids) if ids is not None else size
    if wanted is not None and len(value) != wanted:
        missing = [r for r in ids if r not in value] if ids is not None else []
        detail = f" (missing {', '.join(missing)})" if missing else ""
        raise fail(where, f"expected all {wanted} responses, got {len(value)}{detail}")
    return list(value)


def kendall_agreement(first: Sequence[str], second: Sequence[str],
                      ties_a: Sequence[Sequence[str]] = (), ties_b: Sequence[Sequence[str]] = ()) -> float:
    """Kendall's tau of two orders over the ids both list, scaled to 0–1 ((τ + 1) / 2; 1 = same order).

    A pair tied in either answer counts as neither concordant nor discordant (τ-a over all pairs).
    """
    common = [x for x in first if x in set(second)]
    if len(common) < 2:
        return 1.0
    pos_a = {x: i for i, x in enumerate(first)}
    pos_b = {x: i for i, x in enumerate(second)}
    tied = {frozenset(p) for p in (*ties_a, *ties_b) if len(p) == 2}
    score, pairs = 0, 0
    for i, x in enumerate(common):
        for y in common[i + 1:]:
            pairs += 1
            if frozenset((x, y)) in tied:
                continue
            score += 1 if (pos_a[x] - pos_a[y]) * (pos_b[x] - pos_b[y]) > 0 else -1
    return (score / pairs + 1) / 2


# ---------------------------------------------------------------- pairwise


class PairwiseConfig(QuestionConfig):
    field: str | None = None
    pair: list[str] | None = Field(default=None, min_length=2, max_length=2)
    rationale: Literal["required", "optional", "off"] = "optional"
    allow_both_bad: bool = True
    strength: bool = True

    @field_validator("pair")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and value[0] == value[1]:
            raise ValueError("the pair must name two different responses")
        return value


def pair_ids(config: PairwiseConfig, ctx: AnswerContext, where: str) -> list[str] | None:
    """The two compared response ids (a, b) in stored order, or None when the item data is not at hand."""
    ids = response_ids(config, ctx)
    if ids is None:
        return list(config.pair) if config.pair else None
    if config.pair:
        for rid in config.pair:
            if rid not in ids:
                raise fail(where, f"this item has no response {rid!r} to compare (it has {', '.join(ids)})")
        return sorted(config.pair, key=ids.index)
    if len(ids) < 2:
        raise fail(where, "this item has fewer than two responses to compare")
    return ids[:2]


@register
class Pairwise(QuestionType):
    name = "pairwise"
    Config = PairwiseConfig
    component = "pairwise"
    field_types = ("responses",)
    structured = True

    def validate(self, config: PairwiseConfig, value: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> Any:
        value = _check_keys(value, where, {"choice", "strength", "rationale", "shown"}, "a pairwise")
        allowed = CHOICES if config.allow_both_bad else CHOICES[:3]
        choice = value.get("choice")
        if choice not in allowed:
            raise fail(f"{where}.choice", f"expected one of {', '.join(allowed)}, got {choice!r}")
        sign = {"a": -1, "b": 1}.get(choice, 0)
        strength = value.get("strength")
        if strength is None or not config.strength:
            strength = sign
        elif isinstance(strength, bool) or not isinstance(strength, int) or not -3 <= strength <= 3:
            raise fail(f"{where}.strength", "expected a whole number from -3 to 3")
        elif sign == 0 and strength != 0:
            raise fail(f"{where}.strength", f"must be 0 when the choice is {choice}")
        elif sign != 0 and strength * sign <= 0:
            better = "negative (a is better)" if sign < 0 else "positive (b is better)"
            raise fail(f"{where}.strength", f"must be {better} for choice {choice!r}")
        rationale = value.get("rationale") or ""
        if not isinstance(rationale, str):
            raise fail(f"{where}.rationale", "expected text")
        rationale = rationale.strip()
        if config.rationale == "off":
            rationale = ""
        elif config.rationale == "required" and not rationale:
            raise fail(f"{where}.rationale", "a rationale is required")
        if len(rationale) > MAX_RATIONALE:
            raise fail(f"{where}.rationale", f"at most {MAX_RATIONALE} characters")
        if "shown" not in value:
            raise fail(f"{where}.shown", "the order the two responses were shown in is required")
        shown = _check_permutation(value["shown"], f"{where}.shown", pair_ids(config, ctx, where), size=2)
        return {"choice": choice, "strength": strength, "rationale": rationale, "shown": shown}

    def consensus(self, config: PairwiseConfig, values: Sequence[Any]) -> Any:
        """The majority choice, with the median strength of the people who made it."""
        answers = [v for v in values if isinstance(v, dict) and v.get("choice") in CHOICES]
        choice = plurality([v["choice"] for v in answers])
        if choice is None:
            return None
        strengths = [v.get("strength", 0) for v in answers if v["choice"] == choice]
        return {"choice": choice, "strength": int(round(statistics.median(strengths)))}

    def agreement(self, config: PairwiseConfig, values: Sequence[Any], consensus: Any) -> float | None:
        if not consensus or not values:
            return None
        return sum(1 for v in values if _choice(v) == consensus["choice"]) / len(values)

    def pair_agreement(self, config: PairwiseConfig, a: Any, b: Any) -> float:
        """1 when both people made the same choice (tie and both_bad are classes of their own), else 0."""
        return float(_choice(a) is not None and _choice(a) == _choice(b))

    def gold_matches(self, config: PairwiseConfig, answer: Any, truth: Any) -> bool:
        return _choice(answer) is not None and _choice(answer) == _choice(truth)


def _choice(value: Any) -> str | None:
    return value.get("choice") if isinstance(value, dict) else None


# ---------------------------------------------------------------- ranking


class RankingConfig(QuestionConfig):
    field: str | None = None
    ties: bool = False
    none_acceptable: bool = True
    # How close (Kendall agreement, 0–1) an answer must be to a gold order to count as correct; 1 = exact.
    gold_agreement: float = Field(default=1.0, ge=0, le=1)


@register
class Ranking(QuestionType):
    name = "ranking"
    Config = RankingConfig
    component = "ranking"
    field_types = ("responses",)
    structured = True

    def validate(self, config: RankingConfig, value: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> Any:
        value = _check_keys(value, where, {"order", "ties", "none_acceptable", "shown"}, "a ranking")
        ids = response_ids(config, ctx)
        if "order" not in value:
            raise fail(f"{where}.order", "the order of the responses, best first, is required")
        order = _check_permutation(value["order"], f"{where}.order", ids)
        if not order:
            raise fail(f"{where}.order", "rank at least one response")
        if "shown" not in value:
            raise fail(f"{where}.shown", "the order the responses were shown in is required")
        shown = _check_permutation(value["shown"], f"{where}.shown", ids if ids is not None else order)
        none_acceptable = value.get("none_acceptable", False)
        if not isinstance(none_acceptable, bool):
            raise fail(f"{where}.none_acceptable", "expected true or false")
        if none_acceptable and not config.none_acceptable:
            raise fail(f"{where}.none_acceptable", "this question does not offer 'none is acceptable'")
        out: dict[str, Any] = {"order": order}
        ties = self._ties(config, value.get("ties") or [], order, f"{where}.ties")
        if ties:
            out["ties"] = ties
        out["none_acceptable"] = none_acceptable
        out["shown"] = shown
        return out

    @staticmethod
    def _ties(config: RankingConfig, ties: Any, order: list[str], where: str) -> list[list[str]]:
        if not isinstance(ties, list):
            raise fail(where, "expected a list of [id, id] pairs")
        if ties and not config.ties:
            raise fail(where, "this question does not allow ties")
        position = {rid: i for i, rid in enumerate(order)}
        out: list[list[str]] = []
        for i, pair in enumerate(ties):
            path = f"{where}.{i}"
            if not isinstance(pair, list) or len(pair) != 2 or not all(p in position for p in pair):
                raise fail(path, "expected two ids of ranked responses")
            first, second = sorted(pair, key=position.get)
            if position[second] - position[first] != 1:
                raise fail(path, f"{first!r} and {second!r} are not next to each other in the order")
            if [first, second] in out:
                raise fail(path, "this tie is listed twice")
            out.append([first, second])
        return sorted(out, key=lambda p: position[p[0]])

    def consensus(self, config: RankingConfig, values: Sequence[Any]) -> Any:
        """The Borda-count order of everyone's rankings; 'none acceptable' when more than half said so."""
        from tutorloop.quality.ranking import borda

        answers = [v for v in values if isinstance(v, dict) and isinstance(v.get("order"), list)]
        if not answers:
            return None
        seen: dict[str, int] = {}
        for answer in answers:
            for rid in answer["order"]:
                seen.setdefault(rid, len(seen))
        scores = borda([a["order"] for a in answers])["score"].to_dict()
        order = sorted(seen, key=lambda rid: (-scores.get(rid, 0.0), seen[rid]))
        none = sum(bool(a.get("none_acceptable")) for a in answers) * 2 > len(answers)
        return {"order": order, "none_acceptable": none}

    def agreement(self, config: RankingConfig, values: Sequence[Any], consensus: Any) -> float | None:
        if not consensus or not values:
            return None
        return sum(self.pair_agreement(config, v, consensus) for v in values) / len(values)

    def pair_agreement(self, config: RankingConfig, a: Any, b: Any) -> float:
        """Kendall's tau between the two orders scaled to 0–1 (ties count as neither agreeing nor not)."""
        if not (isinstance(a, dict) and isinstance(b, dict)):
            return 0.0
        return kendall_agreement(a.get("order") or [], b.get("order") or [], a.get("ties") or [], b.get("ties") or [])

    def gold_matches(self, config: RankingConfig, answer: Any, truth: Any) -> bool:
        if not (isinstance(answer, dict) and isinstance(truth, dict)):
            return False
        if bool(answer.get("none_acceptable")) != bool(truth.get("none_acceptable")):
            return False
        return self.pair_agreement(config, answer, truth) >= config.gold_agreement - 1e-9
