"""The labelling schema: what each item shows (fields) and what people answer (questions).

A schema is written in YAML or JSON (see docs/schema.md). `parse_spec` validates it and returns the
normalised form stored on the project; `validate_item_data` and `validate_answers` check items and
answers against it, raising `Invalid` with the path of the first problem.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tutorloop.errors import Invalid
from tutorloop.schema.questions import NO_CONTEXT, AnswerContext, QuestionConfig, get_type

MAX_SPEC_CHARS = 1_000_000


class FieldSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
    type: Literal["text", "image", "video", "chat", "responses"]
    label: str = ""
    format: Literal["plain", "markdown"] = "plain"
    required: bool = True


class ProjectSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    guidelines: str = ""
    fields: list[FieldSpec] = Field(min_length=1)
    questions: list[dict[str, Any]] = Field(min_length=1)
    overlap: int = Field(default=1, ge=1, le=100)
    lease_seconds: int = Field(default=900, ge=30, le=7 * 24 * 3600)


def _pydantic_where(prefix: str, error: dict) -> str:
    return ".".join([prefix, *(str(p) for p in error["loc"])]).strip(".")


def _invalid_from(exc: ValidationError, prefix: str) -> Invalid:
    first = exc.errors()[0]
    where = _pydantic_where(prefix, first)
    message = first["msg"].removeprefix("Value error, ")
    return Invalid(f"{where}: {message}", where=where)


def load_spec_text(text: str) -> dict:
    """Parse a YAML or JSON schema document into a dict."""
    if len(text) > MAX_SPEC_CHARS:
        raise Invalid("schema is too large", where="spec")
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark else (f" at line {exc.lineno}" if hasattr(exc, "lineno") else "")
        raise Invalid(f"the schema is not valid YAML or JSON{line}: {exc}", where="spec") from exc
    if not isinstance(data, dict):
        raise Invalid("the schema must be a mapping with name, fields and questions", where="spec")
    return data


def parse_question(raw: Any, where: str) -> QuestionConfig:
    """Validate one question's settings through its registry entry."""
    if not isinstance(raw, dict):
        raise Invalid(f"{where}: a question must be a mapping", where=where)
    qtype = get_type(str(raw.get("type", "")), f"{where}.type")
    try:
        return qtype.Config.model_validate(raw)
    except ValidationError as exc:
        raise _invalid_from(exc, where) from exc


def parse_spec(raw: dict) -> dict:
    """Validate a schema and return its normalised JSON form."""
    try:
        spec = ProjectSpec.model_validate(raw)
    except ValidationError as exc:
        raise _invalid_from(exc, "spec") from exc
    questions = [parse_question(q, f"spec.questions.{i}") for i, q in enumerate(spec.questions)]
    for kind, names in (("field", [f.name for f in spec.fields]), ("question", [q.name for q in questions])):
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise Invalid(f"duplicate {kind} name {sorted(dupes)[0]!r}", where=f"spec.{kind}s")
    field_types = {f.name: f.type for f in spec.fields}
    for i, question in enumerate(questions):
        wanted = get_type(question.type, "spec").field_types
        if not wanted:
            continue
        target = getattr(question, "field", None)
        where = f"spec.questions.{i}.field"
        if target is None:
            candidates = [name for name, ftype in field_types.items() if ftype in wanted]
            preferred = [name for name in candidates if field_types[name] == wanted[0]]
            if len(preferred) == 1:
                candidates = preferred  # a type listing several field types prefers the first (rubric: responses)
            if len(candidates) != 1:
                raise Invalid(f"{where}: name the {' or '.join(wanted)} field this question annotates", where=where)
            question.field = candidates[0]
        elif field_types.get(target) not in wanted:
            raise Invalid(f"{where}: {target!r} is not a {' or '.join(wanted)} field of this schema", where=where)
        if hasattr(question, "responses_field"):
            found = [n for n, ft in field_types.items() if ft == "responses"]
            where = f"spec.questions.{i}.responses_field"
            if question.responses_field is None and len(found) == 1:
                question.responses_field = found[0]
            elif question.responses_field is not None and question.responses_field not in found:
                raise Invalid(f"{where}: {question.responses_field!r} is not a responses field of this schema",
                              where=where)
    out = spec.model_dump()
    out["questions"] = [q.model_dump() for q in questions]
    return out


def question_configs(spec: dict) -> list[QuestionConfig]:
    """The typed question configs of a stored (already normalised) schema."""
    return [get_type(q["type"], "spec").Config.model_validate(q) for q in spec["questions"]]


def _check_chat(value: Any, where: str) -> None:
    if not isinstance(value, list) or not value:
        raise Invalid(f"{where}: a chat must be a non-empty list of messages", where=where)
    for i, message in enumerate(value):
        if not isinstance(message, dict) or not isinstance(message.get("content"), str):
            raise Invalid(f"{where}.{i}: a message needs a text 'content'", where=f"{where}.{i}")
        if message.get("role") not in ("system", "user", "assistant", "tool"):
            raise Invalid(f"{where}.{i}: role must be system, user, assistant or tool",
                          where=f"{where}.{i}.role")


MAX_RESPONSES = 10
# Types for which an empty list is a real answer (no labels apply, nothing flagged, no errors found).
EMPTY_LIST_ANSWERS = ("multi_label", "flags", "error_spans")


def _check_responses(value: Any, where: str) -> None:
    """Candidate responses to the last turn of a chat: 1–10 of {"id", "model", "content"}, unique ids."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_RESPONSES:
        raise Invalid(f"{where}: responses must be a list of 1 to {MAX_RESPONSES} candidate responses", where=where)
    seen = set()
    for i, response in enumerate(value):
        path = f"{where}.{i}"
        if not isinstance(response, dict) or not isinstance(response.get("content"), str):
            raise Invalid(f"{path}: a response needs a text 'content'", where=path)
        rid = response.get("id")
        if not isinstance(rid, str) or not rid or len(rid) > 64:
            raise Invalid(f"{path}.id: a response needs an 'id' (a string of 1–64 characters)", where=f"{path}.id")
        if rid in seen:
            raise Invalid(f"{path}.id: id {rid!r} is used twice", where=f"{path}.id")
        seen.add(rid)
        if not isinstance(response.get("model", ""), str):
            raise Invalid(f"{path}.model: the model name must be a string", where=f"{path}.model")


def validate_item_data(spec: dict, data: dict, where: str) -> None:
    """Check that an item has every required field in the right shape."""
    for field in spec["fields"]:
        name, path = field["name"], f"{where}.{field['name']}"
        value = data.get(name)
        if value is None or value == "":
            if field.get("required", True):
                raise Invalid(f"{path}: missing required field {name!r}", where=path)
            continue
        if field["type"] in ("text", "image", "video") and not isinstance(value, str):
            raise Invalid(f"{path}: expected a string", where=path)
        if field["type"] == "chat":
            _check_chat(value, path)
        if field["type"] == "responses":
            _check_responses(value, path)


def validate_answers(spec: dict, answers: Any, ctx: AnswerContext = NO_CONTEXT) -> dict:
    """Validate a person's answers against every question; returns the normalised answers.

    `ctx` carries the item's data and media facts, which span, shape and video answers are checked against.
    """
    if not isinstance(answers, dict):
        raise Invalid("answers must be an object mapping question names to answers", where="answers")
    configs = {c.name: c for c in question_configs(spec)}
    unknown = sorted(set(answers) - set(configs))
    if unknown:
        raise Invalid(f"answers.{unknown[0]}: no such question in this project", where=f"answers.{unknown[0]}")
    clean: dict[str, Any] = {}
    for name, config in configs.items():
        where = f"answers.{name}"
        value = answers.get(name)
        empty_list = value == [] and config.required and config.type not in EMPTY_LIST_ANSWERS
        if value is None or value == "" or empty_list:
            if config.required:
                raise Invalid(f"{where}: this question is required", where=where)
            continue
        clean[name] = get_type(config.type, where).validate(config, value, where, ctx)
    return clean


def _answer_subset(spec: dict, answers: Any, where: str, what: str):
    """(name, config, path, value) of each answer in a mapping that may answer any subset of the questions."""
    if not isinstance(answers, dict) or not answers:
        raise Invalid(f"{where}: {what} must be an object mapping question names to answers", where=where)
    configs = {c.name: c for c in question_configs(spec)}
    for name, value in answers.items():
        path = f"{where}.{name}"
        if name not in configs:
            raise Invalid(f"{path}: no such question in this project", where=path)
        yield name, configs[name], path, value


def validate_gold(spec: dict, gold: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> dict:
    """Validate known answers for a gold item: any subset of the questions, each valid for its type."""
    return {name: get_type(config.type, path).validate(config, value, path, ctx)
            for name, config, path, value in _answer_subset(spec, gold, where, "gold")}


def validate_predictions(spec: dict, predictions: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> dict:
    """Validate a model's pre-annotations of an item: like gold, any subset of the questions.

    A value may carry a model score as {"value": answer, "score": 0.93}; the stored form always has both
    keys (score None when not given). Annotators see them as suggestions to accept or edit.
    """
    clean = {}
    for name, config, path, value in _answer_subset(spec, predictions, where, "predictions"):
        score = None
        if isinstance(value, dict) and set(value) <= {"value", "score"} and "value" in value:
            score = value.get("score")
            if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))
                                      or not 0 <= score <= 1):
                raise Invalid(f"{path}.score: a score must be a number from 0 to 1", where=f"{path}.score")
            value = value["value"]
        clean[name] = {"value": get_type(config.type, path).validate(config, value, path, ctx), "score": score}
    return clean
