"""Ordinal and interval ratings with per-rater bias and noise (additive-bias Gaussian model).

Model (additive rater bias with per-rater reliability — the structure of model PG1 in Piech et al. 2013,
"Tuned models of peer assessment in MOOCs", fitted here by maximum likelihood without their priors on the
truth and the bias)::

    x_ir = t_i + b_r + ε_ir,    ε_ir ~ N(0, σ_r²),    Σ_r n_r b_r = 0

``x_ir`` is rater ``r``'s rating of item ``i``, ``t_i`` the item's true value, ``b_r`` the rater's bias
(positive: lenient) and ``σ_r`` the rater's noise.  Fitting alternates the exact conditional maximisers
(coordinate ascent on the likelihood, i.e. iteratively reweighted least squares)::

    t_i  = Σ_r w_r (x_ir - b_r) / Σ_r w_r,                 w_r = 1 / σ_r²
    b_r  = mean_i (x_ir - t_i), then centred so that Σ_r n_r b_r = 0
    σ_r² = (Σ_i e_ir² + k s²) / (Σ_i (1 - h_ir) + k)

where ``e_ir`` is the residual, ``h_ir = w_r / Σ_{r'∈i} w_r'`` the rating's leverage on its item mean
(so an item rated once carries no information about noise, and ``E[e²] = σ²(1 - h)``), ``s²`` the pooled
residual variance and ``k = prior_strength`` pseudo-ratings of an inverse-gamma prior that keeps ``σ_r`` away
from zero for raters with few ratings.  ``t_i`` has standard error ``1 / √(Σ_r w_r)`` (bias and noise taken
as known).  Bias is identifiable only through items shared between raters; the sum-to-zero rule pins the
overall level to the raters' average.

``scale=(lo, hi)`` (e.g. ``(1, 5)``) adds a ``label`` column: the estimate rounded and clipped to the scale.

Input: a long DataFrame with columns ``item, worker, label`` (``columns=`` renames), numeric ratings.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3], "worker": ["harsh", "fair"] * 3,
    ...                    "label": [2, 3, 3, 4, 1, 2]})
    >>> fit = aggregate_ratings(df, scale=(1, 5))
    >>> fit.raters_["bias"].round(2).to_dict()
    {'fair': 0.5, 'harsh': -0.5}
    >>> fit.estimates_["estimate"].round(2).tolist()
    [2.5, 3.5, 1.5]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class RatingsResult:
    """Fitted additive-bias model.

    ``estimates_``: DataFrame indexed by item — ``estimate`` (t_i), ``se``, ``n_ratings``, ``raw_mean``
    and ``label`` when a scale was given.  ``raters_``: DataFrame indexed by rater — ``bias``, ``noise``
    (σ_r), ``n_ratings``.
    """

    estimates_: pd.DataFrame
    raters_: pd.DataFrame
    n_iter_: int
    converged_: bool


def aggregate_ratings(
    ratings: pd.DataFrame,
    *,
    columns: Sequence[str] = ("item", "worker", "label"),
    prior_strength: float = 2.0,
    scale: tuple[float, float] | None = None,
    max_iter: int = 500,
    tol: float = 1e-8,
) -> RatingsResult:
    """Fit ``rating = truth + bias_r + noise_r`` and return per-item estimates and per-rater bias and noise."""
    item, rater, value = columns
    df = ratings[[item, rater, value]].dropna(subset=[value])
    if df.empty:
        raise ValueError("no ratings")
    x = pd.to_numeric(df[value]).to_numpy(dtype=float)
    i, items = pd.factorize(df[item], sort=True)
    r, raters = pd.factorize(df[rater], sort=True)
    n_i, n_r = len(items), len(raters)
    cnt_i = np.bincount(i, minlength=n_i).astype(float)
    cnt_r = np.bincount(r, minlength=n_r).astype(float)
    raw_mean = np.bincount(i, x, minlength=n_i) / cnt_i
    bias = np.zeros(n_r)
    s2 = max(float(np.var(x - raw_mean[i])), 1e-6) if len(x) > 1 else 1.0
    var = np.full(n_r, s2)
    truth = raw_mean
    converged, it = False, 0
    for it in range(1, max_iter + 1):
        w = 1.0 / var[r]
        sum_w = np.bincount(i, w, minlength=n_i)
        truth = np.bincount(i, w * (x - bias[r]), minlength=n_i) / sum_w
        new_bias = np.bincount(r, x - truth[i], minlength=n_r) / cnt_r
        new_bias -= np.dot(cnt_r, new_bias) / cnt_r.sum()
        truth = np.bincount(i, w * (x - new_bias[r]), minlength=n_i) / sum_w
        resid = x - truth[i] - new_bias[r]
        dof = np.bincount(r, 1.0 - w / sum_w[i], minlength=n_r)
        pooled = max(float(np.sum(resid**2) / max(np.sum(dof), 1e-12)), 1e-6)
        new_var = (np.bincount(r, resid**2, minlength=n_r) + prior_strength * pooled) / (dof + prior_strength)
        new_var = np.maximum(new_var, 1e-9)
        delta = max(np.max(np.abs(new_bias - bias)), np.max(np.abs(np.sqrt(new_var) - np.sqrt(var))))
        bias, var = new_bias, new_var
        if delta < tol:
            converged = True
            break
    sum_w = np.bincount(i, 1.0 / var[r], minlength=n_i)
    truth = np.bincount(i, (x - bias[r]) / var[r], minlength=n_i) / sum_w
    estimates = pd.DataFrame({"estimate": truth, "se": 1.0 / np.sqrt(sum_w), "n_ratings": cnt_i.astype(int),
                              "raw_mean": raw_mean}, index=pd.Index(items, name=item))
    if scale is not None:
        lo, hi = scale
        estimates["label"] = np.clip(np.floor(truth + 0.5), lo, hi)
    raters_df = pd.DataFrame({"bias": bias, "noise": np.sqrt(var), "n_ratings": cnt_r.astype(int)},
                             index=pd.Index(raters, name=rater))
    return RatingsResult(estimates_=estimates, raters_=raters_df, n_iter_=it, converged_=converged)


__all__ = ["RatingsResult", "aggregate_ratings"]
