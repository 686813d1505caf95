"""Who and where: the people, organisations and places an article names, each once, with salience.

**Finding names.** spaCy's named-entity recogniser (en_core_web_sm, its ``ner`` component only:
it has its own embedding layer, so the tagger, parser and shared tok2vec are never loaded)
reads the title, the lead and at most :data:`HEAD_WORDS` words after it, in one batch. A story
names its subjects early; reading the whole of a long article would cost as much as the rest of
the pipeline together (about 80 ms for a 560-word CNN/DM article on one core). Every mention,
wherever it stands, is then counted by matching the forms found (:func:`_count`). Text in
capitals (a wire flash) is read apart: NER over it in title case for surnames, the gazetteer
word by word for countries (:meth:`EntityTagger._add_from_capitals`).

**One entity per referent.** Mentions are cleaned (a leading "the", a possessive, a title such
as "President", a cut-off bracket are dropped; stop words, fragments and table debris are
refused), then merged:

- a person's surname alone ("Zelenskyy") joins the full name that ends with it, or that begins
  with it where none ends with it (family name first: "Wang" is Wang Bingqian), whatever NER
  called the bare surname; a name after an office ("Agriculture Secretary Richard Lyng") is a
  person's even where NER calls it an organisation;
- a place or nationality word goes to its country through the gazetteer ("U.S.", "US" and
  "United States" are one place; "Japanese" counts for Japan); a dateline's region decides its
  town ("SALEM, Va.");
- an organisation joins its acronym when the article links them ("European Community (EC)",
  "the International Cocoa Organization, ICCO,") or when the acronym is the initials of its
  capitalised words, and keeps the acronym; a one-word back-reference ("the Community") joins
  the organisation whose name it ends or opens;
- a one-word "person" only ever followed by "accord", "pact" and the like is not one ("the
  Louvre accord").

The canonical name is the fullest mention (the gazetteer's name for a country).

**Salience** (0..1) says how central an entity is to the story: a mention in the title or the
dateline, a mention in the lead (the first :data:`LEAD_SENTENCES` sentences), an office held,
how often it is mentioned, less for a source named in passing ("Marc Cohen, an analyst at"),
weighted by :data:`WEIGHTS` (swept on the Reuters-21578 dev split: docs/quality.md) and divided
by the highest score in the article, so the top entity scores 1 and a name in passing little.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from worker.nlp.datelines import WIRES
from worker.nlp.gazetteer import Gazetteer, Place
from worker.schemas import Dateline, Entity, EntityType

HEAD_WORDS = 150
CAPITALS_NAME_WORDS = 2  # a longer "name" in title-cased capitals is a headline's words
LEAD_SENTENCES = 2
LABELS: dict[str, EntityType] = {
    "PERSON": "person",
    "ORG": "organisation",
    "GPE": "place",
    "LOC": "place",
    "NORP": "place",
}
WEIGHTS = {
    "title": 1.0,
    "dateline": 1.0,
    "lead": 0.4,
    "mentions": 0.5,
    "office": 1.0,
    "passing": 0.6,
}
TITLES = frozenset(
    {"president", "prime", "minister", "mr", "mrs", "ms", "dr", "sir", "lord", "lady", "king",
     "queen", "prince", "princess", "pope", "senator", "sen", "rep", "gov", "governor", "judge",
     "general", "gen", "chancellor", "secretary", "chairman", "chief", "executive", "professor",
     "prof", "coach", "manager", "captain", "officer", "sheriff", "mayor", "ambassador"}
)  # fmt: skip
OFFICES = TITLES | frozenset(
    {"chairwoman", "commissioner", "director", "head", "leader", "premier", "speaker",
     "treasurer", "envoy", "negotiator", "deputy"}
)  # fmt: skip
PASSING_ROLES = frozenset(
    {"analyst", "analysts", "economist", "economists", "dealer", "dealers", "trader", "traders",
     "broker", "brokers", "spokesman", "spokeswoman", "spokesperson", "correspondent",
     "researcher", "strategist"}
)  # fmt: skip
THINGS = frozenset(
    {"accord", "accords", "pact", "agreement", "treaty", "talks", "summit", "round", "meeting",
     "declaration", "protocol", "conference", "communique", "process"}
)  # fmt: skip
STOP = frozenset({"the", "a", "an", "this", "that", "he", "she", "it", "they", "we", "i", "you"})
POSSESSIVE = re.compile(r"['’]s?$")
NAME_WORD = r"[A-Z][\w&.'’-]*"
# At most 8 words: unbounded, a run of capitalised words ("Word. Word. ...") backtracks
# quadratically.
LONG_FORM = rf"((?:{NAME_WORD}\s+)(?:(?:of|the|and|for|de)\s+|{NAME_WORD}\s+){{0,8}}{NAME_WORD})"
ACRONYM_LINK = re.compile(rf"{LONG_FORM}\s*\(([A-Z]{{2,8}})\)")  # "European Community (EC)"
ACRONYM_APPOSITION = re.compile(rf"{LONG_FORM},\s+([A-Z]{{2,8}}),")  # "... Organization, ICCO,"
WIRE_NAMES = frozenset(WIRES.lower().split("|"))
DECIMAL = re.compile(r"\d[.,]\d")
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
    office: bool = False  # named with an office: "Treasury Secretary James Baker"
    passing: bool = False  # named as a source in passing: "Marc Cohen, an analyst at ..."
    acronym: str | None = None  # an organisation's short form: "EC"

    @property
    def type(self) -> EntityType:
        """What NER called it most often (a place the gazetteer knows is a place; a name
        given with an office is a person's)."""
        if self.place is not None:
            return "place"
        if self.office and self.votes["person"]:
            return "person"
        return self.votes.most_common(1)[0][0]

    @property
    def full_names(self) -> list[str]:
        """The forms of more than one word ("Richard Lyng", not "Lyng")."""
        return [f for f in self.forms if len(f.split()) > 1]

    @property
    def surnames(self) -> set[str]:
        """The last words of its full names."""
        return {f.split()[-1] for f in self.full_names}

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
            town = dateline.place.split(",")[0]
            self._add(found, town, "GPE", "dateline", place=self.gazetteer.dateline(dateline.place))
        self._read(found, list(self._parts(title, sentences)))
        text = " ".join(sentences)
        _link_acronyms(found, text)
        _join_surnames(found)
        _join_short_names(found)
        _complete_names(found, text)
        return _rank(found.values(), title or "", sentences)

    def name_test(self, entities: Sequence[Entity]) -> Callable[[str], bool]:
        """Whether a phrase is a name these entities hold, so that keywords leave it to them:
        an entity's name or acronym, with or without an office ("Finance Minister Wang"), or a
        nationality word ("Russian")."""
        names = [_words(e.name) for e in entities]
        names += [_words(e.acronym) for e in entities if e.acronym]

        def is_name(phrase: str) -> bool:
            words = _words(phrase)
            offices = words & OFFICES
            if any(words - offices <= name or (offices and words & name) for name in names):
                return True
            return self.gazetteer.nationality(phrase) is not None

        return is_name

    def _read(self, found: dict[str, _Found], parts: list[tuple[str, str]]) -> None:
        """Add the names NER finds in each (where, text) part; parts in capitals are read by
        :meth:`_add_from_capitals`."""
        mixed = [(where, text) for where, text in parts if not text.isupper()]
        docs = self.nlp.pipe(text for _, text in mixed)  # one batch: cheaper than a call each
        for (where, text), doc in zip(mixed, docs, strict=True):
            for ent in doc.ents:
                if ent.label_ in LABELS:
                    role = _role(text, ent.start_char, ent.end_char)
                    label = "PERSON" if role == "office" and ent.label_ == "ORG" else ent.label_
                    self._add(found, ent.text, label, where, role=role)
        for where, text in parts:
            if text.isupper():
                self._add_from_capitals(found, text, where)

    def _parts(self, title: str | None, sentences: Sequence[str]) -> Iterable[tuple[str, str]]:
        """(where, text) to run NER on: the title, the lead, then the head up to HEAD_WORDS. A
        title in capitals is left out: NER reads "BRAZIL NOT SELLING COCOA" as an organisation;
        the names found elsewhere are looked for in it instead (:func:`_rank`). Each part is
        cut to HEAD_WORDS words, so that text without sentence ends costs no more."""
        if title and not title.isupper():
            yield "title", " ".join(title.split()[:HEAD_WORDS])
        lead = " ".join(" ".join(sentences[:LEAD_SENTENCES]).split()[:HEAD_WORDS])
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

    def _add_from_capitals(self, found: dict[str, _Found], text: str, where: str) -> None:
        """Names in text set in capitals (a wire flash: "GREENSPAN SAYS DOLLAR HAS BOTTOMED"),
        which NER misreads: people from NER over the text in title case, where it finds
        surnames, and countries and nationality words the gazetteer knows, word by word."""
        for ent in self.nlp(text.title()).ents:
            if ent.label_ == "PERSON" and len(ent.text.split()) <= CAPITALS_NAME_WORDS:
                self._add(found, ent.text, "PERSON", where)
        words = [w.strip(".,;:'\"()-") for w in text.split()]
        for size in (2, 1):
            for i in range(len(words) - size + 1):
                gram = " ".join(words[i : i + size])
                place = self.gazetteer.resolve(gram) if gram else None
                if place is not None and place.kind == "country":
                    self._add(found, gram.title(), "GPE", where, place=place)
                elif size == 1 and gram and (place := self.gazetteer.nationality(gram)):
                    self._add(found, gram.title(), "NORP", where, place=place)

    def _place(self, form: str, label: str) -> Place | None:
        """The place a mention names: a nationality word's country ("Ukrainian", which NER
        labels a place now and then), a place name's, or, for a one-word person or
        organisation, a country or capital's ("Kyiv's chief negotiator")."""
        if label == "NORP":
            return self.gazetteer.nationality(form)
        if LABELS[label] == "place":
            return self.gazetteer.resolve(form) or self.gazetteer.nationality(form)
        return self.gazetteer.major(form) if " " not in form else None

    def _add(
        self,
        found: dict[str, _Found],
        text: str,
        label: str,
        where: str,
        *,
        place: Place | None = None,
        role: str | None = None,
    ) -> None:
        """Count one mention (`place` when the caller has resolved it already; `role` when an
        office or a passing role stands beside it)."""
        kind = LABELS[label]
        form = _clean(text, kind)
        if form is None:
            return
        if place is None:
            place = self._place(form, label)
            if place is None and label == "NORP":
                return  # "Christian", "Democrats": a group, not a place
            kind = "place" if place is not None else kind
        key = _key(found, form, kind, place)
        entry = found.setdefault(key, _Found(place=place))
        entry.votes[kind] += 1
        if label != "NORP":
            entry.forms.add(form)
        elif place is not None:
            entry.forms.add(place.name)
            entry.aliases.add(form)
        entry.office |= role == "office"
        entry.passing |= role == "passing"
        entry.in_title |= where == "title"
        entry.in_dateline |= where == "dateline"
        entry.in_lead |= where in ("lead", "dateline")


def _words(phrase: str) -> set[str]:
    """Lower-cased words without a possessive ("People's" → "people")."""
    return {POSSESSIVE.sub("", word) for word in phrase.lower().split()}


def _role(text: str, start: int, end: int) -> str | None:
    """ "office" when an office stands right before a name ("Finance Minister Kiichi
    Miyazawa") or opens it; "passing" when a source's role follows it ("Marc Cohen, an
    analyst at ..."); else None."""
    before = text[max(0, start - 40) : start].split()
    inside = text[start:end].split()
    if (before and before[-1].lower().strip(".,") in OFFICES) or (
        len(inside) > 2 and inside[0].lower().strip(".,") in OFFICES
    ):
        return "office"
    after = text[end : end + 40].lstrip(" ,").split()[:3]
    if any(word.lower().strip(".,") in PASSING_ROLES for word in after):
        return "passing"
    return None


def select_entities(entities: list[Entity], max_entities: int, min_salience: float) -> list[Entity]:
    """The most salient entities: at most `max_entities`, each scoring at least `min_salience`."""
    return [e for e in entities if e.salience >= min_salience][: max(max_entities, 0)]


def _clean(text: str, kind: EntityType) -> str | None:
    """A mention without a leading article, possessive or title; None when nothing is left."""
    if text.count("(") > text.count(")"):  # "the National People's Congress (NPC"
        text = text.split("(", maxsplit=1)[0]
    words = POSSESSIVE.sub("", text.strip(" .,;:\"'“”‘’()[]")).split()
    while words and words[0].lower() in STOP:
        words = words[1:]
    if kind == "person":
        while len(words) > 1 and words[0].lower().rstrip(".") in TITLES:
            words = words[1:]
    form = " ".join(words)
    if len(form) < 2 or form.lower() in STOP or form.lower() in WIRE_NAMES:
        return None  # a wire's credit ("Reuter" signs every Reuters story) is not a subject
    if not any(c.isalpha() for c in form) or _is_debris(form):
        return None
    if form[0].islower():
        return None
    return form


def _is_debris(form: str) -> bool:
    """A span of a table or of broken brackets, not a name: "Start Stocks N.A. N.A.",
    "Stcks 0.49", "G-7) communique" (an open bracket is cut off before, in :func:`_clean`)."""
    words = form.split()
    return (
        len(set(words)) < len(words)
        or DECIMAL.search(form) is not None
        or form.count("(") != form.count(")")
    )


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
    its bare surname while that entry has no full name yet (B.B. King and his daughter
    Claudette King stay two people); a bare first name ("B.B.") joins the one person who has
    it, if only one does."""
    tokens = form.lower().split()
    people = {k: e for k, e in found.items() if e.type == "person"}
    for key, entry in people.items():
        named = bool(entry.full_names)
        for other in (f.lower().split() for f in entry.forms):
            if tokens == other or (
                tokens[-1] == other[-1] and (len(tokens) == 1 or (len(other) == 1 and not named))
            ):
                return key
    if len(tokens) == 1:
        first = tokens[0].rstrip(".")
        firsts = {
            k
            for k, e in people.items()
            for f in e.full_names
            if f.lower().split()[0].rstrip(".") == first
        }
        if len(firsts) == 1:
            return firsts.pop()
    return f"person:{form.lower()}"


def _link_acronyms(found: dict[str, _Found], text: str) -> None:
    """Merge an organisation written as an acronym into the one it stands for: the long form
    the article links to it ("European Community (EC)", "the International Cocoa
    Organization, ICCO,"), or the one with those initials; the long form keeps the acronym."""
    links = _acronym_links(text)
    for key, entry in list(found.items()):
        acronyms = {f.replace(".", "") for f in entry.forms if f.replace(".", "").isupper()}
        if entry.place is not None or entry.type == "person" or not acronyms:
            continue
        stands = (k for k in found if k != key and _stands_for(found[k], acronyms, links))
        target = next(stands, None)
        if target is not None:
            found[target].acronym = found[target].acronym or min(acronyms, key=len)
            _merge(found[target], found.pop(key))
    for entry in found.values():
        if entry.type == "organisation" and entry.acronym is None:
            entry.acronym = next((a for a in links if _stands_for(entry, {a}, links)), None)


def _acronym_links(text: str) -> dict[str, str]:
    """Acronym → the long form the article gives it, lower-cased."""
    pairs = ACRONYM_LINK.findall(text) + ACRONYM_APPOSITION.findall(text)
    return {short: long.lower() for long, short in pairs}


def _stands_for(entry: _Found, acronyms: set[str], links: dict[str, str]) -> bool:
    """Whether a multi-word organisation is what one of the acronyms stands for: its initials,
    or a long form linked to the acronym that ends with one of its names."""
    if entry.type != "organisation":
        return False
    names = entry.full_names
    initials = {_initials(f) for f in names}
    return any(
        a in initials or any(links.get(a, "").endswith(f.lower()) for f in names) for a in acronyms
    )


def _merge(into: _Found, other: _Found) -> None:
    into.votes.update(other.votes)
    into.forms |= other.forms
    into.aliases |= other.aliases
    into.in_title |= other.in_title
    into.in_dateline |= other.in_dateline
    into.in_lead |= other.in_lead
    into.office |= other.office
    into.passing |= other.passing
    into.acronym = into.acronym or other.acronym


def _join_surnames(found: dict[str, _Found]) -> None:
    """A one-word entity of any type that is a person's surname is that person: NER calls a
    bare surname an organisation now and then ("Volcker said ..."). The surname is the last
    word of a full name, or the first where no name ends with it and one name begins with it
    (family name first: "Wang" is Wang Bingqian)."""
    full = [(f.split(), k) for k, e in found.items() if e.type == "person" for f in e.full_names]
    firsts: dict[str, set[str]] = {}
    for words, key in full:
        firsts.setdefault(words[0], set()).add(key)
    surnames = {word: keys.pop() for word, keys in firsts.items() if len(keys) == 1}
    surnames |= {words[-1]: key for words, key in full}
    for key, entry in list(found.items()):
        if entry.type == "person" or entry.place is not None:
            continue
        target = {surnames.get(f) for f in entry.forms if len(f.split()) == 1}
        if len(target) == 1 and (person := target.pop()) is not None and person != key:
            surname = found.pop(key)
            surname.votes = Counter({"person": surname.votes.total()})  # mentions of the person
            _merge(found[person], surname)


def _complete_names(found: dict[str, _Found], text: str) -> None:
    """A person NER found by surname alone takes the first name the text gives it where NER
    missed the full name ("Rustem Umerov, the head of ..." then "Umerov said")."""
    for entry in found.values():
        if entry.type != "person" or entry.full_names:
            continue
        for surname in list(entry.forms):
            for first in re.findall(rf"\b([A-Z][\w'’-]+) {re.escape(surname)}\b", text):
                if first.lower().rstrip(".") not in OFFICES | STOP | MINOR_WORDS:
                    entry.forms.add(f"{first} {surname}")


def _join_short_names(found: dict[str, _Found]) -> None:
    """A one-word organisation that ends or opens a longer one's name is that one, named again
    in short ("the Community" after "the European Community", "the Group" after "the Group
    of Seven"); where several have it, the most mentioned takes it."""
    for key, entry in list(found.items()):
        if entry.type != "organisation" or entry.full_names:
            continue
        words = {f.lower() for f in entry.forms if not f.isupper()}
        fuller = [
            (e.votes.total(), k)
            for k, e in found.items()
            if k != key and e.type == "organisation" and any(_ends(f) & words for f in e.full_names)
        ]
        if fuller:
            _merge(found[max(fuller)[1]], found.pop(key))


def _ends(form: str) -> set[str]:
    """The first and last words of a name, lower-cased."""
    words = form.lower().split()
    return {words[0], words[-1]}


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
    entries = list(found)
    shared = _shared_surnames(entries)
    scored: list[tuple[float, int, _Found]] = []
    for entry in entries:
        if _names_a_thing(entry, body):
            continue
        forms = entry.forms | entry.aliases | _short_forms(entry, shared)
        mentions = max(1, _count(forms, f"{title} {body}"))
        entry.in_title |= _count(forms, title, ignore_case=title.isupper()) > 0
        entry.in_lead |= _count(forms, lead) > 0
        score = (
            WEIGHTS["title"] * entry.in_title
            + WEIGHTS["dateline"] * entry.in_dateline
            + WEIGHTS["lead"] * entry.in_lead
            + WEIGHTS["mentions"] * math.log1p(mentions)
            + WEIGHTS["office"] * entry.office
            - WEIGHTS["passing"] * (entry.passing and not entry.office)
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
            acronym=entry.acronym if entry.type == "organisation" else None,
        )
        for score, mentions, entry in ranked
    ]


def _names_a_thing(entry: _Found, text: str) -> bool:
    """A one-word "person" that only ever names an accord or a meeting ("the Louvre accord"):
    NER reads the capitalised word before "accord" as a surname."""
    if entry.type != "person" or entry.full_names:
        return False
    pattern = "|".join(re.escape(f) for f in entry.forms)
    followers = re.findall(rf"(?<!\w)(?:{pattern})(?!\w)\s*(\w*)", text)
    return bool(followers) and all(word.lower() in THINGS for word in followers)


def _short_forms(entry: _Found, shared: set[str]) -> set[str]:
    """Forms a story also uses: a person's surname, unless two people share it."""
    return entry.surnames - shared if entry.type == "person" else set()


def _shared_surnames(found: Iterable[_Found]) -> set[str]:
    """Surnames more than one person in the story has: a bare "King" names neither for sure."""
    counts = Counter(s for entry in found if entry.type == "person" for s in entry.surnames)
    return {surname for surname, n in counts.items() if n > 1}
