"""The worker's Prometheus endpoint, scraped as Prometheus would while a real worker runs."""

from __future__ import annotations

import re
import urllib.request
import uuid
from pathlib import Path

from tests.support import WorkerProcess, wait_for
from worker.config import Settings
from worker.producer.client import Producer
from worker.schemas import TASK_NAME
from worker.service.broker import queue_lists
from worker.tools.redis_server import free_port


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return str(response.read().decode("utf-8"))


def _scrape_with(port: int, needle: str) -> str | None:
    text = _scrape(port)
    return text if needle in text else None


def _value(text: str, name: str, **labels: str) -> float:
    """The sample `name{labels}` of a scrape (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = (
        rf"^{re.escape(name)}(\{{{re.escape(wanted)}\}})? ([0-9.e+-]+)$"
        if labels
        else (rf"^{re.escape(name)} ([0-9.e+-]+)$")
    )
    for line in text.splitlines():
        match = re.match(pattern, line)
        if match:
            return float(match.groups()[-1])
    return 0.0


def test_metrics_count_outcomes_failures_stages_and_queues(
    redis_url: str, tmp_path: Path, settings: Settings
) -> None:
    port = free_port()
    queue = f"metrics-{uuid.uuid4().hex[:8]}"
    env = {"NEWSWORKER_METRICS_PORT": str(port)}
    with WorkerProcess(redis_url, tmp_path / "w.log", "--queues", queue, **env):
        producer = Producer(settings)
        try:
            # a foreign producer's message on Celery's default queue, which no worker consumes
            producer.app.send_task(TASK_NAME, kwargs={"article": {"text": "Lost."}}, queue="celery")
            good = [
                producer.enqueue(
                    {"text": f"The council met on day {i} {uuid.uuid4().hex}."}, queue=queue
                )
                for i in range(2)
            ]
            producer.app.send_task(
                "newsworker.process_article", kwargs={"article": {"text": 42}}, queue=queue
            )
            list(producer.store.wait(good, 90))
            text = wait_for(lambda: _scrape_with(port, "InputError"), 30, "the failure metric")
        finally:
            producer.store.client.delete(*queue_lists("celery"))  # no stray message for others
            producer.close()
    assert _value(text, "newsworker_articles_total", outcome="done") >= 2
    assert _value(text, "newsworker_articles_failed_total", reason="InputError") >= 1
    assert _value(text, "newsworker_stage_seconds_count", stage="encode") >= 2
    assert _value(text, "newsworker_model_load_seconds") > 0
    assert f'newsworker_queue_depth{{queue="{queue}"}} 0.0' in text  # read from Redis
    assert _value(text, "newsworker_unconsumed_messages", queue="celery") == 1
    assert f'newsworker_unconsumed_messages{{queue="{queue}"}} 0.0' in text  # consumed
    assert "council" not in text  # no article text in metrics
