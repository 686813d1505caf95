"""The producer against a real Redis (no worker): invalid input is stored `failed` and never
queued, so a reader finds a result for everything it submitted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.support import stream_events
from worker.config import Settings
from worker.producer.client import Producer
from worker.schemas import Status, fallback_id


@pytest.fixture
def producer(scratch_redis: redis.Redis, redis_url: str) -> Iterator[Producer]:
    url = redis_url.rsplit("/", 1)[0] + "/1"  # the database scratch_redis empties
    made = Producer(Settings(redis_url=url, max_text_chars=1000))
    yield made
    made.close()


@pytest.mark.parametrize(
    ("article", "options", "says"),
    [
        ({"id": "no-text", "title": "t"}, None, "article.text: Field required"),
        ("just a string", None, "must be a JSON object"),
        ({"id": "long", "text": "word " * 1000}, None, "the limit is 1,000"),
        ({"id": "bad-option", "text": "A b."}, {"max_topics": -1}, "options.max_topics"),
    ],
)
def test_invalid_input_is_stored_failed_and_not_queued(
    producer: Producer, scratch_redis: redis.Redis, article: object, options: object, says: str
) -> None:
    article_id, error = producer.submit(article, options)
    assert error is not None and says in str(error)
    assert article_id == fallback_id(article)
    stored = producer.result(article_id)
    assert stored is not None and stored.status == Status.FAILED and stored.error is not None
    assert stored.error.message == str(error)
    assert producer.store.client.llen(producer.settings.queue) == 0  # the queue's list
    assert [e["id"] for e in stream_events(scratch_redis)] == [article_id]


def test_valid_input_is_queued(producer: Producer) -> None:
    article_id, error = producer.submit({"id": "fine", "text": "A b. C d."})
    assert (article_id, error) == ("fine", None)
    assert producer.store.client.llen(producer.settings.queue) == 1  # the queue's list
