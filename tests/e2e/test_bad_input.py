"""Every kind of bad input in tests/e2e/bad_input.py, sent as a raw Celery message by a producer
that knows only the task's name and JSON, to a real worker: each gets a stored result that says
what was wrong (or a sensible `done`), and the worker keeps serving."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from celery import Celery

from tests.e2e.bad_input import GOOD, KINDS, Kind
from tests.support import WorkerProcess
from worker.client import TASK_NAME, Producer
from worker.config import Settings
from worker.jobs import fallback_id
from worker.schemas import Result, Status

WAIT_S = 180.0


@pytest.fixture(scope="module")
def foreign(redis_url: str) -> Iterator[Celery]:
    app = Celery(broker=redis_url, set_as_current=False)
    app.conf.task_serializer = "json"
    app.conf.task_default_queue = "newsworker"
    yield app
    app.close()


def _with_id(kind: Kind) -> tuple[Any, str]:
    """The article to send and the id its result will be stored under."""
    article = kind.article
    if isinstance(article, dict) and "id" not in article:
        article = {**article, "id": f"bad-{uuid.uuid4().hex[:12]}"}
        return article, article["id"]
    return article, fallback_id(article)


def _says(result: Result, pattern: str) -> bool:
    if result.status == Status.DONE and not result.summary:
        return False
    if not pattern:
        return True
    said = [result.error.message] if result.error else result.warnings
    return any(re.search(pattern, text, re.IGNORECASE) for text in said)


def test_every_kind_of_bad_input_gets_a_clear_result_and_the_worker_keeps_serving(
    worker: WorkerProcess, foreign: Celery, settings: Settings
) -> None:
    sent = []
    for kind in KINDS:
        article, result_id = _with_id(kind)
        foreign.send_task(TASK_NAME, kwargs={"article": article, "options": kind.options})
        sent.append((kind, result_id))
    producer = Producer(settings)
    try:
        results = {r.id: r for r in producer.store.wait([i for _, i in sent], WAIT_S)}
        good = producer.enqueue({"text": f"{GOOD} {uuid.uuid4().hex}."})
        [after] = list(producer.store.wait([good], WAIT_S))
    finally:
        producer.close()
    wrong = []
    for kind, result_id in sent:
        result = results.get(result_id)
        if result is None or result.status.value != kind.status or not _says(result, kind.says):
            wrong.append((kind.name, result.status if result else None, result and result.error))
    assert not wrong, wrong
    assert len(KINDS) >= 30
    assert after.status == Status.DONE and after.summary  # the next good article is fine
    assert worker.process is not None and worker.process.poll() is None


def test_a_pickle_message_is_refused_and_the_worker_keeps_serving(
    worker: WorkerProcess, redis_url: str, settings: Settings
) -> None:
    pickler = Celery(broker=redis_url, set_as_current=False)
    pickler.conf.accept_content = ["pickle", "json"]
    try:
        pickler.send_task(
            TASK_NAME, kwargs={"article": {"text": GOOD}}, queue="newsworker", serializer="pickle"
        )
    finally:
        pickler.close()
    producer = Producer(settings)
    try:
        good = producer.enqueue({"text": f"{GOOD} {uuid.uuid4().hex}."})
        [after] = list(producer.store.wait([good], WAIT_S))
    finally:
        producer.close()
    assert after.status == Status.DONE
    assert "ContentDisallowed" in worker.log() or "disallowed" in worker.log().lower()
