"""One article job: validate, skip duplicates, cap redeliveries, run the pipeline, store the result.

No Celery here: :mod:`tasks.articles` calls :func:`run_job` with the message's kwargs and its
delivery id. Bad input and unexpected errors become `failed` results; only StoreUnavailable
escapes, so that the task can retry once Redis is back.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from worker import metrics
from worker.errors import InputError, NewsworkerError, TooManyDeliveries
from worker.resources import Resources
from worker.schemas import (
    ErrorInfo,
    Result,
    Status,
    article_id,
    content_hash,
    fallback_id,
    parse_request,
    utc_now,
)

log = logging.getLogger(__name__)


def run_job(
    resources: Resources,
    raw_article: Any,
    raw_options: Any,
    delivery_id: str,
    timeout_errors: tuple[type[BaseException], ...] = (),
) -> Result:
    """Process one message and store its final result; returns what was stored."""
    start = time.perf_counter()
    store = resources.store
    deliveries = store.count_delivery(delivery_id)
    try:
        article, options = parse_request(raw_article, raw_options)
    except InputError as exc:
        base = Result(id=fallback_id(raw_article), status=Status.FAILED, attempts=deliveries)
        return _fail(resources, base, exc, start)
    result_id, digest = article_id(article, options), content_hash(article, options)
    existing = store.get(result_id)
    if existing and existing.status == Status.DONE and existing.content_hash == digest:
        log.info("article id=%s outcome=duplicate duration_ms=0", result_id)
        metrics.metrics().articles.labels("duplicate").inc()
        return existing
    if deliveries > resources.settings.max_deliveries:
        error: NewsworkerError = TooManyDeliveries(
            f"processing this article stopped the worker {deliveries - 1} times; "
            "it is not retried again (max_deliveries="
            f"{resources.settings.max_deliveries})"
        )
        base = Result(id=result_id, status=Status.FAILED, content_hash=digest, attempts=deliveries)
        return _fail(resources, base, error, start)
    created_at = existing.created_at if existing else utc_now()
    processing = Result(
        id=result_id,
        status=Status.PROCESSING,
        title=article.title,
        url=article.url,
        content_hash=digest,
        attempts=deliveries,
        created_at=created_at,
        started_at=utc_now(),
    )
    store.put(processing)
    try:
        result = resources.pipeline.process(article, options)
    except timeout_errors:
        error = InputError(
            f"processing took longer than the time limit of "
            f"{resources.settings.task_soft_time_limit_s} s"
        )
        return _fail(resources, processing, error, start)
    except Exception as exc:
        log.exception("article id=%s raised an unexpected error", result_id)
        return _fail(resources, processing, exc, start)
    result.created_at, result.started_at = processing.created_at, processing.started_at
    result.attempts = deliveries
    store.finish(result)
    _log_outcome(result, start)
    return result


def _fail(resources: Resources, base: Result, exc: BaseException, start: float) -> Result:
    """Store `base` as `failed` with the error's type and message."""
    failed = base.model_copy(update={"status": Status.FAILED, "error": ErrorInfo.of(exc)})
    resources.store.finish(failed)
    _log_outcome(failed, start)
    return failed


def _log_outcome(result: Result, start: float) -> None:
    duration_ms = (time.perf_counter() - start) * 1000
    metrics.observe(result, duration_ms / 1000)
    reason = f" reason={result.error.type}" if result.error else ""
    log.info(
        "article id=%s outcome=%s duration_ms=%.1f%s",
        result.id,
        result.status.value,
        duration_ms,
        reason,
    )
