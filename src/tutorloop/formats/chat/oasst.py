"""OpenAssistant-style message trees: one tree per item (per item and person for per-person exports).

    {"message_tree_id": "<item>", "tree_state": "ready_for_export", "system": "…"?, "annotator"?,
     "prompt": {"message_id": "<item>-m0", "parent_id": null, "role": "prompter", "text": "…",
                "replies": [{… "role": "assistant" …, "replies": [… the candidates …]}]}}

The chat is a chain of nodes (user → `prompter`, assistant → `assistant`, tool → `tool`); the system message,
which OpenAssistant trees do not have, goes to `system`. The candidates are the replies of the last chat
message, each with `message_id` "<item>-<response id>", `model_name`, `rank` (0 = best: a ranking's place,
tied responses sharing one; a pairwise winner 0 and loser 1, both 0 for a tie; null when unranked) and
`labels` (rubric scores of that response).
"""

from __future__ import annotations

from itertools import pairwise

from tutorloop.formats.chat.common import ChatSchema, answer, messages, pair_of, refuse, responses

SUFFIX = ".jsonl"
MEDIA_TYPE = "application/x-ndjson"
COLUMNS = ("message_tree_id", "prompt")
ROLE = {"user": "prompter", "assistant": "assistant", "tool": "tool"}


def ranks(record: dict, schema: ChatSchema, options: dict) -> dict[str, int]:
    """Rank (0 = best) per response id from the first ranking answer, else the first pairwise answer."""
    for q in schema.of_type("ranking", options.get("questions")):
        value = answer(record, q)
        if isinstance(value, dict) and isinstance(value.get("order"), list):
            tied = [set(t) for t in value.get("ties") or [] if isinstance(t, list)]
            out: dict[str, int] = {}
            place = 0
            for i, rid in enumerate(value["order"]):
                previous = value["order"][i - 1] if i else None
                if previous is None or not any(rid in t and previous in t for t in tied):
                    place = i
                out[rid] = place
            return out
    for q in schema.of_type("pairwise", options.get("questions")):
        value = answer(record, q)
        pair = pair_of(record, schema, q)
        if isinstance(value, dict) and pair and value.get("choice") in ("a", "b", "tie"):
            a, b = pair[0]["id"], pair[1]["id"]
            return {"a": {a: 0, b: 1}, "b": {a: 1, b: 0}, "tie": {a: 0, b: 0}}[value["choice"]]
    return {}


def rubric_labels(record: dict, schema: ChatSchema, options: dict) -> dict[str, dict]:
    """Per response id, its rubric scores `{attribute: value}`."""
    out: dict[str, dict] = {}
    for q in schema.of_type("rubric", options.get("questions")):
        value = answer(record, q)
        if q.get("per_response", True) and isinstance(value, dict):
            for rid, scores in value.items():
                if isinstance(scores, dict):
                    out.setdefault(rid, {}).update({k: {"value": v} for k, v in scores.items() if v is not None})
    return out


def rows(record: dict, schema: ChatSchema, **options) -> list[dict]:
    """The item's tree."""
    tree = record.get("external_id") or str(record.get("item_id"))
    chat = messages(record, schema)
    system = [m["content"] for m in chat if m["role"] == "system"]
    turns = [m for m in chat if m["role"] != "system"]
    if not turns or turns[0]["role"] != "user":
        raise refuse(record, "an OpenAssistant tree starts with a user message")
    nodes = [{"message_id": f"{tree}-m{i}", "parent_id": f"{tree}-m{i - 1}" if i else None,
              "role": ROLE[m["role"]], "text": m["content"], "replies": []} for i, m in enumerate(turns)]
    for parent, child in pairwise(nodes):
        parent["replies"].append(child)
    order = ranks(record, schema, options)
    scores = rubric_labels(record, schema, options)
    for r in responses(record, schema):
        if not r["content"].strip():
            raise refuse(record, f"response {r['id']} is empty")
        nodes[-1]["replies"].append({"message_id": f"{tree}-{r['id']}", "parent_id": nodes[-1]["message_id"],
                                     "role": "assistant", "text": r["content"], "model_name": r.get("model"),
                                     "rank": order.get(r["id"]), "labels": scores.get(r["id"], {}),
                                     "replies": []})
    row = {"message_tree_id": tree, "tree_state": "ready_for_export", "prompt": nodes[0]}
    if system:
        row["system"] = "\n\n".join(system)
    if record.get("annotator"):
        row["annotator"] = record["annotator"]
    return [row]
