"""Sentence splitting, keyword extraction and language identification on real text.

These are the pieces a reader sees in a result: summary sentences must be whole sentences in
article order, keywords must be distinct and meaningful, and the language must be right.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from worker.nlp.cleaning import clean
from worker.nlp.keywords import extract_keywords
from worker.nlp.language import UNDETERMINED, detect_language
from worker.nlp.sentences import cut_points, split_sentences

REPO_ROOT = Path(__file__).resolve().parents[2]
# Article bodies as the pipeline passes them on: cleaned paragraphs, without the title line.
HARBOUR = clean((REPO_ROOT / "examples" / "harbour-flood-defences.txt").read_text("utf-8")).text
CHIP_PLANT = clean((REPO_ROOT / "examples" / "chip-plant-jobs.txt").read_text("utf-8")).text
TOKEN = re.compile(r"[\w'’-]+")

ENGLISH = (
    "The government announced a new housing policy on Tuesday, but critics said it would do "
    "little to help first-time buyers in the cities where prices have risen fastest."
)
GERMAN = (
    "Die Bundesregierung hat am Dienstag eine neue Wohnungspolitik angekündigt, doch Kritiker "
    "sagen, sie werde Erstkäufern in den Städten mit den stärksten Preisanstiegen kaum helfen."
)
FRENCH = (
    "Le gouvernement a annoncé mardi une nouvelle politique du logement, mais les critiques "
    "estiment qu'elle aidera peu les primo-accédants dans les villes où les prix ont le plus "
    "augmenté."
)


# split_sentences


def test_sentences_are_numbered_in_article_order() -> None:
    sentences = split_sentences(
        [
            "The council met on Monday. It voted to close the library.",
            "Residents were angry. They said they would protest. The mayor declined to comment.",
        ]
    )
    assert [s.text for s in sentences] == [
        "The council met on Monday.",
        "It voted to close the library.",
        "Residents were angry.",
        "They said they would protest.",
        "The mayor declined to comment.",
    ]
    assert [s.index for s in sentences] == [0, 1, 2, 3, 4]
    assert [s.paragraph for s in sentences] == [0, 0, 1, 1, 1]


def test_paragraphs_are_never_joined() -> None:
    sentences = split_sentences(["The vote ended without a result", "and the debate went on."])
    assert [(s.text, s.paragraph) for s in sentences] == [
        ("The vote ended without a result", 0),
        ("and the debate went on.", 1),
    ]


def test_empty_paragraphs_give_no_sentences() -> None:
    assert split_sentences([]) == []
    assert [s.paragraph for s in split_sentences(["", "One sentence here."])] == [1]


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "Mr. Smith went to Washington on Monday. He met the mayor.",
            ["Mr. Smith went to Washington on Monday.", "He met the mayor."],
        ),
        (
            "The U.S. Senate voted on Tuesday. Mrs. Brown said it was a good day.",
            ["The U.S. Senate voted on Tuesday.", "Mrs. Brown said it was a good day."],
        ),
        (
            "Officials in the U.S. and the U.K. welcomed the deal. Markets rose.",
            ["Officials in the U.S. and the U.K. welcomed the deal.", "Markets rose."],
        ),
        (
            "Dr. Jones met the minister at 3 p.m. on Friday. They talked for an hour.",
            ["Dr. Jones met the minister at 3 p.m. on Friday.", "They talked for an hour."],
        ),
        (
            "Prices rose 2.5 per cent in March. Analysts were surprised.",
            ["Prices rose 2.5 per cent in March.", "Analysts were surprised."],
        ),
    ],
    ids=["mr", "us-senate", "us-uk", "dr-pm", "decimal"],
)
def test_abbreviations_do_not_break_a_sentence(paragraph: str, expected: list[str]) -> None:
    assert [s.text for s in split_sentences([paragraph])] == expected


def test_a_long_quotation_of_several_sentences_is_split_with_its_quote_marks_kept() -> None:
    paragraph = (
        "The harbour master told the inquiry: 'The crane had been inspected in March and "
        "passed every test we have. 'Nobody on the quay that morning could have seen the cable "
        "fray, not the crew, not the drivers and not the inspectors, and nobody did. It was "
        "the worst day of my working life.'"
    )
    assert [s.text for s in split_sentences([paragraph])] == [
        "The harbour master told the inquiry: 'The crane had been inspected in March and "
        "passed every test we have.",
        "'Nobody on the quay that morning could have seen the cable fray, not the crew, not the "
        "drivers and not the inspectors, and nobody did.",
        "It was the worst day of my working life.'",
    ]


def test_a_part_without_a_word_stays_with_the_sentence_before_it() -> None:
    # French segmentation of a blanked quotation can leave '". ' as a part of its own
    parts = ['Il a demandé : "Qui paie ? ', '". ', "La réunion reprendra vendredi."]
    piece = "".join(parts)
    cuts = cut_points(piece, [len(part) for part in parts])
    assert [piece[a:b].strip() for a, b in zip(cuts, [*cuts[1:], len(piece)], strict=True)] == [
        'Il a demandé : "Qui paie ? ".',
        "La réunion reprendra vendredi.",
    ]


def test_a_short_quotation_stays_one_sentence() -> None:
    paragraph = '"We won. It was a great day," the captain said after the final whistle.'
    assert [s.text for s in split_sentences([paragraph])] == [paragraph]


def test_sentence_word_count() -> None:
    [sentence] = split_sentences(["The library will close in May."])
    assert sentence.words == 6


def test_german_sentences() -> None:
    sentences = split_sentences(
        ["Der Rat tagte am Montag. Er beschloss, die Bibliothek zu schließen."], "de"
    )
    assert len(sentences) == 2


# extract_keywords


def _tokens(phrase: str) -> set[str]:
    return {t.lower().strip("'’-") for t in TOKEN.findall(phrase)}


@pytest.mark.parametrize("count", [1, 8])
@pytest.mark.parametrize("text", [HARBOUR, CHIP_PLANT], ids=["harbour", "chip-plant"])
def test_keywords_are_at_most_count(text: str, count: int) -> None:
    keywords = extract_keywords(text, count)
    assert 1 <= len(keywords) <= count


@pytest.mark.parametrize("text", [HARBOUR, CHIP_PLANT], ids=["harbour", "chip-plant"])
def test_no_keyword_is_a_token_subset_of_another(text: str) -> None:
    keywords = extract_keywords(text, 10)
    for i, first in enumerate(keywords):
        for second in keywords[i + 1 :]:
            assert not _tokens(first) <= _tokens(second), (first, second)
            assert not _tokens(second) <= _tokens(first), (first, second)


def test_no_bare_numbers_among_keywords() -> None:
    text = (
        "The 2026 budget sets aside 1,400 million for 2027 and 2028. "
        "In 2026 the council will spend 1,400 million on 2027 projects, 2028 projects and "
        "roads. The 2026 budget was approved by 1,400 votes in 2027."
    )
    keywords = extract_keywords(text, 10)
    assert keywords
    for keyword in keywords:
        assert not re.fullmatch(r"[\d\s.,%£$€'’-]+", keyword), keyword


@pytest.mark.parametrize("text", [HARBOUR, CHIP_PLANT], ids=["harbour", "chip-plant"])
def test_keywords_come_from_the_article(text: str) -> None:
    for keyword in extract_keywords(text, 8):
        assert keyword.lower() in text.lower()


@pytest.mark.parametrize(("text", "count"), [(HARBOUR, 0), (HARBOUR, -1), ("", 5), ("  \n ", 5)])
def test_no_keywords_for_zero_count_or_empty_text(text: str, count: int) -> None:
    assert extract_keywords(text, count) == []


def test_keywords_for_a_language_yake_does_not_know_fall_back_to_english() -> None:
    assert extract_keywords(ENGLISH, 3, language="und")


def test_german_keywords() -> None:
    keywords = extract_keywords(GERMAN, 3, language="de")
    assert keywords
    assert all(keyword.lower() in GERMAN.lower() for keyword in keywords)


# detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [(ENGLISH, "en"), (GERMAN, "de"), (FRENCH, "fr"), (HARBOUR, "en")],
    ids=["en", "de", "fr", "harbour"],
)
def test_language_is_detected(text: str, language: str) -> None:
    detected = detect_language(text)
    assert detected.language == language
    assert detected.confidence >= 0.9


@pytest.mark.parametrize("text", ["12345 !!!", "", "---"], ids=repr)
def test_text_without_language_is_undetermined(text: str) -> None:
    assert detect_language(text).language == UNDETERMINED == "und"


def test_confidence_threshold_is_honoured() -> None:
    assert detect_language(ENGLISH, min_confidence=1.01).language == "und"
