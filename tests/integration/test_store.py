"""ResultStore against a real Redis: TTLs, duplicate detection, events and delivery counts."""

from __future__ import annotations

import redis

from tests.support import stream_events
from worker import keys
from worker.schemas import ErrorInfo, Result, Status
from worker.store import ResultStore

TTL_S = 3600


def _store(client: redis.Redis) -> ResultStore:
    return ResultStore(client, ttl_s=TTL_S, events_maxlen=1000)


def _queued(article_id: str = "a1", digest: str = "h1") -> Result:
    return Result(id=article_id, status=Status.QUEUED, content_hash=digest)


def test_claim_writes_a_queued_result_with_the_ttl(scratch_redis: redis.Redis) -> None:
    store = _store(scratch_redis)
    assert store.claim(_queued())
    stored = store.get("a1")
    assert stored is not None and stored.status == Status.QUEUED
    assert 0 < scratch_redis.ttl(keys.result_key("a1")) <= TTL_S


def test_claim_refuses_the_same_content_while_queued_or_done(scratch_redis: redis.Redis) -> None:
    store = _store(scratch_redis)
    assert store.claim(_queued())
    assert not store.claim(_queued())
    store.finish(Result(id="a1", status=Status.DONE, content_hash="h1", summary="s"))
    assert not store.claim(_queued())
    stored = store.get("a1")
    assert stored is not None and stored.status == Status.DONE


def test_claim_accepts_new_content_or_a_retry_after_failure(scratch_redis: redis.Redis) -> None:
    store = _store(scratch_redis)
    store.finish(Result(id="a1", status=Status.DONE, content_hash="h1"))
    assert store.claim(_queued(digest="h2"))
    store.finish(
        Result(
            id="a1", status=Status.FAILED, content_hash="h2", error=ErrorInfo(type="X", message="m")
        )
    )
    assert store.claim(_queued(digest="h2"))


def test_finish_stores_the_result_and_appends_one_event(scratch_redis: redis.Redis) -> None:
    store = _store(scratch_redis)
    store.finish(Result(id="a1", status=Status.DONE, content_hash="h1", summary="text"))
    events = stream_events(scratch_redis)
    assert len(events) == 1
    fields = events[0]
    assert fields["id"] == "a1" and fields["status"] == "done" and fields["finished_at"]
    stored = store.get("a1")
    assert stored is not None and stored.finished_at == fields["finished_at"]
    assert scratch_redis.ttl(keys.result_key("a1")) > 0


def test_delivery_count_grows_per_delivery_and_expires(scratch_redis: redis.Redis) -> None:
    store = _store(scratch_redis)
    assert [store.count_delivery("t1") for _ in range(3)] == [1, 2, 3]
    assert store.count_delivery("t2") == 1
    assert scratch_redis.ttl(keys.deliveries_key("t1")) > 0


def test_wait_yields_final_results_and_stops_at_the_timeout(scratch_redis: redis.Redis) -> None:
    store = _store(scratch_redis)
    store.finish(Result(id="done1", status=Status.DONE))
    store.put(Result(id="busy1", status=Status.PROCESSING))
    got = list(store.wait(["done1", "busy1", "done1"], timeout_s=0.5, poll_s=0.05))
    assert [r.id for r in got] == ["done1"]


def test_heartbeats_are_listed_while_fresh(scratch_redis: redis.Redis) -> None:
    store = _store(scratch_redis)
    store.heartbeat("w1@host", {"pool": "prefork", "concurrency": 1}, ttl_s=30)
    assert store.workers() == [{"pool": "prefork", "concurrency": "1"}]
    store.clear_heartbeat("w1@host")
    assert store.workers() == []


def test_stored_document_is_plain_json_for_any_reader(scratch_redis: redis.Redis) -> None:
    import json

    _store(scratch_redis).finish(Result(id="a1", status=Status.DONE, summary="s"))
    document = json.loads(scratch_redis.get(keys.result_key("a1")) or "{}")
    for field in (
        "schema",
        "id",
        "status",
        "summary",
        "summary_sentences",
        "topics",
        "keywords",
        "language",
        "error",
        "model",
        "created_at",
        "finished_at",
        "duplicate_of",
        "similarity",
        "related",
    ):
        assert field in document
    assert document["schema"] == 3
    assert "fingerprint" not in document  # the job's, never stored
