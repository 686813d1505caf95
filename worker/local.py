"""Run the pipeline in this process, without a broker (`newsworker process`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from worker.config import Settings
from worker.errors import InputError
from worker.inputs import Submission
from worker.pipeline import Pipeline, build_pipeline
from worker.schemas import ErrorInfo, Result, Status, fallback_id, parse_request, utc_now


def process_all(
    settings: Settings, submissions: Iterable[Submission], options: dict[str, Any]
) -> Iterator[Result]:
    """One result per submission, in input order; bad input gives a `failed` result."""
    pipeline: Pipeline | None = None
    for item in submissions:
        if pipeline is None:
            pipeline = build_pipeline(settings)
        yield process_one(pipeline, item, options)


def process_one(pipeline: Pipeline, item: Submission, options: dict[str, Any]) -> Result:
    """The final result for one submission."""
    started = utc_now()
    try:
        if item.error is not None:
            raise item.error
        article, opts = parse_request(item.article, item.options_over(options))
        result = pipeline.process(article, opts)
    except InputError as exc:
        result = Result(
            id=fallback_id(item.article),
            status=Status.FAILED,
            error=ErrorInfo.of(exc),
        )
    result.started_at, result.finished_at = started, utc_now()
    return result
