"""One article job: validate, skip duplicates, cap redeliveries, run the pipeline, store the result.

No Celery here: the task in ``tasks/articles.py`` calls :func:`run_job` with the message's
kwargs and its delivery id. Bad input, time-outs and unexpected errors become `failed` results
(:func:`worker.schemas.failed_result`); only StoreUnavailable escapes, so that the task can
retry once Redis is back.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from worker.errors import InputError, TimeLimitExceeded, TooManyDeliveries
from worker.nlp.fingerprint import Fingerprint
from worker.schemas import (
    Article,
    Options,
    RelatedArticle,
    Result,
    Status,
    article_id,
    content_hash,
    failed_result,
    parse_request,
    utc_now,
)
from worker.service import metrics
from worker.service.resources import Resources

log = logging.getLogger(__name__)


def run_job(
    resources: Resources,
    raw_article: Any,
    raw_options: Any,
    delivery_id: str,
    timeout_errors: tuple[type[BaseException], ...] = (),
) -> Result:
    """Process one message and store its final result; returns what was stored."""
    job = _Job(resources, raw_article, raw_options, resources.store.count_delivery(delivery_id))
    try:
        article, options = parse_request(raw_article, raw_options)
    except InputError as exc:
        return job.fail(exc)
    result_id, digest = article_id(article, options), content_hash(article, options)
    existing = resources.store.get(result_id)
    if existing and existing.status == Status.DONE and existing.content_hash == digest:
        log.info("article id=%s outcome=duplicate duration_ms=0", result_id)
        metrics.metrics().articles.labels("duplicate").inc()
        return existing
    if job.deliveries > resources.settings.max_deliveries:
        return job.fail(
            TooManyDeliveries(
                f"processing this article stopped the worker {job.deliveries - 1} times; "
                f"it is not retried again (max_deliveries={resources.settings.max_deliveries})"
            )
        )
    processing = Result(
        id=result_id,
        status=Status.PROCESSING,
        title=article.title,
        url=article.url,
        content_hash=digest,
        attempts=job.deliveries,
        created_at=existing.created_at if existing else utc_now(),
        started_at=utc_now(),
    )
    resources.store.put(processing)
    return job.process(article, options, processing, timeout_errors)


@dataclass
class _Job:
    """One delivery of a message: what it carried, how often it came, and when it began."""

    resources: Resources
    raw_article: Any
    raw_options: Any
    deliveries: int
    start: float = field(default_factory=time.perf_counter)

    def process(
        self,
        article: Article,
        options: Options,
        processing: Result,
        timeout_errors: tuple[type[BaseException], ...],
    ) -> Result:
        """Run the pipeline and store its result, or the failure, with the processing times."""
        began = {"created_at": processing.created_at, "started_at": processing.started_at}
        try:
            result = self.resources.pipeline.process(article, options)
        except timeout_errors:
            limit_s = self.resources.settings.task_soft_time_limit_s
            error = TimeLimitExceeded(f"processing took longer than the time limit of {limit_s} s")
            return self.fail(error, **began)
        except Exception as exc:
            log.exception("article id=%s raised an unexpected error", processing.id)
            return self.fail(exc, **began)
        reprints = self._reprints(result)
        update = {**began, **reprints, "attempts": self.deliveries}
        return self.finish(result.model_copy(update=update))

    def _reprints(self, result: Result) -> dict[str, Any]:
        """`duplicate_of`, `similarity` and `related` from the reprint index (which this call
        also adds the article to), or nothing when the index or the request turns it off."""
        index = self.resources.reprints
        if index is None or result.fingerprint is None:
            return {}
        check = index.check(result.id, Fingerprint.from_bytes(result.fingerprint))
        metrics.observe_reprint(check)
        return {
            "duplicate_of": check.duplicate_of,
            "similarity": check.similarity,
            "related": [RelatedArticle(id=r.id, similarity=r.similarity) for r in check.related],
        }

    def fail(self, error: BaseException, **fields: Any) -> Result:
        """Store the message as `failed` with `error`, under the id the worker uses for it."""
        failed = failed_result(
            error, self.raw_article, self.raw_options, attempts=self.deliveries, **fields
        )
        return self.finish(failed)

    def finish(self, result: Result) -> Result:
        """Store a final result, count it and log one line."""
        self.resources.store.finish(result)
        _log_outcome(result, self.start)
        return result


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
