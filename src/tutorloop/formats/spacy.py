"""spaCy-style JSONL for text spans: one `{"id", "text", "ents", "relations"}` object per line.

`ents` holds `[start, end, label]` triples in code-point offsets, which is what Python string indexing and
spaCy's `Doc.char_span(start, end, label=label)` use (not UTF-16 units, not bytes), sorted by start.
`relations` holds `[head, child, label]` with indices into `ents`. With every person's answers each line
also names its `annotator` (one line per person and item). Nested or overlapping spans are written as they
are; spaCy keeps those in `doc.spans[...]` rather than `doc.ents`.

Loading an export::

    import json, spacy
    nlp = spacy.blank("ar")
    for line in open("project-1-entities.jsonl", encoding="utf-8"):
        row = json.loads(line)
        doc = nlp.make_doc(row["text"])
        spans = [doc.char_span(s, e, label=label, alignment_mode="expand") for s, e, label in row["ents"]]

On import each line needs `text` and may have `id` (the item's external id), `meta` (an object), `ents`
(triples, or objects `{"start", "end", "label"}` as Prodigy writes them under `spans`) and `relations`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, BinaryIO

from tutorloop.errors import Invalid
from tutorloop.formats.annotations import (
    MediaLookup,
    encode_with,
    label_names,
    text_of,
    write_all,
)

if TYPE_CHECKING:
    from tutorloop.schema.questions import QuestionConfig

TYPES = ("spans",)
SUFFIX = ".jsonl"
MEDIA_TYPE = "application/x-ndjson; charset=utf-8"
ANNOTATORS = True


def line_of(record: dict, question: QuestionConfig) -> dict:
    """One item's JSONL object."""
    value = record.get("value") or {}
    spans = value.get("spans", []) if isinstance(value, dict) else value
    spans = sorted(spans, key=lambda s: (s["start"], s["end"], s["label"]))
    index = {s.get("id"): i for i, s in enumerate(spans)}
    relations = value.get("relations", []) if isinstance(value, dict) else []
    row: dict[str, Any] = {"id": record.get("external_id"), "text": record["data"].get(question.field) or "",
                           "ents": [[s["start"], s["end"], s["label"]] for s in spans],
                           "relations": [[index[r["from"]], index[r["to"]], r["label"]] for r in relations
                                         if r.get("from") in index and r.get("to") in index]}
    if record.get("score") is not None:
        row["score"] = record["score"]
    if record.get("annotator") is not None:
        row["annotator"] = record["annotator"]
    return row


def write(records: Iterable[dict], out: BinaryIO, *, spec: dict, question: QuestionConfig) -> None:
    """Write one line per record."""
    lines: list[str] = []
    for record in records:
        lines.append(json.dumps(line_of(record, question), ensure_ascii=False, separators=(",", ":")) + "\n")
        if len(lines) >= 500:
            write_all(out, "".join(lines))
            lines = []
    write_all(out, "".join(lines))


def encode(records: Iterable[dict], *, spec: dict, question: QuestionConfig) -> bytes:
    """The JSONL file as bytes."""
    return encode_with(write, records, spec=spec, question=question)


def _bad(where: str, message: str) -> Invalid:
    return Invalid(f"{where}: {message}", where=where)


def _offset(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(where, "an offset is a whole number of code points")
    return value


def _entity(raw: Any, where: str, text: str, labels: list[str]) -> dict:
    if isinstance(raw, dict):
        start, end, label = raw.get("start"), raw.get("end"), raw.get("label")
    elif isinstance(raw, list) and len(raw) == 3:
        start, end, label = raw
    else:
        raise _bad(where, "expected [start, end, label]")
    start, end = _offset(start, f"{where}.0"), _offset(end, f"{where}.1")
    if not 0 <= start < end <= len(text):
        raise _bad(where, f"[{start}, {end}) is not a span of the text (0–{len(text)} code points)")
    if label not in labels:
        raise _bad(f"{where}.2", f"{label!r} is not a label of the question ({', '.join(labels)})")
    return {"start": start, "end": end, "label": label}


def _line(row: Any, where: str, question: QuestionConfig, labels: list[str]) -> dict:
    if not isinstance(row, dict):
        raise _bad(where, "each line must be a JSON object")
    text = row.get("text")
    if not isinstance(text, str) or not text:
        raise _bad(f"{where}.text", "a line needs the text")
    if "annotator" in row:
        raise _bad(f"{where}.annotator", "a file of every person's answers cannot be imported")
    key = "ents" if "ents" in row else "spans"
    raw_spans = row.get(key) or []
    if not isinstance(raw_spans, list):
        raise _bad(f"{where}.{key}", "expected a list")
    spans = [_entity(raw, f"{where}.{key}.{i}", text, labels) for i, raw in enumerate(raw_spans)]
    ids = [f"s{i + 1}" for i in range(len(spans))]
    relations = []
    raw_relations = row.get("relations") or []
    if not isinstance(raw_relations, list):
        raise _bad(f"{where}.relations", "expected a list")
    for i, raw in enumerate(raw_relations):
        path = f"{where}.relations.{i}"
        if not isinstance(raw, list) or len(raw) != 3:
            raise _bad(path, "expected [head, child, label] with indices into ents")
        head, child, label = raw
        for k, index in ((0, head), (1, child)):
            if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(spans):
                raise _bad(f"{path}.{k}", f"{index!r} is not an index into {key} (0–{len(spans) - 1})")
        relations.append({"from": ids[head], "to": ids[child], "label": label})
    ext = row.get("id")
    if ext is not None and (isinstance(ext, bool) or not isinstance(ext, (str, int))):
        raise _bad(f"{where}.id", "an id is a string or number")
    meta = row.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise _bad(f"{where}.meta", "expected an object")
    score = row.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1):
        raise _bad(f"{where}.score", "a score is a number from 0 to 1")
    value = {"spans": [{"id": ids[i], **s, "text": text[s["start"]:s["end"]], "attributes": {}}
                       for i, s in enumerate(spans)], "relations": relations}
    return {"external_id": str(ext).strip() if ext is not None and str(ext).strip() else None,
            "data": {question.field: text}, "meta": meta or {}, "media": {}, "value": value, "score": score,
            "where": where}


def decode(data: bytes, *, spec: dict, question: QuestionConfig, media: MediaLookup | None = None) -> list[dict]:
    """Records (one per line) from spaCy-style JSONL."""
    labels = label_names(question)
    records = []
    for number, line in enumerate(text_of(data).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise Invalid(f"line {number}: not valid JSON ({exc.msg})", where=f"line {number}") from None
        records.append(_line(row, f"line {number}", question, labels))
    if not records:
        raise Invalid("the file holds no lines", where="file")
    return records
