"""The question-type registry: one entry per question type owns its config, validation and consensus."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from tutorloop.errors import Invalid


class QuestionConfig(BaseModel):
    """Settings every question has; each type extends it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
    type: str
    prompt: str = ""
    help: str = ""
    required: bool = True


@dataclass(frozen=True)
class AnswerContext:
    """What an answer is checked against besides its question: the item's data and its media facts.

    `media` maps a field name to what the server read from the file itself (never what a client said):
    images {"width", "height"}, videos {"width", "height", "frames", "fps", "duration"}. A field missing
    from `media` has not been probed; types then check what they can without it.
    """

    data: dict = field(default_factory=dict)
    media: dict = field(default_factory=dict)


NO_CONTEXT = AnswerContext()


class QuestionType:
    """One registry entry. Subclasses set `name`, `Config` and `component` and implement the hooks."""

    name: ClassVar[str]
    Config: ClassVar[type[QuestionConfig]]
    component: ClassVar[str]
    # The field types a question of this type annotates through its `field` setting (empty: none).
    field_types: ClassVar[tuple[str, ...]] = ()
    # Answers are structured objects (spans, shapes, tracks): agreement is measured pair by pair.
    structured: ClassVar[bool] = False

    def validate(self, config: QuestionConfig, value: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> Any:
        """Return the normalised answer or raise Invalid naming `where` and the problem."""
        raise NotImplementedError

    def consensus(self, config: QuestionConfig, values: Sequence[Any]) -> Any:
        """The agreed answer of several people's answers (None when there is none)."""
        raise NotImplementedError

    def agreement(self, config: QuestionConfig, values: Sequence[Any], consensus: Any) -> float | None:
        """How far the answers support the consensus, 0–1 (the share that equals it, by default)."""
        if consensus is None or not values:
            return None
        return sum(1 for v in values if v == consensus) / len(values)

    def pair_agreement(self, config: QuestionConfig, a: Any, b: Any) -> float:
        """Agreement of two people's answers to one item, 0–1 (structured types: matched F1, IoU…)."""
        return float(a == b)

    def gold_matches(self, config: QuestionConfig, answer: Any, truth: Any) -> bool:
        """Whether an answer counts as correct against a gold answer."""
        return answer == truth

    def export_value(self, config: QuestionConfig, value: Any) -> str:
        """The answer flattened into one CSV cell (structured answers as compact JSON)."""
        if value is None:
            return ""
        if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value)):
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        if isinstance(value, list):
            return "|".join(str(v) for v in value)
        return str(value)


REGISTRY: dict[str, QuestionType] = {}


def register(question_type: type[QuestionType]) -> type[QuestionType]:
    """Class decorator adding a question type to the registry."""
    REGISTRY[question_type.name] = question_type()
    return question_type


def get_type(name: str, where: str) -> QuestionType:
    """The registry entry for a type name, or Invalid listing the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise Invalid(f"unknown question type {name!r} (known: {known})", where=where) from None


def fail(where: str, message: str) -> Invalid:
    """An Invalid error for an answer, phrased `<where>: <message>`."""
    return Invalid(f"{where}: {message}", where=where)


def plurality(values: Sequence[Any]) -> Any:
    """The most frequent value; ties go to the value seen first (deterministic)."""
    counts: dict[Any, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda v: counts[v])
