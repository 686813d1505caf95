"""Does a sentence read on its own, without the article around it?

- :func:`opens_unresolved`: it opens by pointing back to something before it ("He said…",
  "It follows…", "But…", "This is…"), which leaves a reader of the summary asking who or what;
- :func:`is_furniture`: it carries a wire credit, a photo caption or credit, or a byline.

The summariser (:mod:`worker.nlp.summarise`) keeps summaries from opening with the first and
from holding the second; ``newsworker eval`` counts both
(:mod:`worker.tools.evaluation.readability`).
"""

from __future__ import annotations

import re

PRONOUNS = frozenset((
    "he", "she", "it", "they", "him", "her", "them", "his", "hers", "its", "their", "theirs",
    "we", "us", "our",
))  # fmt: skip  # "I" and "you" open quotes and direct address, which read on their own
DEMONSTRATIVES = frozenset(("this", "that", "these", "those", "such"))
CONNECTIVES = frozenset((
    "but", "however", "and", "also", "so", "yet", "meanwhile", "moreover", "furthermore",
    "still", "instead", "then", "nevertheless", "nonetheless", "besides", "otherwise", "thus",
    "hence", "therefore", "consequently", "additionally", "likewise", "similarly", "nor", "or",
    "alternatively", "indeed",
))  # fmt: skip
# A demonstrative before one of these names a time, which needs no antecedent ("This week").
TIME_NOUNS = frozenset((
    "year", "years", "week", "weeks", "month", "months", "morning", "afternoon", "evening",
    "night", "weekend", "season", "summer", "winter", "spring", "autumn", "fall", "time",
    "century", "decade", "day", "days", "quarter",
))  # fmt: skip
OPENING_PHRASES = ("it follows", "that is why", "this is why", "as a result", "in addition")
FREE_PHRASES = ("instead of", "so far", "so called", "still life", "then president")
QUOTES = "\"“‘'"
FIRST_WORDS = re.compile(r"[A-Za-z']+")


def opens_unresolved(sentence: str) -> bool:
    """Whether the sentence opens with a pronoun, demonstrative or connective that points
    back to something before it ("US" and "IT", in capitals, are not "us" and "it"; a quote
    opening with "We" is direct speech)."""
    found = FIRST_WORDS.findall(sentence[:80])
    if not found or (len(found[0]) > 1 and found[0].isupper()) or sentence.lstrip()[:1] in QUOTES:
        return False
    words = [w.lower() for w in found]
    head = " ".join(words[:3])
    if any(head.startswith(phrase) for phrase in OPENING_PHRASES):
        return True
    if any(head.startswith(phrase) for phrase in FREE_PHRASES):
        return False
    first = words[0]
    if first in DEMONSTRATIVES:
        return len(words) < 2 or words[1] not in TIME_NOUNS
    return first in PRONOUNS or first in CONNECTIVES


WIRE_CREDIT = re.compile(
    r"\((?:CNN|Reuters|AP|AFP|UPI|CNN Money|EW\.com|Mashable|CNET|WIRED|Bloomberg|PA)\)"
    r"|^(?:[A-Z][\w.,' ]{0,40})?\((?:CNN|Reuters|AP|AFP)\)",
)
CAPTION = re.compile(
    r"\b(?:photo|image|picture|video)\s*(?:caption|credit|source)\b|\((?:photo|file photo|"
    r"image|pictured)[^)]*\)|\bGetty Images\b|\bAFP/Getty\b|^(?:photo|image|picture)\s*:"
    r"|\bpictured\b\s*(?:above|below|left|right|here)?\s*[:,)]|\bclick here\b",
    re.IGNORECASE,
)
BYLINE = re.compile(
    r"^By\s+\.?\s*[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){0,3}\s*\.|\b(?:PUBLISHED|UPDATED)\s*:"
    r"|^By\s+(?:Daily Mail Reporter|Associated Press|Reuters|Mail Foreign Service)\b"
    r"|\bLast updated at\b",
)


def is_furniture(sentence: str) -> bool:
    """Whether the sentence carries a wire credit, a caption or photo credit, or a byline."""
    return any(p.search(sentence) for p in (WIRE_CREDIT, CAPTION, BYLINE))
