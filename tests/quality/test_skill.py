"""Per-person skill per domain with binomial intervals."""

from __future__ import annotations

import doctest
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tutorloop.quality import skill
from tutorloop.quality.skill import OVERALL, proportion_interval, worker_skill

proportion = pytest.importorskip("statsmodels.stats.proportion")
CROWD = Path(__file__).resolve().parents[2] / "data" / "crowd"


@pytest.mark.parametrize("method", ["wilson", "jeffreys"])
def test_intervals_match_statsmodels(method):
    k = np.array([1, 3, 7, 19, 50])
    n = np.array([10, 10, 10, 20, 80])
    low, high = proportion_interval(k, n, interval=method, confidence=0.9)
    ref = np.array([proportion.proportion_confint(a, b, alpha=0.1, method=method) for a, b in zip(k, n)])
    assert low == pytest.approx(ref[:, 0], abs=1e-10)
    assert high == pytest.approx(ref[:, 1], abs=1e-10)


def test_interval_edges():
    low, high = proportion_interval([0, 5, 0], [5, 5, 0], interval="jeffreys")
    assert low[0] == 0.0 and high[1] == 1.0 and np.isnan(low[2]) and np.isnan(high[2])
    low, high = proportion_interval([0, 5], [5, 5])
    assert low[0] == pytest.approx(0.0) and high[1] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        proportion_interval([1], [2], interval="exact")


def _frame():
    return pd.DataFrame({
        "item": [1, 2, 3, 4, 1, 2, 3, 4],
        "worker": ["ann"] * 4 + ["bob"] * 4,
        "label": ["x", "y", "x", "y", "x", "x", "y", "y"],
        "domain": ["law", ["law", "tax"], "med", "med"] * 2,
    })


def test_gold_and_agreement_per_domain():
    out = worker_skill(_frame(), gold={1: "x", 2: "y", 3: "x"}, inferred={3: "x", 4: "y"})
    assert out.index.names == ["worker", "domain"]
    assert set(out.index.get_level_values("domain")) == {"law", "tax", "med", OVERALL}
    bob_law = out.loc[("bob", "law")]
    assert (bob_law["gold_correct"], bob_law["gold_n"], bob_law["gold_accuracy"]) == (1, 2, 0.5)
    assert out.loc[("bob", "tax"), "gold_accuracy"] == 0.0
    assert out.loc[("ann", OVERALL), "gold_accuracy"] == 1.0 and out.loc[("ann", OVERALL), "n_labels"] == 4
    assert out.loc[("bob", "med"), "agreement"] == 0.5 and out.loc[("bob", "med"), "agreement_n"] == 2
    assert np.isnan(out.loc[("ann", "law"), "agreement"]) and out.loc[("ann", "law"), "agreement_n"] == 0
    assert (out["gold_low"] <= out["gold_accuracy"]).all() and (out["gold_accuracy"] <= out["gold_high"]).all()


def test_domains_mapping_and_no_domains():
    labels = _frame().drop(columns="domain")
    out = worker_skill(labels, gold={1: "x"}, domains={1: "a", 2: "b"}, overall=False)
    assert set(out.loc["ann"].index) == {"a", "b"}  # items 3 and 4 have no tag and no overall row
    plain = worker_skill(labels, gold={1: "x"}, overall=False)
    assert plain.index.get_level_values("domain").unique().tolist() == [OVERALL]


def test_inferred_from_aggregation_result_or_method_name():
    quality = pytest.importorskip("tutorloop.quality")
    if not hasattr(quality, "aggregate"):
        pytest.skip("tutorloop.quality.aggregate not available yet")
    labels = _frame()
    result = quality.aggregate(labels[["item", "worker", "label"]], method="majority")
    a = worker_skill(labels, inferred=result)
    b = worker_skill(labels, inferred="majority")
    pd.testing.assert_frame_equal(a, b)
    assert (a["agreement_n"] > 0).all()


def test_interval_covers_true_accuracy():
    rng = np.random.default_rng(0)
    acc = rng.uniform(0.55, 0.95, 60)
    rows, gold = [], {}
    for i in range(40):
        gold[i] = int(rng.integers(0, 3))
        for w in range(60):
            rows.append((i, w, gold[i] if rng.random() < acc[w] else (gold[i] + 1) % 3))
    out = worker_skill(pd.DataFrame(rows, columns=["item", "worker", "label"]), gold=gold, overall=False)
    covered = (out["gold_low"].to_numpy() <= acc) & (acc <= out["gold_high"].to_numpy())
    assert covered.mean() > 0.85


@pytest.mark.skipif(not (CROWD / "temp" / "gold.csv").exists(), reason="crowd data not present")
def test_real_gold_accuracy_equals_direct_count():
    labels = pd.read_csv(CROWD / "temp" / "labels.csv")
    gold = pd.read_csv(CROWD / "temp" / "gold.csv").set_index("item")["label"]
    out = worker_skill(labels, gold=gold).xs(OVERALL, level="domain")
    direct = labels.assign(ok=labels["label"].to_numpy() == gold.reindex(labels["item"]).to_numpy())
    direct = direct.groupby("worker")["ok"].mean()
    assert out["gold_accuracy"].to_numpy() == pytest.approx(direct.loc[out.index].to_numpy())


def test_empty_input():
    out = worker_skill(pd.DataFrame(columns=["item", "worker", "label"]), gold={})
    assert out.empty and "gold_accuracy" in out.columns


def test_docstring_examples_run():
    assert doctest.testmod(skill).failed == 0
