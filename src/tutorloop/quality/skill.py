"""Per-person skill per domain tag: accuracy on gold items and agreement with inferred labels.

For each (worker, domain) two binomial proportions are reported, each with the number of labels it rests
on and a two-sided confidence interval:

* ``gold_accuracy = k / n`` over the worker's labels on items with a known true label (gold);
* ``agreement = k / n`` over the worker's labels on items with an inferred label (e.g. Dawid–Skene
  consensus from :func:`tutorloop.quality.aggregate`).  The inferred label usually includes the worker's own
  vote, so agreement is biased upwards for items with few labels; read it beside ``gold_accuracy``.

Intervals (``interval=``):

* ``"wilson"`` (default; Wilson 1927): ``(k + z²/2)/(n + z²) ± z/(n + z²) · √(k(n-k)/n + z²/4)``;
* ``"jeffreys"``: the equal-tailed interval of the Beta(k + ½, n - k + ½) posterior (Brown, Cai &
  DasGupta 2001), with the lower end 0 when ``k = 0`` and the upper end 1 when ``k = n``.

With ``n = 0`` the proportion and its interval are NaN.

Domains: a ``domain`` column in ``labels`` (or ``domains=``, a mapping item → tag or iterable of tags).  An
item with several tags counts in each of them.  Without domains every label is in domain ``"*"``;
``overall=True`` (default) also adds a ``"*"`` row per worker over all their labels.

Labels are compared with ``==``: make sure gold, inferred and worker labels share one type (e.g. all ``str``).

Example:
    >>> import pandas as pd
    >>> labels = pd.DataFrame({"item": [1, 2, 3, 1, 2, 3], "worker": ["ann"] * 3 + ["bob"] * 3,
    ...                        "label": ["x", "y", "x", "x", "x", "y"], "domain": ["law", "law", "med"] * 2})
    >>> out = worker_skill(labels, gold={1: "x", 2: "y"}, inferred={3: "x"})
    >>> float(out.at[("bob", "law"), "gold_accuracy"]), int(out.at[("bob", "law"), "gold_n"])
    (0.5, 2)
    >>> float(out.at[("ann", "*"), "agreement"]), int(out.at[("ann", "*"), "agreement_n"])
    (1.0, 1)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import beta, norm

OVERALL = "*"


def proportion_interval(k, n, *, confidence: float = 0.95, interval: str = "wilson") -> tuple[np.ndarray, ...]:
    """Vectorised binomial interval for ``k`` successes in ``n`` trials (NaN where ``n = 0``)."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if interval == "wilson":
            z = norm.ppf(0.5 + confidence / 2)
            centre = (k + z**2 / 2) / (n + z**2)
            half = z / (n + z**2) * np.sqrt(np.clip(k * (n - k) / n, 0, None) + z**2 / 4)
            low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
        elif interval == "jeffreys":
            a = (1 - confidence) / 2
            low = np.where(k > 0, beta.ppf(a, k + 0.5, n - k + 0.5), 0.0)
            high = np.where(k < n, beta.ppf(1 - a, k + 0.5, n - k + 0.5), 1.0)
        else:
            raise ValueError("interval must be 'wilson' or 'jeffreys'")
    empty = n <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def _as_mapping(obj) -> Mapping:
    if obj is None:
        return {}
    if hasattr(obj, "labels_"):  # an AggregationResult
        return obj.labels_["label"].to_dict()
    if isinstance(obj, pd.Series):
        return obj.to_dict()
    return dict(obj)


def _tags(value) -> list:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def worker_skill(
    labels: pd.DataFrame,
    *,
    gold: Mapping | pd.Series | None = None,
    inferred=None,
    domains: Mapping | pd.Series | None = None,
    columns: Sequence[str] = ("item", "worker", "label"),
    domain_column: str = "domain",
    confidence: float = 0.95,
    interval: str = "wilson",
    overall: bool = True,
) -> pd.DataFrame:
    """Skill table indexed by (worker, domain); see the module docstring.

    ``gold`` and ``inferred`` map item → label (dict, Series; ``inferred`` may also be an
    ``AggregationResult``, or a method name such as ``"dawid_skene"`` to run
    ``tutorloop.quality.aggregate`` on ``labels`` without gold).  Columns: ``n_labels``, ``gold_correct``, ``gold_n``, ``gold_accuracy``,
    ``gold_low``, ``gold_high``, ``agreement_hits``, ``agreement_n``, ``agreement``, ``agreement_low``,
    ``agreement_high``.
    """
    item, worker, label = columns
    if isinstance(inferred, str):
        from tutorloop.quality import aggregate  # late import: only this option needs the categorical engines

        frame = labels[[item, worker, label]].set_axis(["item", "worker", "label"], axis=1)
        inferred = aggregate(frame, method=inferred)
    gold_map, inferred_map = _as_mapping(gold), _as_mapping(inferred)
    df = labels[[item, worker, label]].copy()
    if domains is not None:
        lookup = _as_mapping(domains)
        df["_domain"] = [_tags(lookup.get(x)) for x in df[item]]
    elif domain_column in labels.columns:
        df["_domain"] = [_tags(v) for v in labels[domain_column]]
    else:
        df["_domain"] = [[] for _ in range(len(df))]
    has_domains = any(len(d) for d in df["_domain"])
    if overall or not has_domains:
        df["_domain"] = [[*d, OVERALL] if OVERALL not in d else d for d in df["_domain"]]
    df = df.explode("_domain").dropna(subset=["_domain"])
    values = df[label].to_numpy(dtype=object)
    g = df[item].map(lambda x: gold_map.get(x, _MISSING)).to_numpy(dtype=object)
    f = df[item].map(lambda x: inferred_map.get(x, _MISSING)).to_numpy(dtype=object)
    df["gold_n"] = np.array([v is not _MISSING for v in g], dtype=int)
    df["gold_correct"] = np.array([x is not _MISSING and x == v for x, v in zip(g, values)], dtype=int)
    df["agreement_n"] = np.array([v is not _MISSING for v in f], dtype=int)
    df["agreement_hits"] = np.array([x is not _MISSING and x == v for x, v in zip(f, values)], dtype=int)
    df["n_labels"] = 1
    cols = ["n_labels", "gold_correct", "gold_n", "agreement_hits", "agreement_n"]
    out = df.groupby([worker, "_domain"], sort=True)[cols].sum()
    out.index = out.index.set_names([worker, "domain"])
    for prefix, k, n in (("gold", "gold_correct", "gold_n"), ("agreement", "agreement_hits", "agreement_n")):
        name = "gold_accuracy" if prefix == "gold" else "agreement"
        with np.errstate(invalid="ignore", divide="ignore"):
            out[name] = np.where(out[n] > 0, out[k] / out[n], np.nan)
        low, high = proportion_interval(out[k], out[n], confidence=confidence, interval=interval)
        out[f"{prefix}_low"], out[f"{prefix}_high"] = low, high
    order = ["n_labels", "gold_correct", "gold_n", "gold_accuracy", "gold_low", "gold_high",
             "agreement_hits", "agreement_n", "agreement", "agreement_low", "agreement_high"]
    return out[order]


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()

__all__ = ["OVERALL", "proportion_interval", "worker_skill"]
