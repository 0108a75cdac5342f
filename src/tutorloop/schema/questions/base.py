"""The question-type registry: one entry per question type owns its config, validation and consensus."""

from __future__ import annotations

from collections.abc import Sequence
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


class QuestionType:
    """One registry entry. Subclasses set `name`, `Config` and `component` and implement the hooks."""

    name: ClassVar[str]
    Config: ClassVar[type[QuestionConfig]]
    component: ClassVar[str]

    def validate(self, config: QuestionConfig, value: Any, where: str) -> Any:
        """Return the normalised answer or raise Invalid naming `where` and the problem."""
        raise NotImplementedError

    def consensus(self, config: QuestionConfig, values: Sequence[Any]) -> Any:
        """The agreed answer of several people's answers (None when there is none)."""
        raise NotImplementedError

    def export_value(self, config: QuestionConfig, value: Any) -> str:
        """The answer flattened into one CSV cell."""
        if value is None:
            return ""
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
