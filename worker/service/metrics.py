"""Prometheus metrics of a worker: articles by outcome, failures by reason, stage latencies,
model load time, queue depth and messages no worker consumes, served at
``http://<worker>:NEWSWORKER_METRICS_PORT/metrics``.

Prefork children record into files in one directory (prometheus_client's multiprocess mode,
chosen by ``PROMETHEUS_MULTIPROC_DIR`` before any metric exists, so :func:`serve` runs in the
worker's parent before the app is built). The parent serves every child's figures together,
and reads the broker (queue depths, unconsumed messages) at each scrape. docs/operations.md lists
what to watch.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from worker.schemas import Result

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric
    from prometheus_client.registry import Collector

    from worker.reprints import ReprintCheck

log = logging.getLogger(__name__)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
SECONDS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


class _Metrics:
    """The metric objects, created on first use (after the multiprocess directory is set)."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        self.articles = Counter(
            "newsworker_articles", "Articles finished, by outcome (done or failed).", ["outcome"]
        )
        self.failures = Counter(
            "newsworker_articles_failed", "Failed articles, by reason (error type).", ["reason"]
        )
        self.seconds = Histogram(
            "newsworker_article_seconds", "From delivery to stored result.", buckets=SECONDS
        )
        self.stages = Histogram(
            "newsworker_stage_seconds", "Time in each pipeline stage.", ["stage"], buckets=SECONDS
        )
        self.reprints = Counter(
            "newsworker_reprints",
            "Articles looked up in the reprint index, by finding (duplicate, related, new).",
            ["finding"],
        )
        self.model_load = Gauge(
            "newsworker_model_load_seconds",
            "How long loading the models took.",
            multiprocess_mode="max",
        )


_metrics: _Metrics | None = None


def metrics() -> _Metrics:
    """This process's metric objects."""
    global _metrics  # noqa: PLW0603  # one set per process, created lazily on purpose
    if _metrics is None:
        _metrics = _Metrics()
    return _metrics


def observe(result: Result, seconds: float) -> None:
    """Count one finished article and its stage timings."""
    m = metrics()
    m.articles.labels(result.status.value).inc()
    if result.error is not None:
        m.failures.labels(result.error.type).inc()
    m.seconds.observe(seconds)
    for stage, ms in result.timings_ms.items():
        m.stages.labels(stage).observe(ms / 1000)


def observe_reprint(check: ReprintCheck) -> None:
    """Count one article looked up in the reprint index by what was found."""
    finding = "duplicate" if check.duplicate_of else "related" if check.related else "new"
    metrics().reprints.labels(finding).inc()


def observe_model_load(seconds: float) -> None:
    """Record how long this process took to load its models."""
    metrics().model_load.set(seconds)


def serve(port: int, *collectors: Collector) -> None:
    """Serve every process's metrics and `collectors` on `port` (in the parent, before forking)."""
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    for collector in collectors:
        registry.register(collector)
    try:
        start_http_server(port, registry=registry)
    except OSError as exc:
        log.warning("metrics not served: port %s is taken (%s)", port, exc)
        return
    log.info("metrics on http://0.0.0.0:%s/metrics", port)


def use_multiprocess_dir() -> str:
    """Point prometheus_client at a fresh directory for this worker's processes."""
    if not os.environ.get(MULTIPROC_ENV):
        path = tempfile.mkdtemp(prefix="newsworker-metrics-")
        atexit.register(shutil.rmtree, path, ignore_errors=True)  # ours, so ours to remove
        os.environ[MULTIPROC_ENV] = path
    return os.environ[MULTIPROC_ENV]


class QueueDepths:
    """A collector that reads how many messages wait in each queue, at scrape time."""

    def __init__(self, depth: Callable[[str], int], queues: Iterable[str]) -> None:
        self.depth = depth  # worker.service.broker.queue_depth on the broker
        self.queues = list(queues)

    def collect(self) -> Iterator[Metric]:
        """One gauge sample per queue; a queue whose depth cannot be read is left out."""
        from prometheus_client.core import GaugeMetricFamily

        family = GaugeMetricFamily(
            "newsworker_queue_depth", "Messages waiting in the queue.", labels=["queue"]
        )
        for queue in self.queues:
            try:
                family.add_metric([queue], float(self.depth(queue)))
            except Exception as exc:  # Redis down: the scrape still answers
                log.warning("queue depth of %s unreadable: %s", queue, exc)
        yield family


class UnconsumedMessages:
    """A collector of messages for our task on queues no live worker consumes, at scrape time."""

    def __init__(self, count: Callable[[], Mapping[str, int]]) -> None:
        self.count = count  # queue -> messages for newsworker.process_article (0: none or consumed)

    def collect(self) -> Iterator[Metric]:
        """One gauge sample per watched queue; nothing when the broker cannot be read."""
        from prometheus_client.core import GaugeMetricFamily

        family = GaugeMetricFamily(
            "newsworker_unconsumed_messages",
            "Messages for newsworker.process_article on a queue that no live worker consumes.",
            labels=["queue"],
        )
        try:
            counts = self.count()
        except Exception as exc:  # Redis down: the scrape still answers
            log.warning("unconsumed messages unreadable: %s", exc)
            counts = {}
        for queue, messages in sorted(counts.items()):
            family.add_metric([queue], float(messages))
        yield family
