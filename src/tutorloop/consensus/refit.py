"""Full refits of a project's consensus and skills with the quality engine, and their scheduling."""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from tutorloop.consensus.models import Consensus, QualityFit, WorkerSkill
from tutorloop.consensus.service import CATEGORICAL, REFIT_MIN_NEW, REFIT_SHARE, labels_by_question
from tutorloop.db import Database, upsert, utcnow
from tutorloop.items.models import Item
from tutorloop.projects.models import Project
from tutorloop.schema.questions import get_type
from tutorloop.schema.spec import question_configs

log = logging.getLogger("tutorloop.consensus")
SUSPECTS = 50  # suspected label errors kept per question


def _categorical_fit(*, project: Project, config, labels, gold: dict[int, Any]) -> tuple[list, list, dict]:
    """Run the engine on one single-label question; returns consensus rows, skill rows and the fit."""
    from tutorloop.quality import aggregate

    frame = pd.DataFrame(labels, columns=["item", "worker", "label"])
    result = aggregate(frame, method=project.consensus_method, gold=gold or None, seed=0)
    classes = list(result.classes_)
    posteriors = result.posteriors_
    now = utcnow()
    rows = []
    n_labels = frame.groupby("item").size()
    for item_id, label, confidence in result.labels_[["label", "confidence"]].itertuples():
        rows.append({"item_id": int(item_id), "question": config.name, "project_id": project.id,
                     "value": gold.get(item_id, label), "confidence": 1.0 if item_id in gold else float(confidence),
                     "posterior": {c: float(p) for c, p in zip(classes, posteriors.loc[item_id], strict=True)},
                     "method": "gold" if item_id in gold else result.method,
                     "n_labels": int(n_labels.get(item_id, 0)), "updated_at": now})
    skills = result.skills_
    confusions = result.confusions_
    worker_index = {w: i for i, w in enumerate(skills.index)}
    skill_rows = []
    for worker, row in skills.iterrows():
        confusion = confusions[worker_index[worker]].tolist() if confusions is not None else None
        skill_rows.append({"project_id": project.id, "question": config.name, "user_id": int(worker),
                           "accuracy": float(row["accuracy"]), "n_labels": int(row["n_labels"]),
                           "confusion": confusion, "gold_correct": 0, "gold_total": 0, "updated_at": now})
    prior = posteriors.mean(axis=0).to_numpy() if len(posteriors) else np.ones(len(classes)) / max(1, len(classes))
    # Suspected label errors: labels that the fitted model finds least likely for their item.
    post_of_label = np.array([posteriors.at[i, lab] if lab in posteriors.columns else 0.0 for i, _, lab in labels])
    order = np.argsort(post_of_label, kind="stable")[:SUSPECTS]
    suspects = [{"item_id": int(labels[j][0]), "user_id": int(labels[j][1]), "label": labels[j][2],
                 "consensus": result.labels_.at[labels[j][0], "label"],
                 "probability": float(post_of_label[j])} for j in order if post_of_label[j] < 0.5]
    details = {
        "mean_accuracy": float(skills["accuracy"].mean()) if len(skills) else None,
        "suspects": suspects,
        "chosen": getattr(result, "details", None) or {},
    }
    fit = {"project_id": project.id, "question": config.name, "method": result.method, "classes": classes,
           "prior": (prior / prior.sum()).tolist(), "labels_seen": len(labels), "details": details,
           "fitted_at": now}
    return rows, skill_rows, fit


def _multilabel_fit(*, project: Project, config, labels) -> list[dict]:
    """Per-tag two-coin Dawid–Skene over a multi-label question; confidence = P(the chosen set)."""
    from tutorloop.quality.multilabel import aggregate_multilabel

    classes = [label.value for label in config.labels]
    frame = pd.DataFrame([(i, w, list(v or [])) for i, w, v in labels], columns=["item", "worker", "labels"])
    fit = aggregate_multilabel(frame, method="dawid_skene", classes=classes)
    probs = fit.probabilities_.reindex(columns=classes, fill_value=0.0)
    now = utcnow()
    rows = []
    for item_id, row in probs.iterrows():
        p = row.to_numpy(dtype=float)
        chosen = p >= 0.5
        rows.append({"item_id": int(item_id), "question": config.name, "project_id": project.id,
                     "value": [c for c, keep in zip(classes, chosen, strict=True) if keep],
                     "confidence": float(np.prod(np.where(chosen, p, 1 - p))),
                     "posterior": {c: float(x) for c, x in zip(classes, p, strict=True)},
                     "method": "dawid_skene", "n_labels": int(fit.labels_.at[item_id, "n_labels"]),
                     "updated_at": now})
    return rows


def _rating_fit(*, project: Project, config, labels) -> list[dict]:
    """Ratings with per-rater bias and noise; the value is the estimate rounded onto the scale."""
    from tutorloop.quality.ordinal import aggregate_ratings

    frame = pd.DataFrame(labels, columns=["item", "worker", "label"])
    fit = aggregate_ratings(frame, scale=(config.min, config.max))
    now = utcnow()
    rows = []
    for item_id, row in fit.estimates_.iterrows():
        value = int(min(config.max, max(config.min, round(float(row["estimate"])))))
        rows.append({"item_id": int(item_id), "question": config.name, "project_id": project.id,
                     "value": value, "confidence": None,
                     "posterior": {"estimate": float(row["estimate"]), "se": _finite(float(row["se"]))},
                     "method": "rater_bias", "n_labels": int(row["n_ratings"]), "updated_at": now})
    return rows


ENGINE_FITS = {"multi_label": _multilabel_fit, "rating": _rating_fit}


def _simple_fit(*, project: Project, config, labels) -> list[dict]:
    """Consensus rows from the question type's own rule, for every item with labels."""
    by_item: dict[int, list] = {}
    for item_id, _, value in labels:
        by_item.setdefault(item_id, []).append(value)
    qtype = get_type(config.type, config.name)
    now = utcnow()
    return [{"item_id": item_id, "question": config.name, "project_id": project.id,
             "value": (value := qtype.consensus(config, values)), "confidence": qtype.agreement(config, values, value),
             "posterior": None, "method": "majority", "n_labels": len(values), "updated_at": now}
            for item_id, values in by_item.items()]


def _finite(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 4)


def structured_agreement(config, rows: list[tuple[int, int, Any]]) -> dict:
    """Mean pairwise agreement (the type's own measure: span F1, box IoU…) over items with ≥ 2 answers."""
    qtype = get_type(config.type, config.name)
    by_item: dict[int, list] = {}
    for item_id, _, value in rows:
        by_item.setdefault(item_id, []).append(value)
    per_item = []
    for values in by_item.values():
        pairs = [qtype.pair_agreement(config, a, b) for i, a in enumerate(values) for b in values[i + 1:]]
        if pairs:
            per_item.append(sum(pairs) / len(pairs))
    return {"pairwise_mean": _finite(float(np.mean(per_item))) if per_item else None,
            "raters": len({r[1] for r in rows}), "items": len(by_item), "items_compared": len(per_item)}


def agreement_summary(rows: list[tuple[int, int, Any]], *, kind: str) -> dict:
    """Agreement figures of one question's labels, chosen by its type (None where undefined)."""
    from tutorloop.quality.agreement import fleiss_kappa, krippendorff_alpha, percent_agreement

    if kind == "multi_label":
        values = ["|".join(sorted(map(str, v))) if isinstance(v, list) else str(v) for _, _, v in rows]
    elif kind == "free_text":
        values = [str(v).strip() for _, _, v in rows]
    else:
        values = [v for _, _, v in rows]
    frame = pd.DataFrame({"item": [r[0] for r in rows], "rater": [r[1] for r in rows], "value": values})
    out = {"percent": _finite(percent_agreement(frame)),
           "alpha_nominal": _finite(krippendorff_alpha(frame, level="nominal")),
           "raters": int(frame["rater"].nunique()), "items": int(frame["item"].nunique())}
    if kind == "single_label":
        out["fleiss_kappa"] = _finite(fleiss_kappa(frame))
    if kind == "rating":
        out["alpha_interval"] = _finite(krippendorff_alpha(frame, level="interval"))
        out["alpha_ordinal"] = _finite(krippendorff_alpha(frame, level="ordinal"))
    return out


CHAT_SUMMARIES = ("pairwise", "rubric")


def _chat_summary(session, config, rows: list[tuple[int, int, Any]]) -> dict:
    """Preference or rubric figures of one chat-tutoring question (see consensus/preference.py)."""
    from tutorloop.consensus.preference import pairwise_summary, rubric_summary

    if config.type == "rubric":
        return rubric_summary(config, rows)
    ids = sorted({r[0] for r in rows})
    items = {}
    for start in range(0, len(ids), 900):
        items.update(session.execute(select(Item.id, Item.data).where(Item.id.in_(ids[start:start + 900]))).all())
    return pairwise_summary(config, rows, items)


def compute_refit(session, *, project_id: int) -> dict:
    """Fit every question of a project from all its labels (reads only; no write lock is held)."""
    project = session.get(Project, project_id)
    labels = labels_by_question(session, project=project)
    golds = dict(session.execute(
        select(Item.id, Item.gold).where(Item.project_id == project_id, Item.is_gold.is_(True))).all())
    out = {"consensus": [], "skills": [], "fits": [], "summary": {}}
    for config in question_configs(project.spec):
        rows_in = labels.get(config.name, [])
        if not rows_in:
            agreement = {}
        elif get_type(config.type, config.name).structured:
            agreement = structured_agreement(config, rows_in)
        else:
            agreement = agreement_summary(rows_in, kind=config.type)
        if config.type in CATEGORICAL and rows_in:
            gold = {i: g[config.name] for i, g in golds.items() if config.name in g}
            rows, skills, fit = _categorical_fit(project=project, config=config, labels=rows_in, gold=gold)
            fit["details"]["agreement"] = agreement
            out["skills"] += skills
        else:
            rows, method = None, "majority"
            if config.type in ENGINE_FITS and rows_in:
                try:
                    rows = ENGINE_FITS[config.type](project=project, config=config, labels=rows_in)
                    method = rows[0]["method"] if rows else method
                except ValueError:  # too little data for the model: the type's simple rule instead
                    log.info("engine fit of %s in project %s fell back to the simple rule", config.name, project_id)
            if rows is None:
                rows = _simple_fit(project=project, config=config, labels=rows_in)
            fit = {"project_id": project_id, "question": config.name, "method": method, "classes": [],
                   "prior": [], "labels_seen": len(rows_in), "details": {"agreement": agreement},
                   "fitted_at": utcnow()}
        if rows_in and config.type in CHAT_SUMMARIES:
            fit["details"][config.type] = _chat_summary(session, config, rows_in)
        out["consensus"] += rows
        out["fits"].append(fit)
        out["summary"][config.name] = {"labels": len(rows_in), "items": len(rows), "method": fit["method"]}
    return out


def store_refit(session, fitted: dict) -> dict:
    """Write a computed refit: consensus rows, skills (gold counts untouched) and the fits."""
    upsert(session, Consensus.__table__, fitted["consensus"], keys=["item_id", "question"],
           update=["value", "confidence", "posterior", "method", "n_labels", "updated_at"])
    upsert(session, WorkerSkill.__table__, fitted["skills"], keys=["project_id", "question", "user_id"],
           update=["accuracy", "n_labels", "confusion", "updated_at"])
    upsert(session, QualityFit.__table__, fitted["fits"], keys=["project_id", "question"],
           update=["method", "classes", "prior", "labels_seen", "details", "fitted_at"])
    return fitted["summary"]


def refit_project(db: Database, *, project_id: int) -> dict:
    """Refit a project: compute in a read transaction, then store in one short write transaction."""
    with db.session(write=False) as session:
        fitted = compute_refit(session, project_id=project_id)
    with db.session() as session:
        return store_refit(session, fitted)


class RefitScheduler:
    """Runs at most one background refit per project at a time, when enough new labels arrived."""

    def __init__(self, db: Database):
        self.db = db
        self._running: set[int] = set()
        self._lock = threading.Lock()

    def needs_refit(self, session, project: Project) -> bool:
        """True when the labels since the last fit pass the threshold."""
        seen = session.scalar(select(func.min(QualityFit.labels_seen)).where(QualityFit.project_id == project.id))
        new = project.annotation_count - (seen or 0)
        return new >= max(REFIT_MIN_NEW, REFIT_SHARE * (seen or 0))

    def maybe_start(self, project_id: int) -> bool:
        """Start a background refit if one is due and none is running; True if started."""
        with self._lock:
            if project_id in self._running:
                return False
            with self.db.session(write=False) as session:
                project = session.get(Project, project_id)
                if project is None or not self.needs_refit(session, project):
                    return False
            self._running.add(project_id)
        threading.Thread(target=self._run, args=(project_id,), daemon=True, name=f"refit-{project_id}").start()
        return True

    def _run(self, project_id: int) -> None:
        try:
            refit_project(self.db, project_id=project_id)
        except Exception:  # a failed background refit must not take the server down; the next one retries
            log.exception("background refit of project %s failed", project_id)
        finally:
            with self._lock:
                self._running.discard(project_id)
