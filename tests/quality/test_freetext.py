"""Free-text answers: normalisation, similarity, most central answer."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorloop.quality import freetext
from tutorloop.quality.freetext import (
    central_answer,
    central_answers,
    levenshtein,
    normalize_text,
    similarity_matrix,
    text_similarity,
)


def _naive_levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[:], i
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
    return row[-1]


@settings(max_examples=80, deadline=None)
@given(a=st.text(alphabet="abcأبت", max_size=12), b=st.text(alphabet="abcأبت", max_size=12))
def test_levenshtein_matches_naive_dynamic_programme(a, b):
    assert levenshtein(a, b) == _naive_levenshtein(a, b)


@settings(max_examples=50, deadline=None)
@given(a=st.text(max_size=20), b=st.text(max_size=20), metric=st.sampled_from(["ngram", "edit"]))
def test_similarity_bounded_and_symmetric(a, b, metric):
    ab, ba = text_similarity(a, b, metric=metric), text_similarity(b, a, metric=metric)
    assert 0.0 <= ab <= 1.0 and ab == pytest.approx(ba)
    assert text_similarity(a, a, metric=metric) == pytest.approx(1.0)


def test_normalisation_across_scripts():
    assert normalize_text("  Café   NAÏVE!! ") == "cafe naive"
    assert normalize_text("مُحَمَّدٌ ـ أحمد إلى") == "محمد احمد الي"
    assert normalize_text("القاهرة") == normalize_text("القاهره")
    assert normalize_text("٣ كتب") == "3 كتب"
    assert normalize_text("שָׁלוֹם") == "שלום"
    assert normalize_text("हिन्दी") == "हिन्दी"  # Devanagari signs are kept
    assert normalize_text("ｆｕｌｌ　ｗｉｄｔｈ") == "full width"
    assert normalize_text(None) == "" and normalize_text(float("nan")) == ""


def test_central_answer_picks_the_consensus():
    answers = ["The capital is Paris.", "paris", "Paris is the capital", "", "   ", "Lyon, surely"]
    res = central_answer(answers)
    assert res.index_ in (0, 2)
    assert np.isnan(res.scores_[3]) and np.isnan(res.scores_[4])
    assert res.score_ == pytest.approx(np.nanmax(res.scores_))
    typos = ["color", "colour", "colur", "banana"]
    assert central_answer(typos, metric="edit").index_ == 1  # one edit from each of the other two spellings


def test_central_answer_arabic_and_cjk():
    arabic = ["القاهرة هي عاصمة مصر", "عاصمة مصر القاهرة", "القاهره عاصمة مصر", "الإسكندرية"]
    assert central_answer(arabic).index_ != 3
    chinese = ["北京是中国的首都", "中国的首都是北京", "首都是北京", "上海"]
    assert central_answer(chinese, n=2).index_ != 3


def test_single_and_no_usable_answer():
    one = central_answer(["", "only this"])
    assert one.index_ == 1 and one.text_ == "only this" and np.isnan(one.score_)
    none = central_answer(["", None, "  ...  "])
    assert none.index_ is None and none.text_ is None
    assert central_answer([]).index_ is None


def test_similarity_matrix_values():
    m = similarity_matrix(["abc", "abd", "xyz"], metric="edit")
    assert m[0, 1] == pytest.approx(2 / 3) and m[0, 2] == 0.0 and np.allclose(np.diag(m), 1)
    g = similarity_matrix(["ab", "ab "], metric="ngram")  # trailing space is normalised away
    assert g[0, 1] == 1.0
    with pytest.raises(ValueError):
        similarity_matrix(["a"], metric="cosine")


def test_central_answers_per_item():
    df = pd.DataFrame({"item": [1, 1, 1, 2, 2, 3], "worker": ["a", "b", "c", "a", "b", "c"],
                       "text": ["blue sky", "the sky is blue", "green", "", "yes", ""]})
    out = central_answers(df)
    assert out.index.tolist() == [1, 2]  # item 3 has no usable answer
    assert out.loc[1, "worker"] in ("a", "b") and out.loc[2, "text"] == "yes"
    assert out.loc[1, "n_answers"] == 3 and out.loc[2, "n_answers"] == 1


def test_docstring_examples_run():
    assert doctest.testmod(freetext).failed == 0
