"""The project quality report: agreement, people's skill with its evidence, weak items, suspected errors."""

from __future__ import annotations

import math

from sqlalchemy import select

from tutorloop.accounts.models import User
from tutorloop.accounts.service import Principal
from tutorloop.consensus.models import Consensus, QualityFit, WorkerSkill
from tutorloop.items.models import Item
from tutorloop.projects.service import authorize
from tutorloop.schema.spec import question_configs

LOWEST = 20


def wilson_interval(successes: int, total: int, z: float = 1.96) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (None without observations)."""
    if total <= 0:
        return None
    p = successes / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def quality_report(session, *, actor: Principal, project_id: int) -> dict:
    """Everything the quality page shows, read from stored fits, skills and consensus (index look-ups)."""
    project = authorize(session, actor=actor, project_id=project_id, at_least="reviewer")
    fits = {f.question: f for f in session.scalars(select(QualityFit).where(QualityFit.project_id == project_id))}
    names = dict(session.execute(select(User.id, User.username)).all())
    questions = []
    for config in question_configs(project.spec):
        fit = fits.get(config.name)
        people = []
        for skill in session.scalars(select(WorkerSkill).where(
                WorkerSkill.project_id == project_id, WorkerSkill.question == config.name)
                .order_by(WorkerSkill.user_id)):
            interval = wilson_interval(skill.gold_correct, skill.gold_total)
            people.append({
                "user_id": skill.user_id, "username": names.get(skill.user_id, str(skill.user_id)),
                "gold_correct": skill.gold_correct, "gold_total": skill.gold_total,
                "gold_accuracy": skill.gold_correct / skill.gold_total if skill.gold_total else None,
                "gold_interval": list(interval) if interval else None,
                "accuracy": skill.accuracy, "n_labels": skill.n_labels, "confusion": skill.confusion,
            })
        lowest = session.execute(
            select(Consensus.item_id, Item.external_id, Consensus.value, Consensus.confidence, Consensus.n_labels)
            .join(Item, Item.id == Consensus.item_id)
            .where(Consensus.project_id == project_id, Consensus.question == config.name,
                   Consensus.confidence.is_not(None), Consensus.method != "gold")
            .order_by(Consensus.confidence, Consensus.item_id).limit(LOWEST)
        ).all()
        details = fit.details if fit else {}
        suspects = [{**s, "username": names.get(s["user_id"], str(s["user_id"]))} for s in details.get("suspects", [])]
        questions.append({
            "name": config.name, "type": config.type, "prompt": config.prompt,
            "method": fit.method if fit else None, "fitted_at": fit.fitted_at if fit else None,
            "labels_seen": fit.labels_seen if fit else 0, "classes": fit.classes if fit else [],
            "agreement": details.get("agreement", {}), "people": people, "suspects": suspects,
            "preference": details.get("pairwise"), "rubric": details.get("rubric"),
            "lowest_confidence": [{"item_id": r.item_id, "external_id": r.external_id, "value": r.value,
                                   "confidence": r.confidence, "n_labels": r.n_labels} for r in lowest],
        })
    return {"project_id": project_id, "annotations": project.annotation_count,
            "consensus_method": project.consensus_method, "gold_rate": project.gold_rate, "questions": questions}


def item_consensus(session, *, project_id: int, item_id: int) -> list[dict]:
    """The stored consensus of one item, per question."""
    return [{"question": c.question, "value": c.value, "confidence": c.confidence, "method": c.method,
             "posterior": c.posterior, "n_labels": c.n_labels, "updated_at": c.updated_at}
            for c in session.scalars(select(Consensus).where(Consensus.item_id == item_id).order_by(Consensus.question))]
