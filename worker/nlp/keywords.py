"""Keywords with YAKE (unsupervised, per-document statistics), shaped into tags a person accepts.

YAKE proposes up to three-word phrases; many straddle a name and a verb ("Port Tessaly
voted") or carry a stop-word ("hopes of easing"). A phrase holding a capitalised run is cut to
that run (a name), other phrases with a stop-word or a past-tense word are dropped, and a tag
that is part of a better one (or contains it) is left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import yake

NGRAM_MAX = 3
CANDIDATES_PER_KEYWORD = 5
YAKE_LANGUAGES = frozenset(
    {"ar", "bg", "br", "cz", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr", "hi", "hr",
     "hu", "hy", "id", "it", "ja", "lt", "lv", "nl", "no", "pl", "pt", "ro", "ru", "sk", "sl",
     "sv", "tr", "uk", "zh"}
)  # fmt: skip
FILLER = frozenset(
    {"year", "years", "cent", "percent", "people", "time", "week", "month", "day", "today",
     "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)  # fmt: skip
TOKEN = re.compile(r"[\w'’-]+")


def extract_keywords(
    text: str, count: int, language: str = "en", exclude: Callable[[str], bool] | None = None
) -> list[str]:
    """Up to `count` keywords, best first, without near-duplicates, fragments or bare numbers,
    nor phrases `exclude` refuses (names the entities hold). Excluded phrases are dropped from
    the same pool of candidates, so that excluding costs nothing."""
    if count <= 0 or not text.strip():
        return []
    lan = language if language in YAKE_LANGUAGES else "en"
    extractor = yake.KeywordExtractor(
        lan=lan, n=NGRAM_MAX, top=count * CANDIDATES_PER_KEYWORD, dedupLim=0.7
    )
    stopwords = {w.lower() for w in extractor.stopword_set}
    shaped = (_shape(p, stopwords, text) for p, _score in extractor.extract_keywords(text))
    return _select([p for p in shaped if p and not (exclude and exclude(p))], count)


def _shape(phrase: str, stopwords: set[str], text: str) -> str | None:
    """The tag a phrase stands for, or None when it is not one."""
    tokens = phrase.split()
    run = _capitalised_run(tokens, stopwords)
    if len(run) == 1 and re.search(rf"\b{re.escape(run[0].lower())}\b", text):
        tokens, run = [run[0].lower()], []  # a capitalised first word, not a name
    if run:
        return None if run[0].lower() in FILLER else " ".join(run)
    lowered = [t.lower() for t in tokens]
    if any(t in stopwords or t.endswith(("ed", "ing")) for t in lowered):
        return None
    if len(tokens) == 1 and (lowered[0] in FILLER or len(lowered[0]) < 4):
        return None
    return " ".join(tokens)


def _capitalised_run(tokens: list[str], stopwords: set[str]) -> list[str]:
    """The longest run of capitalised tokens that are not sentence-initial stop-words."""
    best: list[str] = []
    current: list[str] = []
    for token in tokens:
        if token[:1].isupper() and token.lower() not in stopwords:
            current.append(token)
            best = max(best, current, key=len)
        else:
            current = []
    return list(best)


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
