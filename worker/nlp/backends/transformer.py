"""What the transformer backends share: a loaded model with its tokenizer, and windowed tagging.

Every transformer backend (abstractive summaries, NLI and classifier taggers) is loaded by
:func:`worker.nlp.loading.load_transformer` into a :class:`Loaded`, so each refuses weights
whose checksum differs from the manifest and each runs in half precision on a GPU.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from worker.config import Settings
from worker.nlp.backends.chunks import pack
from worker.nlp.topics import ScoredTopic, TagInput, select_topics
from worker.nlp.weights.manifest import ModelSpec


@dataclass
class Loaded:
    """A tokenizer and model ready to run, with where they run and how much they read."""

    spec: ModelSpec
    tokenizer: Any
    model: Any
    device: str
    max_input_tokens: int
    max_positions: int  # the model's own limit, which also bounds generated sequences
    # One thread at a time per model: a fast tokenizer used from two threads at once fails
    # ("Already borrowed"), and one model's passes gain nothing from running side by side.
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def count_tokens(self, texts: Any) -> list[int]:
        """Token counts of `texts` without special tokens."""
        with self.lock:
            ids = self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [len(x) for x in ids]


class WindowedTagger:
    """Base of the taggers that read an article's text in windows of a transformer's length.

    Subclasses set `labels` and `qcodes` and compute `scores` from the windows.
    """

    labels: list[str]
    qcodes: list[str | None]

    def __init__(self, loaded: Loaded, settings: Settings, reserved_tokens: int) -> None:
        self.loaded = loaded
        self.window = loaded.max_input_tokens - reserved_tokens
        self.max_chunks = settings.max_chunks
        self.batch_size = settings.batch_size_for(loaded.device)

    def windows(self, texts: Sequence[str]) -> list[str]:
        """The article packed into windows, title and lead first, at most `max_chunks`."""
        return pack(texts, self.loaded.count_tokens, self.window)[: self.max_chunks]

    def scores(self, texts: tuple[str, ...]) -> np.ndarray:
        """A score per label."""
        raise NotImplementedError

    def tag(
        self, article: TagInput, max_topics: int, min_score: float, depth: int | None = None
    ) -> list[ScoredTopic]:
        """The best-scoring topics, best first."""
        if not article.texts:
            return []
        with self.loaded.lock:
            scores = self.scores(article.texts)
        return select_topics(scores, self.labels, self.qcodes, max_topics, min_score)
