"""Reward-model pairs: `{"chosen": [whole conversation], "rejected": [whole conversation], "margin"}`.

Only strict preferences (no ties, no both-bad); `margin` is the pairwise strength (1–3) or, for a ranking, how
many places apart the two responses are (a rewrite over its original counts 1).
"""

from __future__ import annotations

from tutorloop.formats.chat.common import ChatSchema, base_columns, messages
from tutorloop.formats.chat.dpo import kept

SUFFIX = ".jsonl"
MEDIA_TYPE = "application/x-ndjson"
COLUMNS = ("chosen", "rejected", "margin")


def rows(record: dict, schema: ChatSchema, **options) -> list[dict]:
    """One row per strict preference of the item."""
    chat = messages(record, schema)
    strict = {**options, "ties": False, "both_bad": False}
    return [{**base_columns(record), "chosen": chat + [{"role": "assistant", "content": p.chosen}],
             "rejected": chat + [{"role": "assistant", "content": p.rejected}], "margin": p.margin}
            for p in kept(record, schema, strict)]
