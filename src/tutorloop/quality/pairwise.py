"""Pairwise comparisons: Bradley–Terry strengths with ties (Davidson 1970) and a position-bias report.

Model (Bradley & Terry 1952; ties: Davidson 1970, "On extending the Bradley–Terry model to accommodate
ties in paired comparison experiments", JASA 65).  With strengths ``π_i = exp(θ_i)`` and tie parameter
``ν = exp(φ) >= 0``::

    P(i beats j) = π_i / D,   P(j beats i) = π_j / D,   P(tie) = ν √(π_i π_j) / D,
    D = π_i + π_j + ν √(π_i π_j)

This is a three-outcome multinomial logit in ``η = (θ, φ)`` (outcome scores ``θ_i``, ``θ_j`` and
``φ + (θ_i + θ_j)/2``), so the log-likelihood is concave.  It is maximised by Newton's method with a
backtracking line search under a small ridge prior ``-(λ/2)(Σ θ_i² + φ²)`` (``ridge=λ``, default 0.01):
the prior makes the optimum unique (it fixes ``Σ θ_i = 0``) and finite for players who won or lost every
comparison.  ``ties=False`` fits the plain Bradley–Terry model (``ν = 0``; tie rows are then dropped).

Standard errors come from the inverse of the penalised observed information, taken within the
``Σ θ = 0`` subspace (a pseudo-inverse after projecting out the common shift).  Above ``dense_limit``
players (default 2,000) the Newton steps use sparse solves and the reported SE is the conditional
``1/√(information_ii)`` (θ_i's uncertainty with the other players held fixed), an approximation.

Input: a DataFrame with one comparison per row, columns ``first, second, outcome`` (``columns=`` renames).
``outcome`` is ``-1`` (first wins), ``0`` (tie), ``+1`` (second wins) — the sign of "second minus first" —
or a string: ``first/a/left/model_a``, ``second/b/right/model_b``, ``tie/draw/tie (bothbad)``.
``groups=`` (mapping or Series response → model) pools responses so strengths are estimated per model;
a response missing from ``groups`` stands for itself.

Position bias: :func:`position_bias` reports the share of decided comparisons won by the first-shown
option with a Wilson score interval and an exact two-sided binomial test of 1/2.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"first": ["a", "a", "b", "a", "c", "b"], "second": ["b", "c", "c", "b", "a", "c"],
    ...                    "outcome": ["first", "first", "tie", "tie", "second", "first"]})
    >>> fit = fit_bradley_terry(df)
    >>> list(fit.scores_.index), fit.tie_ > 0
    (['a', 'b', 'c'], True)
    >>> bool(fit.scores_.loc["a", "score"] > fit.scores_.loc["c", "score"])
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.linalg import spsolve
from scipy.stats import binomtest

_FIRST = {"first", "a", "left", "model_a", "-1"}
_SECOND = {"second", "b", "right", "model_b", "1", "+1"}
_TIE = {"tie", "draw", "tie (bothbad)", "both_bad", "0"}


def outcome_codes(outcomes) -> np.ndarray:
    """Map outcomes to 0 (first wins), 1 (second wins), 2 (tie); raises ``ValueError`` on unknown values."""
    out = np.empty(len(outcomes), dtype=int)
    for k, v in enumerate(np.asarray(outcomes, dtype=object)):
        if isinstance(v, str):
            s = v.strip().lower()
            code = 0 if s in _FIRST else 1 if s in _SECOND else 2 if s in _TIE else -1
        else:
            x = float(v)
            code = -1 if np.isnan(x) else {-1: 0, 1: 1, 0: 2}[int(np.sign(x))]
        if code < 0:
            raise ValueError(f"unknown outcome {v!r}")
        out[k] = code
    return out


@dataclass(frozen=True)
class BradleyTerryResult:
    """Fitted Davidson–Bradley–Terry model.

    ``scores_``: DataFrame indexed by player (response or model) with ``score`` (θ, log-strength, mean 0),
    ``se``, ``strength`` (exp θ), ``wins``, ``losses``, ``ties``, ``n``, ``rank`` (1 = strongest).
    ``tie_`` is ν and ``tie_se_`` its delta-method SE (0 and NaN without ties).
    """

    scores_: pd.DataFrame
    tie_: float
    tie_se_: float
    log_likelihood_: float
    n_iter_: int
    converged_: bool

    def predict(self, first, second) -> pd.DataFrame:
        """Outcome probabilities ``p_first, p_second, p_tie`` for arrays of player pairs."""
        th = self.scores_["score"]
        a, b = th.loc[list(first)].to_numpy(), th.loc[list(second)].to_numpy()
        nu = self.tie_
        denom = np.exp(a) + np.exp(b) + nu * np.exp((a + b) / 2)
        return pd.DataFrame({"p_first": np.exp(a) / denom, "p_second": np.exp(b) / denom,
                             "p_tie": nu * np.exp((a + b) / 2) / denom})


def _loglik_parts(eta, i, j, o, n, ties):
    th = eta[:n]
    s = np.stack([th[i], th[j], (eta[n] if ties else -np.inf) + (th[i] + th[j]) / 2], axis=1)
    top = s[:, :2].max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(s - top).sum(axis=1))
    p = np.exp(s - lse[:, None])
    return float((s[np.arange(len(o)), o] - lse).sum()), p


def _objective(eta, i, j, o, n, ties, ridge):
    ll, p = _loglik_parts(eta, i, j, o, n, ties)
    return ll - 0.5 * ridge * float(eta @ eta), ll, p


def _grad_info(eta, p, i, j, o, n, ties, ridge, use_sparse):
    m = n + 1 if ties else n
    f = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.5, 1.0]])[o]
    pi, pj, pt = p[:, 0], p[:, 1], p[:, 2]
    ei, ej = pi + pt / 2, pj + pt / 2
    grad = np.bincount(i, f[:, 0] - ei, minlength=m) + np.bincount(j, f[:, 1] - ej, minlength=m)
    vii, vjj, vij = pi + pt / 4 - ei**2, pj + pt / 4 - ej**2, pt / 4 - ei * ej
    rows, cols, vals = [i, j, i, j], [i, j, j, i], [vii, vjj, vij, vij]
    if ties:
        grad[n] = (f[:, 2] - pt).sum()
        vip, vjp, vpp = pt / 2 - ei * pt, pt / 2 - ej * pt, pt - pt**2
        phi = np.full_like(i, n)
        rows += [i, phi, j, phi, phi]
        cols += [phi, i, phi, j, phi]
        vals += [vip, vip, vjp, vjp, vpp]
    grad -= ridge * eta
    info = sparse.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(m, m))
    info = info.tocsr() + ridge * sparse.identity(m, format="csr")
    return grad, (info if use_sparse else info.toarray())


def fit_bradley_terry(
    comparisons: pd.DataFrame,
    *,
    groups: Mapping | pd.Series | None = None,
    ties: bool = True,
    ridge: float = 0.01,
    columns: Sequence[str] = ("first", "second", "outcome"),
    max_iter: int = 100,
    tol: float = 1e-9,
    dense_limit: int = 2000,
) -> BradleyTerryResult:
    """Fit Bradley–Terry (with Davidson ties unless ``ties=False``) to one comparison per row."""
    if ridge <= 0:
        raise ValueError("ridge must be > 0 (it makes the strengths identifiable)")
    first, second, outcome = columns
    a, b = comparisons[first].to_numpy(dtype=object), comparisons[second].to_numpy(dtype=object)
    if groups is not None:
        lookup = groups if isinstance(groups, Mapping) else groups.to_dict()
        a = np.array([lookup.get(x, x) for x in a], dtype=object)
        b = np.array([lookup.get(x, x) for x in b], dtype=object)
    o = outcome_codes(comparisons[outcome].to_numpy(dtype=object))
    if np.any(a == b):
        raise ValueError("a player cannot be compared with itself (after grouping)")
    codes, players = pd.factorize(np.concatenate([a, b]), sort=True)
    n = len(players)
    i, j = codes[: len(a)], codes[len(a):]
    if n == 0:
        raise ValueError("no comparisons")
    wins = np.bincount(i[o == 0], minlength=n) + np.bincount(j[o == 1], minlength=n)
    losses = np.bincount(i[o == 1], minlength=n) + np.bincount(j[o == 0], minlength=n)
    n_ties = np.bincount(i[o == 2], minlength=n) + np.bincount(j[o == 2], minlength=n)
    if not ties:
        keep = o != 2
        i, j, o = i[keep], j[keep], o[keep]
    use_sparse = n > dense_limit
    eta = np.zeros(n + 1 if ties else n)
    if ties:
        rate = min(max((o == 2).mean() if len(o) else 0.0, 1e-3), 0.999)
        eta[n] = np.log(2 * rate / (1 - rate))
    obj, ll, p = _objective(eta, i, j, o, n, ties, ridge)
    converged, it = False, 0
    for it in range(1, max_iter + 1):
        grad, info = _grad_info(eta, p, i, j, o, n, ties, ridge, use_sparse)
        step = spsolve(info.tocsc(), grad) if use_sparse else np.linalg.solve(info, grad)
        t = 1.0
        while True:
            new = eta + t * step
            new_obj, new_ll, new_p = _objective(new, i, j, o, n, ties, ridge)
            if new_obj >= obj - 1e-12 or t < 1e-8:
                break
            t /= 2
        eta, obj, ll, p = new, new_obj, new_ll, new_p
        if np.max(np.abs(t * step)) < tol:
            converged = True
            break
    grad, info = _grad_info(eta, p, i, j, o, n, ties, ridge, use_sparse)
    se = _standard_errors(info, n, ties, use_sparse)
    theta = eta[:n]
    scores = pd.DataFrame({"score": theta, "se": se[:n], "strength": np.exp(theta), "wins": wins,
                           "losses": losses, "ties": n_ties, "n": wins + losses + n_ties},
                          index=pd.Index(players, name="player"))
    scores["rank"] = scores["score"].rank(ascending=False, method="min").astype(int)
    nu = float(np.exp(eta[n])) if ties else 0.0
    return BradleyTerryResult(scores_=scores, tie_=nu, tie_se_=nu * float(se[n]) if ties else float("nan"),
                              log_likelihood_=ll, n_iter_=it, converged_=converged)


def _standard_errors(info, n: int, ties: bool, use_sparse: bool) -> np.ndarray:
    if use_sparse:
        return 1.0 / np.sqrt(info.diagonal())
    m = info.shape[0]
    proj = np.eye(m)
    proj[:n, :n] -= 1.0 / n
    cov = np.linalg.pinv(proj @ info @ proj, hermitian=True)
    return np.sqrt(np.clip(np.diag(cov), 0, None))


@dataclass(frozen=True)
class PositionBias:
    """Share of decided comparisons won by the first-shown option, Wilson CI and exact binomial p-value."""

    share_first_: float
    ci_low_: float
    ci_high_: float
    p_value_: float
    first_wins_: int
    second_wins_: int
    ties_: int


def position_bias(
    comparisons: pd.DataFrame,
    *,
    columns: Sequence[str] = ("first", "second", "outcome"),
    confidence: float = 0.95,
) -> PositionBias:
    """Position-bias report: does the first-shown option win more than half of the decided comparisons?"""
    o = outcome_codes(comparisons[columns[2]].to_numpy(dtype=object))
    k, m, t = int((o == 0).sum()), int((o == 1).sum()), int((o == 2).sum())
    if k + m == 0:
        nan = float("nan")
        return PositionBias(nan, nan, nan, nan, k, m, t)
    test = binomtest(k, k + m, 0.5)
    ci = test.proportion_ci(confidence_level=confidence, method="wilson")
    return PositionBias(share_first_=k / (k + m), ci_low_=float(ci.low), ci_high_=float(ci.high),
                        p_value_=float(test.pvalue), first_wins_=k, second_wins_=m, ties_=t)


__all__ = ["BradleyTerryResult", "PositionBias", "fit_bradley_terry", "outcome_codes", "position_bias"]
