"""Per-process resources (settings, result store, pipeline), built once and handed to jobs.

In a prefork worker they are built in each child after the fork (`worker_process_init`), so
torch and the model are never initialised in the parent. Other pools build them on first use.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field

from worker.config import Settings, get_settings
from worker.nlp.pipeline import Pipeline
from worker.reprints import ReprintIndex, open_index
from worker.service import metrics
from worker.store import ResultStore, open_store

log = logging.getLogger(__name__)


@dataclass
class Resources:
    """What a job needs: the settings, the result store, the loaded pipeline and the reprint
    index (None when the worker's settings turn reprint detection off)."""

    settings: Settings
    store: ResultStore
    pipeline: Pipeline
    reprints: ReprintIndex | None = None


@dataclass
class _ProcessState:
    """This process's configured settings and built resources (inherited across a fork)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    settings: Settings | None = None
    resources: Resources | None = None


_state = _ProcessState()


def configure(settings: Settings) -> None:
    """Use these settings (instead of the environment's) for resources built in this process."""
    _state.settings = settings


def current_settings() -> Settings:
    """The settings given to :func:`configure`, else those from the environment."""
    return _state.settings or get_settings()


def get_resources() -> Resources:
    """This process's resources, built on first call (thread-safe)."""
    with _state.lock:
        if _state.resources is None:
            _state.resources = build_resources(current_settings())
        return _state.resources


def build_resources(settings: Settings) -> Resources:
    """Set the torch thread count, load the model and connect to Redis."""
    from worker.nlp.loading import load_pipeline

    start = time.perf_counter()
    settings = settings.model_copy(update={"torch_threads": settings.torch_threads or 1})
    pipeline = load_pipeline(settings)
    store = open_store(settings)
    reprints = (
        open_index(settings.redis_url, settings.reprint_window, settings.redis_timeout_s)
        if settings.reprints
        else None
    )
    metrics.observe_model_load(time.perf_counter() - start)
    log.info(
        "model loaded pid=%s embedder=%s encoder=%s device=%s threads=%s load_s=%.2f",
        os.getpid(),
        pipeline.encoder.spec.name,
        type(pipeline.encoder).__name__,
        pipeline.encoder.device,
        settings.torch_threads,
        time.perf_counter() - start,
    )
    return Resources(settings=settings, store=store, pipeline=pipeline, reprints=reprints)
