"""Topic tagging: the taxonomy files a deployer may supply, and the scoring arithmetic.

The tagger is exercised with a tiny deterministic `encode` written here (fixed unit vectors for
known strings), so the maths is checked without loading a model: scores are shares that sum to
one, the best topic comes first, and `max_topics` and `min_score` are honoured.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from worker.errors import ConfigError
from worker.nlp.topics import ScoredTopic, TopicDef, ZeroShotTagger, load_taxonomy

REPO_ROOT = Path(__file__).resolve().parents[2]
IPTC = REPO_ROOT / "models" / "taxonomy" / "iptc-mediatopics-top.yaml"

Vector = npt.NDArray[np.float32]


def _unit(*values: float) -> Vector:
    vector = np.asarray(values, dtype=np.float32)
    return np.asarray(vector / np.linalg.norm(vector), dtype=np.float32)


# Each description embeds to a fixed direction; an unknown string is a test bug (KeyError).
EMBEDDINGS: dict[str, Vector] = {
    "football, cricket and tennis": _unit(1, 0, 0, 0),
    "hospitals, doctors and vaccines": _unit(0, 1, 0, 0),
    "markets and prices": _unit(0, 0, 1, 0),
    "banks and companies": _unit(0, 0, 0.8, 0.6),
    "elections and parliament": _unit(0, 0, 0, 1),
}
TOPICS = [
    TopicDef("sport", ("football, cricket and tennis",), "medtop:15000000"),
    TopicDef("health", ("hospitals, doctors and vaccines",), "medtop:07000000"),
    TopicDef("economy", ("markets and prices", "banks and companies"), "medtop:04000000"),
    TopicDef("politics", ("elections and parliament",), None),
]


def encode(texts: Sequence[str]) -> Vector:
    """The test's embedding: a fixed unit vector per known description."""
    return np.stack([EMBEDDINGS[text] for text in texts])


@pytest.fixture(scope="module")
def tagger() -> ZeroShotTagger:
    """A tagger over the four test topics."""
    return ZeroShotTagger(TOPICS, encode)


def _labels(topics: list[ScoredTopic]) -> list[str]:
    return [topic.label for topic in topics]


# load_taxonomy


def test_shipped_iptc_taxonomy_has_17_top_level_topics() -> None:
    topics = load_taxonomy(IPTC)
    assert len(topics) == 17
    assert len({topic.label for topic in topics}) == 17


def test_every_shipped_topic_has_a_medtop_qcode_and_a_description() -> None:
    for topic in load_taxonomy(IPTC):
        assert topic.qcode is not None
        assert topic.qcode.startswith("medtop:"), topic
        assert len(topic.descriptions) == 1, topic
        assert len(topic.descriptions[0].split()) >= 5, topic


def test_shipped_taxonomy_contains_the_topics_the_examples_need() -> None:
    labels = {topic.label for topic in load_taxonomy(IPTC)}
    assert {"health", "labour", "politics", "sport", "economy, business and finance"} <= labels


def test_json_mapping_of_label_to_description(tmp_path: Path) -> None:
    path = tmp_path / "topics.json"
    path.write_text(
        json.dumps({"sport": "Games and matches.", "weather": "Rain, storms and heat."}),
        encoding="utf-8",
    )
    assert load_taxonomy(path) == [
        TopicDef("sport", ("Games and matches.",)),
        TopicDef("weather", ("Rain, storms and heat.",)),
    ]


def test_yaml_mapping_of_label_to_several_descriptions(tmp_path: Path) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text(
        "sport:\n  - Football and cricket.\n  - Olympic games.\nweather: Storms and floods.\n",
        encoding="utf-8",
    )
    assert load_taxonomy(path) == [
        TopicDef("sport", ("Football and cricket.", "Olympic games.")),
        TopicDef("weather", ("Storms and floods.",)),
    ]


def test_yaml_list_of_topics_with_qcodes(tmp_path: Path) -> None:
    path = tmp_path / "topics.yml"
    path.write_text(
        "name: mine\n"
        "topics:\n"
        "  - label: sport\n    qcode: x:1\n    descriptions: [Football., Tennis.]\n"
        "  - label: weather\n    description: Storms.\n"
        "  - label: crime\n",
        encoding="utf-8",
    )
    assert load_taxonomy(path) == [
        TopicDef("sport", ("Football.", "Tennis."), "x:1"),
        TopicDef("weather", ("Storms.",)),
        TopicDef("crime", ("crime",)),  # no description: the label itself is embedded
    ]


def test_taxonomy_with_one_topic_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    path.write_text("sport: Football.\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="at least two topics"):
        load_taxonomy(path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("broken.yaml", "topics: [unclosed\n"),
        ("broken.json", '{"sport": "Football.", '),
        ("empty.yaml", ""),
        ("scalar.yaml", "just a sentence\n"),
        ("number.json", "42"),
    ],
)
def test_malformed_taxonomy_is_refused(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_taxonomy(path)


def test_unreadable_taxonomy_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.json"):
        load_taxonomy(path)


def test_missing_taxonomy_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"absent\.yaml"):
        load_taxonomy(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    "entry",
    ["{description: Storms.}", "just-a-string", "[a, b]"],
    ids=["no-label-key", "string", "list"],
)
def test_topic_entry_without_a_label_is_refused(tmp_path: Path, entry: str) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text(f"topics:\n  - label: sport\n  - {entry}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no label"):
        load_taxonomy(path)


def test_topic_with_an_empty_description_list_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text("sport: []\nweather: Storms and floods.\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_taxonomy(path)


# ZeroShotTagger


def test_scores_are_shares_that_sum_to_one(tagger: ZeroShotTagger) -> None:
    for article in (_unit(1, 0, 0, 0), _unit(1, 1, 1, 1), _unit(0.2, -0.3, 0.9, 0.1)):
        scores = tagger.scores(article)
        assert scores.shape == (len(TOPICS),)
        assert np.all(scores >= 0)
        assert float(scores.sum()) == pytest.approx(1.0, abs=1e-5)


def test_best_topic_comes_first(tagger: ZeroShotTagger) -> None:
    tagged = tagger.tag(_unit(0.1, 1, 0, 0.3), max_topics=4, min_score=0.0)
    assert _labels(tagged)[:2] == ["health", "politics"]
    assert [t.score for t in tagged] == sorted((t.score for t in tagged), reverse=True)


def test_tagged_topics_carry_their_qcode(tagger: ZeroShotTagger) -> None:
    [best] = tagger.tag(_unit(1, 0, 0, 0), max_topics=1, min_score=0.0)
    assert best == ScoredTopic("sport", best.score, "medtop:15000000")
    assert best.score > 0.99


def test_topic_with_several_descriptions_uses_their_mean(tagger: ZeroShotTagger) -> None:
    between = _unit(0, 0, 0.9, 0.3)  # between "markets and prices" and "banks and companies"
    [best] = tagger.tag(between, max_topics=1, min_score=0.0)
    assert best.label == "economy"


def test_max_topics_is_respected(tagger: ZeroShotTagger) -> None:
    article = _unit(1, 1, 1, 1)
    for max_topics in range(len(TOPICS) + 2):
        tagged = tagger.tag(article, max_topics=max_topics, min_score=0.0)
        assert len(tagged) == min(max_topics, len(TOPICS))


def test_min_score_drops_weak_topics(tagger: ZeroShotTagger) -> None:
    article = _unit(1, 1, 0, 0)  # equally sport and health, nothing else
    tagged = tagger.tag(article, max_topics=4, min_score=0.3)
    assert sorted(_labels(tagged)) == ["health", "sport"]
    assert all(topic.score >= 0.3 for topic in tagged)
    assert tagged[0].score == pytest.approx(tagged[1].score, abs=1e-3)


def test_min_score_above_every_share_gives_no_topics(tagger: ZeroShotTagger) -> None:
    article = _unit(1, 1, 0, 0)  # two topics share the article, about half each
    assert tagger.tag(article, max_topics=4, min_score=0.6) == []


def test_scores_are_rounded_to_four_places(tagger: ZeroShotTagger) -> None:
    for topic in tagger.tag(_unit(0.2, -0.3, 0.9, 0.1), max_topics=4, min_score=0.0):
        assert round(topic.score, 4) == topic.score


def test_tagger_encodes_each_description_once() -> None:
    seen: list[str] = []

    def counting_encode(texts: Sequence[str]) -> Vector:
        seen.extend(texts)
        return encode(texts)

    ZeroShotTagger(TOPICS, counting_encode)
    assert sorted(seen) == sorted(EMBEDDINGS)
