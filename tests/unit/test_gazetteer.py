"""The gazetteer files each place and nationality an article names under the right country."""

from __future__ import annotations

import pytest

from worker.nlp.gazetteer import Gazetteer, Place, load_gazetteer


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    """The real gazetteer, built from the installed packages once for this module."""
    return load_gazetteer()


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("United States", "US"),
        ("U.S.", "US"),
        ("US", "US"),
        ("USA", "US"),
        ("America", "US"),
        ("Britain", "GB"),
        ("Great Britain", "GB"),
        ("U.K.", "GB"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("South Korea", "KR"),
        ("Republic of Korea", "KR"),
        ("North Korea", "KP"),
        ("Taiwan", "TW"),
        ("Hong Kong", "HK"),
        ("Holland", "NL"),
        ("Ivory Coast", "CI"),
        ("Cote d'Ivoire", "CI"),
        ("Japan", "JP"),
        ("Kuwait", "KW"),
        ("Viet Nam", "VN"),
        ("UAE", "AE"),
    ],
)
def test_countries_and_their_short_forms(gazetteer: Gazetteer, name: str, code: str) -> None:
    """Countries under their names, ISO names and the short forms news uses."""
    place = gazetteer.resolve(name)
    assert place is not None
    assert (place.country, place.kind) == (code, "country")


def test_a_country_carries_its_canonical_english_name(gazetteer: Gazetteer) -> None:
    """Every spelling of a country comes back as one Place, so entities merge on it."""
    assert gazetteer.resolve("the U.S.") == Place("United States", "US", "country")
    assert gazetteer.resolve("USA") == gazetteer.resolve("America")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("West Germany", "DE"),
        ("East Germany", "DE"),
        ("Soviet Union", "SU"),
        ("USSR", "SU"),
        ("Czechoslovakia", "CS"),
        ("Yugoslavia", "YU"),
        ("Burma", "MM"),
        ("Zaire", "CD"),
    ],
)
def test_former_countries_follow_iso_3166_3(gazetteer: Gazetteer, name: str, code: str) -> None:
    """A withdrawn country takes its successor's code, or keeps its own where none is single."""
    place = gazetteer.resolve(name)
    assert place is not None
    assert place.country == code


@pytest.mark.parametrize(
    ("former", "city", "code"),
    [
        ("Peking", "Beijing", "CN"),
        ("Bombay", "Mumbai", "IN"),
        ("Calcutta", "Kolkata", "IN"),
        ("Canton", "Guangzhou", "CN"),
        ("Leningrad", "Saint Petersburg", "RU"),
        ("Saigon", "Ho Chi Minh City", "VN"),
        ("Rangoon", "Yangon", "MM"),
    ],
)
def test_former_names_of_cities(gazetteer: Gazetteer, former: str, city: str, code: str) -> None:
    """A 1980s dateline's Peking is today's Beijing; Calcutta and Canton beat small namesakes."""
    assert gazetteer.resolve(former) == Place(city, code, "city")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Bonn", "DE"),
        ("Tokyo", "JP"),
        ("London", "GB"),
        ("Paris", "FR"),
        ("Washington", "US"),
        ("Washington D.C.", "US"),
        ("New York City", "US"),
        ("Jerusalem", "IL"),
        ("The Hague", "NL"),
        ("Zurich", "CH"),
        ("Islamabad", "PK"),
        ("Venice", "IT"),
    ],
)
def test_cities_go_to_their_countries(gazetteer: Gazetteer, name: str, code: str) -> None:
    """The most populous city of a name wins, and a city's own name beats another's alternate."""
    place = gazetteer.resolve(name)
    assert place is not None
    assert (place.country, place.kind) == (code, "city")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Texas", "US"),
        ("California", "US"),
        ("New Mexico", "US"),
        ("England", "GB"),
        ("Scotland", "GB"),
        ("Wales", "GB"),
        ("Northern Ireland", "GB"),
        ("Ontario", "CA"),
        ("Quebec", "CA"),
        ("Victoria", "AU"),
    ],
)
def test_regions_go_to_their_countries(gazetteer: Gazetteer, name: str, code: str) -> None:
    """US states, the UK's nations, Canada's provinces and Australia's states."""
    assert gazetteer.resolve(name) == Place(name, code, "region")


def test_georgia_is_the_country(gazetteer: Gazetteer) -> None:
    """Georgia is a country and a US state; the country wins (see the module docstring)."""
    assert gazetteer.resolve("Georgia") == Place("Georgia", "GE", "country")
    atlanta = gazetteer.resolve("Atlanta")
    assert atlanta is not None
    assert atlanta.country == "US"


@pytest.mark.parametrize(
    "name",
    [
        "Europe",
        "Asia",
        "Africa",
        "Middle East",
        "Gulf",
        "Persian Gulf",
        "Latin America",
        "North America",
        "Caribbean",
        "Balkans",
        "Korea",
    ],
)
def test_regions_without_one_country_give_none(gazetteer: Gazetteer, name: str) -> None:
    """A story about the Gulf is not filed under any one country."""
    assert gazetteer.resolve(name) is None


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("UNITED STATES", "US"),
        ("united states", "US"),
        ("the United States", "US"),
        ("The U.K.", "GB"),
        ("U.S.A.", "US"),
        ("PEKING", "CN"),
        ("HONG KONG", "HK"),
        ("Sao Paulo", "BR"),
        ("São Paulo", "BR"),
        ("  Tokyo ", "JP"),
    ],
)
def test_case_dots_accents_and_the_do_not_matter(
    gazetteer: Gazetteer, written: str, code: str
) -> None:
    """Datelines shout, wire copy puts dots in U.S., and writers drop accents."""
    place = gazetteer.resolve(written)
    assert place is not None
    assert place.country == code


@pytest.mark.parametrize(
    "word",
    ["Baker", "Smith", "Thatcher", "Reagan", "Gorbachev", "Street", "Capital", "the", ""],
)
def test_names_and_common_words_are_not_places(gazetteer: Gazetteer, word: str) -> None:
    """Surnames and ordinary words that no sizeable town is named after resolve to nothing."""
    assert gazetteer.resolve(word) is None


@pytest.mark.parametrize("word", ["Downtown", "Chang", "LON", "BOM"])
def test_alternate_names_of_small_towns_and_airport_codes_are_ignored(
    gazetteer: Gazetteer, word: str
) -> None:
    """Downtown and Chang are alternate names of places under 100,000 (a Warsaw district,
    Dschang in Cameroon); LON and BOM are airport codes among London's and Mumbai's names."""
    assert gazetteer.resolve(word) is None


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("Japanese", "JP"),
        ("American", "US"),
        ("Americans", "US"),
        ("British", "GB"),
        ("West German", "DE"),
        ("West Germans", "DE"),
        ("French", "FR"),
        ("Soviet", "SU"),
        ("Chinese", "CN"),
        ("Saudi", "SA"),
        ("Kuwaiti", "KW"),
        ("Iranian", "IR"),
        ("Iraqi", "IQ"),
        ("Brazilian", "BR"),
        ("Canadian", "CA"),
        ("Australian", "AU"),
        ("Dutch", "NL"),
        ("Belgian", "BE"),
        ("Swiss", "CH"),
        ("Italian", "IT"),
        ("Spanish", "ES"),
        ("Indonesian", "ID"),
        ("Venezuelan", "VE"),
        ("Argentine", "AR"),
        ("Argentinian", "AR"),
        ("Filipino", "PH"),
        ("Philippine", "PH"),
        ("South Korean", "KR"),
        ("Taiwanese", "TW"),
        ("Mexican", "MX"),
        ("Nigerian", "NG"),
        ("Egyptian", "EG"),
        ("Israeli", "IL"),
        ("Palestinian", "PS"),
        ("Dominican", "DO"),
    ],
)
def test_nationality_words_go_to_their_countries(
    gazetteer: Gazetteer, word: str, code: str
) -> None:
    """A story about "Japanese exporters" is filed under Japan."""
    place = gazetteer.nationality(word)
    assert place is not None
    assert (place.country, place.kind) == (code, "country")


@pytest.mark.parametrize(
    "word", ["European", "Arab", "Arabs", "Asian", "Korean", "Muslim", "Jewish", "Democrats"]
)
def test_words_for_no_one_country_give_none(gazetteer: Gazetteer, word: str) -> None:
    """Continental, ethnic, religious and party words point to no single country."""
    assert gazetteer.nationality(word) is None


def test_country_codes_give_their_country(gazetteer: Gazetteer) -> None:
    """A caller holding a code gets the same Place that resolve gives for the name."""
    assert gazetteer.country("US") == Place("United States", "US", "country")
    assert gazetteer.country("jp") == gazetteer.resolve("Japan")
    assert gazetteer.country("SU") == gazetteer.resolve("Soviet Union")
    assert gazetteer.country("QQ") is None


def test_the_gazetteer_is_built_once_per_process() -> None:
    """Every caller in a worker process shares one gazetteer."""
    assert load_gazetteer() is load_gazetteer()


@pytest.mark.parametrize(
    ("written", "name", "country"),
    [
        ("SALEM, Va.", "Salem", "US"),
        ("IONIA, MICH.", "Ionia", "US"),
        ("CHARLESTON, W. Va.", "Charleston", "US"),
        ("Edmonton, Alberta", "Edmonton", "CA"),
        ("VANCOUVER, B.C.", "Vancouver", "CA"),
        ("PEKING", "Beijing", "CN"),
    ],
)
def test_a_dateline_region_decides_its_town(written: str, name: str, country: str) -> None:
    place = load_gazetteer().dateline(written)
    assert place is not None and (place.name, place.country) == (name, country)


def test_a_dateline_of_nothing_known_is_none() -> None:
    assert load_gazetteer().dateline("NOWHERESVILLE") is None
