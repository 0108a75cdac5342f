"""OpenAI-style chat JSONL: one `{"messages": [...], "id"?, "model"?}` per line.

When the conversation ends with an assistant message and the project has a responses field, that message
becomes the item's one candidate response (`{"id": "r1", "model": <the row's model or "">}`) and the chat
keeps the turns before it (`last_assistant="response"`, the default). With `last_assistant="chat"`, or when
the project has no responses field, the whole conversation stays in the chat. Content given as OpenAI parts
keeps its text parts; any other part (images, audio) is refused.
"""

from __future__ import annotations

from tutorloop.errors import Invalid
from tutorloop.formats.chat.common import chat_schema, jsonl_rows, messages_of, row_id

SUFFIX = ".jsonl"


def decode(data: bytes, *, spec: dict, last_assistant: str = "response", **_) -> list[dict]:
    """Item records of the file; Invalid naming the first bad line."""
    if last_assistant not in ("response", "chat"):
        raise Invalid("last_assistant: use response or chat", where="last_assistant")
    schema = chat_schema(spec)
    out = []
    for where, row in jsonl_rows(data):
        chat = messages_of(row.get("messages"), f"{where}.messages")
        model = row.get("model", "")
        if not isinstance(model, str):
            raise Invalid(f"{where}.model: the model name must be a string", where=f"{where}.model")
        record = {"external_id": row_id(row, where), "data": {}, "where": where}
        if last_assistant == "response" and schema.responses and chat[-1]["role"] == "assistant" and len(chat) > 1:
            record["data"][schema.responses] = [{"id": "r1", "model": model, "content": chat[-1]["content"]}]
            chat = chat[:-1]
        record["data"][schema.chat] = chat
        out.append(record)
    return out
