"""The main job on the embedded default: Redis, a worker, the sample articles, their results.

Uses the Redis at NEWSWORKER_REDIS_URL when one answers, otherwise starts a private one; starts
a worker as a child process; enqueues every file in the examples directory; prints each
article's summary and topics as it arrives; stops what it started.
"""

from __future__ import annotations

import os
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

from rich.console import Console

from worker.config import Settings
from worker.errors import NewsworkerError
from worker.producer.client import Producer, redact_url
from worker.producer.readers import article_file_list, article_from_file
from worker.schemas import Result
from worker.tools.redis_server import RedisServer, answers
from worker.tools.worker_process import WorkerProcess

STOP_TIMEOUT_S = 60
# The demo's worker uses the demo's Redis as broker and store, whatever the shell says.
NOT_INHERITED = ("NEWSWORKER_REDIS_URL", "NEWSWORKER_BROKER_URL")


def run_demo(settings: Settings, examples: Path, timeout_s: float, console: Console) -> None:
    """Run the whole demo; raises NewsworkerError when an article does not come back."""
    paths = article_file_list(examples)
    with ExitStack() as stack:
        if not answers(settings.redis_url):
            server = stack.enter_context(RedisServer())
            where = redact_url(settings.redis_url)
            console.print(f"no Redis at {where}; started a private one at {server.url}")
            settings = settings.model_copy(update={"redis_url": server.url, "broker_url": None})
        else:
            console.print(f"using Redis at {redact_url(settings.redis_url)}")
        worker = _start_worker(settings)
        stack.callback(_stop_worker, worker, console)
        producer = Producer(settings)
        stack.callback(producer.close)
        ids = [producer.enqueue(article_from_file(p)) for p in paths]
        console.print(f"enqueued {len(ids)} articles from {examples}/; waiting for results")
        _print_results(producer, ids, paths, timeout_s, console)


def _start_worker(settings: Settings) -> WorkerProcess:
    """A worker on the demo's Redis, with the user's own NEWSWORKER_* settings, logging warnings."""
    own = {
        name: value
        for name, value in os.environ.items()
        if name.startswith("NEWSWORKER_") and name not in NOT_INHERITED
    }
    own["NEWSWORKER_LOG_LEVEL"] = "WARNING"
    worker = WorkerProcess(settings.redis_url, None, **own)
    return worker.start(wait=False)


def _stop_worker(worker: WorkerProcess, console: Console) -> None:
    try:
        worker.terminate(timeout_s=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        worker.kill_tree()
    console.print("worker stopped")


def _print_results(
    producer: Producer, ids: list[str], paths: list[Path], timeout_s: float, console: Console
) -> None:
    names = dict(zip(ids, (p.name for p in paths), strict=True))
    start, done = time.monotonic(), 0
    for result in producer.store.wait(ids, timeout_s):
        done += 1
        show_result(result, names.get(result.id, result.id), time.monotonic() - start, console)
    if done < len(set(ids)):
        raise NewsworkerError(
            f"only {done} of {len(set(ids))} articles finished in {timeout_s:g} s"
        )


def show_result(result: Result, name: str, elapsed_s: float, console: Console) -> None:
    """A readable block for one result."""
    console.rule(f"{name}  [{result.status.value}]  id={result.id}  +{elapsed_s:.1f}s")
    if result.error:
        console.print(f"[red]{result.error.type}: {result.error.message}[/red]")
        return
    console.print(f"[bold]{result.title or '(no title)'}[/bold]")
    console.print(f"summary: {result.summary}")
    topics = ", ".join(f"{t.label} ({t.score:.2f}, level {t.level})" for t in result.topics)
    topics = topics or "none"
    console.print(f"topics: {topics}")
    console.print(f"keywords: {', '.join(result.keywords)}")
    entities = ", ".join(
        f"{e.name} ({e.type}{', ' + e.country if e.country else ''})" for e in result.entities
    )
    if entities:  # none for other languages, or with NEWSWORKER_ENTITIES=false
        console.print(f"entities: {entities}")
    for warning in result.warnings:
        console.print(f"[yellow]warning: {warning}[/yellow]")
