"""Extractive summaries: score sentences with position, semantic and lexical centrality.

What makes a good extract depends on how much of the article it keeps, so there are two
profiles (tuned on the CNN/DailyMail, BBC and XSum dev sets with `newsworker eval`):

- **lede** — a short summary of several sentences (2–3 of a longer article, or under a quarter):
  news puts its point first, so position dominates and very short sentences (datelines,
  teasers) are skipped. This beats Lead-3 on CNN/DailyMail.
- **salience** — one sentence, or an abridgement: four or more sentences covering over a
  quarter of the article, or three or more covering over two fifths of a short one. The
  sentences most central to the article wherever they stand, by embedding centrality (cosine
  to the article's centroid) and lexical centrality (TextRank), weighted equally. This beats
  Lead-1 and TextRank on XSum and TextRank on BBC. An abridgement of a short article keeps
  nearly half of it anyway, so what it leaves out matters more than where it starts: on
  short BBC articles (3 of 6–7 sentences) the lede profile scored about 25 ROUGE-1 points
  below TextRank.

The picks come back in article order, and a sentence the article repeats word for word is
picked once. The lede profile leaves the lead only for a reason a reader can see: a short
teaser line, a caption, a sentence that points back. (It no longer weighs a sentence's likeness
to those already picked: on the CNN/DailyMail dev set that changed 6 summaries, 3 for the
better and 3 for the worse, and made the lede's departures hard to explain.) A
sentence that opens by pointing back ("He said…", "But…", :mod:`worker.nlp.standalone`) is
picked only after an earlier sentence, so that no summary opens with a reference the reader
never saw; captions, credits and bylines are not picked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from worker.nlp.sentences import Sentence
from worker.nlp.standalone import is_furniture, opens_unresolved
from worker.nlp.textrank import textrank_scores


@dataclass(frozen=True)
class Profile:
    """Weights of one scoring profile; sentences under `min_words` are picked only when too
    few others are left."""

    name: str
    position: float
    centrality: float
    lexical: float
    min_words: int
    position_decay: float = 1.0


LEDE = Profile("lede", position=2.0, centrality=0.0, lexical=0.0, min_words=12)
SALIENCE = Profile("salience", position=0.0, centrality=1.0, lexical=1.0, min_words=5)
WORD = re.compile(r"\w+")
# (at least this many sentences, over this share of the article's sentences) is an abridgement
ABRIDGEMENTS = ((4, 0.25), (3, 0.4))


def choose_profile(k: int, n: int) -> Profile:
    """The profile for a summary of `k` sentences out of `n`."""
    share = k / max(n, 1)
    if k == 1 or any(k >= least and share > over for least, over in ABRIDGEMENTS):
        return SALIENCE
    return LEDE


def sentence_scores(
    sentences: list[Sentence], embeddings: np.ndarray, centroid: np.ndarray, profile: Profile
) -> np.ndarray:
    """One relevance score per sentence (higher is better), before redundancy control."""
    n = len(sentences)
    position = np.exp(-np.arange(n, dtype=np.float64) / profile.position_decay)
    score = profile.position * position + profile.centrality * (embeddings @ centroid)
    if profile.lexical:
        lexical = textrank_scores([s.text for s in sentences])
        if lexical is not None:  # scaled so that the mean sentence scores 1
            score = score + profile.lexical * np.asarray(lexical) * n
    return np.asarray(score, dtype=np.float32)


@dataclass(frozen=True)
class Length:
    """How long a summary may be: `sentences` at most, and `words` at most when set."""

    sentences: int
    words: int | None = None


def summary_length(
    sentences: list[Sentence], count: int, ratio: float | None, words: int | None
) -> Length:
    """A word budget wins over a ratio of the article's sentences, which wins over a count."""
    n = len(sentences)
    if words is not None:
        mean_words = sum(s.words for s in sentences) / max(n, 1)
        return Length(max(1, min(n, round(words / max(mean_words, 1.0)))), words)
    if ratio is not None:
        return Length(max(1, round(ratio * n)))
    return Length(count)


def select(
    sentences: list[Sentence], *, embeddings: np.ndarray, centroid: np.ndarray, length: Length
) -> list[int]:
    """Indices of the sentences to keep, in article order."""
    k = length.sentences
    profile = choose_profile(k, len(sentences))
    scores = sentence_scores(sentences, embeddings, centroid, profile)
    candidates = [
        s.index for s in sentences if s.words >= profile.min_words and not is_furniture(s.text)
    ]
    if len(candidates) < k:
        candidates = [s.index for s in sentences]
    return _pick(sentences, _once_each(sentences, candidates, scores), scores, length)


def _once_each(sentences: list[Sentence], candidates: list[int], scores: np.ndarray) -> list[int]:
    """The candidates with each repeated sentence kept once, where it scores best."""
    best: dict[str, int] = {}
    for i in candidates:
        key = _normalised(sentences[i].text)
        if key not in best or scores[i] > scores[best[key]]:
            best[key] = i
    return sorted(best.values())


def _pick(
    sentences: list[Sentence], candidates: list[int], scores: np.ndarray, length: Length
) -> list[int]:
    """The best-scoring candidates, one at a time: a sentence that points back only after an
    earlier pick, and none that would overrun the word budget."""
    pointing = {s.index for s in sentences if opens_unresolved(s.text)}
    picked: list[int] = []
    budget = length.words
    while candidates and len(picked) < length.sentences:
        first = min(picked, default=len(sentences))
        allowed = [i for i in candidates if i not in pointing or i > first] or (
            candidates if not picked else []
        )
        if not allowed:
            break
        best = max(allowed, key=lambda i: scores[i])
        candidates.remove(best)
        if budget is not None and picked and sentences[best].words > budget:
            continue
        picked.append(best)
        budget = None if budget is None else budget - sentences[best].words
    return sorted(picked)


def _normalised(text: str) -> str:
    """A sentence's words, lower-cased: the same sentence repeated reads the same here."""
    return " ".join(WORD.findall(text.lower()))
