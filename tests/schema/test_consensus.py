from tests.conftest import SENTIMENT_SPEC
from tutorloop.schema.questions import REGISTRY
from tutorloop.schema.spec import parse_spec, question_configs


def configs():
    return {c.name: c for c in question_configs(parse_spec(SENTIMENT_SPEC))}


def test_registry_holds_the_four_types_with_components():
    assert {"single_label", "multi_label", "rating", "free_text"} <= set(REGISTRY)
    assert REGISTRY["single_label"].component == "single-label"


def test_single_label_majority_and_tie_goes_to_first_seen():
    c = configs()["sentiment"]
    assert REGISTRY["single_label"].consensus(c, ["negative", "positive", "negative"]) == "negative"
    assert REGISTRY["single_label"].consensus(c, ["positive", "negative"]) == "positive"


def test_multi_label_keeps_labels_chosen_by_a_majority():
    c = configs()["topics"]
    assert REGISTRY["multi_label"].consensus(c, [["price"], ["price", "delivery"], []]) == ["price"]


def test_rating_median():
    c = configs()["stars"]
    assert REGISTRY["rating"].consensus(c, [1, 5, 4]) == 4
    assert REGISTRY["rating"].consensus(c, [2, 3]) == 2


def test_free_text_needs_a_majority():
    c = configs()["note"]
    assert REGISTRY["free_text"].consensus(c, ["ok", " ok", "no"]) == "ok"
    assert REGISTRY["free_text"].consensus(c, ["a", "b"]) is None
