"""Messages on queues no worker consumes, found on a real Redis broker (no worker process).

Messages are sent by a plain Celery app, as a foreign producer would, to a scratch database.
"""

from __future__ import annotations

from typing import Any

import celery
import pytest
import redis

from worker.config import Settings
from worker.schemas import TASK_NAME
from worker.service import broker
from worker.service.status import service_status, warnings
from worker.store import open_store

ARTICLE = {"article": {"text": "The council met on Monday."}}


@pytest.fixture
def url(scratch_redis: redis.Redis, redis_url: str) -> str:
    """The database scratch_redis empties."""
    return redis_url.rsplit("/", 1)[0] + "/1"


def _send(url: str, task: str = TASK_NAME, protocol: int = 2, **options: Any) -> None:
    """Send one task by name with a plain Celery app, as a producer outside newsworker would."""
    app = celery.Celery(broker=url, set_as_current=False)
    app.conf.task_protocol = protocol
    try:
        app.send_task(task, kwargs=ARTICLE, serializer="json", **options)
    finally:
        app.close()


def test_a_task_sent_without_a_queue_waits_on_celery_and_is_reported(url: str) -> None:
    _send(url)
    _send(url, task="billing.send_invoice")  # someone else's task on the same queue
    settings = Settings(redis_url=url)
    report = service_status(settings)
    fix = (
        "send with queue='newsworker' (without a queue Celery sends to its default queue "
        "'celery'), or start a worker on it: newsworker worker --queues celery"
    )
    assert report["unconsumed"] == [{"queue": "celery", "messages": 1, "length": 2, "fix": fix}]
    assert report["queued"] == 0
    assert warnings(report) == [
        f"warning: 1 {TASK_NAME} messages wait on queue 'celery', which no worker consumes; "
        f"fix: {fix}"
    ]


def test_a_queue_a_live_worker_consumes_is_not_reported(url: str) -> None:
    settings = Settings(redis_url=url)
    _send(url, queue=settings.queue)
    _send(url, queue=settings.gpu_queue)
    unconsumed = service_status(settings)["unconsumed"]
    assert [(u["queue"], u["fix"]) for u in unconsumed] == [
        ("gpu", "start a worker on it: newsworker worker --queues gpu"),
        ("newsworker", "start a worker on it: newsworker worker --queues newsworker"),
    ]
    open_store(settings).heartbeat("newsworker-1@host", {"queues": "newsworker,gpu"}, ttl_s=60)
    report = service_status(settings)
    assert report["unconsumed"] == []
    assert report["queued"] == 1
    assert warnings(report) == []


def test_protocol_1_and_priority_messages_are_counted(url: str) -> None:
    _send(url, protocol=1, queue="legacy")  # the task name is in the base64 JSON body
    _send(url, queue="urgent", priority=9)  # kombu keeps it in the list "urgent\x06\x169"
    _send(url, queue="urgent")
    client = broker.open_broker(Settings(redis_url=url))
    assert client is not None
    assert broker.queues_with_messages(client) == {"legacy", "urgent"}
    assert broker.queue_depth(client, "urgent") == 2
    found = broker.find_unconsumed(client, Settings(), {"legacy", "urgent"}, {"other"})
    assert [(u.queue, u.messages, u.length) for u in found] == [("legacy", 1, 1), ("urgent", 2, 2)]


def test_the_metrics_count_every_watched_queue_without_a_scan(url: str) -> None:
    settings = Settings(redis_url=url)
    _send(url)
    _send(url, queue="elsewhere")  # not watched, so not read at a scrape
    client = broker.open_broker(settings)
    assert client is not None
    watched = broker.watched_queues(settings, ["mine"])
    counts = broker.unconsumed_counts(client, settings, watched, {"mine"})
    assert counts == {"celery": 1, "newsworker": 0, "gpu": 0, "mine": 0}


def test_a_broker_that_is_not_redis_is_said_to_be_uninspected(url: str) -> None:
    settings = Settings(redis_url=url, broker_url="amqp://guest@localhost:5672//")
    report = service_status(settings)
    assert (report["queued"], report["unconsumed"]) == (None, None)
    assert warnings(report) == [
        "warning: broker not inspected: the broker URL is not redis:// or rediss://; "
        "unconsumed messages are not looked for"
    ]
