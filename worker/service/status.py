"""What `newsworker status` and `newsworker health` report. Nothing sensitive: no URLs, no text."""

from __future__ import annotations

import socket
from typing import Any

from worker import keys
from worker.config import Settings
from worker.errors import StoreUnavailable
from worker.reprints import open_index
from worker.schemas import TASK_NAME
from worker.service import broker
from worker.store import open_store, redis_errors

NOT_INSPECTED = "not inspected: the broker URL is not redis:// or rediss://"


def service_status(settings: Settings) -> dict[str, Any]:
    """Queue depth, live workers, the completion stream's length and unconsumed messages."""
    store = open_store(settings)
    with redis_errors("reading the status"):
        events = int(store.client.xlen(keys.EVENTS_STREAM))
    workers = store.workers()
    return {
        "redis": "ok" if store.ping() else "down",
        "queue": settings.queue,
        **_broker_report(settings, workers),
        "workers": workers,
        "events": events,
        "reprint_index": _reprint_index(settings),
    }


def _reprint_index(settings: Settings) -> dict[str, Any]:
    """About how many articles the reprint index holds, and how far back it looks."""
    if not settings.reprints:
        return {"enabled": False}
    index = open_index(settings.redis_url, settings.reprint_window, settings.redis_timeout_s)
    return {"enabled": True, "articles": index.size(), "window_s": settings.reprint_window}


def _broker_report(settings: Settings, workers: list[dict[str, str]]) -> dict[str, Any]:
    """`queued` and `unconsumed` (every list on the broker that no live worker consumes)."""
    client = broker.open_broker(settings)
    if client is None:
        return {"queued": None, "unconsumed": None, "broker": NOT_INSPECTED}
    try:
        consumed = broker.consumed_queues(workers)
        found = broker.find_unconsumed(
            client, settings, broker.queues_with_messages(client), consumed
        )
        return {
            "queued": broker.queue_depth(client, settings.queue),
            "unconsumed": [u.to_dict() for u in found],
        }
    finally:
        client.close()


def warnings(report: dict[str, Any]) -> list[str]:
    """One line per problem in a `service_status` report that someone should act on."""
    if report.get("broker") == NOT_INSPECTED:
        return [f"warning: broker {NOT_INSPECTED}; unconsumed messages are not looked for"]
    return [
        f"warning: {u['messages']} {TASK_NAME} messages wait on queue '{u['queue']}', "
        f"which no worker consumes; fix: {u['fix']}"
        for u in report.get("unconsumed") or []
    ]


def check_health(settings: Settings, this_host: bool = False) -> dict[str, Any]:
    """Healthy when Redis answers and a worker (on this host, if asked) has a fresh heartbeat."""
    try:
        workers = open_store(settings).workers()
    except StoreUnavailable:
        return {"healthy": False, "redis": "down", "workers": 0}
    if this_host:
        host = socket.gethostname()
        workers = [w for w in workers if w.get("hostname", "").endswith(f"@{host}")]
    return {"healthy": bool(workers), "redis": "ok", "workers": len(workers)}
