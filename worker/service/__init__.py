"""The service: the consumer side of the queue.

A worker starts (:mod:`.start`, sized by :mod:`.sizing`), builds its Celery app (:mod:`.app`),
loads its per-process resources once after the fork (:mod:`.resources`), and runs one job per
message (:mod:`.job`) that the task in ``tasks/articles.py`` hands it. Beside the work: a
heartbeat in Redis (:mod:`.heartbeat`), Prometheus metrics (:mod:`.metrics`) and what
`newsworker status` and `health` report (:mod:`.status`).
"""
