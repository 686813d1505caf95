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


def test_an_office_makes_a_person_and_bare_surnames_are_that_person(tagger: EntityTagger) -> None:
    story = [
        "Agriculture Secretary Richard Lyng said the United States would not offer a subsidy.",
        "Lyng told Reuters the talks had not begun.",
        "Lyng said the issue would be discussed next year.",
    ]
    found = _by_name(tagger.tag(None, story, None))
    assert found["Richard Lyng"].type == "person"
    assert found["Richard Lyng"].mentions >= 3
    assert "Lyng" not in found


def test_an_accord_named_after_a_place_is_not_a_person(tagger: EntityTagger) -> None:
    story = [
        "French Finance Minister Edouard Balladur said the Louvre accord was working.",
        "Ministers will respect the Louvre accord, Balladur said.",
    ]
    found = _by_name(tagger.tag(None, story, None))
    assert "Louvre" not in found
    assert found["Edouard Balladur"].type == "person"


def test_organisations_keep_the_acronym_the_article_gives(tagger: EntityTagger) -> None:
    story = [
        "Brazil is not selling cocoa to the International Cocoa Organization, ICCO, buffer stock.",
        "The ICCO buffer stock manager said the Organization would meet in London.",
        "The European Community (EC) said the Community would back the pact.",
    ]
    found = _by_name(tagger.tag(None, story, None))
    assert found["International Cocoa Organization"].acronym == "ICCO"
    assert found["European Community"].acronym == "EC"
    assert not {"ICCO", "EC", "Community", "Organization"} & set(found)


def test_a_source_in_passing_ranks_below_the_subject(tagger: EntityTagger) -> None:
    story = [
        "Finance Minister Kiichi Miyazawa said Japan had no plans for new measures.",
        '"The market is calm," said Marc Cohen, an analyst at a New York bank.',
    ]
    found = _by_name(tagger.tag(None, story, None))
    assert found["Kiichi Miyazawa"].salience > found["Marc Cohen"].salience


def test_a_dateline_region_decides_the_town(tagger: EntityTagger) -> None:
    dateline = Dateline(place="SALEM, Va.", date="April 8", credit=None)
    found = _by_name(tagger.tag(None, ["Shares rose 42 cts in the quarter."], dateline))
    assert found["Salem"].country == "US"  # not the bigger Salem in India


def test_a_flash_in_capitals_gives_its_people_and_countries(tagger: EntityTagger) -> None:
    flash = ["GREENSPAN SAYS JAPANESE INVESTORS STILL BUYING U.S. BONDS"]
    found = _by_name(tagger.tag(None, flash, None))
    assert found["Greenspan"].type == "person"
    assert {"JP", "US"} <= {e.country for e in found.values()}
    assert not any("Says" in name for name in found)


def test_capitals_and_nationality_words_ner_mislabels_are_places(tagger: EntityTagger) -> None:
    story = [
        "Ukrainian and Russian officials met, according to Kyiv's chief negotiator.",
        "Talks will resume on Thursday, Kyiv's delegation said.",
    ]
    found = _by_name(tagger.tag("Ukraine says talks productive", story, None))
    assert found["Kyiv"].type == "place" and found["Kyiv"].country == "UA"
    assert found["Ukraine"].mentions >= 2  # the title and "Ukrainian"
    assert "Ukrainian" not in found
    is_name = tagger.name_test(list(found.values()))
    assert is_name("Russian") and is_name("Kyiv") and not is_name("peace talks")


def test_a_surname_alone_takes_the_first_name_the_text_gives(tagger: EntityTagger) -> None:
    story = [
        "The talks in Abu Dhabi were productive, officials said on Wednesday.",
        "Rustem Umerov, the head of the council, led the delegation.",
        "Umerov said a second day of talks would follow, and Umerov thanked the hosts.",
    ]
    names = {e.name for e in tagger.tag(None, story, None) if e.type == "person"}
    assert "Rustem Umerov" in names and "Umerov" not in names


def test_two_people_who_share_a_surname_stay_two(tagger: EntityTagger) -> None:
    story = [
        "Blues legend B.B. King was hospitalized for dehydration on Tuesday.",
        "King's daughter, Claudette King, told reporters he was much better.",
        "B.B. was expected to return to the stage, King's manager said.",
    ]
    entities = tagger.tag(None, story, None)
    people = [e.name for e in entities if e.type == "person"]
    assert people[0] == "B.B. King" and "Claudette King" in people
    assert "B.B" not in people
