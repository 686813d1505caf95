"""Batching across articles: concurrent encode calls share forward passes and get their rows."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import pytest

from worker.nlp.batching import BatchingEncoder
from worker.nlp.pipeline import Pipeline

ARTICLES = [
    [f"Story {i}: the council met on day {i}.", f"Officials approved plan number {i * 7}."]
    for i in range(8)
]


def _concurrently(encoder: BatchingEncoder, groups: list[list[str]]) -> list[np.ndarray]:
    results: list[np.ndarray | None] = [None] * len(groups)
    start = threading.Barrier(len(groups))

    def run(i: int) -> None:
        start.wait()
        results[i] = encoder.encode(groups[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(groups))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def test_concurrent_calls_are_merged_and_each_gets_its_own_rows(pipeline: Pipeline) -> None:
    batching = BatchingEncoder(pipeline.encoder)
    got = _concurrently(batching, ARTICLES)
    assert batching.calls == len(ARTICLES) and batching.rounds < len(ARTICLES)
    for texts, rows in zip(ARTICLES, got, strict=True):
        alone = pipeline.encoder.encode(texts)
        assert rows.shape == alone.shape
        assert np.all(np.sum(rows * alone, axis=1) > 0.999)  # int8 scales vary with the batch


def test_a_lone_call_runs_at_once(pipeline: Pipeline) -> None:
    batching = BatchingEncoder(pipeline.encoder)
    rows = batching.encode(ARTICLES[0])
    assert (batching.calls, batching.rounds) == (1, 1)
    assert np.all(np.sum(rows * pipeline.encoder.encode(ARTICLES[0]), axis=1) > 0.999)


class _Broken:
    """An encoder whose forward pass fails, as a model on a lost GPU would."""

    spec = device = precision = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError("CUDA error: device lost")


def test_an_error_reaches_every_caller_of_the_round() -> None:
    batching = BatchingEncoder(_Broken())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="device lost"):
        batching.encode(["one sentence"])
    with pytest.raises(RuntimeError, match="device lost"):
        batching.encode(["another"])  # the encode thread survives an error
