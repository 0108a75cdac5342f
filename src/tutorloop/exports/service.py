"""Exports: every item with its per-annotator rows and a consensus per question.

Rows stream in item-id order, a thousand items at a time, so memory stays flat for any project size.
Consensus is the stored one (kept current as labels arrive, refitted by the quality engine; see
`tutorloop.consensus`), with its method and confidence; an item without a stored value falls back to its
question type's simple rule over the annotations that count (submitted, accepted, corrected).

Annotation formats (COCO, YOLO, VOC, CoNLL, spaCy, MOT) carry one question's answers from one source:
the consensus, the model predictions, the gold answers, or every person's effective answer. They are
written item by item into a temporary file (spilling to disk past a few megabytes) before the first byte
is sent, so a problem (a rotated box for VOC, overlapping spans for CoNLL, an unknown image size for
YOLO) is a clear 422 naming the item rather than a broken download.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import tempfile
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutorloop.accounts.models import User
from tutorloop.annotations.models import COUNTED, Annotation
from tutorloop.consensus.models import Consensus
from tutorloop.consensus.service import effective
from tutorloop.errors import Invalid
from tutorloop.formats import chat as chat_formats
from tutorloop.formats.annotations import FORMATS as ANNOTATION_FORMATS
from tutorloop.formats.annotations import SOURCES, codec, pick_question
from tutorloop.items.models import Item
from tutorloop.projects.models import Project
from tutorloop.schema.questions import get_type
from tutorloop.schema.spec import question_configs

PAGE = 1000
TABLE_FORMATS = ("jsonl", "csv")
CHAT_FORMATS = chat_formats.EXPORT_FORMATS
FORMATS = TABLE_FORMATS + ANNOTATION_FORMATS + CHAT_FORMATS
SPOOL_BYTES = 8 * 1024 * 1024


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def consensus(configs, annotations: list[Annotation]) -> dict[str, Any]:
    """Per question, the agreed answer of the annotations that count."""
    counted = [effective(a.answers, a.corrected_answers, a.status) for a in annotations if a.status in COUNTED]
    out: dict[str, Any] = {}
    for config in configs:
        values = [answers[config.name] for answers in counted if config.name in answers]
        out[config.name] = get_type(config.type, config.name).consensus(config, values) if values else None
    return out


def iter_item_records(session: Session, *, project: Project) -> Iterator[dict]:
    """One dict per item: content, consensus and per-annotator rows."""
    configs = question_configs(project.spec)
    usernames: dict[int, str] = dict(session.execute(select(User.id, User.username)).all())
    after = 0
    while True:
        items = list(session.scalars(
            select(Item).where(Item.project_id == project.id, Item.id > after).order_by(Item.id).limit(PAGE)))
        if not items:
            return
        by_item: dict[int, list[Annotation]] = {item.id: [] for item in items}
        stored: dict[int, dict[str, Consensus]] = {}
        for row in session.scalars(select(Consensus).where(Consensus.item_id.in_(list(by_item)))):
            stored.setdefault(row.item_id, {})[row.question] = row
        for annotation in session.scalars(
            select(Annotation).where(Annotation.project_id == project.id,
                                     Annotation.item_id.in_(list(by_item))).order_by(Annotation.id)
        ):
            by_item[annotation.item_id].append(annotation)
        for item in items:
            annotations = by_item[item.id]
            agreed = consensus(configs, annotations)
            kept = stored.get(item.id, {})
            yield {
                "item_id": item.id,
                "external_id": item.external_id,
                "data": item.data,
                "meta": item.meta,
                "needed": item.needed,
                "gold": item.gold,
                "consensus": {c.name: kept[c.name].value if c.name in kept else agreed[c.name] for c in configs},
                "consensus_confidence": {c.name: kept[c.name].confidence if c.name in kept else None
                                         for c in configs},
                "consensus_method": {c.name: kept[c.name].method if c.name in kept else "majority"
                                     for c in configs},
                "annotations": [
                    {
                        "annotation_id": a.id,
                        "annotator": usernames.get(a.user_id, str(a.user_id)),
                        "answers": a.answers,
                        "time_spent_ms": a.time_spent_ms,
                        "guideline_version": a.guideline_version,
                        "review_state": a.status,
                        "reviewer": usernames.get(a.reviewed_by) if a.reviewed_by else None,
                        "review_reason": a.review_reason,
                        "corrected_answers": a.corrected_answers,
                        "created_at": _iso(a.created_at),
                        "updated_at": _iso(a.updated_at),
                    }
                    for a in annotations
                ],
            }
        after = items[-1].id


def iter_jsonl(records: Iterator[dict], *, lines_per_chunk: int = 500) -> Iterator[str]:
    """One JSON object per line per item, sent in chunks of many lines (one per item is slow to stream)."""
    lines: list[str] = []
    for record in records:
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        if len(lines) >= lines_per_chunk:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def csv_columns(project: Project) -> list[str]:
    """The CSV header: item columns, annotation columns, then one answer and consensus column per question."""
    names = [q["name"] for q in project.spec["questions"]]
    return [
        "item_id", "external_id", "annotation_id", "annotator", "time_spent_ms", "guideline_version",
        "review_state", "reviewer", "review_reason", "created_at",
        *[f"answer.{n}" for n in names], *[f"corrected.{n}" for n in names], *[f"consensus.{n}" for n in names],
        *[f"consensus_confidence.{n}" for n in names], *[f"consensus_method.{n}" for n in names],
    ]


def iter_csv(project: Project, records: Iterator[dict]) -> Iterator[str]:
    """One row per annotation (an item without any gets one row with empty annotation cells)."""
    configs = question_configs(project.spec)
    columns = csv_columns(project)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    for record in records:
        base = {"item_id": record["item_id"], "external_id": record["external_id"]}
        for config in configs:
            qtype = get_type(config.type, config.name)
            base[f"consensus.{config.name}"] = qtype.export_value(config, record["consensus"].get(config.name))
            base[f"consensus_confidence.{config.name}"] = record["consensus_confidence"].get(config.name)
            base[f"consensus_method.{config.name}"] = record["consensus_method"].get(config.name)
        rows = record["annotations"] or [{}]
        for a in rows:
            row = dict(base)
            for key in ("annotation_id", "annotator", "time_spent_ms", "guideline_version", "review_state",
                        "reviewer", "review_reason", "created_at"):
                row[key] = a.get(key)
            for config in configs:
                qtype = get_type(config.type, config.name)
                row[f"answer.{config.name}"] = qtype.export_value(config, (a.get("answers") or {}).get(config.name))
                row[f"corrected.{config.name}"] = qtype.export_value(
                    config, (a.get("corrected_answers") or {}).get(config.name))
            writer.writerow(row)
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _counted(session: Session, project: Project, ids: list[int]) -> dict[int, list[Annotation]]:
    """The annotations that count of some items, oldest first."""
    out: dict[int, list[Annotation]] = {i: [] for i in ids}
    if ids:
        for a in session.scalars(select(Annotation).where(
                Annotation.project_id == project.id, Annotation.item_id.in_(ids),
                Annotation.status.in_(COUNTED)).order_by(Annotation.id)):
            out[a.item_id].append(a)
    return out


def _agreed(session: Session, project: Project, question, items: list[Item]) -> dict[int, Any]:
    """Per item the stored consensus of one question; else its gold answer (as `refresh_item` would store
    it); else the type's rule over the annotations that count (read only for those items)."""
    name = question.name
    ids = [item.id for item in items]
    stored = dict(session.execute(select(Consensus.item_id, Consensus.value).where(
        Consensus.item_id.in_(ids), Consensus.question == name)).all())
    out = {i: stored[i] for i in ids if i in stored}
    for item in items:
        if item.id not in stored and item.is_gold and (item.gold or {}).get(name) is not None:
            out[item.id] = item.gold[name]
    counted = _counted(session, project, [i for i in ids if i not in out])
    qtype = get_type(question.type, name)
    for item_id, rows in counted.items():
        values = [v for a in rows if (v := effective(a.answers, a.corrected_answers, a.status).get(name)) is not None]
        out[item_id] = qtype.consensus(question, values) if values else None
    return out


def _answers(session: Session, project: Project, question, source: str, items: list[Item],
             usernames: dict[int, str]) -> dict[int, list[tuple[Any, Any, str | None]]]:
    """Per item its (answer, score, annotator) rows from one source."""
    name = question.name
    out: dict[int, list[tuple[Any, Any, str | None]]] = {item.id: [] for item in items}
    if source == "predictions":
        for item in items:
            kept = (item.predictions or {}).get(name)
            if isinstance(kept, dict) and kept.get("value") is not None:
                out[item.id].append((kept["value"], kept.get("score"), None))
    elif source == "gold":
        for item in items:
            if (item.gold or {}).get(name) is not None:
                out[item.id].append((item.gold[name], None, None))
    elif source == "annotations":
        for item_id, rows in _counted(session, project, list(out)).items():
            for a in rows:
                value = effective(a.answers, a.corrected_answers, a.status).get(name)
                if value is not None:
                    out[item_id].append((value, None, usernames.get(a.user_id, str(a.user_id))))
    else:
        for item_id, value in _agreed(session, project, question, items).items():
            if value is not None:
                out[item_id].append((value, None, None))
    return out


def iter_answer_records(session: Session, *, project: Project, question, source: str) -> Iterator[dict]:
    """Codec records of one question from one source, item by item in id order (items without an answer
    from that source are left out; an empty answer is kept: it says there is nothing to find)."""
    usernames: dict[int, str] = dict(session.execute(select(User.id, User.username)).all()) \
        if source == "annotations" else {}
    after = 0
    while True:
        query = select(Item).where(Item.project_id == project.id, Item.id > after).order_by(Item.id).limit(PAGE)
        if source == "gold":
            query = query.where(Item.is_gold.is_(True))
        items = list(session.scalars(query))
        if not items:
            return
        answers = _answers(session, project, question, source, items, usernames)
        for item in items:
            for value, score, annotator in answers[item.id]:
                record = {"item_id": item.id, "external_id": item.external_id, "data": item.data or {},
                          "meta": item.meta or {}, "media": item.media or {}, "value": value, "score": score}
                if annotator is not None:
                    record["annotator"] = annotator
                yield record
        after = items[-1].id


def export_name(project: Project, fmt: str, question=None) -> str:
    """The download's file name, e.g. project-3-objects-coco.json."""
    if fmt in TABLE_FORMATS:
        return f"project-{project.id}.{fmt}"
    return f"project-{project.id}-{question.name}-{fmt}{codec(fmt).SUFFIX}"


def build_annotation_export(session: Session, *, project: Project, fmt: str, question: str | None = None,
                            source: str = "consensus"):
    """Write an annotation-format export into a temporary file; returns (file at offset 0, question config).

    Raises Invalid (nothing sent yet) for a bad question or source, or an item the format cannot hold.
    """
    module = codec(fmt)
    if source not in SOURCES:
        raise Invalid(f"source must be one of {', '.join(SOURCES)}", where="source")
    config = pick_question(project.spec, fmt, question)
    if source == "annotations" and not module.ANNOTATORS:
        carriers = [name for name in ANNOTATION_FORMATS if codec(name).ANNOTATORS and config.type in codec(name).TYPES]
        raise Invalid(f"source: {fmt} holds one answer per item, not every person's; export source=annotations "
                      f"as {' or '.join(carriers) or 'jsonl'}", where="source")
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115  (handed to the caller, who closes it)
    try:
        module.write(iter_answer_records(session, project=project, question=config, source=source), out,
                     spec=project.spec, question=config)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out, config


def iter_file(handle, *, chunk: int = 256 * 1024) -> Iterator[bytes]:
    """A file's bytes in chunks; closes it at the end."""
    try:
        while block := handle.read(chunk):
            yield block
    finally:
        handle.close()


def _as_text(chunks: Iterator[bytes]) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    for chunk in chunks:
        if text := decoder.decode(chunk):
            yield text
    if tail := decoder.decode(b"", final=True):
        yield tail


def build_chat_export(session: Session, *, project: Project, fmt: str, source: str = "consensus", **options):
    """Write a chat training export into a temporary file; Invalid naming the item before anything is sent."""
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115  (handed to the caller)
    try:
        records = chat_formats.from_item_records(iter_item_records(session, project=project), source=source)
        chat_formats.write(fmt, records, out, spec=project.spec, **options)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def iter_export(session: Session, *, project: Project, fmt: str, question: str | None = None,
                source: str = "consensus") -> Iterator[str] | Iterator[bytes]:
    """The export file as chunks: bytes for the zip formats, text for the others."""
    if fmt in CHAT_FORMATS:
        options = {"questions": [question]} if question else {}
        return _as_text(iter_file(build_chat_export(session, project=project, fmt=fmt, source=source, **options)))
    if fmt in ANNOTATION_FORMATS:
        handle, _ = build_annotation_export(session, project=project, fmt=fmt, question=question, source=source)
        if codec(fmt).SUFFIX == ".zip":
            return iter_file(handle)
        return _as_text(iter_file(handle))
    records = iter_item_records(session, project=project)
    return iter_jsonl(records) if fmt == "jsonl" else iter_csv(project, records)
