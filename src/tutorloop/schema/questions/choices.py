"""Single-label and multi-label questions: pick one, or several, of a list of labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tutorloop.schema.questions.base import (
    NO_CONTEXT,
    AnswerContext,
    QuestionConfig,
    QuestionType,
    fail,
    plurality,
    register,
)

HOTKEYS = "123456789abcdefghijklmnopqrstuvwxyz"
# Keys the annotation screen keeps for itself: S skips, B goes back, G shows the guidelines.
RESERVED = {"s": "skip", "b": "back", "g": "guidelines"}


class Label(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(min_length=1, max_length=200)
    text: str = ""
    hotkey: str = ""


class ChoiceConfig(QuestionConfig):
    labels: list[Label] = Field(min_length=1, max_length=200)

    @field_validator("labels", mode="before")
    @classmethod
    def _labels_from_strings(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"value": v} if isinstance(v, str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _normalise(self) -> ChoiceConfig:
        values = [label.value for label in self.labels]
        if len(set(values)) != len(values):
            raise ValueError("label values must be unique")
        explicit = [label.hotkey.lower() for label in self.labels if label.hotkey]
        for key in explicit:
            if len(key) != 1 or key in RESERVED:
                raise ValueError(f"hotkey {key!r} must be one character other than "
                                 + ", ".join(f"'{k}' ({v})" for k, v in RESERVED.items()))
            if explicit.count(key) > 1:
                raise ValueError(f"hotkey {key!r} is used by more than one label")
        free = iter(k for k in HOTKEYS if k not in explicit and k not in RESERVED)
        for label in self.labels:
            label.text = label.text or label.value
            label.hotkey = label.hotkey.lower() if label.hotkey else next(free, "")
        return self

    @property
    def values(self) -> set[str]:
        return {label.value for label in self.labels}


class SingleLabelConfig(ChoiceConfig):
    pass


class MultiLabelConfig(ChoiceConfig):
    min: int = Field(default=0, ge=0)
    max: int | None = Field(default=None, ge=1)


@register
class SingleLabel(QuestionType):
    name = "single_label"
    Config = SingleLabelConfig
    component = "single-label"

    def validate(self, config: SingleLabelConfig, value: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> Any:
        if not isinstance(value, str):
            raise fail(where, f"expected one label as a string, got {type(value).__name__}")
        if value not in config.values:
            raise fail(where, f"{value!r} is not one of the labels ({', '.join(sorted(config.values))})")
        return value

    def consensus(self, config: SingleLabelConfig, values: Sequence[Any]) -> Any:
        return plurality(values)


@register
class MultiLabel(QuestionType):
    name = "multi_label"
    Config = MultiLabelConfig
    component = "multi-label"

    def validate(self, config: MultiLabelConfig, value: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> Any:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(where, "expected a list of labels")
        unknown = [v for v in value if v not in config.values]
        if unknown:
            raise fail(where, f"{unknown[0]!r} is not one of the labels")
        chosen = sorted(set(value), key=[lbl.value for lbl in config.labels].index)
        if len(chosen) < config.min:
            raise fail(where, f"choose at least {config.min} labels")
        if config.max is not None and len(chosen) > config.max:
            raise fail(where, f"choose at most {config.max} labels")
        return chosen

    def consensus(self, config: MultiLabelConfig, values: Sequence[Any]) -> Any:
        """Each label chosen by more than half of the people."""
        if not values:
            return None
        order = [label.value for label in config.labels]
        counts = {v: sum(v in answer for answer in values) for v in order}
        return [v for v in order if counts[v] * 2 > len(values)]

    def gold_matches(self, config: MultiLabelConfig, answer: Any, truth: Any) -> bool:
        return set(answer or []) == set(truth or [])
