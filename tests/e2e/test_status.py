"""`newsworker status` run as a user would, while a real worker consumes the `newsworker` queue."""

from __future__ import annotations

import json

import celery
import redis

from tests.support import WorkerProcess, newsworker
from worker.schemas import TASK_NAME
from worker.service.broker import queue_lists


def test_status_warns_of_a_message_sent_without_a_queue(
    redis_url: str, worker: WorkerProcess
) -> None:
    app = celery.Celery(broker=redis_url, set_as_current=False)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        app.send_task(TASK_NAME, kwargs={"article": {"text": "Lost."}}, serializer="json")
        run = newsworker(redis_url, "status")
    finally:
        client.delete(*queue_lists("celery"))  # no stray message for the other tests
        client.close()
        app.close()
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)  # stdout stays one JSON document
    fix = (
        "send with queue='newsworker' (without a queue Celery sends to its default queue "
        "'celery'), or start a worker on it: newsworker worker --queues celery"
    )
    assert {"queue": "celery", "messages": 1, "length": 1, "fix": fix} in report["unconsumed"]
    assert "newsworker" not in [u["queue"] for u in report["unconsumed"]]  # the worker's queue
    warning = (
        f"warning: 1 {TASK_NAME} messages wait on queue 'celery', which no worker consumes; "
        f"fix: {fix}"
    )
    assert warning in run.stderr.splitlines()
