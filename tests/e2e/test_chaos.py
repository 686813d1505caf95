"""Faults a worker meets in production, caused for real: its processes killed or stopped
mid-run, a message that kills the process every time, Redis restarted under it or down when it
starts. Nothing may be lost, no article may end with two results, and nothing loops forever."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support import WorkerProcess, assert_consistent, stream_events, wait_for
from worker.config import Settings
from worker.producer.client import Producer
from worker.schemas import Result, Status
from worker.tools.redis_server import RedisServer, free_port

# Short limits, so that a message whose worker died is handed out again within seconds.
FAST_REDELIVERY = {
    "NEWSWORKER_TASK_SOFT_TIME_LIMIT_S": "8",
    "NEWSWORKER_TASK_TIME_LIMIT_S": "10",
    "NEWSWORKER_VISIBILITY_TIMEOUT_S": "12",
    "NEWSWORKER_GENERATION_TIMEOUT_S": "5",
}
WAIT_S = 240.0


def _articles(n: int) -> list[str]:
    """`n` distinct articles (none a reprint of another: each names its own dock throughout)."""
    docks = [uuid.uuid4().hex[:8] for _ in range(n)]
    return [
        "\n\n".join(
            f"Report {dock}-{j}: the {dock} harbour counted {j * 7} ships near berth {j} of the "
            f"{dock} dock."
            for j in range(30)
        )
        for dock in docks
    ]


def _settings(url: str) -> Settings:
    return Settings(
        redis_url=url,
        visibility_timeout_s=12,
        task_time_limit_s=10,
        task_soft_time_limit_s=8,
        generation_timeout_s=5,
    )


def _finished(url: str) -> Counter[str]:
    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        return Counter(event["id"] for event in stream_events(client))
    finally:
        client.close()


def _all_done(producer: Producer, ids: list[str]) -> list[Result]:
    results = list(producer.store.wait(ids, WAIT_S))
    assert len(results) == len(ids), f"{len(ids) - len(results)} articles never finished"
    assert all(r.status == Status.DONE for r in results), [r.error for r in results if r.error]
    return results


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A Redis of this test's own, with the append-only file on, as in the compose stack."""
    with RedisServer(appendonly=True) as server:
        yield server


def test_sigkill_mid_run_then_restart_loses_nothing(own_redis: RedisServer, tmp_path: Path) -> None:
    url = own_redis.url
    producer = Producer(_settings(url))
    try:
        ids = [producer.enqueue({"text": t}) for t in _articles(100)]
        first = WorkerProcess(url, tmp_path / "first.log", **FAST_REDELIVERY).start()
        wait_for(lambda: len(_finished(url)) >= 20 or None, WAIT_S, "20 articles")
        first.kill_tree()  # SIGKILL: parent and children, mid-article
        done_before = len(_finished(url))
        with WorkerProcess(url, tmp_path / "second.log", **FAST_REDELIVERY):
            results = _all_done(producer, ids)
    finally:
        producer.close()
    finished = _finished(url)
    twice = [i for i, n in finished.items() if n > 1]
    assert done_before < 100, "the kill came after the work was over"
    assert set(finished) == set(ids)
    assert len(twice) <= 2  # at most the articles in flight at the kill (2 processes)
    assert all(r.attempts <= 2 for r in results)
    # Every article is distinct: a redelivered one is never a copy of itself (or of another).
    assert [r.id for r in results if r.duplicate_of is not None] == []


def test_redis_restart_mid_run_loses_nothing_and_the_worker_reconnects(
    own_redis: RedisServer, tmp_path: Path
) -> None:
    url = own_redis.url
    producer = Producer(_settings(url))
    try:
        ids = [producer.enqueue({"text": t}) for t in _articles(60)]
        with WorkerProcess(url, tmp_path / "worker.log", **FAST_REDELIVERY) as worker:
            wait_for(lambda: len(_finished(url)) >= 10 or None, WAIT_S, "10 articles")
            own_redis.restart()
            producer.close()
            producer = Producer(_settings(url))
            results = _all_done(producer, ids)
            assert worker.process is not None and worker.process.poll() is None
    finally:
        producer.close()
    assert [r.id for r in results if r.duplicate_of is not None] == []
    index = redis.Redis.from_url(url)
    try:
        assert_consistent(index)  # the reprint index: every entry whole, none half-written
    finally:
        index.close()


def test_a_worker_started_while_redis_is_down_waits_and_recovers(tmp_path: Path) -> None:
    server = RedisServer(appendonly=True)
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    worker = WorkerProcess(url, tmp_path / "worker.log", **FAST_REDELIVERY).start(wait=False)
    try:
        time.sleep(5)  # the worker is up, retrying its broker connection
        assert worker.process is not None and worker.process.poll() is None
        server.start(port)
        worker.wait_ready()
        producer = Producer(_settings(url))
        try:
            _all_done(producer, [producer.enqueue({"text": t}) for t in _articles(3)])
            _a_slow_article_times_out(producer)  # this worker's short limits make that cheap
        finally:
            producer.close()
        assert "Cannot connect to redis" in worker.log()
    finally:
        worker.kill_tree()
        server.stop()


def test_sigterm_with_articles_queued_finishes_or_returns_each(
    own_redis: RedisServer, tmp_path: Path
) -> None:
    url = own_redis.url
    producer = Producer(_settings(url))
    try:
        ids = [producer.enqueue({"text": t}) for t in _articles(40)]
        first = WorkerProcess(url, tmp_path / "first.log", **FAST_REDELIVERY).start()
        wait_for(lambda: len(_finished(url)) >= 5 or None, WAIT_S, "5 articles")
        assert first.terminate() == 0  # warm shutdown: the current articles finish
        left = len(ids) - len(_finished(url))
        assert left > 0, "the stop came after the work was over"
        assert producer.store.client.llen(_settings(url).queue) >= left - 2  # handed back
        with WorkerProcess(url, tmp_path / "second.log", **FAST_REDELIVERY):
            _all_done(producer, ids)
    finally:
        producer.close()
    assert max(_finished(url).values()) == 1  # nothing processed twice


def test_a_message_that_kills_the_process_every_time_ends_failed(
    own_redis: RedisServer, tmp_path: Path
) -> None:
    """The pool child dies (SIGKILL, as in a segfault or the OOM killer) whenever it works on
    the poison article. Celery hands the message back each time; after `max_deliveries`
    deliveries the next one stores `failed` without running the pipeline, and the articles
    queued behind it are processed normally."""
    url = own_redis.url
    settings = _settings(url)
    producer = Producer(settings)
    poison_id = f"poison-{uuid.uuid4().hex[:8]}"
    long_text = " ".join(_articles(40))  # long enough that the kill lands mid-article
    try:
        producer.enqueue({"id": poison_id, "text": long_text})
        good = [producer.enqueue({"text": t}) for t in _articles(3)]
        with WorkerProcess(
            url, tmp_path / "worker.log", NEWSWORKER_CONCURRENCY="1", **FAST_REDELIVERY
        ) as worker:
            kills = _kill_whenever_processing(worker, producer, poison_id)
            poison = _final(producer, poison_id)
            _all_done(producer, good)
            assert worker.process is not None and worker.process.poll() is None
    finally:
        producer.close()
    print(
        f"\npoison message: {kills} child kills, then {poison.status.value} "
        f"after {poison.attempts} deliveries"
    )
    assert kills == settings.max_deliveries
    assert poison.status == Status.FAILED and poison.error is not None
    assert poison.error.type == "TooManyDeliveries"
    assert poison.attempts == settings.max_deliveries + 1


def _kill_whenever_processing(worker: WorkerProcess, producer: Producer, article_id: str) -> int:
    """SIGKILL the pool child each time it starts on `article_id`; returns the kill count."""
    killed: set[int] = set()
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        result = producer.store.get(article_id)
        if result is not None and result.status in (Status.DONE, Status.FAILED):
            return len(killed)
        if (
            result is not None
            and result.status == Status.PROCESSING
            and (result.attempts not in killed)
        ):
            for child in worker.children():
                child.kill()
            killed.add(result.attempts)
        time.sleep(0.02)
    raise AssertionError(f"{article_id} never reached a final state")


def _final(producer: Producer, article_id: str) -> Result:
    results = list(producer.store.wait([article_id], WAIT_S))
    assert results, f"{article_id} never finished"
    return results[0]


def _a_slow_article_times_out(producer: Producer) -> None:
    """80,000 one-line sentences take far longer than the 8 s soft limit: the article ends
    `failed` with its own error type, not as bad input, and is not retried."""
    article_id = producer.enqueue({"text": f"{uuid.uuid4().hex}. " + "Word. " * 80_000})
    [result] = producer.store.wait([article_id], WAIT_S)
    assert result.status == Status.FAILED and result.error is not None
    assert result.error.type == "TimeLimitExceeded" and "8 s" in result.error.message
    assert result.attempts == 1
