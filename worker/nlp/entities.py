"""Who and where: the people, organisations and places an article names, each once, with salience.

**Finding names.** spaCy's named-entity recogniser (en_core_web_sm, its ``ner`` component only:
it has its own embedding layer, so the tagger, parser and shared tok2vec are never loaded)
reads the title and the head of the article, at most :data:`HEAD_WORDS` words. A story names
its subjects early; reading the whole of a long article would cost as much as the rest of the
pipeline together (about 80 ms for a 560-word CNN/DM article on one core). Every mention,
wherever it stands, is then counted by matching the forms found (:func:`_count`).

**One entity per referent.** Mentions are cleaned (a leading "the", a possessive, a title such
as "President" are dropped; stop words and fragments are refused), then merged:

- a person's surname alone ("Zelenskyy") joins the full name that ends with it;
- a place or nationality word goes to its country through the gazetteer ("U.S.", "US" and
  "United States" are one place; "Japanese" counts for Japan);
- an organisation joins its acronym when the article links them ("European Community (EC)")
  or when the acronym is the initials of its capitalised words.

The canonical name is the fullest mention (the gazetteer's name for a country).

**Salience** (0..1) says how central an entity is to the story: a mention in the title or the
dateline, a mention in the lead (the first :data:`LEAD_SENTENCES` sentences), and how often it
is mentioned, weighted by :data:`WEIGHTS` and divided by the highest score in the article, so
the top entity scores 1 and a name in passing scores little.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from worker.nlp.datelines import WIRES
from worker.nlp.gazetteer import Gazetteer, Place
from worker.schemas import Dateline, Entity, EntityType

HEAD_WORDS = 250
LEAD_SENTENCES = 2
LABELS: dict[str, EntityType] = {
    "PERSON": "person",
    "ORG": "organisation",
    "GPE": "place",
    "LOC": "place",
    "NORP": "place",
}
WEIGHTS = {"title": 1.0, "dateline": 0.6, "lead": 0.6, "mentions": 0.5}
TITLES = frozenset(
    {"president", "prime", "minister", "mr", "mrs", "ms", "dr", "sir", "lord", "lady", "king",
     "queen", "prince", "princess", "pope", "senator", "sen", "rep", "gov", "governor", "judge",
     "general", "gen", "chancellor", "secretary", "chairman", "chief", "executive", "professor",
     "prof", "coach", "manager", "captain", "officer", "sheriff", "mayor", "ambassador"}
)  # fmt: skip
STOP = frozenset({"the", "a", "an", "this", "that", "he", "she", "it", "they", "we", "i", "you"})
POSSESSIVE = re.compile(r"['’]s?$")
ACRONYM_LINK = re.compile(
    r"((?:[A-Z][\w&.-]*\s+)(?:(?:of|the|and|for|de)\s+|[A-Z][\w&.-]*\s+)*[A-Z][\w&.-]*)\s*\(([A-Z]{2,8})\)"
)
WIRE_NAMES = frozenset(WIRES.lower().split("|"))
MINOR_WORDS = frozenset({"of", "the", "and", "for", "de", "on", "in"})


@dataclass
class _Found:
    """One referent while it is being gathered: its forms, and where they were seen."""

    votes: Counter[EntityType] = field(default_factory=Counter)  # what NER called each mention
    forms: set[str] = field(default_factory=set)  # names it may be called by
    aliases: set[str] = field(default_factory=set)  # other words counted as mentions: "Japanese"
    place: Place | None = None
    in_title: bool = False
    in_dateline: bool = False
    in_lead: bool = False

    @property
    def type(self) -> EntityType:
        """What NER called it most often (a place the gazetteer knows is a place)."""
        if self.place is not None:
            return "place"
        return self.votes.most_common(1)[0][0]

    def name(self) -> str:
        """The canonical name: the gazetteer's for a place it knows, else the fullest form."""
        if self.place is not None:
            return self.place.name
        return max(self.forms, key=lambda f: (len(f.split()), len(f)))


class EntityTagger:
    """Finds, merges and ranks an article's entities with one spaCy pipeline and a gazetteer."""

    def __init__(self, nlp: Any, gazetteer: Gazetteer, name: str) -> None:
        self.nlp = nlp  # a spaCy Language with only its `ner` component
        self.gazetteer = gazetteer
        self.name = name

    def tag(
        self, title: str | None, sentences: Sequence[str], dateline: Dateline | None
    ) -> list[Entity]:
        """Every entity the article's head names, most salient first (a result lists those
        :func:`select_entities` keeps)."""
        found: dict[str, _Found] = {}
        if dateline is not None and dateline.place:
            self._add(found, dateline.place.split(",")[0], "GPE", "dateline")
        for where, text in self._parts(title, sentences):
            for ent in self.nlp(text).ents:
                if ent.label_ in LABELS:
                    self._add(found, ent.text, ent.label_, where)
        _link_acronyms(found, " ".join(sentences))
        _join_surnames(found)
        return _rank(found.values(), title or "", sentences)

    def _parts(self, title: str | None, sentences: Sequence[str]) -> Iterable[tuple[str, str]]:
        """(where, text) to run NER on: the title, the lead, then the head up to HEAD_WORDS. A
        title in capitals is left out: NER reads "BRAZIL NOT SELLING COCOA" as an organisation;
        the names found elsewhere are looked for in it instead (:func:`_rank`)."""
        if title and not title.isupper():
            yield "title", title
        lead = " ".join(sentences[:LEAD_SENTENCES])
        if lead:
            yield "lead", lead
        head, words = [], 0
        for sentence in sentences[LEAD_SENTENCES:]:
            words += len(sentence.split())
            if words > HEAD_WORDS:
                break
            head.append(sentence)
        if head:
            yield "body", " ".join(head)

    def _add(self, found: dict[str, _Found], text: str, label: str, where: str) -> None:
        kind = LABELS[label]
        form = _clean(text, kind)
        if form is None:
            return
        place = None
        if kind == "place":
            place = (
                self.gazetteer.nationality(form)
                if label == "NORP"
                else self.gazetteer.resolve(form)
            )
            if place is None and label == "NORP":
                return  # "Christian", "Democrats": a group, not a place
        key = _key(found, form, kind, place)
        entry = found.setdefault(key, _Found(place=place))
        entry.votes[kind] += 1
        if label != "NORP":
            entry.forms.add(form)
        elif place is not None:
            entry.forms.add(place.name)
            entry.aliases.add(form)
        entry.in_title |= where == "title"
        entry.in_dateline |= where == "dateline"
        entry.in_lead |= where in ("lead", "dateline")


def select_entities(entities: list[Entity], max_entities: int, min_salience: float) -> list[Entity]:
    """The most salient entities: at most `max_entities`, each scoring at least `min_salience`."""
    return [e for e in entities if e.salience >= min_salience][: max(max_entities, 0)]


def _clean(text: str, kind: EntityType) -> str | None:
    """A mention without a leading article, possessive or title; None when nothing is left."""
    words = POSSESSIVE.sub("", text.strip(" .,;:\"'“”‘’()[]")).split()
    while words and words[0].lower() in STOP:
        words = words[1:]
    if kind == "person":
        while len(words) > 1 and words[0].lower().rstrip(".") in TITLES:
            words = words[1:]
    form = " ".join(words)
    if len(form) < 2 or form.lower() in STOP or form.lower() in WIRE_NAMES:
        return None  # a wire's credit ("Reuter" signs every Reuters story) is not a subject
    if not any(c.isalpha() for c in form):
        return None
    if form[0].islower():
        return None
    return form


def _key(found: dict[str, _Found], form: str, kind: EntityType, place: Place | None) -> str:
    """Which referent a form belongs to: its place, an entry with the same form whatever NER
    called it, a person by surname, a name it begins ("Veltrix" in "Veltrix Microsystems"),
    or a new one."""
    if place is not None:
        return f"place:{place.country}:{place.name}"
    lowered = form.lower()
    same = next((k for k, e in found.items() if lowered in {f.lower() for f in e.forms}), None)
    if same is not None:
        return same
    if kind == "person":
        return _person_key(found, form)
    return _prefix_key(found, lowered) or f"name:{lowered}"


def _prefix_key(found: dict[str, _Found], lowered: str) -> str | None:
    """The unplaced, non-person entry that a one-word form begins, or that begins with it."""
    first = lowered.split(maxsplit=1)[0]
    for key, entry in found.items():
        if entry.place is not None or entry.type == "person":
            continue
        for other in (f.lower() for f in entry.forms):
            if (" " not in lowered and other.split()[0] == lowered) or (
                " " not in other and first == other
            ):
                return key
    return None


def _person_key(found: dict[str, _Found], form: str) -> str:
    """A surname alone joins the person whose name ends with it, and a full name the entry of
    its bare surname; a bare first name joins the one person who has it, if only one does."""
    tokens = form.lower().split()
    people = {k: e for k, e in found.items() if e.type == "person"}
    for key, entry in people.items():
        for other in (f.lower().split() for f in entry.forms):
            if tokens[-1] == other[-1] and (len(tokens) == 1 or len(other) == 1 or tokens == other):
                return key
    if len(tokens) == 1:
        firsts = {
            k for k, e in people.items() for f in e.forms if f.lower().split()[0] == tokens[0]
        }
        if len(firsts) == 1:
            return firsts.pop()
    return f"person:{form.lower()}"


def _link_acronyms(found: dict[str, _Found], text: str) -> None:
    """Merge an organisation written as an acronym into the one it stands for: the long form
    the article links to it ("European Community (EC)"), or the one with those initials."""
    linked = {short: _initials(long) for long, short in ACRONYM_LINK.findall(text)}
    for key, entry in list(found.items()):
        acronyms = {f.replace(".", "") for f in entry.forms if f.replace(".", "").isupper()}
        if entry.type != "organisation" or not acronyms:
            continue
        target = next(
            (k for k in found if k != key and _stands_for(found[k], acronyms, linked)), None
        )
        if target is not None:
            _merge(found[target], found.pop(key))


def _stands_for(entry: _Found, acronyms: set[str], linked: dict[str, str]) -> bool:
    """Whether a multi-word organisation is what one of the acronyms stands for."""
    if entry.type != "organisation":
        return False
    initials = {_initials(f) for f in entry.forms if len(f.split()) > 1}
    return any(a in initials or linked.get(a) in initials for a in acronyms)


def _merge(into: _Found, other: _Found) -> None:
    into.votes.update(other.votes)
    into.forms |= other.forms
    into.aliases |= other.aliases
    into.in_title |= other.in_title
    into.in_dateline |= other.in_dateline
    into.in_lead |= other.in_lead


def _join_surnames(found: dict[str, _Found]) -> None:
    """A one-word entity of any type that is a person's surname is that person: NER calls a
    bare surname an organisation now and then ("Volcker said ...")."""
    surnames = {
        f.split()[-1]: key
        for key, e in found.items()
        if e.type == "person"
        for f in e.forms
        if len(f.split()) > 1
    }
    for key, entry in list(found.items()):
        if entry.type == "person" or entry.place is not None:
            continue
        target = {surnames.get(f) for f in entry.forms if len(f.split()) == 1}
        if len(target) == 1 and (person := target.pop()) is not None and person != key:
            _merge(found[person], found.pop(key))


def _initials(form: str) -> str:
    """The initials of the capitalised words: "European Community" → "EC"."""
    return "".join(w[0] for w in form.split() if w.lower() not in MINOR_WORDS and w[0].isupper())


def _count(forms: Iterable[str], text: str, ignore_case: bool = False) -> int:
    """How often any of the forms occurs in `text` as whole words (longest forms first)."""
    pattern = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    flags = re.IGNORECASE if ignore_case else 0
    return len(re.findall(rf"(?<!\w)(?:{pattern})(?!\w)", text, flags)) if pattern else 0


def _rank(found: Iterable[_Found], title: str, sentences: Sequence[str]) -> list[Entity]:
    """Entities with salience, most salient first. A form found anywhere in the title or lead
    counts there, even where NER missed it (headlines in capitals, a bare surname)."""
    lead, body = " ".join(sentences[:LEAD_SENTENCES]), " ".join(sentences)
    scored: list[tuple[float, int, _Found]] = []
    for entry in found:
        forms = entry.forms | entry.aliases | _short_forms(entry)
        mentions = max(1, _count(forms, f"{title} {body}"))
        entry.in_title |= _count(forms, title, ignore_case=title.isupper()) > 0
        entry.in_lead |= _count(forms, lead) > 0
        score = (
            WEIGHTS["title"] * entry.in_title
            + WEIGHTS["dateline"] * entry.in_dateline
            + WEIGHTS["lead"] * entry.in_lead
            + WEIGHTS["mentions"] * math.log1p(mentions)
        )
        scored.append((score, mentions, entry))
    top = max((s for s, _, _ in scored), default=1.0) or 1.0
    ranked = sorted(scored, key=lambda scored_entry: -scored_entry[0])
    return [
        Entity(
            name=entry.name(),
            type=entry.type,
            salience=round(score / top, 4),
            mentions=mentions,
            country=entry.place.country if entry.place else None,
        )
        for score, mentions, entry in ranked
    ]


def _short_forms(entry: _Found) -> set[str]:
    """Forms a story also uses: a person's surname."""
    if entry.type == "person":
        return {f.split()[-1] for f in entry.forms if len(f.split()) > 1}
    return set()
