"""Taxonomy files: which topics exist, how each is described, and optional example texts.

A taxonomy is YAML or JSON in one of two shapes::

    # a mapping of label to a description, a list of descriptions, or a topic entry
    sport: Football, cricket, tennis and other games.
    weather: [Storms and floods., Heatwaves and forecasts.]

    # or a list of topic entries (optionally under ``topics:``, beside a ``name:``)
    name: desk
    topics:
      - label: sport
        qcode: medtop:15000000          # optional
        description: Football and cricket.   # or descriptions: [...]; absent: the label itself
        examples:                       # optional: short texts that belong to the topic
          - Rovers won the cup final 2-1 after extra time.
    example_weight: 0.25                # optional: the examples' share of a topic's vector
    model: desk-tuned                   # optional: a trained head under models/heads/ tags it
    anchor: false                       # optional: no leaning on IPTC's top level (see topics)

A taxonomy with a ``model`` is tagged by that head (``newsworker train-topics``, fine-tuned or
not) instead of zero-shot; its labels must be the head's, and the taxonomy gives them their
QCodes. So a request can name a newsroom's own trained model by naming its taxonomy.

A taxonomy may be a tree: an entry names its parent with ``broader`` (the parent's label or
QCode), or holds its narrower topics under ``children`` (a list of entries, or a mapping as
above)::

    topics:
      - label: economy
        children:
          - label: interest rate
            description: Central bank rates and the cost of borrowing.
      - {label: merger or acquisition, broader: economy, wikidata: Q1027384}

A topic's level is 1 at the top and one more than its parent's below; flat files are all
level 1. Other keys of an entry (IPTC's ``definition``) are for people and are not read.

Descriptions say what a topic covers; examples are texts of the kind the topic should catch.
Both are embedded once per process (see :mod:`worker.nlp.topics`). Files named by a request are
found by their stem under ``models/taxonomy/`` (:func:`taxonomy_files`), never by a path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from worker.errors import ConfigError

SUFFIXES = (".yaml", ".yml", ".json")
DEFAULT_EXAMPLE_WEIGHT = 0.25
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


@dataclass(frozen=True)
class TopicDef:
    """One topic of a taxonomy: its label, descriptions, QCode and example texts."""

    label: str
    descriptions: tuple[str, ...]
    qcode: str | None = None
    examples: tuple[str, ...] = ()
    broader: str | None = None  # the parent topic's label; None at the top
    level: int = 1
    wikidata: str | None = None


@dataclass(frozen=True)
class Taxonomy:
    """A taxonomy file: its name (the file's stem), its topics and how much examples weigh."""

    name: str
    topics: list[TopicDef]
    example_weight: float = DEFAULT_EXAMPLE_WEIGHT
    model: str | None = None  # a trained head under models/heads/ that tags this taxonomy
    anchor: bool = True  # tersely described flat topics lean on IPTC's top level (topics.anchored)


@dataclass(frozen=True)
class Tree:
    """A taxonomy's shape: each term's parent and level, and the names it is known by."""

    parents: dict[str, str | None]
    levels: dict[str, int]
    names: dict[str, str] = field(default_factory=dict)  # folded label or QCode → label

    @classmethod
    def of(cls, topics: Sequence[TopicDef]) -> Tree:
        """The tree of a taxonomy's topics (as :func:`read_taxonomy` gives them, parents
        resolved)."""
        names = {t.label.casefold(): t.label for t in topics}
        names |= {t.qcode.casefold(): t.label for t in topics if t.qcode}
        return cls({t.label: t.broader for t in topics}, {t.label: t.level for t in topics}, names)

    def term(self, name: str) -> str | None:
        """The term a gold label or a prediction names, or None."""
        return self.names.get(name.strip().casefold())

    def lineage(self, term: str) -> list[str]:
        """The term and its ancestors, nearest first."""
        line = [term]
        while (parent := self.parents.get(line[-1])) is not None:
            line.append(parent)
        return line

    def closure(self, terms: Iterable[str]) -> set[str]:
        """The terms with all their ancestors."""
        return {ancestor for term in terms for ancestor in self.lineage(term)}

    def at_level(self, term: str, level: int) -> str | None:
        """The term's ancestor (or itself) at `level`, or None when it sits higher."""
        return next((t for t in self.lineage(term) if self.levels[t] == level), None)


def load_taxonomy(path: Path) -> list[TopicDef]:
    """The topics of a taxonomy file (either shape above); ConfigError naming the file."""
    return read_taxonomy(path).topics


def read_data_file(path: Path, what: str) -> Any:
    """A YAML or JSON file's content (JSON by its suffix); ConfigError naming `what` and the
    file when it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc}") from exc


def read_taxonomy(path: Path) -> Taxonomy:
    """Read a taxonomy file with its settings; ConfigError naming the file when invalid."""
    data = read_data_file(path, "taxonomy")
    listed = isinstance(data, dict) and "topics" in data
    try:
        topics = _parse(data["topics"] if listed else data)
        weight = _example_weight(data.get("example_weight") if listed else None)
        model = _model_name(data.get("model") if listed else None)
        anchor = _anchor(data.get("anchor", True) if listed else True)
    except ConfigError as exc:
        raise ConfigError(f"taxonomy {path}: {exc}") from exc
    if len(topics) < 2:
        raise ConfigError(f"taxonomy {path} needs at least two topics")
    if len({t.label for t in topics}) < len(topics):
        raise ConfigError(f"taxonomy {path} has a label more than once")
    return Taxonomy(path.stem, topics, weight, model, anchor)


def taxonomy_files(directory: Path) -> dict[str, Path]:
    """The taxonomy files in `directory` by stem (e.g. ``ag-news``), in name order."""
    if not directory.is_dir():
        return {}
    found: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() in SUFFIXES and path.is_file():
            found.setdefault(path.stem, path)
    return found


def _parse(data: Any) -> list[TopicDef]:
    """The topics of a file, parents before children, with parents and levels resolved."""
    return _resolve_tree(list(_flatten(data, None)))


def _flatten(data: Any, parent: str | None) -> Iterator[TopicDef]:
    """Every topic of a mapping or list, nested children after their parent."""
    if isinstance(data, dict):
        entries = [_entry_of(label, value) for label, value in data.items()]
    elif isinstance(data, list):
        entries = data
    else:
        raise ConfigError("a taxonomy is a mapping of label to description or a list of topics")
    for entry in entries:
        topic = _topic_from_entry(entry, parent)
        yield topic
        if isinstance(entry, dict) and entry.get("children") is not None:
            yield from _flatten(entry["children"], topic.label)


def _entry_of(label: Any, value: Any) -> dict[str, Any]:
    """A mapping's item as a topic entry: ``label: description`` or ``label: {entry}``."""
    if isinstance(value, dict):
        return {"label": label, **value}
    return {"label": label, "descriptions": value if value is not None else str(label)}


def _resolve_tree(topics: list[TopicDef]) -> list[TopicDef]:
    """Each topic's parent as a label (a ``broader`` may give a QCode) and its level; an
    unknown parent or a cycle is refused."""
    by_name = {t.label: t.label for t in topics} | {t.qcode: t.label for t in topics if t.qcode}
    parents: dict[str, str | None] = {}
    for topic in topics:
        if topic.broader is not None and topic.broader not in by_name:
            raise ConfigError(f"topic {topic.label!r}: broader {topic.broader!r} is no topic here")
        parents[topic.label] = by_name[topic.broader] if topic.broader is not None else None
    return [replace(t, broader=parents[t.label], level=_level(t.label, parents)) for t in topics]


def _level(label: str, parents: dict[str, str | None]) -> int:
    """1 for a top topic, one more per ancestor; ConfigError on a cycle."""
    seen = {label}
    parent = parents.get(label)
    while parent is not None:
        if parent in seen:
            raise ConfigError(f"topic {label!r} is its own ancestor")
        seen.add(parent)
        parent = parents.get(parent)
    return len(seen)


def _model_name(raw: Any) -> str | None:
    """A head's directory name under models/heads/: a name, never a path."""
    if raw is None:
        return None
    if not isinstance(raw, str) or not MODEL_NAME.fullmatch(raw):
        raise ConfigError(f"model must name a head under models/heads/, not {raw!r}")
    return raw


def _anchor(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise ConfigError(f"anchor must be true or false, not {raw!r}")
    return raw


def _example_weight(raw: Any) -> float:
    if raw is None:
        return DEFAULT_EXAMPLE_WEIGHT
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 <= raw <= 1:
        raise ConfigError(f"example_weight must be a number from 0 to 1, not {raw!r}")
    return float(raw)


def _topic_from_entry(entry: Any, parent: str | None = None) -> TopicDef:
    """One entry; a nested entry's parent is the one it sits under, unless it names another."""
    if not isinstance(entry, dict) or "label" not in entry:
        raise ConfigError(f"taxonomy entry {entry!r} has no label")
    label = entry["label"]
    raw = entry.get("descriptions", entry.get("description"))
    return TopicDef(
        label=str(label),
        descriptions=_texts(label, raw, "descriptions") or (str(label),),
        qcode=_optional(entry.get("qcode")),
        examples=_texts(label, entry.get("examples"), "examples"),
        broader=_optional(entry.get("broader")) or parent,
        wikidata=_optional(entry.get("wikidata")),
    )


def _optional(value: Any) -> str | None:
    return None if value is None else str(value)


def _texts(label: Any, raw: Any, what: str) -> tuple[str, ...]:
    """A string or a list of strings as a tuple; None as empty; an empty list is refused."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        texts: tuple[str, ...] = (raw,)
    elif isinstance(raw, list):
        texts = tuple(str(item) for item in raw)
    else:
        raise ConfigError(f"topic {label!r}: {what} must be a string or a list of strings")
    if not texts or not all(t.strip() for t in texts):
        raise ConfigError(f"topic {label!r} has an empty {what[:-1]} or an empty list of {what}")
    return texts
