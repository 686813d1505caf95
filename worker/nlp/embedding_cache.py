"""Embeddings of a taxonomy's texts kept on disk, so that a worker process does not embed the
same phrases at every start: the IPTC tree's 4,569 prototype phrases take 3.2 s per process on
this project's 2-core machine, and each prefork child builds its own.

An entry is one ``.npy`` file named by the sha256 of the model's identity (name, weights'
sha256, precision) and the texts, so a changed model, precision or description is a new entry;
it is written to a temporary file and renamed, so a reader never sees half of one. A missing,
unreadable or mis-shaped entry is embedded again; a cache directory that cannot be written is
skipped. Only embeddings are stored (``allow_pickle`` stays off when reading).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
Encode = Callable[[Sequence[str]], np.ndarray]


class CachedEncode:
    """`encode`, with its results for the same texts kept under `directory` (None: no cache)."""

    def __init__(self, encode: Encode, directory: Path | None, model: str) -> None:
        self.encode = encode
        self.directory = directory
        self.model = model

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        if self.directory is None or not texts:
            return self.encode(texts)
        path = self.directory / f"{self.key(texts)}.npy"
        found = _read(path, len(texts))
        if found is not None:
            return found
        vectors = self.encode(texts)
        _write(path, vectors)
        return vectors

    def key(self, texts: Sequence[str]) -> str:
        """The entry's name: the model's identity and the texts, hashed."""
        digest = hashlib.sha256(self.model.encode("utf-8"))
        for text in texts:
            digest.update(b"\0" + text.encode("utf-8"))
        return digest.hexdigest()


def _read(path: Path, rows: int) -> np.ndarray | None:
    try:
        vectors = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return vectors if vectors.ndim == 2 and len(vectors) == rows else None


def _write(path: Path, vectors: np.ndarray) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as file:
            np.save(file, vectors)
        os.replace(temporary, path)
    except OSError as exc:
        log.info("embedding cache %s not written: %s", path.parent, exc)
