"""The reprint index against a real Redis: originals, copies, redeliveries, related articles,
the window, concurrent copies and a Redis restart."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.support import assert_consistent
from worker.nlp.fingerprint import Fingerprint, fingerprint
from worker.reprints import ReprintIndex, open_index
from worker.tools.redis_server import RedisServer


def _story(topic: str, n: int = 14) -> str:
    return "\n\n".join(
        f"{topic} report {i}: officials in district {i} said {i * 11} {topic} cases were counted "
        f"on day {i}, and the {topic} board would meet again after reviewing {i + 3} files."
        for i in range(n)
    )


@pytest.fixture
def index(redis_url: str) -> Iterator[ReprintIndex]:
    """An index on database 2 of the test Redis, emptied before and after."""
    url = redis_url.rsplit("/", 1)[0] + "/2"
    found = open_index(url, window_s=3600)
    found.client.flushdb()
    yield found
    found.client.flushdb()
    found.client.close()


def test_a_copy_names_its_original_and_the_original_names_none(index: ReprintIndex) -> None:
    story = _story("harbour")
    assert index.check("original", fingerprint(story)).duplicate_of is None
    copy = index.check("copy", fingerprint(story.replace("officials", "Officials") + "\n\nShare"))
    assert copy.duplicate_of == "original" and copy.similarity is not None
    assert copy.similarity > 0.9


def test_the_earliest_article_is_the_original_of_every_later_copy(index: ReprintIndex) -> None:
    story = _story("vaccine")
    index.check("first", fingerprint(story))
    index.check("second", fingerprint(story[: len(story) * 2 // 3]))
    third = index.check("third", fingerprint(story))
    assert third.duplicate_of == "first"
    assert [r.id for r in third.related] == ["second"] or third.related == ()


def test_a_redelivered_article_is_never_a_copy_of_itself(index: ReprintIndex) -> None:
    story = fingerprint(_story("strike"))
    first = index.check("story", story)
    later = index.check("reprint", story)
    again = index.check("story", story)  # the same message delivered a second time
    assert first.duplicate_of is None and again.duplicate_of is None
    assert later.duplicate_of == "story"
    assert index.size() == 2


def test_a_story_that_shares_some_paragraphs_is_related_not_a_copy(index: ReprintIndex) -> None:
    story = _story("flood")
    index.check("first-report", fingerprint(story))
    follow_up = story[: len(story) // 3] + "\n\n" + _story("rescue", 10)
    found = index.check("follow-up", fingerprint(follow_up))
    assert found.duplicate_of is None
    assert [r.id for r in found.related] == ["first-report"]
    unrelated = " ".join(f"Voters in ward {i} queued for {i + 2} hours." for i in range(20))
    assert index.check("unrelated", fingerprint(unrelated)).related == ()


def test_the_index_forgets_articles_after_its_window(redis_url: str) -> None:
    url = redis_url.rsplit("/", 1)[0] + "/3"
    index = open_index(url, window_s=1)
    index.client.flushdb()
    try:
        story = fingerprint(_story("drought"))
        index.check("old", story)
        time.sleep(2.2)
        assert index.check("new", story).duplicate_of is None
    finally:
        index.client.flushdb()


def test_two_copies_checked_at_the_same_moment_give_one_original(redis_url: str) -> None:
    url = redis_url.rsplit("/", 1)[0] + "/2"
    indexes = [open_index(url, window_s=3600) for _ in range(2)]  # two connections
    indexes[0].client.flushdb()
    for pair in range(20):
        story = fingerprint(_story(f"pair{pair}-{uuid.uuid4().hex[:6]}"))
        found = _at_once(indexes, [f"p{pair}-0", f"p{pair}-1"], story)
        originals = [i for i, duplicate_of in found.items() if duplicate_of is None]
        assert len(originals) == 1, found
        [copy] = set(found) - set(originals)
        assert found[copy] == originals[0]
    indexes[0].client.flushdb()


def _at_once(
    indexes: list[ReprintIndex], ids: list[str], story: Fingerprint
) -> dict[str, str | None]:
    """Check one article per index from two threads released together; id → duplicate_of."""
    start, found = threading.Barrier(len(ids)), {}

    def run(index: ReprintIndex, article_id: str) -> None:
        start.wait()
        found[article_id] = index.check(article_id, story).duplicate_of

    threads = [threading.Thread(target=run, args=pair) for pair in zip(indexes, ids, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def test_a_redis_restart_keeps_the_index_whole() -> None:
    with RedisServer(appendonly=True) as server:
        index = open_index(server.url, window_s=3600)
        for i in range(30):
            index.check(f"a{i}", fingerprint(_story(f"topic{i}")))
        server.restart()
        index = open_index(server.url, window_s=3600)
        assert index.check("copy", fingerprint(_story("topic7"))).duplicate_of == "a7"
        assert_consistent(index.client)


def test_a_reworded_wire_brief_is_found_and_a_like_one_with_other_figures_is_not(
    index: ReprintIndex,
) -> None:
    flash = "Ford Motor Co raises its quarterly payout 10 cts a share to 75 cts, payable June 1"
    assert index.check("flash", fingerprint(flash)).duplicate_of is None
    reworded = flash.replace("raises", "now raises").replace("a share", "share")
    assert index.check("reworded", fingerprint(reworded)).duplicate_of == "flash"
    other = index.check("other", fingerprint(flash.replace("75 cts", "85 cts").replace("10", "20")))
    assert other.duplicate_of is None
