"""Datelines and wire credits are taken off the head of a story, and ordinary leads are not."""

from __future__ import annotations

import pytest

from worker.nlp.cleaning import clean
from worker.nlp.datelines import split_dateline
from worker.schemas import Dateline


@pytest.mark.parametrize(
    ("head", "place", "date", "credit", "rest"),
    [
        ("(CNN)Blues legend B.B. King was ill.", None, None, "CNN", "Blues legend"),
        (
            "New Delhi, India (CNN)As the earth shook, people ran.",
            "New Delhi, India",
            None,
            "CNN",
            "As",
        ),
        ("LONDON, England (CNN) -- The minister spoke.", "LONDON, England", None, "CNN", "The"),
        ("WASHINGTON (Reuters) - The Treasury said.", "WASHINGTON", None, "Reuters", "The"),
        (
            "WASHINGTON, March 3 (Reuters) - Stocks fell.",
            "WASHINGTON",
            "March 3",
            "Reuters",
            "Stocks",
        ),
        ("HONG KONG, April 8 - Mounting trade friction.", "HONG KONG", "April 8", None, "Mounting"),
        ("PEKING, April 8 - China said so.", "PEKING", "April 8", None, "China"),
        ("PARIS, France — The talks ended.", "PARIS, France", None, None, "The"),
        ("(AP) — A storm hit the coast.", None, None, "AP", "A storm"),
    ],
)
def test_a_dateline_is_split_off_as_written(
    head: str, place: str | None, date: str | None, credit: str | None, rest: str
) -> None:
    dateline, text = split_dateline(head)
    assert dateline == Dateline(place=place, date=date, credit=credit)
    assert text.startswith(rest)


@pytest.mark.parametrize(
    "lead",
    [
        "BMW has forecast sales growth of at least 10% in Asia.",
        "IBM - the computer maker - said profits rose.",
        "US - China trade talks resumed on Monday.",
        "Gary Locke will be confirmed as manager on Friday - exactly eight weeks on.",
        "Fighter ace: Douglas Bader's story is to be told in a film.",
        "EU leaders met. The talks (AP) went on.",
        "(CNN)",  # a credit with nothing after it is left alone
    ],
)
def test_an_ordinary_lead_is_left_whole(lead: str) -> None:
    assert split_dateline(lead) == (None, lead)


def test_cleaning_keeps_the_dateline_apart_from_the_first_paragraph() -> None:
    cleaned = clean("Storm hits coast\n\nMIAMI, Sept. 2 (AP) - A storm hit. Roofs flew off.")
    assert cleaned.dateline == Dateline(place="MIAMI", date="Sept. 2", credit="AP")
    assert cleaned.paragraphs == ["A storm hit. Roofs flew off."]
    assert cleaned.title == "Storm hits coast"


def test_a_place_in_capitalised_words_with_a_date_is_a_dateline() -> None:
    head = "Edmonton, Alberta, April 8 - Canadian Bashaw said it would merge."
    dateline, rest = split_dateline(head)
    assert dateline == Dateline(place="Edmonton, Alberta", date="April 8", credit=None)
    assert rest == "Canadian Bashaw said it would merge."
    assert split_dateline("Paris is nice, April 8 - or so")[0] is None
