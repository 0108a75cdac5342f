"""TRL SFT (conversational language modelling): `{"messages": [chat…, ideal assistant turn(s)]}`.

The ideal turn is a rewrite, else a written response (or continuation), else the pairwise winner, else the
top of an acceptable ranking; items whose answers name none are left out.
"""

from __future__ import annotations

from tutorloop.formats.chat.common import ChatSchema, base_columns, check_turns, ideal, messages

SUFFIX = ".jsonl"
MEDIA_TYPE = "application/x-ndjson"
COLUMNS = ("messages",)


def rows(record: dict, schema: ChatSchema, **options) -> list[dict]:
    """The item's training conversation (none when no ideal response is known)."""
    turns = ideal(record, schema, options.get("questions"))
    if turns is None:
        return []
    check_turns(record, turns, "the ideal response")
    return [{**base_columns(record), "messages": messages(record, schema) + turns}]
