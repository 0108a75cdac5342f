"""TRL prompt-completion: `{"prompt": [chat…], "completion": [assistant turn(s)]}` (conversational), or with
`form="plain"` two strings (only for a chat of one user message).
"""

from __future__ import annotations

from tutorloop.formats.chat.common import ChatSchema, base_columns, check_turns, ideal, messages, refuse

SUFFIX = ".jsonl"
MEDIA_TYPE = "application/x-ndjson"
COLUMNS = ("prompt", "completion")


def plain_prompt(record: dict, chat: list[dict]) -> str:
    """The text of a one-message user chat, or Invalid naming the item."""
    if len(chat) != 1 or chat[0]["role"] != "user":
        raise refuse(record, f"the plain form holds one user message and this chat has {len(chat)} messages "
                             "(export the conversational form)")
    return chat[0]["content"]


def rows(record: dict, schema: ChatSchema, **options) -> list[dict]:
    """The item's prompt and ideal completion (none when no ideal response is known)."""
    turns = ideal(record, schema, options.get("questions"))
    if turns is None:
        return []
    check_turns(record, turns, "the completion")
    chat = messages(record, schema)
    if options.get("form", "conversational") == "plain":
        if len(turns) != 1:
            raise refuse(record, "the plain form holds one completion and the continuation has several turns")
        return [{**base_columns(record), "prompt": plain_prompt(record, chat), "completion": turns[0]["content"]}]
    return [{**base_columns(record), "prompt": chat, "completion": turns}]
