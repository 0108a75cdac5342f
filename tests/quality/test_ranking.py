"""Plackett–Luce (MM) and Borda aggregation of rankings."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr

from tutorloop.quality import ranking
from tutorloop.quality.pairwise import fit_bradley_terry
from tutorloop.quality.ranking import borda, fit_plackett_luce

THETA = np.linspace(-1.0, 1.0, 8)


def simulate(n, *, seed, sizes=(2, 6)):
    """Partial Plackett–Luce rankings via the Gumbel-max trick."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        sub = rng.choice(len(THETA), rng.integers(*sizes), replace=False)
        noisy = THETA[sub] + rng.gumbel(size=len(sub))
        out.append([f"i{k}" for k in sub[np.argsort(-noisy)]])
    return out


def test_recovers_strength_order_and_values():
    fit = fit_plackett_luce(simulate(1500, seed=0))
    assert fit.converged_
    est = fit.scores_.loc[[f"i{k}" for k in range(8)], "score"].to_numpy()
    assert spearmanr(est, THETA).statistic > 0.95
    assert est == pytest.approx(THETA - THETA.mean(), abs=0.2)
    z = (est - (THETA - THETA.mean())) / fit.scores_.loc[[f"i{k}" for k in range(8)], "se"].to_numpy()
    assert np.all(np.abs(z) < 4)
    assert fit.scores_["strength"].sum() == pytest.approx(1.0)


def test_pairs_only_equals_bradley_terry():
    """On rankings of two items Plackett–Luce is Bradley–Terry: the ML fits coincide."""
    pairs = simulate(600, seed=1, sizes=(2, 3))
    pl = fit_plackett_luce(pairs, prior=0.0)
    bt = fit_bradley_terry(pd.DataFrame({"first": [p[0] for p in pairs], "second": [p[1] for p in pairs],
                                         "outcome": "first"}), ties=False, ridge=1e-9)
    assert pl.scores_["score"].to_numpy() == pytest.approx(bt.scores_.loc[pl.scores_.index, "score"].to_numpy(),
                                                           abs=1e-5)


def test_prior_keeps_never_chosen_item_finite():
    rankings = [["a", "b", "c"], ["b", "a", "c"], ["a", "c"], ["b", "c"]]  # c is always last
    fit = fit_plackett_luce(rankings)
    assert np.isfinite(fit.scores_["score"]).all()
    assert fit.scores_["rank"].to_dict() == {"a": 1, "b": 1, "c": 3}
    assert fit.scores_.loc["c", "n_first"] == 0 and fit.scores_.loc["a", "n_rankings"] == 3


def test_dataframe_input_equals_sequences():
    rankings = simulate(50, seed=2)
    long = pd.DataFrame([(r, item, pos) for r, ranking in enumerate(rankings) for pos, item in enumerate(ranking)],
                        columns=["ranking", "item", "position"]).sample(frac=1, random_state=0)
    a, b = fit_plackett_luce(rankings), fit_plackett_luce(long)
    assert a.scores_["score"].to_numpy() == pytest.approx(b.scores_["score"].to_numpy())
    assert borda(long)["score"].to_dict() == pytest.approx(borda(rankings)["score"].to_dict())


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_invariant_to_relabelling(seed):
    rankings = simulate(40, seed=seed)
    names = {f"i{k}": f"z{v}" for k, v in enumerate(np.random.default_rng(seed).permutation(8))}
    fit = fit_plackett_luce(rankings)
    renamed = fit_plackett_luce([[names[x] for x in r] for r in rankings])
    back = renamed.scores_.rename(index={v: k for k, v in names.items()}).loc[fit.scores_.index]
    assert back["score"].to_numpy() == pytest.approx(fit.scores_["score"].to_numpy(), abs=1e-6)


def test_borda_scores():
    out = borda([["a", "b", "c"], ["b", "a", "c"], ["c", "a"], ["d"]])
    assert out["score"].to_dict() == pytest.approx({"a": (1 + 0.5 + 0) / 3, "b": 0.75, "c": 1 / 3})
    assert out["points"].to_dict() == {"a": 3, "b": 3, "c": 1}
    assert out["rank"].to_dict() == {"b": 1, "a": 2, "c": 3}
    assert "d" not in out.index
    assert spearmanr(borda(simulate(800, seed=3)).loc[[f"i{k}" for k in range(8)], "score"], THETA).statistic > 0.9


def test_edge_cases():
    with pytest.raises(ValueError):
        fit_plackett_luce([])
    with pytest.raises(ValueError):
        fit_plackett_luce([["a", "b", "a"]])
    with pytest.raises(ValueError):
        fit_plackett_luce([["a", "b"]], prior=-1)
    single = fit_plackett_luce([["a", "b", "c"]])
    assert single.scores_["rank"].to_dict() == {"a": 1, "b": 2, "c": 3}
    one_item = fit_plackett_luce([["a"]])
    assert one_item.scores_.loc["a", "score"] == 0.0
    assert borda([]).empty


def test_docstring_examples_run():
    assert doctest.testmod(ranking).failed == 0
