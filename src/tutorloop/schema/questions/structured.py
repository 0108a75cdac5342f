"""What span, shape and video questions share: their label lists, per-object attributes and object ids.

Attributes are extra facts about one object (a span, a box, a track): `{"name", "type", "options",
"required", "labels"}` with type choice, boolean, text or number; `labels` limits an attribute to objects of
those labels. Objects in an answer carry a string `id`, unique within the answer, so relations and review
comments can point at them.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tutorloop.schema.questions.base import QuestionConfig, fail
from tutorloop.schema.questions.choices import ChoiceConfig

ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"


class AttributeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
    type: Literal["choice", "boolean", "text", "number"] = "choice"
    text: str = ""
    options: list[str] = Field(default_factory=list, max_length=200)
    required: bool = False
    labels: list[str] = Field(default_factory=list)  # empty: applies to objects of every label

    @model_validator(mode="after")
    def _check(self) -> AttributeSpec:
        if self.type == "choice" and not self.options:
            raise ValueError(f"attribute {self.name!r} of type choice needs options")
        if self.type != "choice" and self.options:
            raise ValueError(f"attribute {self.name!r}: options are only for type choice")
        if len(set(self.options)) != len(self.options):
            raise ValueError(f"attribute {self.name!r}: options must be unique")
        self.text = self.text or self.name
        return self


class ObjectQuestionConfig(ChoiceConfig):
    """A question whose answer is a list of labelled objects drawn on one field."""

    field: str | None = None
    attributes: list[AttributeSpec] = Field(default_factory=list, max_length=50)
    min: int = Field(default=0, ge=0)
    max: int | None = Field(default=None, ge=1, le=100_000)

    @model_validator(mode="after")
    def _check_attributes(self) -> ObjectQuestionConfig:
        names = [a.name for a in self.attributes]
        if len(set(names)) != len(names):
            raise ValueError("attribute names must be unique")
        known = {label.value for label in self.labels}
        for attribute in self.attributes:
            unknown = [v for v in attribute.labels if v not in known]
            if unknown:
                raise ValueError(f"attribute {attribute.name!r} names unknown label {unknown[0]!r}")
        return self


def check_attributes(config: ObjectQuestionConfig, label: str, value: Any, where: str) -> dict:
    """Validate one object's attributes against the question's attribute specs; returns them normalised."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise fail(where, "attributes must be an object mapping attribute names to values")
    specs = {a.name: a for a in config.attributes if not a.labels or label in a.labels}
    unknown = sorted(set(value) - set(specs))
    if unknown:
        raise fail(f"{where}.{unknown[0]}", f"no attribute {unknown[0]!r} for label {label!r}")
    out = {}
    for name, spec in specs.items():
        path = f"{where}.{name}"
        given = value.get(name)
        if given is None or given == "":
            if spec.required:
                raise fail(path, "this attribute is required")
            continue
        if spec.type == "choice" and given not in spec.options:
            raise fail(path, f"{given!r} is not one of {', '.join(spec.options)}")
        if spec.type == "boolean" and not isinstance(given, bool):
            raise fail(path, "expected true or false")
        if spec.type == "text" and (not isinstance(given, str) or len(given) > 2000):
            raise fail(path, "expected text of at most 2000 characters")
        if spec.type == "number" and (isinstance(given, bool) or not isinstance(given, (int, float))):
            raise fail(path, "expected a number")
        out[name] = given
    return out


def check_objects(config: ObjectQuestionConfig, value: Any, where: str, noun: str) -> list[dict]:
    """The common checks of an object list: a list of objects, count limits, unique ids, known labels.

    Returns the list; each object is then checked by its type. Objects without an id get one ("1", "2"…).
    """
    if not isinstance(value, list):
        raise fail(where, f"expected a list of {noun}")
    if len(value) < config.min:
        raise fail(where, f"draw at least {config.min} {noun}")
    if config.max is not None and len(value) > config.max:
        raise fail(where, f"at most {config.max} {noun} are allowed, got {len(value)}")
    seen: set[str] = set()
    labels = config.values
    out = []
    for i, obj in enumerate(value):
        path = f"{where}.{i}"
        if not isinstance(obj, dict):
            raise fail(path, "expected an object")
        obj = dict(obj)
        obj_id = obj.get("id")
        if obj_id is None:
            obj_id = str(i + 1)
            while obj_id in seen:
                obj_id += "_"
        if not isinstance(obj_id, str) or not _valid_id(obj_id):
            raise fail(f"{path}.id", "an id is 1–64 letters, digits or _ . : -")
        if obj_id in seen:
            raise fail(f"{path}.id", f"id {obj_id!r} is used twice")
        seen.add(obj_id)
        obj["id"] = obj_id
        label = obj.get("label")
        if not isinstance(label, str) or label not in labels:
            raise fail(f"{path}.label", f"{label!r} is not one of the labels ({', '.join(sorted(labels))})")
        obj["attributes"] = check_attributes(config, label, obj.get("attributes"), f"{path}.attributes")
        out.append(obj)
    return out


def _valid_id(value: str) -> bool:
    return re.fullmatch(ID_PATTERN, value) is not None


def number(value: Any, where: str, *, low: float | None = None, high: float | None = None) -> float:
    """A finite number within [low, high] (when given), or Invalid naming `where`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise fail(where, "expected a number")
    if low is not None and value < low:
        raise fail(where, f"{value} is below {low:g}")
    if high is not None and value > high:
        raise fail(where, f"{value} is beyond {high:g}")
    return float(value) if isinstance(value, float) else value


__all__ = ["AttributeSpec", "ObjectQuestionConfig", "QuestionConfig", "check_attributes", "check_objects",
           "number"]
