"""A real worker process on a real Redis: results, duplicates, bad input, redelivery, shutdown."""

from __future__ import annotations

import json
import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery

from tests.support import WorkerProcess, stream_events, wait_for
from worker import keys
from worker.config import Settings
from worker.producer.client import Producer
from worker.schemas import TASK_NAME, Result, Status, fallback_id

DONE_TIMEOUT_S = 90.0


@pytest.fixture
def producer(settings: Settings) -> Iterator[Producer]:
    p = Producer(settings)
    yield p
    p.close()


@pytest.fixture
def foreign(redis_url: str) -> Iterator[Celery]:
    """A producer that knows nothing of newsworker but the task's name and JSON."""
    app = Celery(broker=redis_url, set_as_current=False)
    app.conf.task_serializer = "json"
    app.conf.task_default_queue = "newsworker"  # the queue named in the producer contract
    yield app
    app.close()


def _final(producer: Producer, article_id: str) -> Result:
    results = list(producer.store.wait([article_id], DONE_TIMEOUT_S))
    assert results, f"no final result for {article_id}"
    return results[0]


def _events_for(client: redis.Redis, article_id: str) -> list[dict[str, Any]]:
    return [event for event in stream_events(client) if event["id"] == article_id]


def _uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _long_article(n_sentences: int = 400) -> str:
    return "\n\n".join(
        f"Report {i}: the port authority counted {i * 7} ships waiting near berth {i % 13} today."
        for i in range(n_sentences)
    )


def test_enqueued_article_ends_done_with_the_full_document(
    worker: WorkerProcess, producer: Producer, scraped_article: str
) -> None:
    article_id = producer.enqueue({"text": scraped_article, "id": _uid("seed")})
    result = _final(producer, article_id)
    assert result.status == Status.DONE, result.error
    assert len(result.summary_sentences) == 3 and result.summary
    assert "Leave a Reply" not in result.summary and "You Missed" not in result.summary
    first = result.topics[0]  # labour, or a term of the IPTC tree under it
    assert first.qcode == "medtop:09000000" or first.broader == "medtop:09000000"
    assert result.keywords and result.language == "en" and result.error is None
    assert result.model["embedder"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert result.attempts == 1
    assert result.started_at and result.finished_at
    assert result.created_at <= result.started_at <= result.finished_at
    raw = producer.store.client.get(keys.result_key(article_id))
    assert json.loads(raw or "{}")["schema"] == 3
    assert result.duplicate_of != article_id  # the seed story is sent by other tests too
    assert 0 < producer.store.client.ttl(keys.result_key(article_id)) <= 7 * 24 * 3600


def test_same_article_twice_runs_one_inference(
    worker: WorkerProcess, producer: Producer, foreign: Celery
) -> None:
    text = f"Unique story {uuid.uuid4().hex}. The council approved the budget on Monday."
    first = producer.enqueue({"text": text})
    second = producer.enqueue({"text": text})
    assert first == second
    done = _final(producer, first)
    # A foreign producer bypasses the producer-side check; the worker still skips the work.
    foreign.send_task(TASK_NAME, kwargs={"article": {"text": text}, "options": {}})
    wait_for(lambda: f"id={first} outcome=duplicate" in worker.log(), 30, "the duplicate")
    assert len(_events_for(producer.store.client, first)) == 1
    again = producer.result(first)
    assert again is not None and again.started_at == done.started_at


def test_copies_processed_at_once_by_two_processes_give_one_original_each(
    worker: WorkerProcess, producer: Producer
) -> None:
    run = uuid.uuid4().hex[:8]
    pairs = []
    for n in range(4):  # one pair after another: the worker's two processes take one copy each
        body = "\n\n".join(
            f"Wire {run}-{n}, part {i}: the regional council said {i * 9 + n} homes were "
            f"flooded overnight and {i + 2} roads stayed closed near the river in area {i}."
            for i in range(12)
        )
        pairs.append(
            [
                producer.enqueue({"text": body, "title": title, "id": f"{run}-{n}-{side}"})
                for side, title in enumerate(("Floods close roads", "Homes flooded overnight"))
            ]
        )
    for pair in pairs:
        results = {r.id: r for r in producer.store.wait(pair, DONE_TIMEOUT_S)}
        originals = [i for i in pair if results[i].duplicate_of is None]
        assert len(originals) == 1, {i: results[i].duplicate_of for i in pair}
        [copy] = set(pair) - set(originals)
        similarity = results[copy].similarity
        assert results[copy].duplicate_of == originals[0]
        assert similarity is not None and similarity > 0.9


BAD_INPUT = [
    ({"article": {"id": "PLACEHOLDER"}}, "text"),
    ({"article": {"id": "PLACEHOLDER", "text": "   \n\t "}}, "whitespace"),
    ({"article": {"id": "PLACEHOLDER", "text": 42}}, "string"),
    ({"article": {"id": "PLACEHOLDER", "text": "A story.", "title": ["x"]}}, "title"),
    (
        {"article": {"id": "PLACEHOLDER", "text": "A b c."}, "options": {"summary_sentences": 0}},
        "summary_sentences",
    ),
    ({"article": {"id": "PLACEHOLDER", "text": "A b c."}, "options": {"colour": "red"}}, "colour"),
    ({"article": {"id": "PLACEHOLDER", "text": "A b c."}, "options": "fast"}, "options must be"),
    (
        {"article": {"id": "PLACEHOLDER", "text": "<html><body><div></div></body></html>"}},
        "no article text",
    ),
]


@pytest.mark.parametrize(("kwargs", "says"), BAD_INPUT)
def test_bad_input_from_a_foreign_producer_fails_clearly(
    worker: WorkerProcess, producer: Producer, foreign: Celery, kwargs: dict[str, Any], says: str
) -> None:
    article_id = _uid("bad")
    kwargs = json.loads(json.dumps(kwargs).replace("PLACEHOLDER", article_id))
    foreign.send_task(TASK_NAME, kwargs=kwargs)
    result = _final(producer, article_id)
    assert result.status == Status.FAILED
    assert result.error is not None and says in result.error.message
    good = producer.enqueue({"text": f"Story {article_id}. The mayor opened a new bridge."})
    assert _final(producer, good).status == Status.DONE


def test_an_article_that_is_not_an_object_fails_under_a_derived_id(
    worker: WorkerProcess, producer: Producer, foreign: Celery
) -> None:
    raw = f"just a string {uuid.uuid4().hex}"
    foreign.send_task(TASK_NAME, kwargs={"article": raw})
    result = _final(producer, fallback_id(raw))
    assert result.status == Status.FAILED and result.error is not None
    assert "JSON object" in result.error.message


def test_a_message_delivered_too_often_ends_failed(
    worker: WorkerProcess, producer: Producer, foreign: Celery, settings: Settings
) -> None:
    article_id, task_id = _uid("poison"), str(uuid.uuid4())
    for _ in range(settings.max_deliveries):  # as if it had killed the worker this many times
        producer.store.count_delivery(task_id)
    foreign.send_task(
        TASK_NAME, task_id=task_id, kwargs={"article": {"id": article_id, "text": "A b."}}
    )
    result = _final(producer, article_id)
    assert result.status == Status.FAILED and result.error is not None
    assert result.error.type == "TooManyDeliveries"
    assert result.attempts == settings.max_deliveries + 1


@contextmanager
def _busy_worker(
    redis_url: str, log: Path, settings: Settings, queue: str
) -> Iterator[tuple[WorkerProcess, Producer, str]]:
    """A fresh worker on its own queue, caught in the middle of a long article."""
    with WorkerProcess(redis_url, log, "--queues", queue) as proc:
        producer = Producer(settings)
        article_id = producer.enqueue({"text": _long_article(), "id": _uid(queue)}, queue=queue)
        wait_for(lambda: _status(producer, article_id) == Status.PROCESSING, 60, "processing")
        try:
            yield proc, producer, article_id
        finally:
            producer.close()


def test_work_of_a_killed_child_is_redelivered_and_finished(
    redis_url: str, tmp_path: Path, settings: Settings
) -> None:
    with _busy_worker(redis_url, tmp_path / "w.log", settings, "killtest") as (proc, producer, aid):
        for child in proc.children():
            child.send_signal(signal.SIGKILL)
        result = _final(producer, aid)
        assert result.status == Status.DONE
        assert result.attempts == 2


def test_sigterm_lets_the_current_article_finish(
    redis_url: str, tmp_path: Path, settings: Settings
) -> None:
    with _busy_worker(redis_url, tmp_path / "w.log", settings, "termtest") as (proc, producer, aid):
        assert proc.terminate() == 0
        result = producer.result(aid)
        assert result is not None and result.status == Status.DONE
        node = f"newsworker-{proc.pid}@"
        assert not any(w.get("hostname", "").startswith(node) for w in producer.store.workers())


def _status(producer: Producer, article_id: str) -> Status | None:
    result = producer.result(article_id)
    return result.status if result else None


def test_a_threads_pool_worker_batches_across_articles_and_finishes_each(
    redis_url: str, tmp_path: Path, settings: Settings
) -> None:
    args = ("--queues", "batching", "--pool", "threads", "--concurrency", "4")
    with WorkerProcess(redis_url, tmp_path / "threads.log", *args):
        producer = Producer(settings)
        try:
            texts = [f"{_long_article(12)} Batch item {_uid('b')}." for _ in range(12)]
            ids = [producer.enqueue({"text": t}, queue="batching") for t in texts]
            results = list(producer.store.wait(ids, DONE_TIMEOUT_S))
        finally:
            producer.close()
    assert sorted(r.id for r in results) == sorted(ids)
    assert all(r.status == Status.DONE and r.summary and r.attempts == 1 for r in results)
