"""Entity scoring rules: people by surname (and first name), organisations by acronym, places
as countries, each gold tag matched once, and micro-averaged scores over items."""

from __future__ import annotations

import pytest

from worker.schemas import Entity, EntityType
from worker.tools.evaluation.datasets import EvalItem
from worker.tools.evaluation.entity_scores import (
    acronym,
    count_matches,
    gazetteer_resolver,
    org_matches,
    person_matches,
    place_code,
    score_entities,
    unmapped_warnings,
)

COUNTRIES = {"japan": "JP", "usa": "US", "south korea": "KR", "hong kong": "HK"}


def resolve(name: str) -> str | None:
    """A stand-in gazetteer that knows a few countries by name."""
    return COUNTRIES.get(name.lower())


def entity(name: str, kind: EntityType, country: str | None = None) -> Entity:
    return Entity(name=name, type=kind, salience=0.5, mentions=1, country=country)


def item(
    places: tuple[str, ...] | None = (),
    people: tuple[str, ...] | None = (),
    orgs: tuple[str, ...] | None = (),
) -> EvalItem:
    return EvalItem("x", "text", None, None, None, places=places, people=people, orgs=orgs)


@pytest.mark.parametrize(
    ("gold", "name"),
    [
        ("volcker", "Paul Volcker"),
        ("volcker", "Volcker"),
        ("james-baker", "James Baker"),
        ("james-baker", "James A. Baker"),
        ("de-larosiere", "Jacques de Larosière"),
        ("leigh-pemberton", "Robin Leigh-Pemberton"),
        ("stoltenberg", "Gerhard STOLTENBERG"),
    ],
)
def test_a_person_matches_by_surname_and_first_name(gold: str, name: str) -> None:
    assert person_matches(gold, name)


@pytest.mark.parametrize(
    ("gold", "name"),
    [
        ("james-baker", "Howard Baker"),  # another first name
        ("james-baker", "Baker"),  # the gold names a first name the prediction lacks
        ("volcker", "Paul Volckers"),
        ("de-larosiere", "Larosiere"),
        ("lawson", ""),
    ],
)
def test_a_person_with_another_first_name_or_surname_does_not_match(gold: str, name: str) -> None:
    assert not person_matches(gold, name)


@pytest.mark.parametrize(
    ("name", "letters"),
    [
        ("European Community", "ec"),
        ("International Monetary Fund", "imf"),
        ("Organization of Petroleum Exporting Countries", "opec"),
        ("The Food and Agriculture Organization", "fao"),
        ("General Agreement on Tariffs and Trade", "gatt"),
        ("Reuters", ""),  # one letter is no acronym
    ],
)
def test_acronyms_take_the_capitalised_initials(name: str, letters: str) -> None:
    assert acronym(name) == letters


def test_an_organisation_matches_by_name_or_acronym() -> None:
    assert org_matches("ec", "European Community")
    assert org_matches("opec", "OPEC")
    assert org_matches("ec", "E.C.")
    assert org_matches("ico-coffee", "International Coffee Organization")
    assert not org_matches("ec", "European Economic Community")
    assert not org_matches("imf", "World Bank")


def test_place_codes_go_through_the_gazetteer_then_the_table() -> None:
    assert place_code("south-korea", resolve) == "KR"
    assert place_code("hong-kong", resolve) == "HK"
    assert place_code("kampuchea", resolve) == "KH"  # a former name, from the table
    assert place_code("atlantis", resolve) is None


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("usa", "US"),
        ("uk", "GB"),
        ("west-germany", "DE"),
        ("ussr", "SU"),
        ("south-korea", "KR"),
        ("hong-kong", "HK"),
        ("uae", "AE"),
        ("ivory-coast", "CI"),
        ("trinidad-tobago", "TT"),
    ],
)
def test_reuters_place_codes_map_to_iso_through_the_project_gazetteer(tag: str, code: str) -> None:
    assert place_code(tag, gazetteer_resolver()) == code


def test_each_gold_tag_matches_one_prediction_at_most() -> None:
    assert count_matches(["ec"], ["EC", "European Community"], org_matches) == 1
    # "baker" could take either Baker; the pairing that matches both gold tags is the one kept
    gold, names = ["baker", "james-baker"], ["James Baker", "Howard Baker"]
    assert count_matches(gold, names, person_matches) == 2


def test_places_are_compared_as_countries() -> None:
    predicted = [
        entity("Tokyo", "place", "JP"),
        entity("Japan", "place", "JP"),
        entity("Seoul", "place", "KR"),
        entity("Atlantis", "place", None),  # no country: not a prediction
    ]
    section, records = score_entities(
        [item(places=("japan", "usa", "atlantis"))], [predicted], resolve
    )
    place = section["place"]
    assert (place["gold"], place["predicted"], place["matched"]) == (2, 2, 1)
    assert (place["p"], place["r"], place["f1"]) == (50.0, 50.0, 50.0)
    assert place["unmapped"] == {"atlantis": 1}
    assert records[0]["place"]["unmapped"] == ["atlantis"]
    assert unmapped_warnings(section) == [
        "1 gold place tags have no country code and are not scored: atlantis"
    ]


def test_items_without_gold_of_a_type_are_not_scored_for_it() -> None:
    # Reuters tags people and organisations from short lists: an empty list is not "nobody"
    predicted = [entity("Paul Volcker", "person"), entity("OPEC", "organisation")]
    section, records = score_entities([item(people=(), orgs=())], [predicted], resolve)
    assert "person" not in section and "organisation" not in section
    assert records == [{}]


def test_an_organisation_matches_through_the_acronym_the_article_gives() -> None:
    cocoa = Entity(
        name="International Cocoa Organization",
        type="organisation",
        salience=1.0,
        mentions=2,
        acronym="ICCO",
    )
    section, _ = score_entities([item(orgs=("icco",))], [[cocoa]], resolve)
    assert section["organisation"]["matched"] == 1
    assert not org_matches("icco", "International Cocoa Organization")  # initials are ICO


def test_scores_are_micro_averaged_over_items() -> None:
    items = [
        item(people=("volcker",)),  # 1 of 1 found, 1 of 1 right
        item(people=("james-baker", "lawson", "poehl")),  # 1 of 3 found, 1 of 2 right
        item(people=()),  # no gold for people: not counted, whatever it predicts
    ]
    predicted = [
        [entity("Paul Volcker", "person"), entity("OPEC", "organisation")],
        [entity("James Baker", "person"), entity("Howard Baker", "person")],
        [entity("Nigel Lawson", "person")],
    ]
    section, records = score_entities(items, predicted, resolve)
    person = section["person"]
    assert (person["matched"], person["gold"], person["predicted"], person["items"]) == (2, 4, 3, 2)
    assert (person["p"], person["r"], person["f1"]) == (66.67, 50.0, 57.14)  # not mean of items
    assert "person" not in records[2]


def test_no_gold_of_any_kind_gives_no_section() -> None:
    section, records = score_entities([item(None, None, None)], [[entity("X", "person")]], resolve)
    assert section == {}
    assert records == [{}]
    assert unmapped_warnings(section) == []
