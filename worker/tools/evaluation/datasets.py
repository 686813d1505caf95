"""Evaluation data: one JSON object per line, with configurable field names or a preset.

A row gives the article text, optionally a title, a reference summary (a string, or a list of
sentences), a label (a string, or a list of labels for multi-label data) and gold entity tags
(lists of places, people and organisations, as Reuters' indexers gave them). Presets name the
fields of the development files in ``../shared/data/`` and the summary length rule: a number of
sentences, or ``ref`` for as many sentences as the reference has. A row's dateline (Reuters keeps
``HONG KONG, April 8 -`` apart from the text) is put back at the head of the text, as on the wire,
so that the pipeline sees the story as it is sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from worker.errors import ConfigError, InputError
from worker.nlp.sentences import split_sentences
from worker.nlp.taxonomy import read_data_file
from worker.producer.readers import jsonl_rows

MAX_K = 50  # the contract's upper bound for `summary_sentences`
OFF = "-"  # a field option given as "-" switches that field off
KRule = int | Literal["ref"]


class PresetName(StrEnum):
    """The built-in presets, one per shared development file."""

    CNNDM = "cnndm"
    BBC = "bbc"
    XSUM = "xsum"
    AGNEWS = "agnews"
    REUTERS = "reuters"


@dataclass(frozen=True)
class Fields:
    """Which JSON field holds what; `None` means the rows have no such field."""

    text: str = "text"
    title: str | None = None
    summary: str | None = None
    label: str | None = None
    dateline: str | None = None
    places: str | None = None
    people: str | None = None
    orgs: str | None = None

    @property
    def has_entities(self) -> bool:
        """True when any gold entity field is read."""
        return any((self.places, self.people, self.orgs))


REUTERS_ENTITIES = {"places": "places", "people": "people", "orgs": "orgs"}


@dataclass(frozen=True)
class Preset:
    """A file's fields and its summary length rule."""

    fields: Fields
    k: KRule = 3


PRESETS: dict[PresetName, Preset] = {
    PresetName.CNNDM: Preset(Fields(text="article", summary="summary"), k=3),
    # `summary` runs BBC sentences together without a space; the list is the usable form.
    PresetName.BBC: Preset(
        Fields(text="text", title="title", summary="summary_sentences", label="label"), k="ref"
    ),
    PresetName.XSUM: Preset(Fields(text="document_fixed", summary="summary_fixed"), k=1),
    PresetName.AGNEWS: Preset(Fields(text="text_clean", title="title_clean", label="label")),
    PresetName.REUTERS: Preset(
        Fields(text="text", title="title", label="labels", dateline="dateline", **REUTERS_ENTITIES)
    ),
}
# Substrings of a file name that select a preset, tried in this order.
FILE_HINTS: tuple[tuple[str, PresetName], ...] = (
    ("cnndm", PresetName.CNNDM),
    ("cnn_dailymail", PresetName.CNNDM),
    ("xsum", PresetName.XSUM),
    ("bbc", PresetName.BBC),
    ("ag_news", PresetName.AGNEWS),
    ("agnews", PresetName.AGNEWS),
    ("reuters", PresetName.REUTERS),
)
DECIMAL_END = re.compile(r"\d\.$")


@dataclass(frozen=True)
class EvalItem:
    """One row: reference sentences, gold labels and gold entity tags are `None` when the file
    has none."""

    id: str
    text: str
    title: str | None
    reference: tuple[str, ...] | None
    labels: tuple[str, ...] | None
    places: tuple[str, ...] | None = None
    people: tuple[str, ...] | None = None
    orgs: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Dataset:
    """The rows to evaluate and how they were read."""

    path: Path
    preset: PresetName | None
    fields: Fields
    k_rule: KRule
    items: list[EvalItem]
    multi_label: bool

    @property
    def has_summaries(self) -> bool:
        """True when the rows carry reference summaries."""
        return self.fields.summary is not None

    @property
    def has_labels(self) -> bool:
        """True when the rows carry gold labels."""
        return self.fields.label is not None

    @property
    def has_entities(self) -> bool:
        """True when some row carries gold entity tags."""
        golds = ((item.places, item.people, item.orgs) for item in self.items)
        return any(tags is not None for gold in golds for tags in gold)


def detect_preset(path: Path) -> PresetName | None:
    """The preset a file name points to (``cnndm.dev.jsonl`` → cnndm), or None."""
    name = path.name.lower()
    return next((preset for hint, preset in FILE_HINTS if hint in name), None)


def parse_k(value: str | int) -> KRule:
    """``ref`` or a positive number of sentences."""
    if str(value).strip().lower() == "ref":
        return "ref"
    try:
        k = int(value)
    except ValueError:
        k = 0
    if not 1 <= k <= MAX_K:
        raise ConfigError(f"k must be 'ref' or a number of sentences from 1 to {MAX_K}: {value!r}")
    return k


def k_for(item: EvalItem, rule: KRule) -> int:
    """Summary length for one item: the rule's number, or the reference's sentence count."""
    k = len(item.reference or ()) if rule == "ref" else rule
    return min(max(k, 1), MAX_K)


def resolve_fields(
    preset: PresetName | None,
    *,
    text: str | None = None,
    title: str | None = None,
    summary: str | None = None,
    label: str | None = None,
) -> Fields:
    """The preset's fields (or the defaults) with the given ones on top; ``-`` switches one off.
    The dateline and entity fields come from the preset only."""
    base = PRESETS[preset].fields if preset else Fields()
    if text == OFF:
        raise ConfigError("the text field cannot be switched off")
    fields = replace(
        base,
        text=text or base.text,
        title=_pick(title, base.title),
        summary=_pick(summary, base.summary),
        label=_pick(label, base.label),
    )
    if fields.summary is None and fields.label is None and not fields.has_entities:
        raise ConfigError("nothing to score: give a summary field, a label field, or a preset")
    return fields


def _pick(given: str | None, default: str | None) -> str | None:
    if given is None:
        return default
    return None if given == OFF else given


def load_dataset(
    path: Path, fields: Fields, k_rule: KRule, preset: PresetName | None, limit: int | None
) -> Dataset:
    """Read at most `limit` rows of a JSONL file."""
    items: list[EvalItem] = []
    multi_label = False
    for number, row in _rows(path):
        if limit is not None and len(items) >= limit:
            break
        items.append(_item(row, fields, number, path))
        multi_label = multi_label or isinstance(row.get(fields.label or ""), list)
    if not items:
        raise ConfigError(f"{path} has no rows to evaluate")
    return Dataset(path, preset, fields, k_rule, items, multi_label)


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        yield from jsonl_rows(path)
    except InputError as exc:
        raise ConfigError(str(exc)) from exc


def _item(row: dict[str, Any], fields: Fields, number: int, path: Path) -> EvalItem:
    if fields.text not in row:
        raise ConfigError(
            f"{path}:{number}: no field {fields.text!r} (fields: {', '.join(row)}); "
            "choose one with --text-field or --preset"
        )
    title = str(row.get(fields.title) or "").strip() if fields.title else ""
    text = _text(row, fields)
    if not text.strip() and title:  # a flash: on the wire the headline is the whole story
        text, title = title, ""
    return EvalItem(
        id=str(row.get("id") or f"line-{number}"),
        text=text,
        title=title or None,
        reference=reference_sentences(row.get(fields.summary)) if fields.summary else None,
        labels=_labels(row.get(fields.label)) if fields.label else None,
        places=_tags(row, fields.places),
        people=_tags(row, fields.people),
        orgs=_tags(row, fields.orgs),
    )


def _text(row: dict[str, Any], fields: Fields) -> str:
    """The text, opened by the row's dateline as on the wire ("HONG KONG, April 8 - Mounting
    trade friction ..."); empty for a title-only row, whose title :func:`_item` makes the text."""
    text = str(row[fields.text] or "")
    dateline = str(row.get(fields.dateline) or "").strip() if fields.dateline else ""
    return f"{dateline} {text.lstrip()}" if dateline and text.strip() else text


def _tags(row: dict[str, Any], name: str | None) -> tuple[str, ...] | None:
    """Gold entity tags, or None when the field is not read or the row has no such field."""
    if name is None or name not in row:
        return None
    return _labels(row[name])


def read_label_map(path: Path) -> dict[str, str]:
    """A label map file (YAML or JSON): a mapping of dataset label → taxonomy label or QCode."""
    data = read_data_file(path, "label map")
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ConfigError(f"label map {path} must map each label to one label or QCode")
    return {str(key): value for key, value in data.items()}


def map_labels(dataset: Dataset, mapping: dict[str, str]) -> Dataset:
    """The dataset with each gold label mapped (a label the map lacks is kept as it is), and
    a label two labels map to kept once."""
    items = [
        replace(item, labels=tuple(dict.fromkeys(mapping.get(g, g) for g in item.labels)))
        if item.labels is not None
        else item
        for item in dataset.items
    ]
    return replace(dataset, items=items)


def reference_sentences(value: Any) -> tuple[str, ...]:
    """A reference as sentences: a list is taken as split, a string is split on newlines or
    with the project's sentence splitter."""
    if isinstance(value, list):
        return tuple(repair_fragments([str(v) for v in value]))
    text = str(value or "").strip()
    if "\n" in text:
        return tuple(line.strip() for line in text.split("\n") if line.strip())
    return tuple(s.text for s in split_sentences([text])) if text else ()


def repair_fragments(pieces: list[str]) -> list[str]:
    """Glue back pieces that a naive split on every full stop produced ("$11." + "1bn ...")
    and stray quote marks, so that sentence counts are counts of sentences."""
    merged: list[str] = []
    for piece in (p.strip() for p in pieces):
        if not piece:
            continue
        decimal = piece[0].isdigit() and merged and DECIMAL_END.search(merged[-1])
        if merged and (decimal or not any(c.isalnum() for c in piece)):
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


def _labels(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return (str(value),) if value not in (None, "") else ()
