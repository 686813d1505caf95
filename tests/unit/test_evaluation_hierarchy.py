"""Hierarchical topic scores: closure under broader, hP/hR/hF1, exact@k, per-level accuracy."""

from __future__ import annotations

from worker.nlp.taxonomy import TopicDef, Tree
from worker.tools.evaluation.hierarchy import score_hierarchy


def _topic(label: str, qcode: str, broader: str | None, level: int) -> TopicDef:
    return TopicDef(label, (label,), qcode, broader=broader, level=level)


TREE = Tree.of(
    [
        _topic("economy", "medtop:04000000", None, 1),
        _topic("market", "medtop:20000385", "economy", 2),
        _topic("interest rate", "medtop:20000412", "market", 3),
        _topic("foreign exchange market", "medtop:20000390", "market", 3),
        _topic("sport", "medtop:15000000", None, 1),
    ]
)


def test_terms_are_found_by_qcode_or_label_and_closed_under_broader() -> None:
    assert TREE.term("MEDTOP:20000412") == "interest rate" == TREE.term(" Interest Rate ")
    assert TREE.term("weather") is None
    assert TREE.closure(["interest rate"]) == {"interest rate", "market", "economy"}
    assert TREE.at_level("interest rate", 2) == "market" and TREE.at_level("economy", 2) is None


def test_a_sibling_guess_earns_the_shared_ancestors() -> None:
    scores = score_hierarchy([["medtop:20000390"]], [["interest rate"]], TREE)
    # gold {fx, market, economy}, predicted {rate, market, economy}: 2 of 3 each way
    assert (scores["hp"], scores["hr"], scores["hf1"]) == (66.67, 66.67, 66.67)
    assert scores["exact_at_3"] == 0.0
    assert scores["levels"] == {
        1: {"accuracy": 100.0, "items": 1},
        2: {"accuracy": 100.0, "items": 1},
        3: {"accuracy": 0.0, "items": 1},
    }


def test_exact_at_k_looks_at_the_first_k_guesses_and_unknown_gold_is_left_out() -> None:
    gold = [["interest rate"], ["sport"], ["weather"]]
    predicted = [["sport", "market", "interest rate"], ["sport"], ["sport"]]
    scores = score_hierarchy(gold, predicted, TREE, k=2)
    assert scores["items"] == 2 and scores["exact_at_2"] == 50.0
    assert scores["unmapped"] == {"weather": 1}
    assert scores["levels"][1] == {"accuracy": 50.0, "items": 2}  # sport first, gold economy
    assert scores["levels"][3] == {"accuracy": 0.0, "items": 1}


def test_no_prediction_scores_nothing() -> None:
    scores = score_hierarchy([["economy"]], [[]], TREE)
    assert (scores["hp"], scores["hr"], scores["hf1"]) == (0.0, 0.0, 0.0)
