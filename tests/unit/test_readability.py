"""The rules a summary that reads on its own keeps (issue 17), checked on sentences."""

from __future__ import annotations

import pytest

from worker.nlp.standalone import opens_unresolved
from worker.tools.evaluation.readability import RULES, check_summary, rule_shares


@pytest.mark.parametrize(
    "sentence",
    [
        "He said the talks would resume on Monday.",
        "It follows a similar ruling in Scotland last year.",
        "But the council said it had no choice.",
        "This is the third time the bridge has closed.",
        "Those affected will be contacted by letter.",
        "However, the plan was rejected.",
        "Their homes were flooded overnight.",
    ],
)
def test_an_opening_that_points_back_is_unresolved(sentence: str) -> None:
    assert opens_unresolved(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The council said it had no choice.",
        "This week the bridge closed for the third time.",
        "US retail sales fell 0.3% in January.",
        "IT spending rose by a fifth.",
        "Instead of rising, fees will be frozen.",
        "Italy's prime minister resigned on Sunday.",
        '"We will not give up," the mayor said.',
    ],
)
def test_an_opening_that_names_what_it_speaks_of_reads_on_its_own(sentence: str) -> None:
    assert not opens_unresolved(sentence)


def test_only_the_opening_sentence_needs_to_stand_alone() -> None:
    summary = ["The council approved the budget.", "It takes effect in April."]
    assert check_summary(summary) == set()


def test_credits_datelines_captions_and_bylines_are_found_in_any_sentence() -> None:
    assert check_summary(["A storm hit.", "(CNN) The coast was evacuated."]) == {"wire_credit"}
    assert check_summary(["LONDON, March 3 - Shares fell."]) == {"dateline"}
    assert check_summary(["WASHINGTON — The Senate voted."]) == {"dateline"}
    assert check_summary(["The mayor (pictured) resigned."]) == {"caption"}
    assert check_summary(["Image caption: The mayor resigned."]) == {"caption"}
    assert check_summary(["By . Jane Smith . The mayor resigned."]) == {"byline"}
    assert check_summary(["PUBLISHED: 12:01 EST, 3 March 2014. The mayor resigned."]) == {"byline"}


def test_sentences_out_of_article_order_are_found() -> None:
    article = ["First.", "Second.", "Third."]
    assert check_summary(["Third.", "First."], article) == {"order"}
    assert check_summary(["First.", "Third."], article) == set()


def test_shares_count_each_rule_and_any() -> None:
    shares = rule_shares([{"dateline"}, set(), {"dateline", "byline"}, set()])
    assert shares["dateline"] == 50.0 and shares["byline"] == 25.0 and shares["any"] == 50.0
    assert set(shares) == {*RULES, "any"}
