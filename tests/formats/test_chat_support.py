"""Shared by the chat-format tests (no tests here): a chat schema, hand-made items, readers of exports."""

from __future__ import annotations

import json
from pathlib import Path

RUBRIC = [{"name": "helpfulness", "text": "Helpful", "min": 0, "max": 4},
          {"name": "correctness", "text": "Correct", "min": 0, "max": 4}]
SPEC = {
    "name": "Tutoring",
    "fields": [{"name": "chat", "type": "chat"}, {"name": "responses", "type": "responses", "required": False}],
    "questions": [
        {"name": "prefer", "type": "pairwise", "field": "responses"},
        {"name": "order", "type": "ranking", "field": "responses"},
        {"name": "fix", "type": "rewrite", "field": "responses", "target": "choose"},
        {"name": "reply", "type": "write", "field": "chat", "mode": "response"},
        {"name": "scores", "type": "rubric", "field": "responses", "per_response": True, "attributes": RUBRIC},
    ],
}
CHAT = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2+2?"}]
RESPONSES = [{"id": "r1", "model": "m-a", "content": "4"}, {"id": "r2", "model": "m-b", "content": "5"},
             {"id": "r3", "model": "m-c", "content": "Four."}]


def record(answers: dict, *, item_id: int = 1, annotator: str | None = None, chat=None, responses=None) -> dict:
    """An export record of one item."""
    out = {"item_id": item_id, "external_id": f"q{item_id}",
           "data": {"chat": chat or CHAT, "responses": responses or RESPONSES}, "answers": answers}
    if annotator:
        out["annotator"] = annotator
    return out


def load(tmp_path: Path, name: str, payload: bytes, kind: str = "json"):
    """The export read back by `datasets` (the library training code uses)."""
    import datasets

    path = tmp_path / name
    path.write_bytes(payload)
    return datasets.load_dataset(kind, data_files=str(path), split="train", cache_dir=str(tmp_path / "cache"))


def jsonl(payload: bytes) -> list[dict]:
    """Rows of a JSONL export."""
    return [json.loads(line) for line in payload.decode().split("\n") if line]  # not splitlines: U+2028 is text
