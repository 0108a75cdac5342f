"""Bradley–Terry with Davidson ties, and the position-bias report."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from scipy.stats import spearmanr

from tutorloop.quality import pairwise
from tutorloop.quality.pairwise import fit_bradley_terry, outcome_codes, position_bias


def simulate(theta, nu, n, *, seed, first_bias=0.0):
    """Davidson comparisons; ``first_bias`` adds log-odds to whichever option is shown first."""
    rng = np.random.default_rng(seed)
    k = len(theta)
    i = rng.integers(0, k, n)
    j = (i + rng.integers(1, k, n)) % k
    pi, pj = np.exp(theta[i] + first_bias), np.exp(theta[j])
    pt = nu * np.sqrt(pi * pj)
    u = rng.random(n) * (pi + pj + pt)
    outcome = np.where(u < pi, "first", np.where(u < pi + pj, "second", "tie"))
    return pd.DataFrame({"first": [f"m{x}" for x in i], "second": [f"m{x}" for x in j], "outcome": outcome})


THETA = np.array([-1.2, -0.6, 0.0, 0.5, 1.1])


def test_strengths_and_tie_parameter_recovered():
    df = simulate(THETA, 0.8, 4000, seed=1)
    fit = fit_bradley_terry(df)
    assert fit.converged_
    est = fit.scores_.loc[[f"m{k}" for k in range(5)], "score"].to_numpy()
    assert spearmanr(est, THETA).statistic == pytest.approx(1.0)
    assert est == pytest.approx(THETA - THETA.mean(), abs=0.12)
    assert fit.tie_ == pytest.approx(0.8, abs=0.1)
    assert abs(fit.tie_ - 0.8) < 3 * fit.tie_se_
    z = (est - (THETA - THETA.mean())) / fit.scores_["se"].to_numpy()
    assert np.all(np.abs(z) < 4)
    assert fit.scores_.loc["m4", "rank"] == 1


def test_matches_direct_numerical_optimisation():
    df = simulate(THETA, 0.5, 300, seed=2)
    ridge = 0.05
    fit = fit_bradley_terry(df, ridge=ridge)
    players = list(fit.scores_.index)
    i = np.array([players.index(x) for x in df["first"]])
    j = np.array([players.index(x) for x in df["second"]])
    o = outcome_codes(df["outcome"])

    def neg_posterior(eta):
        th, phi = eta[:-1], eta[-1]
        s = np.stack([th[i], th[j], phi + (th[i] + th[j]) / 2], axis=1)
        lse = np.logaddexp.reduce(s, axis=1)
        return -(s[np.arange(len(o)), o] - lse).sum() + 0.5 * ridge * (eta @ eta)

    ref = minimize(neg_posterior, np.zeros(len(players) + 1), method="BFGS", options={"gtol": 1e-9})
    assert fit.scores_["score"].to_numpy() == pytest.approx(ref.x[:-1], abs=1e-4)
    assert np.log(fit.tie_) == pytest.approx(ref.x[-1], abs=1e-4)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 1000))
def test_invariant_to_relabelling_and_to_presentation_order(seed):
    df = simulate(THETA, 0.6, 150, seed=seed)
    fit = fit_bradley_terry(df)
    rng = np.random.default_rng(seed)
    names = {f"m{k}": f"player-{v}" for k, v in enumerate(rng.permutation(5))}
    renamed = fit_bradley_terry(df.replace({"first": names, "second": names}))
    back = renamed.scores_.rename(index={v: k for k, v in names.items()}).loc[fit.scores_.index]
    assert back["score"].to_numpy() == pytest.approx(fit.scores_["score"].to_numpy(), abs=1e-7)
    swapped = pd.DataFrame({"first": df["second"], "second": df["first"],
                            "outcome": df["outcome"].map({"first": "second", "second": "first", "tie": "tie"})})
    assert fit_bradley_terry(swapped).scores_["score"].to_numpy() == pytest.approx(
        fit.scores_["score"].to_numpy(), abs=1e-7)


def test_without_ties_and_with_groups():
    df = simulate(THETA, 0.5, 2000, seed=3)
    plain = fit_bradley_terry(df, ties=False)
    assert plain.tie_ == 0.0 and np.isnan(plain.tie_se_)
    assert spearmanr(plain.scores_["score"], THETA).statistic == pytest.approx(1.0)
    # two responses per model: pooled strengths per model equal the per-model fit exactly
    rng = np.random.default_rng(0)
    split = df.assign(first=df["first"] + np.where(rng.random(len(df)) < 0.5, "/r1", "/r2"),
                      second=df["second"] + np.where(rng.random(len(df)) < 0.5, "/r1", "/r2"))
    groups = {f"m{k}/r{r}": f"m{k}" for k in range(5) for r in (1, 2)}
    pooled = fit_bradley_terry(split, groups=groups)
    assert pooled.scores_["score"].to_numpy() == pytest.approx(fit_bradley_terry(df).scores_["score"].to_numpy())
    per_response = fit_bradley_terry(split)
    assert len(per_response.scores_) == 10


def test_ridge_keeps_perfect_winner_finite():
    df = pd.DataFrame({"first": ["a", "a", "b"], "second": ["b", "c", "c"], "outcome": [-1, -1, 0]})
    fit = fit_bradley_terry(df)
    assert np.isfinite(fit.scores_["score"]).all() and fit.scores_["score"].sum() == pytest.approx(0, abs=1e-9)
    assert fit.scores_.loc["a", "wins"] == 2 and fit.scores_.loc["b", "ties"] == 1
    p = fit.predict(["a"], ["c"])
    assert p.sum(axis=1).iloc[0] == pytest.approx(1.0) and p["p_first"].iloc[0] > 0.5


def test_sparse_path_agrees_with_dense():
    df = simulate(THETA, 0.7, 800, seed=4)
    dense, sparse_ = fit_bradley_terry(df), fit_bradley_terry(df, dense_limit=2)
    assert sparse_.scores_["score"].to_numpy() == pytest.approx(dense.scores_["score"].to_numpy(), abs=1e-8)
    assert (sparse_.scores_["se"] > 0).all()


def test_invalid_input():
    with pytest.raises(ValueError):
        fit_bradley_terry(pd.DataFrame({"first": ["a"], "second": ["a"], "outcome": ["tie"]}))
    with pytest.raises(ValueError):
        fit_bradley_terry(pd.DataFrame({"first": ["a"], "second": ["b"], "outcome": ["maybe"]}))
    with pytest.raises(ValueError):
        fit_bradley_terry(pd.DataFrame({"first": [], "second": [], "outcome": []}))
    with pytest.raises(ValueError):
        fit_bradley_terry(pd.DataFrame({"first": ["a"], "second": ["b"], "outcome": ["a"]}), ridge=0)


def test_single_comparison():
    fit = fit_bradley_terry(pd.DataFrame({"first": ["x"], "second": ["y"], "outcome": ["model_a"]}))
    assert fit.scores_.loc["x", "score"] > fit.scores_.loc["y", "score"]


def test_position_bias_detects_first_shown_advantage():
    biased = position_bias(simulate(np.zeros(4), 0.3, 3000, seed=5, first_bias=0.4))
    assert biased.share_first_ > 0.55 and biased.ci_low_ > 0.5 and biased.p_value_ < 1e-6
    assert biased.ties_ > 0
    fair = position_bias(simulate(np.zeros(4), 0.3, 3000, seed=6))
    assert fair.ci_low_ < 0.5 < fair.ci_high_
    none = position_bias(pd.DataFrame({"first": ["a"], "second": ["b"], "outcome": ["tie"]}))
    assert np.isnan(none.share_first_) and none.ties_ == 1


def test_docstring_examples_run():
    assert doctest.testmod(pairwise).failed == 0
