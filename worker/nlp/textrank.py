"""Lexical centrality: PageRank over TF-IDF cosine similarity between sentences (TextRank).

Shared by the summariser, where it is one signal among several, and by the TextRank baseline
of `newsworker eval`, where it is the whole method.
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

PAGERANK_DAMPING = 0.85
PAGERANK_MAX_ITER = 200


def textrank_scores(sentences: Sequence[str]) -> list[float] | None:
    """One PageRank score per sentence; None when the sentences share no scorable word."""
    try:
        matrix = TfidfVectorizer(stop_words="english").fit_transform(sentences)
    except ValueError:  # empty vocabulary: only stop words or punctuation
        return None
    similarity = np.asarray(cosine_similarity(matrix), dtype=np.float64)
    np.fill_diagonal(similarity, 0.0)
    if not similarity.any():
        return None
    graph = nx.from_numpy_array(similarity)
    try:
        ranks = nx.pagerank(graph, alpha=PAGERANK_DAMPING, max_iter=PAGERANK_MAX_ITER)
    except nx.PowerIterationFailedConvergence:
        return None
    return [float(ranks[i]) for i in range(len(sentences))]
