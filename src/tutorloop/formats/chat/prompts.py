"""Prompt lists: a text file with one prompt a line, or JSONL rows `{"prompt": "…", "id"?, "system"?}`.

Each prompt becomes an item whose chat is one user message (after a system message when the row gives one);
the responses are left to be written (a `write` question) or added later. A file whose first non-blank
character is `{` is read as JSONL (`form="auto"`); `form="lines"` reads every line as text. A prompt of
several lines needs JSONL.
"""

from __future__ import annotations

from tutorloop.errors import Invalid
from tutorloop.formats.chat.common import chat_schema, jsonl_rows, row_id, string_of, text_of

SUFFIX = ".txt"


def decode(data: bytes, *, spec: dict, form: str = "auto", **_) -> list[dict]:
    """Item records, one per prompt; Invalid naming the first bad line."""
    if form not in ("auto", "lines", "jsonl"):
        raise Invalid("form: use auto, lines or jsonl", where="form")
    schema = chat_schema(spec)
    text = text_of(data)
    if form == "jsonl" or (form == "auto" and text.lstrip().startswith("{")):
        out = []
        for where, row in jsonl_rows(data):
            prompt = string_of(row, "prompt", where)
            if not prompt.strip():
                raise Invalid(f"{where}.prompt: the prompt is empty", where=f"{where}.prompt")
            chat = [{"role": "user", "content": prompt}]
            if row.get("system") is not None:
                chat.insert(0, {"role": "system", "content": string_of(row, "system", where)})
            out.append({"external_id": row_id(row, where), "data": {schema.chat: chat}, "where": where})
        return out
    return [{"external_id": None, "data": {schema.chat: [{"role": "user", "content": line.rstrip("\r")}]},
             "where": f"line {number}"}
            for number, line in enumerate(text.split("\n"), start=1) if line.strip()]
