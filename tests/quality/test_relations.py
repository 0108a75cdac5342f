"""Relations between spans: exact-match F1, assigning spans to consensus spans, majority relations."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorloop.quality import relations
from tutorloop.quality.relations import assign_to_consensus, consensus_relations, f1_score, relation_keys


def test_module_examples_run():
    assert doctest.testmod(relations).failed == 0


class TestF1:
    def test_values(self):
        assert f1_score(set(), set()) == 1.0
        assert f1_score({1}, set()) == 0.0
        assert f1_score({1, 2}, {2, 3}) == 0.5
        assert f1_score({(0, 4, "PER")}, {(0, 4, "ORG")}) == 0.0

    @settings(max_examples=60, deadline=None)
    @given(a=st.sets(st.integers(0, 9)), b=st.sets(st.integers(0, 9)))
    def test_bounded_symmetric_and_one_only_when_equal(self, a, b):
        score = f1_score(a, b)
        assert 0.0 <= score <= 1.0 and score == f1_score(b, a)
        assert (score == 1.0) == (a == b)


def test_relation_keys_name_their_ends_by_span_key():
    spans = [(0, 4, "PER"), (15, 19, "ORG")]
    assert relation_keys(spans, [(0, 1, "works_for")]) == {((0, 4, "PER"), (15, 19, "ORG"), "works_for")}
    # the same relation in another answer with its spans in another order has the same key
    assert relation_keys(spans[::-1], [(1, 0, "works_for")]) == relation_keys(spans, [(0, 1, "works_for")])


CONSENSUS = ((0, 4, "PER"), (15, 19, "ORG"), (23, 28, "LOC"))


class TestAssign:
    def test_same_label_and_enough_overlap(self):
        mine = [(23, 28, "LOC"), (0, 5, "PER"), (15, 19, "PER"), (14, 30, "ORG")]
        # 0–5 overlaps 0–4 with IoU 0.8; 15–19 has the wrong label; 14–30 overlaps Acme with IoU 0.25 only
        assert assign_to_consensus(mine, CONSENSUS) == {0: 2, 1: 0}
        assert assign_to_consensus(mine, CONSENSUS, threshold=0.2) == {0: 2, 1: 0, 3: 1}

    def test_one_to_one(self):
        assert assign_to_consensus([(0, 4, "PER"), (0, 3, "PER")], CONSENSUS) == {0: 0}

    def test_empty(self):
        assert assign_to_consensus([], CONSENSUS) == {}
        assert assign_to_consensus([(0, 4, "PER")], []) == {}


class TestConsensusRelations:
    def test_majority_of_annotators(self):
        given = [[(0, 1, "works_for")], [(0, 1, "works_for"), (1, 2, "based_in")], [(1, 2, "based_in")], []]
        assigned = [{0: 0, 1: 1}, {0: 0, 1: 1, 2: 2}, {1: 1, 2: 2}, {}]
        assert consensus_relations(given, assigned) == []  # 2 of 4 is no majority
        assert consensus_relations(given, assigned, quorum=2) == [(0, 1, "works_for", 2), (1, 2, "based_in", 2)]

    def test_votes_go_through_the_assignment(self):
        # annotators number their spans differently; both relations land on consensus spans 3 → 5
        given = [[(0, 1, "rel")], [(7, 2, "rel")], [(0, 1, "other")]]
        assigned = [{0: 3, 1: 5}, {7: 3, 2: 5}, {0: 3, 1: 5}]
        assert consensus_relations(given, assigned) == [(3, 5, "rel", 2)]

    def test_unassigned_ends_self_loops_and_repeats_do_not_vote(self):
        given = [[(0, 1, "rel"), (0, 1, "rel")], [(0, 9, "rel")], [(0, 1, "rel")]]
        assigned = [{0: 0, 1: 0}, {0: 0}, {0: 0, 1: 1}]
        assert consensus_relations(given, assigned, quorum=1) == [(0, 1, "rel", 1)]

    def test_lists_must_match(self):
        with pytest.raises(ValueError):
            consensus_relations([[]], [])
