"""Agreement statistics, checked against krippendorff, statsmodels and scikit-learn."""

from __future__ import annotations

import doctest
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorloop.quality import agreement
from tutorloop.quality.agreement import (
    LEVELS,
    box_agreement,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    preference_agreement,
    rating_table,
    ratings_matrix,
    span_agreement,
)

krippendorff = pytest.importorskip("krippendorff")
inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
sk_metrics = pytest.importorskip("sklearn.metrics")

CROWD = Path(__file__).resolve().parents[2] / "data" / "crowd"
N = np.nan
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the worked example (4 observers × 12 units).
PAPER = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
])


def _to_long(m: np.ndarray) -> pd.DataFrame:
    r, i = np.nonzero(~np.isnan(m))
    return pd.DataFrame({"item": [f"u{k}" for k in i], "rater": [f"r{k}" for k in r], "value": m[r, i]})


@pytest.mark.parametrize(("level", "expected"),
                         [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)])
def test_alpha_reproduces_krippendorff_2011_example(level, expected):
    assert krippendorff_alpha(PAPER, level=level) == pytest.approx(expected, abs=5e-4)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("seed", range(4))
def test_alpha_matches_krippendorff_package_with_missing_values(level, seed):
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, 40)
    m = np.clip(truth[None, :] + rng.integers(-1, 2, (5, 40)), 1, 7).astype(float)
    m[rng.random(m.shape) < 0.35] = np.nan
    ours = krippendorff_alpha(m, level=level)
    ref = krippendorff.alpha(reliability_data=m, level_of_measurement=level)
    assert ours == pytest.approx(ref, abs=1e-10)
    long = _to_long(m)
    assert krippendorff_alpha(long, level=level) == pytest.approx(ref, abs=1e-10)
    as_tuple = (long["item"].to_numpy(), long["rater"].to_numpy(), long["value"].to_numpy())
    assert krippendorff_alpha(as_tuple, level=level) == pytest.approx(ref, abs=1e-10)


def test_long_worker_label_columns_and_string_values():
    df = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3], "worker": ["a", "b"] * 3, "label": list("xxyyxy")})
    m = ratings_matrix(df)
    assert m.shape == (2, 3)
    codes = np.array([[0, 1, 0], [0, 1, 1]], dtype=float)
    assert krippendorff_alpha(df) == pytest.approx(krippendorff.alpha(reliability_data=codes,
                                                                      level_of_measurement="nominal"))


def test_ordinal_alpha_respects_given_order():
    m = np.array([["lo", "mid", "hi", "mid"], ["lo", "hi", "hi", "mid"]], dtype=object)
    ours = krippendorff_alpha(m, level="ordinal", order=["lo", "mid", "hi"])
    ref = krippendorff.alpha(reliability_data=np.array([[0, 1, 2, 1], [0, 2, 2, 1]], dtype=float),
                             level_of_measurement="ordinal")
    assert ours == pytest.approx(ref)
    with pytest.raises(ValueError):
        krippendorff_alpha(m, level="ordinal", order=["lo", "mid"])


def test_fleiss_matches_statsmodels_on_random_tables():
    rng = np.random.default_rng(7)
    for _ in range(5):
        truth = rng.integers(0, 4, 60)
        m = np.where(rng.random((6, 60)) < 0.6, truth, rng.integers(0, 4, (6, 60)))
        table, _ = inter_rater.aggregate_raters(m.T)
        ref = inter_rater.fleiss_kappa(table, method="fleiss")
        assert fleiss_kappa(m) == pytest.approx(ref, abs=1e-12)
        assert fleiss_kappa(table, counts=True) == pytest.approx(ref, abs=1e-12)
        assert rating_table(m).to_numpy().tolist() == table.tolist()


def test_percent_agreement_is_mean_pairwise_share():
    m = np.array([[1, 1, 2], [1, 2, 2], [1, 2, np.nan]])
    # item 1: all agree (1); item 2: pairs (1,2),(1,2),(2,2) → 1/3; item 3: two raters agree → 1
    assert percent_agreement(m) == pytest.approx((1 + 1 / 3 + 1) / 3)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_matches_sklearn(weights):
    rng = np.random.default_rng(3)
    a = rng.integers(0, 5, 200)
    b = np.clip(a + rng.integers(-2, 3, 200), 0, 4)
    ref = sk_metrics.cohen_kappa_score(a, b, weights=weights)
    assert cohen_kappa(a, b, weights=weights) == pytest.approx(ref, abs=1e-12)
    labels = np.array(["e", "d", "c", "b", "a"])  # string labels: positions follow sorted order
    assert cohen_kappa(labels[a], labels[b], weights=weights) == pytest.approx(
        sk_metrics.cohen_kappa_score(labels[a], labels[b], weights=weights), abs=1e-12)


def test_cohen_drops_missing_pairs():
    a = [1, 2, None, 2, 1]
    b = [1, 2, 1, np.nan, 2]
    assert cohen_kappa(a, b) == pytest.approx(sk_metrics.cohen_kappa_score([1, 2, 1], [1, 2, 2]))


@pytest.mark.skipif(not (CROWD / "bluebirds" / "labels.csv").exists(), reason="crowd data not present")
def test_real_crowd_data_against_references():
    birds = pd.read_csv(CROWD / "bluebirds" / "labels.csv")  # every worker labels every item
    m = birds.pivot(index="worker", columns="item", values="label").to_numpy(dtype=float)
    table, _ = inter_rater.aggregate_raters(m.T)
    assert fleiss_kappa(birds) == pytest.approx(inter_rater.fleiss_kappa(table), abs=1e-12)
    assert krippendorff_alpha(birds) == pytest.approx(krippendorff.alpha(reliability_data=m), abs=1e-10)
    face = pd.read_csv(CROWD / "face" / "labels.csv")  # sparse: most workers miss most items
    fm = face.pivot(index="worker", columns="item", values="label").to_numpy(dtype=float)
    for level in ("nominal", "ordinal"):
        ref = krippendorff.alpha(reliability_data=fm, level_of_measurement=level)
        assert krippendorff_alpha(face, level=level) == pytest.approx(ref, abs=1e-10)


# ------------------------------------------------------------------------------------------- properties


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.integers(0, 6), min_size=2, max_size=15).filter(lambda v: len(set(v)) > 1),
       raters=st.integers(2, 4), level=st.sampled_from(LEVELS))
def test_identical_raters_give_alpha_one(values, raters, level):
    m = np.tile(np.asarray(values, dtype=float) + 1, (raters, 1))
    assert krippendorff_alpha(m, level=level) == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(pairs=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=30),
       weights=st.sampled_from([None, "linear", "quadratic"]))
def test_cohen_is_symmetric(pairs, weights):
    a, b = zip(*pairs)
    k1, k2 = cohen_kappa(a, b, weights=weights), cohen_kappa(b, a, weights=weights)
    assert (np.isnan(k1) and np.isnan(k2)) or k1 == pytest.approx(k2)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_alpha_and_fleiss_ignore_rater_and_item_order(seed):
    rng = np.random.default_rng(seed)
    m = rng.integers(0, 3, (4, 12)).astype(float)
    perm = rng.permutation(4)[:, None], rng.permutation(12)[None, :]
    a, b = krippendorff_alpha(m), krippendorff_alpha(m[perm])
    assert (np.isnan(a) and np.isnan(b)) or a == pytest.approx(b)
    assert 0.0 <= percent_agreement(m) <= 1.0


# ------------------------------------------------------------------------------------------- edge cases


def test_one_rater_gives_nan():
    assert np.isnan(krippendorff_alpha([[1, 2, 3]]))
    assert np.isnan(fleiss_kappa([[1, 2, 3]]))
    assert np.isnan(percent_agreement([[1, 2, 3]]))


@pytest.mark.parametrize("level", LEVELS)
def test_constant_values_give_nan(level):
    assert np.isnan(krippendorff_alpha([[2, 2, 2], [2, 2, np.nan]], level=level))
    assert np.isnan(fleiss_kappa([[2, 2, 2], [2, 2, 2]]))
    assert np.isnan(cohen_kappa([1, 1, 1], [1, 1, 1]))


def test_single_item():
    assert krippendorff_alpha([[1], [2]]) == pytest.approx(
        krippendorff.alpha(reliability_data=[[1], [2]], level_of_measurement="nominal"))
    assert np.isnan(krippendorff_alpha([[1], [1]]))
    assert percent_agreement([[1], [1]]) == 1.0


def test_empty_input():
    empty = pd.DataFrame(columns=["item", "rater", "value"])
    assert np.isnan(krippendorff_alpha(empty))
    assert np.isnan(fleiss_kappa(empty))
    assert np.isnan(percent_agreement(empty))
    assert np.isnan(cohen_kappa([], []))
    with pytest.raises(ValueError):
        krippendorff_alpha([[1, 2]], level="bogus")


# --------------------------------------------------------------------------------------- IoU agreement


def test_span_agreement_modes():
    df = pd.DataFrame({"item": [1, 1, 1, 2, 2, 3], "rater": ["a", "b", "b", "a", "b", "a"],
                       "start": [0, 0, 20, 10, 30, 0], "end": [10, 5, 25, 20, 40, 4]})
    # item 1: a=[0,10) vs b={[0,5),[20,25)}: best IoU 0.5, max(1,2)=2 → 0.25; item 2: disjoint → 0; item 3: one rater
    assert span_agreement(df) == pytest.approx((0.25 + 0.0) / 2)
    assert span_agreement(df, threshold=0.5) == pytest.approx((2 * 1 / 3 + 0) / 2)
    assert span_agreement(df, threshold=0.6) == pytest.approx(0.0)


def test_span_agreement_labels_and_empty_sets():
    df = pd.DataFrame({"item": [1, 1, 2, 2], "rater": ["a", "b", "a", "b"], "start": [0, 0, N, N],
                       "end": [5, 5, N, N], "label": ["PER", "LOC", None, None]})
    assert span_agreement(df) == pytest.approx(1.0)  # labels ignored: same span (1), both empty (1)
    assert span_agreement(df, label="label") == pytest.approx(0.5)  # item 1 now differs by label (0)
    assert span_agreement(df.assign(label="PER"), label="label") == pytest.approx(1.0)


def test_box_agreement():
    df = pd.DataFrame({"item": [1, 1, 1], "rater": ["a", "b", "c"], "x": [0, 1, 0], "y": [0, 0, 0],
                       "w": [2, 2, 2], "h": [2, 2, 2]})
    # pairs: a-b 1/3, a-c 1, b-c 1/3
    assert box_agreement(df) == pytest.approx((1 / 3 + 1 + 1 / 3) / 3)
    assert box_agreement(df, threshold=0.5) == pytest.approx(1 / 3)
    assert box_agreement(df.rename(columns={"rater": "annotator"})) == pytest.approx(box_agreement(df))


def test_preference_agreement_with_and_without_ties():
    df = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3, 4, 4], "rater": ["a", "b"] * 4,
                       "value": ["a", "a", "b", "tie", "b", "b", "tie", "tie"]})
    with_ties = preference_agreement(df)
    assert with_ties.percent_ == pytest.approx(3 / 4)
    codes = np.array([[-1, 1, 1, 0], [-1, 0, 1, 0]], dtype=float)
    assert with_ties.alpha_ == pytest.approx(krippendorff.alpha(reliability_data=codes,
                                                                level_of_measurement="ordinal"))
    no_ties = preference_agreement(df, ties=False)
    assert no_ties.percent_ == pytest.approx(1.0)  # items 1 and 3 agree; ties dropped
    assert no_ties.n_judgments_ == 5
    numeric = preference_agreement(df.assign(value=df["value"].map({"a": -1, "tie": 0, "b": 1})))
    assert numeric.alpha_ == pytest.approx(with_ties.alpha_)


def test_docstring_examples_run():
    assert doctest.testmod(agreement).failed == 0
