"""Vector helpers shared by the encoder, the taggers and the pipeline (numpy only)."""

from __future__ import annotations

import numpy as np

EPSILON = 1e-12


def unit(vectors: np.ndarray) -> np.ndarray:
    """`vectors` scaled to length 1 along the last axis (one vector or a batch), as float32."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, EPSILON), dtype=np.float32)
