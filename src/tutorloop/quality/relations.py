"""Relations between text spans: exact-match F1, assigning annotators' spans to consensus spans, and
consensus relations by majority vote.

A span is keyed by ``(start, end, label)`` (code-point offsets, end exclusive).  A relation is keyed by
``(from span key, to span key, relation label)``, so two annotators' relations agree only when both
endpoints agree exactly and the label is the same.

Exact-match F1 between two sets of keys ``A`` and ``B`` (the usual NER scoring, as in CoNLL-2003,
Tjong Kim Sang & De Meulder 2003)::

    P = |A ∩ B| / |B|,   R = |A ∩ B| / |A|,   F1 = 2PR / (P + R) = 2|A ∩ B| / (|A| + |B|)

with F1 = 1 when both sets are empty (two people who agree that the text holds nothing agree fully).

Consensus relations.  Each annotator's spans are first assigned to the consensus spans (from
:func:`tutorloop.quality.spans.consensus_spans`): the one-to-one matching maximising total IoU among pairs
of the same label with ``IoU >= threshold`` (Hungarian algorithm).  An annotator's relation ``u → v``
(label ``r``) then votes for the consensus relation ``assign(u) → assign(v)`` (label ``r``) when both
endpoints were assigned.  A relation is kept when it has at least ``quorum`` votes (default: a strict
majority of the annotators, ``⌊n/2⌋ + 1``, the same rule as for the spans themselves); each annotator votes
at most once per relation.

Example:
    >>> spans_a = [(0, 4, "PER"), (14, 18, "ORG")]
    >>> spans_b = [(0, 4, "PER"), (14, 19, "ORG")]
    >>> round(f1_score(set(spans_a), set(spans_b)), 2)
    0.5
    >>> consensus = [(0, 4, "PER"), (14, 18, "ORG")]
    >>> assigned = [assign_to_consensus(s, consensus) for s in (spans_a, spans_b, [(0, 4, "PER")])]
    >>> assigned
    [{0: 0, 1: 1}, {0: 0, 1: 1}, {0: 0}]
    >>> consensus_relations([[(0, 1, "works_for")], [(0, 1, "works_for")], []], assigned)
    [(0, 1, 'works_for', 2)]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence

import numpy as np

from tutorloop.quality.shapes import match_by_iou
from tutorloop.quality.spans import span_iou

SpanKey = tuple[int, int, str]


def f1_score(a: set[Hashable], b: set[Hashable]) -> float:
    """Exact-match F1 of two sets: ``2|A ∩ B| / (|A| + |B|)``, and 1.0 when both are empty."""
    if not a and not b:
        return 1.0
    return 2 * len(a & b) / (len(a) + len(b))


def relation_keys(spans: Sequence[SpanKey], relations: Sequence[tuple[int, int, str]]) -> set[tuple]:
    """The relations ``(from row, to row, label)`` of one answer keyed by their endpoints' span keys."""
    return {(tuple(spans[f]), tuple(spans[t]), label) for f, t, label in relations}


def assign_to_consensus(
    spans: Sequence[SpanKey], consensus: Sequence[SpanKey], *, threshold: float = 0.5,
) -> dict[int, int]:
    """Map one annotator's span rows to consensus span rows (same label, IoU ≥ threshold, one-to-one)."""
    if not len(spans) or not len(consensus):
        return {}
    m = span_iou([s[:2] for s in spans], [c[:2] for c in consensus])
    same = np.array([s[2] for s in spans], dtype=object)[:, None] == np.array([c[2] for c in consensus],
                                                                                dtype=object)[None, :]
    rows, cols = match_by_iou(np.where(same, m, 0.0), threshold=threshold)
    return {int(r): int(c) for r, c in zip(rows, cols, strict=True)}


def consensus_relations(
    relations: Sequence[Sequence[tuple[int, int, str]]],
    assignments: Sequence[dict[int, int]],
    *,
    quorum: int | None = None,
) -> list[tuple[int, int, str, int]]:
    """Relations between consensus spans that at least ``quorum`` annotators gave.

    ``relations[k]`` lists annotator ``k``'s relations as ``(from row, to row, label)`` over their own span
    rows; ``assignments[k]`` maps those rows to consensus rows (:func:`assign_to_consensus`).  Returns
    ``(from consensus row, to consensus row, label, votes)`` sorted by rows then label.
    """
    if len(relations) != len(assignments):
        raise ValueError("relations and assignments must list the same annotators")
    need = quorum if quorum is not None else len(relations) // 2 + 1
    votes: Counter[tuple[int, int, str]] = Counter()
    for given, assign in zip(relations, assignments, strict=True):
        mapped = {(assign[f], assign[t], label) for f, t, label in given if f in assign and t in assign}
        votes.update(key for key in mapped if key[0] != key[1])
    return sorted((f, t, label, n) for (f, t, label), n in votes.items() if n >= need)


__all__ = ["assign_to_consensus", "consensus_relations", "f1_score", "relation_keys"]
