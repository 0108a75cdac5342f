"""What the chat codecs share: the schema's chat fields, reading rows, messages, and preferences from answers.

An export record is one item's answers from one source::

    {"item_id": 7, "external_id": "q-7" | None, "data": {chat field: [...], responses field: [...]},
     "answers": {question name: value}, "annotator": "omar" (per-person rows only)}

Answers follow the chat question contract (pairwise, ranking, rewrite, write, rubric); a value that is not in
that shape is passed over rather than guessed at, since the server validated it when it was stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from tutorloop.errors import Invalid

ROLES = ("system", "user", "assistant", "tool")
MAX_RESPONSES = 10


# ---- the schema ---------------------------------------------------------------------------------------

@dataclass
class ChatSchema:
    """The project's chat field, responses field (or None) and questions by type (raw spec dicts)."""

    chat: str
    responses: str | None
    questions: dict[str, list[dict]] = field(default_factory=dict)

    def of_type(self, qtype: str, only: Iterable[str] | None = None) -> list[dict]:
        """Questions of a type in schema order, limited to the names in `only` when given."""
        found = self.questions.get(qtype, [])
        if only is None:
            return found
        names = set(only)
        return [q for q in found if q["name"] in names]


def chat_schema(spec: dict) -> ChatSchema:
    """The chat fields of a schema, or Invalid when it has no chat field."""
    chats = [f["name"] for f in spec.get("fields", []) if f.get("type") == "chat"]
    responses = [f["name"] for f in spec.get("fields", []) if f.get("type") == "responses"]
    if not chats:
        raise Invalid("format: chat formats need a project with a chat field", where="format")
    questions: dict[str, list[dict]] = {}
    for q in spec.get("questions", []):
        questions.setdefault(q.get("type"), []).append(q)
    return ChatSchema(chats[0], responses[0] if responses else None, questions)


# ---- reading ------------------------------------------------------------------------------------------

def text_of(data: bytes) -> str:
    """A file as UTF-8 text (a byte-order mark is allowed), or Invalid."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"file: not UTF-8 text (byte {exc.start})", where="file") from None


def jsonl_rows(data: bytes) -> Iterator[tuple[str, dict]]:
    """("line N", object) for each non-blank line of a JSONL file; Invalid naming the first bad line."""
    text = text_of(data)
    # Only \n ends a JSONL line: str.splitlines() would also split inside text at U+2028, \x85, ...
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise Invalid(f"{where}: not valid JSON ({exc.msg})", where=where) from None
        if not isinstance(value, dict):
            raise Invalid(f"{where}: each line must be a JSON object", where=where)
        yield where, value


def row_id(row: dict, where: str) -> str | None:
    """The external id a row gives (`id`), or None."""
    value = row.get("id")
    if value is None or value == "":
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise Invalid(f"{where}.id: an id must be a string or number", where=f"{where}.id")
    text = str(value).strip()
    if len(text) > 200:
        raise Invalid(f"{where}.id: longer than 200 characters", where=f"{where}.id")
    return text or None


def content_text(value: Any, where: str) -> str:
    """A message content as text: a string, or OpenAI-style parts of type "text" joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = []
        for i, part in enumerate(value):
            if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
                raise Invalid(f"{where}.{i}: only text parts can be imported", where=f"{where}.{i}")
            parts.append(part["text"])
        return "".join(parts)
    raise Invalid(f"{where}: content must be text", where=where)


def messages_of(value: Any, where: str, *, allow_empty: bool = False) -> list[dict]:
    """A list of chat messages as `{role, content, name?}`, or Invalid naming the first bad one."""
    if not isinstance(value, list) or (not value and not allow_empty):
        raise Invalid(f"{where}: expected a non-empty list of messages", where=where)
    out = []
    for i, message in enumerate(value):
        path = f"{where}.{i}"
        if not isinstance(message, dict):
            raise Invalid(f"{path}: a message must be an object", where=path)
        if message.get("role") not in ROLES:
            raise Invalid(f"{path}.role: role must be system, user, assistant or tool", where=f"{path}.role")
        clean = {"role": message["role"], "content": content_text(message.get("content"), f"{path}.content")}
        if isinstance(message.get("name"), str) and message["name"]:
            clean["name"] = message["name"]
        out.append(clean)
    return out


def string_of(row: dict, key: str, where: str) -> str:
    """A required string cell."""
    value = row.get(key)
    if not isinstance(value, str):
        raise Invalid(f"{where}.{key}: expected a string", where=f"{where}.{key}")
    return value


def item_values(record: dict) -> dict:
    """A decoded record as the item importer reads it: `{"id"?, "data", "predictions"?, "gold"?}`."""
    values: dict = {"data": record["data"]}
    if record.get("external_id") is not None:
        values["id"] = record["external_id"]
    for key in ("predictions", "gold", "meta"):
        if record.get(key):
            values[key] = record[key]
    return values


# ---- answers ------------------------------------------------------------------------------------------

@dataclass
class Preference:
    """One comparison: `chosen` over `rejected` (texts), `kind` prefer | tie | both_bad."""

    chosen: str
    rejected: str
    kind: str = "prefer"
    margin: float = 1.0
    question: str = ""
    chosen_id: str | None = None
    rejected_id: str | None = None


def messages(record: dict, schema: ChatSchema) -> list[dict]:
    """The item's chat as `{role, content}` messages (extra keys dropped, so every row has one shape)."""
    chat = record["data"].get(schema.chat) or []
    return [{"role": m["role"], "content": m["content"]} for m in chat]


def responses(record: dict, schema: ChatSchema, q: dict | None = None) -> list[dict]:
    """The item's candidate responses in stored order."""
    name = (q or {}).get("field") if (q or {}).get("field") != schema.chat else None
    return list(record["data"].get(name or schema.responses or "", None) or [])


def by_id(record: dict, schema: ChatSchema) -> dict[str, dict]:
    """The item's responses by id."""
    return {r["id"]: r for r in responses(record, schema)}


def pair_of(record: dict, schema: ChatSchema, q: dict) -> list[dict] | None:
    """The two responses a pairwise question compares (config `pair`, else the first two stored)."""
    found = by_id(record, schema)
    if q.get("pair"):
        pair = [found.get(i) for i in q["pair"]]
        return pair if all(pair) else None
    listed = responses(record, schema)
    return listed[:2] if len(listed) >= 2 else None


def answer(record: dict, q: dict) -> Any:
    """A question's answer in the record, or None."""
    return (record.get("answers") or {}).get(q["name"])


def pairwise_preferences(record: dict, schema: ChatSchema, q: dict) -> list[Preference]:
    """The comparison of a pairwise answer: a over b, b over a, a tie, or both bad."""
    value = answer(record, q)
    pair = pair_of(record, schema, q)
    if not isinstance(value, dict) or pair is None or value.get("choice") not in ("a", "b", "tie", "both_bad"):
        return []
    a, b = pair
    choice = value["choice"]
    strength = value.get("strength")
    margin = float(abs(strength)) if isinstance(strength, (int, float)) and strength else 1.0
    if choice == "b":
        a, b = b, a
    kind = choice if choice in ("tie", "both_bad") else "prefer"
    return [Preference(a["content"], b["content"], kind, margin if kind == "prefer" else 0.0, q["name"],
                       a["id"], b["id"])]


def ranking_preferences(record: dict, schema: ChatSchema, q: dict, pairs: str = "all") -> list[Preference]:
    """Comparisons implied by a ranking: each response over every one below it (`pairs="all"`), over the
    next one (`"adjacent"`) or the best over the rest (`"best"`); tied responses make ties; margin = rank gap.
    Every comparison of a ranking marked none acceptable is of kind both_bad."""
    value = answer(record, q)
    found = by_id(record, schema)
    if not isinstance(value, dict) or not isinstance(value.get("order"), list):
        return []
    order = [i for i in value["order"] if i in found]
    tied = {frozenset(t) for t in value.get("ties") or [] if isinstance(t, list)}
    bad = bool(value.get("none_acceptable"))
    out = []
    for i, better in enumerate(order):
        for j in range(i + 1, len(order)):
            if (pairs == "adjacent" and j != i + 1) or (pairs == "best" and i != 0):
                continue
            worse = order[j]
            kind = "both_bad" if bad else "tie" if frozenset((better, worse)) in tied else "prefer"
            out.append(Preference(found[better]["content"], found[worse]["content"], kind,
                                  float(j - i) if kind == "prefer" else 0.0, q["name"], better, worse))
    return out


def rewrite_preference(record: dict, q: dict) -> Preference | None:
    """A rewrite over the response it rewrote (None when nothing changed)."""
    value = answer(record, q)
    if not isinstance(value, dict) or not isinstance(value.get("rewrite"), str):
        return None
    original = value.get("original")
    if not isinstance(original, str) or value["rewrite"] == original:
        return None
    return Preference(value["rewrite"], original, "prefer", 1.0, q["name"], None, value.get("response"))


def preferences(record: dict, schema: ChatSchema, *, pairs: str = "all", rewrites: bool = True,
                only: Iterable[str] | None = None) -> list[Preference]:
    """Every comparison an item's answers make: pairwise, ranking, then rewrites (when `rewrites`)."""
    out: list[Preference] = []
    for q in schema.of_type("pairwise", only):
        out += pairwise_preferences(record, schema, q)
    for q in schema.of_type("ranking", only):
        out += ranking_preferences(record, schema, q, pairs)
    if rewrites:
        for q in schema.of_type("rewrite", only):
            if (found := rewrite_preference(record, q)) is not None:
                out.append(found)
    return out


def ideal(record: dict, schema: ChatSchema, only: Iterable[str] | None = None) -> list[dict] | None:
    """The assistant turn(s) to train on: a rewrite, else a written response or continuation, else the
    pairwise winner, else the top of a ranking that is acceptable. None when the answers name none."""
    for q in schema.of_type("rewrite", only):
        value = answer(record, q)
        if isinstance(value, dict) and isinstance(value.get("rewrite"), str):
            return [{"role": "assistant", "content": value["rewrite"]}]
    for q in schema.of_type("write", only):
        value = answer(record, q)
        mode = q.get("mode", "response")
        if mode == "response" and isinstance(value, dict) and isinstance(value.get("content"), str):
            return [{"role": "assistant", "content": value["content"]}]
        if mode == "continuation" and isinstance(value, dict) and isinstance(value.get("messages"), list):
            turns = [{"role": m["role"], "content": m["content"]} for m in value["messages"]]
            while turns and turns[-1]["role"] != "assistant":
                turns.pop()
            if turns:
                return turns
    for q in schema.of_type("pairwise", only):
        for pref in pairwise_preferences(record, schema, q):
            if pref.kind == "prefer":
                return [{"role": "assistant", "content": pref.chosen}]
    for q in schema.of_type("ranking", only):
        value = answer(record, q)
        found = by_id(record, schema)
        if isinstance(value, dict) and not value.get("none_acceptable") and value.get("order"):
            top = value["order"][0]
            if top in found:
                return [{"role": "assistant", "content": found[top]["content"]}]
    return None


# ---- records from the export service -------------------------------------------------------------------

COUNTED = ("submitted", "accepted", "corrected")


def from_item_records(items: Iterable[dict], *, source: str = "consensus") -> Iterator[dict]:
    """Export records from `exports.service.iter_item_records` rows: one per item with the consensus
    (`source="consensus"`), or one per annotation that counts with that person's effective answers
    (`source="annotations"`, a reviewer's correction replacing the original)."""
    if source not in ("consensus", "annotations"):
        raise Invalid("source: chat formats export the consensus or the annotations", where="source")
    for item in items:
        base = {"item_id": item.get("item_id"), "external_id": item.get("external_id"), "data": item["data"] or {}}
        if source == "consensus":
            yield {**base, "answers": {k: v for k, v in (item.get("consensus") or {}).items() if v is not None}}
            continue
        for a in item.get("annotations") or []:
            if a.get("review_state") not in COUNTED:
                continue
            corrected = a.get("corrected_answers")
            answers = corrected if a["review_state"] == "corrected" and corrected is not None else a["answers"]
            yield {**base, "answers": answers or {}, "annotator": a.get("annotator")}


# ---- writing ------------------------------------------------------------------------------------------

def item_name(record: dict) -> str:
    """How an export error names an item (and the person, for per-person rows)."""
    ext = record.get("external_id")
    name = f"item {record.get('item_id')} ({ext})" if ext else f"item {record.get('item_id')}"
    return f"{name}, annotator {record['annotator']}" if record.get("annotator") else name


def refuse(record: dict, message: str) -> Invalid:
    """An Invalid naming the item a row came from."""
    where = f"items.{record.get('item_id')}"
    return Invalid(f"{item_name(record)}: {message}", where=where)


def check_keys(record: dict, row: dict, keys: Iterable[str]) -> None:
    """Invalid when a required key is missing or empty."""
    for key in keys:
        value = row.get(key)
        if value is None or value == "" or value == []:
            raise refuse(record, f"the row has no {key}")


def check_turns(record: dict, turns: list[dict], key: str) -> None:
    """Invalid when a completion has no text."""
    if not turns or any(not m["content"].strip() for m in turns if m["role"] == "assistant"):
        raise refuse(record, f"{key} is empty")


def base_columns(record: dict) -> dict:
    """The columns every row carries: the item's id and, for per-person rows, the annotator."""
    row = {"id": record.get("external_id") or str(record.get("item_id"))}
    if record.get("annotator"):
        row["annotator"] = record["annotator"]
    return row


def write_jsonl(rows: Iterable[dict], out: BinaryIO) -> int:
    """Write rows as JSONL (UTF-8, one object a line); returns how many."""
    count = 0
    lines = []
    for row in rows:
        lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
        if len(lines) >= 500:
            out.write("".join(lines).encode("utf-8"))
            lines = []
    out.write("".join(lines).encode("utf-8"))
    return count
