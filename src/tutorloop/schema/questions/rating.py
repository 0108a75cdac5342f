"""Rating on a configurable integer scale (Likert and similar)."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median_low
from typing import Any

from pydantic import Field, model_validator

from tutorloop.schema.questions.base import NO_CONTEXT, AnswerContext, QuestionConfig, QuestionType, fail, register


class RatingConfig(QuestionConfig):
    min: int = 1
    max: int = 5
    labels: dict[str, str] = Field(default_factory=dict)  # optional words for some scale points

    @model_validator(mode="after")
    def _check(self) -> RatingConfig:
        if self.max <= self.min:
            raise ValueError("max must be greater than min")
        if self.max - self.min > 100:
            raise ValueError("a scale may have at most 101 points")
        for key in self.labels:
            if not key.lstrip("-").isdigit() or not self.min <= int(key) <= self.max:
                raise ValueError(f"label key {key!r} is not a point of the scale")
        return self


@register
class Rating(QuestionType):
    name = "rating"
    Config = RatingConfig
    component = "rating"

    def validate(self, config: RatingConfig, value: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail(where, f"expected a whole number from {config.min} to {config.max}")
        if not config.min <= value <= config.max:
            raise fail(where, f"{value} is outside the scale {config.min}–{config.max}")
        return value

    def consensus(self, config: RatingConfig, values: Sequence[Any]) -> Any:
        """The (lower) median: robust to one outlier, and always a point of the scale."""
        return median_low(values) if values else None
