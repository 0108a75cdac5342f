"""Ratings with per-rater additive bias and noise."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from tutorloop.quality import ordinal
from tutorloop.quality.ordinal import aggregate_ratings


def simulate(*, seed, n_items=300, n_raters=12, per_item=4):
    rng = np.random.default_rng(seed)
    truth = rng.normal(3, 1, n_items)
    bias = rng.normal(0, 0.7, n_raters)
    noise = rng.uniform(0.2, 1.2, n_raters)
    rows = [(i, f"r{r:02d}", truth[i] + bias[r] + rng.normal(0, noise[r]))
            for i in range(n_items) for r in rng.choice(n_raters, per_item, replace=False)]
    return pd.DataFrame(rows, columns=["item", "worker", "label"]), truth, bias, noise


def test_bias_noise_and_truth_recovered():
    df, truth, bias, noise = simulate(seed=0)
    fit = aggregate_ratings(df)
    assert fit.converged_
    raters = fit.raters_.loc[[f"r{r:02d}" for r in range(12)]]
    # bias is identified up to a common shift
    shift = np.mean(raters["bias"] - bias)
    assert raters["bias"].to_numpy() - shift == pytest.approx(bias, abs=0.25)  # ~100 ratings each, σ up to 1.2
    assert np.corrcoef(raters["bias"], bias)[0, 1] > 0.97
    assert spearmanr(raters["noise"], noise).statistic > 0.85
    est = fit.estimates_["estimate"].to_numpy() + shift
    rmse, raw = np.sqrt(np.mean((est - truth) ** 2)), np.sqrt(np.mean((fit.estimates_["raw_mean"] - truth) ** 2))
    assert rmse < 0.75 * raw
    z = (est - truth) / fit.estimates_["se"].to_numpy()
    assert 0.8 < z.std() < 1.25  # standard errors are calibrated
    assert (fit.estimates_["n_ratings"] == 4).all()


def test_weighted_zero_sum_bias_and_scale_labels():
    df = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3, 3], "worker": ["a", "b", "a", "b", "a", "b", "c"],
                       "label": [2, 4, 1, 3, 3, 5, 4]})
    fit = aggregate_ratings(df, scale=(1, 5))
    r = fit.raters_
    assert np.dot(r["bias"], r["n_ratings"]) == pytest.approx(0, abs=1e-9)
    assert r.loc["b", "bias"] - r.loc["a", "bias"] == pytest.approx(2, abs=0.01)
    assert fit.estimates_["label"].between(1, 5).all()
    assert set(fit.estimates_["label"]) <= {1, 2, 3, 4, 5}


def test_one_rater():
    df = pd.DataFrame({"item": [1, 2, 3], "worker": ["solo"] * 3, "label": [1, 4, 2]})
    fit = aggregate_ratings(df)
    assert fit.raters_.loc["solo", "bias"] == pytest.approx(0)
    assert fit.estimates_["estimate"].tolist() == pytest.approx([1, 4, 2])
    assert np.isfinite(fit.estimates_["se"]).all()


def test_single_item_and_constant_ratings():
    single = aggregate_ratings(pd.DataFrame({"item": [7, 7, 7], "worker": ["a", "b", "c"], "label": [3, 3, 4]}))
    assert single.estimates_.loc[7, "estimate"] == pytest.approx(10 / 3)
    const = aggregate_ratings(pd.DataFrame({"item": [1, 1, 2, 2], "worker": ["a", "b"] * 2, "label": [3] * 4}))
    assert const.estimates_["estimate"].tolist() == pytest.approx([3, 3])
    assert np.isfinite(const.raters_["noise"]).all() and (const.raters_["bias"].abs() < 1e-9).all()


def test_missing_and_empty_input():
    df = pd.DataFrame({"item": [1, 1, 2], "worker": ["a", "b", "a"], "label": [2, None, 3]})
    assert aggregate_ratings(df).raters_.index.tolist() == ["a"]
    with pytest.raises(ValueError):
        aggregate_ratings(df.iloc[:0])


def test_custom_columns():
    df = pd.DataFrame({"q": [1, 1], "who": ["x", "y"], "stars": [4, 5]})
    fit = aggregate_ratings(df, columns=("q", "who", "stars"))
    assert fit.estimates_.index.name == "q" and fit.raters_.index.name == "who"


def test_docstring_examples_run():
    assert doctest.testmod(ordinal).failed == 0
