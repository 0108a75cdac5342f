"""Position bias of pairwise preference answers: does the response shown on the left win too often?

Each stored pairwise answer names the winner by stored order (``a`` = the pair's first response in the item,
``b`` = the second) and records ``shown`` = [left id, right id]. Re-expressed in screen order, every decided
answer is a comparison "left vs right"; :func:`tutorloop.quality.pairwise.position_bias` then tests the
share won by the left one against 1/2 (Wilson interval, exact binomial test). Ties and "both bad" are ties.

Example:
    >>> records = [({"choice": "a", "shown": ["r1", "r2"]}, "r1"), ({"choice": "b", "shown": ["r2", "r1"]}, "r1"),
    ...            ({"choice": "tie", "shown": ["r1", "r2"]}, "r1")]
    >>> screen_comparisons(records)["outcome"].tolist()
    ['first', 'first', 'tie']
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from tutorloop.quality.pairwise import PositionBias, position_bias


def screen_comparisons(records: Iterable[tuple[dict, str]]) -> pd.DataFrame:
    """One row per answer (``first`` = left id, ``second`` = right id, ``outcome`` first/second/tie).

    ``records`` yields ``(answer, a_id)``: a stored pairwise answer and the id its ``a`` stands for.
    Answers without a two-id ``shown`` are skipped.
    """
    rows = []
    for answer, a_id in records:
        shown = answer.get("shown") if isinstance(answer, dict) else None
        if not isinstance(shown, list) or len(shown) != 2:
            continue
        choice = answer.get("choice")
        if choice in ("a", "b"):
            winner = a_id if choice == "a" else next(i for i in shown if i != a_id)
            outcome = "first" if winner == shown[0] else "second"
        else:
            outcome = "tie"
        rows.append({"first": shown[0], "second": shown[1], "outcome": outcome})
    return pd.DataFrame(rows, columns=["first", "second", "outcome"])


def pairwise_position_bias(records: Iterable[tuple[dict, str]]) -> PositionBias:
    """Share of decided pairwise answers won by the left-shown response, with its interval and p-value."""
    return position_bias(screen_comparisons(records))


__all__ = ["pairwise_position_bias", "screen_comparisons"]
