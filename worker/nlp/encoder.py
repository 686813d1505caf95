"""The sentence encoder: a transformer with mean pooling, and what the pipeline needs of one.

Long inputs are never truncated silently: a text longer than the model's window is split into
windows whose embeddings are averaged. Batches are sorted by length to keep padding small. The
forward pass itself is a runtime's (:mod:`worker.nlp.runtimes`); :mod:`worker.nlp.loading`
builds the encoder with its tokenizer and runtime, once per process.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import numpy as np

from worker.nlp.runtimes import Runtime
from worker.nlp.vectors import unit
from worker.nlp.weights.manifest import ModelSpec

# The tokens a tokenizer adds around one text: [CLS] … [SEP] (BERT), <s> … </s> (BART).
SPECIAL_TOKENS = 2


class Encoder(Protocol):
    """What the pipeline needs from a sentence encoder (this one, or the batching wrapper)."""

    spec: ModelSpec
    device: str
    precision: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class SentenceEncoder:
    """Embeds texts into L2-normalised vectors (one row per text)."""

    def __init__(
        self,
        spec: ModelSpec,
        tokenizer: Any,
        runtime: Runtime,
        *,
        device: str,
        dimension: int,
        batch_size: int,
        batch_tokens: int,
    ) -> None:
        """An encoder of `spec`'s model: its tokenizer, and the runtime that runs it on `device`."""
        self.spec = spec
        self.tokenizer = tokenizer
        self.runtime = runtime
        self.device = device
        self.dimension = dimension
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self.window = spec.max_tokens - SPECIAL_TOKENS
        self.precision = runtime.precision

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word-piece counts without special tokens."""
        ids = self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [len(x) for x in ids]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of `texts` as a float32 array of shape (len(texts), dimension)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        windows, owners = self._windows(texts)
        vectors = self._encode_windows(windows)
        summed = np.zeros((len(texts), self.dimension), dtype=np.float32)
        np.add.at(summed, np.asarray(owners), vectors)
        return unit(summed)

    def _windows(self, texts: Sequence[str]) -> tuple[list[list[int]], list[int]]:
        """Token-id windows of at most the model's length, and which text each belongs to."""
        ids = self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        windows: list[list[int]] = []
        owners: list[int] = []
        for owner, token_ids in enumerate(ids):
            for start in range(0, max(len(token_ids), 1), self.window):
                windows.append(token_ids[start : start + self.window])
                owners.append(owner)
        return windows, owners

    def _encode_windows(self, windows: list[list[int]]) -> np.ndarray:
        out = np.zeros((len(windows), self.dimension), dtype=np.float32)
        for batch in self._batches(windows):
            out[batch] = self._forward([windows[i] for i in batch])
        return out

    def _batches(self, windows: list[list[int]]) -> Iterator[list[int]]:
        """Window indexes in batches of similar length: at most `batch_size` windows, and at
        most `batch_tokens` tokens once padded (the batch's longest window sets the width)."""
        batch: list[int] = []
        for i in sorted(range(len(windows)), key=lambda i: len(windows[i])):
            width = len(windows[i]) + SPECIAL_TOKENS
            if batch and (
                len(batch) == self.batch_size or (len(batch) + 1) * width > self.batch_tokens
            ):
                yield batch
                batch = []
            batch.append(i)
        if batch:
            yield batch

    def _forward(self, windows: list[list[int]]) -> np.ndarray:
        cls_id, sep_id = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        features = [{"input_ids": [cls_id, *w, sep_id]} for w in windows]
        batch = self.tokenizer.pad(features, return_tensors="np")
        ids = np.asarray(batch["input_ids"], dtype=np.int64)
        return self.runtime.pooled(ids, np.asarray(batch["attention_mask"], dtype=np.int64))
