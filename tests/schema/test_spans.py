"""The spans question type: its settings, every answer check (with the exact `where`), code-point offsets in
Arabic text with an emoji and combining marks, consensus and agreement, and the answer through the real API."""

from __future__ import annotations

import itertools
import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorloop.errors import Invalid
from tutorloop.schema.questions import REGISTRY, AnswerContext
from tutorloop.schema.questions.spans import PALETTE, SpansConfig
from tutorloop.schema.spec import parse_spec, question_configs

SPANS = REGISTRY["spans"]
ARABIC = "قال أحمد 😀 إنّ الطقس جميل"
ENGLISH = "Anna works for Acme in Paris."
WHERE = "answers.entities"


def spec(**question) -> dict:
    q = {"name": "entities", "type": "spans", "labels": ["PER", "ORG", "LOC"], **question}
    return {"name": "NER", "fields": [{"name": "text", "type": "text"}], "questions": [q]}


def config(**question) -> SpansConfig:
    return question_configs(parse_spec(spec(**question)))[0]


RELATIONS = [{"value": "works_for", "text": "works for", "from": ["PER"], "to": ["ORG"]},
             {"value": "based_in", "from": ["ORG"], "to": ["LOC"]}, {"value": "related"}]


def check(value, *, text=ENGLISH, **question):
    return SPANS.validate(config(**question), value, WHERE, AnswerContext(data={"text": text}))


def refused(value, *, text=ENGLISH, **question) -> Invalid:
    with pytest.raises(Invalid) as caught:
        check(value, text=text, **question)
    assert caught.value.message.startswith(f"{caught.value.where}: ")
    return caught.value


def span(start, end, label="PER", id=None, **extra):
    out = {"start": start, "end": end, "label": label, **extra}
    if id is not None:
        out["id"] = id
    return out


class TestConfig:
    def test_defaults_colours_and_field(self):
        stored = parse_spec(spec(labels=["PER", {"value": "ORG", "color": "#ABCDEF", "hotkey": "o"}]))["questions"][0]
        assert stored["field"] == "text"
        assert stored["snap"] == "token" and stored["allow_overlap"] is False and stored["relations"] == []
        assert [(lbl["value"], lbl["hotkey"], lbl["color"]) for lbl in stored["labels"]] == [
            ("PER", "1", PALETTE[0]), ("ORG", "o", "#abcdef")]

    def test_relations_are_stored_with_from_and_to_and_read_back(self):
        stored = parse_spec(spec(relations=RELATIONS))
        assert stored["questions"][0]["relations"][0] == {
            "value": "works_for", "text": "works for", "from": ["PER"], "to": ["ORG"]}
        assert stored["questions"][0]["relations"][1]["text"] == "based_in"
        again = question_configs(json.loads(json.dumps(stored)))[0]
        assert again.relations[0].from_ == ["PER"] and again.relations[2].from_ == []

    def test_with_relations_no_label_gets_the_relation_key(self):
        labels = [f"L{i}" for i in range(30)]
        keys = [lbl["hotkey"] for lbl in parse_spec(spec(labels=labels, relations=[{"value": "rel"}]))["questions"][0]["labels"]]
        assert "r" not in keys and not {"s", "b", "g"} & set(keys) and len(set(keys) - {""}) == len(keys) - keys.count("")
        without = [lbl["hotkey"] for lbl in parse_spec(spec(labels=labels))["questions"][0]["labels"]]
        assert "r" in without

    @pytest.mark.parametrize("question, where, words", [
        ({"labels": [{"value": "PER", "color": "red"}]}, "spec.questions.0.labels.0.color", "should match pattern"),
        ({"relations": [{"value": "x"}, {"value": "x"}]}, "spec.questions.0", "relation values must be unique"),
        ({"relations": [{"value": "x", "from": ["PER"], "to": ["DATE"]}]}, "spec.questions.0",
         "relation 'x' names unknown label 'DATE'"),
        ({"relations": [{"value": "x"}], "labels": [{"value": "PER", "hotkey": "r"}]}, "spec.questions.0",
         "hotkey 'r' starts a relation"),
        ({"snap": "word"}, "spec.questions.0.snap", "'token' or 'char'"),
        ({"relations": [{"value": "x", "kind": "y"}]}, "spec.questions.0.relations.0.kind", "Extra inputs"),
        ({"attributes": [{"name": "negated", "type": "boolean", "labels": ["DATE"]}]}, "spec.questions.0",
         "unknown label 'DATE'"),
    ])
    def test_bad_settings_are_refused_with_their_place(self, question, where, words):
        with pytest.raises(Invalid) as caught:
            parse_spec(spec(**question))
        assert caught.value.where == where and words in caught.value.message

    def test_the_field_must_be_a_text_field(self):
        raw = spec(field="picture")
        raw["fields"].append({"name": "picture", "type": "image"})
        with pytest.raises(Invalid) as caught:
            parse_spec(raw)
        assert caught.value.where == "spec.questions.0.field"


class TestAnswer:
    def test_spans_are_sorted_given_their_text_and_relations_sorted(self):
        value = {"spans": [span(15, 19, "ORG", "b"), span(0, 4, "PER", "a", attributes=None)],
                 "relations": [{"from": "a", "to": "b", "label": "works_for"}]}
        assert check(value, relations=RELATIONS) == {
            "spans": [{"id": "a", "start": 0, "end": 4, "label": "PER", "text": "Anna", "attributes": {}},
                      {"id": "b", "start": 15, "end": 19, "label": "ORG", "text": "Acme", "attributes": {}}],
            "relations": [{"from": "a", "to": "b", "label": "works_for"}]}

    def test_a_bare_list_is_shorthand_and_ids_are_given(self):
        out = check([span(23, 28, "LOC"), span(0, 4)])
        assert [(s["id"], s["text"]) for s in out["spans"]] == [("2", "Anna"), ("1", "Paris")]
        assert out["relations"] == []

    def test_matching_text_from_the_client_is_accepted(self):
        assert check([span(0, 4, text="Anna")])["spans"][0]["text"] == "Anna"

    def test_code_points_in_arabic_with_an_emoji_and_a_combining_mark(self):
        out = check([span(4, 8, id="name"), span(9, 10, "ORG", id="face"), span(11, 14, "LOC", id="inna"),
                     span(15, 20, "LOC", id="weather")], text=ARABIC)
        assert [s["text"] for s in out["spans"]] == ["أحمد", "😀", "إنّ", "الطقس"]
        assert len("😀".encode("utf-16-le")) == 4  # two UTF-16 units in the browser, one code point here
        assert unicodedata.category(ARABIC[13]) == "Mn"  # the shadda of إنّ belongs to its letter

    @pytest.mark.parametrize("value, where, words", [
        ("PER", WHERE, 'expected {"spans"'),
        ({"spans": [], "extra": 1}, f"{WHERE}.extra", "unknown key"),
        ({"relations": []}, f"{WHERE}.spans", "expected a list of spans"),
        ({"spans": {}}, f"{WHERE}.spans", "expected a list of spans"),
        ([span(0, 4), "x"], f"{WHERE}.spans.1", "expected an object"),
        ([span(1.0, 4)], f"{WHERE}.spans.0.start", "whole number"),
        ([span("0", 4)], f"{WHERE}.spans.0.start", "whole number"),
        ([span(True, 4)], f"{WHERE}.spans.0.start", "whole number"),
        ([span(0, None)], f"{WHERE}.spans.0.end", "whole number"),
        ([span(-1, 4)], f"{WHERE}.spans.0.start", "-1 is below 0"),
        ([span(4, 4)], f"{WHERE}.spans.0.end", "end (4) must be greater than start (4)"),
        ([span(0, 4), span(5, 3)], f"{WHERE}.spans.1.end", "must be greater than start"),
        ([span(20, 30)], f"{WHERE}.spans.0.end", "30 is past the end of the text (29 characters)"),
        ([span(0, 4, "DATE")], f"{WHERE}.spans.0.label", "'DATE' is not one of the labels (LOC, ORG, PER)"),
        ([span(0, 4, ["PER"])], f"{WHERE}.spans.0.label", "expected a label"),
        ([span(0, 4, id="a"), span(5, 10, id="a")], f"{WHERE}.spans.1.id", "id 'a' is used twice"),
        ([span(0, 4, id="a b")], f"{WHERE}.spans.0.id", "an id is"),
        ([span(0, 4, score=0.9)], f"{WHERE}.spans.0.score", "unknown key"),
        ([span(0, 4, id="x", text="Ann")], f"{WHERE}.spans.0.text", "span 'x': the text at 0–4 is 'Anna', not 'Ann'"),
        ([span(0, 4, attributes={"negated": 1})], f"{WHERE}.spans.0.attributes.negated", "expected true or false"),
        ([span(0, 4, attributes={"size": 1})], f"{WHERE}.spans.0.attributes.size", "no attribute 'size'"),
    ])
    def test_bad_spans(self, value, where, words):
        error = refused(value, attributes=[{"name": "negated", "type": "boolean"}])
        assert error.where == where and words in error.message

    def test_a_boundary_may_not_split_a_letter_from_its_mark(self):
        error = refused([span(11, 13)], text=ARABIC)  # "إن" without the shadda on the nun
        assert error.where == f"{WHERE}.spans.0.end" and "combining mark" in error.message
        assert refused([span(13, 14)], text=ARABIC).where == f"{WHERE}.spans.0.start"

    def test_overlaps_are_refused_unless_allowed(self):
        value = [span(15, 28, "ORG", "acme_paris"), span(0, 4, id="anna"), span(23, 28, "LOC", "paris")]
        error = refused(value)
        assert error.where == f"{WHERE}.spans.2"
        assert "span 'paris' overlaps span 'acme_paris'" in error.message
        assert [s["id"] for s in check(value, allow_overlap=True)["spans"]] == ["anna", "acme_paris", "paris"]

    def test_touching_spans_do_not_overlap(self):
        assert len(check([span(0, 4), span(4, 10, "ORG")])["spans"]) == 2

    def test_identical_spans_are_refused_even_where_overlaps_are_allowed(self):
        error = refused([span(0, 4, id="a"), span(0, 4, id="b")], allow_overlap=True)
        assert error.where == f"{WHERE}.spans.1" and "span 'b' repeats span 'a'" in error.message
        same_range = check([span(0, 4, id="a"), span(0, 4, "ORG", id="b")], allow_overlap=True)
        assert [s["label"] for s in same_range["spans"]] == ["ORG", "PER"]

    def test_count_limits(self):
        assert refused([], min=1).where == f"{WHERE}.spans"
        error = refused([span(0, 4), span(5, 10, "ORG")], max=1)
        assert error.where == f"{WHERE}.spans" and "at most 1 spans" in error.message

    def test_the_text_comes_from_the_item(self):
        assert SPANS.validate(config(), [], WHERE, AnswerContext(data={})) == {"spans": [], "relations": []}
        with pytest.raises(Invalid) as caught:
            SPANS.validate(config(), [span(0, 4)], WHERE, AnswerContext(data={"other": ENGLISH}))
        assert caught.value.where == f"{WHERE}.spans.0.end"  # no text: nothing can be marked
        with pytest.raises(Invalid) as caught:
            SPANS.validate(config(), [span(0, 4)], WHERE, AnswerContext(data={"text": ["not", "text"]}))
        assert caught.value.where == WHERE


THREE = (span(0, 4, id="anna"), span(15, 19, "ORG", id="acme"), span(23, 28, "LOC", id="paris"))


class TestRelations:
    @pytest.mark.parametrize("relations, where, words", [
        ({"from": "anna"}, f"{WHERE}.relations", "expected a list of relations"),
        (["x"], f"{WHERE}.relations.0", "expected an object"),
        ([{"from": "nobody", "to": "acme", "label": "works_for"}], f"{WHERE}.relations.0.from", "no span with id 'nobody'"),
        ([{"from": "anna", "to": 3, "label": "works_for"}], f"{WHERE}.relations.0.to", "no span with id 3"),
        ([{"from": "anna", "to": "anna", "label": "related"}], f"{WHERE}.relations.0.to", "two different spans"),
        ([{"from": "anna", "to": "acme", "label": "owns"}], f"{WHERE}.relations.0.label", "'owns' is not one of the relations"),
        ([{"from": "anna", "to": "acme", "label": ["works_for"]}], f"{WHERE}.relations.0.label", "is not one of the relations"),
        ([{"from": "acme", "to": "paris", "label": "works_for"}], f"{WHERE}.relations.0.from",
         "a 'works_for' relation cannot start at a 'ORG' span (allowed: PER)"),
        ([{"from": "anna", "to": "paris", "label": "works_for"}], f"{WHERE}.relations.0.to",
         "cannot end at a 'LOC' span (allowed: ORG)"),
        ([{"from": "anna", "to": "acme", "label": "works_for"}] * 2, f"{WHERE}.relations.1", "given twice"),
        ([{"from": "anna", "to": "acme", "label": "works_for", "score": 1}], f"{WHERE}.relations.0.score", "unknown key"),
    ])
    def test_bad_relations(self, relations, where, words):
        error = refused({"spans": list(THREE), "relations": relations}, relations=RELATIONS)
        assert error.where == where and words in error.message

    def test_relations_need_relation_labels(self):
        error = refused({"spans": list(THREE), "relations": [{"from": "anna", "to": "acme", "label": "works_for"}]})
        assert error.where == f"{WHERE}.relations" and "no relation labels" in error.message

    def test_relations_are_sorted_by_their_spans_in_text_order(self):
        relations = [{"from": "paris", "to": "anna", "label": "related"}, {"from": "acme", "to": "paris", "label": "based_in"},
                     {"from": "anna", "to": "acme", "label": "works_for"}, {"from": "anna", "to": "acme", "label": "related"}]
        out = check({"spans": list(reversed(THREE)), "relations": relations}, relations=RELATIONS)
        assert [(r["from"], r["to"], r["label"]) for r in out["relations"]] == [
            ("anna", "acme", "related"), ("anna", "acme", "works_for"), ("acme", "paris", "based_in"),
            ("paris", "anna", "related")]


# ------------------------------------------------------------------------------------------- property

ALPHABET = ["a", "Z", " ", "\n", "ق", "ا", "ل", "ّ", "َ", "😀", "👍🏽", "ש", "ׁ", "é", "e\u0301"]


@st.composite
def text_and_spans(draw):
    text = "".join(draw(st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=40)))
    cuts = [i for i in range(len(text) + 1) if i in (0, len(text)) or not unicodedata.category(text[i]).startswith("M")]
    points = sorted(set(draw(st.lists(st.sampled_from(cuts), max_size=12))))
    spans, used = [], set()
    for i, (start, end) in enumerate(itertools.pairwise(points)):
        if draw(st.booleans()) and (start, end) not in used:
            used.add((start, end))
            spans.append({"id": f"s{i}", "start": start, "end": end, "label": draw(st.sampled_from(["PER", "ORG"])),
                          "attributes": {}})
    return text, draw(st.permutations(spans))


@settings(max_examples=150, deadline=None)
@given(case=text_and_spans())
def test_any_valid_span_set_round_trips_and_slices_its_text(case):
    text, spans = case
    out = check(list(spans), text=text)
    assert out["spans"] == sorted(({**s, "text": text[s["start"]:s["end"]]} for s in spans),
                                  key=lambda s: (s["start"], s["end"], s["label"]))
    assert check(out, text=text) == out  # validating the stored form changes nothing


JSON = st.recursive(st.none() | st.booleans() | st.integers(-3, 40) | st.floats(allow_nan=True) | st.text(max_size=5)
                    | st.sampled_from(["PER", "ORG", "a", "works_for"]),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=8)
SPAN_LIKE = st.dictionaries(st.sampled_from(["id", "start", "end", "label", "text", "attributes", "x"]), JSON, max_size=6)
RELATION_LIKE = st.dictionaries(st.sampled_from(["from", "to", "label", "x"]), JSON | st.sampled_from(["a", "b"]), max_size=4)
VALID = [{"id": "a", "start": 0, "end": 4, "label": "PER"}, {"id": "b", "start": 15, "end": 19, "label": "ORG"}]


@settings(max_examples=300, deadline=None)
@given(value=JSON | st.lists(SPAN_LIKE, max_size=3)
       | st.fixed_dictionaries({"spans": st.just(VALID) | st.lists(SPAN_LIKE, max_size=3),
                                "relations": st.lists(RELATION_LIKE, max_size=3) | JSON}))
def test_malformed_answers_are_refused_cleanly(value):
    try:
        check(value, relations=RELATIONS, attributes=[{"name": "negated", "type": "boolean"}])
    except Invalid as error:
        assert error.where.startswith(WHERE) and error.message.startswith(error.where)


# ------------------------------------------------------------------------------------------- consensus


def answer(*spans, relations=()):
    out = []
    for i, (start, end, label, *attrs) in enumerate(spans):
        out.append({"id": f"x{i}", "start": start, "end": end, "label": label, "text": ENGLISH[start:end],
                    "attributes": attrs[0] if attrs else {}})
    return {"spans": out, "relations": [{"from": f"x{f}", "to": f"x{t}", "label": lab} for f, t, lab in relations]}


class TestConsensus:
    cfg = None

    def setup_method(self):
        self.cfg = config(relations=RELATIONS, attributes=[{"name": "negated", "type": "boolean"}])

    def test_majority_spans_and_relations(self):
        a = answer((0, 4, "PER", {"negated": True}), (15, 19, "ORG"), relations=[(0, 1, "works_for")])
        b = answer((0, 4, "PER", {"negated": True}), (15, 19, "ORG"), (23, 28, "LOC"), relations=[(0, 1, "works_for")])
        c = answer((0, 4, "PER"), (15, 19, "ORG"), relations=[(1, 0, "related")])
        out = SPANS.consensus(self.cfg, [a, b, c])
        assert out == {
            "spans": [{"id": "c1", "start": 0, "end": 4, "label": "PER", "text": "Anna", "attributes": {"negated": True}},
                      {"id": "c2", "start": 15, "end": 19, "label": "ORG", "text": "Acme", "attributes": {}}],
            "relations": [{"from": "c1", "to": "c2", "label": "works_for"}]}
        assert SPANS.validate(self.cfg, out, WHERE, AnswerContext(data={"text": ENGLISH})) == out

    def test_near_boundaries_meet_at_the_median(self):
        # "Acme" ×2 and "Acme in" (IoU 4/7): one cluster, median boundaries 15–19
        out = SPANS.consensus(self.cfg, [answer((15, 19, "ORG")), answer((15, 22, "ORG")), answer((15, 19, "ORG"))])
        assert [(s["start"], s["end"], s["text"]) for s in out["spans"]] == [(15, 19, "Acme")]
        # two of three with the wider span: the median is the wider one, its text read off the members
        out = SPANS.consensus(self.cfg, [answer((15, 22, "ORG")), answer((15, 22, "ORG")), answer((15, 19, "ORG"))])
        assert [(s["start"], s["end"], s["text"]) for s in out["spans"]] == [(15, 22, "Acme in")]

    def test_a_relation_needs_its_ends_in_the_consensus(self):
        a = answer((0, 4, "PER"), (15, 19, "ORG"), relations=[(0, 1, "works_for")])
        b = answer((0, 4, "PER"), relations=[])
        c = answer((0, 4, "PER"), (15, 28, "ORG"), relations=[(0, 1, "works_for")])  # IoU 4/13 with Acme
        out = SPANS.consensus(self.cfg, [a, b, c])
        assert [s["text"] for s in out["spans"]] == ["Anna"] and out["relations"] == []

    def test_overlapping_consensus_spans_keep_the_better_supported(self):
        # nobody draws overlapping spans, yet the majorities of two clusters do: 0–10 (support 3, mean IoU
        # 0.87) and 8–16 (support 3, mean IoU 0.93); without allow_overlap only the tighter one stays
        answers = [answer((0, 10, "PER")), answer((0, 10, "PER")), answer((0, 6, "PER"), (6, 16, "ORG")),
                   answer((8, 16, "ORG")), answer((8, 16, "ORG"))]
        out = SPANS.consensus(self.cfg, answers)
        assert [(s["start"], s["end"], s["label"], s["text"]) for s in out["spans"]] == [(8, 16, "ORG", ENGLISH[8:16])]
        both = SPANS.consensus(config(allow_overlap=True), answers)
        assert [(s["start"], s["end"]) for s in both["spans"]] == [(0, 10), (8, 16)]

    def test_nothing_marked_is_a_consensus_too(self):
        empty = {"spans": [], "relations": []}
        assert SPANS.consensus(self.cfg, [empty, empty, answer((0, 4, "PER"))]) == empty
        assert SPANS.consensus(self.cfg, []) is None

    def test_span_f1_agreement(self):
        a = answer((0, 4, "PER"), (15, 19, "ORG"))
        b = answer((0, 4, "PER"), (15, 22, "ORG"))
        c = answer((0, 4, "ORG"))
        empty = {"spans": [], "relations": []}
        assert SPANS.pair_agreement(self.cfg, a, a) == 1.0
        assert SPANS.pair_agreement(self.cfg, a, b) == 0.5  # boundaries count exactly
        assert SPANS.pair_agreement(self.cfg, a, c) == 0.0  # and so does the label
        assert SPANS.pair_agreement(self.cfg, empty, empty) == 1.0
        assert SPANS.pair_agreement(self.cfg, a, empty) == 0.0
        assert SPANS.agreement(self.cfg, [a, b], a) == pytest.approx(0.75)
        assert SPANS.agreement(self.cfg, [a], None) is None

    def test_gold_needs_every_span_and_relation(self):
        gold = answer((0, 4, "PER"), (15, 19, "ORG"), relations=[(0, 1, "works_for")])
        same = answer((0, 4, "PER", {"negated": True}), (15, 19, "ORG"), relations=[(0, 1, "works_for")])
        assert SPANS.gold_matches(self.cfg, same, gold)  # attributes are not compared
        assert not SPANS.gold_matches(self.cfg, answer((0, 4, "PER"), (15, 19, "ORG")), gold)
        assert not SPANS.gold_matches(self.cfg, answer((0, 4, "PER")), gold)
        assert not SPANS.gold_matches(self.cfg, None, gold)

    def test_export_is_compact_json(self):
        value = answer((0, 4, "PER"))
        assert json.loads(SPANS.export_value(self.cfg, value)) == value
        assert " " not in SPANS.export_value(self.cfg, value).replace("Anna", "")


# ------------------------------------------------------------------------------------------- through the API


def test_answers_through_the_api_are_checked_stored_and_agreed(world):
    raw = spec(relations=RELATIONS)
    world.person("boss", "manager")
    for name in ("ann", "bob", "cat"):
        world.person(name)
    pid = world.project(raw, members={"boss": "manager", "ann": "annotator", "bob": "annotator", "cat": "annotator"})
    boss = world.client("boss")
    boss.patch(f"/api/v1/projects/{pid}", json={"overlap": 3})
    line = json.dumps({"id": "a1", "text": ARABIC}, ensure_ascii=False).encode()
    r = boss.post(f"/api/v1/projects/{pid}/items/import", files={"file": ("items.jsonl", line, "application/x-ndjson")})
    assert r.status_code in (200, 201), r.text

    def submit(name, value):
        c = world.client(name)
        item = c.post(f"/api/v1/projects/{pid}/queue/next").json()["item"]
        return c.post(f"/api/v1/projects/{pid}/items/{item['id']}/annotations",
                      json={"answers": {"entities": value}, "client_key": f"k-{name}"}), item["id"]

    bad, _ = submit("ann", {"spans": [{"start": 4, "end": 7, "label": "PER", "text": "أحمد"}]})
    assert bad.status_code == 422 and bad.json()["where"] == "answers.entities.spans.0.text"

    mark = {"spans": [{"id": "n", "start": 4, "end": 8, "label": "PER"}, {"id": "w", "start": 15, "end": 20, "label": "LOC"}],
            "relations": [{"from": "n", "to": "w", "label": "related"}]}
    ok, item_id = submit("ann", mark)
    assert ok.status_code == 201, ok.text
    stored = world.client("ann").get(f"/api/v1/annotations/{ok.json()['id']}").json()["answers"]["entities"]
    assert [(s["start"], s["end"], s["text"]) for s in stored["spans"]] == [(4, 8, "أحمد"), (15, 20, "الطقس")]
    assert stored["relations"] == [{"from": "n", "to": "w", "label": "related"}]

    assert submit("bob", mark)[0].status_code == 201
    assert submit("cat", {"spans": [{"start": 4, "end": 8, "label": "PER"}], "relations": []})[0].status_code == 201
    consensus = {c["question"]: c for c in boss.get(f"/api/v1/projects/{pid}/items/{item_id}/consensus").json()}
    agreed = consensus["entities"]["value"]
    assert [(s["text"], s["label"]) for s in agreed["spans"]] == [("أحمد", "PER"), ("الطقس", "LOC")]
    assert agreed["relations"] == [{"from": "c1", "to": "c2", "label": "related"}]
    assert consensus["entities"]["confidence"] == pytest.approx((1 + 1 + 2 / 3) / 3)
