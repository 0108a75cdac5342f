"""Inter-rater agreement: percent agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha, IoU and preferences.

**Inputs.**  ``data`` is either *long* — a ``pandas.DataFrame`` with one rating per row, columns
``item, rater, value`` (or ``item, worker, label``, or any three names given as ``columns=``), or a
``tuple`` of three equal-length arrays ``(items, raters, values)`` as :func:`tutorloop.quality.aggregate`
takes — or a *raters × items* matrix (2-D ndarray or list of lists; not a tuple) with ``NaN``/``None`` for a
missing rating.  In long data a repeated
(item, rater) pair keeps its last value.  Values may be numbers or strings; ``order=`` lists the categories
in order where order matters (ordinal alpha, weighted kappa), else sorted values are used.

**Formulas.**  With ``n_ic`` the number of ratings of item ``i`` in category ``c`` and ``n_i = Σ_c n_ic``:

* percent agreement — the mean over items with ``n_i >= 2`` of the share of agreeing rater pairs,
  ``P_i = Σ_c n_ic (n_ic - 1) / (n_i (n_i - 1))``.
* Cohen's kappa (Cohen 1960; weighted: Cohen 1968) for two raters, observed joint ``O`` and chance
  ``E = outer(row margins, column margins)``: ``κ = 1 - Σ w_ck O_ck / Σ w_ck E_ck`` with
  ``w = 1 - I`` (unweighted), ``|c - k|`` (linear) or ``(c - k)²`` (quadratic) on category positions —
  the same as ``sklearn.metrics.cohen_kappa_score``.  Pairs with a missing rating are dropped.
* Fleiss' kappa (Fleiss 1971): ``κ = (P̄ - P_e) / (1 - P_e)``, ``P̄ = mean P_i``, ``P_e = Σ p_c²``,
  ``p_c = Σ_i n_ic / Σ_i n_i``.  With the same number of raters per item this is Fleiss' statistic exactly
  (as ``statsmodels.stats.inter_rater.fleiss_kappa``); items with fewer than two ratings are dropped, and
  differing counts use the per-item ``P_i`` above.
* Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's alpha-reliability", coincidence-matrix
  form): items with ``m_u >= 2`` ratings add ``n_uc n_uk / (m_u - 1)`` (minus the diagonal self-pairs) to
  the coincidence matrix ``o_ck``; ``n_c = Σ_k o_ck``, ``n = Σ_c n_c``, and
  ``α = 1 - (n - 1) Σ o_ck δ²_ck / Σ n_c n_k δ²_ck`` with ``δ²`` nominal ``[c ≠ k]``, ordinal
  ``(Σ_{g=c..k} n_g - (n_c + n_k)/2)²``, interval ``(c - k)²``, ratio ``((c - k)/(c + k))²``.
  **Undefined alpha is NaN**: when fewer than two pairable values exist, or all pairable values are equal
  (expected disagreement 0) — e.g. one rater, one item rated once, or a constant.  Kappas follow the same
  rule: NaN when chance disagreement is 0.
* IoU agreement for spans or boxes (:func:`span_agreement`, :func:`box_agreement`): for every item and pair
  of raters the two sets of shapes are matched one-to-one maximising IoU.  With ``threshold=None`` the pair
  scores the **mean best-match IoU**, ``Σ matched IoU / max(|A|, |B|)`` (unmatched shapes count 0); with a
  threshold it scores the **F1 of matched pairs**, ``2·#{IoU >= t} / (|A| + |B|)``.  Two empty sets score 1.
  The result is the mean over items of the mean over rater pairs.
* Preference agreement (:func:`preference_agreement`) for judgments "first better / tie / second better".

Example:
    >>> import numpy as np
    >>> m = np.array([[1, 2, 3, 3], [1, 2, 3, 4], [np.nan, 2, 3, 3]])  # 3 raters × 4 items
    >>> round(krippendorff_alpha(m, level="nominal"), 4), round(krippendorff_alpha(m, level="interval"), 4)
    (0.7561, 0.8958)
    >>> round(cohen_kappa([0, 1, 1, 2], [0, 1, 2, 2], weights="quadratic"), 4)
    0.8
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from tutorloop.quality.shapes import box_iou, match_by_iou
from tutorloop.quality.spans import span_iou

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _long_columns(df: pd.DataFrame, columns: Sequence[str] | None) -> list[str]:
    if columns is not None:
        return list(columns)
    for names in (("item", "rater", "value"), ("item", "worker", "label")):
        if set(names) <= set(df.columns):
            return list(names)
    raise KeyError("long data needs columns item, rater, value (or item, worker, label, or columns=)")


def ratings_matrix(data, *, columns: Sequence[str] | None = None) -> np.ndarray:
    """The raters × items object matrix of ``data`` (long data or matrix), ``None`` where missing."""
    if isinstance(data, tuple) and len(data) == 3:
        data = pd.DataFrame({"item": list(data[0]), "rater": list(data[1]), "value": list(data[2])})
        columns = ("item", "rater", "value")
    if isinstance(data, pd.DataFrame):
        item, rater, value = _long_columns(data, columns)
        df = data[[item, rater, value]].dropna(subset=[value])
        item_idx, items = pd.factorize(df[item])
        rater_codes, raters = pd.factorize(df[rater], sort=True)
        m = np.full((len(raters), len(items)), None, dtype=object)
        m[rater_codes, item_idx] = df[value].to_numpy(dtype=object)
        return m
    m = np.array(data, dtype=object)
    if m.ndim != 2:
        raise ValueError("matrix input must be 2-D (raters × items)")
    return np.where(pd.isna(m), None, m)


def _codes(data, *, columns, order) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (−1 missing) of the raters × items matrix and the ordered value domain."""
    m = ratings_matrix(data, columns=columns)
    present = pd.notna(m)
    vals = m[present]
    if order is not None:
        domain = np.array(list(order), dtype=object)
        unknown = set(vals.tolist()) - set(domain.tolist())
        if unknown:
            raise ValueError(f"values not in order=: {sorted(map(str, unknown))}")
    else:
        try:
            domain = np.array(sorted(set(vals.tolist())), dtype=object)
        except TypeError:
            domain = np.array(sorted(set(vals.tolist()), key=str), dtype=object)
    lookup = {v: k for k, v in enumerate(domain.tolist())}
    codes = np.full(m.shape, -1, dtype=int)
    codes[present] = [lookup[v] for v in vals.tolist()]
    return codes, domain


def _count_table(codes: np.ndarray, k: int) -> np.ndarray:
    """Items × categories counts from a raters × items code matrix."""
    r, i = np.nonzero(codes >= 0)
    table = np.zeros((codes.shape[1], k))
    np.add.at(table, (i, codes[r, i]), 1)
    return table


def rating_table(data, *, columns: Sequence[str] | None = None, order: Sequence | None = None) -> pd.DataFrame:
    """Items × categories table of rating counts (the input of Fleiss' kappa)."""
    codes, domain = _codes(data, columns=columns, order=order)
    return pd.DataFrame(_count_table(codes, len(domain)).astype(int), columns=list(domain))


def _pair_agreement(table: np.ndarray) -> np.ndarray:
    n = table.sum(axis=1)
    keep = n >= 2
    return (table[keep] * (table[keep] - 1)).sum(axis=1) / (n[keep] * (n[keep] - 1))


def percent_agreement(data, *, columns: Sequence[str] | None = None) -> float:
    """Mean share of agreeing rater pairs over items with at least two ratings (NaN if there are none)."""
    codes, domain = _codes(data, columns=columns, order=None)
    p = _pair_agreement(_count_table(codes, len(domain)))
    return float(p.mean()) if len(p) else float("nan")


def fleiss_kappa(data, *, columns: Sequence[str] | None = None, counts: bool = False) -> float:
    """Fleiss' kappa; ``counts=True`` takes ``data`` as an items × categories table of counts instead."""
    if counts:
        table = np.asarray(data, dtype=float)
    else:
        codes, domain = _codes(data, columns=columns, order=None)
        table = _count_table(codes, len(domain))
    table = table[table.sum(axis=1) >= 2]
    if table.size == 0:
        return float("nan")
    p_bar = _pair_agreement(table).mean()
    p = table.sum(axis=0) / table.sum()
    p_e = float((p**2).sum())
    return float((p_bar - p_e) / (1 - p_e)) if p_e < 1 - 1e-12 else float("nan")


def cohen_kappa(rater_a, rater_b, *, weights: str | None = None, order: Sequence | None = None) -> float:
    """Cohen's kappa between two raters' paired ratings; ``weights`` None, ``"linear"`` or ``"quadratic"``."""
    a, b = np.asarray(rater_a, dtype=object), np.asarray(rater_b, dtype=object)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("rater_a and rater_b must be 1-D and of equal length")
    codes, domain = _codes(np.vstack([a, b]), columns=None, order=order)
    codes = codes[:, (codes >= 0).all(axis=0)]
    k = len(domain)
    if codes.shape[1] == 0:
        return float("nan")
    observed = np.zeros((k, k))
    np.add.at(observed, (codes[0], codes[1]), 1)
    observed /= observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    diff = np.abs(np.subtract.outer(np.arange(k), np.arange(k))).astype(float)
    if weights is None:
        w = (diff > 0).astype(float)
    elif weights == "linear":
        w = diff
    elif weights == "quadratic":
        w = diff**2
    else:
        raise ValueError("weights must be None, 'linear' or 'quadratic'")
    denom = float((w * expected).sum())
    return float(1 - (w * observed).sum() / denom) if denom > 1e-12 else float("nan")


def coincidence_matrix(codes: np.ndarray, *, n_values: int) -> np.ndarray:
    """Krippendorff's coincidence matrix ``o_ck`` from a raters × items code matrix (−1 missing)."""
    table = _count_table(codes, n_values)
    m = table.sum(axis=1)
    table, m = table[m >= 2], m[m >= 2]
    w = 1.0 / (m - 1)
    return (table * w[:, None]).T @ table - np.diag((table * w[:, None]).sum(axis=0))


def _delta2(level: str, domain: np.ndarray, n_c: np.ndarray) -> np.ndarray:
    if level == "nominal":
        return 1.0 - np.eye(len(domain))
    if level == "ordinal":
        cs = np.cumsum(n_c)
        lo = np.minimum.outer(np.arange(len(domain)), np.arange(len(domain)))
        hi = np.maximum.outer(np.arange(len(domain)), np.arange(len(domain)))
        between = cs[hi] - cs[lo] + n_c[lo]
        return (between - (n_c[:, None] + n_c[None, :]) / 2) ** 2
    try:
        v = domain.astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{level} alpha needs numeric values") from exc
    diff = np.subtract.outer(v, v)
    if level == "interval":
        return diff**2
    if level == "ratio":
        if np.any(v < 0):
            raise ValueError("ratio alpha needs non-negative values")
        tot = np.add.outer(v, v)
        return np.divide(diff, tot, out=np.zeros_like(diff), where=tot != 0) ** 2
    raise ValueError(f"level must be one of {LEVELS}")


def krippendorff_alpha(
    data, *, level: str = "nominal", order: Sequence | None = None, columns: Sequence[str] | None = None
) -> float:
    """Krippendorff's alpha at ``level`` (nominal, ordinal, interval, ratio); NaN when undefined."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")
    codes, domain = _codes(data, columns=columns, order=order)
    if len(domain) == 0:
        return float("nan")
    o = coincidence_matrix(codes, n_values=len(domain))
    n_c = o.sum(axis=1)
    n = n_c.sum()
    if n < 2:
        return float("nan")
    d2 = _delta2(level, domain, n_c)
    expected = float((np.outer(n_c, n_c) * d2).sum())
    if expected <= 1e-12:
        return float("nan")
    return float(1 - (n - 1) * (o * d2).sum() / expected)


# ------------------------------------------------------------------------------------------ IoU agreement


def _set_agreement(df, item, rater, coord_cols, label, iou_fn, threshold) -> float:
    item_scores = []
    for _, sub in df.groupby(item, sort=False):
        sets = []
        for _, rows in sub.groupby(rater, sort=True):
            rows = rows.dropna(subset=coord_cols)
            labs = rows[label].to_numpy(dtype=object) if label else np.zeros(len(rows), dtype=object)
            sets.append((rows[coord_cols].to_numpy(dtype=float), labs))
        pair_scores = []
        for (ca, la), (cb, lb) in combinations(sets, 2):
            if len(ca) == 0 and len(cb) == 0:
                pair_scores.append(1.0)
                continue
            m = np.where(la[:, None] == lb[None, :], iou_fn(ca, cb), 0.0)
            if threshold is None:
                rows_, cols_ = match_by_iou(m, threshold=0.0)
                pair_scores.append(m[rows_, cols_].sum() / max(len(ca), len(cb)))
            else:
                matched = len(match_by_iou(m, threshold=threshold)[0])
                pair_scores.append(2 * matched / (len(ca) + len(cb)))
        if pair_scores:
            item_scores.append(np.mean(pair_scores))
    return float(np.mean(item_scores)) if item_scores else float("nan")


def _shape_columns(df: pd.DataFrame, columns: Sequence[str] | None, coords: Sequence[str]) -> list[str]:
    if columns is not None:
        return list(columns)
    rater = next((c for c in ("rater", "annotator", "worker") if c in df.columns), "rater")
    return ["item", rater, *coords]


def span_agreement(
    spans: pd.DataFrame,
    *,
    threshold: float | None = None,
    columns: Sequence[str] | None = None,
    label: str | None = None,
) -> float:
    """IoU agreement on spans (long DataFrame, one row per span; NaN start/end = rater marked nothing).

    Columns default to ``item, rater, start, end`` (the rater column may be named ``annotator`` or
    ``worker``).  ``threshold=None``: mean best-match IoU; a number: F1 of matched pairs (see the module
    docstring).  ``label`` names an optional label column; spans of different labels never match.
    """
    item, rater, start, end = _shape_columns(spans, columns, ("start", "end"))
    return _set_agreement(spans, item, rater, [start, end], label, span_iou, threshold)


def box_agreement(
    boxes: pd.DataFrame,
    *,
    threshold: float | None = None,
    columns: Sequence[str] | None = None,
    label: str | None = None,
) -> float:
    """IoU agreement on ``(x, y, w, h)`` boxes (columns ``item, rater, x, y, w, h``); conventions as
    :func:`span_agreement`."""
    item, rater, *coords = _shape_columns(boxes, columns, ("x", "y", "w", "h"))
    return _set_agreement(boxes, item, rater, coords, label, box_iou, threshold)


# ----------------------------------------------------------------------------------- preference agreement


@dataclass(frozen=True)
class PreferenceAgreement:
    """Agreement on pairwise preferences: ``percent_`` (agreeing rater pairs), ``alpha_`` (Krippendorff)."""

    percent_: float
    alpha_: float
    n_items_: int
    n_judgments_: int


_PREFERENCE_CODES = {"a": -1, "first": -1, "left": -1, "tie": 0, "b": 1, "second": 1, "right": 1}


def preference_agreement(
    judgments: pd.DataFrame,
    *,
    ties: bool = True,
    columns: Sequence[str] | None = None,
    codes: Mapping[object, int] | None = None,
) -> PreferenceAgreement:
    """Agreement on "which of two responses is better" judgments (long format: item, rater, value).

    Values are ``-1`` / ``0`` / ``+1`` (first better / tie / second better), or strings mapped by ``codes``
    (default: ``a``/``first``/``left`` → −1, ``tie`` → 0, ``b``/``second``/``right`` → +1).

    * ``ties=True``: the three outcomes are categories; percent agreement counts exact matches and alpha is
      **ordinal** (a tie sits between the two wins, so "tie vs win" is a smaller disagreement than
      "win vs opposite win").
    * ``ties=False``: tie judgments are dropped; percent agreement and **nominal** alpha on the direction.
    """
    item, rater, value = _long_columns(judgments, columns)
    mapping = dict(_PREFERENCE_CODES if codes is None else codes)
    raw = judgments[value].to_numpy(dtype=object)
    vals = np.array([mapping.get(v.lower() if isinstance(v, str) else v, v) for v in raw], dtype=object)
    try:
        vals = np.sign(vals.astype(float))
    except (TypeError, ValueError) as exc:
        raise ValueError("preference values must be -1/0/+1 or strings known to codes=") from exc
    df = pd.DataFrame({"item": judgments[item].to_numpy(), "rater": judgments[rater].to_numpy(), "value": vals})
    if not ties:
        df = df[df["value"] != 0]
    level = "ordinal" if ties else "nominal"
    return PreferenceAgreement(
        percent_=percent_agreement(df, columns=("item", "rater", "value")),
        alpha_=krippendorff_alpha(df, level=level, order=[-1.0, 0.0, 1.0] if ties else None,
                                  columns=("item", "rater", "value")),
        n_items_=int(df["item"].nunique()),
        n_judgments_=len(df),
    )


__all__ = [
    "LEVELS",
    "PreferenceAgreement",
    "box_agreement",
    "cohen_kappa",
    "coincidence_matrix",
    "fleiss_kappa",
    "krippendorff_alpha",
    "percent_agreement",
    "preference_agreement",
    "rating_table",
    "ratings_matrix",
    "span_agreement",
]
