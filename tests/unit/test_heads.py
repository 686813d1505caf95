"""Trained topic heads without the model: saving and loading, scores, and refusing a head that
was trained for another embedder. Vectors here are small made-up arrays, not embeddings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from worker.errors import ConfigError
from worker.nlp.backends.head import META_FILE, TopicHead, embedder_identity, load_head, save_head
from worker.nlp.topics import FEATURES, TagInput
from worker.nlp.weights.manifest import ModelSpec
from worker.tools.train_topics import cross_validate, fit_head

SPEC = ModelSpec(
    key="minilm",
    name="sentence-transformers/all-MiniLM-L6-v2",
    path=Path("/nonexistent"),
    version="test",
    sha256={"model.safetensors": "a" * 64},
)


def _clusters(
    labels: list[str], per_label: int = 8, dimension: int = 6
) -> tuple[np.ndarray, list[str]]:
    """Points around one axis per label, with a little noise."""
    rng = np.random.default_rng(0)
    rows, names = [], []
    for axis, label in enumerate(labels):
        centre = np.eye(dimension)[axis]
        rows.append(centre + 0.1 * rng.standard_normal((per_label, dimension)))
        names += [label] * per_label
    return np.vstack(rows).astype(np.float32), names


def _head(labels: list[str]) -> TopicHead:
    vectors, names = _clusters(labels)
    head = fit_head(vectors, names, c=1.0)
    head.meta = {**embedder_identity(SPEC), "features": FEATURES}
    return head


def test_a_fitted_head_predicts_its_labels_with_probabilities() -> None:
    vectors, names = _clusters(["rain", "sport", "trade"])
    head = fit_head(vectors, names, c=1.0)
    probabilities = head.probabilities(vectors)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert [head.labels[i] for i in probabilities.argmax(axis=1)] == names


def test_a_two_label_head_matches_scikit_learn() -> None:
    from sklearn.linear_model import LogisticRegression

    vectors, names = _clusters(["rain", "sport"])
    head = fit_head(vectors, names, c=1.0)
    reference = LogisticRegression(C=1.0, max_iter=2000).fit(vectors, names)
    assert head.weights.shape == (2, vectors.shape[1])
    assert np.allclose(head.probabilities(vectors), reference.predict_proba(vectors), atol=1e-4)


def test_tag_respects_max_topics_and_min_score() -> None:
    head = _head(["rain", "sport", "trade"])
    vector = TagInput(np.eye(6, dtype=np.float32)[1])
    [best] = head.tag(vector, max_topics=1, min_score=0.0)
    assert best.label == "sport" and 0.0 <= best.score <= 1.0 and best.qcode is None
    assert len(head.tag(vector, max_topics=3, min_score=0.0)) == 3
    assert all(t.score >= 0.2 for t in head.tag(vector, max_topics=3, min_score=0.2))
    assert head.tag(vector, max_topics=0, min_score=0.0) == []


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    head = _head(["rain", "sport", "trade"])
    save_head(head, tmp_path / "desk")
    loaded = load_head(tmp_path / "desk", SPEC)
    assert loaded.name == "desk" and loaded.labels == head.labels
    vectors, _ = _clusters(["rain", "sport", "trade"])
    assert np.allclose(loaded.probabilities(vectors), head.probabilities(vectors), atol=1e-6)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("embedder", "sentence-transformers/all-mpnet-base-v2"),
        ("embedder_sha256", "b" * 64),
        ("features", "something-else/v0"),
    ],
)
def test_a_head_for_another_embedder_is_refused(tmp_path: Path, key: str, value: str) -> None:
    head = _head(["rain", "sport"])
    head.meta[key] = value
    save_head(head, tmp_path / "other")
    with pytest.raises(ConfigError, match=rf"trained with {key} .*train-topics"):
        load_head(tmp_path / "other", SPEC)


def test_a_missing_or_broken_head_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no topic head.*train-topics"):
        load_head(tmp_path / "absent", SPEC)
    save_head(_head(["rain", "sport"]), tmp_path / "broken")
    meta = json.loads((tmp_path / "broken" / META_FILE).read_text())
    meta["labels"] = ["rain"]
    (tmp_path / "broken" / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ConfigError, match="do not match its labels"):
        load_head(tmp_path / "broken", SPEC)


def test_cross_validation_reports_accuracy_and_macro_f1() -> None:
    vectors, names = _clusters(["rain", "sport", "trade"], per_label=10)
    scores = cross_validate(vectors, names, folds=5, c=1.0)
    assert scores["folds"] == 5
    assert scores["accuracy"] == pytest.approx(1.0) and scores["macro_f1"] == pytest.approx(1.0)


def test_cross_validation_uses_fewer_folds_when_a_label_is_rare() -> None:
    vectors, names = _clusters(["rain", "sport"], per_label=3)
    assert cross_validate(vectors, names, folds=5, c=1.0)["folds"] == 3
    assert cross_validate(vectors[:4], [*names[:3], "sport"], folds=5, c=1.0)["folds"] == 0
    assert cross_validate(vectors, names, folds=0, c=1.0) == {"folds": 0, "note": "not asked for"}
