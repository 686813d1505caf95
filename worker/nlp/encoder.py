"""The sentence encoder: a transformer with mean pooling, loaded once per worker process.

Long inputs are never truncated silently: a text longer than the model's window is split into
windows whose embeddings are averaged. Batches are sorted by length to keep padding small.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer
from transformers.utils import logging as hf_logging

from worker.config import DEFAULT_BATCH_SIZE
from worker.nlp.models import ModelSpec, verify_files
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
        self, spec: ModelSpec, device: str = "auto", batch_size: int | None = None
    ) -> None:
        verify_files(spec)
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]  # quiet logs
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        self.spec = spec
        self.device = resolve_device(device)
        self.batch_size = batch_size or DEFAULT_BATCH_SIZE.get(self.device, 64)
        self.window = spec.max_tokens - SPECIAL_TOKENS
        self.tokenizer = AutoTokenizer.from_pretrained(str(spec.path), local_files_only=True)
        model = AutoModel.from_pretrained(str(spec.path), local_files_only=True)
        if self.device == "cuda":
            model = model.half()
        self.model = model.to(self.device).eval()
        self.dimension = int(self.model.config.hidden_size)

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

    @torch.inference_mode()
    def _encode_windows(self, windows: list[list[int]]) -> np.ndarray:
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        out = np.zeros((len(windows), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            out[batch] = self._forward([windows[i] for i in batch])
        return out

    def _forward(self, windows: list[list[int]]) -> np.ndarray:
        cls_id, sep_id = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        features = [{"input_ids": [cls_id, *w, sep_id]} for w in windows]
        batch = self.tokenizer.pad(features, return_tensors="pt").to(self.device)
        hidden = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        vectors: np.ndarray = pooled.float().cpu().numpy()
        return unit(vectors)


def set_torch_threads(threads: int) -> None:
    """Limit torch's intra-op threads in this process (call in each worker child)."""
    torch.set_num_threads(max(1, threads))
