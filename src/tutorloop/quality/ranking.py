"""Aggregating rankings: Plackett–Luce by MM (Hunter 2004) with a Borda-count baseline.

Plackett–Luce (Luce 1959; Plackett 1975): a ranking ``r_1 ≻ r_2 ≻ … ≻ r_m`` of a subset of items has
probability ``Π_{t=1}^{m-1} γ_{r_t} / Σ_{s>=t} γ_{r_s}`` — the best item is chosen from all, the next from
the rest, and so on.  Rankings may cover different subsets and have different lengths (each ranks only the
items it lists; an unlisted item is not "below" them).

Fitting is Hunter's (2004, "MM algorithms for generalized Bradley–Terry models", Ann. Stat. 32) MM
iteration with the conjugate Gamma(1 + c, c) prior of Caron & Doucet (2012) (``prior=c``, default 0.1)::

    γ_i ← (c + w_i) / (c + Σ_{stages s ∋ i} 1 / Σ_{k ∈ s} γ_k)

with ``w_i`` the number of stages at which ``i`` was chosen, each step followed by rescaling to the prior's
optimal overall scale (mean ``γ`` = 1; the likelihood is scale-free).  ``prior=0`` is Hunter's maximum likelihood,
which diverges when an item is never chosen (Ford's condition fails); the prior keeps every strength finite.
Reported ``score`` is ``log γ`` centred to mean 0 and ``strength`` is ``γ / Σ γ``.  Standard errors of the
score come from the observed information of ``log γ`` (plus the prior's curvature) inverted within the
mean-zero subspace; above ``dense_limit`` items the conditional ``1/√information_ii`` is reported.

Borda count (baseline): in a ranking of ``m`` items, position ``p`` (0 = best) earns
``(m - 1 - p) / (m - 1)`` — 1 for the best, 0 for the worst — and an item's ``score`` is its mean over the
rankings that list it, so partial rankings of different lengths are comparable.

Input: a sequence of rankings, each a sequence of item ids best first, or a long DataFrame with columns
``ranking, item, position`` (lower position = better; ``columns=`` renames).

Example:
    >>> rankings = [["a", "b", "c"], ["a", "c", "b"], ["b", "a"], ["a", "b", "c"], ["c", "a"]]
    >>> fit = fit_plackett_luce(rankings)
    >>> fit.scores_["rank"].to_dict()
    {'a': 1, 'b': 2, 'c': 3}
    >>> borda(rankings)["score"].round(3).to_dict()
    {'a': 0.6, 'b': 0.5, 'c': 0.375}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse


def _as_rankings(rankings, columns: Sequence[str]) -> list[list]:
    if isinstance(rankings, pd.DataFrame):
        rid, item, pos = columns
        df = rankings.sort_values([rid, pos], kind="stable")
        out = [list(g[item]) for _, g in df.groupby(rid, sort=False)]
    else:
        out = [list(r) for r in rankings]
    for r in out:
        if len(set(r)) != len(r):
            raise ValueError(f"ranking lists an item twice: {r}")
    return out


def _stages(rankings: list[list]):
    """Choice stages: sparse membership (stages × items), chosen item per stage, and the item labels."""
    items = pd.Index(sorted({x for r in rankings for x in r}, key=lambda v: (str(type(v)), v)))
    rows, cols, chosen = [], [], []
    stage = 0
    for r in rankings:
        codes = items.get_indexer(r)
        for t in range(len(codes) - 1):
            rest = codes[t:]
            rows.append(np.full(len(rest), stage))
            cols.append(rest)
            chosen.append(codes[t])
            stage += 1
    if stage == 0:
        return sparse.csr_matrix((0, len(items))), np.empty(0, dtype=int), items
    m = sparse.csr_matrix((np.ones(sum(map(len, cols))), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(stage, len(items)))
    return m, np.asarray(chosen), items


@dataclass(frozen=True)
class PlackettLuceResult:
    """Fitted Plackett–Luce model.

    ``scores_``: DataFrame indexed by item with ``score`` (centred log-strength), ``se``, ``strength``
    (normalised to sum 1), ``n_rankings``, ``n_first`` (times ranked first), ``rank`` (1 = best).
    """

    scores_: pd.DataFrame
    log_likelihood_: float
    n_iter_: int
    converged_: bool


def fit_plackett_luce(
    rankings,
    *,
    prior: float = 0.1,
    columns: Sequence[str] = ("ranking", "item", "position"),
    max_iter: int = 10_000,
    tol: float = 1e-9,
    dense_limit: int = 2000,
) -> PlackettLuceResult:
    """Fit Plackett–Luce strengths to (partial) rankings by Hunter's MM with a Gamma prior."""
    if prior < 0:
        raise ValueError("prior must be >= 0")
    rankings = _as_rankings(rankings, columns)
    m, chosen, items = _stages(rankings)
    n = len(items)
    if n == 0:
        raise ValueError("no rankings")
    wins = np.bincount(chosen, minlength=n).astype(float)
    mt = m.T.tocsr()
    gamma = np.ones(n)
    converged, it = m.shape[0] == 0, 0
    for it in range(1, max_iter + 1):
        denom = m @ gamma
        new = (prior + wins) / (prior + mt @ (1.0 / denom)) if m.shape[0] else gamma
        new = np.where(new > 0, new, 1e-300)
        # The likelihood ignores the overall scale; move it to the prior's optimum (mean γ = 1), which keeps
        # the ascent property of MM and removes its slow drift along the scale direction.
        new = new / np.exp(np.mean(np.log(new))) if prior == 0 else new * (n / new.sum())
        delta = np.max(np.abs(np.log(new) - np.log(gamma)))
        gamma = new
        if delta < tol:
            converged = True
            break
    denom = m @ gamma
    ll = float(np.sum(np.log(gamma[chosen])) - np.sum(np.log(denom))) if len(chosen) else 0.0
    probs = sparse.csr_matrix(m.multiply(gamma[None, :]).multiply(1.0 / denom[:, None]))
    info = sparse.diags(np.asarray(probs.sum(axis=0)).ravel() + prior * gamma) - (probs.T @ probs)
    se = _standard_errors(info, dense_limit)
    log_g = np.log(gamma)
    scores = pd.DataFrame({"score": log_g - log_g.mean(), "se": se, "strength": gamma / gamma.sum()},
                          index=pd.Index(items, name="item"))
    counts = pd.Series([x for r in rankings if len(r) > 1 for x in r]).value_counts()
    firsts = pd.Series([r[0] for r in rankings if len(r) > 1]).value_counts()
    scores["n_rankings"] = counts.reindex(scores.index, fill_value=0).astype(int).to_numpy()
    scores["n_first"] = firsts.reindex(scores.index, fill_value=0).astype(int).to_numpy()
    scores["rank"] = scores["score"].rank(ascending=False, method="min").astype(int)
    return PlackettLuceResult(scores_=scores, log_likelihood_=ll, n_iter_=it, converged_=converged)


def _standard_errors(info, dense_limit: int) -> np.ndarray:
    n = info.shape[0]
    if n > dense_limit:
        with np.errstate(divide="ignore"):
            return 1.0 / np.sqrt(info.diagonal())
    proj = np.eye(n) - 1.0 / n
    cov = np.linalg.pinv(proj @ info.toarray() @ proj, hermitian=True)
    return np.sqrt(np.clip(np.diag(cov), 0, None))


def borda(rankings, *, columns: Sequence[str] = ("ranking", "item", "position")) -> pd.DataFrame:
    """Normalised Borda count: DataFrame indexed by item with ``score`` (mean of ``(m-1-p)/(m-1)``),
    ``points`` (sum of ``m-1-p``), ``n_rankings`` and ``rank`` (1 = best).  Rankings of one item are skipped.
    """
    rankings = [r for r in _as_rankings(rankings, columns) if len(r) > 1]
    if not rankings:
        return pd.DataFrame(columns=["score", "points", "n_rankings", "rank"], index=pd.Index([], name="item"))
    lengths = np.array([len(r) for r in rankings])
    pos = np.concatenate([np.arange(k) for k in lengths])
    size = np.repeat(lengths, lengths)
    df = pd.DataFrame({"item": [x for r in rankings for x in r], "points": size - 1 - pos,
                       "norm": (size - 1 - pos) / (size - 1)})
    out = df.groupby("item").agg(score=("norm", "mean"), points=("points", "sum"), n_rankings=("norm", "size"))
    out["rank"] = out["score"].rank(ascending=False, method="min").astype(int)
    return out


__all__ = ["PlackettLuceResult", "borda", "fit_plackett_luce"]
