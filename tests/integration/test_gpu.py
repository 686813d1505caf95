"""GPU smoke tests: the pipeline and every backend on CUDA (fp16); skipped without CUDA."""

from __future__ import annotations

from pathlib import Path

import pytest

from worker.config import Settings
from worker.nlp.backends.nli import NLITagger
from worker.nlp.loading import load_pipeline
from worker.nlp.pipeline import Pipeline
from worker.schemas import Article, Options

torch = pytest.importorskip("torch")
pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device"),
]


def test_pipeline_on_cuda_agrees_with_cpu(pipeline: Pipeline, scraped_article: str) -> None:
    gpu = load_pipeline(Settings(device="auto"))
    assert gpu.encoder.device == "cuda"
    on_gpu = gpu.process(Article(text=scraped_article), Options())
    on_cpu = pipeline.process(Article(text=scraped_article), Options())
    assert on_gpu.model["device"] == "cuda"
    assert on_gpu.summary_sentences == on_cpu.summary_sentences
    assert on_gpu.topics[0].label == on_cpu.topics[0].label
    print(f"gpu: {torch.cuda.get_device_name(0)}; timings_ms={on_gpu.timings_ms}")


def test_every_backend_runs_on_cuda_in_half_precision(
    tiny_models: Path, scraped_article: str
) -> None:
    settings = Settings(
        models_dir=tiny_models,
        device="auto",
        summariser="abstractive",
        summariser_model="tiny-bart",
        topic_backend="nli",
        topic_model="tiny-nli",
    )
    gpu = load_pipeline(settings)
    assert gpu.abstractive is not None
    result = gpu.process(Article(text=scraped_article), Options(min_topic_score=0.0))
    assert result.model["device"] == "cuda" and result.summary and result.topics
    nli = gpu.taggers.default
    assert isinstance(nli, NLITagger)
    assert nli.loaded.device == "cuda"
    assert next(nli.loaded.model.parameters()).dtype == torch.float16
    classifier = load_pipeline(
        Settings(
            models_dir=tiny_models,
            device="auto",
            topic_backend="classifier",
            topic_model="tiny-desk",
        )
    )
    tagged = classifier.process(Article(text=scraped_article), Options(min_topic_score=0.0))
    assert tagged.topics
    print(f"gpu backends: timings_ms={result.timings_ms}")
