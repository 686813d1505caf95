"""The reprint benchmark's own helpers: the variants it accepts and the articles it makes up."""

from __future__ import annotations

import argparse
import random

import pytest

from bench.reprints import (
    Corpus,
    parse_variant,
    percentile,
    sentence_range,
    sentences_of,
    synthetic_article,
)


def test_a_variant_sets_constants_and_rows_alone_also_sets_the_bands() -> None:
    assert parse_variant("SHARDS=4096,ROWS=4") == {"SHARDS": 4096, "ROWS": 4, "BANDS": 16}


def test_a_variant_refuses_a_name_the_index_does_not_have() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="SHARD"):
        parse_variant("SHARD=4096")


def test_sentences_end_at_stops_before_a_capital_and_at_paragraphs() -> None:
    text = 'The council met on Monday. "It was long," she said.\n\nRoads   were next.'
    assert list(sentences_of(text)) == [
        "The council met on Monday.",
        '"It was long," she said.',
        "Roads were next.",
    ]


def test_synthetic_articles_are_seeded_and_as_long_as_news() -> None:
    sentences = [f"The council spent {i} million on roads and schools." for i in range(99)]
    corpus = Corpus(sentences, [w for s in sentences for w in s.split()])
    first = synthetic_article(random.Random(7), corpus)
    assert first == synthetic_article(random.Random(7), corpus)
    assert 8 <= len(first) <= 30
    assert first != synthetic_article(random.Random(8), corpus)


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile([3.0], 99)) == (50, 99, 3)


def test_a_sentence_range_is_low_dash_high() -> None:
    assert sentence_range("1-3") == (1, 3) and sentence_range("5") == (5, 5)
    for wrong in ("3-1", "0-2", "a-b"):
        with pytest.raises(argparse.ArgumentTypeError):
            sentence_range(wrong)
