"""Fingerprints of article bodies: what counts as the same text, and containment estimates."""

from __future__ import annotations

import numpy as np

from worker.nlp.fingerprint import (
    BRIEF_PERM,
    NUM_PERM,
    Fingerprint,
    Match,
    fingerprint,
    shingles,
    words,
)

STORY = " ".join(
    f"Paragraph {i}: the harbour authority said {i * 3} container ships waited outside the "
    f"port on day {i} of the strike by crane operators in the northern district."
    for i in range(12)
)


def test_quotes_case_dashes_and_whitespace_do_not_count() -> None:
    edited = STORY.replace("the harbour", "The  Harbour").replace(":", " —")
    assert words(edited) == words(STORY)
    assert np.array_equal(fingerprint(edited).hashes, fingerprint(STORY).hashes)


def test_a_story_cut_to_half_is_contained_in_the_whole() -> None:
    whole, half = fingerprint(STORY), fingerprint(STORY[: len(STORY) // 2])
    assert whole.jaccard(half) < 0.7
    assert half.containment(whole) > 0.85
    assert whole.containment(half) == half.containment(whole)


def test_unrelated_texts_share_nothing() -> None:
    other = fingerprint("Markets rallied on Tuesday as investors cheered lower inflation figures.")
    assert fingerprint(STORY).containment(other) < 0.1


def test_a_short_text_is_one_shingle_and_an_empty_one_none() -> None:
    assert shingles("Three short words") == {b"three short words"}
    assert fingerprint("").size == 0
    assert fingerprint("").containment(fingerprint("")) == 0.0


def test_bytes_round_trip() -> None:
    original = fingerprint(STORY)
    raw = original.to_bytes()
    assert len(raw) == 4 + 4 * NUM_PERM
    back = Fingerprint.from_bytes(raw)
    assert back.size == original.size and np.array_equal(back.hashes, original.hashes)


FLASH = (
    "Hospital Corp says it received a 47 dlr a share offer from an investor group led by its "
    "chairman"
)


def test_a_short_body_carries_a_brief_and_a_long_one_none() -> None:
    brief = fingerprint(FLASH).brief
    assert brief is not None and brief.words == len(words(FLASH))
    assert brief.numbers.size == 1 and brief.hashes.size == BRIEF_PERM
    assert fingerprint(STORY).brief is None


def test_a_reworded_brief_is_a_copy_though_few_five_word_runs_survive() -> None:
    reworded = FLASH.replace("says", "already says").replace("an investor", "investor")
    original, copy = fingerprint(FLASH), fingerprint(reworded)
    assert original.containment(copy) < 0.7
    assert copy.compare(original, 0.7).copy


def test_briefs_with_other_figures_or_far_other_lengths_are_not_copies() -> None:
    original = fingerprint(FLASH)
    other_figure = fingerprint(FLASH.replace("47 dlr", "52 dlr"))
    assert not other_figure.compare(original, 0.7).copy
    reworded = FLASH.replace("says", "already says").replace("an investor", "investor")
    longer = fingerprint(f"{reworded}. " + " ".join(f"word{i}" for i in range(60)))
    assert longer.brief is not None and original.brief is not None
    assert longer.brief.similarity(original.brief) == 0.0
    assert not longer.compare(original, 0.7).copy


def test_a_brief_round_trips_through_bytes() -> None:
    original = fingerprint(FLASH)
    back = Fingerprint.from_bytes(original.to_bytes())
    assert back.brief is not None and original.brief is not None
    assert back.brief.words == original.brief.words
    for name in ("pairs", "numbers", "hashes"):
        assert np.array_equal(getattr(back.brief, name), getattr(original.brief, name))
    assert back.compare(original, 0.7) == Match(1.0, copy=True)


def test_the_index_stores_a_brief_without_its_band_values() -> None:
    original = fingerprint(FLASH)
    stored = Fingerprint.from_bytes(original.to_bytes(bands=False))
    assert stored.brief is not None and stored.brief.hashes.size == 0
    assert stored.compare(original, 0.7) == Match(1.0, copy=True)
    assert len(original.to_bytes()) - len(original.to_bytes(bands=False)) == 4 * BRIEF_PERM
