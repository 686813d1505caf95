"""Results in Redis: one JSON document per article, status changes, TTL and completion events.

Every write goes through :class:`ResultStore`, opened from settings by :func:`open_store`;
Redis errors are wrapped as :class:`~worker.errors.StoreUnavailable` at this edge.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import redis

from worker import keys
from worker.config import Settings
from worker.errors import StoreUnavailable
from worker.schemas import Result, Status, utc_now

# Write a `queued` document unless the same content is already queued, processing or done.
_CLAIM_LUA = """
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, doc = pcall(cjson.decode, cur)
  if ok and doc['content_hash'] == ARGV[2] and doc['status'] ~= 'failed' then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
"""


def connect(url: str, timeout_s: float = 5.0) -> redis.Redis:
    """A Redis client for `url` (redis://, rediss:// with TLS, passwords in the URL)."""
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        health_check_interval=30,
        retry_on_timeout=True,
    )


def open_store(settings: Settings) -> ResultStore:
    """The result store at `settings.redis_url`, with the settings' TTL and stream cap."""
    client = connect(settings.redis_url, settings.redis_timeout_s)
    return ResultStore(client, settings.result_ttl_s, settings.events_maxlen)


@contextmanager
def redis_errors(action: str) -> Iterator[None]:
    """Turn a Redis connection failure into StoreUnavailable, saying what was being done."""
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise StoreUnavailable(f"cannot reach Redis while {action}: {exc}") from exc


class ResultStore:
    """Reads and writes result documents with a TTL and publishes completion events."""

    def __init__(self, client: redis.Redis, ttl_s: int, events_maxlen: int = 100_000) -> None:
        self.client = client
        self.ttl_s = ttl_s
        self.events_maxlen = events_maxlen
        self._claim = client.register_script(_CLAIM_LUA)

    def ping(self) -> bool:
        """True when Redis answers."""
        with redis_errors("pinging"):
            return bool(self.client.ping())

    def get(self, article_id: str) -> Result | None:
        """The stored result, or None when there is none (never sent, or expired)."""
        with redis_errors("reading a result"):
            raw = self.client.get(keys.result_key(article_id))
        return Result.from_json(raw) if raw else None

    def get_many(self, article_ids: Sequence[str]) -> list[Result | None]:
        """Results for several ids in one round trip, in the same order."""
        if not article_ids:
            return []
        with redis_errors("reading results"):
            raws = self.client.mget([keys.result_key(i) for i in article_ids])
        return [Result.from_json(raw) if raw else None for raw in raws]

    def claim(self, queued: Result) -> bool:
        """Store a `queued` result unless this content is already queued, processing or done.

        Returns False when the article needs no new inference (a duplicate send).
        """
        with redis_errors("queueing a result"):
            written = self._claim(
                keys=[keys.result_key(queued.id)],
                args=[queued.to_json(), queued.content_hash or "", self.ttl_s],
            )
        return bool(written)

    def put(self, result: Result) -> None:
        """Store a result as it is (used for `processing`)."""
        with redis_errors("writing a result"):
            self.client.set(keys.result_key(result.id), result.to_json(), ex=self.ttl_s)

    def finish(self, result: Result) -> None:
        """Store a final (`done` or `failed`) result and announce it on the events stream."""
        result.finished_at = result.finished_at or utc_now()
        event: dict[Any, Any] = {
            "id": result.id,
            "status": result.status.value,
            "finished_at": result.finished_at,
        }
        with redis_errors("storing a final result"):
            pipe = self.client.pipeline(transaction=True)
            pipe.set(keys.result_key(result.id), result.to_json(), ex=self.ttl_s)
            pipe.xadd(keys.EVENTS_STREAM, event, maxlen=self.events_maxlen, approximate=True)
            pipe.execute()

    def events(self) -> list[dict[str, str]]:
        """The completion events on the stream, oldest first (at most `events_maxlen` or so)."""
        with redis_errors("reading the events stream"):
            entries: list[tuple[str, dict[str, str]]] = self.client.xrange(keys.EVENTS_STREAM)  # type: ignore[assignment]
        return [fields for _, fields in entries]

    def count_delivery(self, task_id: str) -> int:
        """Count one more delivery of a message; the count outlives crashes of the worker."""
        key = keys.deliveries_key(task_id)
        with redis_errors("counting a delivery"):
            pipe = self.client.pipeline(transaction=True)
            pipe.incr(key)
            pipe.expire(key, self.ttl_s)
            count, _ = pipe.execute()
        return int(count)

    def wait(
        self, article_ids: Sequence[str], timeout_s: float, poll_s: float = 0.2
    ) -> Iterator[Result]:
        """Yield each article's result once it is final, in completion order, until `timeout_s`."""
        pending = list(dict.fromkeys(article_ids))
        deadline = time.monotonic() + timeout_s
        while pending and time.monotonic() < deadline:
            still: list[str] = []
            for article_id, result in zip(pending, self.get_many(pending), strict=True):
                if result is not None and result.status in (Status.DONE, Status.FAILED):
                    yield result
                else:
                    still.append(article_id)
            pending = still
            if pending:
                time.sleep(poll_s)

    def heartbeat(self, hostname: str, info: dict[str, Any], ttl_s: float) -> None:
        """Mark a worker alive for `ttl_s` seconds, with what it runs (no secrets)."""
        fields: dict[Any, Any] = {k: str(v) for k, v in info.items()}
        with redis_errors("writing a heartbeat"):
            pipe = self.client.pipeline(transaction=True)
            pipe.hset(keys.heartbeat_key(hostname), mapping=fields)
            pipe.expire(keys.heartbeat_key(hostname), max(1, int(ttl_s)))
            pipe.execute()

    def clear_heartbeat(self, hostname: str) -> None:
        """Remove a stopping worker's heartbeat so it leaves `status` at once."""
        with redis_errors("removing a heartbeat"):
            self.client.delete(keys.heartbeat_key(hostname))

    def delete(self, article_id: str) -> None:
        """Remove a result (used when a queued message could not be sent)."""
        with redis_errors("deleting a result"):
            self.client.delete(keys.result_key(article_id))

    def workers(self) -> list[dict[str, str]]:
        """The live workers' heartbeat records."""
        with redis_errors("listing workers"):
            names = sorted(self.client.scan_iter(match=f"{keys.HEARTBEAT_PREFIX}*", count=100))
            records: list[dict[str, str]] = [self.client.hgetall(n) for n in names]  # type: ignore[misc]
            return records
