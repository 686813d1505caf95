"""Redis key names, in one place. Every key the project writes starts with ``newsworker:``."""

PREFIX = "newsworker:"
RESULT_PREFIX = f"{PREFIX}result:"
DELIVERIES_PREFIX = f"{PREFIX}deliveries:"
HEARTBEAT_PREFIX = f"{PREFIX}worker:"
EVENTS_STREAM = f"{PREFIX}events"
REPRINT_PREFIX = f"{PREFIX}reprints:"  # the reprint index (worker/reprints.py)
REPRINT_SEQ = f"{REPRINT_PREFIX}seq"
REPRINT_DOC_PREFIX = f"{REPRINT_PREFIX}doc:"


def result_key(article_id: str) -> str:
    """The key of one article's result document."""
    return f"{RESULT_PREFIX}{article_id}"


def deliveries_key(task_id: str) -> str:
    """The counter of how often one Celery message has been delivered to a worker."""
    return f"{DELIVERIES_PREFIX}{task_id}"


def heartbeat_key(hostname: str) -> str:
    """The key a live worker refreshes with a TTL, read by `newsworker health` and `status`."""
    return f"{HEARTBEAT_PREFIX}{hostname}"


def reprint_id_key(article_id: str) -> str:
    """An indexed article's number in the reprint index."""
    return f"{REPRINT_PREFIX}id:{article_id}"


def reprint_bucket_key(generation: int, shard: int) -> str:
    """One shard of one generation's band values in the reprint index."""
    return f"{REPRINT_PREFIX}b:{generation}:{shard}"


def reprint_count_key(generation: int) -> str:
    """How many articles one generation of the reprint index holds."""
    return f"{REPRINT_PREFIX}count:{generation}"
