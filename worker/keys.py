"""Redis key names, in one place. Every key the project writes starts with ``newsworker:``."""

PREFIX = "newsworker:"
RESULT_PREFIX = f"{PREFIX}result:"
DELIVERIES_PREFIX = f"{PREFIX}deliveries:"
HEARTBEAT_PREFIX = f"{PREFIX}worker:"
EVENTS_STREAM = f"{PREFIX}events"


def result_key(article_id: str) -> str:
    """The key of one article's result document."""
    return f"{RESULT_PREFIX}{article_id}"


def deliveries_key(task_id: str) -> str:
    """The counter of how often one Celery message has been delivered to a worker."""
    return f"{DELIVERIES_PREFIX}{task_id}"


def heartbeat_key(hostname: str) -> str:
    """The key a live worker refreshes with a TTL, read by `newsworker health` and `status`."""
    return f"{HEARTBEAT_PREFIX}{hostname}"
