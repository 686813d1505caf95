"""Build the Celery app from Settings. Each reliability setting says why it is there."""

from __future__ import annotations

from celery import Celery

from worker.config import Settings


def create_app(settings: Settings, *, with_tasks: bool = True) -> Celery:
    """A Celery app for `settings`; producers pass ``with_tasks=False`` and send by name."""
    app = Celery("newsworker", broker=settings.broker, set_as_current=False)
    app.conf.update(
        # JSON only: a pickle message could run code in the worker.
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        event_serializer="json",
        # Results are written by the project with their own TTL, not by Celery's backend.
        result_backend=None,
        task_ignore_result=True,
        task_default_queue=settings.queue,
        # Ack after the work is done, and hand the message back if the child dies mid-task,
        # so a killed worker loses nothing (redeliveries are capped in worker.service.job).
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # One message at a time per process: nothing sits prefetched in a worker that may die.
        worker_prefetch_multiplier=1,
        # A message is redelivered only after the visibility timeout, which must exceed the
        # hard time limit or Redis would hand running work to a second worker.
        # kombu sweeps for such messages every 10 s but scans Redis only on every 10th sweep, so
        # a dead worker's message could wait 100 s past the timeout; scan on every sweep (one
        # cheap ZRANGE per worker every 10 s).
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout_s,
            "unacked_restore_interval": 10,
            "unacked_restore_throttle": 1,
        },
        task_soft_time_limit=settings.task_soft_time_limit_s,
        task_time_limit=settings.task_time_limit_s,
        # After a broker disconnect, late-ack tasks would be redelivered while still running.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        # Children load the model in worker_process_init, which takes longer than the 4 s default.
        worker_proc_alive_timeout=settings.model_load_timeout_s,
        worker_max_memory_per_child=settings.max_memory_per_child_kb,
        # Task events for Flower.
        worker_send_task_events=True,
        task_send_sent_event=True,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
    )
    if with_tasks:
        from tasks.articles import register

        register(app)
    return app
