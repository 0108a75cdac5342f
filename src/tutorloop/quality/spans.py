"""Text spans: matching between annotators, consensus spans, per-annotator precision and recall.

A span is a half-open interval ``[start, end)`` of Unicode code-point offsets (as in the labelling schema)
with an optional label.  Overlap is measured by interval IoU::

    IoU(a, b) = |a ∩ b| / |a ∪ b| = overlap / ((end_a - start_a) + (end_b - start_b) - overlap)

Two spans *match* when they have the same label and ``IoU >= threshold`` (default 0.5); between two
annotators the one-to-one matching maximising total IoU is used (Hungarian algorithm).

Consensus (majority voting at the level of spans): all spans of an item are clustered across annotators (each
annotator, in sorted order, is matched to the clusters' current median spans; unmatched spans open new
clusters; at most one span per annotator per cluster).  A cluster becomes a consensus span when a strict
majority of the item's annotators are in it (or ``quorum`` annotators, if given).  Its boundaries are the
medians of the members' starts and ends; a half-integer median start is rounded down and a half-integer
median end up (the wider span).

Per-annotator scores compare each annotator's spans with the consensus spans of the items that annotator
worked on: ``precision = matched / spans drawn``, ``recall = matched / consensus spans``, F1 their harmonic
mean (NaN when the denominator is 0).

Input is a long DataFrame with one row per span (default columns ``item, annotator, start, end`` and,
when present, ``label``).  A row whose ``start``/``end`` are NaN records that the annotator saw the item and
marked nothing; it counts towards the majority.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"item": [1, 1, 1, 1], "annotator": ["a", "b", "c", "c"],
    ...                    "start": [0, 1, 0, 20], "end": [5, 5, 6, 25], "label": ["PER"] * 4})
    >>> consensus_spans(df)[["item", "start", "end", "label", "support"]].to_dict("records")
    [{'item': 1, 'start': 0, 'end': 5, 'label': 'PER', 'support': 3}]
    >>> annotator_scores(df, consensus_spans(df))["precision"].to_dict()
    {'a': 1.0, 'b': 1.0, 'c': 0.5}
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tutorloop.quality.shapes import cluster_by_iou, match_by_iou

_COLUMNS = ("item", "annotator", "start", "end")


def span_iou(spans_a, spans_b) -> np.ndarray:
    """IoU matrix (``len(a) × len(b)``) between two sets of ``(start, end)`` spans."""
    a = np.asarray(spans_a, dtype=float).reshape(-1, 2)
    b = np.asarray(spans_b, dtype=float).reshape(-1, 2)
    if np.any(a[:, 1] < a[:, 0]) or np.any(b[:, 1] < b[:, 0]):
        raise ValueError("span end must be >= start")
    overlap = np.clip(np.minimum(a[:, None, 1], b[None, :, 1]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    union = (a[:, 1] - a[:, 0])[:, None] + (b[:, 1] - b[:, 0])[None, :] - overlap
    return np.divide(overlap, union, out=np.zeros_like(overlap), where=union > 0)


def _labelled_iou(spans_a, spans_b, labels_a, labels_b) -> np.ndarray:
    m = span_iou(spans_a, spans_b)
    if labels_a is None or labels_b is None:
        return m
    same = np.asarray(labels_a, dtype=object)[:, None] == np.asarray(labels_b, dtype=object)[None, :]
    return np.where(same, m, 0.0)


def match_spans(spans_a, spans_b, *, threshold: float = 0.5, labels_a=None, labels_b=None) -> pd.DataFrame:
    """Match two annotators' spans one-to-one; DataFrame with columns ``a``, ``b`` (row positions), ``iou``.

    When both label arrays are given, spans only match spans of the same label.
    """
    m = _labelled_iou(spans_a, spans_b, labels_a, labels_b)
    rows, cols = match_by_iou(m, threshold=threshold)
    return pd.DataFrame({"a": rows, "b": cols, "iou": m[rows, cols]})


def _label_column(df: pd.DataFrame, label: str | None) -> str | None:
    return label if label is not None and label in df.columns else None


def _groups(sub: pd.DataFrame, annotator: str, start: str, end: str, label: str | None):
    names = sorted(sub[annotator].unique(), key=str)
    groups = []
    for name in names:
        rows = sub[sub[annotator] == name].dropna(subset=[start, end])
        labs = rows[label].to_numpy(dtype=object) if label else np.full(len(rows), None, dtype=object)
        groups.append((rows[[start, end]].to_numpy(dtype=float), labs))
    return names, groups


def consensus_spans(
    spans: pd.DataFrame,
    *,
    threshold: float = 0.5,
    quorum: int | None = None,
    columns: Sequence[str] = _COLUMNS,
    label: str | None = "label",
) -> pd.DataFrame:
    """Consensus spans per item; columns ``item, start, end, [label], support, share, mean_iou``.

    ``label`` names the label column; it is used only when the DataFrame has it.  ``support`` counts the
    annotators in the cluster, ``share`` divides by the item's annotators, ``mean_iou`` is the members' mean
    IoU with the consensus span.  Rows are sorted by item then start.
    """
    item, annotator, start, end = columns
    label = _label_column(spans, label)
    out = []
    for key, sub in spans.groupby(item, sort=True):
        names, groups = _groups(sub, annotator, start, end, label)
        need = quorum if quorum is not None else len(names) // 2 + 1
        for members in cluster_by_iou(groups, iou=span_iou, threshold=threshold):
            if len(members) < need:
                continue
            coords = np.array([groups[g][0][r] for g, r in members])
            s, e = np.median(coords[:, 0]), np.median(coords[:, 1])
            s, e = int(np.floor(s + 1e-9)), int(np.ceil(e - 1e-9))
            row = {"item": key, "start": s, "end": e}
            if label:
                row[label] = groups[members[0][0]][1][members[0][1]]
            row.update(support=len(members), share=len(members) / len(names),
                       mean_iou=float(span_iou(coords, [[s, e]]).mean()))
            out.append(row)
    extra = [label] if label else []
    cols = ["item", "start", "end", *extra, "support", "share", "mean_iou"]
    result = pd.DataFrame(out, columns=cols)
    return result.sort_values(["item", "start"], kind="stable").reset_index(drop=True)


def annotator_scores(
    spans: pd.DataFrame,
    consensus: pd.DataFrame,
    *,
    threshold: float = 0.5,
    columns: Sequence[str] = _COLUMNS,
    label: str | None = "label",
) -> pd.DataFrame:
    """Per-annotator precision, recall and F1 against consensus spans (e.g. from :func:`consensus_spans`).

    ``consensus`` has columns ``item, start, end`` (and the label column when labels are used).  Only items
    the annotator worked on count.  Returns a DataFrame indexed by annotator with ``n_items, n_spans,
    n_consensus, matched, precision, recall, f1``.
    """
    item, annotator, start, end = columns
    label = _label_column(spans, label)
    if label and label not in consensus.columns:
        raise KeyError(f"consensus lacks the label column {label!r}")
    by_item = {k: g for k, g in consensus.groupby("item", sort=False)}
    stats: dict[object, np.ndarray] = {}
    for (key, name), sub in spans.groupby([item, annotator], sort=True):
        mine = sub.dropna(subset=[start, end])
        truth = by_item.get(key, consensus.iloc[:0])
        labels_a = mine[label].to_numpy(dtype=object) if label else None
        labels_b = truth[label].to_numpy(dtype=object) if label else None
        m = _labelled_iou(mine[[start, end]].to_numpy(float), truth[["start", "end"]].to_numpy(float),
                          labels_a, labels_b)
        matched = len(match_by_iou(m, threshold=threshold)[0])
        stats.setdefault(name, np.zeros(4))
        stats[name] += [1, len(mine), len(truth), matched]
    names = list(stats)
    arr = np.array([stats[n] for n in names]).reshape(-1, 4)
    out = pd.DataFrame(arr.astype(int), index=pd.Index(names, name=annotator),
                       columns=["n_items", "n_spans", "n_consensus", "matched"])
    with np.errstate(invalid="ignore", divide="ignore"):
        out["precision"] = np.where(arr[:, 1] > 0, arr[:, 3] / arr[:, 1], np.nan)
        out["recall"] = np.where(arr[:, 2] > 0, arr[:, 3] / arr[:, 2], np.nan)
        p, r = out["precision"].to_numpy(), out["recall"].to_numpy()
        out["f1"] = np.where(p + r > 0, 2 * p * r / (p + r), np.where(np.isnan(p + r), np.nan, 0.0))
    return out


__all__ = ["annotator_scores", "consensus_spans", "match_spans", "span_iou"]
