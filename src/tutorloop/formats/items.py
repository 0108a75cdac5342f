"""Reading item files: JSONL, a JSON array, or CSV. Each record keeps where it came from for errors.

A record is either `{"id": ..., "data": {...}, "meta": {...}}` or flat: `{"id": ..., "<field>": ...}`
where keys that are schema fields become data and the rest become metadata. In CSV, a cell of a `chat`
field holds the message list as JSON.

Annotation files (COCO, YOLO, VOC, CoNLL, spaCy, MOT: see `tutorloop.formats.annotations`) are read by
their codec into the same records, the decoded answers under `predictions` (or `gold`), so they pass the
same validation and the same all-or-nothing import.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tutorloop.errors import Invalid
from tutorloop.formats import chat as chat_formats
from tutorloop.formats.annotations import FORMATS as ANNOTATION_FORMATS

TEXT_FORMATS = ("jsonl", "json", "csv")
FORMATS = TEXT_FORMATS + ANNOTATION_FORMATS + chat_formats.IMPORT_FORMATS
ID_KEYS = ("id", "external_id")


@dataclass
class RawRecord:
    where: str  # "line 12", "record 3", "row 7"
    values: dict


def guess_format(filename: str, head: bytes) -> str:
    """The format from the file name, or from the first byte when the name says nothing."""
    lower = filename.lower()
    for ext in TEXT_FORMATS:
        if lower.endswith("." + ext):
            return ext
    if lower.endswith(".ndjson"):
        return "jsonl"
    if lower.endswith((".conll", ".iob", ".iob2", ".bio")):
        return "conll"
    stripped = head.lstrip()
    if stripped.startswith(b"["):
        return "json"
    if stripped.startswith(b"{"):
        return "jsonl"
    return "csv"


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"the file is not UTF-8 text (byte {exc.start})", where="file") from exc


def read_records(data: bytes, fmt: str, *, session=None, project=None, media_root: Path | None = None,
                 question: str | None = None, target: str = "predictions") -> Iterator[RawRecord]:
    """Yield the file's records; raise Invalid naming the line or record that cannot be read.

    Annotation formats need the `project` (its schema) and read its items through `session`; `question`
    names the question the file answers (optional when one question fits) and `target` where the answers
    go: "predictions" or "gold".
    """
    if fmt in chat_formats.IMPORT_FORMATS:
        if project is None:
            raise Invalid(f"{fmt} files are imported into a project", where="format")
        for record in chat_formats.decode(fmt, data, spec=project.spec, question=question,
                                          answer_as=target if question else None):
            yield RawRecord(record["where"], chat_formats.item_values(record))
        return
    if fmt in ANNOTATION_FORMATS:
        if project is None:
            raise Invalid(f"{fmt} files are imported into a project", where="format")
        yield from read_annotation_records(data, fmt, session=session, project=project, media_root=media_root,
                                           question=question, target=target)
        return
    text = _decode(data)
    if fmt == "jsonl":
        # Only \n ends a JSONL line: str.splitlines() would also split inside text at U+2028, \x85, ...
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise Invalid(f"line {number}: not valid JSON ({exc.msg})", where=f"line {number}") from exc
            if not isinstance(value, dict):
                raise Invalid(f"line {number}: each line must be a JSON object", where=f"line {number}")
            yield RawRecord(f"line {number}", value)
    elif fmt == "json":
        try:
            values = json.loads(text)
        except json.JSONDecodeError as exc:
            raise Invalid(f"line {exc.lineno}: not valid JSON ({exc.msg})", where=f"line {exc.lineno}") from exc
        if not isinstance(values, list):
            raise Invalid("a JSON file must hold an array of objects", where="file")
        for number, value in enumerate(values, start=1):
            if not isinstance(value, dict):
                raise Invalid(f"record {number}: must be a JSON object", where=f"record {number}")
            yield RawRecord(f"record {number}", value)
    elif fmt == "csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if not reader.fieldnames:
            raise Invalid("the CSV file has no header row", where="line 1")
        for row in reader:
            if None in row:
                raise Invalid(f"line {reader.line_num}: more cells than header columns",
                              where=f"line {reader.line_num}")
            yield RawRecord(f"line {reader.line_num}", dict(row))
    else:
        raise Invalid(f"unknown format {fmt!r} (use jsonl, json or csv)", where="format")


def split_record(record: RawRecord, fields: dict[str, str], csv_mode: bool) -> tuple[str | None, dict, dict]:
    """(external id, data, metadata) of a raw record, given the schema's field names and types.

    A `gold` key (known answers, for gold items) is left in the metadata; `pop_answers` takes it (so do `predictions`).
    """
    values = dict(record.values)
    ext = next((values.pop(k) for k in ID_KEYS if k in values), None)
    if ext is not None and not isinstance(ext, (str, int)):
        raise Invalid(f"{record.where}: id must be a string or number", where=f"{record.where}.id")
    meta = values.pop("meta", None) or values.pop("metadata", None) or {}
    if not isinstance(meta, dict):
        raise Invalid(f"{record.where}: meta must be an object", where=f"{record.where}.meta")
    if isinstance(values.get("data"), dict):
        data = values.pop("data")
        meta = {**values, **meta}
    else:
        data = {k: values.pop(k) for k in list(values) if k in fields}
        meta = {**values, **meta}
    if csv_mode:
        for name, ftype in fields.items():
            if ftype in ("chat", "responses") and isinstance(data.get(name), str) and data[name]:
                try:
                    data[name] = json.loads(data[name])
                except json.JSONDecodeError as exc:
                    where = f"{record.where}.{name}"
                    raise Invalid(f"{where}: a {ftype} cell must hold JSON", where=where) from exc
    ext_id = str(ext).strip() if ext is not None and str(ext).strip() else None
    if ext_id is not None and len(ext_id) > 200:
        raise Invalid(f"{record.where}: id is longer than 200 characters", where=f"{record.where}.id")
    return ext_id, data, meta


def pop_answers(meta: dict, key: str, record_where: str, csv_mode: bool) -> object | None:
    """Take answers kept under `key` ("gold", "predictions") out of a record's metadata (a JSON cell in CSV).

    None if there are none.
    """
    value = meta.pop(key, None)
    if value in (None, ""):
        return None
    if csv_mode and isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            where = f"{record_where}.{key}"
            raise Invalid(f"{where}: a {key} cell must hold the answers as JSON", where=where) from exc
    return value



def _existing_media(session, project, field: str) -> tuple[dict[str, str], dict[str, dict]]:
    """({media value: external id}, {media value: facts}) of a project's items, read page by page."""
    from sqlalchemy import select

    from tutorloop.items.models import Item

    ids: dict[str, str] = {}
    facts: dict[str, dict] = {}
    after = 0
    while True:
        rows = session.execute(select(Item.id, Item.external_id, Item.data, Item.media).where(
            Item.project_id == project.id, Item.id > after).order_by(Item.id).limit(2000)).all()
        if not rows:
            return ids, facts
        for _, ext, data, media in rows:
            value = (data or {}).get(field)
            if isinstance(value, str) and value:
                ids.setdefault(value, ext)
                if isinstance((media or {}).get(field), dict):
                    facts[value] = media[field]
        after = rows[-1][0]


def _prober(project, media_root: Path | None, kind: str):
    """Reads a local media file's facts by its media value (None when there is no such readable file)."""
    if media_root is None:
        return None
    from tutorloop.errors import NotFound
    from tutorloop.media.probe import is_url, local_relative, probe_file
    from tutorloop.media.routes import resolve_media_path

    def probe(value: str) -> dict | None:
        if is_url(value) or value.startswith("data:"):
            return None
        try:
            return probe_file(resolve_media_path(media_root, project.id, local_relative(value)), kind)
        except (NotFound, Invalid):
            return None

    return probe


def _existing_rows(session, project, ext_ids: list[str]) -> dict[str, tuple]:
    """{external id: (data, meta, predictions, gold)} of the items that already exist."""
    from sqlalchemy import select

    from tutorloop.items.models import Item

    out: dict[str, tuple] = {}
    if session is None:
        return out
    for start in range(0, len(ext_ids), 900):
        chunk = ext_ids[start:start + 900]
        for ext, data, meta, predictions, gold in session.execute(
            select(Item.external_id, Item.data, Item.meta, Item.predictions, Item.gold).where(
                Item.project_id == project.id, Item.external_id.in_(chunk))
        ):
            out[ext] = (data or {}, meta or {}, predictions or {}, gold or {})
    return out


def read_annotation_records(data: bytes, fmt: str, *, session, project, media_root: Path | None,
                            question: str | None, target: str) -> Iterator[RawRecord]:
    """Records of an annotation file: one per item, the answers under `predictions` or `gold`.

    An item is matched to an existing one by the external id the file gives, else by its media value (the
    image or video path); a new image or video item takes its media value as external id. A matched item
    keeps its other data, its metadata and its answers to other questions; only this question's
    prediction (or gold answer) is replaced.
    """
    from tutorloop.formats.annotations import TARGETS, MediaLookup, codec, field_type, pick_question

    if target not in TARGETS:
        raise Invalid(f"as: answers are imported as {' or '.join(TARGETS)}, not {target!r}", where="as")
    config = pick_question(project.spec, fmt, question)
    field = config.field
    kind = field_type(project.spec, field)
    by_path: dict[str, str] = {}
    known: dict[str, dict] = {}
    if kind in ("image", "video") and session is not None:
        by_path, known = _existing_media(session, project, field)
    lookup = MediaLookup(known, _prober(project, media_root, kind) if kind in ("image", "video") else None)
    records = codec(fmt).decode(data, spec=project.spec, question=config, media=lookup)
    if not records:
        raise Invalid("the file holds no items", where="file")
    for record in records:
        path = record["data"].get(field)
        ext = record.get("external_id") or by_path.get(path)
        if ext is None and kind in ("image", "video") and isinstance(path, str) and 0 < len(path) <= 200:
            ext = path
        record["external_id"] = ext
    existing = _existing_rows(session, project, sorted({r["external_id"] for r in records if r["external_id"]}))
    for record in records:
        ext = record["external_id"]
        old_data, old_meta, old_predictions, old_gold = existing.get(ext, ({}, {}, {}, {}))
        values: dict = {"data": {**old_data, **record["data"]}, "meta": {**old_meta, **(record.get("meta") or {})}}
        if ext is not None:
            values["id"] = ext
        if target == "predictions":
            values["predictions"] = {**old_predictions,
                                     config.name: {"value": record["value"], "score": record.get("score")}}
        else:
            values["gold"] = {**old_gold, config.name: record["value"]}
            if old_predictions:
                values["predictions"] = old_predictions
        yield RawRecord(record["where"], values)
