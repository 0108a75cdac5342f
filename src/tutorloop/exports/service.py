"""Exports: every item with its per-annotator rows and a consensus per question.

Rows stream in item-id order, a thousand items at a time, so memory stays flat for any project size.
Consensus is the stored one (kept current as labels arrive, refitted by the quality engine; see
`tutorloop.consensus`), with its method and confidence; an item without a stored value falls back to its
question type's simple rule over the annotations that count (submitted, accepted, corrected).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutorloop.accounts.models import User
from tutorloop.annotations.models import COUNTED, Annotation
from tutorloop.consensus.models import Consensus
from tutorloop.consensus.service import effective
from tutorloop.items.models import Item
from tutorloop.projects.models import Project
from tutorloop.schema.questions import get_type
from tutorloop.schema.spec import question_configs

PAGE = 1000
FORMATS = ("jsonl", "csv")


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


def iter_export(session: Session, *, project: Project, fmt: str) -> Iterator[str]:
    """The export file as text chunks."""
    records = iter_item_records(session, project=project)
    return iter_jsonl(records) if fmt == "jsonl" else iter_csv(project, records)
