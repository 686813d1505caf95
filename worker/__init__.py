"""newsworker: a Celery worker that summarises and topic-tags news articles.

Only :mod:`worker.nlp` imports torch and transformers; everything else (the CLI, the producer
helper, the store) stays light so that producers can enqueue without loading a model.
"""

__version__ = "0.1.0"
