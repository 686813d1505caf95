"""Generate, seeded, the copies of an article that a newsroom sees: the reprints with which
:mod:`worker.tools.evaluation.reprint_quality` checks reprint detection (:mod:`worker.reprints`).

Each transformation takes a :class:`Draft` (the article as paragraphs, with its layout) and a
:class:`random.Random`, and returns the draft changed and what it did recorded; the same seed
gives the same reprint.

- :func:`replace_headline`: a new headline (a wire update tag, the lead's first words, or a
  kicker and those words), sometimes as the first line of the text instead of the title;
- :func:`add_boilerplate`: page furniture (bylines, wire credits, share buttons, "Read more",
  copyright lines, related links) added at the top, the bottom or both;
- :func:`remove_boilerplate`: the furniture the article came with taken off;
- :func:`cut_ending`: the last paragraphs (or sentences) cut, keeping 50-90% of the words;
- :func:`reword_sentence`: one sentence reworded (synonyms, clauses reordered, words dropped
  or added);
- :func:`change_quotes_whitespace`: quotes straightened or curled, and another layout (blank
  lines or newlines, hard wraps, double spaces after full stops, CRLF).

:func:`reprint` applies a random combination and records which; :func:`reprint_with` applies
one; :data:`TRANSFORMS` holds each transformation alone, in the order a combination applies them.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, replace
from random import Random
from typing import Any, Protocol

from worker.nlp.cleaning import unwrap
from worker.nlp.datelines import split_dateline

NAMES = ("Jane Smith", "Tom Okafor", "Maria Lopez", "David Chen", "Amina Bello", "Lars Berg")
OUTLETS = ("Reuters", "The Associated Press", "AFP", "The Daily Herald", "News24", "Metro Wire")
WIRE_CREDITS = ("LONDON (Reuters) - ", "NEW YORK (AP) — ", "PARIS (AFP) - ", "(CNN) -- ")
HEADLINES = (
    "Markets close higher as oil prices ease",
    "Council approves budget for new schools",
    "Storm warning issued for the coast",
    "Club signs striker on three-year deal",
    "Minister defends rail fare rise",
    "Five things to know before the weekend",
)
KICKERS = ("Breaking", "Exclusive", "Analysis", "Update", "Watch")
TOP_LINES = (
    "By {name}, {outlet}",
    "By {upper}",
    "Published: {clock} GMT, {date}",
    "Last updated on {date}",
    "Share this article",
    "Skip to content",
    "Advertisement",
    "Share on Facebook Share on Twitter Share via Email",
    "Listen to this article",
    "{minutes} min read",
)
BOTTOM_LINES = (
    "Read more: {headline}",
    "© {year} {outlet}. All rights reserved.",
    "Copyright {year} {outlet}. All rights reserved. This material may not be published, "
    "broadcast, rewritten or redistributed.",
    "Reporting by {name}; Editing by {other}",
    "Additional reporting by {name}.",
    "Share this article",
    "Follow us on Twitter and Facebook for the latest news",
    "Sign up for our daily newsletter",
    "Tags: news, world, politics",
)
RELATED_MARKERS = ("Related stories", "More on this story", "You may also like")
MIDDLE_LINES = ("Advertisement", "Story continues below advertisement")
# Lines, and heads of the first paragraph, that are page furniture in the dev sets.
FURNITURE_LINE = re.compile(
    r"^(?:media playback is (?:not supported|unsupported)|watch the video|read more|click here"
    r"|share this|advertisement|©|copyright\b|image (?:caption|source)|follow (?:bbc|us)\b"
    r"|find bbc news)|contributed to this report\.?$|accepting comments on this article"
    r"|@bbc\.co\.uk|story (?:ideas|suggestion)",
    re.IGNORECASE,
)
FURNITURE_HEAD = re.compile(
    r"^(?:(?:[A-Z][\w.,' ]{0,40})?\((?:CNN|Reuters|AP|AFP|CP|Sports Network)\)\s*(?:--|-|—|–)?\s*"
    r"|[\w.]+(?: [\w.]+)? - (?=[A-Z]))"
)
SYNONYMS = {
    "said": "stated", "says": "states", "big": "large", "large": "big", "help": "assist",
    "buy": "purchase", "start": "begin", "began": "started", "show": "reveal", "shows": "reveals",
    "rise": "increase", "rose": "climbed", "fell": "dropped", "about": "around", "but": "however",
    "after": "following", "because": "as", "need": "require", "plans": "proposals",
    "company": "firm", "firm": "company", "major": "key", "many": "numerous", "new": "fresh",
    "government": "administration", "people": "individuals", "expected": "set", "told": "informed",
}  # fmt: skip
FILLERS = ("reportedly", "now", "also", "still", "already")
SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)]))\s+(?=[\"'“‘(]?[A-Z0-9])")
CURLY = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})


class Original(Protocol):
    """What the generator reads of an article."""

    @property
    def text(self) -> str: ...

    @property
    def title(self) -> str | None: ...


@dataclass(frozen=True)
class Draft:
    """An article being reprinted: its paragraphs, how they are laid out, what was done."""

    title: str | None
    paragraphs: tuple[str, ...]
    separator: str = "\n\n"
    wrap: int = 0  # hard-wrap width, 0 for none
    indent: int = 0  # hard-wrapped paragraphs after the first open with this many spaces
    crlf: bool = False
    title_in_text: bool = False  # the headline is the first line of the text, not a field
    done: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def did(self, name: str, note: str = "", **changes: Any) -> Draft:
        """This draft with `changes`, and `name` recorded as done."""
        notes = (*self.notes, f"{name}:{note}") if note else self.notes
        return replace(self, done=(*self.done, name), notes=notes, **changes)


@dataclass(frozen=True)
class Reprint:
    """A generated copy of an article, and the transformations it got."""

    text: str
    title: str | None
    transformations: tuple[str, ...]
    notes: tuple[str, ...] = ()


def draft(text: str, title: str | None) -> Draft:
    """The article as paragraphs, with its layout (blank lines, newlines or hard wraps)."""
    unwrapped = unwrap(text)
    if unwrapped != text:
        lines = text.split("\n")
        indented = sum(1 for line in lines if line.startswith("  "))
        width = max(40, min(80, max(len(line) for line in lines)))
        return Draft(title, _lines(unwrapped), wrap=width, indent=4 if indented else 0)
    return Draft(title, _lines(text), separator="\n\n" if "\n\n" in text else "\n")


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.split("\n") if line.strip())


def compose(draft_: Draft) -> Reprint:
    """The reprint as it would be sent: text laid out, headline as a field or a first line."""
    blocks = [_layout(p, draft_, i) for i, p in enumerate(draft_.paragraphs)]
    text = ("\n" if draft_.wrap and draft_.indent else draft_.separator).join(blocks)
    if draft_.title_in_text and draft_.title:
        text = f"{draft_.title}\n\n{text}"
    text = text.replace("\n", "\r\n") if draft_.crlf else text
    title = None if draft_.title_in_text else draft_.title
    return Reprint(text, title, draft_.done, draft_.notes)


def _layout(paragraph: str, draft_: Draft, number: int) -> str:
    if not draft_.wrap:
        return paragraph
    indent = " " * draft_.indent if number else ""
    return textwrap.fill(
        paragraph, draft_.wrap, initial_indent=indent, break_long_words=False,
        break_on_hyphens=False,
    )  # fmt: skip


def _fill(template: str, rng: Random) -> str:
    name, other = rng.sample(NAMES, 2)
    return template.format(
        name=name, other=other, upper=name.upper(), outlet=rng.choice(OUTLETS),
        headline=rng.choice(HEADLINES), year=rng.randint(2000, 2024), minutes=rng.randint(2, 9),
        clock=f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
        date=f"{rng.randint(1, 28)} March {rng.randint(2000, 2024)}",
    )  # fmt: skip


def replace_headline(d: Draft, rng: Random) -> Draft:
    """A new headline: a wire update tag, the lead's first words, or a kicker and those words;
    three times in ten it is the first line of the text and the title field is empty."""
    first = split_dateline(FURNITURE_HEAD.sub("", d.paragraphs[0], count=1))[1]
    lead = " ".join(_sentences(first)[0].split()[: rng.randint(6, 12)]).rstrip(".,;:")
    choices = [lead, f"{rng.choice(KICKERS)}: {lead}"]
    if d.title:
        choices.append(f"UPDATE {rng.randint(1, 3)}-{d.title}")
    title = rng.choice([c for c in choices if c != d.title] or [f"Breaking: {lead}"])
    in_text = rng.random() < 0.3
    return d.did("headline", "in text" if in_text else "", title=title, title_in_text=in_text)


def add_boilerplate(d: Draft, rng: Random) -> Draft:
    """Page furniture at the top, the bottom or both; maybe a wire credit on the first
    paragraph and an "Advertisement" line in the middle."""
    where = rng.choice(("top", "bottom", "both"))
    top = [_fill(t, rng) for t in rng.sample(TOP_LINES, rng.randint(1, 3))]
    bottom = [_fill(t, rng) for t in rng.sample(BOTTOM_LINES, rng.randint(1, 3))]
    if rng.random() < 0.4:
        bottom += [rng.choice(RELATED_MARKERS), *(f"- {h}" for h in rng.sample(HEADLINES, 3))]
    body = list(d.paragraphs)
    credited = FURNITURE_HEAD.match(body[0]) or split_dateline(body[0])[0]
    if rng.random() < 0.3 and not credited:
        body[0] = rng.choice(WIRE_CREDITS) + body[0]
    if len(body) > 2 and rng.random() < 0.3:
        body.insert(rng.randint(1, len(body) - 1), rng.choice(MIDDLE_LINES))
    head = top if where != "bottom" else []
    tail = bottom if where != "top" else []
    return d.did("boilerplate_added", where, paragraphs=(*head, *body, *tail))


def remove_boilerplate(d: Draft, rng: Random) -> Draft:
    """The article without the page-furniture lines (and wire credit) it came with; unchanged
    when it has none."""
    kept = [p for p in d.paragraphs if not FURNITURE_LINE.search(p)]
    if kept:
        kept[0] = FURNITURE_HEAD.sub("", kept[0], count=1)
    if not kept or tuple(kept) == d.paragraphs:
        return d
    return d.did("boilerplate_removed", f"-{len(d.paragraphs) - len(kept)}", paragraphs=tuple(kept))


def cut_ending(d: Draft, rng: Random) -> Draft:
    """The shortest prefix holding a random 50-90% of the words: whole paragraphs where that
    works, else whole sentences; unchanged for an article of fewer than three sentences."""
    share = rng.uniform(0.5, 0.9)
    kept = _prefix(d.paragraphs, share)
    if kept is None:
        sentences = _prefix(tuple(_sentences(" ".join(d.paragraphs))), share)
        kept = (" ".join(sentences),) if sentences else None
    if kept is None:
        return d
    words = sum(len(p.split()) for p in kept) / sum(len(p.split()) for p in d.paragraphs)
    return d.did("cut", f"{words:.2f}", paragraphs=kept)


def _prefix(units: tuple[str, ...], share: float) -> tuple[str, ...] | None:
    """Of three or more units, the shortest prefix with `share` of the words, else all but the
    last where they hold half."""
    if len(units) < 3:
        return None
    total, count = sum(len(u.split()) for u in units), 0
    for number, unit in enumerate(units[:-1]):
        count += len(unit.split())
        if count >= share * total:
            return units[: number + 1]
    return units[:-1] if count >= total / 2 else None


def reword_sentence(d: Draft, rng: Random) -> Draft:
    """One sentence of eight words or more reworded: synonyms swapped, its clauses reordered,
    or a few words dropped or added."""
    spots = [
        (i, j)
        for i, p in enumerate(d.paragraphs)
        for j, s in enumerate(_sentences(p))
        if len(s.split()) >= 8
    ]
    if not spots:
        return d
    i, j = rng.choice(spots)
    sentences = _sentences(d.paragraphs[i])
    dateline, sentences[j] = _dateline(sentences[j]) if i == j == 0 else ("", sentences[j])
    how = rng.choice(("synonyms", "reorder", "words"))
    changed = {"synonyms": _synonyms, "reorder": _reorder}.get(how, _words)(sentences[j], rng)
    if changed is None:
        how, changed = "words", _words(sentences[j], rng)
    sentences[j] = dateline + changed
    paragraphs = (*d.paragraphs[:i], " ".join(sentences), *d.paragraphs[i + 1 :])
    return d.did("reword", how, paragraphs=paragraphs)


def _dateline(sentence: str) -> tuple[str, str]:
    """The dateline (and wire credit) opening an article's first sentence, which a rewording
    leaves alone, and the rest."""
    rest = split_dateline(FURNITURE_HEAD.sub("", sentence, count=1))[1]
    cut = sentence.rfind(rest) if len(rest.split()) >= 4 and rest != sentence else 0
    return sentence[: max(cut, 0)], sentence[max(cut, 0) :]


def _synonyms(sentence: str, rng: Random) -> str | None:
    tokens = sentence.split(" ")
    spots = [k for k, t in enumerate(tokens) if t.lower() in SYNONYMS]
    if not spots:
        return None
    for k in rng.sample(spots, min(len(spots), rng.randint(1, 3))):
        tokens[k] = SYNONYMS[tokens[k].lower()]
    return " ".join(tokens)


def _reorder(sentence: str, rng: Random) -> str | None:
    """The clauses around the first comma swapped: "A, B." as "B, a."."""
    head, comma, tail = sentence.rstrip(".!?").partition(", ")
    if not comma or len(head.split()) < 3 or len(tail.split()) < 3:
        return None
    return f"{tail[0].upper()}{tail[1:]}, {head[0].lower()}{head[1:]}."


def _words(sentence: str, rng: Random) -> str:
    tokens = sentence.split(" ")
    for _ in range(rng.randint(1, 3)):
        k = rng.randrange(1, len(tokens))
        if rng.random() < 0.5 and len(tokens) > 4:
            del tokens[k]
        else:
            tokens.insert(k, rng.choice(FILLERS))
    return " ".join(tokens)


def change_quotes_whitespace(d: Draft, rng: Random) -> Draft:
    """Straight quotes made curly (or curly straight), and another layout: blank lines or
    newlines between paragraphs, hard wraps, double spaces after full stops, CRLF."""
    text = " ".join(d.paragraphs)
    quotes = _straighten if any(c in text for c in "“”‘’") else _curl
    paragraphs = [quotes(p) for p in d.paragraphs]
    layout = rng.choice(("blank", "newline", "wrapped", "wire"))
    if rng.random() < 0.5:
        paragraphs = [re.sub(r"([.!?]) (?=\S)", r"\1  ", p) for p in paragraphs]
    wrap = rng.randint(60, 78) if layout in ("wrapped", "wire") else 0
    return d.did(
        "quotes_whitespace", layout, paragraphs=tuple(paragraphs), wrap=wrap,
        indent=4 if layout == "wire" else 0, separator="\n" if layout == "newline" else "\n\n",
        crlf=rng.random() < 0.2,
    )  # fmt: skip


def _curl(text: str) -> str:
    text = re.sub(r'"(?=\w)', "“", text).replace('"', "”")
    return re.sub(r"(?<!\w)'(?=\w)", "‘", text).replace("'", "’")


def _straighten(text: str) -> str:
    return text.translate(CURLY)


def _sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_BREAK.split(text) if s.strip()] or [text]


Transform = Callable[[Draft, Random], Draft]
TRANSFORMS: dict[str, Transform] = {
    "boilerplate_removed": remove_boilerplate,
    "cut": cut_ending,
    "reword": reword_sentence,
    "headline": replace_headline,
    "boilerplate_added": add_boilerplate,
    "quotes_whitespace": change_quotes_whitespace,
}  # in the order a combination applies them
CHANCE = {"cut": 0.5, "reword": 0.5, "quotes_whitespace": 0.5, "headline": 0.7}


def reprint(item: Original, rng: Random) -> Reprint:
    """A copy of the article with a random, realistic combination of the transformations
    (furniture either removed, where there is some, or added; at least one change)."""
    d = draft(item.text, item.title)
    remove = bool(remove_boilerplate(d, rng).done) and rng.random() < 0.5
    for name, transform in TRANSFORMS.items():
        if name == "boilerplate_removed":
            wanted = remove
        elif name == "boilerplate_added":
            wanted = not remove and rng.random() < 0.5
        else:
            wanted = rng.random() < CHANCE[name]
        if wanted:
            d = transform(d, rng)
    return compose(d if d.done else change_quotes_whitespace(d, rng))


def reprint_with(item: Original, name: str, rng: Random) -> Reprint | None:
    """A copy with the one transformation `name`, or None where it does not apply."""
    d = TRANSFORMS[name](draft(item.text, item.title), rng)
    return compose(d) if d.done else None
