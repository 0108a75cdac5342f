"""What every categorical aggregation method returns: :class:`AggregationResult`.

The engines fill numpy arrays indexed by integer codes (see :mod:`tutorloop.quality._encode`);
:func:`build_result` turns them into the labelled pandas objects below, so all methods share one output shape.

Per worker, ``accuracy`` is the share of the worker's labels that are correct *in expectation under the
model's posteriors*:

    accuracy_j = (1 / n_j) * sum over worker j's labels (i, l) of P(z_i = l | data)

which is defined for every method (for Dawid-Skene it is the confusion-matrix diagonal weighted by the classes
the worker actually saw; for one-coin it is, up to the prior, the fitted accuracy itself).

Example:
    >>> from tutorloop.quality import aggregate
    >>> res = aggregate((["a", "a", "b"], ["u", "v", "u"], ["x", "x", "y"]), method="majority")
    >>> res.labels_["label"].to_dict(), res.skills_["n_labels"].to_dict()
    ({'a': 'x', 'b': 'y'}, {'u': 2, 'v': 1})
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tutorloop.quality._encode import Encoded, one_hot_gold


@dataclass
class AggregationResult:
    """Consensus labels, posteriors and worker skills from one aggregation run."""

    method: str
    classes_: list[Any]
    labels_: pd.DataFrame  # index item; columns label, confidence
    posteriors_: pd.DataFrame  # items x classes, rows sum to 1
    skills_: pd.DataFrame  # index worker; columns accuracy, n_labels, and method-specific ones
    confusions_: np.ndarray | None  # workers x true class x given label, or None
    iterations_: int
    converged_: bool
    log_likelihood_: float | None = None
    item_easiness_: pd.Series | None = None  # per item, for models that have one (GLAD's beta)
    details: dict[str, Any] = field(default_factory=dict)  # JSON-friendly: what ran, with which settings

    def __repr__(self) -> str:
        return (f"AggregationResult(method={self.method!r}, items={len(self.labels_)}, "
                f"workers={len(self.skills_)}, classes={self.classes_!r}, iterations_={self.iterations_}, "
                f"converged_={self.converged_})")


def worker_accuracy(enc: Encoded, posteriors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expected accuracy per worker under ``posteriors`` (see the module docstring) and label counts."""
    n_labels = np.bincount(enc.worker, minlength=enc.n_workers)
    hit = np.bincount(enc.worker, weights=posteriors[enc.item, enc.label], minlength=enc.n_workers)
    return hit / np.maximum(n_labels, 1), n_labels


def build_result(*, method: str, enc: Encoded, posteriors: np.ndarray, iterations: int = 0,
                 converged: bool = True, confusions: np.ndarray | None = None,
                 skills: dict[str, np.ndarray] | None = None, log_likelihood: float | None = None,
                 item_easiness: np.ndarray | None = None, details: dict[str, Any] | None = None) -> AggregationResult:
    """Wrap code-indexed arrays into an :class:`AggregationResult` (gold rows are clamped to their label)."""
    posteriors = one_hot_gold(np.asarray(posteriors, dtype=np.float64), enc)
    # np.argmax returns the first maximum, so exact ties go to the lowest class index.
    best = np.argmax(posteriors, axis=1) if enc.n_classes else np.zeros(enc.n_items, dtype=np.int64)
    item_index = pd.Index(enc.items, name="item")
    class_index = pd.Index(enc.classes, name="class")
    labels = pd.DataFrame({
        "label": class_index.take(best).to_numpy() if enc.n_classes else np.empty(0, dtype=object),
        "confidence": posteriors[np.arange(enc.n_items), best] if enc.n_classes else np.empty(0),
    }, index=item_index)
    accuracy, n_labels = worker_accuracy(enc, posteriors)
    skill_columns: dict[str, np.ndarray] = {"accuracy": accuracy, "n_labels": n_labels}
    skill_columns.update(skills or {})
    return AggregationResult(
        method=method,
        classes_=list(enc.classes),
        labels_=labels,
        posteriors_=pd.DataFrame(posteriors, index=item_index, columns=class_index),
        skills_=pd.DataFrame(skill_columns, index=pd.Index(enc.workers, name="worker")),
        confusions_=confusions,
        iterations_=int(iterations),
        converged_=bool(converged),
        log_likelihood_=None if log_likelihood is None else float(log_likelihood),
        item_easiness_=None if item_easiness is None else pd.Series(item_easiness, index=item_index, name="beta"),
        details=dict(details or {}),
    )
