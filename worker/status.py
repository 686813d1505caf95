"""What `newsworker status` and `newsworker health` report. Nothing sensitive: no URLs, no text."""

from __future__ import annotations

import socket
from typing import Any

from worker import keys
from worker.config import Settings
from worker.errors import StoreUnavailable
from worker.store import ResultStore, connect, redis_errors


def _store(settings: Settings) -> ResultStore:
    return ResultStore(connect(settings.redis_url, settings.redis_timeout_s), settings.result_ttl_s)


def service_status(settings: Settings) -> dict[str, Any]:
    """Queue depth, live workers and the completion stream's length."""
    store = _store(settings)
    with redis_errors("reading the status"):
        events = int(store.client.xlen(keys.EVENTS_STREAM))
    return {
        "redis": "ok" if store.ping() else "down",
        "queue": settings.queue,
        "queued": store.queue_depth(settings.queue),
        "workers": store.workers(),
        "events": events,
    }


def check_health(settings: Settings, this_host: bool = False) -> dict[str, Any]:
    """Healthy when Redis answers and a worker (on this host, if asked) has a fresh heartbeat."""
    try:
        workers = _store(settings).workers()
    except StoreUnavailable:
        return {"healthy": False, "redis": "down", "workers": 0}
    if this_host:
        host = socket.gethostname()
        workers = [w for w in workers if w.get("hostname", "").endswith(f"@{host}")]
    return {"healthy": bool(workers), "redis": "ok", "workers": len(workers)}
