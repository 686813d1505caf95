"""Zero-shot topic tagging: compare the article's embedding with each label's description.

A taxonomy file (YAML or JSON) lists topics with a label, an optional QCode and one or more
descriptions. Each topic's vector is the normalised mean of its descriptions' embeddings,
computed once per process. Scores are a softmax over the taxonomy, so a topic's score is its
share of the article (they sum to 1) and a threshold such as 0.1 reads the same for any article.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from worker.errors import ConfigError

Encode = Callable[[Sequence[str]], np.ndarray]
TEMPERATURE = 0.04


@dataclass(frozen=True)
class TopicDef:
    """One topic of a taxonomy."""

    label: str
    descriptions: tuple[str, ...]
    qcode: str | None = None


@dataclass(frozen=True)
class ScoredTopic:
    """A topic with its score (0..1)."""

    label: str
    score: float
    qcode: str | None


def load_taxonomy(path: Path) -> list[TopicDef]:
    """Read a taxonomy: ``topics: [{label, description(s), qcode}]`` or ``{label: description}``."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read taxonomy {path}: {exc}") from exc
    topics = _parse(data.get("topics", data) if isinstance(data, dict) else data)
    if len(topics) < 2:
        raise ConfigError(f"taxonomy {path} needs at least two topics")
    return topics


def _parse(data: Any) -> list[TopicDef]:
    if isinstance(data, dict):
        return [TopicDef(str(k), _descriptions(k, v)) for k, v in data.items()]
    if isinstance(data, list):
        return [_topic_from_entry(entry) for entry in data]
    raise ConfigError("a taxonomy is a mapping of label to description or a list of topics")


def _topic_from_entry(entry: Any) -> TopicDef:
    if not isinstance(entry, dict) or "label" not in entry:
        raise ConfigError(f"taxonomy entry {entry!r} has no label")
    raw = entry.get("descriptions", entry.get("description"))
    return TopicDef(str(entry["label"]), _descriptions(entry["label"], raw), entry.get("qcode"))


def _descriptions(label: Any, raw: Any) -> tuple[str, ...]:
    if raw is None:
        return (str(label),)
    if isinstance(raw, str):
        return (raw,)
    descriptions = tuple(str(item) for item in raw)
    if not descriptions:
        raise ConfigError(f"topic {label!r} has an empty list of descriptions")
    return descriptions


class ZeroShotTagger:
    """Scores an article embedding against a taxonomy's topic vectors."""

    def __init__(self, topics: list[TopicDef], encode: Encode) -> None:
        self.topics = topics
        texts = [d for t in topics for d in t.descriptions]
        owners = [i for i, t in enumerate(topics) for _ in t.descriptions]
        vectors = encode(texts)
        sums = np.zeros((len(topics), vectors.shape[1]), dtype=np.float32)
        np.add.at(sums, np.asarray(owners), vectors)
        self.matrix = sums / np.linalg.norm(sums, axis=1, keepdims=True)

    def scores(self, article: np.ndarray) -> np.ndarray:
        """A probability per topic (softmax of cosine similarities over the taxonomy)."""
        logits = (self.matrix @ article) / TEMPERATURE
        logits = logits - logits.max()
        weights = np.exp(logits)
        return np.asarray(weights / weights.sum(), dtype=np.float32)

    def tag(self, article: np.ndarray, max_topics: int, min_score: float) -> list[ScoredTopic]:
        """The best topics, best first: at most `max_topics`, each scoring at least `min_score`."""
        probabilities = self.scores(article)
        order = np.argsort(-probabilities)[:max_topics]
        return [
            ScoredTopic(
                self.topics[i].label, round(float(probabilities[i]), 4), self.topics[i].qcode
            )
            for i in order
            if probabilities[i] >= min_score
        ]
