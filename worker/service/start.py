"""Start a Celery worker with a pool, concurrency and torch threads that suit the machine."""

from __future__ import annotations

import logging
import os
import socket
from functools import partial
from typing import Any

from celery import signals

from worker.config import Settings
from worker.service import broker, metrics, resources
from worker.service.app import create_app
from worker.service.heartbeat import Heartbeat
from worker.service.sizing import WorkerPlan, plan_worker
from worker.store import open_store

log = logging.getLogger(__name__)
LOG_FORMAT = "%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    """One format for the worker and its children; Celery does not take over the root logger."""
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT)
    for noisy in ("httpx", "urllib3", "filelock", "trafilatura", "htmldate"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def default_hostname() -> str:
    """A node name unique per process, so that two workers on one host do not collide."""
    return f"newsworker-{os.getpid()}@{socket.gethostname()}"


def default_queues(settings: Settings, plan: WorkerPlan) -> list[str]:
    """A GPU worker consumes the GPU queue (NEWSWORKER_GPU_QUEUE), a CPU worker the main one."""
    return [settings.gpu_queue if plan.device == "cuda" else settings.queue]


def run_worker(
    settings: Settings, queues: list[str] | None = None, hostname: str | None = None
) -> None:
    """Run a worker in this process until it is stopped (SIGTERM finishes the current work)."""
    configure_logging(settings.log_level)
    plan = plan_worker(settings)
    queues = queues or default_queues(settings, plan)
    if settings.metrics_port:
        _serve_metrics(settings, queues)
    settings = settings.model_copy(
        update={
            "torch_threads": plan.torch_threads,
            "device": plan.device,
            "pool": plan.pool,
            "concurrency": plan.concurrency,
        }
    )
    os.environ.setdefault("OMP_NUM_THREADS", str(plan.torch_threads))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    resources.configure(settings)
    if plan.pool != "prefork":
        resources.get_resources()  # no fork follows, so load now and be ready before consuming
    node = hostname or default_hostname()
    _install_heartbeat(settings, plan, queues, node)
    log.info("starting worker %s with %s", node, plan)
    app = create_app(settings)
    app.worker_main(
        [
            "worker",
            f"--pool={plan.pool}",
            f"--concurrency={plan.concurrency}",
            f"--queues={','.join(queues)}",
            f"--hostname={node}",
            f"--loglevel={settings.log_level}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


def _serve_metrics(settings: Settings, queues: list[str]) -> None:
    """Metrics of this worker and its children, before any child is forked.

    The broker is read at each scrape: the depth of this worker's queues, and our messages on the
    queues where they may wait unconsumed (Celery's default, ours, this worker's); a fixed set,
    so that a scrape never SCANs the keyspace.
    """
    metrics.use_multiprocess_dir()
    port = int(settings.metrics_port or 0)
    client = broker.open_broker(settings)
    if client is None:
        log.warning("no queue metrics: the broker URL is not redis:// or rediss://")
        metrics.serve(port)
        return
    store = open_store(settings)
    watched = broker.watched_queues(settings, queues)

    def unconsumed() -> dict[str, int]:
        consumed = broker.consumed_queues(store.workers())
        return broker.unconsumed_counts(client, settings, watched, consumed)

    depths = metrics.QueueDepths(partial(broker.queue_depth, client), queues)
    metrics.serve(port, depths, metrics.UnconsumedMessages(unconsumed))


def _install_heartbeat(settings: Settings, plan: WorkerPlan, queues: list[str], node: str) -> None:
    store = open_store(settings)
    info = {
        "pool": plan.pool,
        "concurrency": plan.concurrency,
        "torch_threads": plan.torch_threads,
        "device": plan.device,
        "queues": ",".join(queues),
        "embedder": settings.embedder,
        "summariser": settings.summariser_model or settings.summariser,
        "topics": settings.topic_model or settings.topic_head or "embedding",
    }
    beat = Heartbeat(store, node, info, settings.heartbeat_s)

    def started(**_: Any) -> None:
        beat.start()

    def stopped(**_: Any) -> None:
        beat.stop()

    signals.worker_ready.connect(started, weak=False)
    signals.worker_shutdown.connect(stopped, weak=False)
