"""Celery tasks: thin wrappers that hand a message to :mod:`worker.service.job`."""
