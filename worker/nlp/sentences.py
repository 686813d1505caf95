"""Sentence splitting with sentencex (Wikimedia's rule-based segmenter for ~300 languages)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sentencex import segment

MIN_WORDS = 1


@dataclass(frozen=True)
class Sentence:
    """One sentence with where it stood: its index in the article and its paragraph."""

    text: str
    index: int
    paragraph: int

    @property
    def words(self) -> int:
        """Number of whitespace-separated words."""
        return len(self.text.split())


def split_sentences(paragraphs: Iterable[str], language: str = "en") -> list[Sentence]:
    """Split each paragraph into sentences, never joining text across paragraphs."""
    sentences: list[Sentence] = []
    for p_index, paragraph in enumerate(paragraphs):
        for text in _merge_fragments(segment(language, paragraph)):
            sentences.append(Sentence(text=text, index=len(sentences), paragraph=p_index))
    return sentences


def _merge_fragments(pieces: Iterable[str]) -> list[str]:
    """Glue a piece that starts in lower case back to the one before (an abbreviation split)."""
    merged: list[str] = []
    for piece in (p.strip() for p in pieces):
        if not piece:
            continue
        if merged and (piece[0].islower() or len(piece.split()) < MIN_WORDS):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged
