"""Run the pipeline in this process, without a broker (`newsworker process`).

Each input gets the result the worker would store for it, under the same id: a failure is built
by :func:`worker.schemas.failed_result`, as in the worker and in `newsworker enqueue`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from worker.config import Settings
from worker.errors import InputError
from worker.nlp.loading import load_pipeline
from worker.nlp.pipeline import Pipeline
from worker.producer.readers import Submission
from worker.schemas import Result, failed_result, parse_request, utc_now


def process_all(
    settings: Settings, submissions: Iterable[Submission], options: dict[str, Any]
) -> Iterator[Result]:
    """One result per submission, in input order; bad input gives a `failed` result."""
    pipeline: Pipeline | None = None
    for item in submissions:
        if pipeline is None:
            pipeline = load_pipeline(settings)
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
        result = failed_result(exc, item.article, item.options_over(options))
    result.started_at, result.finished_at = started, utc_now()
    return result
