"""Free text answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from tutorloop.schema.questions.base import (
    NO_CONTEXT,
    AnswerContext,
    QuestionConfig,
    QuestionType,
    fail,
    plurality,
    register,
)


class FreeTextConfig(QuestionConfig):
    required: bool = False
    max_length: int = Field(default=5000, ge=1, le=200_000)
    min_length: int = Field(default=0, ge=0)
    multiline: bool = True


@register
class FreeText(QuestionType):
    name = "free_text"
    Config = FreeTextConfig
    component = "free-text"

    def validate(self, config: FreeTextConfig, value: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> Any:
        if not isinstance(value, str):
            raise fail(where, "expected text")
        if len(value) > config.max_length:
            raise fail(where, f"text is {len(value)} characters, the limit is {config.max_length}")
        if len(value.strip()) < config.min_length:
            raise fail(where, f"write at least {config.min_length} characters")
        return value

    def consensus(self, config: FreeTextConfig, values: Sequence[Any]) -> Any:
        """Identical answers (after trimming) if most people gave one; else none."""
        trimmed = [v.strip() for v in values if v.strip()]
        top = plurality(trimmed)
        return top if top is not None and trimmed.count(top) * 2 > len(trimmed) else None

    def gold_matches(self, config: FreeTextConfig, answer: Any, truth: Any) -> bool:
        return str(answer or "").strip() == str(truth or "").strip()
