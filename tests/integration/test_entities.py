"""Entities with the real spaCy weights and the real gazetteer: typed, merged, resolved, ranked."""

from __future__ import annotations

import pytest

from worker.config import Settings
from worker.nlp.entities import EntityTagger, select_entities
from worker.nlp.loading import load_entity_tagger
from worker.schemas import Dateline, Entity

STORY = [
    "President Volodymyr Zelenskyy met European Community (EC) ministers in Brussels on Monday.",
    "Zelenskyy's aides said the U.S. and the United States Congress backed the plan.",
    "The EC will send aid, Zelenskyy told reporters, and Japanese officials agreed.",
    "US officials said talks would continue in Peking next month.",
]


@pytest.fixture(scope="module")
def tagger() -> EntityTagger:
    loaded = load_entity_tagger(Settings(entities=True))
    assert loaded is not None
    return loaded


def _by_name(entities: list[Entity]) -> dict[str, Entity]:
    return {e.name: e for e in entities}


def test_mentions_merge_into_one_entity_each(tagger: EntityTagger) -> None:
    found = _by_name(tagger.tag("Zelenskyy wins EC backing", STORY, None))
    assert found["Volodymyr Zelenskyy"].type == "person"
    assert found["Volodymyr Zelenskyy"].mentions >= 4  # title, full name, surname, possessive
    assert found["European Community"].type == "organisation"
    assert "EC" not in found
    assert found["United States"].country == "US"
    assert not {"U.S.", "US", "Zelenskyy", "Zelenskyy's"} & set(found)


def test_places_carry_their_country_and_nationality_words_count(tagger: EntityTagger) -> None:
    found = _by_name(tagger.tag(None, STORY, None))
    assert found["Brussels"].country == "BE"
    assert found["Japan"].country == "JP"  # from "Japanese"
    peking = [e for e in found.values() if e.country == "CN"]
    assert peking and peking[0].type == "place"


def test_the_subject_ranks_above_a_name_in_passing(tagger: EntityTagger) -> None:
    entities = tagger.tag("Zelenskyy wins EC backing", STORY, None)
    assert entities[0].name == "Volodymyr Zelenskyy" and entities[0].salience == 1.0
    assert all(0.0 <= e.salience <= 1.0 for e in entities)
    assert [e.salience for e in entities] == sorted((e.salience for e in entities), reverse=True)


def test_the_dateline_place_is_an_entity(tagger: EntityTagger) -> None:
    dateline = Dateline(place="HONG KONG", date="April 8", credit=None)
    found = _by_name(tagger.tag(None, ["Exporters fear damage from the rift."], dateline))
    assert any(e.country == "HK" for e in found.values())


def test_limits_and_an_article_without_names(tagger: EntityTagger) -> None:
    found = tagger.tag(None, STORY, None)
    assert len(select_entities(found, 2, 0.0)) == 2 and select_entities(found, 0, 0.0) == []
    assert all(e.salience >= 0.9 for e in select_entities(found, 20, 0.9))
    assert tagger.tag(None, ["it rained all day and then it stopped."], None) == []
