"""Baseline summarisers: Lead-k and TextRank, on the pipeline's own sentences.

Both start from the article as the pipeline sees it (:func:`worker.nlp.cleaning.clean`, then
:func:`worker.nlp.sentences.split_sentences`), so a difference in scores comes from choosing
sentences, not from cleaning or splitting them differently.
"""

from __future__ import annotations

from collections.abc import Sequence

from worker.errors import NoTextFound
from worker.nlp.cleaning import clean
from worker.nlp.sentences import split_sentences
from worker.nlp.textrank import textrank_scores


def article_sentences(text: str, title: str | None = None, language: str = "en") -> list[str]:
    """The article's sentences after cleaning; empty when cleaning leaves no text."""
    try:
        cleaned = clean(text, title)
    except NoTextFound:
        return []
    return [s.text for s in split_sentences(cleaned.paragraphs, language)]


def lead(sentences: Sequence[str], k: int) -> list[str]:
    """The first `k` sentences (Lead-k)."""
    return list(sentences[:k])


def textrank(sentences: Sequence[str], k: int) -> list[str]:
    """The `k` most central sentences by PageRank over TF-IDF cosine similarity, in article
    order; ties go to the earlier sentence, and Lead-k stands in when there is no graph."""
    if len(sentences) <= k:
        return list(sentences)
    scores = textrank_scores(sentences)
    if scores is None:
        return lead(sentences, k)
    best = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))[:k]
    return [sentences[i] for i in sorted(best)]
