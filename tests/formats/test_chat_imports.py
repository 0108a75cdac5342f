"""Chat imports: OpenAI chat JSONL, prompt lists and multi-model candidates, read back into item data."""

import json
from typing import ClassVar

import pytest

from tests.formats.test_chat_support import SPEC, record
from tutorloop.errors import Invalid
from tutorloop.formats import chat
from tutorloop.schema.spec import validate_item_data


def lines(*rows) -> bytes:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()


def valid(records):
    for r in records:
        validate_item_data(SPEC, chat.item_values(r)["data"], r["where"])
    return records


class TestOpenAiChat:
    CONVERSATION: ClassVar[list] = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "مرحبا"},
                    {"role": "assistant", "content": "أهلا"}]

    def test_the_last_assistant_message_becomes_the_response(self):
        [got] = valid(chat.decode("openai_chat", lines({"id": 9, "model": "gpt-x", "messages": self.CONVERSATION}),
                                  spec=SPEC))
        assert chat.item_values(got) == {"id": "9", "data": {
            "chat": self.CONVERSATION[:2], "responses": [{"id": "r1", "model": "gpt-x", "content": "أهلا"}]}}

    def test_or_stays_in_the_chat(self):
        [got] = chat.decode("openai_chat", lines({"messages": self.CONVERSATION}), spec=SPEC, last_assistant="chat")
        assert got["data"] == {"chat": self.CONVERSATION} and got["external_id"] is None

    def test_text_parts_are_joined_and_other_parts_refused(self):
        parts = [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]
        [got] = chat.decode("openai_chat", lines({"messages": parts}), spec=SPEC)
        assert got["data"]["chat"] == [{"role": "user", "content": "ab"}]
        image = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]
        with pytest.raises(Invalid, match=r"line 2\.messages\.0\.content\.0: only text parts"):
            chat.decode("openai_chat", lines({"messages": parts}, {"messages": image}), spec=SPEC)

    def test_bad_lines_are_named(self):
        with pytest.raises(Invalid, match=r"line 3: not valid JSON"):
            chat.decode("openai_chat", lines({"messages": self.CONVERSATION}) + b"\n\n{oops", spec=SPEC)
        with pytest.raises(Invalid, match=r"line 1\.messages\.0\.role: role must be"):
            chat.decode("openai_chat", lines({"messages": [{"role": "bot", "content": "x"}]}), spec=SPEC)

    def test_sft_export_reads_back(self):
        answers = {"reply": {"content": "It is 4."}}
        exported = chat.encode("sft", [record(answers), record(answers, item_id=2)], spec=SPEC)
        back = chat.decode("openai_chat", exported, spec=SPEC)
        assert [(r["external_id"], r["data"]["chat"], r["data"]["responses"][0]["content"]) for r in back] == [
            ("q1", record({})["data"]["chat"], "It is 4."), ("q2", record({})["data"]["chat"], "It is 4.")]


class TestPrompts:
    def test_lines(self):
        got = valid(chat.decode("prompts", "What is 2+2?\r\n\n  \nTranslate «bonjour»\n".encode(), spec=SPEC))
        assert [r["data"]["chat"] for r in got] == [[{"role": "user", "content": "What is 2+2?"}],
                                                    [{"role": "user", "content": "Translate «bonjour»"}]]
        assert [r["where"] for r in got] == ["line 1", "line 4"]

    def test_jsonl_with_system_and_ids(self):
        got = chat.decode("prompts", lines({"id": "p1", "prompt": "a\nb", "system": "Be kind."}), spec=SPEC)
        assert chat.item_values(got[0]) == {"id": "p1", "data": {"chat": [
            {"role": "system", "content": "Be kind."}, {"role": "user", "content": "a\nb"}]}}

    def test_a_text_line_starting_with_a_brace_when_asked(self):
        [got] = chat.decode("prompts", b"{not json}", spec=SPEC, form="lines")
        assert got["data"]["chat"][0]["content"] == "{not json}"
        with pytest.raises(Invalid, match="line 1: not valid JSON"):
            chat.decode("prompts", b"{not json}", spec=SPEC)

    def test_empty_file(self):
        with pytest.raises(Invalid, match="holds no items"):
            chat.decode("prompts", b"\n \n", spec=SPEC)


class TestCandidates:
    def test_rows_group_by_prompt(self):
        data = lines({"prompt": "Q1", "model": "a", "response": "x"}, {"prompt": "Q2", "model": "a", "response": "y"},
                     {"prompt": "Q1", "model": "b", "response": "z"})
        got = valid(chat.decode("candidates", data, spec=SPEC))
        assert [r["data"] for r in got] == [
            {"chat": [{"role": "user", "content": "Q1"}], "responses": [
                {"id": "r1", "model": "a", "content": "x"}, {"id": "r2", "model": "b", "content": "z"}]},
            {"chat": [{"role": "user", "content": "Q2"}], "responses": [{"id": "r1", "model": "a", "content": "y"}]}]

    def test_ids_group_and_must_agree(self):
        conversation = [{"role": "user", "content": "Q"}]
        data = lines({"id": "k", "prompt": conversation, "model": "a", "response": "x"},
                     {"id": "k", "prompt": conversation, "model": "b", "response": "y"})
        [got] = chat.decode("candidates", data, spec=SPEC)
        assert got["external_id"] == "k" and len(got["data"]["responses"]) == 2
        clash = lines({"id": "k", "prompt": "Q", "model": "a", "response": "x"},
                      {"id": "k", "prompt": "R", "model": "b", "response": "y"})
        with pytest.raises(Invalid, match=r"line 2\.prompt: rows of id 'k' give different prompts"):
            chat.decode("candidates", clash, spec=SPEC)

    def test_at_most_ten_candidates(self):
        data = lines(*[{"prompt": "Q", "model": str(i), "response": str(i)} for i in range(11)])
        with pytest.raises(Invalid, match="line 11: more than 10 candidates"):
            chat.decode("candidates", data, spec=SPEC)

    def test_missing_response(self):
        with pytest.raises(Invalid, match=r"line 1\.response: expected a string"):
            chat.decode("candidates", lines({"prompt": "Q", "model": "a"}), spec=SPEC)

    def test_unknown_format(self):
        with pytest.raises(Invalid, match="unknown chat import"):
            chat.decode("sharegpt", b"", spec=SPEC)
