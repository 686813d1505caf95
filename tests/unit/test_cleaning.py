"""Cleaning: what reaches the summariser from a scraped page, an HTML page or plain text.

The scraped test article (tests/data/scraped_article.txt) carries a section-suffixed title, photo
captions with credits, sub-headings, related posts, a comment form and a repeated "You Missed"
list; its expected file lists what must survive and what must not. Each string is its own test,
so a failure names the text that leaked or went missing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from worker.errors import NoTextFound
from worker.nlp.cleaning import CleanText, clean, unwrap

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT / "tests" / "data"
EXPECTED = json.loads((DATA / "scraped_article.expected.json").read_text(encoding="utf-8"))
VACCINE_HTML = REPO_ROOT / "examples" / "vaccine-trial.html"

VACCINE_TITLE = "New RSV vaccine cuts hospital admissions among over-65s by 71%, trial finds"
# One distinctive phrase from each story paragraph of the HTML page, in page order.
VACCINE_STORY = [
    "reduced hospital admissions among adults over 65 by 71 per cent",
    "enrolled 24,800 volunteers across nine countries",
    "RSV is best known as a cause of serious illness in babies",
    "These are very encouraging results",
    "uses a stabilised version of a protein",
    "Side effects were mostly mild and short-lived.",
    "cautioned that the trial included relatively few people over the age of 85",
    "Corvane Biologics, said it would submit the results",
    "national vaccination advisory committee",
]
# Navigation, header, sidebar, cookie banner and footer text around the story.
VACCINE_PAGE_JUNK = [
    "Related stories",
    "Flu season peaks early",
    "How computer-designed proteins are changing vaccine research",
    "GP waiting times rise",
    "Winter pressures are now a year-round problem",
    "Advertisement",
    "We use cookies",
    "Accept all",
    "Manage preferences",
    "cookie policy",
    "Subscribe to our newsletter",
    "top stories delivered to your inbox",
    "All rights reserved",
    "Terms of use",
    "Privacy policy",
    "About us",
    "Sign in",
    "The Meridian Herald",
]


def _short_id(text: object) -> str:
    return str(text)[:48]


def _everything(cleaned: CleanText) -> str:
    """Every piece of text the cleaner kept, wherever it put it."""
    return "\n".join([cleaned.title or "", *cleaned.headings, *cleaned.paragraphs])


@pytest.fixture(scope="module")
def scraped() -> CleanText:
    """The scraped test article, cleaned once for the module."""
    return clean((DATA / "scraped_article.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def vaccine_page() -> CleanText:
    """The example HTML page, cleaned once for the module."""
    return clean(VACCINE_HTML.read_text(encoding="utf-8"))


def test_scraped_title_loses_its_section_suffix(scraped: CleanText) -> None:
    assert scraped.title == EXPECTED["title"]
    assert "|" not in (scraped.title or "")


@pytest.mark.parametrize("phrase", EXPECTED["must_keep"], ids=_short_id)
def test_scraped_story_text_is_kept(scraped: CleanText, phrase: str) -> None:
    assert phrase in scraped.text


@pytest.mark.parametrize("phrase", EXPECTED["must_drop"], ids=_short_id)
def test_scraped_page_junk_is_dropped(scraped: CleanText, phrase: str) -> None:
    assert phrase not in scraped.text


def test_scraped_subheadings_are_headings_not_paragraphs(scraped: CleanText) -> None:
    subheadings = ["Automation at the heart of the dispute", "Government urges return to talks"]
    assert all(heading in scraped.headings for heading in subheadings)
    assert not set(subheadings) & set(scraped.paragraphs)


def test_scraped_story_keeps_its_paragraph_order(scraped: CleanText) -> None:
    positions = [scraped.text.index(phrase) for phrase in EXPECTED["must_keep"]]
    assert positions == sorted(positions)


def test_html_page_yields_its_title_without_the_site_name(vaccine_page: CleanText) -> None:
    assert vaccine_page.title == VACCINE_TITLE


def test_html_page_yields_every_story_paragraph_in_order(vaccine_page: CleanText) -> None:
    found = [
        next(i for i, p in enumerate(vaccine_page.paragraphs) if phrase in p)
        for phrase in VACCINE_STORY
    ]
    assert found == sorted(found)
    assert len(set(found)) == len(VACCINE_STORY)


@pytest.mark.parametrize("junk", VACCINE_PAGE_JUNK)
def test_html_page_chrome_is_not_kept(vaccine_page: CleanText, junk: str) -> None:
    assert junk not in _everything(vaccine_page)


def test_html_figure_caption_is_not_a_paragraph(vaccine_page: CleanText) -> None:
    assert "A nurse prepares a dose" not in vaccine_page.text


def test_html_entities_are_decoded(vaccine_page: CleanText) -> None:
    assert "&ldquo;" not in vaccine_page.text
    assert "“These are very encouraging results,”" in vaccine_page.text


@pytest.mark.parametrize(
    "html",
    [
        "<!DOCTYPE html><html><head><title>Empty</title></head><body></body></html>",
        "<html><body><div></div><p></p><span> </span></body></html>",
    ],
    ids=["empty-body", "empty-elements"],
)
def test_html_page_without_text_raises_no_text_found(html: str) -> None:
    with pytest.raises(NoTextFound):
        clean(html)


def test_html_page_of_only_navigation_and_footer_raises_no_text_found() -> None:
    html = (
        "<!DOCTYPE html><html><head><title>The Herald</title></head><body>"
        '<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>'
        '<li><a href="/sport">Sport</a></li></ul></nav>'
        "<footer><p>© 2026 The Herald. All rights reserved.</p>"
        '<p><a href="/privacy">Privacy policy</a></p></footer></body></html>'
    )
    with pytest.raises(NoTextFound):
        clean(html)


def test_plain_text_of_only_boilerplate_raises_no_text_found() -> None:
    page = "\n".join(
        [
            "Skip to content",
            "Advertisement",
            "Share",
            "Click here to subscribe to the daily briefing.",
            "© 2026 The Herald. All rights reserved.",
            "Follow us on social media",
            "Leave a Reply",
        ]
    )
    with pytest.raises(NoTextFound):
        clean(page)


@pytest.mark.parametrize("raw", ["", "   ", "\n\n\t\n", "\u200b\ufeff"], ids=repr)
def test_blank_text_raises_no_text_found(raw: str) -> None:
    with pytest.raises(NoTextFound):
        clean(raw)


def test_no_text_found_is_an_input_error() -> None:
    from worker.errors import InputError

    with pytest.raises(InputError):
        clean("Advertisement")


def test_crlf_control_and_zero_width_characters_are_normalised() -> None:
    raw = (
        "\ufeffThe bridge\u200b reopened on\tMonday\xa0morning.\x07\r\n"
        "\r\n"
        "Engineers  said the\x00 repairs were finished early.\r"
        "Traffic was light.\x1b\r\n"
    )
    cleaned = clean(raw)
    assert cleaned.paragraphs == [
        "The bridge reopened on Monday morning.",
        "Engineers said the repairs were finished early.",
        "Traffic was light.",
    ]
    assert "\r" not in cleaned.text


def test_decomposed_accents_are_composed() -> None:
    cleaned = clean("The cafe\u0301 on the corner reopened on Monday.")
    assert cleaned.paragraphs == ["The caf\u00e9 on the corner reopened on Monday."]


def test_given_title_wins_over_the_first_line() -> None:
    raw = "Residents protest library closure\n\nThe council voted on Tuesday to close the library."
    cleaned = clean(raw, title="Council votes to close the town library")
    assert cleaned.title == "Council votes to close the town library"
    assert cleaned.paragraphs == ["The council voted on Tuesday to close the library."]


def test_first_short_unpunctuated_line_becomes_the_title() -> None:
    raw = "Council votes to close library\n\nThe council voted on Tuesday to close the library."
    cleaned = clean(raw)
    assert cleaned.title == "Council votes to close library"
    assert cleaned.paragraphs == ["The council voted on Tuesday to close the library."]


def test_short_article_without_a_title_line_is_kept_whole() -> None:
    raw = (
        "The council voted on Tuesday to close the town library. "
        "Residents said they would protest.\n\n"
        "A spokesperson said the building needed repairs it could not afford."
    )
    cleaned = clean(raw)
    assert cleaned.title is None
    assert cleaned.paragraphs == [
        "The council voted on Tuesday to close the town library. "
        "Residents said they would protest.",
        "A spokesperson said the building needed repairs it could not afford.",
    ]
    assert cleaned.text == raw
    assert cleaned.dropped == 0


def test_one_sentence_article_is_kept() -> None:
    raw = "The town library will close at the end of the month, the council said on Tuesday."
    assert clean(raw).paragraphs == [raw]


def test_repeated_paragraph_is_kept_once() -> None:
    line = "The council voted on Tuesday to close the town library after a long debate."
    cleaned = clean(f"{line}\n\nResidents said they would protest.\n\n{line}")
    assert cleaned.paragraphs.count(line) == 1
    assert cleaned.dropped == 1


def test_end_marker_cuts_everything_after_it() -> None:
    raw = (
        "The council voted on Tuesday to close the town library.\n\n"
        "Residents said they would protest outside the town hall.\n\n"
        "Related Posts\n\n"
        "Mayor opens new swimming pool after two-year delay.\n\n"
        "School wins national robotics prize for second year running."
    )
    cleaned = clean(raw)
    assert cleaned.paragraphs == [
        "The council voted on Tuesday to close the town library.",
        "Residents said they would protest outside the town hall.",
    ]


def test_unicode_line_and_paragraph_separators_keep_words_apart() -> None:
    cleaned = clean(
        "The first paragraph ends here.\u2029Second paragraph starts here.\u2028"
        "And a new line follows."
    )
    assert re.search(r"here\.\s+Second", cleaned.text)
    assert re.search(r"here\.\s+And", cleaned.text)


def test_story_paragraph_starting_with_copyright_is_kept() -> None:
    paragraph = "Copyright lawyers said the ruling would change how musicians sample old songs."
    cleaned = clean(f"The court ruled on Monday that sampling needs a licence.\n\n{paragraph}")
    assert paragraph in cleaned.paragraphs


def test_a_brief_without_full_stops_is_kept_as_text() -> None:
    cleaned = clean("Oil prices climb as OPEC trims output\n\nMarkets rally on the news")
    assert cleaned.title == "Oil prices climb as OPEC trims output"
    assert cleaned.paragraphs == ["Markets rally on the news"]
    single = clean("Fed raises interest rates by a quarter point")
    assert single.paragraphs == ["Fed raises interest rates by a quarter point"]


def test_a_lone_menu_word_is_not_an_article() -> None:
    with pytest.raises(NoTextFound):
        clean("Home")


def test_hard_wrapped_wire_copy_is_read_as_paragraphs_not_headings() -> None:
    wire = (
        "HONG KONG, April 8 - Mounting trade friction between the\n"
        "U.S. And Japan has raised fears among many of Asia's exporting\n"
        "nations, businessmen and officials said.\n"
        "    They told Reuter correspondents in Asian capitals a U.S.\n"
        "Move against Japan might boost protectionist sentiment.\n"
        "    But some exporters said the conflict would hurt them.\n"
    )
    cleaned = clean(wire, "ASIAN EXPORTERS FEAR DAMAGE")
    assert cleaned.headings == [] and len(cleaned.paragraphs) == 3
    assert cleaned.paragraphs[0].startswith("Mounting trade friction between the U.S. And Japan")
    assert cleaned.dateline is not None and cleaned.dateline.place == "HONG KONG"


def test_text_without_indented_paragraphs_is_not_unwrapped() -> None:
    text = "Council votes on budget\n\nThe council met on Monday.\nIt approved the plan."
    assert unwrap(text) == text


def test_a_short_wire_story_keeps_its_wrapped_first_paragraph_and_dateline() -> None:
    wire = (
        "JOHNSTOWN, Pa., April 8 - Shr 33 cts vs not given\n"
        "    Net 642,484 vs 362,883\n"
        "    NOTE: Company went public in October 1986.\n"
    )
    cleaned = clean(wire, "JOHNSTOWN SAVINGS BANK 1ST QTR NET")
    assert cleaned.dateline is not None and cleaned.dateline.place == "JOHNSTOWN, Pa."
    flash = (
        "WINNIPEG, April 8 - Japan bought 4,000 tonnes of Canadian\n"
        "rapeseed overnight at an undisclosed price for last half\n"
        "May/first half June shipment, trade sources said.\n"
    )
    cleaned = clean(flash, "JAPAN BUYS CANADIAN RAPESEED")
    assert cleaned.paragraphs == [
        "Japan bought 4,000 tonnes of Canadian rapeseed overnight at an undisclosed price for "
        "last half May/first half June shipment, trade sources said."
    ]


def test_bylines_timestamps_and_share_buttons_are_page_furniture() -> None:
    furniture = [
        "By Jane Smith, The Associated Press",
        "By TOM OKAFOR",
        "Published: 14:05 GMT, 3 March 2021",
        "Last updated on 3 March 2021",
        "5 min read",
        "Listen to this article",
        "Share on Facebook Share on Twitter Share via Email",
        "Reporting by Tom Okafor; Editing by Lars Berg",
        "Tags: news, world, politics",
    ]
    story = "The council approved the budget on Monday after a long debate."
    cleaned = clean("\n\n".join([*furniture[:5], story, *furniture[5:]]), "Budget passed")
    assert cleaned.paragraphs == [story] and cleaned.headings == []
    assert clean(f"By the numbers\n\n{story}", "Budget").headings == ["By the numbers"]


def test_content_keeps_every_kept_line_in_order_for_the_fingerprint() -> None:
    table = "NOTE: Full name Stewart and Stevenson Services Inc."
    text = "HOUSTON, April 8 - Shr profit 72 cts vs 14 cts\nRevs 72 mln vs 65 mln\n" + table
    cleaned = clean(text, "STEWART AND STEVENSON 4TH QTR NET")
    assert cleaned.paragraphs == [table]
    assert cleaned.content.split("\n\n") == [
        "Shr profit 72 cts vs 14 cts",
        "Revs 72 mln vs 65 mln",
        table,
    ]


def test_a_one_line_story_with_page_furniture_is_still_a_story() -> None:
    cleaned = clean(
        "RAYTHEON CO 1ST QTR SHR 1.37 DLRS VS 1.19 DLRS\nRead more: Other news\nSign up now"
    )
    assert cleaned.paragraphs == ["RAYTHEON CO 1ST QTR SHR 1.37 DLRS VS 1.19 DLRS"]


def test_related_links_after_a_one_line_story_are_cut() -> None:
    text = (
        "Ford raises quarterly payout 10 cts a share to 75 cts.\nRelated stories\n- Markets close"
    )
    assert clean(text, "Ford").content == "Ford raises quarterly payout 10 cts a share to 75 cts."
