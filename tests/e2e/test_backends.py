"""Backends as a user runs them: `newsworker models`, and a worker with transformer backends
consuming the `gpu` queue that a producer routes to (on the CPU here; the queue is a name)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.support import WorkerProcess, worker_env
from worker.config import Settings
from worker.producer.client import Producer
from worker.schemas import Status

ROOT = Path(__file__).resolve().parents[2]


def models_cli(models: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "worker.cli", "models", *args],
        cwd=ROOT,
        env=worker_env("redis://127.0.0.1:1/0", NEWSWORKER_MODELS_DIR=str(models), **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def models(tiny_models: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "models"
    shutil.copytree(tiny_models, copy)
    return copy


def test_verify_lists_every_entry_and_fails_on_an_altered_file(models: Path) -> None:
    run = models_cli(models, "verify")
    assert run.returncode == 0, run.stderr
    for key in ("minilm", "tiny-bart", "tiny-nli", "tiny-desk"):
        assert any(key in line and " ok " in line for line in run.stdout.splitlines()), key
    assert "newsworker models fetch distilbart-cnn" in run.stdout  # shipped entry, not fetched
    (models / "nli" / "tiny-nli" / "config.json").write_text("{}")
    run = models_cli(models, "verify")
    assert run.returncode == 1
    assert any("tiny-nli" in line and "mismatch" in line for line in run.stdout.splitlines())


def test_verify_of_a_named_missing_model_exits_1(models: Path) -> None:
    assert models_cli(models, "verify", "distilbart-cnn").returncode == 1
    unknown = models_cli(models, "verify", "nope")
    assert unknown.returncode == 2 and "unknown manifest keys" in unknown.stderr


def test_pin_records_the_checksums_of_weights_put_in_place(models: Path) -> None:
    shutil.copytree(models / "summarisers" / "tiny-bart", models / "summarisers" / "mine")
    manifest = yaml.safe_load((models / "manifest.yaml").read_text())
    manifest["summarisers"]["mine"] = {"name": "my summariser", "path": "summarisers/mine"}
    (models / "manifest.yaml").write_text(yaml.safe_dump(manifest))
    assert "unpinned" in models_cli(models, "verify", "mine").stdout
    run = models_cli(models, "pin", "mine")
    assert run.returncode == 0, run.stderr
    assert any(line.endswith("  model.safetensors") for line in run.stdout.splitlines())
    pinned = yaml.safe_load((models / "manifest.yaml").read_text())["summarisers"]["mine"]
    assert set(pinned["sha256"]) >= {"model.safetensors", "config.json", "tokenizer.json"}
    assert " ok " in models_cli(models, "verify", "mine").stdout


def test_fetch_without_a_network_says_what_to_do(models: Path) -> None:
    run = models_cli(models, "fetch", "distilbart-cnn", HF_HUB_OFFLINE="1")
    assert run.returncode == 2
    assert "cannot download sshleifer/distilbart-cnn-12-6" in " ".join(run.stderr.split())
    assert "Traceback" not in run.stderr
    assert not (models / "summarisers" / "distilbart-cnn").exists()


@pytest.fixture
def gpu_queue_worker(redis_url: str, tiny_models: Path, tmp_path: Path) -> Iterator[WorkerProcess]:
    """A worker on the `gpu` queue with the abstractive and NLI backends (tiny models)."""
    env = {
        "NEWSWORKER_MODELS_DIR": str(tiny_models),
        "NEWSWORKER_SUMMARISER": "abstractive",
        "NEWSWORKER_SUMMARISER_MODEL": "tiny-bart",
        "NEWSWORKER_TOPIC_BACKEND": "nli",
        "NEWSWORKER_TOPIC_MODEL": "tiny-nli",
        "NEWSWORKER_SUMMARY_MAX_TOKENS": "16",
    }
    args = ("--queues", "gpu", "--pool", "threads", "--concurrency", "3")  # as on a GPU
    with WorkerProcess(redis_url, tmp_path / "gpu-worker.log", *args, **env) as process:
        yield process


def test_a_producer_routes_to_the_gpu_queue_and_its_worker_runs_the_backends(
    gpu_queue_worker: WorkerProcess, settings: Settings
) -> None:
    producer = Producer(settings)
    texts = [
        f"Dockworkers extend strike {uuid.uuid4().hex}.\n\nShips wait off the coast for day {i}."
        for i in range(6)
    ]
    try:
        ids = [producer.enqueue({"text": t}, {"min_topic_score": 0.0}, queue="gpu") for t in texts]
        results = list(producer.store.wait(ids, 90))
    finally:
        producer.close()
    assert len(results) == len(texts)  # three at a time, each backend used from three threads
    for result in results:
        assert result.status == Status.DONE, result.error
        assert result.model["summariser"] == "tiny/tiny-bart"
        assert result.model["topic_model"] == "tiny/tiny-nli" and result.topics
        assert result.summary and all(result.summary not in t for t in texts)
