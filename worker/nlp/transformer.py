"""Loading a Hugging Face model for a backend: fetch if allowed, verify, place on a device.

Every transformer backend (abstractive summaries, NLI and classifier taggers) loads through
:func:`load_transformer`, so each refuses weights whose checksum differs from the manifest and
each runs in half precision on a GPU.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from transformers import AutoTokenizer
from transformers.utils import logging as hf_logging

from worker.config import Settings
from worker.errors import ModelError
from worker.nlp.chunks import pack
from worker.nlp.encoder import resolve_device
from worker.nlp.models import ModelSpec, verify_files
from worker.nlp.registry import ensure_present
from worker.nlp.topics import ScoredTopic, TagInput, select_topics

log = logging.getLogger(__name__)
UNBOUNDED = 1_000_000  # tokenizers without a known limit report ~1e30
DEFAULT_LIMIT = 512


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


def load_transformer(spec: ModelSpec, auto_class: Any, settings: Settings) -> Loaded:
    """Tokenizer and `auto_class` model from `spec`'s directory, checksums verified first."""
    ensure_present(spec, settings.allow_download)
    verify_files(spec)
    if not spec.pinned:
        log.warning("loading %s with no pinned checksums (models pin %s)", spec.path, spec.key)
    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    placed = resolve_device(settings.device)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(spec.path), local_files_only=True)
        model = auto_class.from_pretrained(str(spec.path), local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"cannot load {spec.name} from {spec.path}: {exc}") from exc
    if placed == "cuda":
        model = model.half()
    model = model.to(placed).eval()
    positions = _model_limit(tokenizer, model)
    return Loaded(
        spec, tokenizer, model, placed, min(settings.max_input_tokens, positions), positions
    )


def _model_limit(tokenizer: Any, model: Any) -> int:
    """The most tokens the model reads at once: its positions, or the tokenizer's limit."""
    positions = getattr(model.config, "max_position_embeddings", None)
    limits = [int(n) for n in (tokenizer.model_max_length, positions) if n and n < UNBOUNDED]
    return min(limits) if limits else DEFAULT_LIMIT


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

    def tag(self, article: TagInput, max_topics: int, min_score: float) -> list[ScoredTopic]:
        """The best-scoring topics, best first."""
        if not article.texts:
            return []
        with self.loaded.lock:
            scores = self.scores(article.texts)
        return select_topics(scores, self.labels, self.qcodes, max_topics, min_score)
