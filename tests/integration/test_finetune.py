"""Fine-tuning the encoder (`train-topics --finetune`): a few steps on a tiny labelled file prove
the whole path with the real MiniLM: train, export int8, pin, load in the pipeline, tag."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_topic_models import UNSEEN, write_training
from tests.tiny_models import models_copy
from worker.config import Settings, get_settings
from worker.errors import ChecksumMismatch, ConfigError
from worker.nlp.backends.head import META_FILE
from worker.nlp.loading import load_pipeline
from worker.nlp.pipeline import Pipeline
from worker.schemas import Article, Options
from worker.tools.train_topics import train_topics_command

STEPS = 24
DESK_TAXONOMY = """
model: desk-tuned
topics:
  - label: shipping
    qcode: desk:ships
  - label: cooking
  - label: gardening
"""


@pytest.fixture(scope="module")
def tuned_models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A models/ copy with a fine-tuned head at models/heads/desk-tuned."""
    models = models_copy(tmp_path_factory.mktemp("tuned"))
    path = write_training(models.parent / "desk-tuned.jsonl", ("title", "text", "label"))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NEWSWORKER_MODELS_DIR", str(models))
        env.setenv("NEWSWORKER_DEVICE", "cpu")
        get_settings.cache_clear()
        try:
            train_topics_command(path, finetune=True, steps=STEPS, per_label=4)
        finally:
            get_settings.cache_clear()
    yield models


@pytest.fixture(scope="module")
def tuned_pipeline(tuned_models: Path) -> Pipeline:
    return load_pipeline(Settings(models_dir=tuned_models, topic_head="desk-tuned", device="cpu"))


@pytest.fixture(scope="module")
def stock_pipeline(tuned_models: Path) -> Pipeline:
    """The default worker (stock MiniLM, IPTC tree) with a taxonomy that names the tuned head."""
    (tuned_models / "taxonomy" / "desk.yaml").write_text(DESK_TAXONOMY, encoding="utf-8")
    return load_pipeline(Settings(models_dir=tuned_models, device="cpu", tagger_cache_size=2))


def _meta(models: Path) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads((models / "heads" / "desk-tuned" / META_FILE).read_text())
    return meta


def test_the_head_pins_every_file_it_wrote(tuned_models: Path) -> None:
    directory = tuned_models / "heads" / "desk-tuned"
    meta = _meta(tuned_models)
    written = sorted(
        p.relative_to(directory).as_posix()
        for p in directory.rglob("*")
        if p.is_file() and p.name != META_FILE
    )
    pins = meta["sha256"]
    assert sorted(pins) == written
    assert {
        "head.npz",
        "lexical.npz",
        "encoder/model.safetensors",
        "encoder-int8/model.onnx",
    } <= set(pins)
    assert meta["embedder_sha256"] == pins["encoder/model.safetensors"]
    assert "fine-tuned" in str(meta["embedder"])
    assert meta["finetune"]["steps"] == STEPS
    few_shot = meta["few_shot"]  # 4 per label trained on, the other 6 scored
    assert (few_shot["train"], few_shot["test"]) == (12, 6)
    assert 0.0 <= float(few_shot["accuracy"]) <= 1.0


def test_the_worker_embeds_with_the_tuned_encoder_and_tags(tuned_pipeline: Pipeline) -> None:
    assert "fine-tuned" in tuned_pipeline.models["embedder"]
    assert tuned_pipeline.models["precision"] == "int8"  # the export serves the CPU path
    for label, text in UNSEEN.items():
        result = tuned_pipeline.process(Article(text=text), Options(min_topic_score=0.0))
        assert result.topics[0].label == label, result.topics
        assert sum(t.score for t in result.topics) == pytest.approx(1.0, abs=1e-2)
        assert result.model["topic_head"] == "desk-tuned"
        assert result.summary  # the tuned encoder serves the summary too


def test_fp32_and_int8_agree_on_the_tuned_model(
    tuned_models: Path, tuned_pipeline: Pipeline
) -> None:
    fp32 = load_pipeline(
        Settings(models_dir=tuned_models, topic_head="desk-tuned", device="cpu", precision="fp32")
    )
    assert fp32.models["precision"] == "fp32"
    for text in UNSEEN.values():
        ours = tuned_pipeline.process(Article(text=text), Options()).topics[0].label
        assert fp32.process(Article(text=text), Options()).topics[0].label == ours


@pytest.mark.parametrize("changed", ["encoder-int8/model.onnx", "lexical.npz"])
def test_a_changed_file_is_refused(tuned_models: Path, tmp_path: Path, changed: str) -> None:
    models = tmp_path / "models"
    shutil.copytree(tuned_models, models)
    path = models / "heads" / "desk-tuned" / changed
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ChecksumMismatch):
        load_pipeline(Settings(models_dir=models, topic_head="desk-tuned", device="cpu"))


def test_a_request_names_a_taxonomy_tagged_by_the_tuned_model(stock_pipeline: Pipeline) -> None:
    assert "fine-tuned" not in stock_pipeline.models["embedder"]
    for label, text in UNSEEN.items():
        result = stock_pipeline.process(Article(text=text), Options(taxonomy="desk"))
        assert result.topics[0].label == label, result.topics
        assert (result.model["taxonomy"], result.model["topic_head"]) == ("desk", "desk-tuned")
        assert "fine-tuned" in result.model["topic_embedder"]
    shipping = stock_pipeline.process(Article(text=UNSEEN["shipping"]), Options(taxonomy="desk"))
    assert shipping.topics[0].qcode == "desk:ships"  # the taxonomy gives the head's labels codes
    assert stock_pipeline.taggers.get("desk") is stock_pipeline.taggers.get("desk")  # loaded once
    default = stock_pipeline.process(Article(text=UNSEEN["shipping"]), Options())
    assert "topic_head" not in default.model


def test_a_taxonomy_whose_labels_are_not_the_heads_is_refused(
    tuned_models: Path, stock_pipeline: Pipeline
) -> None:
    (tuned_models / "taxonomy" / "wrong.yaml").write_text(
        "model: desk-tuned\ntopics: [{label: shipping}, {label: baking}]\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="whose labels"):
        stock_pipeline.process(Article(text=UNSEEN["cooking"]), Options(taxonomy="wrong"))


def test_a_taxonomy_starts_the_head_as_its_zero_shot_tagger(tmp_path: Path) -> None:
    from worker.nlp.finetune import FineTuneConfig, FineTuner
    from worker.nlp.weights.manifest import resolve_embedder

    desk = tmp_path / "desk.yaml"
    desk.write_text(
        "shipping: Ports, ships, cargo and harbours\n"
        "cooking: Recipes, chefs, baking and restaurants\n"
        "gardening: Plants, seeds, lawns and gardens\n",
        encoding="utf-8",
    )
    encoder = resolve_embedder(get_settings().models_dir, "minilm").path
    labels = sorted(UNSEEN)
    tuner = FineTuner(encoder, labels, FineTuneConfig(taxonomy=str(desk)))
    scores = tuner.probabilities([None] * len(labels), [[UNSEEN[label]] for label in labels])
    assert [labels[i] for i in scores.argmax(axis=1)] == labels  # right before any training
    with pytest.raises(ConfigError, match="does not describe"):
        FineTuner(encoder, [*labels, "weather"], FineTuneConfig(taxonomy=str(desk)))
