"""CoNLL/IOB2 codec: the tokenisation rule, spans kept exactly, documents, malformed files."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.formats.support import TEXT_SPEC, config
from tutorloop.errors import Invalid
from tutorloop.formats import conll

SPEC, QUESTION = config(TEXT_SPEC, "conll", "entities")


def record(text, *spans, meta=None, item_id=1):
    return {"item_id": item_id, "external_id": f"t{item_id}", "data": {"text": text}, "meta": meta or {},
            "value": {"spans": [{"id": f"s{i}", "start": s, "end": e, "label": label, "text": text[s:e],
                                 "attributes": {}} for i, (s, e, label) in enumerate(spans, start=1)],
                      "relations": []}}


def words(text, **kw):
    return [text[s:e] for s, e in conll.tokenize(text, **kw)]


class TestTokenize:
    def test_punctuation_is_cut_off_but_kept_inside_words(self):
        assert words("Hello, world! It's 1,000 e-mails (U.S.)") == [
            "Hello", ",", "world", "!", "It's", "1,000", "e-mails", "(", "U.S", ".", ")"]

    def test_arabic_and_emoji(self):
        assert words("قال أحمد، 😀 جميل.") == ["قال", "أحمد", "،", "😀", "جميل", "."]

    def test_cuts_split_tokens(self):
        assert words("Obama's", cuts=[0, 5]) == ["Obama", "'s"]

    def test_whitespace_only(self):
        assert words("U.N. official", punctuation=False) == ["U.N.", "official"]


def test_document_layout_and_iob2():
    text = "Anna Lee works at Acme Corp.\nShe lives in Paris"
    out = conll.encode([record(text, (0, 8, "PER"), (18, 27, "ORG"), (42, 47, "LOC"))], spec=SPEC,
                       question=QUESTION).decode()
    assert out == ("-DOCSTART- O\n\nAnna B-PER\nLee I-PER\nworks O\nat O\nAcme B-ORG\nCorp I-ORG\n. O\n\n"
                   "She O\nlives O\nin O\nParis B-LOC\n\n")


def test_a_span_over_part_of_a_word_stays_exact():
    text = "Obama's speech"
    out = conll.encode([record(text, (0, 5, "PER"))], spec=SPEC, question=QUESTION).decode()
    assert "Obama B-PER\n's O\n" in out
    [back] = conll.decode(out.encode(), spec=SPEC, question=QUESTION)
    assert [(s["text"], s["label"]) for s in back["value"]["spans"]] == [("Obama", "PER")]


def test_a_span_across_a_line_break_keeps_its_sentence():
    text = "New\nYork is big"
    out = conll.encode([record(text, (0, 8, "LOC"))], spec=SPEC, question=QUESTION).decode()
    assert out.endswith("New B-LOC\nYork I-LOC\nis O\nbig O\n\n")


def test_overlapping_spans_are_an_export_error():
    with pytest.raises(Invalid, match="spans s1 and s2 overlap") as err:
        conll.encode([record("New York City", (0, 8, "LOC"), (4, 13, "LOC"))], spec=SPEC, question=QUESTION)
    assert err.value.where == "item 1 (t1)"


def test_conll2003_four_columns_iob1_and_documents():
    data = ("-DOCSTART- -X- -X- O\n\nEU NNP B-NP I-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP I-MISC\n\n"
            "-DOCSTART- -X- -X- O\n\nPeter NNP B-NP I-PER\nBlackburn NNP I-NP I-PER\n").replace("MISC", "LOC")
    first, second = conll.decode(data.encode(), spec=SPEC, question=QUESTION)
    assert first["data"]["text"] == "EU rejects German" and first["meta"] == {"tokenization": "whitespace"}
    assert [(s["text"], s["label"]) for s in first["value"]["spans"]] == [("EU", "ORG"), ("German", "LOC")]
    assert [(s["text"], s["label"]) for s in second["value"]["spans"]] == [("Peter Blackburn", "PER")]
    assert first["where"] == "line 1" and second["where"] == "line 7"


def test_without_docstart_each_sentence_is_an_item():
    records = conll.decode(b"A B-PER\n\nB O\nC B-ORG\nD B-ORG\n", spec=SPEC, question=QUESTION)
    assert [r["data"]["text"] for r in records] == ["A", "B C D"]
    assert [(s["start"], s["end"]) for s in records[1]["value"]["spans"]] == [(2, 3), (4, 5)]


def test_a_conll_import_exports_the_same_file():
    data = "-DOCSTART- O\n\nU.N. B-ORG\nofficial O\nEkeus B-PER\nheads O\nfor O\nBaghdad B-LOC\n. O\n\n"
    [back] = conll.decode(data.encode(), spec=SPEC, question=QUESTION)
    assert conll.encode([{**back, "item_id": 1}], spec=SPEC, question=QUESTION).decode() == data


@pytest.mark.parametrize(("data", "where", "message"), [
    ("A B-PER\nB\n", "line 2", "expected a token and a tag"),
    ("A B-XYZ\n", "line 1", "'XYZ' is not a label"),
    ("A E-PER\n", "line 1", "unknown tag 'E-PER'"),
    ("", "file", "no tokens"),
])
def test_malformed_files_say_where(data, where, message):
    with pytest.raises(Invalid, match=message) as err:
        conll.decode(data.encode(), spec=SPEC, question=QUESTION)
    assert err.value.where == where


ALPHABET = "ab XY,.!؟قال أحمد😀\n\u064b-'"


@st.composite
def text_record(draw):
    text = draw(st.text(alphabet=ALPHABET, min_size=1, max_size=60))
    edges = [i for i in range(len(text) + 1)]
    cuts = sorted(draw(st.lists(st.sampled_from(edges), max_size=8, unique=True)))
    spans = []
    for start, end in zip(cuts[::2], cuts[1::2]):
        piece = text[start:end]
        if piece.strip() and not piece[0].isspace() and not piece[-1].isspace():
            spans.append((start, end, draw(st.sampled_from(["PER", "ORG", "LOC"]))))
    return record(text, *spans)


def spans_of(rec):
    """(span text without whitespace, label): tokens are the span's text cut at whitespace and punctuation."""
    return [("".join(s["text"].split()), s["label"]) for s in rec["value"]["spans"]]


@settings(max_examples=200, deadline=None)
@given(st.lists(text_record(), min_size=1, max_size=3))
def test_encode_decode_keeps_every_span_and_the_file_is_stable(records):
    """Decoding gives each span's tokens and label back; encoding the decoded records writes the same file."""
    records = [{**r, "item_id": i} for i, r in enumerate(records, start=1)]
    data = conll.encode(records, spec=SPEC, question=QUESTION)
    kept = [r for r in records if r["data"]["text"].split()]
    if not kept:
        assert data == b""
        return
    back = conll.decode(data, spec=SPEC, question=QUESTION)
    assert [spans_of(r) for r in back] == [spans_of(r) for r in kept]
    again = conll.encode([{**r, "item_id": i} for i, r in enumerate(back, start=1)], spec=SPEC, question=QUESTION)
    assert again == data
