"""Items: all-or-nothing import with upsert by external id, reading, and overlap changes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from tutorloop.accounts.service import Principal
from tutorloop.audit.service import record
from tutorloop.db import NO_SYNC
from tutorloop.errors import Conflict, Invalid, NotFound
from tutorloop.formats.items import pop_answers, read_records, split_record
from tutorloop.items.models import Item
from tutorloop.markdown import render_markdown
from tutorloop.media.probe import probe_item_media
from tutorloop.projects.models import Project
from tutorloop.projects.service import authorize, bump_project_counters
from tutorloop.schema.questions import AnswerContext
from tutorloop.schema.spec import validate_gold, validate_item_data, validate_predictions

CHUNK = 900  # stays under SQLite's bound-parameter limit in IN (...) look-ups


def content_id(data: dict) -> str:
    """A stable id for an item that came without one: a hash of its content."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha1:" + hashlib.sha1(canonical.encode()).hexdigest()


def answer_context(item: Item) -> AnswerContext:
    """What answers to this item are checked against: its data and the media facts the server read."""
    return AnswerContext(data=item.data or {}, media=item.media or {})


def import_items(
    session: Session, *, actor: Principal | None, project_id: int, data: bytes, fmt: str,
    progress: Callable[[int], None] | None = None, media_root: Path | None = None,
    question: str | None = None, target: str = "predictions",
) -> dict:
    """Import items from file bytes. Everything is validated before anything is written.

    Re-importing an external id updates that item instead of adding a second one. Local image and video
    files (under `media_root`) are probed for their size, frame count and rate; a record may carry
    `gold` (known answers) and `predictions` (a model's pre-annotations, shown as suggestions).
    """
    if actor is not None:
        project = authorize(session, actor=actor, project_id=project_id, at_least="manager")
    else:
        project = session.get(Project, project_id)
        if project is None:
            raise NotFound(f"Project {project_id} not found.", where="project_id")
    fields = {f["name"]: f["type"] for f in project.spec["fields"]}
    parsed: dict[str, tuple[dict, dict, dict | None, dict | None, dict | None]] = {}
    for raw in read_records(data, fmt, session=session, project=project, media_root=media_root,
                            question=question, target=target):
        ext_id, item_data, meta = split_record(raw, fields, csv_mode=fmt == "csv")
        gold = pop_answers(meta, "gold", raw.where, csv_mode=fmt == "csv")
        predictions = pop_answers(meta, "predictions", raw.where, csv_mode=fmt == "csv")
        validate_item_data(project.spec, item_data, raw.where)
        media = probe_item_media(project.spec, media_root, project.id, item_data, raw.where) or None
        ctx = AnswerContext(data=item_data, media=media or {})
        if gold is not None:
            gold = validate_gold(project.spec, gold, f"{raw.where}.gold", ctx)
        if predictions is not None:
            predictions = validate_predictions(project.spec, predictions, f"{raw.where}.predictions", ctx)
        parsed[ext_id or content_id(item_data)] = (item_data, meta, gold, predictions, media)
    if not parsed:
        raise Invalid("the file holds no items", where="file")

    ids = list(parsed)
    existing: dict[str, int] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        existing.update(session.execute(
            select(Item.external_id, Item.id).where(Item.project_id == project.id, Item.external_id.in_(chunk))
        ).all())
    new_rows = [
        {"project_id": project.id, "external_id": ext, "data": d, "meta": m, "gold": g, "is_gold": g is not None,
         "predictions": p, "media": md, "needed": 0 if g is not None else project.overlap, "annotation_count": 0,
         "lease_count": 0, "queued": g is None}
        for ext, (d, m, g, p, md) in parsed.items() if ext not in existing
    ]
    done = 0
    for start in range(0, len(new_rows), 5000):
        batch = new_rows[start:start + 5000]
        session.execute(insert(Item), batch)
        done += len(batch)
        if progress:
            progress(done)
    for ext, item_id in existing.items():
        d, m, g, p, md = parsed[ext]
        session.execute(update(Item).where(Item.id == item_id).values(data=d, meta=m, predictions=p, media=md),
                        execution_options=NO_SYNC)
        if g is not None:
            set_gold(session, actor=None, project=project, item_id=item_id, answers=g)
        done += 1
        if progress and done % 5000 == 0:
            progress(done)
    if progress:
        progress(done)
    gold_count = sum(1 for row in new_rows if row["is_gold"])
    bump_project_counters(session, project_id=project.id, item_count=len(new_rows) - gold_count)
    summary = {"created": len(new_rows), "updated": len(existing), "total": len(parsed),
               "gold": gold_count + sum(1 for ext in existing if parsed[ext][2] is not None)}
    record(session, actor_id=actor.user.id if actor else None, action="items.import", project_id=project.id,
           target_type="project", target_id=project.id, detail={**summary, "format": fmt})
    return summary


def set_gold(session: Session, *, actor: Principal | None, project: Project, item_id: int,
             answers: dict | None) -> Item:
    """Make an item gold with known answers, change its answers, or (answers None) make it ordinary again.

    Gold items leave the normal queue and the completion totals; they are served by the queue's gold path.
    Answers given before an item became gold, or to earlier gold answers, keep the score they got then:
    gold accuracy measures blind answers at the time they were given.
    """
    from tutorloop.consensus.service import refresh_item

    item = get_item(session, project_id=project.id, item_id=item_id)
    was_complete = item.annotation_count >= item.needed and not item.is_gold
    if answers is not None:
        answers = validate_gold(project.spec, answers, "answers", answer_context(item))
        if not item.is_gold:
            bump_project_counters(session, project_id=project.id, item_count=-1, complete_count=-int(was_complete))
        item.gold, item.is_gold, item.needed, item.queued = answers, True, 0, False
    elif item.is_gold:
        item.gold, item.is_gold, item.needed = None, False, project.overlap
        item.refresh_queued()
        bump_project_counters(session, project_id=project.id, item_count=1,
                              complete_count=int(item.annotation_count >= item.needed))
    else:
        raise Conflict(f"Item {item_id} is not a gold item.", where="item_id")
    session.flush()
    refresh_item(session, project=project, item_id=item_id)
    record(session, actor_id=actor.user.id if actor else None, action="item.gold" if answers else "item.ungold",
           project_id=project.id, target_type="item", target_id=item_id, detail={"answers": answers})
    return item


def apply_overlap(session: Session, *, project: Project) -> None:
    """Set every ordinary item's needed count to the project's overlap; recompute queue state and totals."""
    session.execute(update(Item).where(Item.project_id == project.id, Item.is_gold.is_(False)).values(
        needed=project.overlap,
        queued=project.overlap > Item.annotation_count + Item.lease_count,
    ), execution_options=NO_SYNC)
    project.complete_count = session.scalar(
        select(func.count()).select_from(Item)
        .where(Item.project_id == project.id, Item.is_gold.is_(False), Item.annotation_count >= Item.needed)
    ) or 0


def list_items(session: Session, *, actor: Principal, project_id: int, after: int | None, limit: int) -> list[Item]:
    """A page of items in id order (managers and reviewers)."""
    authorize(session, actor=actor, project_id=project_id, at_least="reviewer")
    query = select(Item).where(Item.project_id == project_id).order_by(Item.id).limit(limit)
    if after is not None:
        query = query.where(Item.id > after)
    return list(session.scalars(query))


def get_item(session: Session, *, project_id: int, item_id: int) -> Item:
    """One item of a project (no access check: callers authorise first)."""
    item = session.get(Item, item_id)
    if item is None or item.project_id != project_id:
        raise NotFound(f"Item {item_id} not found in project {project_id}.", where="item_id")
    return item


def rendered_fields(spec: dict, project_id: int, data: dict, *, item_id: int | None = None) -> dict:
    """Per field, what the browser shows: safe HTML for Markdown and chat messages, a URL for media.

    Images and videos are always loaded from this server: a local file at `/media/<pid>/<path>`, a URL
    through `/api/v1/projects/<pid>/items/<item id>/media/<field>` (fetched and checked by the server;
    without `item_id` a URL is left out). Inline `data:image/…` values are shown as they are.
    """
    from urllib.parse import quote

    out: dict[str, str | list[str]] = {}
    for field in spec["fields"]:
        name, kind = field["name"], field["type"]
        value = data.get(name)
        if kind in ("chat", "responses") and isinstance(value, list):
            out[name] = [render_markdown(m.get("content", "")) if isinstance(m, dict) else "" for m in value]
            continue
        if not isinstance(value, str) or not value:
            continue
        if kind == "text" and field.get("format") == "markdown":
            out[name] = render_markdown(value)
        elif kind in ("image", "video"):
            if value.startswith(("http://", "https://")):
                if item_id is not None:
                    out[name] = f"/api/v1/projects/{project_id}/items/{item_id}/media/{quote(name, safe='')}"
            elif value.startswith("data:"):
                if kind == "image" and value.startswith("data:image/"):
                    out[name] = value
            else:
                out[name] = f"/media/{project_id}/{quote(value.removeprefix('media:').lstrip('/'))}"
    return out

