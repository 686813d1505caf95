"""Trained topic heads: a softmax regression on the article's topic vector, saved under models/.

A head is what ``newsworker train-topics`` (:mod:`worker.tools.train_topics`) fits on labelled
articles. It lives in one directory, ``models/heads/<name>/``::

    head.npz    weights (labels × dimension) and intercepts (labels), float32
    head.json   labels, the embedder's name and weights sha256, the feature recipe, the
                training date, the data it saw (file name and counts, never text) and its
                cross-validated accuracy and macro-F1

Scores are the regression's class probabilities: the probability that the topic is the
article's main topic, as with zero-shot scores (:mod:`worker.nlp.topics`), so
``min_topic_score`` and ``max_topics`` read the same with a head. Running a head needs numpy
only. A head is tied to the embedder it was trained on: loading it under another embedder, other
weights or another feature recipe raises ConfigError, because its weights would be meaningless.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from worker.errors import ConfigError
from worker.nlp.topics import FEATURES, ScoredTopic, TagInput, select_topics, softmax
from worker.nlp.weights.manifest import ModelSpec

WEIGHTS_FILE = "head.npz"
META_FILE = "head.json"
WEIGHTS_KEY = "model.safetensors"
HEAD_FORMAT = 1


@dataclass
class TopicHead:
    """A fitted head: one row of weights and one intercept per label, and what it was fitted on."""

    labels: list[str]
    weights: np.ndarray
    intercepts: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    name: str = "head"

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Class probabilities for one vector (shape labels) or a batch (rows × labels)."""
        return softmax(vectors @ self.weights.T + self.intercepts)

    def info(self) -> dict[str, str]:
        """Results tagged by a head name the head."""
        return {"topic_head": self.name}

    def tag(
        self, article: TagInput, max_topics: int, min_score: float, depth: int | None = None
    ) -> list[ScoredTopic]:
        """The most probable labels, best first: at most `max_topics`, each at least `min_score`."""
        qcodes = [None] * len(self.labels)
        scores = self.probabilities(article.vector)
        return select_topics(scores, self.labels, qcodes, max_topics, min_score)


def embedder_identity(spec: ModelSpec) -> dict[str, str]:
    """What ties a head to its embedder: the model's name and its weights' sha256."""
    return {"embedder": spec.name, "embedder_sha256": spec.sha256.get(WEIGHTS_KEY, "")}


def save_head(head: TopicHead, directory: Path) -> None:
    """Write head.npz and head.json into `directory` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    np.savez(
        directory / WEIGHTS_FILE,
        weights=head.weights.astype(np.float32),
        intercepts=head.intercepts.astype(np.float32),
    )
    meta = {"format": HEAD_FORMAT, **head.meta, "labels": head.labels}
    text = json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
    (directory / META_FILE).write_text(text, encoding="utf-8")


def load_head(directory: Path, spec: ModelSpec) -> TopicHead:
    """Read a head and check that it was trained on `spec`'s embedder; ConfigError if not."""
    meta = _read_meta(directory)
    _check_compatible(meta, spec, directory)
    try:
        with np.load(directory / WEIGHTS_FILE) as arrays:
            weights, intercepts = arrays["weights"], arrays["intercepts"]
    except (OSError, KeyError, ValueError) as exc:
        raise ConfigError(f"cannot read the head's weights in {directory}: {exc}") from exc
    labels = [str(label) for label in meta.get("labels", [])]
    if weights.shape[0] != len(labels) or intercepts.shape != (len(labels),):
        raise ConfigError(f"the head in {directory} has weights that do not match its labels")
    return TopicHead(labels, weights, intercepts, meta, directory.name)


def _read_meta(directory: Path) -> dict[str, Any]:
    path = directory / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"no topic head at {directory} (expected {META_FILE} and {WEIGHTS_FILE}); "
            "train one with `newsworker train-topics`"
        ) from exc
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    if not isinstance(meta, dict):
        raise ConfigError(f"{path} is not a JSON object")
    return meta


def _check_compatible(meta: dict[str, Any], spec: ModelSpec, directory: Path) -> None:
    expected = {**embedder_identity(spec), "features": FEATURES}
    for key, want in expected.items():
        if meta.get(key) != want:
            raise ConfigError(
                f"the topic head {directory.name!r} was trained with {key} "
                f"{meta.get(key)!r}, but this worker uses {want!r}; "
                "train the head again with `newsworker train-topics`"
            )
