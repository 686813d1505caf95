"""The reprint generator of the reprint evaluation: each transformation does what it says."""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

import pytest

from worker.nlp.fingerprint import words
from worker.tools.evaluation.reprint_generator import (
    TRANSFORMS,
    Draft,
    add_boilerplate,
    change_quotes_whitespace,
    compose,
    cut_ending,
    draft,
    remove_boilerplate,
    replace_headline,
    reprint,
    reprint_with,
    reword_sentence,
)

PARAGRAPHS = [
    "The harbour authority in Kellsby said on Monday that it would spend four million pounds "
    "on a new sea wall, after winter storms flooded the fish market twice in one month.",
    'Work will start in May and last about a year, the authority said. "We cannot wait for '
    'the next storm," its chairwoman, Ruth Alder, told a meeting of traders.',
    "The wall will be two metres higher than the old one and will protect about forty "
    "businesses along the quay, many of them small family firms.",
    "Traders said they welcomed the plan but asked the council to help with the cost of "
    "repairs to their own premises, which insurers have refused to cover.",
    "The council is expected to discuss a support fund for the traders at its next meeting "
    "in March, a spokesman said.",
]
TITLE = "Kellsby harbour to get new sea wall"


@dataclass(frozen=True)
class Item:
    text: str
    title: str | None


ARTICLE = Item("\n\n".join(PARAGRAPHS), TITLE)


def _draft() -> Draft:
    return draft(ARTICLE.text, ARTICLE.title)


def test_a_seed_gives_the_same_reprint() -> None:
    first = [reprint(ARTICLE, Random(7)) for _ in range(2)]
    assert first[0] == first[1]
    others = {reprint(ARTICLE, Random(seed)).text for seed in range(10)}
    assert len(others) > 5


def test_a_reprint_records_at_least_one_transformation() -> None:
    for seed in range(30):
        made = reprint(ARTICLE, Random(seed))
        assert made.transformations
        assert set(made.transformations) <= set(TRANSFORMS)


def test_the_draft_of_an_article_renders_back_to_it() -> None:
    assert compose(_draft()).text == ARTICLE.text


def test_the_cut_keeps_a_prefix_of_at_least_half_the_words() -> None:
    original = words(ARTICLE.text)
    for seed in range(20):
        cut = cut_ending(_draft(), Random(seed))
        kept = words(compose(cut).text)
        assert cut.done == ("cut",)
        assert kept == original[: len(kept)]
        assert len(original) / 2 <= len(kept) < len(original)


def test_a_single_paragraph_is_cut_at_a_sentence() -> None:
    text = " ".join(PARAGRAPHS)
    kept = compose(cut_ending(draft(text, None), Random(3))).text
    assert text.startswith(kept)
    assert kept.endswith(".")


def test_a_two_sentence_article_is_not_cut() -> None:
    assert (
        reprint_with(Item("One short sentence here. And another one.", None), "cut", Random(1))
        is None
    )


def test_added_boilerplate_surrounds_the_whole_story() -> None:
    for seed in range(10):
        added = add_boilerplate(_draft(), Random(seed))
        assert added.done == ("boilerplate_added",)
        extra = [p for p in added.paragraphs if p not in PARAGRAPHS]
        assert extra, "no furniture line was added"
        places = [
            next(i for i, line in enumerate(added.paragraphs) if line.endswith(p))
            for p in PARAGRAPHS
        ]
        assert places == sorted(places), "the story's paragraphs are not kept in order"


def test_furniture_at_top_and_bottom_is_where_it_was_asked() -> None:
    wheres = set()
    for seed in range(20):
        added = add_boilerplate(_draft(), Random(seed))
        where = added.notes[0].split(":")[1]
        wheres.add(where)
        if where == "top":
            assert PARAGRAPHS[-1] == added.paragraphs[-1]
        if where == "bottom":
            assert added.paragraphs[0].endswith(PARAGRAPHS[0])
    assert wheres == {"top", "bottom", "both"}


def test_boilerplate_is_removed_only_where_there_is_some() -> None:
    furnished = Item(
        "(CNN)" + PARAGRAPHS[0] + "\n\nMedia playback is not supported on this device\n\n"
        + "\n\n".join(PARAGRAPHS[1:]) + "\n\nFind BBC News: East of England on Facebook",
        TITLE,
    )  # fmt: skip
    removed = reprint_with(furnished, "boilerplate_removed", Random(1))
    assert removed is not None
    assert removed.text == ARTICLE.text
    assert reprint_with(ARTICLE, "boilerplate_removed", Random(1)) is None
    assert remove_boilerplate(_draft(), Random(1)) == _draft()


def test_rewording_changes_one_sentence_only() -> None:
    for seed in range(20):
        reworded = reword_sentence(_draft(), Random(seed))
        changed = [(a, b) for a, b in zip(PARAGRAPHS, reworded.paragraphs, strict=True) if a != b]
        assert len(changed) == 1
        before, after = changed[0]
        assert words(before) != words(after)
        shared_words = set(words(before)) & set(words(after))
        assert len(shared_words) >= len(set(words(before))) - 4


@pytest.mark.parametrize("how", ["synonyms", "reorder", "words"])
def test_each_way_of_rewording_is_used(how: str) -> None:
    notes = {reword_sentence(_draft(), Random(seed)).notes[0] for seed in range(40)}
    assert f"reword:{how}" in notes


def test_straight_quotes_are_curled_and_curly_ones_straightened() -> None:
    curled = compose(change_quotes_whitespace(_draft(), Random(2))).text
    assert "“We cannot wait" in curled
    assert '"' not in curled
    assert words(curled) == words(ARTICLE.text)
    curly = Item(curled, TITLE)
    straight = reprint_with(curly, "quotes_whitespace", Random(2))
    assert straight is not None
    assert '"We cannot wait' in straight.text
    assert "“" not in straight.text


def test_whitespace_changes_keep_the_words() -> None:
    layouts = set()
    for seed in range(30):
        changed = change_quotes_whitespace(_draft(), Random(seed))
        layouts.add(changed.notes[0])
        text = compose(changed).text
        assert text != ARTICLE.text
        assert words(text) == words(ARTICLE.text)
    assert {f"quotes_whitespace:{n}" for n in ("blank", "newline", "wrapped", "wire")} == layouts


def test_the_headline_is_replaced() -> None:
    in_text = False
    for seed in range(20):
        made = compose(replace_headline(_draft(), Random(seed)))
        assert made.transformations == ("headline",)
        if made.title is None:
            in_text = True
            headline = made.text.split("\n\n")[0]
            assert headline != TITLE
            assert made.text.endswith(ARTICLE.text)
        else:
            assert made.title != TITLE
            assert made.text == ARTICLE.text
    assert in_text


def test_an_article_without_a_title_gets_one() -> None:
    made = reprint_with(Item(ARTICLE.text, None), "headline", Random(4))
    assert made is not None
    assert made.title or made.text.split("\n\n")[0] not in PARAGRAPHS


def test_rewording_leaves_the_dateline_alone() -> None:
    lead = "GLEN COVE, N.Y., April 8 - The county board said it would buy the old mill for parks."
    d = Draft(None, (lead,))
    for seed in range(20):
        reworded = reword_sentence(d, Random(seed))
        assert reworded.paragraphs[0].startswith("GLEN COVE, N.Y., April 8 - ")
