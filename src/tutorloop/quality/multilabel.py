"""Multi-label aggregation: each tag is a yes/no question, aggregated with per-tag worker models.

An annotator's answer to a multi-label question is a set of tags; it says "yes" to every tag in the set and
"no" to every other tag of the question.  Each tag ``k`` is then a binary aggregation problem.  The native
models are vectorised over all tags at once:

* ``method="dawid_skene"`` — the two-coin binary Dawid & Skene (1979) model per tag: prevalence
  ``π_k``, worker sensitivity ``α_wk = P(yes | tag applies)`` and specificity ``β_wk = P(no | it does not)``.
  E-step::

      logit P(k ∈ item i) = logit π_k + Σ_{w labelled i} [y_wik log(α_wk / (1 - β_wk))
                                                         + (1 - y_wik) log((1 - α_wk) / β_wk)]

  M-step: ``α``, ``β`` are posterior-weighted shares with a Beta(``prior``) pseudo-count (default (2, 1),
  "better than chance" — it also breaks the label-swap symmetry), ``π_k`` a Laplace-smoothed mean.
* ``method="one_coin"`` — the same with ``α_wk = β_wk`` (one accuracy per worker and tag).
* ``method="majority"`` — the share of annotators who chose the tag.

``share_skill=True`` pools each worker's parameters over all tags (one sensitivity/specificity or accuracy
per worker), which helps when workers label few items.  ``backend="aggregate"`` instead runs
``tutorloop.quality.aggregate(…, method=method)`` on each tag's yes/no labels (any categorical method there).

An item's aggregated set is every tag whose probability is ``>= threshold`` (default 0.5).

Input: a long DataFrame with columns ``item, worker, labels`` (``columns=`` renames) where ``labels`` is a
list/set/tuple of tags (empty, ``None`` or NaN: the annotator chose none), or a string split by ``sep``.
``classes`` lists all tags of the question (tags nobody chose still get probabilities); default: the tags seen.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"item": [1, 1, 1, 2, 2, 2], "worker": ["a", "b", "c"] * 2,
    ...                    "labels": [["price"], ["price", "delivery"], ["price"], [], ["delivery"], []]})
    >>> fit = aggregate_multilabel(df, method="majority")
    >>> fit.labels_["labels"].to_dict()
    {1: ('price',), 2: ()}
    >>> fit.probabilities_.round(2).to_dict("index")
    {1: {'delivery': 0.33, 'price': 1.0}, 2: {'delivery': 0.33, 'price': 0.0}}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import expit, logit

MULTILABEL_METHODS = ("dawid_skene", "one_coin", "majority")


@dataclass(frozen=True)
class MultiLabelResult:
    """Aggregated multi-label answers.

    ``labels_``: DataFrame indexed by item — ``labels`` (sorted tuple of tags) and ``n_labels`` (annotators).
    ``probabilities_``: items × tags DataFrame of ``P(tag applies)``.  ``skills_``: DataFrame indexed by
    (worker, tag) — ``sensitivity``, ``specificity`` and ``n_labels`` (empty for majority and the aggregate
    backend).  ``priors_``: Series tag → prevalence.
    """

    labels_: pd.DataFrame
    probabilities_: pd.DataFrame
    skills_: pd.DataFrame
    priors_: pd.Series
    n_iter_: int
    converged_: bool


def _tag_sets(values, sep: str | None) -> list[frozenset]:
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append(frozenset())
        elif isinstance(v, str):
            parts = v.split(sep) if sep is not None else [v]
            out.append(frozenset(p.strip() for p in parts if p.strip()))
        else:
            out.append(frozenset(v))
    return out


def _binarise(df, columns, classes, sep):
    item, worker, labels = columns
    if df.empty:
        raise ValueError("no labels")
    sets = _tag_sets(df[labels].to_numpy(dtype=object), sep)
    tags = list(classes) if classes is not None else sorted(set().union(*sets), key=str)
    unknown = set().union(*sets) - set(tags)
    if unknown:
        raise ValueError(f"tags not in classes: {sorted(map(str, unknown))}")
    col = {t: k for k, t in enumerate(tags)}
    y = np.zeros((len(df), len(tags)))
    rows = [a for a, s in enumerate(sets) for _ in s]
    cols = [col[t] for s in sets for t in s]
    y[rows, cols] = 1.0
    i, items = pd.factorize(df[item], sort=True)
    w, workers = pd.factorize(df[worker], sort=True)
    return y, i, w, items, workers, tags


def aggregate_multilabel(
    labels: pd.DataFrame,
    *,
    method: str = "dawid_skene",
    classes: Sequence | None = None,
    columns: Sequence[str] = ("item", "worker", "labels"),
    sep: str | None = None,
    threshold: float = 0.5,
    share_skill: bool = False,
    prior: tuple[float, float] = (2.0, 1.0),
    backend: str = "native",
    seed: int | None = None,
    max_iter: int = 200,
    tol: float = 1e-6,
) -> MultiLabelResult:
    """Aggregate multi-label answers tag by tag; see the module docstring for the models."""
    y, i, w, items, workers, tags = _binarise(labels, columns, classes, sep)
    if backend == "aggregate":
        return _via_aggregate(y, i, w, items, workers, tags, method, seed, threshold)
    if backend != "native" or method not in MULTILABEL_METHODS:
        raise ValueError(f"native methods are {MULTILABEL_METHODS}; use backend='aggregate' for others")
    n_items, n_workers, n_tags = len(items), len(workers), len(tags)
    item_inc = sparse.csr_matrix((np.ones(len(i)), (i, np.arange(len(i)))), shape=(n_items, len(i)))
    worker_inc = sparse.csr_matrix((np.ones(len(w)), (w, np.arange(len(w)))), shape=(n_workers, len(w)))
    n_per_item = np.asarray(item_inc.sum(axis=1)).ravel()
    mu = (item_inc @ y) / n_per_item[:, None]
    a0, b0 = prior
    sens = spec = np.full((n_workers, n_tags), np.nan)
    converged, it = method == "majority", 0
    while method != "majority" and it < max_iter:
        it += 1
        pi = np.clip((mu.sum(axis=0) + 1) / (n_items + 2), 1e-6, 1 - 1e-6)
        m_a = mu[i]
        pos_yes, pos = worker_inc @ (m_a * y), worker_inc @ m_a
        neg_no, neg = worker_inc @ ((1 - m_a) * (1 - y)), worker_inc @ (1 - m_a)
        if share_skill:
            pos_yes, pos, neg_no, neg = (np.repeat(v.sum(axis=1, keepdims=True), n_tags, axis=1)
                                         for v in (pos_yes, pos, neg_no, neg))
        if method == "one_coin":
            sens = spec = (pos_yes + neg_no + a0) / (pos + neg + a0 + b0)
        else:
            sens = (pos_yes + a0) / (pos + a0 + b0)
            spec = (neg_no + a0) / (neg + a0 + b0)
        log_yes = np.log(sens) - np.log1p(-spec)
        log_no = np.log1p(-sens) - np.log(spec)
        contrib = y * log_yes[w] + (1 - y) * log_no[w]
        new_mu = expit(logit(pi)[None, :] + item_inc @ contrib)
        delta = float(np.max(np.abs(new_mu - mu)))
        mu = new_mu
        if delta < tol:
            converged = True
            break
    if method == "majority":
        sens = spec = np.full((0, n_tags), np.nan)
    counts = worker_inc @ np.ones((len(w), 1))
    skills = _skills_frame(workers, tags, sens, spec, counts.ravel(), columns[1])
    return _result(mu, items, tags, n_per_item, threshold, skills, it, converged, columns[0])


def _skills_frame(workers, tags, sens, spec, counts, worker_name: str) -> pd.DataFrame:
    if len(sens) == 0:
        idx = pd.MultiIndex.from_arrays([[], []], names=[worker_name, "tag"])
        return pd.DataFrame({"sensitivity": [], "specificity": [], "n_labels": []}, index=idx)
    idx = pd.MultiIndex.from_product([workers, tags], names=[worker_name, "tag"])
    return pd.DataFrame({"sensitivity": sens.ravel(), "specificity": spec.ravel(),
                         "n_labels": np.repeat(counts, len(tags)).astype(int)}, index=idx)


def _result(mu, items, tags, n_per_item, threshold, skills, it, converged, item_name) -> MultiLabelResult:
    probs = pd.DataFrame(mu, index=pd.Index(items, name=item_name), columns=list(tags))
    chosen = mu >= threshold
    sets = [tuple(t for t, c in zip(tags, row) if c) for row in chosen]
    out = pd.DataFrame({"labels": sets, "n_labels": n_per_item.astype(int)}, index=probs.index)
    priors = pd.Series(mu.mean(axis=0) if len(mu) else np.zeros(len(tags)), index=list(tags), name="prevalence")
    return MultiLabelResult(labels_=out, probabilities_=probs, skills_=skills, priors_=priors,
                            n_iter_=it, converged_=converged)


def _yes_probability(result, items) -> np.ndarray:
    """P(yes) per item from an ``AggregationResult`` (posteriors when present, else label and confidence)."""
    post = getattr(result, "posteriors_", None)
    if isinstance(post, pd.DataFrame):
        for key in (1, True, "1"):
            if key in post.columns:
                return post[key].reindex(items).to_numpy(dtype=float)
        if 0 in post.columns:
            return 1.0 - post[0].reindex(items).to_numpy(dtype=float)
    lab = result.labels_.reindex(items)
    conf = lab["confidence"].to_numpy(dtype=float) if "confidence" in lab else np.ones(len(lab))
    yes = lab["label"].astype(int).to_numpy() == 1
    return np.where(yes, conf, 1.0 - conf)


def _via_aggregate(y, i, w, items, workers, tags, method, seed, threshold) -> MultiLabelResult:
    from tutorloop.quality import aggregate  # late import: the categorical package imports lazily

    mu = np.zeros((len(items), len(tags)))
    for k in range(len(tags)):
        frame = pd.DataFrame({"item": np.asarray(items)[i], "worker": np.asarray(workers)[w],
                              "label": y[:, k].astype(int)})
        result = aggregate(frame, method=method, **({} if seed is None else {"seed": seed}))
        mu[:, k] = _yes_probability(result, items)
    n_per_item = np.bincount(i, minlength=len(items))
    skills = _skills_frame(workers, tags, np.empty((0, len(tags))), None, None, "worker")
    return _result(mu, items, tags, n_per_item, threshold, skills, 0, True, "item")


__all__ = ["MULTILABEL_METHODS", "MultiLabelResult", "aggregate_multilabel"]
