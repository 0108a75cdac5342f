import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import SENTIMENT_SPEC
from tutorloop.errors import Invalid
from tutorloop.schema.spec import (
    load_spec_text,
    parse_spec,
    validate_answers,
    validate_item_data,
)


@pytest.fixture
def spec():
    return parse_spec(SENTIMENT_SPEC)


class TestParseSpec:
    def test_labels_are_normalised_with_hotkeys(self, spec):
        labels = spec["questions"][0]["labels"]
        assert [lbl["value"] for lbl in labels] == ["positive", "negative", "neutral"]
        assert [lbl["hotkey"] for lbl in labels] == ["1", "2", "3"]
        assert labels[0]["text"] == "positive"

    def test_hotkeys_never_take_the_screen_keys(self):
        many = [f"l{i}" for i in range(30)]
        spec = parse_spec({**SENTIMENT_SPEC, "questions": [{"name": "q", "type": "single_label", "labels": many}]})
        keys = [lbl["hotkey"] for lbl in spec["questions"][0]["labels"]]
        assert not {"s", "b", "g"} & set(keys) and len(set(keys)) == 30

    @pytest.mark.parametrize("labels, words", [
        ([{"value": "a", "hotkey": "s"}], "other than 's' (skip)"),
        ([{"value": "a", "hotkey": "x"}, {"value": "b", "hotkey": "X"}], "more than one label"),
        ([{"value": "a", "hotkey": "xy"}], "one character"),
    ])
    def test_bad_explicit_hotkeys_are_refused(self, labels, words):
        with pytest.raises(Invalid, match=re.escape(words)):
            parse_spec({**SENTIMENT_SPEC, "questions": [{"name": "q", "type": "single_label", "labels": labels}]})

    def test_multi_label_none_apply_is_an_answer(self):
        spec = parse_spec({**SENTIMENT_SPEC, "questions": [{"name": "q", "type": "multi_label", "labels": ["a"]}]})
        assert validate_answers(spec, {"q": []}) == {"q": []}

    def test_unknown_question_type_names_the_known_ones(self):
        with pytest.raises(Invalid) as err:
            parse_spec({**SENTIMENT_SPEC, "questions": [{"name": "q", "type": "bogus"}]})
        assert err.value.where == "spec.questions.0.type"
        assert "single_label" in err.value.message

    def test_bad_question_setting_names_the_path(self):
        with pytest.raises(Invalid) as err:
            parse_spec({**SENTIMENT_SPEC, "questions": [{"name": "r", "type": "rating", "min": 5, "max": 1}]})
        assert err.value.where.startswith("spec.questions.0")
        assert "max must be greater than min" in err.value.message

    def test_duplicate_question_names_are_refused(self):
        q = {"name": "a", "type": "free_text"}
        with pytest.raises(Invalid, match="duplicate question"):
            parse_spec({**SENTIMENT_SPEC, "questions": [q, q]})

    def test_missing_fields_are_refused(self):
        with pytest.raises(Invalid) as err:
            parse_spec({"name": "x", "questions": SENTIMENT_SPEC["questions"]})
        assert err.value.where == "spec.fields"

    def test_yaml_syntax_error_names_the_line(self):
        with pytest.raises(Invalid, match="line 2"):
            load_spec_text("name: x\nfields: [unclosed\n")

    def test_yaml_and_json_give_the_same_spec(self):
        import json

        import yaml

        assert load_spec_text(yaml.safe_dump(SENTIMENT_SPEC)) == load_spec_text(json.dumps(SENTIMENT_SPEC))


class TestValidateAnswers:
    def test_good_answers_are_normalised(self, spec):
        clean = validate_answers(spec, {"sentiment": "positive", "topics": ["delivery", "price", "price"],
                                        "stars": 4, "note": "ok"})
        assert clean == {"sentiment": "positive", "topics": ["price", "delivery"], "stars": 4, "note": "ok"}

    @pytest.mark.parametrize("answers, where, words", [
        ({}, "answers.sentiment", "required"),
        ({"sentiment": "happy"}, "answers.sentiment", "not one of the labels"),
        ({"sentiment": 1}, "answers.sentiment", "expected one label"),
        ({"sentiment": "positive", "topics": ["x"]}, "answers.topics", "not one of the labels"),
        ({"sentiment": "positive", "topics": "price"}, "answers.topics", "list of labels"),
        ({"sentiment": "positive", "stars": 9}, "answers.stars", "outside the scale"),
        ({"sentiment": "positive", "stars": True}, "answers.stars", "whole number"),
        ({"sentiment": "positive", "note": "x" * 51}, "answers.note", "limit is 50"),
        ({"sentiment": "positive", "bogus": 1}, "answers.bogus", "no such question"),
    ])
    def test_bad_answers_name_question_and_problem(self, spec, answers, where, words):
        with pytest.raises(Invalid) as err:
            validate_answers(spec, answers)
        assert err.value.where == where
        assert words in err.value.message

    @given(st.one_of(st.none(), st.integers(), st.text(), st.lists(st.text()), st.floats(), st.booleans(),
                     st.dictionaries(st.text(), st.integers())))
    def test_any_value_is_either_accepted_as_a_label_or_refused_cleanly(self, value):
        spec = parse_spec(SENTIMENT_SPEC)
        try:
            clean = validate_answers(spec, {"sentiment": value})
        except Invalid as err:
            assert err.where == "answers.sentiment"
        else:
            assert clean["sentiment"] in {"positive", "negative", "neutral"}


class TestValidateItemData:
    def test_missing_required_field(self, spec):
        with pytest.raises(Invalid) as err:
            validate_item_data(spec, {}, "line 3")
        assert err.value.where == "line 3.text"

    def test_chat_messages_are_checked(self):
        spec = parse_spec({**SENTIMENT_SPEC, "fields": [{"name": "chat", "type": "chat"}]})
        validate_item_data(spec, {"chat": [{"role": "user", "content": "hi"}]}, "line 1")
        with pytest.raises(Invalid) as err:
            validate_item_data(spec, {"chat": [{"role": "robot", "content": "hi"}]}, "line 1")
        assert err.value.where == "line 1.chat.0.role"
