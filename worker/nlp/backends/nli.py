"""Zero-shot topics by natural-language inference (any model with an ``entailment`` label).

Each topic becomes a hypothesis (``This article is about <label>.``, the template is
``Settings.nli_template``) and the article the premise. A topic's score is the probability of
entailment against contradiction, as in the multi-label zero-shot recipe of Yin et al. (2019):
each topic is judged on its own, so scores do not sum to 1, and ``min_topic_score`` reads as
"at least this likely to be true of the article". A long article is read in windows of the
model's length (title and lead first, at most ``max_chunks`` of them) and the scores averaged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from worker.config import Settings
from worker.errors import ConfigError
from worker.nlp.backends.transformer import Loaded, WindowedTagger
from worker.nlp.taxonomy import TopicDef, read_taxonomy

PAIR_TOKENS = 3  # [CLS] premise [SEP] hypothesis [SEP]
HYPOTHESIS_TOKENS = 32  # room kept for the longest hypothesis


def entailment_ids(config: Any) -> tuple[int, int]:
    """The (entailment, contradiction) label ids of an NLI model's config."""
    by_name = {str(name).lower(): int(i) for i, name in config.id2label.items()}
    entail = next((i for name, i in by_name.items() if name.startswith("entail")), None)
    contra = next((i for name, i in by_name.items() if name.startswith("contradict")), None)
    if entail is None or contra is None:
        raise ConfigError(
            f"the model's labels {sorted(by_name)} have no entailment and contradiction; "
            "topic_backend=nli needs an NLI model (e.g. an MNLI fine-tune)"
        )
    return entail, contra


class NLITagger(WindowedTagger):
    """Scores each topic of a taxonomy as a hypothesis the article entails."""

    def __init__(
        self, loaded: Loaded, topics: list[TopicDef], name: str, settings: Settings
    ) -> None:
        super().__init__(loaded, settings, PAIR_TOKENS + HYPOTHESIS_TOKENS)
        self.name = name
        self.labels = [t.label for t in topics]
        self.qcodes = [t.qcode for t in topics]
        self.hypotheses = [settings.nli_template.format(t.label) for t in topics]
        self.entail, self.contra = entailment_ids(loaded.model.config)

    @classmethod
    def for_taxonomy(cls, loaded: Loaded, path: Path, settings: Settings) -> NLITagger:
        """A tagger for another taxonomy file on an already loaded model."""
        taxonomy = read_taxonomy(path)
        return cls(loaded, taxonomy.topics, taxonomy.name, settings)

    def info(self) -> dict[str, str]:
        """Results name the taxonomy and the NLI model."""
        return {"taxonomy": self.name, "topic_model": self.loaded.spec.name}

    def scores(self, texts: tuple[str, ...]) -> np.ndarray:
        """Entailment probability per topic, averaged over the article's windows."""
        premises = self.windows(texts)
        pairs = [(p, h) for p in premises for h in self.hypotheses]
        probabilities = self._entailment(pairs).reshape(len(premises), len(self.hypotheses))
        return np.asarray(probabilities.mean(axis=0), dtype=np.float32)

    @torch.inference_mode()
    def _entailment(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        out = []
        for start in range(0, len(pairs), self.batch_size):
            premises, hypotheses = zip(*pairs[start : start + self.batch_size], strict=True)
            batch = self.loaded.tokenizer(
                list(premises),
                list(hypotheses),
                return_tensors="pt",
                padding=True,
                truncation="only_first",
                max_length=self.loaded.max_input_tokens,
            ).to(self.loaded.device)
            logits = self.loaded.model(**batch).logits.float()
            two = logits[:, [self.contra, self.entail]].softmax(dim=-1)[:, 1]
            out.append(two.cpu().numpy())
        return np.concatenate(out)
