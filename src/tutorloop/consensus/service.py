"""Consensus per item and question, kept current as labels arrive, and people's measured skill.

Two speeds:
- On every submit, edit or review, `refresh_item` recomputes that item's consensus in the same
  transaction. For single-label questions it uses the confusion matrices of the last full fit
  (Dawid–Skene posterior of one item: p(k | labels) ∝ prior_k · Π_w π_w[k, label_w]); people not yet in
  the fit get a symmetric matrix at the fit's mean accuracy. Cost: the item's own labels.
- A full refit (`refit_project`) runs the quality engine over all of a project's labels, outside any
  request: in a background thread once enough new labels arrived, or on demand (API, CLI). It stores
  every person's confusion matrix and accuracy, every item's consensus, agreement and suspected errors.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import numpy as np
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tutorloop.annotations.models import COUNTED, Annotation
from tutorloop.consensus.models import Consensus, QualityFit, WorkerSkill
from tutorloop.db import upsert, utcnow
from tutorloop.items.models import Item
from tutorloop.projects.models import Project
from tutorloop.schema.questions import get_type
from tutorloop.schema.spec import question_configs

log = logging.getLogger("tutorloop.consensus")

CATEGORICAL = ("single_label",)
REFIT_MIN_NEW = 50        # a background refit waits for at least this many new labels...
REFIT_SHARE = 0.1         # ...and for this share of the labels the last fit saw
DEFAULT_ACCURACY = 0.7    # for people the fit has not seen yet, before any fit exists

_ITEM_LABELS = (
    select(Annotation.user_id, Annotation.answers, Annotation.corrected_answers, Annotation.status)
    .where(Annotation.item_id == bindparam("item_id"), Annotation.status.in_(COUNTED))
    .order_by(Annotation.id)
)


def effective(answers: dict, corrected: dict | None, status: str) -> dict:
    """The answers that count: a reviewer's correction replaces the original."""
    return corrected if status == "corrected" and corrected is not None else answers


def share_agreeing(values: list, value: Any) -> float | None:
    """The share of answers equal to the consensus value (the confidence of the simple rules)."""
    if value is None or not values:
        return None
    return sum(v == value for v in values) / len(values)


_FITS = select(QualityFit).where(QualityFit.project_id == bindparam("project_id"))
_ITEM_GOLD = select(Item.gold).where(Item.id == bindparam("item_id"))
_SKILLS_OF = select(WorkerSkill).where(
    WorkerSkill.project_id == bindparam("project_id"), WorkerSkill.question == bindparam("question"),
    WorkerSkill.user_id.in_(bindparam("users", expanding=True)))


def _fits(session: Session, project_id: int) -> dict[str, QualityFit]:
    return {f.question: f for f in session.scalars(_FITS, {"project_id": project_id})}


def dawid_skene_posterior(prior: np.ndarray, confusions: list[np.ndarray], label_codes: list[int]) -> np.ndarray:
    """Posterior over true classes of one item, given each labeller's confusion matrix (log space)."""
    log_post = np.log(np.clip(prior, 1e-12, None))
    for confusion, code in zip(confusions, label_codes, strict=True):
        log_post = log_post + np.log(np.clip(confusion[:, code], 1e-12, None))
    log_post -= log_post.max()
    post = np.exp(log_post)
    return post / post.sum()


def _symmetric(k: int, accuracy: float) -> np.ndarray:
    off = (1 - accuracy) / (k - 1) if k > 1 else 0.0
    return np.full((k, k), off) + np.eye(k) * (accuracy - off)


def _categorical_item(session: Session, *, project_id: int, question: str, fit: QualityFit | None,
                      labelled: list[tuple[int, Any]]) -> tuple[Any, float | None, dict | None, str]:
    """(value, confidence, posterior, method) of one single-label question of one item."""
    values = [v for _, v in labelled]
    if fit is None or any(v not in fit.classes for v in values):
        from tutorloop.schema.questions.base import plurality

        top = plurality(values)
        return top, share_agreeing(values, top), None, "majority"
    classes = fit.classes
    k = len(classes)
    users = [u for u, _ in labelled]
    stored = {s.user_id: s for s in session.scalars(
        _SKILLS_OF, {"project_id": project_id, "question": question, "users": users})}
    fallback = _symmetric(k, fit.details.get("mean_accuracy", DEFAULT_ACCURACY))
    confusions = [np.asarray(stored[u].confusion) if u in stored and stored[u].confusion else fallback
                  for u in users]
    post = dawid_skene_posterior(np.asarray(fit.prior), confusions, [classes.index(v) for v in values])
    best = int(np.argmax(post))
    return classes[best], float(post[best]), dict(zip(classes, map(float, post), strict=True)), fit.method


def refresh_item(session: Session, *, project: Project, item_id: int) -> None:
    """Recompute and store the consensus of every question of one item (in the caller's transaction)."""
    rows = session.execute(_ITEM_LABELS, {"item_id": item_id}).all()
    answers = [(r.user_id, effective(r.answers, r.corrected_answers, r.status)) for r in rows]
    fits = _fits(session, project.id) if rows else {}
    gold = session.scalar(_ITEM_GOLD, {"item_id": item_id})
    out = []
    now = utcnow()
    for config in question_configs(project.spec):
        labelled = [(u, a[config.name]) for u, a in answers if config.name in a]
        if gold and config.name in gold:
            value, confidence, posterior, method = gold[config.name], 1.0, None, "gold"
        elif not labelled:
            value, confidence, posterior, method = None, None, None, "none"
        elif config.type in CATEGORICAL:
            value, confidence, posterior, method = _categorical_item(
                session, project_id=project.id, question=config.name, fit=fits.get(config.name), labelled=labelled)
        else:
            values = [v for _, v in labelled]
            qtype = get_type(config.type, config.name)
            value = qtype.consensus(config, values)
            confidence, posterior, method = qtype.agreement(config, values, value), None, "majority"
        out.append({"item_id": item_id, "question": config.name, "project_id": project.id, "value": value,
                    "confidence": confidence, "posterior": posterior, "method": method,
                    "n_labels": len(labelled), "updated_at": now})
    upsert(session, Consensus.__table__, out, keys=["item_id", "question"],
           update=["value", "confidence", "posterior", "method", "n_labels", "updated_at"])


def gold_matches(config, answer: Any, truth: Any) -> bool:
    """Whether an answer counts as correct against the gold answer (each question type decides how)."""
    return get_type(config.type, config.name).gold_matches(config, answer, truth)


def record_gold_answer(session: Session, *, project: Project, gold: dict, user_id: int, answers: dict) -> None:
    """Count a person's answer to a gold item towards their gold accuracy, question by question."""
    rows = []
    for config in question_configs(project.spec):
        if config.name not in gold:
            continue
        correct = int(gold_matches(config, answers.get(config.name), gold[config.name]))
        skill = session.get(WorkerSkill, (project.id, config.name, user_id))
        if skill is None:
            rows.append({"project_id": project.id, "question": config.name, "user_id": user_id,
                         "gold_correct": correct, "gold_total": 1, "n_labels": 0, "updated_at": utcnow()})
        else:
            skill.gold_correct += correct
            skill.gold_total += 1
    if rows:
        upsert(session, WorkerSkill.__table__, rows, keys=["project_id", "question", "user_id"],
               update=["gold_correct", "gold_total"])


def labels_by_question(session: Session, *, project: Project) -> dict[str, list[tuple[int, int, Any]]]:
    """Every counted label of a project, per question: (item id, user id, value)."""
    out: dict[str, list[tuple[int, int, Any]]] = defaultdict(list)
    for item_id, user_id, answers, corrected, status in session.execute(
        select(Annotation.item_id, Annotation.user_id, Annotation.answers, Annotation.corrected_answers,
               Annotation.status)
        .where(Annotation.project_id == project.id, Annotation.status.in_(COUNTED))
    ).all():
        for name, value in effective(answers, corrected, status).items():
            out[name].append((item_id, user_id, value))
    return out
