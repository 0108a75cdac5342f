"""TRL unpaired preference (KTO): `{"prompt": [chat…], "completion": [assistant], "label": bool}`.

A response is desirable when the answers prefer it and never put anything above it (a pairwise winner, the
top of a ranking, a rewrite, a written response), undesirable when it only ever loses (a pairwise loser, the
bottom of a ranking, the original of a rewrite, every response of a both-bad or none-acceptable answer).
Responses that both win and lose (the middle of a ranking) and ties say nothing and are left out.
"""

from __future__ import annotations

from tutorloop.formats.chat.common import (
    ChatSchema,
    answer,
    base_columns,
    messages,
    preferences,
    refuse,
)
from tutorloop.formats.chat.prompt_completion import plain_prompt

SUFFIX = ".jsonl"
MEDIA_TYPE = "application/x-ndjson"
COLUMNS = ("prompt", "completion", "label")


def labels(record: dict, schema: ChatSchema, options: dict) -> dict[str, set[bool]]:
    """Per completion text, the labels the answers give it (in first-seen order)."""
    found: dict[str, set[bool]] = {}
    for pref in preferences(record, schema, pairs="all", rewrites=options.get("rewrites", True),
                            only=options.get("questions")):
        if pref.kind == "prefer":
            found.setdefault(pref.chosen, set()).add(True)
            found.setdefault(pref.rejected, set()).add(False)
        elif pref.kind == "both_bad":
            found.setdefault(pref.chosen, set()).add(False)
            found.setdefault(pref.rejected, set()).add(False)
    for q in schema.of_type("write", options.get("questions")):
        value = answer(record, q)
        if q.get("mode", "response") == "response" and isinstance(value, dict) and isinstance(value.get("content"), str):
            found.setdefault(value["content"], set()).add(True)
    return found


def rows(record: dict, schema: ChatSchema, **options) -> list[dict]:
    """One row per response the answers clearly call desirable or undesirable."""
    chat = messages(record, schema)
    plain = options.get("form", "conversational") == "plain"
    out = []
    for text, given in labels(record, schema, options).items():
        if len(given) != 1:
            continue
        if not text.strip():
            raise refuse(record, "a completion is empty")
        row = base_columns(record)
        if plain:
            row.update(prompt=plain_prompt(record, chat), completion=text)
        else:
            row.update(prompt=chat, completion=[{"role": "assistant", "content": text}])
        row["label"] = next(iter(given))
        out.append(row)
    return out
