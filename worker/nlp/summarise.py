"""Extractive summaries: score sentences with the encoder's embeddings, pick without redundancy.

News puts its point first, so a sentence's score mixes its position with how central it is to
the article (cosine to the centroid) and how close it is to the title; maximal marginal
relevance then keeps near-duplicates out. The chosen sentences are returned in article order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from worker.nlp.sentences import Sentence


@dataclass(frozen=True)
class SummaryWeights:
    """How much each signal counts; redundancy is the MMR penalty on similarity to picks."""

    centrality: float = 0.5
    title: float = 0.3
    position: float = 0.8
    redundancy: float = 0.5
    min_words: int = 5
    max_words: int = 80


def sentence_scores(
    embeddings: np.ndarray, centroid: np.ndarray, title: np.ndarray | None, w: SummaryWeights
) -> np.ndarray:
    """One relevance score per sentence (higher is better), before redundancy control."""
    n = embeddings.shape[0]
    position = 1.0 / np.sqrt(1.0 + np.arange(n, dtype=np.float32))
    score = w.centrality * (embeddings @ centroid) + w.position * position
    if title is not None:
        score = score + w.title * (embeddings @ title)
    return np.asarray(score, dtype=np.float32)


def select(
    sentences: list[Sentence],
    *,
    embeddings: np.ndarray,
    centroid: np.ndarray,
    title: np.ndarray | None,
    k: int,
    weights: SummaryWeights | None = None,
) -> list[int]:
    """Indices of the `k` sentences to keep, in article order."""
    w = weights or SummaryWeights()
    scores = sentence_scores(embeddings, centroid, title, w)
    candidates = [s.index for s in sentences if w.min_words <= s.words <= w.max_words]
    if len(candidates) < k:
        candidates = [s.index for s in sentences]
    picked: list[int] = []
    while candidates and len(picked) < k:
        best = max(candidates, key=lambda i: _mmr(i, scores, embeddings, picked, w.redundancy))
        picked.append(best)
        candidates.remove(best)
    return sorted(picked)


def _mmr(
    i: int, scores: np.ndarray, embeddings: np.ndarray, picked: list[int], redundancy: float
) -> float:
    if not picked:
        return float(scores[i])
    similarity = float(np.max(embeddings[picked] @ embeddings[i]))
    return float(scores[i]) - redundancy * similarity
