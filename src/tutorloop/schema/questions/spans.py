"""Text spans and relations: entities marked in a text field, with attributes and labelled, directed links.

The answer (see docs/text-spans.md)::

    {"spans": [{"id": "s1", "start": 0, "end": 4, "label": "PER", "text": "Anna", "attributes": {}}],
     "relations": [{"from": "s1", "to": "s2", "label": "works_for"}]}

`start`/`end` are Unicode code-point offsets into the item's text (Python `str` indices, end exclusive), so
an emoji outside the BMP counts once and Arabic or Hebrew text is indexed in logical (reading) order. The
server fills `text` with the slice and returns spans sorted by (start, end, label).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tutorloop.quality.relations import assign_to_consensus, consensus_relations, f1_score, relation_keys
from tutorloop.quality.spans import consensus_spans, span_iou
from tutorloop.schema.questions.base import NO_CONTEXT, AnswerContext, QuestionType, fail, plurality, register
from tutorloop.schema.questions.choices import HOTKEYS, RESERVED, Label
from tutorloop.schema.questions.structured import ObjectQuestionConfig, check_objects

# Pressing r with a span selected starts a relation; labels of a question with relations never get it.
RELATION_KEY = "r"
# Label colours when the schema gives none: distinct hues that stay readable as a light tint under text.
PALETTE = ("#e4572e", "#2e86ab", "#3b9b4a", "#8e5cc4", "#e0a100", "#d1477a", "#17a2a8", "#8c6d46",
           "#5c6bc0", "#c0392b", "#6b8e23", "#7f7f7f")
SPAN_KEYS = {"id", "start", "end", "label", "text", "attributes"}
RELATION_FIELDS = {"from", "to", "label"}
MATCH_IOU = 0.5


class SpanLabel(Label):
    color: str = Field(default="", pattern=r"^(#[0-9A-Fa-f]{6})?$")


class RelationSpec(BaseModel):
    """One kind of relation: its value, display text and which span labels it may start and end at."""

    model_config = ConfigDict(extra="forbid", serialize_by_alias=True)

    value: str = Field(min_length=1, max_length=200)
    text: str = ""
    from_: list[str] = Field(default_factory=list, alias="from")  # empty: any label
    to: list[str] = Field(default_factory=list)


class SpansConfig(ObjectQuestionConfig):
    labels: list[SpanLabel] = Field(min_length=1, max_length=200)
    allow_overlap: bool = False
    snap: Literal["token", "char"] = "token"
    relations: list[RelationSpec] = Field(default_factory=list, max_length=100)

    @model_validator(mode="before")
    @classmethod
    def _keep_relation_key_free(cls, data: Any) -> Any:
        """With relations, label hotkeys are assigned here so that none takes the relation key."""
        if not isinstance(data, dict) or not data.get("relations") or not isinstance(data.get("labels"), list):
            return data
        labels = [{"value": v} if isinstance(v, str) else v for v in data["labels"]]
        if not all(isinstance(label, dict) for label in labels):
            return data
        explicit = {str(label.get("hotkey") or "").lower() for label in labels} - {""}
        if RELATION_KEY in explicit:
            raise ValueError(f"hotkey {RELATION_KEY!r} starts a relation in a question with relations; "
                             "give the label another key")
        free = iter(k for k in HOTKEYS if k not in explicit and k not in RESERVED and k != RELATION_KEY)
        return {**data, "labels": [label if label.get("hotkey") else {**label, "hotkey": next(free, "")}
                                   for label in labels]}

    @model_validator(mode="after")
    def _check_spans(self) -> SpansConfig:
        for i, label in enumerate(self.labels):
            label.color = label.color.lower() or PALETTE[i % len(PALETTE)]
            if self.relations and label.hotkey == RELATION_KEY:  # only when every other key is taken
                label.hotkey = ""
        values = [r.value for r in self.relations]
        if len(set(values)) != len(values):
            raise ValueError("relation values must be unique")
        known = self.values
        for relation in self.relations:
            relation.text = relation.text or relation.value
            for side in (relation.from_, relation.to):
                unknown = [v for v in side if v not in known]
                if unknown:
                    raise ValueError(f"relation {relation.value!r} names unknown label {unknown[0]!r}")
        return self


def _answer_parts(value: Any, where: str) -> tuple[Any, Any]:
    """The spans and relations of an answer; a bare list is shorthand for spans without relations."""
    if isinstance(value, list):
        return value, []
    if not isinstance(value, dict):
        raise fail(where, 'expected {"spans": [...], "relations": [...]} or a list of spans')
    unknown = sorted(set(value) - {"spans", "relations"})
    if unknown:
        raise fail(f"{where}.{unknown[0]}", "unknown key (an answer has spans and relations)")
    if "spans" not in value:
        raise fail(f"{where}.spans", "expected a list of spans")
    relations = value.get("relations")
    return value["spans"], [] if relations is None else relations


def _text_of(config: SpansConfig, ctx: AnswerContext, where: str) -> str:
    text = ctx.data.get(config.field) if config.field else None
    if text is None:
        return ""
    if not isinstance(text, str):
        raise fail(where, f"the item's field {config.field!r} is not text")
    return text


def _offset(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(where, "expected a whole number (a code-point offset)")
    if value < 0:
        raise fail(where, f"{value} is below 0")
    return value


def _splits_a_character(text: str, offset: int) -> bool:
    """Whether a boundary at `offset` separates a character from the combining mark after it."""
    return 0 < offset < len(text) and unicodedata.category(text[offset]).startswith("M")


def _check_span(span: dict, text: str, path: str) -> dict:
    extra = sorted(set(span) - SPAN_KEYS)
    if extra:
        raise fail(f"{path}.{extra[0]}", "unknown key (a span has id, start, end, label, text, attributes)")
    start = _offset(span.get("start"), f"{path}.start")
    end = _offset(span.get("end"), f"{path}.end")
    if end <= start:
        raise fail(f"{path}.end", f"end ({end}) must be greater than start ({start})")
    if end > len(text):
        raise fail(f"{path}.end", f"{end} is past the end of the text ({len(text)} characters)")
    for name, offset in (("start", start), ("end", end)):
        if _splits_a_character(text, offset):
            raise fail(f"{path}.{name}", f"{offset} separates a character from its combining mark")
    actual = text[start:end]
    given = span.get("text")
    if given is not None and given != actual:
        raise fail(f"{path}.text", f"span {span['id']!r}: the text at {start}–{end} is {actual!r}, not {given!r}")
    return {"id": span["id"], "start": start, "end": end, "label": span["label"], "text": actual,
            "attributes": span["attributes"]}


def _check_layout(config: SpansConfig, spans: list[dict], where: str) -> list[int]:
    """Refuse repeated spans (always) and overlapping ones (unless allowed); returns the text order."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i]["start"], spans[i]["end"], spans[i]["label"], i))
    reach, widest = -1, None  # the furthest end so far and the span that reaches it
    for prev, i in zip([None, *order], order, strict=False):
        span = spans[i]
        if prev is not None and all(spans[prev][k] == span[k] for k in ("start", "end", "label")):
            raise fail(f"{where}.{i}", f"span {span['id']!r} repeats span {spans[prev]['id']!r} "
                                       "(same start, end and label)")
        if not config.allow_overlap and span["start"] < reach:
            raise fail(f"{where}.{i}", f"span {span['id']!r} overlaps span {spans[widest]['id']!r}; "
                                       "this question does not allow overlapping spans")
        if span["end"] > reach:
            reach, widest = span["end"], i
    return order


def _check_relations(config: SpansConfig, value: Any, spans: dict[str, dict], where: str) -> list[dict]:
    if not isinstance(value, list):
        raise fail(where, "expected a list of relations")
    if value and not config.relations:
        raise fail(where, "this question has no relation labels")
    kinds = {r.value: r for r in config.relations}
    seen: set[tuple[str, str, str]] = set()
    out = []
    for j, relation in enumerate(value):
        path = f"{where}.{j}"
        if not isinstance(relation, dict):
            raise fail(path, "expected an object with from, to and label")
        extra = sorted(set(relation) - RELATION_FIELDS)
        if extra:
            raise fail(f"{path}.{extra[0]}", "unknown key (a relation has from, to and label)")
        ends = {}
        for side in ("from", "to"):
            span_id = relation.get(side)
            if not isinstance(span_id, str) or span_id not in spans:
                raise fail(f"{path}.{side}", f"no span with id {span_id!r}")
            ends[side] = spans[span_id]
        if ends["from"] is ends["to"]:
            raise fail(f"{path}.to", "a relation joins two different spans")
        label = relation.get("label")
        if not isinstance(label, str) or label not in kinds:
            raise fail(f"{path}.label", f"{label!r} is not one of the relations ({', '.join(sorted(kinds))})")
        for side, allowed in (("from", kinds[label].from_), ("to", kinds[label].to)):
            if allowed and ends[side]["label"] not in allowed:
                raise fail(f"{path}.{side}", f"a {label!r} relation cannot {'start' if side == 'from' else 'end'} "
                                             f"at a {ends[side]['label']!r} span (allowed: {', '.join(allowed)})")
        key = (relation["from"], relation["to"], label)
        if key in seen:
            raise fail(path, f"relation {relation['from']} → {relation['to']} ({label}) is given twice")
        seen.add(key)
        out.append({"from": relation["from"], "to": relation["to"], "label": label})
    return out


def _as_answer(value: Any) -> dict:
    if isinstance(value, list):
        return {"spans": value, "relations": []}
    if isinstance(value, dict):
        return {"spans": value.get("spans") or [], "relations": value.get("relations") or []}
    return {"spans": [], "relations": []}


def _keys(answer: dict) -> list[tuple[int, int, str]]:
    return [(s["start"], s["end"], s["label"]) for s in answer["spans"]]


def _relation_rows(answer: dict) -> list[tuple[int, int, str]]:
    rows = {s["id"]: i for i, s in enumerate(answer["spans"])}
    return [(rows[r["from"]], rows[r["to"]], r["label"]) for r in answer["relations"]
            if r.get("from") in rows and r.get("to") in rows]


def _span_f1(a: Any, b: Any) -> float:
    return f1_score(set(_keys(_as_answer(a))), set(_keys(_as_answer(b))))


@register
class Spans(QuestionType):
    name = "spans"
    Config = SpansConfig
    component = "spans"
    field_types = ("text",)
    structured = True

    def validate(self, config: SpansConfig, value: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> Any:
        text = _text_of(config, ctx, where)
        raw_spans, raw_relations = _answer_parts(value, where)
        if isinstance(raw_spans, list):
            for i, span in enumerate(raw_spans):
                if isinstance(span, dict) and not isinstance(span.get("label"), str):
                    raise fail(f"{where}.spans.{i}.label", "expected a label (text)")
        objects = check_objects(config, raw_spans, f"{where}.spans", "spans")
        spans = [_check_span(span, text, f"{where}.spans.{i}") for i, span in enumerate(objects)]
        order = _check_layout(config, spans, f"{where}.spans")
        by_id = {span["id"]: span for span in spans}
        relations = _check_relations(config, raw_relations, by_id, f"{where}.relations")
        rank = {spans[i]["id"]: n for n, i in enumerate(order)}
        relations.sort(key=lambda r: (rank[r["from"]], rank[r["to"]], r["label"]))
        return {"spans": [spans[i] for i in order], "relations": relations}

    def consensus(self, config: SpansConfig, values: Sequence[Any]) -> Any:
        """Spans and relations that a strict majority of the annotators gave.

        Spans are clustered across annotators (same label, interval IoU ≥ 0.5, at most one span per
        annotator per cluster; quality/spans.py `consensus_spans`); a cluster with more than half of the
        annotators becomes a consensus span whose boundaries are the members' median start and end, so
        spans most people drew identically are kept exactly. Without `allow_overlap`, of two overlapping
        consensus spans the one with less support (then lower mean IoU) is dropped. Attributes take the
        most frequent value among the members. A relation is kept when more than half of the annotators
        drew it between spans of those two clusters (quality/relations.py).
        """
        answers = [_as_answer(v) for v in values if v is not None]
        if not answers:
            return None
        frame = pd.DataFrame(
            [(0, k, s, e, lab) for k, a in enumerate(answers) for s, e, lab in (_keys(a) or [(np.nan, np.nan, None)])],
            columns=["item", "annotator", "start", "end", "label"])
        found = consensus_spans(frame, threshold=MATCH_IOU)
        chosen = self._without_overlaps(config, found)
        consensus = [(int(r.start), int(r.end), str(r.label)) for r in chosen.itertuples()]
        assigned = [assign_to_consensus(_keys(a), consensus, threshold=MATCH_IOU) for a in answers]
        members: list[list[dict]] = [[] for _ in consensus]
        for answer, assign in zip(answers, assigned, strict=True):
            for row, target in assign.items():
                members[target].append(answer["spans"][row])
        spans = []
        for n, ((start, end, label), group) in enumerate(zip(consensus, members, strict=True)):
            start, end, text = boundaries_with_text(start, end, group)
            spans.append({"id": f"c{n + 1}", "start": start, "end": end, "label": label, "text": text,
                          "attributes": _majority_attributes(group)})
        links = consensus_relations([_relation_rows(a) for a in answers], assigned)
        relations = [{"from": spans[f]["id"], "to": spans[t]["id"], "label": label} for f, t, label, _ in links]
        return {"spans": spans, "relations": relations}

    @staticmethod
    def _without_overlaps(config: SpansConfig, found: pd.DataFrame) -> pd.DataFrame:
        if config.allow_overlap or len(found) < 2:
            return found.sort_values(["start", "end", "label"], kind="stable")
        kept: list[int] = []
        for i in found.sort_values(["support", "mean_iou"], ascending=False, kind="stable").index:
            s, e = found.at[i, "start"], found.at[i, "end"]
            if all(e <= found.at[j, "start"] or found.at[j, "end"] <= s for j in kept):
                kept.append(i)
        return found.loc[kept].sort_values(["start", "end", "label"], kind="stable")

    def agreement(self, config: SpansConfig, values: Sequence[Any], consensus: Any) -> float | None:
        """The mean span F1 (exact boundaries and label) of each answer against the consensus."""
        if consensus is None or not values:
            return None
        return sum(_span_f1(v, consensus) for v in values) / len(values)

    def pair_agreement(self, config: SpansConfig, a: Any, b: Any) -> float:
        """Span F1 between two answers: a span counts as shared when start, end and label are all equal."""
        return _span_f1(a, b)

    def gold_matches(self, config: SpansConfig, answer: Any, truth: Any) -> bool:
        """Correct when the spans (boundaries and labels) and the relations are exactly the gold ones.

        An F1 threshold would let one missed entity pass in a long text (one miss among 1,000 spans is
        F1 0.9995), so the rule is set equality; attributes are not compared.
        """
        if answer is None:
            return False
        a, t = _as_answer(answer), _as_answer(truth)
        return (set(_keys(a)) == set(_keys(t))
                and relation_keys(_keys(a), _relation_rows(a)) == relation_keys(_keys(t), _relation_rows(t)))


def boundaries_with_text(start: int, end: int, group: list[dict]) -> tuple[int, int, str]:
    """The consensus span's text, read off its members' texts; when they do not cover it (their median
    boundaries fall in a gap), the boundaries of the member closest to it are used instead."""
    chars: dict[int, str] = {}
    for span in group:
        text = span.get("text")
        if isinstance(text, str) and len(text) == span["end"] - span["start"]:
            chars.update(zip(range(span["start"], span["end"]), text, strict=True))
    if all(i in chars for i in range(start, end)):
        return start, end, "".join(chars[i] for i in range(start, end))
    with_text = [s for s in group if isinstance(s.get("text"), str)] or group
    best = max(with_text, key=lambda s: span_iou([[s["start"], s["end"]]], [[start, end]])[0, 0])
    return best["start"], best["end"], best.get("text") or ""


def _majority_attributes(group: list[dict]) -> dict:
    names = sorted({name for span in group for name in (span.get("attributes") or {})})
    out = {}
    for name in names:
        top = plurality([_hashable((span.get("attributes") or {}).get(name)) for span in group])
        if top is not None:
            out[name] = top
    return out


def _hashable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)
