"""Run the pipeline in this process, without a broker (`newsworker process`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from worker.config import Settings
from worker.errors import InputError
from worker.jobs import fallback_id, parse_request
from worker.pipeline import Pipeline, build_pipeline
from worker.schemas import ErrorInfo, Result, Status, utc_now


def process_all(
    settings: Settings, articles: Iterable[Any], options: dict[str, Any]
) -> Iterator[Result]:
    """One result per input article, in input order; bad input gives a `failed` result."""
    pipeline: Pipeline | None = None
    for raw in articles:
        if pipeline is None:
            pipeline = build_pipeline(settings)
        yield process_one(pipeline, raw, options)


def process_one(pipeline: Pipeline, raw: Any, options: dict[str, Any]) -> Result:
    """The final result for one raw article object."""
    started = utc_now()
    raw_options = (
        {**options, **(raw.pop("options", None) or {})} if isinstance(raw, dict) else options
    )
    try:
        article, opts = parse_request(raw, raw_options)
        result = pipeline.process(article, opts)
    except InputError as exc:
        result = Result(
            id=fallback_id(raw),
            status=Status.FAILED,
            error=ErrorInfo(type=type(exc).__name__, message=str(exc)),
        )
    result.started_at, result.finished_at = started, utc_now()
    return result
