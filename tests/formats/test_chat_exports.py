"""Chat training exports: rows chosen from the answers, checks that name the item, and `datasets` reads each."""

from typing import ClassVar

import pytest

from tests.formats.test_chat_support import CHAT, SPEC, jsonl, load, record
from tutorloop.errors import Invalid
from tutorloop.formats import chat

PAIR_B = {"prefer": {"choice": "b", "strength": 2, "rationale": "", "shown": ["r2", "r1"]}}
RANKED = {"order": {"order": ["r3", "r1", "r2"], "none_acceptable": False, "shown": ["r1", "r2", "r3"]}}
REWRITE = {"fix": {"response": "r2", "original": "5", "rewrite": "2+2 is 4.", "diff": []}}
SCORES = {"scores": {"r1": {"helpfulness": 3, "correctness": 4}, "r2": {"helpfulness": 1, "correctness": 0},
                     "r3": {"helpfulness": 4, "correctness": 4}}}
ASSISTANT = "assistant"


def rows(fmt, records, **options):
    return jsonl(chat.encode(fmt, records, spec=SPEC, **options))


class TestSft:
    def test_the_ideal_response_follows_the_priority(self):
        everything = {**PAIR_B, **RANKED, **REWRITE, "reply": {"content": "It is 4."}}
        assert rows("sft", [record(everything)])[0]["messages"][-1]["content"] == "2+2 is 4."
        written = {**PAIR_B, **RANKED, "reply": {"content": "It is 4."}}
        assert rows("sft", [record(written)])[0]["messages"][-1]["content"] == "It is 4."
        assert rows("sft", [record(PAIR_B)])[0]["messages"][-1]["content"] == "5"  # b = r2 in stored order
        assert rows("sft", [record(RANKED)])[0]["messages"] == CHAT + [{"role": ASSISTANT, "content": "Four."}]

    def test_items_without_an_ideal_are_left_out_and_an_empty_export_refused(self):
        tie = {"prefer": {"choice": "tie", "strength": 0, "rationale": "", "shown": ["r1", "r2"]}}
        bad = {"order": {**RANKED["order"], "none_acceptable": True}}
        assert [r["id"] for r in rows("sft", [record(tie), record(PAIR_B, item_id=2)])] == ["q2"]
        with pytest.raises(Invalid, match="no item has the answers"):
            chat.encode("sft", [record(tie), record(bad, item_id=2)], spec=SPEC)

    def test_an_empty_rewrite_is_refused_naming_the_item(self):
        empty = {"fix": {**REWRITE["fix"], "rewrite": "  "}}
        with pytest.raises(Invalid, match=r"item 7 \(q7\): the ideal response is empty") as caught:
            chat.encode("sft", [record(PAIR_B), record(empty, item_id=7)], spec=SPEC)
        assert caught.value.where == "items.7"

    def test_loads_with_datasets(self, tmp_path):
        data = load(tmp_path, "sft.jsonl", chat.encode("sft", [record(PAIR_B), record(RANKED, item_id=2)], spec=SPEC))
        assert data.num_rows == 2 and "messages" in data.column_names
        assert data[1]["messages"][-1] == {"role": ASSISTANT, "content": "Four."}


class TestPromptCompletion:
    def test_conversational_and_plain(self, tmp_path):
        [row] = rows("prompt_completion", [record(PAIR_B)])
        assert row["prompt"] == CHAT and row["completion"] == [{"role": ASSISTANT, "content": "5"}]
        one_turn = [{"role": "user", "content": "Hi"}]
        payload = chat.encode("prompt_completion", [record(PAIR_B, chat=one_turn)], spec=SPEC, form="plain")
        data = load(tmp_path, "pc.jsonl", payload)
        assert data.column_names == ["id", "prompt", "completion"] and data[0]["prompt"] == "Hi"
        assert data[0]["completion"] == "5"

    def test_plain_refuses_a_longer_chat(self):
        with pytest.raises(Invalid, match="item 1 .*plain form holds one user message"):
            chat.encode("prompt_completion", [record(PAIR_B)], spec=SPEC, form="plain")


class TestDpo:
    def test_pairwise_ranking_and_rewrite_pairs(self, tmp_path):
        payload = chat.encode("dpo", [record({**PAIR_B, **RANKED, **REWRITE})], spec=SPEC, pairs="adjacent")
        got = [(r["chosen"][0]["content"], r["rejected"][0]["content"]) for r in jsonl(payload)]
        assert got == [("5", "4"), ("Four.", "4"), ("4", "5"), ("2+2 is 4.", "5")]
        data = load(tmp_path, "dpo.jsonl", payload)
        assert {"prompt", "chosen", "rejected"} <= set(data.column_names) and data.num_rows == 4
        assert data[0]["prompt"] == CHAT

    def test_ranking_pair_choices(self):
        assert len(rows("dpo", [record(RANKED)])) == 3
        assert [r["rejected"][0]["content"] for r in rows("dpo", [record(RANKED)], pairs="best")] == ["4", "5"]

    def test_ties_and_both_bad_are_skipped_unless_asked(self):
        tie = {"prefer": {"choice": "tie", "strength": 0, "rationale": "", "shown": ["r1", "r2"]}}
        bad = {"prefer": {"choice": "both_bad", "strength": 0, "rationale": "", "shown": ["r1", "r2"]}}
        assert [r["id"] for r in rows("dpo", [record(tie), record(bad, item_id=2), record(PAIR_B, item_id=3)])] == ["q3"]
        kept = rows("dpo", [record(tie), record(bad, item_id=2)], ties=True, both_bad=True)
        assert [r["kind"] for r in kept] == ["tie", "both_bad"]

    def test_identical_chosen_and_rejected_is_refused(self):
        same = [{"id": "r1", "model": "", "content": "4"}, {"id": "r2", "model": "", "content": "4"}]
        with pytest.raises(Invalid, match=r"item 5 \(q5\): prefer: the chosen and rejected responses are the same"):
            chat.encode("dpo", [record(PAIR_B, item_id=5, responses=same)], spec=SPEC)

    def test_unknown_option(self):
        with pytest.raises(Invalid, match="tie: not an option"):
            chat.encode("dpo", [record(PAIR_B)], spec=SPEC, tie=True)


class TestKtoAndReward:
    def test_kto_labels(self, tmp_path):
        payload = chat.encode("kto", [record({**RANKED, **REWRITE})], spec=SPEC)
        labels = {r["completion"][0]["content"]: r["label"] for r in jsonl(payload)}
        # r1 is in the middle of the ranking (wins and loses): left out
        assert labels == {"Four.": True, "5": False, "2+2 is 4.": True}
        data = load(tmp_path, "kto.jsonl", payload)
        assert {"prompt", "completion", "label"} <= set(data.column_names)

    def test_kto_both_bad_marks_both_undesirable(self):
        bad = {"prefer": {"choice": "both_bad", "strength": 0, "rationale": "", "shown": ["r1", "r2"]}}
        assert {r["completion"][0]["content"]: r["label"] for r in rows("kto", [record(bad)])} == {"4": False, "5": False}

    def test_reward_pairs_carry_whole_conversations_and_margins(self, tmp_path):
        payload = chat.encode("reward_pairs", [record({**PAIR_B, **RANKED})], spec=SPEC, rewrites=False)
        got = jsonl(payload)
        assert got[0]["chosen"] == CHAT + [{"role": ASSISTANT, "content": "5"}] and got[0]["margin"] == 2
        assert [r["margin"] for r in got[1:]] == [1, 2, 1]
        data = load(tmp_path, "rm.jsonl", payload)
        assert {"chosen", "rejected", "margin"} <= set(data.column_names)


class TestHelpSteer:
    def test_jsonl_rows_per_response(self, tmp_path):
        payload = chat.encode("helpsteer", [record(SCORES)], spec=SPEC)
        got = jsonl(payload)
        assert [(r["response"], r["helpfulness"], r["correctness"]) for r in got] == [
            ("4", 3, 4), ("5", 1, 0), ("Four.", 4, 4)]
        assert got[0]["prompt"] == "<extra_id_0>System\nBe brief.\n<extra_id_1>User\nWhat is 2+2?"
        data = load(tmp_path, "hs.jsonl", payload)
        assert {"prompt", "response", "helpfulness", "correctness"} <= set(data.column_names)

    def test_csv(self, tmp_path):
        one_turn = [{"role": "user", "content": "Hi, \"there\""}]
        payload = chat.encode("helpsteer_csv", [record(SCORES, chat=one_turn, annotator="omar")], spec=SPEC)
        data = load(tmp_path, "hs.csv", payload, "csv")
        assert data.column_names == ["id", "annotator", "prompt", "response", "response_id", "model", "helpfulness",
                                     "correctness"]
        assert data[0]["prompt"] == 'Hi, "there"' and data[2]["helpfulness"] == 4 and data[0]["annotator"] == "omar"


class TestOasst:
    def test_tree(self, tmp_path):
        multi = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
                 {"role": "user", "content": "2+2?"}]
        payload = chat.encode("oasst", [record({**RANKED, **SCORES}, chat=multi)], spec=SPEC)
        [tree] = jsonl(payload)
        assert tree["message_tree_id"] == "q1" and tree["prompt"]["role"] == "prompter"
        last = tree["prompt"]["replies"][0]["replies"][0]
        assert last["text"] == "2+2?" and last["parent_id"] == "q1-m1"
        assert [(r["message_id"], r["rank"]) for r in last["replies"]] == [("q1-r1", 1), ("q1-r2", 2), ("q1-r3", 0)]
        assert last["replies"][2]["labels"] == {"helpfulness": {"value": 4}, "correctness": {"value": 4}}
        data = load(tmp_path, "oasst.jsonl", payload)
        assert {"message_tree_id", "prompt"} <= set(data.column_names)

    def test_pairwise_ranks_and_system(self):
        [tree] = rows("oasst", [record(PAIR_B)])
        assert tree["system"] == "Be brief."
        assert [r["rank"] for r in tree["prompt"]["replies"]] == [1, 0, None]

    def test_a_chat_starting_with_the_assistant_is_refused(self):
        with pytest.raises(Invalid, match="item 1 .*starts with a user message"):
            chat.encode("oasst", [record(PAIR_B, chat=[{"role": "assistant", "content": "Hi"}])], spec=SPEC)


class TestItemRecords:
    ITEM: ClassVar[dict] = {"item_id": 4, "external_id": "x", "data": {"chat": CHAT, "responses": [
        {"id": "r1", "model": "", "content": "4"}, {"id": "r2", "model": "", "content": "5"}]},
        "consensus": {"prefer": {"choice": "a", "strength": -1, "rationale": "", "shown": ["r1", "r2"]}, "order": None},
        "annotations": [
            {"annotator": "ann", "review_state": "submitted", "corrected_answers": None,
             "answers": {"prefer": {"choice": "a", "strength": -3, "rationale": "", "shown": ["r2", "r1"]}}},
            {"annotator": "bob", "review_state": "corrected",
             "answers": {"prefer": {"choice": "a", "strength": -1, "rationale": "", "shown": ["r1", "r2"]}},
             "corrected_answers": {"prefer": {"choice": "b", "strength": 1, "rationale": "", "shown": ["r1", "r2"]}}},
            {"annotator": "cy", "review_state": "rejected", "corrected_answers": None,
             "answers": {"prefer": {"choice": "b", "strength": 3, "rationale": "", "shown": ["r1", "r2"]}}}]}

    def test_per_annotator_rows_use_corrections_and_skip_rejected(self):
        records = chat.from_item_records([self.ITEM], source="annotations")
        got = [(r["annotator"], r["chosen"][0]["content"]) for r in rows("dpo", records)]
        assert got == [("ann", "4"), ("bob", "5")]

    def test_consensus_rows(self):
        [row] = rows("reward_pairs", chat.from_item_records([self.ITEM]))
        assert row["id"] == "x" and "annotator" not in row and row["chosen"][-1]["content"] == "4"
