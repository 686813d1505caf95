"""Reading evaluation files: presets, field names, reference sentences, labels and k."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from worker.errors import ConfigError
from worker.tools.evaluation.datasets import (
    Fields,
    PresetName,
    detect_preset,
    k_for,
    load_dataset,
    map_labels,
    parse_k,
    read_label_map,
    reference_sentences,
    repair_fragments,
    resolve_fields,
)


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "preset"),
    [
        ("cnndm.dev.jsonl", PresetName.CNNDM),
        ("bbc_news_summary.dev.jsonl", PresetName.BBC),
        ("xsum.dev.jsonl", PresetName.XSUM),
        ("ag_news.dev.jsonl", PresetName.AGNEWS),
        ("reuters21578.dev.jsonl", PresetName.REUTERS),
        ("mine.jsonl", None),
    ],
)
def test_presets_are_found_from_the_file_name(name: str, preset: PresetName | None) -> None:
    assert detect_preset(Path("../shared/data") / name) == preset


def test_given_fields_override_the_preset_and_dash_switches_one_off() -> None:
    fields = resolve_fields(PresetName.BBC, text="body", label="-")
    assert fields == Fields(text="body", title="title", summary="summary_sentences", label=None)
    with pytest.raises(ConfigError, match="nothing to score"):
        resolve_fields(None)
    with pytest.raises(ConfigError, match="text field"):
        resolve_fields(PresetName.CNNDM, text="-")


def test_k_is_a_number_or_ref() -> None:
    assert parse_k("3") == 3
    assert parse_k("REF") == "ref"
    for bad in ("0", "51", "three"):
        with pytest.raises(ConfigError):
            parse_k(bad)


def test_reference_strings_are_split_into_sentences() -> None:
    assert reference_sentences("First point.\nSecond point") == ("First point.", "Second point")
    assert reference_sentences("The mayor spoke. Crowds cheered.") == (
        "The mayor spoke.",
        "Crowds cheered.",
    )
    assert reference_sentences("") == ()


def test_a_list_split_at_every_full_stop_is_glued_back() -> None:
    pieces = ["Sales rose to $11.", "1bn from $10.", "9bn.", "Profit fell.", '"']
    assert repair_fragments(pieces) == ["Sales rose to $11.1bn from $10.9bn.", 'Profit fell."']


def test_load_reads_fields_labels_and_limit(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "body": "One. Two. Three.", "ref": ["One.", "Two."], "tags": ["x", "y"]},
        {"body": "Four.", "ref": "Four.", "tags": []},
        {"body": "Five.", "ref": "Five.", "tags": ["z"]},
    ]
    path = _write(tmp_path / "mine.jsonl", rows)
    fields = Fields(text="body", summary="ref", label="tags")
    data = load_dataset(path, fields, "ref", None, limit=2)
    assert [item.id for item in data.items] == ["a", "line-2"]
    assert data.multi_label
    assert data.items[0].labels == ("x", "y")
    assert data.items[0].title is None
    assert [k_for(item, "ref") for item in data.items] == [2, 1]
    assert k_for(data.items[0], 3) == 3


def test_load_names_a_missing_field(tmp_path: Path) -> None:
    path = _write(tmp_path / "mine.jsonl", [{"text": "One."}])
    with pytest.raises(ConfigError, match=r"no field 'article'.*--text-field"):
        load_dataset(path, Fields(text="article", summary="summary"), 3, None, None)
    (tmp_path / "bad.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.jsonl:1"):
        load_dataset(tmp_path / "bad.jsonl", Fields(summary="s"), 3, None, None)


def test_reuters_rows_give_entity_tags_and_a_dateline_and_a_flash_is_text(tmp_path: Path) -> None:
    rows = [
        {
            "id": "r1",
            "title": "ASIAN EXPORTERS FEAR DAMAGE",
            "dateline": "HONG KONG, April 8 -",
            "text": "Mounting trade friction between the\nU.S. And Japan.",
            "labels": ["trade"],
            "places": ["hong-kong", "usa"],
            "people": [],
            "orgs": ["ec"],
        },
        {"id": "r2", "title": "TITLE ONLY", "dateline": "", "text": "", "labels": []},
    ]
    path = _write(tmp_path / "reuters21578.dev.jsonl", rows)
    fields = resolve_fields(PresetName.REUTERS, label="-")  # entities alone are enough to score
    data = load_dataset(path, fields, 3, PresetName.REUTERS, None)
    first, title_only = data.items
    assert first.text == "HONG KONG, April 8 - Mounting trade friction between the\nU.S. And Japan."
    assert (first.places, first.people, first.orgs) == (("hong-kong", "usa"), (), ("ec",))
    assert (title_only.text, title_only.title) == ("TITLE ONLY", None)  # a flash is its headline
    assert (title_only.places, title_only.people, title_only.orgs) == (None, None, None)
    assert data.has_entities


def test_files_without_entity_fields_have_no_gold_entities(tmp_path: Path) -> None:
    path = _write(tmp_path / "mine.jsonl", [{"text": "One.", "label": "x", "places": ["uk"]}])
    data = load_dataset(path, Fields(label="label"), 3, None, None)
    assert data.items[0].places is None  # the field is not read without the preset
    assert data.items[0].text == "One."
    assert not data.has_entities


def test_a_label_map_turns_dataset_labels_into_taxonomy_terms(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "mine.jsonl",
        [{"text": "One.", "label": ["grain", "wheat", "earn"]}, {"text": "Two.", "label": "x"}],
    )
    data = load_dataset(path, Fields(label="label"), 3, None, None)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("grain: medtop:20000386\nwheat: medtop:20000386\nearn: corporate earnings\n")
    mapped = map_labels(data, read_label_map(mapping))
    assert mapped.items[0].labels == ("medtop:20000386", "corporate earnings")
    assert mapped.items[1].labels == ("x",)  # not in the map: kept


def test_the_shipped_reuters_map_covers_all_90_categories() -> None:
    root = Path(__file__).parents[2]
    mapping = read_label_map(root / "models" / "taxonomy" / "maps" / "reuters21578-iptc.yaml")
    assert len(mapping) == 90 and all(v.startswith("medtop:") for v in mapping.values())


def test_a_label_map_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- grain\n- wheat\n")
    with pytest.raises(ConfigError, match="must map each label"):
        read_label_map(bad)
