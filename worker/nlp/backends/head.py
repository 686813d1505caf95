"""Trained topic heads: a softmax regression on the article's topic vector, saved under models/.

A head is what ``newsworker train-topics`` (:mod:`worker.tools.train_topics`) fits on labelled
articles. It lives in one directory, ``models/heads/<name>/``::

    head.npz    weights (labels × dimension) and intercepts (labels), float32
    head.json   labels, the embedder's name and weights sha256, the feature recipe, the
                training date, the data it saw (file name and counts, never text) and its
                cross-validated accuracy and macro-F1

A fine-tuned head (``train-topics --finetune``, :mod:`worker.nlp.finetune`) also holds the
encoder it was trained with, and head.json pins every file of the directory by its sha256::

    encoder/         the tuned transformer and its tokenizer (Hugging Face layout)
    encoder-int8/    model.onnx, its int8 export for the CPU path
    lexical.npz      a TF-IDF regression blended with the head (:mod:`worker.nlp.backends.lexical`)

A worker whose head is fine-tuned embeds with that encoder (:func:`tuned_encoder`): the same
architecture, so the same speed, and the head sees the vectors it was trained on.

Scores are the regression's class probabilities: the probability that the topic is the
article's main topic, as with zero-shot scores (:mod:`worker.nlp.topics`), so
``min_topic_score`` and ``max_topics`` read the same with a head. Running a head needs numpy
only. A head is tied to the embedder it was trained on: loading it under another embedder, other
weights or another feature recipe raises ConfigError, because its weights would be meaningless.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from worker.errors import ChecksumMismatch, ConfigError
from worker.nlp.backends.lexical import LexicalModel, load_lexical
from worker.nlp.topics import (
    FEATURES,
    Encode,
    ScoredTopic,
    TagInput,
    select_topics,
    softmax,
    topic_vector,
)
from worker.nlp.weights.manifest import ModelSpec, sha256_file, verify_files

WEIGHTS_FILE = "head.npz"
META_FILE = "head.json"
WEIGHTS_KEY = "model.safetensors"
HEAD_FORMAT = 1
ENCODER_DIR = "encoder"
INT8_DIR = "encoder-int8"


@dataclass
class TopicHead:
    """A fitted head: one row of weights and one intercept per label, and what it was fitted on."""

    labels: list[str]
    weights: np.ndarray
    intercepts: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    name: str = "head"
    lexical: LexicalModel | None = None  # words as a second opinion (fine-tuned heads)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Class probabilities for one vector (shape labels) or a batch (rows × labels)."""
        return softmax(vectors @ self.weights.T + self.intercepts)

    def scores(self, vector: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """One article's class probabilities: the head's, blended with the lexical model's
        on the article's title and sentences when the head has one."""
        probabilities = self.probabilities(vector)
        if self.lexical is None or not texts:
            return probabilities
        blended: np.ndarray = self.lexical.blend(probabilities[None], [" ".join(texts)])[0]
        return blended

    def info(self) -> dict[str, str]:
        """Results tagged by a head name the head."""
        return {"topic_head": self.name}

    def tag(
        self, article: TagInput, max_topics: int, min_score: float, depth: int | None = None
    ) -> list[ScoredTopic]:
        """The most probable labels, best first: at most `max_topics`, each at least `min_score`."""
        qcodes = [None] * len(self.labels)
        scores = self.scores(article.vector, article.texts)
        return select_topics(scores, self.labels, qcodes, max_topics, min_score)


class HeadTagger:
    """A head that tags a request's taxonomy (one whose file names the head as its ``model``):
    labels get the taxonomy's QCodes. When the head's encoder is not the worker's (`encode` is
    given), it embeds the article's title and sentences itself, in the worker's recipe
    (:func:`worker.nlp.topics.topic_vector`): one more forward pass over the article."""

    def __init__(
        self,
        head: TopicHead,
        taxonomy: str,
        qcodes: dict[str, str | None],
        encode: Encode | None = None,
    ) -> None:
        self.head = head
        self.taxonomy = taxonomy
        self.encode = encode
        self.qcodes = [qcodes.get(label) for label in head.labels]
        self.name = head.name

    def info(self) -> dict[str, str]:
        """Results name the taxonomy, the head and the encoder it embeds with."""
        embedder = str(self.head.meta.get("embedder", ""))
        return {"taxonomy": self.taxonomy, **self.head.info(), "topic_embedder": embedder}

    def tag(
        self, article: TagInput, max_topics: int, min_score: float, depth: int | None = None
    ) -> list[ScoredTopic]:
        """The most probable labels, best first: at most `max_topics`, each at least `min_score`."""
        scores = self.head.scores(self._vector(article), article.texts)
        return select_topics(scores, self.head.labels, self.qcodes, max_topics, min_score)

    def _vector(self, article: TagInput) -> np.ndarray:
        if self.encode is None:
            return article.vector
        vectors = self.encode(list(article.texts))
        title = vectors[0] if article.has_title else None
        return topic_vector(vectors[1:] if article.has_title else vectors, title)


def embedder_identity(spec: ModelSpec) -> dict[str, str]:
    """What ties a head to its embedder: the model's name and its weights' sha256."""
    return {"embedder": spec.name, "embedder_sha256": spec.sha256.get(WEIGHTS_KEY, "")}


def save_head(head: TopicHead, directory: Path, *, weights: bool = True) -> None:
    """Write head.npz (unless `weights` is False) and head.json into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    if weights:
        np.savez(
            directory / WEIGHTS_FILE,
            weights=head.weights.astype(np.float32),
            intercepts=head.intercepts.astype(np.float32),
        )
    meta = {"format": HEAD_FORMAT, **head.meta, "labels": head.labels}
    text = json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
    (directory / META_FILE).write_text(text, encoding="utf-8")


def pin_files(directory: Path) -> dict[str, str]:
    """The sha256 of every file under `directory` but head.json, by relative path."""
    files = sorted(p for p in directory.rglob("*") if p.is_file() and p.name != META_FILE)
    return {p.relative_to(directory).as_posix(): sha256_file(p) for p in files}


def head_meta(directory: Path) -> dict[str, Any]:
    """A head's head.json, read and checked to be a JSON object."""
    return _read_meta(directory)


def tuned_encoder(directory: Path, meta: dict[str, Any]) -> tuple[ModelSpec, ModelSpec] | None:
    """The fine-tuned encoder of a head and its int8 export as specs with their pinned sha256
    (checked here); None for a head on the stock embedder."""
    tuned = meta.get("encoder")
    if not isinstance(tuned, dict):
        return None
    pinned = {str(k): str(v) for k, v in (meta.get("sha256") or {}).items()}
    specs = tuple(
        ModelSpec(
            key=f"{directory.name}/{sub}",
            name=str(tuned.get("name", directory.name)),
            path=directory / sub,
            version=f"models/heads/{directory.name}",
            max_tokens=int(tuned.get("max_tokens", 256)),
            sha256={k.split("/", 1)[1]: v for k, v in pinned.items() if k.startswith(sub + "/")},
        )
        for sub in (ENCODER_DIR, INT8_DIR)
    )
    for spec in specs:
        if not spec.pinned:
            raise ConfigError(
                f"the fine-tuned head {directory.name!r} pins no weights in {spec.path}"
            )
        verify_files(spec)
    return specs[0], specs[1]


def load_head(directory: Path, spec: ModelSpec) -> TopicHead:
    """Read a head and check that it was trained on `spec`'s embedder; ConfigError if not."""
    meta = _read_meta(directory)
    _check_compatible(meta, spec, directory)
    _check_pinned(meta, directory)
    try:
        with np.load(directory / WEIGHTS_FILE) as arrays:
            weights, intercepts = arrays["weights"], arrays["intercepts"]
    except (OSError, KeyError, ValueError) as exc:
        raise ConfigError(f"cannot read the head's weights in {directory}: {exc}") from exc
    labels = [str(label) for label in meta.get("labels", [])]
    if weights.shape[0] != len(labels) or intercepts.shape != (len(labels),):
        raise ConfigError(f"the head in {directory} has weights that do not match its labels")
    return TopicHead(labels, weights, intercepts, meta, directory.name, load_lexical(directory))


def _check_pinned(meta: dict[str, Any], directory: Path) -> None:
    """The files beside head.json must match the sha256 it records (a fine-tuned head pins
    them; its encoder's files are checked by :func:`tuned_encoder`)."""
    for name, digest in (meta.get("sha256") or {}).items():
        if "/" not in name and sha256_file(directory / name) != digest:
            raise ChecksumMismatch(f"{directory / name} does not match its sha256 in {META_FILE}")


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
