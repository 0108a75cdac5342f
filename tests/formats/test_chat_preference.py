"""TRL preference files: random valid rows survive import and DPO export unchanged; malformed rows are refused."""

import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.formats.test_chat_support import SPEC, jsonl
from tutorloop.errors import Invalid
from tutorloop.formats import chat

text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30).filter(str.strip)
turn = st.fixed_dictionaries({"role": st.sampled_from(["system", "user", "assistant", "tool"]), "content": text})
prompt_chat = st.lists(turn, min_size=1, max_size=4)


@st.composite
def preference_row(draw):
    """A valid row in one of TRL's three shapes, with the (prompt chat, chosen, rejected) it means."""
    chosen, rejected = draw(text), draw(text)
    shape = draw(st.sampled_from(["plain", "conversational", "implicit"]))
    if shape == "plain":
        prompt = draw(text)
        row, chat_ = {"prompt": prompt, "chosen": chosen, "rejected": rejected}, [{"role": "user", "content": prompt}]
    else:
        chat_ = draw(prompt_chat)
        a, b = [{"role": "assistant", "content": chosen}], [{"role": "assistant", "content": rejected}]
        row = {"prompt": chat_, "chosen": a, "rejected": b} if shape == "conversational" else \
            {"chosen": chat_ + a, "rejected": chat_ + b}
    return row, chat_, chosen, rejected


def lines(rows) -> bytes:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()


@settings(max_examples=60, deadline=None)
@given(st.lists(preference_row(), min_size=1, max_size=6), st.sampled_from(["hash", "chosen_first"]))
def test_rows_round_trip_through_gold_and_dpo(drawn, order):
    drawn = [d for d in drawn if d[2] != d[3]]  # a row comparing a response with itself is refused
    assume(drawn)
    rows = [{**row, "id": f"k{i}"} for i, (row, *_) in enumerate(drawn)]
    records = chat.decode("trl_preference", lines(rows), spec=SPEC, answer_as="gold", order=order)
    for rec, (_, chat_, chosen, rejected) in zip(records, drawn, strict=True):
        responses = rec["data"]["responses"]
        gold = rec["gold"]["prefer"]
        winner = responses[0] if gold["choice"] == "a" else responses[1]
        assert rec["data"]["chat"] == chat_ and winner["content"] == chosen
        assert {r["content"] for r in responses} == {chosen, rejected}
        assert (gold["strength"] < 0) == (gold["choice"] == "a") and gold["shown"] == ["r1", "r2"]
        if order == "chosen_first":
            assert gold["choice"] == "a"
    exported = jsonl(chat.encode("dpo", [{"item_id": i, "external_id": r["external_id"], "data": r["data"],
                                          "answers": r["gold"]} for i, r in enumerate(records)], spec=SPEC))
    assert [(r["id"], r["prompt"], r["chosen"][0]["content"], r["rejected"][0]["content"]) for r in exported] == \
        [(f"k{i}", c, a, b) for i, (_, c, a, b) in enumerate(drawn)]


def test_hash_order_puts_the_chosen_response_second_for_some_rows():
    rows = [{"prompt": f"q{i}", "chosen": "good", "rejected": "bad"} for i in range(20)]
    records = chat.decode("trl_preference", lines(rows), spec=SPEC, answer_as="predictions")
    choices = {r["predictions"]["prefer"]["value"]["choice"] for r in records}
    assert choices == {"a", "b"}
    assert records[0]["predictions"]["prefer"]["score"] is None


MALFORMED = [
    ({"prompt": "q", "chosen": "a"}, r"line 1\.rejected: with a text prompt this must be text"),
    ({"prompt": "q", "chosen": "a", "rejected": "a"}, "line 1: chosen and rejected are the same response"),
    ({"prompt": "", "chosen": "a", "rejected": "b"}, r"line 1\.prompt: the prompt is empty"),
    ({"prompt": [{"role": "user", "content": "q"}], "chosen": "a", "rejected": "b"},
     r"line 1\.chosen: expected a non-empty list of messages"),
    ({"prompt": [{"role": "user", "content": "q"}], "chosen": [{"role": "user", "content": "a"}],
      "rejected": [{"role": "assistant", "content": "b"}]}, r"line 1\.chosen: expected one assistant message"),
    ({"chosen": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
      "rejected": [{"role": "user", "content": "other"}, {"role": "assistant", "content": "b"}]},
     r"line 1\.chosen: without a prompt"),
    ({"chosen": "a", "rejected": "b"}, r"line 1\.prompt: text rows need a prompt"),
    ({"prompt": 3, "chosen": "a", "rejected": "b"}, r"line 1\.prompt: expected a non-empty list"),
    ({"prompt": "q", "chosen": "a", "rejected": "b", "chosen_model": 1}, r"line 1\.chosen_model: the model name"),
]


@pytest.mark.parametrize(("row", "message"), MALFORMED)
def test_malformed_rows_are_refused(row, message):
    with pytest.raises(Invalid, match=message):
        chat.decode("trl_preference", lines([row]), spec=SPEC)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(["prompt", "chosen", "rejected", "id"]),
                       st.one_of(st.none(), st.integers(), text, st.lists(st.one_of(text, turn), max_size=3))))
def test_random_rows_are_read_or_refused_never_crash(row):
    try:
        records = chat.decode("trl_preference", lines([row]), spec=SPEC)
    except Invalid as exc:
        assert exc.message.startswith("line 1")
    else:
        [rec] = records
        assert len(rec["data"]["responses"]) == 2 and rec["data"]["chat"]


def test_answers_need_a_pairwise_question():
    spec = {**SPEC, "questions": [q for q in SPEC["questions"] if q["type"] != "pairwise"]}
    with pytest.raises(Invalid, match="question: name the pairwise question"):
        chat.decode("trl_preference", lines([{"prompt": "q", "chosen": "a", "rejected": "b"}]), spec=spec,
                    answer_as="gold")
