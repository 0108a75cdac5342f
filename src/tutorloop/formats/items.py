"""Reading item files: JSONL, a JSON array, or CSV. Each record keeps where it came from for errors.

A record is either `{"id": ..., "data": {...}, "meta": {...}}` or flat: `{"id": ..., "<field>": ...}`
where keys that are schema fields become data and the rest become metadata. In CSV, a cell of a `chat`
field holds the message list as JSON.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

from tutorloop.errors import Invalid

FORMATS = ("jsonl", "json", "csv")
ID_KEYS = ("id", "external_id")


@dataclass
class RawRecord:
    where: str  # "line 12", "record 3", "row 7"
    values: dict


def guess_format(filename: str, head: bytes) -> str:
    """The format from the file name, or from the first byte when the name says nothing."""
    lower = filename.lower()
    for ext in FORMATS:
        if lower.endswith("." + ext):
            return ext
    if lower.endswith(".ndjson"):
        return "jsonl"
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


def read_records(data: bytes, fmt: str) -> Iterator[RawRecord]:
    """Yield the file's records; raise Invalid naming the line or record that cannot be read."""
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
            if ftype == "chat" and isinstance(data.get(name), str) and data[name]:
                try:
                    data[name] = json.loads(data[name])
                except json.JSONDecodeError as exc:
                    where = f"{record.where}.{name}"
                    raise Invalid(f"{where}: a chat cell must hold the messages as JSON", where=where) from exc
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

