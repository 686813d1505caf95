"""Does a summary read on its own? The rules of issue 17, checked on each summary.

A summary is read without the article, so:

- ``unresolved_opening``: it must not open with a word that points back to something the
  reader never saw: a personal pronoun ("He said…"), a demonstrative ("This…", "Those…"; not
  "This week"), or a connective ("But…", "However…", "It follows…");
- ``wire_credit``: no sentence may carry a wire or network credit ("(CNN) --", "(Reuters)");
- ``dateline``: no sentence may open with a dateline ("LONDON, March 3 -", "WASHINGTON —");
- ``caption``: no photo caption or credit ("Photo: …", "(Getty Images)", "Image caption");
- ``byline``: no byline or stamp ("By . Jane Smith .", "PUBLISHED: 12:01 EST");
- ``order``: the sentences come in article order.

:func:`check_summary` gives the rules one summary breaks; :func:`rule_shares` the share of
summaries that break each rule, which ``newsworker eval`` reports beside ROUGE.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from worker.nlp.datelines import split_dateline
from worker.nlp.standalone import BYLINE, CAPTION, WIRE_CREDIT, opens_unresolved

RULES = ("unresolved_opening", "wire_credit", "dateline", "caption", "byline", "order")

DASH_DATELINE = re.compile(r"^[A-Z][A-Z .,'-]{2,40}(?:,[^-—–]{0,30})?\s+(?:--|—|–|-)\s")


def has_dateline(sentence: str) -> bool:
    """Whether the sentence opens with a dateline ("LONDON, March 3 -", "WASHINGTON —")."""
    if WIRE_CREDIT.match(sentence):  # "(CNN) --" is a wire credit, counted as such
        return False
    return split_dateline(sentence)[0] is not None or bool(DASH_DATELINE.match(sentence))


def check_summary(summary: Sequence[str], article: Sequence[str] | None = None) -> set[str]:
    """The rules (of :data:`RULES`) that a summary, given as its sentences, breaks; ``order``
    only where the article's sentences are given."""
    broken: set[str] = set()
    if summary and opens_unresolved(summary[0]):
        broken.add("unresolved_opening")
    for sentence in summary:
        if WIRE_CREDIT.search(sentence):
            broken.add("wire_credit")
        if has_dateline(sentence):
            broken.add("dateline")
        if CAPTION.search(sentence):
            broken.add("caption")
        if BYLINE.search(sentence):
            broken.add("byline")
    if article is not None and not in_article_order(summary, article):
        broken.add("order")
    return broken


def in_article_order(summary: Sequence[str], article: Sequence[str]) -> bool:
    """Whether the summary's sentences that are article sentences come in article order."""
    where = {sentence: i for i, sentence in reversed(list(enumerate(article)))}
    places = [where[s] for s in summary if s in where]
    return places == sorted(places)


def rule_shares(broken: Sequence[set[str]]) -> dict[str, float]:
    """The share (×100, 2 places) of summaries that break each rule, and of those that break
    any."""
    n = max(len(broken), 1)
    shares = {rule: round(100 * sum(rule in b for b in broken) / n, 2) for rule in RULES}
    return {**shares, "any": round(100 * sum(bool(b) for b in broken) / n, 2)}
