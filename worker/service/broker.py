"""What waits on the broker: queue lengths, and our messages on queues that no worker consumes.

A producer that forgets ``queue="newsworker"`` sends to Celery's default queue ``celery``. No
newsworker worker listens there, so the message waits forever and nothing fails or logs.
This module finds such messages so that ``newsworker status`` and the metrics can say so.

It reads the broker without Celery. kombu's Redis transport keeps each queue as a Redis list
named after the queue (priorities 3, 6 and 9 in ``<name>\\x06\\x16<n>``), each item a JSON
envelope. Celery's message protocol 2 names the task in ``headers["task"]``; protocol 1 in the
body's ``task`` field (the body base64-encoded when ``properties.body_encoding`` says so).
Redis errors are wrapped as :class:`~worker.errors.StoreUnavailable`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from itertools import chain, islice
from typing import Any
from urllib.parse import urlsplit

import redis

from worker.config import Settings
from worker.schemas import TASK_NAME
from worker.store import connect, redis_errors

CELERY_DEFAULT_QUEUE = "celery"  # where Celery sends a task when no queue is given
PRIORITY_SEP = "\x06\x16"  # kombu's separator between a queue's name and a priority level
PRIORITY_STEPS = (3, 6, 9)  # kombu's levels besides 0, which is the queue's own list
SAMPLE_SIZE = 1000  # messages read per queue to count ours; the oldest ones
REDIS_SCHEMES = ("redis", "rediss")


@dataclass(frozen=True)
class Unconsumed:
    """Messages for our task waiting on a queue that no live worker consumes."""

    queue: str
    messages: int  # messages for TASK_NAME among the queue's oldest SAMPLE_SIZE
    length: int  # every message on the queue, ours or not
    fix: str  # one line: what to do about it

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used by `newsworker status`."""
        return asdict(self)


def open_broker(settings: Settings) -> redis.Redis | None:
    """A client on the broker, or None when the broker is not Redis and cannot be inspected."""
    if urlsplit(settings.broker).scheme not in REDIS_SCHEMES:
        return None
    return connect(settings.broker, settings.redis_timeout_s)


def queue_lists(queue: str) -> list[str]:
    """The Redis lists that hold a queue's messages: its own and one per priority level."""
    return [queue, *(f"{queue}{PRIORITY_SEP}{step}" for step in PRIORITY_STEPS)]


def queue_depth(client: redis.Redis, queue: str) -> int:
    """Messages waiting in a queue, at every priority (not counting those being run)."""
    with redis_errors("reading the queue length"):
        pipe = client.pipeline(transaction=False)
        for key in queue_lists(queue):
            pipe.llen(key)
        return sum(int(n) for n in pipe.execute())


def queues_with_messages(client: redis.Redis) -> set[str]:
    """The names of the queues that hold messages (every list on the broker, in fact)."""
    with redis_errors("listing the broker's queues"):
        names = list(client.scan_iter(count=1000, _type="list"))
    return {str(name).split(PRIORITY_SEP, 1)[0] for name in names}


def task_messages(client: redis.Redis, queue: str, limit: int = SAMPLE_SIZE) -> int:
    """How many of a queue's oldest `limit` messages are for TASK_NAME."""
    with redis_errors("reading a queue's messages"):
        pipe = client.pipeline(transaction=False)
        for key in queue_lists(queue):
            pipe.lrange(key, -limit, -1)  # producers LPUSH, so the oldest are at the tail
        lists: list[list[str]] = pipe.execute()
    return sum(1 for raw in islice(chain(*lists), limit) if task_name(raw) == TASK_NAME)


def task_name(raw: str) -> str | None:
    """The task a kombu envelope carries (protocol 2 or 1), or None when it cannot be read."""
    envelope = _json_object(raw)
    if envelope is None:
        return None
    headers = envelope.get("headers")
    if isinstance(headers, dict) and "task" in headers:
        return str(headers["task"])
    body = _body(envelope)
    return None if body is None or "task" not in body else str(body["task"])


def _body(envelope: dict[str, Any]) -> dict[str, Any] | None:
    """A protocol 1 body as a dict, when it is JSON (a pickled or msgpack body is not read)."""
    body = envelope.get("body")
    if envelope.get("content-type") != "application/json" or not isinstance(body, str):
        return None
    properties = envelope.get("properties")
    if isinstance(properties, dict) and properties.get("body_encoding") == "base64":
        try:
            body = base64.b64decode(body).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
    return _json_object(body)


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def consumed_queues(workers: Iterable[Mapping[str, str]]) -> set[str]:
    """The queues the live workers consume, from their heartbeat records."""
    return {q for w in workers for q in w.get("queues", "").split(",") if q}


def watched_queues(settings: Settings, own: Iterable[str] = ()) -> set[str]:
    """Where our messages go astray or wait: Celery's default queue, ours, and `own`."""
    return {CELERY_DEFAULT_QUEUE, settings.queue, settings.gpu_queue, *own}


def find_unconsumed(
    client: redis.Redis, settings: Settings, candidates: Iterable[str], consumed: Iterable[str]
) -> list[Unconsumed]:
    """The candidate queues that no worker consumes and that hold messages for TASK_NAME."""
    found: list[Unconsumed] = []
    for queue in sorted(set(candidates) - set(consumed)):
        messages = task_messages(client, queue)
        if messages:
            depth = queue_depth(client, queue)
            found.append(Unconsumed(queue, messages, depth, fix_for(settings, queue)))
    return found


def fix_for(settings: Settings, queue: str) -> str:
    """One line saying how to get a queue's messages processed."""
    start = f"newsworker worker --queues {queue}"
    if queue in (settings.queue, settings.gpu_queue):
        return f"start a worker on it: {start}"
    return (
        f"send with queue='{settings.queue}' (without a queue Celery sends to its default "
        f"queue '{CELERY_DEFAULT_QUEUE}'), or start a worker on it: {start}"
    )


def unconsumed_counts(
    client: redis.Redis, settings: Settings, candidates: Iterable[str], consumed: Iterable[str]
) -> dict[str, int]:
    """Messages for TASK_NAME per candidate queue that no worker consumes; 0 for the others."""
    counts = dict.fromkeys(candidates, 0)
    for found in find_unconsumed(client, settings, counts, consumed):
        counts[found.queue] = found.messages
    return counts
