"""Chunking for transformer inputs: nothing dropped, nothing over the limit."""

from __future__ import annotations

from collections.abc import Sequence

from worker.nlp.backends.chunks import pack, split_long


def words(texts: Sequence[str]) -> list[int]:
    """A token counter where every word is one token."""
    return [len(t.split()) for t in texts]


def test_sentences_are_packed_in_order_up_to_the_limit() -> None:
    sentences = ["a b c", "d e", "f g h i", "j"]
    assert pack(sentences, words, 5) == ["a b c d e", "f g h i j"]


def test_a_sentence_over_the_limit_is_cut_into_runs_that_fit() -> None:
    long = " ".join(f"w{i}" for i in range(100_000))
    chunks = pack([long], words, 512)
    assert all(n <= 512 for n in words(chunks))
    assert " ".join(chunks).split() == long.split()  # every word kept, in order


def test_text_that_fits_is_left_whole() -> None:
    assert split_long("one two three", 3, 3) == ["one two three"]
    assert pack([], words, 10) == []
