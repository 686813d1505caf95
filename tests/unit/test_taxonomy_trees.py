"""Taxonomy files that are trees: parents by `broader` or by nesting, levels, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from worker.errors import ConfigError
from worker.nlp.taxonomy import read_taxonomy
from worker.tools.iptc_taxonomy import own_descriptions, topics


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_nested_children_get_their_parent_and_level(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "desk.yaml",
        """
topics:
  - label: economy
    qcode: medtop:04000000
    children:
      - label: markets
        children:
          - label: interest rate
            description: Central bank rates.
  - label: sport
""",
    )
    topics = {t.label: t for t in read_taxonomy(path).topics}
    assert (topics["economy"].broader, topics["economy"].level) == (None, 1)
    assert (topics["markets"].broader, topics["markets"].level) == ("economy", 2)
    assert (topics["interest rate"].broader, topics["interest rate"].level) == ("markets", 3)
    assert topics["interest rate"].descriptions == ("Central bank rates.",)
    assert topics["sport"].level == 1


def test_broader_may_name_a_parent_by_qcode_or_label(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "iptc.json",
        """[
  {"label": "economy", "qcode": "medtop:04000000"},
  {"label": "merger or acquisition", "qcode": "medtop:20000234",
   "broader": "medtop:04000000", "wikidata": "Q1027384"},
  {"label": "takeover", "broader": "merger or acquisition"}
]""",
    )
    topics = {t.label: t for t in read_taxonomy(path).topics}
    merger = topics["merger or acquisition"]
    assert (merger.broader, merger.level, merger.wikidata) == ("economy", 2, "Q1027384")
    assert (topics["takeover"].broader, topics["takeover"].level) == ("merger or acquisition", 3)


def test_a_mapping_may_nest_children_too(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "m.yaml",
        """
economy:
  description: Money.
  children:
    inflation: Prices rising.
weather: Storms.
""",
    )
    topics = {t.label: t for t in read_taxonomy(path).topics}
    assert topics["inflation"].broader == "economy" and topics["inflation"].level == 2
    assert topics["inflation"].descriptions == ("Prices rising.",)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("[{label: a, broader: nowhere}, {label: b}]", "is no topic here"),
        ("[{label: a, broader: b}, {label: b, broader: a}]", "its own ancestor"),
    ],
)
def test_an_unknown_parent_or_a_cycle_is_refused(tmp_path: Path, content: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        read_taxonomy(_write(tmp_path / "bad.yaml", content))


def test_the_shipped_iptc_tree_has_every_term_on_four_levels_with_attribution() -> None:
    path = Path(__file__).parents[2] / "models" / "taxonomy" / "iptc-mediatopics.yaml"
    topics = read_taxonomy(path).topics
    assert len(topics) == 1099
    assert [sum(t.level == n for t in topics) for n in (1, 2, 3, 4)] == [17, 121, 496, 465]
    by_label = {t.label: t for t in topics}
    assert by_label["interest rate"].broader is not None
    assert all(t.qcode and t.qcode.startswith("medtop:") for t in topics)
    assert "CC BY 4.0 by IPTC" in path.read_text(encoding="utf-8")[:600]


def test_the_shipped_tree_uses_newsworkers_own_descriptions_where_it_has_them() -> None:
    taxonomy = Path(__file__).parents[2] / "models" / "taxonomy"
    tree = {t.qcode: t for t in read_taxonomy(taxonomy / "iptc-mediatopics.yaml").topics}
    top = {t.qcode: t for t in read_taxonomy(taxonomy / "iptc-mediatopics-top.yaml").topics}
    assert all(tree[qcode].descriptions == t.descriptions for qcode, t in top.items())
    own = own_descriptions()
    assert own["medtop:20000178"].startswith("Corporate earnings - ")
    assert all(tree[qcode].descriptions == (text,) for qcode, text in own.items())
    assert tree["medtop:20000832"].descriptions == (tree["medtop:20000832"].label,)


def test_a_description_of_a_qcode_iptc_does_not_have_is_refused() -> None:
    vocabulary = {"terms": [{"qcode": "medtop:1", "label": "a", "level": 1}]}
    assert topics(vocabulary, {"medtop:1": "A - b, c"})[0]["description"] == "A - b, c"
    with pytest.raises(ValueError, match="medtop:9"):
        topics(vocabulary, {"medtop:9": "nothing"})
