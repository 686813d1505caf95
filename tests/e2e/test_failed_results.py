"""One rule for a failed result: the same failing input gets the same id and the same error on
every path, whether a foreign producer sends it to the worker as a raw Celery message,
`newsworker enqueue` refuses it before sending (or sends it and the worker fails it), or
`newsworker process` runs it in-process. Every path builds it with `worker.schemas.failed_result`.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from celery import Celery

from tests.support import WorkerProcess, newsworker, wait_for
from worker.config import Settings
from worker.schemas import TASK_NAME, Result
from worker.store import open_store
from worker.tools.redis_server import free_port

WAIT_S = 120.0


def _failing_requests(nonce: str) -> list[tuple[Any, dict[str, Any]]]:
    """(article, options) pairs that fail before or after parsing; none carries its own id."""
    oversize = "word " * (Settings().max_text_chars // 5 + 2)
    return [
        ({"text": f"<html><body><!-- {nonce} --></body></html>"}, {}),  # parses, has no text
        ({"text": f"{nonce} {oversize}"}, {}),  # parses, over NEWSWORKER_MAX_TEXT_CHARS
        ({"text": f"A fine sentence about {nonce}."}, {"colour": "red"}),  # unknown option
        ({"title": nonce}, {}),  # no text
        ({"text": "   ", "title": nonce}, {}),  # blank text
        (["not", "an", "object", nonce], {}),  # not an object
    ]


def test_a_failing_input_gets_the_same_id_from_the_worker_process_and_enqueue(
    worker: WorkerProcess, redis_url: str, tmp_path: Path
) -> None:
    requests = _failing_requests(uuid.uuid4().hex)
    jsonl = tmp_path / "failing.jsonl"
    jsonl.write_text("\n".join(json.dumps(_line(a, o)) for a, o in requests) + "\n")
    processed = newsworker(f"redis://127.0.0.1:{free_port()}/0", "process", "--jsonl", str(jsonl))
    assert processed.returncode == 0, processed.stderr
    by_process = _error_types(map(Result.model_validate_json, processed.stdout.splitlines()))
    assert len(by_process) == len(requests)
    by_worker = _send_raw(redis_url, requests, expected=set(by_process))
    enqueued = newsworker(redis_url, "enqueue", "--jsonl", str(jsonl))
    assert enqueued.returncode == 1 and enqueued.stdout.split() == list(by_process), enqueued
    store = open_store(Settings(redis_url=redis_url))
    by_enqueue = _error_types(store.wait(list(by_process), WAIT_S))
    assert by_worker == by_process == by_enqueue


def _send_raw(
    redis_url: str, requests: list[tuple[Any, dict[str, Any]]], expected: set[str]
) -> dict[str, str]:
    """Send each request as a foreign producer would; the error type the worker stored under
    each id that finished since, once every `expected` id has (or what finished, on time-out)."""
    store = open_store(Settings(redis_url=redis_url))
    seen = len(store.events())
    foreign = Celery(broker=redis_url, set_as_current=False)
    try:
        for article, options in requests:
            kwargs = {"article": article, "options": options}
            foreign.send_task(TASK_NAME, kwargs=kwargs, queue="newsworker", serializer="json")
    finally:
        foreign.close()

    def finished() -> set[str]:
        return {event["id"] for event in store.events()[seen:]}

    with contextlib.suppress(TimeoutError):  # then the comparison shows the ids used instead
        wait_for(lambda: expected <= finished(), WAIT_S, "the worker's failed results")
    return _error_types(r for r in map(store.get, finished()) if r is not None)


def _error_types(results: Iterable[Result]) -> dict[str, str]:
    """Each result's id and error type ("done" for one that did not fail)."""
    return {r.id: r.error.type if r.error else r.status.value for r in results}


def _line(article: Any, options: dict[str, Any]) -> Any:
    """A JSONL line: the article object with its options inside (a non-object as it is)."""
    return {**article, "options": options} if isinstance(article, dict) and options else article
