"""The Celery task ``newsworker.process_article``: a thin wrapper around the job.

The job (``worker.service.job.run_job``) holds the logic; this module only registers it.

The retry policy lives here and only here: StoreUnavailable (Redis down) is retried with
backoff; everything else has already become a stored `failed` result inside the job.
"""

from __future__ import annotations

from typing import Any

from billiard.exceptions import SoftTimeLimitExceeded
from celery import Celery, Task, signals

from worker.errors import StoreUnavailable
from worker.schemas import TASK_NAME
from worker.service.job import run_job
from worker.service.resources import get_resources


def process_article(
    task: Task, article: Any = None, options: Any = None, **unknown: Any
) -> dict[str, str]:
    """Summarise and tag one article; the result goes to Redis, the return value is a receipt."""
    if unknown:
        options = {**(options if isinstance(options, dict) else {}), **unknown}
    result = run_job(
        get_resources(), article, options, task.request.id or "", (SoftTimeLimitExceeded,)
    )
    return {"id": result.id, "status": result.status.value}


def register(app: Celery) -> None:
    """Register the task on `app` under its public name, with its retry policy."""
    app.task(
        name=TASK_NAME,
        bind=True,
        autoretry_for=(StoreUnavailable,),
        retry_backoff=True,
        retry_backoff_max=60,
        max_retries=None,
        ignore_result=True,
    )(process_article)
    signals.worker_process_init.connect(_load_in_child, weak=False)


def _load_in_child(**_: Any) -> None:
    """Load the model in each prefork child right after the fork, before it takes work."""
    get_resources()
