"""The sentence encoder: a transformer with mean pooling, loaded once per worker process.

Long inputs are never truncated silently: a text longer than the model's window is split into
windows whose embeddings are averaged. Batches are sorted by length to keep padding small.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

import numpy as np
import torch
from transformers import AutoConfig, AutoTokenizer
from transformers.utils import logging as hf_logging

from worker.config import DEFAULT_BATCH_SIZE, DEFAULT_BATCH_TOKENS
from worker.nlp.models import ModelSpec, verify_files
from worker.nlp.runners import OnnxRunner, Runner, TorchRunner
from worker.nlp.vectors import unit

log = logging.getLogger(__name__)
SPECIAL_TOKENS = 2  # [CLS] and [SEP]


def resolve_device(device: str) -> str:
    """`auto` becomes `cuda` when a CUDA device is usable, else `cpu`."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        log.warning("device=cuda asked for, but no CUDA device is usable; using the CPU")
        return "cpu"
    return device


class SentenceEncoder:
    """Embeds texts into L2-normalised vectors (one row per text)."""

    def __init__(
        self,
        spec: ModelSpec,
        device: str = "auto",
        batch_size: int | None = None,
        batch_tokens: int | None = None,
        int8: ModelSpec | None = None,
    ) -> None:
        """Load `spec` (checksums verified); on a CPU, run the `int8` export instead if given."""
        verify_files(spec)
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]  # quiet logs
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        self.spec = spec
        self.device = resolve_device(device)
        self.batch_size = batch_size or DEFAULT_BATCH_SIZE.get(self.device, 64)
        self.batch_tokens = batch_tokens or DEFAULT_BATCH_TOKENS.get(self.device, 256)
        self.window = spec.max_tokens - SPECIAL_TOKENS
        self.tokenizer = AutoTokenizer.from_pretrained(str(spec.path), local_files_only=True)
        self.dimension = int(AutoConfig.from_pretrained(str(spec.path)).hidden_size)
        self.runner: Runner
        if int8 is not None and self.device == "cpu":
            self.runner = OnnxRunner(int8, torch.get_num_threads())
        else:
            self.runner = TorchRunner(spec.path, self.device)
        self.precision = self.runner.precision

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
        return self.runner.pooled(ids, np.asarray(batch["attention_mask"], dtype=np.int64))


def set_torch_threads(threads: int) -> None:
    """Limit torch's intra-op threads in this process (call in each worker child)."""
    torch.set_num_threads(max(1, threads))
