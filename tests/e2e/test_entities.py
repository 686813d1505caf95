"""Entities through a real worker on a real Redis: a wire story, a story that is all names, one
with none, and a non-English story (the session worker runs the defaults: entities on)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.support import WorkerProcess
from worker.config import Settings
from worker.producer.client import Producer
from worker.schemas import Result, Status

DONE_TIMEOUT_S = 90.0
WIRE = (
    "PEKING, April 8 - Finance Minister Wang Bingqian said China would cut its trade deficit "
    "with the United States this year.\n\n"
    "Wang told the National People's Congress (NPC) that exports to the U.S. had risen. "
    "The NPC approved the budget, Wang said.\n\n"
    '"We expect a better year," said Li Ming, an analyst at a Hong Kong bank.'
)


@pytest.fixture
def producer(settings: Settings) -> Iterator[Producer]:
    p = Producer(settings)
    yield p
    p.close()


def _done(producer: Producer, article: dict[str, str]) -> Result:
    article_id = producer.enqueue({**article, "id": f"ent-{uuid.uuid4().hex[:12]}"})
    results = list(producer.store.wait([article_id], DONE_TIMEOUT_S))
    assert results and results[0].status == Status.DONE, results and results[0].error
    return results[0]


def test_a_wire_story_gets_typed_merged_resolved_entities(
    worker: WorkerProcess, producer: Producer
) -> None:
    result = _done(producer, {"text": WIRE, "title": "China to cut trade deficit with U.S."})
    by_name = {e.name: e for e in result.entities}
    assert by_name["Wang Bingqian"].type == "person" and by_name["Wang Bingqian"].mentions >= 3
    assert by_name["United States"].country == "US"
    assert any(e.country == "CN" and e.type == "place" for e in result.entities)
    assert by_name["National People's Congress"].acronym == "NPC"
    assert result.dateline is not None and result.dateline.place == "PEKING"
    assert result.summary is not None and not result.summary.startswith("PEKING")
    assert [e.salience for e in result.entities] == sorted(
        (e.salience for e in result.entities), reverse=True
    )
    assert not {k.lower() for k in result.keywords} & {e.name.lower() for e in result.entities}


def test_limits_an_article_of_only_names_and_one_of_none(
    worker: WorkerProcess, producer: Producer
) -> None:
    people = ["Angela Merkel", "Emmanuel Macron", "Joe Biden", "Rishi Sunak", "Justin Trudeau"]
    places = ["Paris", "Berlin", "Tokyo", "Ottawa", "Rome", "Madrid", "Lisbon", "Vienna"]
    names = ", ".join(people + places)
    many = _done(producer, {"text": f"{names}.\n\n{names}."})
    assert 0 < len(many.entities) <= 10
    capped = producer.enqueue(
        {"text": f"{names}. {uuid.uuid4().hex}."}, {"max_entities": 3, "min_entity_salience": 0}
    )
    result = next(iter(producer.store.wait([capped], DONE_TIMEOUT_S)))
    assert result.status == Status.DONE and len(result.entities) == 3
    none = _done(producer, {"text": "it rained all day, and then it stopped raining at last."})
    assert none.entities == []


def test_a_german_article_gets_no_entities_and_a_warning(
    worker: WorkerProcess, producer: Producer
) -> None:
    text = (
        "Die Bundesregierung in Berlin hat am Montag neue Regeln für den Wohnungsbau beschlossen. "
        "Bundeskanzler Olaf Scholz sagte, die Mieten sollten bezahlbar bleiben."
    )
    result = _done(producer, {"text": text})
    assert result.language == "de" and result.entities == []
    assert any("no topics or entities" in w for w in result.warnings)
