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

Descriptions say what a topic covers; examples are texts of the kind the topic should catch.
Both are embedded once per process (see :mod:`worker.nlp.topics`). Files named by a request are
found by their stem under ``models/taxonomy/`` (:func:`taxonomy_files`), never by a path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from worker.errors import ConfigError

SUFFIXES = (".yaml", ".yml", ".json")
DEFAULT_EXAMPLE_WEIGHT = 0.25


@dataclass(frozen=True)
class TopicDef:
    """One topic of a taxonomy: its label, descriptions, QCode and example texts."""

    label: str
    descriptions: tuple[str, ...]
    qcode: str | None = None
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    """A taxonomy file: its name (the file's stem), its topics and how much examples weigh."""

    name: str
    topics: list[TopicDef]
    example_weight: float = DEFAULT_EXAMPLE_WEIGHT


def load_taxonomy(path: Path) -> list[TopicDef]:
    """The topics of a taxonomy file (either shape above); ConfigError naming the file."""
    return read_taxonomy(path).topics


def read_taxonomy(path: Path) -> Taxonomy:
    """Read a taxonomy file with its settings; ConfigError naming the file when invalid."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read taxonomy {path}: {exc}") from exc
    listed = isinstance(data, dict) and "topics" in data
    try:
        topics = _parse(data["topics"] if listed else data)
        weight = _example_weight(data.get("example_weight") if listed else None)
    except ConfigError as exc:
        raise ConfigError(f"taxonomy {path}: {exc}") from exc
    if len(topics) < 2:
        raise ConfigError(f"taxonomy {path} needs at least two topics")
    if len({t.label for t in topics}) < len(topics):
        raise ConfigError(f"taxonomy {path} has a label more than once")
    return Taxonomy(path.stem, topics, weight)


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
    if isinstance(data, dict):
        return [_topic_from_mapping(label, value) for label, value in data.items()]
    if isinstance(data, list):
        return [_topic_from_entry(entry) for entry in data]
    raise ConfigError("a taxonomy is a mapping of label to description or a list of topics")


def _example_weight(raw: Any) -> float:
    if raw is None:
        return DEFAULT_EXAMPLE_WEIGHT
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 <= raw <= 1:
        raise ConfigError(f"example_weight must be a number from 0 to 1, not {raw!r}")
    return float(raw)


def _topic_from_mapping(label: Any, value: Any) -> TopicDef:
    if isinstance(value, dict):
        return _topic_from_entry({"label": label, **value})
    return TopicDef(str(label), _texts(label, value, "descriptions") or (str(label),))


def _topic_from_entry(entry: Any) -> TopicDef:
    if not isinstance(entry, dict) or "label" not in entry:
        raise ConfigError(f"taxonomy entry {entry!r} has no label")
    label = entry["label"]
    raw = entry.get("descriptions", entry.get("description"))
    qcode = entry.get("qcode")
    return TopicDef(
        label=str(label),
        descriptions=_texts(label, raw, "descriptions") or (str(label),),
        qcode=None if qcode is None else str(qcode),
        examples=_texts(label, entry.get("examples"), "examples"),
    )


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
