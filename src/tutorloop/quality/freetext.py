"""Free-text answers: pick the most central answer (a medoid) by string similarity.

For the non-empty answers ``a_1 … a_m`` to one item, the chosen answer is
``argmax_i (1 / (m - 1)) Σ_{j≠i} sim(a_i, a_j)`` — the answer most like the others, the text counterpart
of a majority vote (the medoid of the answers under the chosen similarity).  Ties go to the earliest answer.

Similarities, both in ``[0, 1]`` and computed on normalised text:

* ``metric="ngram"`` (default): Jaccard index of the sets of character n-grams (``n=3``) of the text
  padded with one space at each end, ``|G(a) ∩ G(b)| / |G(a) ∪ G(b)|``; script-agnostic (works for text
  without spaces, such as Chinese or Thai — a smaller ``n``, e.g. 2, suits such scripts).
* ``metric="edit"``: normalised Levenshtein similarity ``1 - lev(a, b) / max(|a|, |b|)`` over code points.

Normalisation (:func:`normalize_text`): Unicode NFKC; case folding; decimal digits of any script → ASCII
digits; Latin, Greek and Cyrillic combining accents (U+0300–U+036F), Arabic harakat, Quranic marks,
superscript alef and tatweel, and Hebrew points are removed; Arabic alef variants (أ إ آ ٱ) → ا,
ى → ي, ة → ه, Persian ی/ک → ي/ك; punctuation and symbols → space; runs of whitespace → one space, trimmed.
Marks that carry meaning in other scripts (e.g. Devanagari vowel signs) are kept.

Answers that are empty after normalisation are ignored.  A single usable answer is chosen with score NaN;
none gives no choice.

Example:
    >>> answers = ["The capital is Paris.", "paris", "Paris is the capital", "", "Lyon"]
    >>> central_answer(answers).index_
    0
    >>> normalize_text("مُحَمَّد  أحمد ـــ ١٢٣")
    'محمد احمد 123'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

_REMOVE = re.compile("[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u0591-\u05c7]")
_TRANSLATE = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ی": "ي", "ک": "ك"})
_SPACE = re.compile(r"\s+")


def normalize_text(text) -> str:
    """Normalise one answer for comparison (see the module docstring); ``None``/NaN gives ``""``."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    s = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", str(text)).casefold())
    s = _REMOVE.sub("", s)
    s = unicodedata.normalize("NFC", s).translate(_TRANSLATE)
    chars = []
    for ch in s:
        cat = unicodedata.category(ch)
        if cat == "Nd":
            chars.append(str(unicodedata.decimal(ch)))
        elif cat[0] in "PSZC":
            chars.append(" ")
        else:
            chars.append(ch)
    return _SPACE.sub(" ", "".join(chars)).strip()


def _ngrams(s: str, n: int) -> set[str]:
    padded = f" {s} "
    if len(padded) <= n:
        return {padded}
    return {padded[k:k + n] for k in range(len(padded) - n + 1)}


def _ngram_matrix(texts: list[str], n: int) -> np.ndarray:
    grams = [_ngrams(t, n) for t in texts]
    vocab = {g: k for k, g in enumerate(sorted(set().union(*grams)))} if grams else {}
    rows = [r for r, gs in enumerate(grams) for _ in gs]
    cols = [vocab[g] for gs in grams for g in gs]
    x = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(vocab)))
    inter = (x @ x.T).toarray()
    size = np.asarray(x.sum(axis=1)).ravel()
    union = size[:, None] + size[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def levenshtein(a: str, b: str) -> int:
    """Levenshtein distance over code points (row-vectorised dynamic programme)."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    bb = np.array([ord(c) for c in b])
    cols = np.arange(len(b) + 1)
    prev = cols.copy()
    for k, ca in enumerate(a, start=1):
        tmp = np.empty_like(prev)
        tmp[0] = k
        tmp[1:] = np.minimum(prev[1:] + 1, prev[:-1] + (bb != ord(ca)))
        prev = np.minimum.accumulate(tmp - cols) + cols  # resolves the left-to-right insertion chain
    return int(prev[-1])


def text_similarity(a: str, b: str, *, metric: str = "ngram", n: int = 3) -> float:
    """Similarity in [0, 1] of two answers after normalisation (two empty answers: 1)."""
    return float(similarity_matrix([a, b], metric=metric, n=n)[0, 1])


def similarity_matrix(texts: Sequence, *, metric: str = "ngram", n: int = 3) -> np.ndarray:
    """Symmetric matrix of pairwise similarities of ``texts`` (normalised first)."""
    norm = [normalize_text(t) for t in texts]
    if metric == "ngram":
        m = _ngram_matrix(norm, n)
    elif metric == "edit":
        m = np.eye(len(norm))
        for i in range(len(norm)):
            for j in range(i + 1, len(norm)):
                longest = max(len(norm[i]), len(norm[j]))
                m[i, j] = m[j, i] = 1.0 - levenshtein(norm[i], norm[j]) / longest if longest else 1.0
    else:
        raise ValueError("metric must be 'ngram' or 'edit'")
    np.fill_diagonal(m, 1.0)
    return m


@dataclass(frozen=True)
class CentralAnswer:
    """The chosen answer: ``index_`` into the input (None if no usable answer), ``text_`` as given,
    ``score_`` its mean similarity to the other usable answers, ``scores_`` every answer's (NaN if empty)."""

    index_: int | None
    text_: str | None
    score_: float
    scores_: np.ndarray


def central_answer(answers: Sequence, *, metric: str = "ngram", n: int = 3) -> CentralAnswer:
    """The most central of one item's answers (see the module docstring)."""
    norm = [normalize_text(a) for a in answers]
    usable = np.array([bool(t) for t in norm], dtype=bool)
    scores = np.full(len(answers), np.nan)
    idx = np.flatnonzero(usable)
    if len(idx) == 0:
        return CentralAnswer(None, None, float("nan"), scores)
    if len(idx) == 1:
        return CentralAnswer(int(idx[0]), str(answers[idx[0]]), float("nan"), scores)
    m = similarity_matrix([norm[k] for k in idx], metric=metric, n=n)
    mean = (m.sum(axis=1) - 1.0) / (len(idx) - 1)
    scores[idx] = mean
    best = int(np.argmax(mean))
    return CentralAnswer(int(idx[best]), str(answers[idx[best]]), float(mean[best]), scores)


def central_answers(
    answers: pd.DataFrame,
    *,
    columns: Sequence[str] = ("item", "worker", "text"),
    metric: str = "ngram",
    n: int = 3,
) -> pd.DataFrame:
    """Most central answer per item from a long DataFrame; indexed by item with ``worker, text, score,
    n_answers`` (usable answers).  Items with no usable answer are left out."""
    item, worker, text = columns
    rows = []
    for key, sub in answers.groupby(item, sort=True):
        res = central_answer(sub[text].tolist(), metric=metric, n=n)
        if res.index_ is None:
            continue
        rows.append({item: key, "worker": sub[worker].iloc[res.index_], "text": res.text_, "score": res.score_,
                     "n_answers": int(np.isfinite(res.scores_).sum()) or 1})
    return pd.DataFrame(rows, columns=[item, "worker", "text", "score", "n_answers"]).set_index(item)


__all__ = ["CentralAnswer", "central_answer", "central_answers", "levenshtein", "normalize_text",
           "similarity_matrix", "text_similarity"]
