"""Candidates from several models: JSONL rows `{"prompt", "model", "response", "id"?}` grouped into items.

Rows with the same `id` (or, without ids, the same prompt) make one item: the prompt (text, or a list of
messages) is its chat and each row adds a candidate response `r1`, `r2`, … in file order with its model
name. A prompt may have at most 10 candidates; rows of one id must repeat the same prompt.
"""

from __future__ import annotations

import json

from tutorloop.errors import Invalid
from tutorloop.formats.chat.common import (
    MAX_RESPONSES,
    chat_schema,
    jsonl_rows,
    messages_of,
    row_id,
    string_of,
)

SUFFIX = ".jsonl"


def decode(data: bytes, *, spec: dict, **_) -> list[dict]:
    """Item records, one per prompt; Invalid naming the first bad line."""
    schema = chat_schema(spec)
    if schema.responses is None:
        raise Invalid("format: candidates are imported into a project with a responses field", where="format")
    items: dict[str, dict] = {}
    for where, row in jsonl_rows(data):
        prompt = row.get("prompt")
        chat = ([{"role": "user", "content": prompt}] if isinstance(prompt, str)
                else messages_of(prompt, f"{where}.prompt"))
        if isinstance(prompt, str) and not prompt.strip():
            raise Invalid(f"{where}.prompt: the prompt is empty", where=f"{where}.prompt")
        ext = row_id(row, where)
        key = f"id:{ext}" if ext is not None else "prompt:" + json.dumps(chat, sort_keys=True)
        model = string_of(row, "model", where)
        content = string_of(row, "response", where)
        item = items.setdefault(key, {"external_id": ext, "data": {schema.chat: chat, schema.responses: []},
                                      "where": where})
        if item["data"][schema.chat] != chat:
            raise Invalid(f"{where}.prompt: rows of id {ext!r} give different prompts", where=f"{where}.prompt")
        found = item["data"][schema.responses]
        if len(found) == MAX_RESPONSES:
            raise Invalid(f"{where}: more than {MAX_RESPONSES} candidates for one prompt", where=where)
        found.append({"id": f"r{len(found) + 1}", "model": model, "content": content})
    return list(items.values())
