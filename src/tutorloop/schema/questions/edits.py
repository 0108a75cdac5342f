"""Edits of chat responses: a tutor's rewrite of one response, and error spans marked inside responses.

`rewrite` answers (see docs/chat-edits.md)::

    {"response": "r2", "original": "…", "rewrite": "…", "diff": [["equal", "The ", "The "], …]}

The client sends only `response` and `rewrite`; the server copies `original` from the item and computes the
word-level `diff` itself. `error_spans` answers are a list of
`{"id", "response", "start", "end", "text", "category", "severity", "correction"?}` with `start`/`end`
Unicode code-point offsets into that response's `content` (Python `str` indices, end exclusive).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import combinations
from typing import Any, Literal

import pandas as pd
from pydantic import Field, model_validator

from tutorloop.errors import Invalid
from tutorloop.quality.relations import assign_to_consensus, f1_score
from tutorloop.quality.spans import consensus_spans
from tutorloop.schema.questions.base import (
    NO_CONTEXT,
    AnswerContext,
    QuestionConfig,
    QuestionType,
    fail,
    plurality,
    register,
)
from tutorloop.schema.questions.spans import boundaries_with_text
from tutorloop.schema.questions.structured import ObjectQuestionConfig, check_objects

# Words, runs of white space and single other characters: every character falls in exactly one token, so
# joining the tokens gives the text back.
TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
MAX_TEXT = 100_000
# Insertions plus deletions (in tokens) beyond which a rewrite's changed middle is shown as one replacement.
MAX_EDITS = 1_000
MAX_CORRECTION = 5_000
MATCH_IOU = 0.5
# Letters, not digits, by default: the digits 1–3 pick the severity after a category.
DEFAULT_CATEGORIES = [
    {"value": "factual_error", "text": "Factual error", "hotkey": "f"},
    {"value": "reasoning_error", "text": "Reasoning error", "hotkey": "r"},
    {"value": "unsafe", "text": "Unsafe", "hotkey": "u"},
    {"value": "off_instruction", "text": "Off instruction", "hotkey": "i"},
    {"value": "formatting", "text": "Formatting", "hotkey": "m"},
    {"value": "other", "text": "Other", "hotkey": "o"},
]
ERROR_KEYS = {"id", "response", "start", "end", "text", "category", "severity", "correction", "attributes"}


def tokens(text: str) -> list[str]:
    """The diff tokens of a text (words, white space, punctuation); `"".join(tokens(t)) == t`."""
    return TOKEN.findall(text)


def word_diff(original: str, rewrite: str) -> list[list[str]]:
    """Word-level diff: `[[op, original part, rewritten part], …]`, op ∈ equal | replace | insert | delete.

    Joining the original parts gives `original`, joining the rewritten parts gives `rewrite`.
    """
    a, b = tokens(original), tokens(rewrite)
    return [[op, "".join(a[i1:i2]), "".join(b[j1:j2])] for op, i1, i2, j1, j2 in opcodes(a, b)]


def similarity(a: str, b: str) -> float:
    """Token-level similarity of two texts, 0–1: 2·(tokens in common) / (tokens in both), as difflib's ratio."""
    x, y = tokens(a), tokens(b)
    if not x and not y:
        return 1.0
    same = sum(i2 - i1 for op, i1, i2, _, _ in opcodes(x, y) if op == "equal")
    return 2 * same / (len(x) + len(y))


def opcodes(a: Sequence[str], b: Sequence[str], *, limit: int = MAX_EDITS) -> list[tuple[str, int, int, int, int]]:
    """difflib-style opcodes `(op, i1, i2, j1, j2)` of a shortest edit script from `a` to `b`.

    The common start and end are cut off, then Myers' O((N+M)·D) greedy algorithm (E. Myers, "An O(ND)
    difference algorithm and its variations", Algorithmica 1986) finds a shortest script for the middle.
    difflib's SequenceMatcher is not used: with white space as tokens its popular-element search takes
    minutes on a 30,000-character text. A middle needing more than `limit` insertions and deletions is
    given as one replacement (the texts then have little in common anyway).
    """
    n, m = len(a), len(b)
    head = 0
    while head < n and head < m and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < n - head and tail < m - head and a[n - 1 - tail] == b[m - 1 - tail]:
        tail += 1
    moves = _myers(a[head:n - tail], b[head:m - tail], limit)
    ops: list[list] = []

    def add(op: str, di: int, dj: int) -> None:
        if ops and ops[-1][0] != "equal" and op != "equal":  # a deletion next to an insertion: a replacement
            ops[-1][0] = ops[-1][0] if ops[-1][0] == op else "replace"
        elif not ops or ops[-1][0] != op:
            i, j = (ops[-1][2], ops[-1][4]) if ops else (0, 0)
            ops.append([op, i, i, j, j])
        ops[-1][2] += di
        ops[-1][4] += dj

    if head:
        add("equal", head, head)
    if moves is None:
        if n - tail - head or m - tail - head:
            add("replace", n - tail - head, m - tail - head)
    else:
        for op in moves:
            add(op, op != "insert", op != "delete")
    if tail:
        add("equal", tail, tail)
    return [(op, i1, i2, j1, j2) for op, i1, i2, j1, j2 in ops]


def _myers(a: Sequence[str], b: Sequence[str], limit: int) -> list[str] | None:
    """The moves ("equal", "delete", "insert") of a shortest edit script, or None past `limit` edits.

    `v[k]` is the furthest x reached on diagonal k = x − y with d edits; one copy of v per d is kept to walk
    the path back (memory O(D²)).
    """
    n, m = len(a), len(b)
    v = {1: 0}
    trace = []
    for d in range(min(n + m, limit) + 1):
        trace.append(dict(v))
        for k in range(-d, d + 1, 2):
            x = v[k + 1] if k == -d or (k != d and v[k - 1] < v[k + 1]) else v[k - 1] + 1
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x, y = x + 1, y + 1
            v[k] = x
            if x >= n and y >= m:
                return _walk_back(trace, n, m)
    return None


def _walk_back(trace: list[dict[int, int]], x: int, y: int) -> list[str]:
    moves = []
    for d in range(len(trace) - 1, -1, -1):
        v = trace[d]
        k = x - y
        prev_k = k + 1 if k == -d or (k != d and v[k - 1] < v[k + 1]) else k - 1
        prev_x = v[prev_k]
        prev_y = prev_x - prev_k
        while x > prev_x and y > prev_y:
            moves.append("equal")
            x, y = x - 1, y - 1
        if d > 0:
            moves.append("insert" if x == prev_x else "delete")
        x, y = prev_x, prev_y
    moves.reverse()
    return moves


def _responses(field: str | None, ctx: AnswerContext, where: str) -> list[dict]:
    value = ctx.data.get(field) if field else None
    if not isinstance(value, list) or not value:
        raise fail(where, f"the item has no responses in field {field!r}")
    return [r for r in value if isinstance(r, dict)]


def _response_id(value: Any, responses: list[dict], where: str) -> dict:
    by_id = {r.get("id"): r for r in responses}
    if not isinstance(value, str) or value not in by_id:
        raise fail(where, f"{value!r} is not a response of this item ({', '.join(map(str, by_id))})")
    return by_id[value]


# ---------------------------------------------------------------------------------------------- rewrite


class RewriteConfig(QuestionConfig):
    field: str | None = None
    target: Literal["first", "choose"] = "choose"
    allow_unchanged: bool = False
    max_length: int = Field(default=MAX_TEXT, ge=1, le=MAX_TEXT)


@register
class Rewrite(QuestionType):
    name = "rewrite"
    Config = RewriteConfig
    component = "rewrite"
    field_types = ("responses",)
    structured = True

    def validate(self, config: RewriteConfig, value: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> Any:
        if not isinstance(value, dict):
            raise fail(where, 'expected {"response": <id>, "rewrite": <text>}')
        unknown = sorted(set(value) - {"response", "rewrite", "original", "diff"})
        if unknown:
            raise fail(f"{where}.{unknown[0]}", "unknown key (a rewrite has response and rewrite)")
        responses = _responses(config.field, ctx, where)
        chosen = value.get("response")
        if config.target == "first":
            first = responses[0].get("id")
            if chosen is None:
                chosen = first
            elif chosen != first:
                raise fail(f"{where}.response", f"this question rewrites the first response ({first!r})")
        response = _response_id(chosen, responses, f"{where}.response")
        text = value.get("rewrite")
        if not isinstance(text, str):
            raise fail(f"{where}.rewrite", "expected the rewritten response as text")
        if len(text) > config.max_length:
            raise fail(f"{where}.rewrite", f"{len(text)} characters; at most {config.max_length} are allowed")
        if not text.strip():
            raise fail(f"{where}.rewrite", "the rewrite is empty")
        original = response.get("content") or ""
        if text == original and not config.allow_unchanged:
            raise fail(f"{where}.rewrite", "the rewrite is identical to the original response")
        return {"response": chosen, "original": original, "rewrite": text, "diff": word_diff(original, text)}

    def consensus(self, config: RewriteConfig, values: Sequence[Any]) -> Any:
        """Rewrites are free text: there is no agreed answer."""
        return None

    def agreement(self, config: RewriteConfig, values: Sequence[Any], consensus: Any) -> float | None:
        """The mean pairwise similarity of the rewrites (None with fewer than two)."""
        answers = [v for v in values if isinstance(v, dict)]
        pairs = list(combinations(answers, 2))
        if not pairs:
            return None
        return sum(self.pair_agreement(config, a, b) for a, b in pairs) / len(pairs)

    def pair_agreement(self, config: RewriteConfig, a: Any, b: Any) -> float:
        """Similarity ratio of two rewrites of the same response; 0 for rewrites of different responses."""
        if not isinstance(a, dict) or not isinstance(b, dict) or a.get("response") != b.get("response"):
            return 0.0
        return similarity(a.get("rewrite") or "", b.get("rewrite") or "")

    def gold_matches(self, config: RewriteConfig, answer: Any, truth: Any) -> bool:
        """Correct when it rewrites the gold response into the gold text (white space runs compared as one)."""
        if not isinstance(answer, dict) or not isinstance(truth, dict):
            return False
        same = " ".join((answer.get("rewrite") or "").split()) == " ".join((truth.get("rewrite") or "").split())
        return answer.get("response") == truth.get("response") and same


# ----------------------------------------------------------------------------------------- error spans


class ErrorSpansConfig(ObjectQuestionConfig):
    """Categories are the object labels (with hotkeys); `labels` is filled from them."""

    categories: list[dict] = Field(default_factory=list, max_length=50)
    severities: list[str] = Field(default_factory=lambda: ["minor", "major", "critical"], min_length=1, max_length=9)

    @model_validator(mode="before")
    @classmethod
    def _categories_are_labels(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        categories = data.get("categories") or data.get("labels") or DEFAULT_CATEGORIES
        return {**data, "labels": categories, "categories": []}

    @model_validator(mode="after")
    def _fill_categories(self) -> ErrorSpansConfig:
        if len(set(self.severities)) != len(self.severities) or not all(self.severities):
            raise ValueError("severities must be unique, non-empty names")
        self.categories = [label.model_dump() for label in self.labels]
        return self


def _offset(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(where, "expected a whole number (a code-point offset)")
    if value < 0:
        raise fail(where, f"{value} is below 0")
    return value


def _check_error(config: ErrorSpansConfig, obj: dict, responses: list[dict], path: str) -> dict:
    extra = sorted(set(obj) - ERROR_KEYS - {"label"})
    if extra:
        raise fail(f"{path}.{extra[0]}", "unknown key (an error has id, response, start, end, category, severity, "
                                         "correction)")
    response = _response_id(obj.get("response"), responses, f"{path}.response")
    content = response.get("content") or ""
    start = _offset(obj.get("start"), f"{path}.start")
    end = _offset(obj.get("end"), f"{path}.end")
    if end <= start:
        raise fail(f"{path}.end", f"end ({end}) must be greater than start ({start})")
    if end > len(content):
        raise fail(f"{path}.end", f"{end} is past the end of response {response['id']!r} ({len(content)} characters)")
    actual = content[start:end]
    given = obj.get("text")
    if given is not None and given != actual:
        raise fail(f"{path}.text", f"the text at {start}–{end} is {actual!r}, not {given!r}")
    severity = obj.get("severity")
    if severity not in config.severities:
        raise fail(f"{path}.severity", f"{severity!r} is not one of {', '.join(config.severities)}")
    out = {"id": obj["id"], "response": response["id"], "start": start, "end": end, "text": actual,
           "category": obj["label"], "severity": severity}
    correction = obj.get("correction")
    if correction not in (None, ""):
        if not isinstance(correction, str) or len(correction) > MAX_CORRECTION:
            raise fail(f"{path}.correction", f"expected text of at most {MAX_CORRECTION} characters")
        out["correction"] = correction
    if obj["attributes"]:
        out["attributes"] = obj["attributes"]
    return out


def _error_keys(value: Any) -> list[tuple[int, int, str]]:
    """(start, end, "<response>\\x1f<category>") per error: spans only match within one response."""
    if not isinstance(value, list):
        return []
    return [(e["start"], e["end"], f"{e['response']}\x1f{e['category']}") for e in value if isinstance(e, dict)]


def _error_f1(a: Any, b: Any) -> float:
    return f1_score(set(_error_keys(a)), set(_error_keys(b)))


@register
class ErrorSpans(QuestionType):
    name = "error_spans"
    Config = ErrorSpansConfig
    component = "error-spans"
    field_types = ("responses",)
    structured = True

    def validate(self, config: ErrorSpansConfig, value: Any, where: str, ctx: AnswerContext = NO_CONTEXT) -> Any:
        if not isinstance(value, list):
            raise fail(where, "expected a list of errors")
        responses = _responses(config.field, ctx, where) if value else []
        raw = []
        for i, obj in enumerate(value):
            if isinstance(obj, dict):
                if "label" in obj:
                    raise fail(f"{where}.{i}.label", "unknown key (an error names its category)")
                if not isinstance(obj.get("category"), str):
                    raise fail(f"{where}.{i}.category", "expected a category (text)")
                obj = {**obj, "label": obj["category"]}
            raw.append(obj)
        try:
            objects = check_objects(config, raw, where, "errors")
        except Invalid as exc:  # check_objects names `.label`; the answer calls it `.category`
            if exc.where and exc.where.endswith(".label"):
                raise fail(exc.where[: -len("label")] + "category", exc.message.split(": ", 1)[-1]) from None
            raise
        errors = [_check_error(config, obj, responses, f"{where}.{i}") for i, obj in enumerate(objects)]
        rank = {r.get("id"): n for n, r in enumerate(responses)}
        order = sorted(range(len(errors)), key=lambda i: (rank[errors[i]["response"]], errors[i]["start"],
                                                          errors[i]["end"], errors[i]["category"], i))
        for prev, i in zip(order, order[1:], strict=False):
            if all(errors[prev][k] == errors[i][k] for k in ("response", "start", "end", "category")):
                raise fail(f"{where}.{i}", f"error {errors[i]['id']!r} repeats error {errors[prev]['id']!r} "
                                           "(same response, start, end and category)")
        return [errors[i] for i in order]

    def consensus(self, config: ErrorSpansConfig, values: Sequence[Any]) -> Any:
        """Errors a strict majority of the annotators marked (same response and category, IoU ≥ 0.5).

        Clustering and median boundaries as for text spans (quality/spans.py `consensus_spans`, label =
        response and category); the severity and the correction are the members' most frequent ones.
        """
        answers = [v for v in values if isinstance(v, list)]
        if not answers:
            return None
        rows = [(0, k, s, e, lab) for k, a in enumerate(answers) for s, e, lab in (_error_keys(a) or [(None,) * 3])]
        frame = pd.DataFrame(rows, columns=["item", "annotator", "start", "end", "label"])
        frame[["start", "end"]] = frame[["start", "end"]].astype(float)
        found = consensus_spans(frame, threshold=MATCH_IOU)
        consensus = [(int(r.start), int(r.end), str(r.label)) for r in found.itertuples()]
        members: list[list[dict]] = [[] for _ in consensus]
        for answer in answers:
            for row, target in assign_to_consensus(_error_keys(answer), consensus, threshold=MATCH_IOU).items():
                members[target].append(answer[row])
        out = []
        for n, ((start, end, label), group) in enumerate(zip(consensus, members, strict=True)):
            response, category = label.split("\x1f", 1)
            start, end, text = boundaries_with_text(start, end, group)
            error = {"id": f"c{n + 1}", "response": response, "start": start, "end": end, "text": text,
                     "category": category, "severity": plurality([e.get("severity") for e in group])}
            correction = plurality([e["correction"] for e in group if e.get("correction")])
            if correction:
                error["correction"] = correction
            out.append(error)
        return out

    def agreement(self, config: ErrorSpansConfig, values: Sequence[Any], consensus: Any) -> float | None:
        """The mean span F1 (exact boundaries, response and category) of each answer against the consensus."""
        if consensus is None or not values:
            return None
        return sum(_error_f1(v, consensus) for v in values) / len(values)

    def pair_agreement(self, config: ErrorSpansConfig, a: Any, b: Any) -> float:
        """Span F1 of two answers: an error is shared when response, start, end and category are equal."""
        return _error_f1(a, b)

    def gold_matches(self, config: ErrorSpansConfig, answer: Any, truth: Any) -> bool:
        """Correct when the errors (response, boundaries, category) are exactly the gold ones."""
        return isinstance(answer, list) and set(_error_keys(answer)) == set(_error_keys(truth))
