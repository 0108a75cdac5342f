"""spaCy JSONL codec: code-point offsets (Arabic with emoji), relations, identity, malformed lines."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.formats.support import TEXT_SPEC, config
from tutorloop.errors import Invalid
from tutorloop.formats import spacy

SPEC, QUESTION = config(TEXT_SPEC, "spacy", "entities")


def test_offsets_slice_the_entity_in_python_with_arabic_and_emoji():
    text = "قال 😀 أحمد إن شركة أرامكو 😀😀 ربحت"
    start = text.index("أحمد")
    org = text.index("أرامكو")
    record = {"external_id": "ar-1", "data": {"text": text},
              "value": {"spans": [{"id": "a", "start": start, "end": start + 4, "label": "PER", "text": "أحمد"},
                                  {"id": "b", "start": org, "end": org + 6, "label": "ORG", "text": "أرامكو"}],
                        "relations": [{"from": "a", "to": "b", "label": "works_for"}]}}
    row = json.loads(spacy.encode([record], spec=SPEC, question=QUESTION))
    assert [row["text"][s:e] for s, e, _ in row["ents"]] == ["أحمد", "أرامكو"]
    assert row["ents"][0][:2] == [6, 10]  # the emoji before it is one code point (two UTF-16 units)
    assert row["relations"] == [[0, 1, "works_for"]] and row["id"] == "ar-1"
    [back] = spacy.decode(json.dumps(row, ensure_ascii=False).encode(), spec=SPEC, question=QUESTION)
    assert [(s["start"], s["end"], s["text"]) for s in back["value"]["spans"]] == [(6, 10, "أحمد"),
                                                                                    (org, org + 6, "أرامكو")]
    assert back["value"]["relations"] == [{"from": "s1", "to": "s2", "label": "works_for"}]


def test_prodigy_spans_and_meta_are_read():
    line = {"text": "Anna works", "spans": [{"start": 0, "end": 4, "label": "PER"}], "meta": {"source": "x"},
            "score": 0.4}
    [back] = spacy.decode(json.dumps(line).encode(), spec=SPEC, question=QUESTION)
    assert back["value"]["spans"][0]["text"] == "Anna" and back["meta"] == {"source": "x"} and back["score"] == 0.4


def test_every_persons_answers_carry_the_annotator():
    record = {"external_id": "1", "data": {"text": "Anna"}, "annotator": "omar",
              "value": {"spans": [{"id": "a", "start": 0, "end": 4, "label": "PER"}], "relations": []}}
    row = json.loads(spacy.encode([record], spec=SPEC, question=QUESTION))
    assert row["annotator"] == "omar"
    with pytest.raises(Invalid, match="every person's answers") as err:
        spacy.decode(json.dumps(row).encode(), spec=SPEC, question=QUESTION)
    assert err.value.where == "line 1.annotator"


@pytest.mark.parametrize(("line", "where", "message"), [
    ('{"text": "Anna", "ents": [[0, 5, "PER"]]}', "line 2.ents.0", "not a span of the text"),
    ('{"text": "Anna", "ents": [[0, 4, "CITY"]]}', "line 2.ents.0.2", "'CITY' is not a label"),
    ('{"text": "Anna", "ents": [[0, 4]]}', "line 2.ents.0", "expected \\[start, end, label\\]"),
    ('{"text": "Anna", "ents": [[0.5, 4, "PER"]]}', "line 2.ents.0.0", "whole number"),
    ('{"text": "Anna", "ents": [[0, 4, "PER"]], "relations": [[0, 3, "works_for"]]}', "line 2.relations.0.1",
     "not an index"),
    ('{"ents": []}', "line 2.text", "needs the text"),
    ('{"text": "Anna", "id": [1]}', "line 2.id", "string or number"),
    ('{"text": "Anna", "ents": [[0, 4, "PER"]]', "line 2", "not valid JSON"),
    ("[1, 2]", "line 2", "must be a JSON object"),
])
def test_malformed_lines_say_where(line, where, message):
    data = ('{"text": "fine"}\n' + line + "\n").encode()
    with pytest.raises(Invalid, match=message) as err:
        spacy.decode(data, spec=SPEC, question=QUESTION)
    assert err.value.where == where


@st.composite
def text_record(draw):
    text = draw(st.text(alphabet="ab أحمد😀\u064b\n", min_size=1, max_size=40))
    count = draw(st.integers(0, 4))
    spans = []
    for i in range(count):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        spans.append({"id": f"s{i + 1}", "start": start, "end": end, "label": draw(st.sampled_from(["PER", "ORG"])),
                      "text": text[start:end], "attributes": {}})
    spans.sort(key=lambda s: (s["start"], s["end"], s["label"]))
    spans = [{**s, "id": f"s{i + 1}"} for i, s in enumerate(spans)]
    relations = []
    if len(spans) > 1:
        relations = [{"from": spans[0]["id"], "to": spans[-1]["id"], "label": "works_for"}]
    return {"external_id": draw(st.one_of(st.none(), st.text(min_size=1, max_size=5).filter(str.strip))),
            "data": {"text": text}, "meta": {}, "media": {}, "score": None,
            "value": {"spans": spans, "relations": relations}}


@settings(max_examples=150, deadline=None)
@given(st.lists(text_record(), min_size=1, max_size=4))
def test_encode_decode_identity(records):
    back = spacy.decode(spacy.encode(records, spec=SPEC, question=QUESTION), spec=SPEC, question=QUESTION)
    for before, after in zip(records, back, strict=True):
        assert after["data"] == before["data"]
        assert after["external_id"] == (before["external_id"].strip() if before["external_id"] else None)
        assert after["value"] == before["value"]
