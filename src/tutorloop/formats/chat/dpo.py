"""TRL preference (DPO): `{"prompt": [chat…], "chosen": [assistant], "rejected": [assistant]}`.

Rows come from pairwise answers, rankings (options `pairs`: all | adjacent | best) and rewrites (the rewrite
over the original; `rewrites=False` leaves them out). Ties and both-bad comparisons are left out unless
`ties=True` / `both_bad=True`; the rows then carry a `kind` column (prefer, tie, both_bad) so training code
can tell them apart. `form="plain"` writes strings for one-message user chats.
"""

from __future__ import annotations

from tutorloop.formats.chat.common import (
    ChatSchema,
    Preference,
    base_columns,
    messages,
    preferences,
    refuse,
)
from tutorloop.formats.chat.prompt_completion import plain_prompt

SUFFIX = ".jsonl"
MEDIA_TYPE = "application/x-ndjson"
COLUMNS = ("prompt", "chosen", "rejected")


def kept(record: dict, schema: ChatSchema, options: dict) -> list[Preference]:
    """The comparisons of an item that the options keep, each checked (chosen ≠ rejected, both non-empty)."""
    out = []
    for pref in preferences(record, schema, pairs=options.get("pairs", "all"),
                            rewrites=options.get("rewrites", True), only=options.get("questions")):
        if (pref.kind == "tie" and not options.get("ties")) or (pref.kind == "both_bad" and not options.get("both_bad")):
            continue
        if not pref.chosen.strip() or not pref.rejected.strip():
            raise refuse(record, f"{pref.question}: a compared response is empty")
        if pref.chosen == pref.rejected:
            raise refuse(record, f"{pref.question}: the chosen and rejected responses are the same text")
        out.append(pref)
    return out


def rows(record: dict, schema: ChatSchema, **options) -> list[dict]:
    """One row per comparison the item's answers make."""
    chat = messages(record, schema)
    plain = options.get("form", "conversational") == "plain"
    tagged = bool(options.get("ties") or options.get("both_bad"))
    out = []
    for pref in kept(record, schema, options):
        row = base_columns(record)
        if plain:
            row.update(prompt=plain_prompt(record, chat), chosen=pref.chosen, rejected=pref.rejected)
        else:
            row.update(prompt=chat, chosen=[{"role": "assistant", "content": pref.chosen}],
                       rejected=[{"role": "assistant", "content": pref.rejected}])
        if tagged:
            row["kind"] = pref.kind
        out.append(row)
    return out
