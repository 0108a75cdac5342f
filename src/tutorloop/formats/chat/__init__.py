"""Chat imports and training exports (TRL SFT, prompt-completion, DPO, KTO, reward pairs, HelpSteer, OASST).

Importers (`IMPORTS`) read a file into item records `{"external_id", "data": {chat, responses},
"predictions"?, "gold"?, "where"}`; `item_values(record)` gives the dict the item importer takes, so the
all-or-nothing import validates them like any other item.

Exporters (`EXPORTS`) turn export records `{"item_id", "external_id", "data", "answers", "annotator"?}` (see
`from_item_records`) into training rows. Every row is checked as it is made (required keys, chosen ≠
rejected, no empty completion); `write` stops at the first problem with an `Invalid` naming the item, so a
caller that writes into a temporary file sends nothing broken.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Iterable
from types import ModuleType
from typing import BinaryIO

from tutorloop.errors import Invalid
from tutorloop.formats.chat.common import chat_schema, check_keys, from_item_records, item_values, write_jsonl

IMPORTS: dict[str, str] = {
    "openai_chat": "tutorloop.formats.chat.openai_chat",
    "trl_preference": "tutorloop.formats.chat.trl_preference",
    "prompts": "tutorloop.formats.chat.prompts",
    "candidates": "tutorloop.formats.chat.candidates",
}
EXPORTS: dict[str, str] = {
    "sft": "tutorloop.formats.chat.sft",
    "prompt_completion": "tutorloop.formats.chat.prompt_completion",
    "dpo": "tutorloop.formats.chat.dpo",
    "kto": "tutorloop.formats.chat.kto",
    "reward_pairs": "tutorloop.formats.chat.reward",
    "helpsteer": "tutorloop.formats.chat.helpsteer",
    "helpsteer_csv": "tutorloop.formats.chat.helpsteer",
    "oasst": "tutorloop.formats.chat.oasst",
}
IMPORT_FORMATS = tuple(IMPORTS)
EXPORT_FORMATS = tuple(EXPORTS)
OPTIONS = ("questions", "form", "pairs", "ties", "both_bad", "rewrites")

__all__ = ["EXPORT_FORMATS", "IMPORT_FORMATS", "decode", "encode", "export_name", "from_item_records",
           "item_values", "media_type", "write"]


def importer(name: str) -> ModuleType:
    """The import module of a format, or Invalid listing the known ones."""
    if name not in IMPORTS:
        raise Invalid(f"format: unknown chat import {name!r} (use {', '.join(IMPORT_FORMATS)})", where="format")
    return importlib.import_module(IMPORTS[name])


def exporter(name: str) -> ModuleType:
    """The export module of a format, or Invalid listing the known ones."""
    if name not in EXPORTS:
        raise Invalid(f"format: unknown chat export {name!r} (use {', '.join(EXPORT_FORMATS)})", where="format")
    return importlib.import_module(EXPORTS[name])


def decode(fmt: str, data: bytes, *, spec: dict, **options) -> list[dict]:
    """Item records of a chat file; Invalid naming the first bad line, or when the file holds none."""
    records = importer(fmt).decode(data, spec=spec, **options)
    if not records:
        raise Invalid("file: the file holds no items", where="file")
    return records


def check_options(options: dict) -> dict:
    """The export options, or Invalid naming an unknown one or a bad value."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise Invalid(f"{unknown[0]}: not an option of chat exports (use {', '.join(OPTIONS)})", where=unknown[0])
    if options.get("form", "conversational") not in ("conversational", "plain"):
        raise Invalid("form: use conversational or plain", where="form")
    if options.get("pairs", "all") not in ("all", "adjacent", "best"):
        raise Invalid("pairs: use all, adjacent or best", where="pairs")
    return options


def write(fmt: str, records: Iterable[dict], out: BinaryIO, *, spec: dict, **options) -> int:
    """Write an export into a binary file; returns the number of rows. Invalid (naming the item) on the
    first row that fails its checks; an export without any row is refused too."""
    module = exporter(fmt)
    schema = chat_schema(spec)
    options = check_options(options)
    if fmt == "helpsteer_csv":
        count = module.write_csv(records, out, schema=schema, **options)
    else:
        def rows():
            for record in records:
                for row in module.rows(record, schema, **options):
                    check_keys(record, row, module.COLUMNS)
                    yield row

        count = write_jsonl(rows(), out)
    if count == 0:
        raise Invalid(f"format: no item has the answers a {fmt} export needs", where="format")
    return count


def encode(fmt: str, records: Iterable[dict], *, spec: dict, **options) -> bytes:
    """`write` into bytes."""
    out = io.BytesIO()
    write(fmt, records, out, spec=spec, **options)
    return out.getvalue()


def export_name(project_id: int, fmt: str) -> str:
    """The download's file name, e.g. project-3-dpo.jsonl."""
    return f"project-{project_id}-{fmt}{'.csv' if fmt == 'helpsteer_csv' else exporter(fmt).SUFFIX}"


def media_type(fmt: str) -> str:
    """The content type of an export."""
    return "text/csv; charset=utf-8" if fmt == "helpsteer_csv" else exporter(fmt).MEDIA_TYPE
