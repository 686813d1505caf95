"""Keywords with YAKE (unsupervised, per-document statistics), filtered into usable tags."""

from __future__ import annotations

import re

import yake

NGRAM_MAX = 3
CANDIDATES_PER_KEYWORD = 4
YAKE_LANGUAGES = frozenset(
    {
        "ar",
        "bg",
        "br",
        "cz",
        "da",
        "de",
        "el",
        "en",
        "es",
        "et",
        "fa",
        "fi",
        "fr",
        "hi",
        "hr",
        "hu",
        "hy",
        "id",
        "it",
        "ja",
        "lt",
        "lv",
        "nl",
        "no",
        "pl",
        "pt",
        "ro",
        "ru",
        "sk",
        "sl",
        "sv",
        "tr",
        "uk",
        "zh",
    }
)
TOKEN = re.compile(r"[\w'’-]+")


def extract_keywords(text: str, count: int, language: str = "en") -> list[str]:
    """Up to `count` keywords, best first, without near-duplicates or bare numbers."""
    if count <= 0 or not text.strip():
        return []
    lan = language if language in YAKE_LANGUAGES else "en"
    extractor = yake.KeywordExtractor(
        lan=lan, n=NGRAM_MAX, top=count * CANDIDATES_PER_KEYWORD, dedupLim=0.7
    )
    candidates = [phrase for phrase, _score in extractor.extract_keywords(text)]
    return _select(candidates, count)


def _tokens(phrase: str) -> set[str]:
    return {t.lower().strip("'’-") for t in TOKEN.findall(phrase)}


def _select(candidates: list[str], count: int) -> list[str]:
    chosen: list[str] = []
    chosen_tokens: list[set[str]] = []
    for phrase in candidates:
        tokens = _tokens(phrase)
        if not tokens or all(t.isdigit() or len(t) < 2 for t in tokens):
            continue
        if any(tokens <= other or other <= tokens for other in chosen_tokens):
            continue
        chosen.append(phrase)
        chosen_tokens.append(tokens)
        if len(chosen) == count:
            break
    return chosen
