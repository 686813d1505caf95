"""Load: 5,000 articles enqueued through the CLI are all processed, and the worker's memory after
warm-up grows by less than 10% over the run. Figures are printed (pytest -s), not asserted."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

from tests.support import WorkerProcess, newsworker
from worker.config import Settings
from worker.producer.client import Producer
from worker.schemas import Status
from worker.tools.redis_server import RedisServer

ARTICLES = 5_000
WARM_UP = 500
TOPICS = ["council budget", "harbour strike", "cup final", "flood defences", "vaccine trial"]


def _jsonl(path: Path) -> list[str]:
    run = uuid.uuid4().hex[:8]
    ids = [f"load-{run}-{i}" for i in range(ARTICLES)]
    lines = [
        json.dumps(
            {
                "id": article_id,
                "text": f"The {TOPICS[i % 5]} story {i} went on today. Officials said item {i} of "
                f"the plan would cost {i * 3} thousand. Residents asked for more details.",
            }
        )
        for i, article_id in enumerate(ids)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ids


def _children_rss_mb(worker: WorkerProcess) -> float:
    return max((c.memory_info().rss for c in worker.children()), default=0) / 2**20


def _done_count(producer: Producer, ids: list[str]) -> int:
    found = producer.store.get_many(ids)
    return sum(1 for r in found if r is not None and r.status in (Status.DONE, Status.FAILED))


def test_5000_articles_through_the_cli_all_finish_and_memory_stays_flat(tmp_path: Path) -> None:
    with (
        RedisServer(appendonly=False) as server,
        WorkerProcess(server.url, tmp_path / "worker.log") as worker,
    ):
        ids = _jsonl(tmp_path / "load.jsonl")
        start = time.monotonic()
        sent = newsworker(
            server.url, "enqueue", "--jsonl", str(tmp_path / "load.jsonl"), timeout=600
        )
        assert sent.returncode == 0, sent.stderr[-2000:]
        assert sent.stdout.split() == ids
        enqueued_s = time.monotonic() - start
        producer = Producer(Settings(redis_url=server.url))
        try:
            while _done_count(producer, ids[:WARM_UP]) < WARM_UP:
                time.sleep(0.5)
            warm_rss = _children_rss_mb(worker)
            peak_rss = warm_rss
            while (done := _done_count(producer, ids)) < ARTICLES:
                assert time.monotonic() - start < 900, f"only {done} of {ARTICLES} finished"
                peak_rss = max(peak_rss, _children_rss_mb(worker))
                time.sleep(1.0)
            results = producer.store.get_many(ids)
        finally:
            producer.close()
        total_s = time.monotonic() - start
        end_rss = _children_rss_mb(worker)
    assert all(r is not None and r.status == Status.DONE for r in results)
    growth = (max(peak_rss, end_rss) - warm_rss) / warm_rss
    print(
        f"\n{ARTICLES} articles: enqueued by the CLI in {enqueued_s:.1f} s, all done in "
        f"{total_s:.1f} s ({ARTICLES / total_s:.1f} articles/s); worker child RSS after "
        f"{WARM_UP} articles {warm_rss:.0f} MB, peak {peak_rss:.0f} MB, end {end_rss:.0f} MB "
        f"(growth {growth:.1%})"
    )
    assert growth < 0.10
