"""Chat tutoring questions that judge a conversation: `rubric` (scores per attribute, per response),
`flags` (problems marked on messages and responses) and `write` (a prompt, a response or the next turns).

Every answer is checked against the item being answered (`ctx.data`): response ids must be ids of this
item's responses, message indexes must exist in this item's chat.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from statistics import median_low
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tutorloop.schema.questions.base import (
    NO_CONTEXT,
    AnswerContext,
    QuestionConfig,
    QuestionType,
    fail,
    register,
)

MAX_NOTE = 2000
NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"


def _responses(ctx: AnswerContext, field: str | None) -> list[dict] | None:
    """The item's candidate responses in stored order, or None when the field is not a list of responses."""
    value = ctx.data.get(field) if field and ctx.data else None
    if not isinstance(value, list) or not all(isinstance(r, dict) and "id" in r and "role" not in r for r in value):
        return None
    return value


def _chat(ctx: AnswerContext, field: str | None) -> list[dict] | None:
    value = ctx.data.get(field) if field and ctx.data else None
    return value if isinstance(value, list) and all(isinstance(m, dict) and "role" in m for m in value) else None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# ---------------------------------------------------------------------------------------------- rubric


class RubricAttribute(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME)
    text: str = ""
    guideline: str = ""
    min: int = Field(default=0, ge=0, le=8)
    max: int = Field(default=4, ge=1, le=9)
    labels: dict[str, str] = Field(default_factory=dict)  # words for some points of the scale
    required: bool = True

    @model_validator(mode="after")
    def _check(self) -> RubricAttribute:
        if self.max <= self.min:
            raise ValueError(f"attribute {self.name!r}: max must be greater than min")
        for key in self.labels:
            if not key.isdigit() or not self.min <= int(key) <= self.max:
                raise ValueError(f"attribute {self.name!r}: label key {key!r} is not a point of its scale")
        self.text = self.text or self.name
        return self


class RubricConfig(QuestionConfig):
    attributes: list[RubricAttribute] = Field(min_length=1, max_length=20)
    per_response: bool = True
    field: str | None = None
    # a gold answer counts as matched when every gold score is within this distance
    gold_tolerance: int = Field(default=0, ge=0, le=9)

    @model_validator(mode="after")
    def _unique(self) -> RubricConfig:
        names = [a.name for a in self.attributes]
        if len(set(names)) != len(names):
            raise ValueError("attribute names must be unique")
        return self


def _cells(config: RubricConfig, value: Any) -> dict[tuple[str, str], int]:
    """(response id or "", attribute) → score of an answer (a stored one, or anything: bad parts are skipped)."""
    out: dict[tuple[str, str], int] = {}
    if not isinstance(value, dict):
        return out
    groups = value.items() if config.per_response else [("", value)]
    for rid, scores in groups:
        if isinstance(scores, dict):
            out.update({(rid, name): score for name, score in scores.items() if _whole(score)})
    return out


def _from_cells(config: RubricConfig, cells: dict[tuple[str, str], int], ids: list[str]) -> dict:
    order = [a.name for a in config.attributes]
    if not config.per_response:
        return {name: cells[("", name)] for name in order if ("", name) in cells}
    return {rid: {name: cells[(rid, name)] for name in order if (rid, name) in cells} for rid in ids}


@register
class Rubric(QuestionType):
    name = "rubric"
    Config = RubricConfig
    component = "rubric"
    field_types = ("responses", "chat")
    structured = True

    def _scores(self, config: RubricConfig, value: Any, where: str) -> dict:
        if not isinstance(value, dict):
            raise fail(where, "expected an object mapping attribute names to scores")
        specs = {a.name: a for a in config.attributes}
        unknown = sorted(set(value) - set(specs))
        if unknown:
            raise fail(f"{where}.{unknown[0]}", f"no attribute {unknown[0]!r} in this rubric")
        out = {}
        for attribute in config.attributes:
            path, score = f"{where}.{attribute.name}", value.get(attribute.name)
            if score is None:
                if attribute.required:
                    raise fail(path, "this attribute needs a score")
                continue
            if not _whole(score):
                raise fail(path, f"expected a whole number from {attribute.min} to {attribute.max}")
            if not attribute.min <= score <= attribute.max:
                raise fail(path, f"{score} is outside the scale {attribute.min}–{attribute.max}")
            out[attribute.name] = score
        return out

    def validate(self, config: RubricConfig, value: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> Any:
        if not config.per_response:
            return self._scores(config, value, where)
        responses = _responses(ctx, config.field)
        if responses is None:
            raise fail(where, f"this item has no responses in {config.field!r} to score")
        if not isinstance(value, dict):
            raise fail(where, "expected an object mapping response ids to their scores")
        ids = [r["id"] for r in responses]
        unknown = [rid for rid in value if rid not in ids]
        if unknown:
            raise fail(f"{where}.{unknown[0]}", f"{unknown[0]!r} is not one of this item's responses ({', '.join(ids)})")
        out = {}
        for rid in ids:
            if rid not in value:
                raise fail(f"{where}.{rid}", "this response has no scores")
            out[rid] = self._scores(config, value[rid], f"{where}.{rid}")
        return out

    def consensus(self, config: RubricConfig, values: Sequence[Any]) -> Any:
        """Per attribute (per response) the lower median of the scores given: a point of the scale."""
        answers = [_cells(config, v) for v in values if v is not None]
        if not answers:
            return None
        given: dict[tuple[str, str], list[int]] = {}
        for cells in answers:
            for key, score in cells.items():
                given.setdefault(key, []).append(score)
        ids = list(dict.fromkeys(rid for cells in answers for rid, _ in cells))
        return _from_cells(config, {key: median_low(scores) for key, scores in given.items()}, ids)

    def agreement(self, config: RubricConfig, values: Sequence[Any], consensus: Any) -> float | None:
        """The mean agreement of each answer with the consensus (see pair_agreement)."""
        if consensus is None or not values:
            return None
        return sum(self.pair_agreement(config, v, consensus) for v in values) / len(values)

    def pair_agreement(self, config: RubricConfig, a: Any, b: Any) -> float:
        """Mean over the cells scored by either of 1 − |a − b| / (max − min); a cell only one scored counts 0."""
        ca, cb = _cells(config, a), _cells(config, b)
        spans = {attr.name: attr.max - attr.min for attr in config.attributes}
        keys = [k for k in dict.fromkeys([*ca, *cb]) if k[1] in spans]
        if not keys:
            return 1.0
        total = sum(1 - abs(ca[k] - cb[k]) / spans[k[1]] if k in ca and k in cb else 0.0 for k in keys)
        return total / len(keys)

    def gold_matches(self, config: RubricConfig, answer: Any, truth: Any) -> bool:
        """Every score of the gold answer is given, within `gold_tolerance` of it."""
        given, gold = _cells(config, answer), _cells(config, truth)
        return bool(gold) and all(k in given and abs(given[k] - s) <= config.gold_tolerance for k, s in gold.items())


# ----------------------------------------------------------------------------------------------- flags


class Flag(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(pattern=NAME)
    text: str = ""


DEFAULT_FLAGS = [Flag(value="spam", text="Spam"), Flag(value="pii", text="Personal data"),
                 Flag(value="unsafe", text="Unsafe"), Flag(value="language_mismatch", text="Wrong language")]
TARGET = re.compile(r"^(message):(0|[1-9][0-9]{0,5})$|^(response):(.{1,64})$", re.DOTALL)


class FlagsConfig(QuestionConfig):
    required: bool = False
    flags: list[Flag] = Field(default_factory=lambda: [f.model_copy() for f in DEFAULT_FLAGS],
                              min_length=1, max_length=30)
    targets: Literal["messages", "responses", "both"] = "both"
    field: str | None = None
    responses_field: str | None = None

    @model_validator(mode="after")
    def _check(self) -> FlagsConfig:
        values = [f.value for f in self.flags]
        if len(set(values)) != len(values):
            raise ValueError("flag values must be unique")
        for flag in self.flags:
            flag.text = flag.text or flag.value
        return self


def _flag_keys(value: Any) -> set[tuple[str, str]]:
    if not isinstance(value, list):
        return set()
    return {(f.get("target"), f.get("flag")) for f in value if isinstance(f, dict)}


def _jaccard(a: set, b: set) -> float:
    return 1.0 if not a and not b else len(a & b) / len(a | b)


@register
class Flags(QuestionType):
    name = "flags"
    Config = FlagsConfig
    component = "flags"
    field_types = ("chat",)
    structured = True

    def _responses_of(self, config: FlagsConfig, ctx: AnswerContext) -> list[dict] | None:
        if config.responses_field:
            return _responses(ctx, config.responses_field)
        # not named: the item's one field that holds candidate responses, if there is exactly one
        found = [r for name in (ctx.data or {}) if (r := _responses(ctx, name)) is not None and r]
        return found[0] if len(found) == 1 else None

    def validate(self, config: FlagsConfig, value: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> Any:
        if not isinstance(value, list):
            raise fail(where, "expected a list of flags")
        chat = _chat(ctx, config.field) or []
        responses = self._responses_of(config, ctx) or []
        ids = [r["id"] for r in responses]
        order = {f.value: i for i, f in enumerate(config.flags)}
        seen: set[tuple[str, str]] = set()
        out = []
        for i, entry in enumerate(value):
            path = f"{where}.{i}"
            if not isinstance(entry, dict):
                raise fail(path, "expected an object with target and flag")
            unknown = sorted(set(entry) - {"target", "flag", "note"})
            if unknown:
                raise fail(f"{path}.{unknown[0]}", "unknown key (allowed: flag, note, target)")
            target, flag = entry.get("target"), entry.get("flag")
            match = TARGET.match(target) if isinstance(target, str) else None
            if match is None:
                raise fail(f"{path}.target", "expected 'message:<index>' or 'response:<id>'")
            kind = match[1] or match[3]
            if config.targets != "both" and kind + "s" != config.targets:
                raise fail(f"{path}.target", f"this question flags {config.targets} only")
            if kind == "message" and int(match[2]) >= len(chat):
                raise fail(f"{path}.target", f"the chat has {len(chat)} messages; there is no message {match[2]}")
            if kind == "response" and match[4] not in ids:
                raise fail(f"{path}.target", f"{match[4]!r} is not one of this item's responses"
                           + (f" ({', '.join(ids)})" if ids else ""))
            if flag not in order:
                raise fail(f"{path}.flag", f"{flag!r} is not one of the flags ({', '.join(order)})")
            if (target, flag) in seen:
                raise fail(path, f"{target} is flagged {flag!r} twice")
            seen.add((target, flag))
            clean = {"target": target, "flag": flag}
            note = entry.get("note")
            if note is not None and not isinstance(note, str):
                raise fail(f"{path}.note", "expected text")
            if note and len(note) > MAX_NOTE:
                raise fail(f"{path}.note", f"a note is at most {MAX_NOTE} characters")
            if note and note.strip():
                clean["note"] = note
            out.append(clean)
        return sorted(out, key=lambda f: self._position(f, ids, order))

    @staticmethod
    def _position(flag: dict, ids: list[str], order: dict[str, int]) -> tuple:
        kind, _, rest = flag["target"].partition(":")
        place = int(rest) if kind == "message" else ids.index(rest) if rest in ids else len(ids)
        return (kind != "message", place, order.get(flag["flag"], len(order)))

    def consensus(self, config: FlagsConfig, values: Sequence[Any]) -> Any:
        """The (target, flag) pairs more than half of the people gave; notes are not merged."""
        answers = [v for v in values if v is not None]
        if not answers:
            return None
        counts: dict[tuple[str, str], int] = {}
        for answer in answers:
            for key in _flag_keys(answer):
                counts[key] = counts.get(key, 0) + 1
        order = {f.value: i for i, f in enumerate(config.flags)}
        kept = [{"target": t, "flag": f} for (t, f), n in counts.items() if n * 2 > len(answers)]
        return sorted(kept, key=lambda f: (not f["target"].startswith("message:"),
                                           _target_rank(f["target"]), order.get(f["flag"], len(order))))

    def agreement(self, config: FlagsConfig, values: Sequence[Any], consensus: Any) -> float | None:
        """The mean Jaccard similarity of each answer's (target, flag) pairs with the consensus."""
        if consensus is None or not values:
            return None
        return sum(self.pair_agreement(config, v, consensus) for v in values) / len(values)

    def pair_agreement(self, config: FlagsConfig, a: Any, b: Any) -> float:
        """Jaccard similarity of the (target, flag) pairs; two empty answers agree fully."""
        return _jaccard(_flag_keys(a), _flag_keys(b))

    def gold_matches(self, config: FlagsConfig, answer: Any, truth: Any) -> bool:
        """The same (target, flag) pairs as the gold answer; notes are not compared."""
        return answer is not None and _flag_keys(answer) == _flag_keys(truth)


def _target_rank(target: str) -> tuple:
    kind, _, rest = target.partition(":")
    return (int(rest), "") if kind == "message" else (0, rest)


# ----------------------------------------------------------------------------------------------- write

NEXT_ROLE = {"user": "assistant", "assistant": "user", "system": "user", "tool": "assistant"}


class WriteConfig(QuestionConfig):
    mode: Literal["prompt", "response", "continuation"] = "response"
    min_length: int = Field(default=1, ge=0, le=100_000)
    max_length: int = Field(default=20_000, ge=1, le=200_000)
    max_turns: int = Field(default=10, ge=1, le=50)
    field: str | None = None

    @model_validator(mode="after")
    def _check(self) -> WriteConfig:
        if self.min_length > self.max_length:
            raise ValueError("min_length must not exceed max_length")
        return self


def _text(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    if isinstance(value.get("content"), str):
        return value["content"]
    messages = value.get("messages")
    if isinstance(messages, list):
        return "\n".join(m.get("content", "") for m in messages if isinstance(m, dict))
    return ""


@register
class Write(QuestionType):
    name = "write"
    Config = WriteConfig
    component = "write"
    field_types = ("chat",)
    structured = True

    def _content(self, config: WriteConfig, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise fail(where, "expected text")
        length = len(value.strip())
        if length < max(config.min_length, 1):
            raise fail(where, f"write at least {max(config.min_length, 1)} characters")
        if len(value) > config.max_length:
            raise fail(where, f"the text is {len(value)} characters, the limit is {config.max_length}")
        return value

    def validate(self, config: WriteConfig, value: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> Any:
        key = "messages" if config.mode == "continuation" else "content"
        if not isinstance(value, dict):
            raise fail(where, f"expected an object with {key!r}")
        unknown = sorted(set(value) - {key})
        if unknown:
            raise fail(f"{where}.{unknown[0]}", f"unknown key in a {config.mode} answer (expected {key!r})")
        if key == "content":
            return {"content": self._content(config, value.get("content"), f"{where}.content")}
        messages, path = value.get("messages"), f"{where}.messages"
        if not isinstance(messages, list) or not messages:
            raise fail(path, "expected a list of at least one message")
        if len(messages) > config.max_turns:
            raise fail(path, f"at most {config.max_turns} turns, got {len(messages)}")
        chat = _chat(ctx, config.field)
        role = NEXT_ROLE.get(chat[-1].get("role"), "user") if chat else None
        out = []
        for i, message in enumerate(messages):
            at = f"{path}.{i}"
            if not isinstance(message, dict):
                raise fail(at, "expected a message with role and content")
            extra = sorted(set(message) - {"role", "content"})
            if extra:
                raise fail(f"{at}.{extra[0]}", "unknown key (allowed: content, role)")
            given = message.get("role")
            if given not in ("user", "assistant"):
                raise fail(f"{at}.role", "role must be user or assistant")
            if role is not None and given != role:
                raise fail(f"{at}.role", f"expected {role}: turns alternate after the chat's last message")
            role = NEXT_ROLE[given]
            out.append({"role": given, "content": self._content(config, message.get("content"), f"{at}.content")})
        return {"messages": out}

    def consensus(self, config: WriteConfig, values: Sequence[Any]) -> Any:
        """Written text has no consensus."""
        return None

    def agreement(self, config: WriteConfig, values: Sequence[Any], consensus: Any) -> float | None:
        return None

    def pair_agreement(self, config: WriteConfig, a: Any, b: Any) -> float:
        """How alike two people's texts are: the word-level difflib ratio (0 unrelated, 1 the same words)."""
        words_a, words_b = _text(a).split(), _text(b).split()
        if not words_a and not words_b:
            return 1.0
        return difflib.SequenceMatcher(None, words_a, words_b, autojunk=False).ratio()

    def gold_matches(self, config: WriteConfig, answer: Any, truth: Any) -> bool:
        """The same words as the gold text (whitespace ignored); written answers are rarely gold."""
        return answer is not None and _text(answer).split() == _text(truth).split()

    def export_value(self, config: WriteConfig, value: Any) -> str:
        """The written text itself for a prompt or response; continuations as compact JSON."""
        if isinstance(value, dict) and isinstance(value.get("content"), str):
            return value["content"]
        return super().export_value(config, value)
