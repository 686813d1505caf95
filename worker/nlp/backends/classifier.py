"""Topics from a fine-tuned sequence classifier with its own label set, mapped to a taxonomy.

The model's labels (``config.id2label``) are renamed by the manifest entry's ``label_map``
(model label → taxonomy label); labels it does not map keep their names, and mapped labels
take their QCodes from the worker's taxonomy. A single-label model's probabilities (softmax)
of labels mapped to the same topic add up; a multi-label model (``problem_type`` is
``multi_label_classification``, sigmoid scores) keeps the highest. A long article is read in
windows of the model's length (at most ``max_chunks``) whose probabilities are averaged.
"""

from __future__ import annotations

import numpy as np
import torch

from worker.config import Settings
from worker.nlp.backends.transformer import Loaded, WindowedTagger
from worker.nlp.encoder import SPECIAL_TOKENS

MULTI_LABEL = "multi_label_classification"


class ClassifierTagger(WindowedTagger):
    """Tags with a fine-tuned classifier; results name the model."""

    def __init__(
        self,
        loaded: Loaded,
        label_map: dict[str, str],
        qcodes: dict[str, str | None],
        settings: Settings,
    ) -> None:
        super().__init__(loaded, settings, SPECIAL_TOKENS)
        config = loaded.model.config
        self.name = loaded.spec.key
        model_labels = [str(config.id2label[i]) for i in range(config.num_labels)]
        self.labels = list(dict.fromkeys(label_map.get(x, x) for x in model_labels))
        self.qcodes = [qcodes.get(label) for label in self.labels]
        self.columns = [self.labels.index(label_map.get(x, x)) for x in model_labels]
        self.multi_label = config.problem_type == MULTI_LABEL

    def info(self) -> dict[str, str]:
        """Results name the classifier."""
        return {"topic_model": self.loaded.spec.name}

    def scores(self, texts: tuple[str, ...]) -> np.ndarray:
        """A score per topic: window probabilities averaged, then merged per taxonomy label."""
        per_label = self._probabilities(self.windows(texts)).mean(axis=0)
        merged = np.zeros(len(self.labels), dtype=np.float32)
        for column, target in enumerate(self.columns):
            if self.multi_label:
                merged[target] = max(merged[target], per_label[column])
            else:
                merged[target] += per_label[column]
        return merged

    @torch.inference_mode()
    def _probabilities(self, windows: list[str]) -> np.ndarray:
        out = []
        for start in range(0, len(windows), self.batch_size):
            batch = self.loaded.tokenizer(
                windows[start : start + self.batch_size],
                return_tensors="pt",
                padding=True,
                truncation=True,
                max_length=self.loaded.max_input_tokens,
            ).to(self.loaded.device)
            logits = self.loaded.model(**batch).logits.float()
            probs = logits.sigmoid() if self.multi_label else logits.softmax(dim=-1)
            out.append(probs.cpu().numpy())
        return np.concatenate(out)
