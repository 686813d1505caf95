"""Every kind of bad input in tests/e2e/bad_input.py, sent to a real worker as a raw Celery
message by a producer that knows only the task's name and JSON, and again through
`newsworker enqueue`: each gets a stored result that says what was wrong (or a sensible `done`),
and the worker keeps serving."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from tests.e2e.bad_input import CLI_KINDS, GOOD, KINDS, Kind
from tests.support import WorkerProcess, newsworker
from worker.config import Settings
from worker.producer.client import Producer
from worker.schemas import TASK_NAME, Result, Status, fallback_id

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


def test_every_kind_of_bad_input_through_the_cli_gets_a_clear_result(
    worker: WorkerProcess, redis_url: str, settings: Settings, tmp_path: Path
) -> None:
    """One `newsworker enqueue` of a JSONL file holding every kind, plus the CLI-only kinds as
    lines and files. Invalid input is stored `failed` by the CLI without being sent; the rest is
    judged by the worker. The CLI prints one id per input, in order, and exits 1."""
    lines = [json.dumps(_cli_line(kind)).encode() for kind in KINDS]
    lines += [raw.data for raw in CLI_KINDS if not raw.suffix]
    jsonl = tmp_path / "kinds.jsonl"
    jsonl.write_bytes(b"\n".join(lines) + b"\n")
    files = []
    for number, raw in enumerate(k for k in CLI_KINDS if k.suffix):
        files.append(tmp_path / f"kind-{number}{raw.suffix}")
        files[-1].write_bytes(raw.data)
    run = newsworker(redis_url, "enqueue", "--jsonl", str(jsonl), *map(str, files))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    names = [k.name for k in KINDS] + [k.name for k in CLI_KINDS]
    expected = [(k.status, k.says) for k in KINDS] + [(k.status, k.says) for k in CLI_KINDS]
    ids = run.stdout.split()
    assert len(ids) == len(names) == len(KINDS) + len(CLI_KINDS)
    good = _good_through_the_cli(redis_url)
    results = _results(settings, [*ids, good])
    wrong = [
        (name, results.get(i))
        for name, i, (status, says) in zip(names, ids, expected, strict=True)
        if i not in results or results[i].status.value != status or not _says(results[i], says)
    ]
    assert not wrong, wrong
    assert results[good].status == Status.DONE and results[good].summary
    assert worker.process is not None and worker.process.poll() is None


def test_out_of_range_option_flags_store_a_failed_result(
    worker: WorkerProcess, redis_url: str, settings: Settings
) -> None:
    text = f"{GOOD} {uuid.uuid4().hex}."
    run = newsworker(redis_url, "enqueue", "-", "--summary-sentences", "0", stdin=text)
    assert run.returncode == 1 and "summary_sentences" in run.stderr
    [result] = _results(settings, [run.stdout.strip()]).values()
    assert result.status == Status.FAILED and result.error is not None
    assert "greater than or equal to 1" in result.error.message


def _cli_line(kind: Kind) -> Any:
    """The kind as a JSONL line: the article object with its options inside."""
    article, _ = _with_id(kind)
    return {**article, "options": kind.options} if isinstance(article, dict) else article


def _good_through_the_cli(redis_url: str) -> str:
    run = newsworker(redis_url, "enqueue", "-", stdin=f"{GOOD} {uuid.uuid4().hex}.")
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def _results(settings: Settings, ids: list[str]) -> dict[str, Result]:
    producer = Producer(settings)
    try:
        results = {r.id: r for r in producer.store.wait(ids, WAIT_S)}
    finally:
        producer.close()
    assert set(results) == set(ids), f"never finished: {set(ids) - set(results)}"
    return results
