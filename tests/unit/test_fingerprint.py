"""Fingerprints of article bodies: what counts as the same text, and containment estimates."""

from __future__ import annotations

import numpy as np

from worker.nlp.fingerprint import NUM_PERM, Fingerprint, fingerprint, shingles, words

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
