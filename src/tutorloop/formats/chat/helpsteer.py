"""HelpSteer-style rubric rows: `prompt, response, <attribute columns>` (JSONL, or CSV as `helpsteer_csv`).

One row per rated response. `prompt` is the user message of a one-turn chat; a longer chat is written in
HelpSteer2's multi-turn form (each turn after `<extra_id_1>User` / `<extra_id_1>Assistant` lines, a system
message after `<extra_id_0>System`). A rubric per response rates each candidate; a rubric of the whole item
rates the chat's last assistant message (when the question's field is the chat) or the first candidate.
Attribute columns are named after the attributes (`<question>.<attribute>` when the schema has several
rubric questions); an attribute left unrated is empty.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import BinaryIO

from tutorloop.formats.chat.common import ChatSchema, answer, base_columns, messages, refuse, responses

SUFFIX = ".jsonl"
MEDIA_TYPE = "application/x-ndjson"
COLUMNS = ("prompt", "response")
HEADS = {"system": "<extra_id_0>System", "user": "<extra_id_1>User", "assistant": "<extra_id_1>Assistant",
         "tool": "<extra_id_1>Tool"}


def prompt_text(chat: list[dict]) -> str:
    """A chat as HelpSteer writes a prompt."""
    if len(chat) == 1 and chat[0]["role"] == "user":
        return chat[0]["content"]
    return "\n".join(f"{HEADS[m['role']]}\n{m['content']}" for m in chat)


def attribute_columns(schema: ChatSchema, only: Iterable[str] | None = None) -> list[tuple[dict, str, str]]:
    """(question, attribute name, column name) of every rubric attribute."""
    rubrics = schema.of_type("rubric", only)
    return [(q, a["name"], a["name"] if len(rubrics) == 1 else f"{q['name']}.{a['name']}")
            for q in rubrics for a in q.get("attributes", [])]


def rated(record: dict, schema: ChatSchema, q: dict) -> list[tuple[list[dict], dict, dict]]:
    """(prompt chat, response {id, model, content}, scores) for each response a rubric answer rates."""
    value = answer(record, q)
    if not isinstance(value, dict) or not value:
        return []
    chat = messages(record, schema)
    if q.get("per_response", True):
        return [(chat, r, value[r["id"]]) for r in responses(record, schema, q) if isinstance(value.get(r["id"]), dict)]
    if q.get("field") == schema.chat or not responses(record, schema, q):
        last = max((i for i, m in enumerate(chat) if m["role"] == "assistant"), default=None)
        if last is None:
            raise refuse(record, f"{q['name']}: the chat has no assistant message to rate")
        return [(chat[:last], {"id": None, "model": None, "content": chat[last]["content"]}, value)]
    return [(chat, responses(record, schema, q)[0], value)]


def rows(record: dict, schema: ChatSchema, **options) -> list[dict]:
    """One row per response and rubric question that has scores."""
    columns = attribute_columns(schema, options.get("questions"))
    out = []
    for q in schema.of_type("rubric", options.get("questions")):
        for chat, response, scores in rated(record, schema, q):
            if not chat:
                raise refuse(record, f"{q['name']}: the rated response has no prompt before it")
            if not response["content"].strip():
                raise refuse(record, f"{q['name']}: response {response['id']} is empty")
            row = {**base_columns(record), "prompt": prompt_text(chat), "response": response["content"],
                   "response_id": response["id"], "model": response.get("model")}
            for owner, attribute, column in columns:
                if owner is q:
                    row[column] = scores.get(attribute)
            out.append(row)
    return out


def write_csv(records: Iterable[dict], out: BinaryIO, *, schema: ChatSchema, **options) -> int:
    """The rows as CSV (UTF-8), attribute columns after the fixed ones."""
    columns = ["id", "annotator", "prompt", "response", "response_id", "model",
               *[c for _, _, c in attribute_columns(schema, options.get("questions"))]]
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    count = 0
    for record in records:
        for row in rows(record, schema, **options):
            writer.writerow(row)
            count += 1
        if buffer.tell() > 64_000:
            out.write(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
    out.write(buffer.getvalue().encode("utf-8"))
    return count
