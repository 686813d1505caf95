"""GPU smoke test: the pipeline on CUDA (fp16) agrees with the CPU; skipped without CUDA."""

from __future__ import annotations

import pytest

from worker.config import Settings
from worker.pipeline import Pipeline, build_pipeline
from worker.schemas import Article, Options

torch = pytest.importorskip("torch")
pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device"),
]


def test_pipeline_on_cuda_agrees_with_cpu(pipeline: Pipeline, scraped_article: str) -> None:
    gpu = build_pipeline(Settings(device="auto"))
    assert gpu.encoder.device == "cuda"
    on_gpu = gpu.process(Article(text=scraped_article), Options())
    on_cpu = pipeline.process(Article(text=scraped_article), Options())
    assert on_gpu.model["device"] == "cuda"
    assert on_gpu.summary_sentences == on_cpu.summary_sentences
    assert on_gpu.topics[0].label == on_cpu.topics[0].label
    print(f"gpu: {torch.cuda.get_device_name(0)}; timings_ms={on_gpu.timings_ms}")
