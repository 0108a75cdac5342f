"""TRL preference files: rows `{"prompt", "chosen", "rejected", "id"?}` → a chat and two candidate responses.

All three TRL shapes are read: plain (`prompt`, `chosen`, `rejected` strings), conversational (lists of
messages, `chosen`/`rejected` one assistant message each) and implicit-prompt conversational (no `prompt`;
`chosen` and `rejected` are whole conversations whose shared beginning is the prompt). The two responses are
stored as `r1` and `r2`; which one is the chosen one is decided by a hash of the row (`order="hash"`, the
default, so the stored first response is not always the better one) or is always the first
(`order="chosen_first"`). Optional `chosen_model` / `rejected_model` name the models.

With `answer_as="predictions"` or `"gold"` the preference is also stored as the answer of a pairwise question
(`question`, or the schema's only one): `{"choice": "a"|"b", "strength": ∓strength, "rationale": "",
"shown": ["r1", "r2"]}`.
"""

from __future__ import annotations

import hashlib
import json

from tutorloop.errors import Invalid
from tutorloop.formats.chat.common import chat_schema, jsonl_rows, messages_of, row_id

SUFFIX = ".jsonl"


def completion(value, where: str, plain: bool) -> str:
    """The text of a chosen/rejected cell: a string (plain) or one assistant message."""
    if plain:
        if not isinstance(value, str):
            raise Invalid(f"{where}: with a text prompt this must be text", where=where)
        return value
    turns = messages_of(value, where)
    if len(turns) != 1 or turns[0]["role"] != "assistant":
        raise Invalid(f"{where}: expected one assistant message", where=where)
    return turns[0]["content"]


def split_row(row: dict, where: str) -> tuple[list[dict], str, str]:
    """(prompt chat, chosen text, rejected text) of a row in any of the three shapes."""
    prompt = row.get("prompt")
    if isinstance(prompt, str):
        if not prompt.strip():
            raise Invalid(f"{where}.prompt: the prompt is empty", where=f"{where}.prompt")
        chat = [{"role": "user", "content": prompt}]
        return chat, completion(row.get("chosen"), f"{where}.chosen", True), \
            completion(row.get("rejected"), f"{where}.rejected", True)
    if prompt is not None:
        chat = messages_of(prompt, f"{where}.prompt")
        return chat, completion(row.get("chosen"), f"{where}.chosen", False), \
            completion(row.get("rejected"), f"{where}.rejected", False)
    if "chosen" not in row or "rejected" not in row:
        raise Invalid(f"{where}: a preference row needs chosen and rejected", where=where)
    if isinstance(row.get("chosen"), str):
        raise Invalid(f"{where}.prompt: text rows need a prompt", where=f"{where}.prompt")
    chosen = messages_of(row.get("chosen"), f"{where}.chosen")
    rejected = messages_of(row.get("rejected"), f"{where}.rejected")
    shared = 0
    while shared < min(len(chosen), len(rejected)) and chosen[shared] == rejected[shared]:
        shared += 1
    for key, turns in (("chosen", chosen), ("rejected", rejected)):
        if len(turns) != shared + 1 or turns[-1]["role"] != "assistant":
            raise Invalid(f"{where}.{key}: without a prompt, chosen and rejected must be the same conversation "
                          "up to one final assistant message", where=f"{where}.{key}")
    if shared == 0:
        raise Invalid(f"{where}.prompt: chosen and rejected share no prompt", where=f"{where}.prompt")
    return chosen[:shared], chosen[-1]["content"], rejected[-1]["content"]


def chosen_first(chat: list[dict], chosen: str, rejected: str) -> bool:
    """A stable coin flip from the row's content."""
    digest = hashlib.sha256(json.dumps([chat, chosen, rejected], ensure_ascii=False).encode("utf-8")).digest()
    return digest[0] % 2 == 0


def pairwise_question(spec: dict, name: str | None) -> str:
    """The pairwise question the preferences answer."""
    found = [q["name"] for q in spec.get("questions", []) if q.get("type") == "pairwise"]
    if name:
        if name not in found:
            raise Invalid(f"question: no pairwise question {name!r} in this project", where="question")
        return name
    if len(found) != 1:
        raise Invalid(f"question: name the pairwise question the preferences answer (pairwise questions: "
                      f"{', '.join(map(repr, found)) or 'none'})", where="question")
    return found[0]


def decode(data: bytes, *, spec: dict, order: str = "hash", answer_as: str | None = None,
           question: str | None = None, strength: int = 1, **_) -> list[dict]:
    """Item records of the file; Invalid naming the first bad line."""
    schema = chat_schema(spec)
    if schema.responses is None:
        raise Invalid("format: preference rows are imported into a project with a responses field", where="format")
    if order not in ("hash", "chosen_first"):
        raise Invalid("order: use hash or chosen_first", where="order")
    if answer_as not in (None, "predictions", "gold"):
        raise Invalid("as: answers are imported as predictions or gold", where="as")
    if not isinstance(strength, int) or not 1 <= strength <= 3:
        raise Invalid("strength: a whole number from 1 to 3", where="strength")
    target = pairwise_question(spec, question) if answer_as else None
    out = []
    for where, row in jsonl_rows(data):
        chat, chosen, rejected = split_row(row, where)
        if chosen == rejected:
            raise Invalid(f"{where}: chosen and rejected are the same response", where=where)
        models = []
        for key in ("chosen_model", "rejected_model"):
            model = row.get(key, "")
            if not isinstance(model, str):
                raise Invalid(f"{where}.{key}: the model name must be a string", where=f"{where}.{key}")
            models.append(model)
        first = order == "chosen_first" or chosen_first(chat, chosen, rejected)
        pair = [(chosen, models[0]), (rejected, models[1])]
        if not first:
            pair.reverse()
        record = {"external_id": row_id(row, where), "where": where, "data": {
            schema.chat: chat,
            schema.responses: [{"id": f"r{i}", "model": m, "content": c} for i, (c, m) in enumerate(pair, start=1)]}}
        if target:
            value = {"choice": "a" if first else "b", "strength": -strength if first else strength,
                     "rationale": "", "shown": ["r1", "r2"]}
            record[answer_as] = {target: {"value": value, "score": None}} if answer_as == "predictions" \
                else {target: value}
        out.append(record)
    return out
