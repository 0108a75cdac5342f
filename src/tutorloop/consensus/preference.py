"""Quality figures of chat-tutoring questions, computed at each refit from all their labels.

- Pairwise preferences: agreement with and without ties, Bradley–Terry strengths with Davidson ties per model
  (responses pooled by model name) and per response, and position bias — how often the response shown on the
  left wins a decided comparison (with a Wilson interval and a binomial test of one half).
- Rubrics: Krippendorff's alpha (ordinal and interval) per attribute, over (item, response) units.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from tutorloop.quality.agreement import krippendorff_alpha
from tutorloop.quality.pairwise import fit_bradley_terry
from tutorloop.quality.preference_report import pairwise_position_bias

MAX_RESPONSE_SCORES = 200  # strongest and weakest responses kept in the report


def _finite(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def _pair_of(config, responses: list[dict]) -> tuple[str, str] | None:
    pair = getattr(config, "pair", None)
    if pair:
        return tuple(pair)
    return (responses[0]["id"], responses[1]["id"]) if len(responses) >= 2 else None


def pairwise_summary(config, rows: list[tuple[int, int, Any]], items: dict[int, dict]) -> dict:
    """Agreement, Bradley–Terry per model and per response, and position bias of one pairwise question.

    `rows` are (item id, person id, answer); `items` maps item id → item data (for response ids and models).
    """
    field = getattr(config, "field", None) or "responses"
    comparisons, by_item, shown_as = [], {}, []
    for item_id, user_id, answer in rows:
        responses = (items.get(item_id) or {}).get(field) or []
        pair = _pair_of(config, responses)
        if not pair or not isinstance(answer, dict) or answer.get("choice") not in ("a", "b", "tie", "both_bad"):
            continue
        models = {r["id"]: r.get("model") or r["id"] for r in responses}
        choice = answer["choice"]
        by_item.setdefault(item_id, []).append(choice)
        shown_as.append((answer, pair[0]))
        comparisons.append({"choice": choice, "a": f"{item_id}:{pair[0]}", "b": f"{item_id}:{pair[1]}",
                            "model_a": models.get(pair[0], pair[0]), "model_b": models.get(pair[1], pair[1])})
    out: dict[str, Any] = {"comparisons": len(comparisons), "items": len(by_item)}
    pairs_all = [(x, y) for choices in by_item.values() for x, y in combinations(choices, 2)]
    decided = [(x, y) for x, y in pairs_all if x in ("a", "b") and y in ("a", "b")]
    out["agreement_with_ties"] = _finite(np.mean([x == y for x, y in pairs_all])) if pairs_all else None
    out["agreement_without_ties"] = _finite(np.mean([x == y for x, y in decided])) if decided else None
    if not comparisons:
        return out
    frame = pd.DataFrame(comparisons)
    bias = pairwise_position_bias(shown_as)
    out["position_bias"] = {"share_left_wins": _finite(bias.share_first_), "ci": [_finite(bias.ci_low_),
                            _finite(bias.ci_high_)], "p_value": _finite(bias.p_value_),
                            "left_wins": bias.first_wins_, "right_wins": bias.second_wins_, "ties": bias.ties_}
    outcome = frame["choice"].map({"a": "first", "b": "second", "tie": "tie", "both_bad": "tie"})
    for key, first, second, limit in (("models", "model_a", "model_b", None), ("responses", "a", "b",
                                                                               MAX_RESPONSE_SCORES)):
        table = pd.DataFrame({"first": frame[first], "second": frame[second], "outcome": outcome})
        table = table[table["first"] != table["second"]]
        if table.empty:
            continue
        fit = fit_bradley_terry(table)
        scores = fit.scores_.sort_values("rank")
        if limit is not None and len(scores) > limit:
            scores = pd.concat([scores.head(limit // 2), scores.tail(limit // 2)])
        out[f"bt_{key}"] = [{"name": str(name), "score": _finite(row["score"]), "se": _finite(row["se"]),
                             "wins": int(row["wins"]), "losses": int(row["losses"]), "ties": int(row["ties"]),
                             "rank": int(row["rank"])} for name, row in scores.iterrows()]
        out[f"bt_{key}_tie"] = _finite(fit.tie_)
    return out


def rubric_summary(config, rows: list[tuple[int, int, Any]]) -> dict:
    """Krippendorff's alpha per rubric attribute (ordinal and interval), units = (item, response)."""
    records = []
    for item_id, user_id, answer in rows:
        if not isinstance(answer, dict):
            continue
        per_response = getattr(config, "per_response", False)
        units = answer.items() if per_response else [("", answer)]
        for response_id, scores in units:
            if not isinstance(scores, dict):
                continue
            for attribute, value in scores.items():
                if isinstance(value, int) and not isinstance(value, bool):
                    records.append((attribute, f"{item_id}:{response_id}", user_id, value))
    out: dict[str, Any] = {}
    if not records:
        return out
    frame = pd.DataFrame(records, columns=["attribute", "item", "rater", "value"])
    for attribute, sub in frame.groupby("attribute", sort=False):
        data = sub[["item", "rater", "value"]]
        out[str(attribute)] = {
            "alpha_ordinal": _finite(krippendorff_alpha(data, level="ordinal")),
            "alpha_interval": _finite(krippendorff_alpha(data, level="interval")),
            "units": int(data["item"].nunique()), "ratings": len(data),
        }
    return out
