"""Topic tagging: the taxonomy files a deployer may supply, and the scoring arithmetic.

The tagger is exercised with a tiny deterministic `encode` written here (one axis per known
keyword, so ``News about football.`` lies on the football axis), so the maths is checked without
loading a model: prototypes come from a description's facets, scores are probabilities that sum
to one, the best topic comes first, and `max_topics` and `min_score` are honoured.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from worker.errors import ConfigError
from worker.nlp.taxonomy import TopicDef, load_taxonomy, read_taxonomy, taxonomy_files
from worker.nlp.topics import (
    ANCHOR_FACETS,
    FACET_TEMPLATES,
    LEXICAL_WEIGHT,
    TEMPERATURE,
    Anchors,
    ScoredTopic,
    TagInput,
    ZeroShotTagger,
    anchored,
    facets,
    stems,
    topic_vector,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
TAXONOMIES = REPO_ROOT / "models" / "taxonomy"
IPTC = TAXONOMIES / "iptc-mediatopics-top.yaml"

Vector = npt.NDArray[np.float32]

# One axis per keyword; a text lies on the axes of the keywords it contains (else on "other").
AXES = ["football", "tennis", "hospital", "vaccine", "market", "bank", "election", "regatta"]


def _unit(*values: float) -> Vector:
    vector = np.asarray(values, dtype=np.float32)
    return np.asarray(vector / np.linalg.norm(vector), dtype=np.float32)


def embed(text: str) -> Vector:
    """The test's embedding of one text: its keywords' axes, normalised."""
    lowered = text.lower()
    hits = [float(word in lowered) for word in AXES]
    return _unit(*hits, 0.0 if any(hits) else 1.0)


def encode(texts: Sequence[str]) -> Vector:
    """The test's encoder: one row per text."""
    return np.stack([embed(text) for text in texts])


def article(*words: str) -> Vector:
    """An article vector lying on the axes of `words`."""
    return embed(" ".join(words))


TOPICS = [
    TopicDef("sport", ("Sport - football and tennis",), "medtop:15000000"),
    TopicDef("health", ("Health: hospital, vaccine",), "medtop:07000000"),
    TopicDef("economy", ("market", "bank"), "medtop:04000000"),
    TopicDef("politics", ("election",), None),
]


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


def test_shipped_dataset_taxonomies_are_plain_one_line_descriptions() -> None:
    for stem, labels in {
        "ag-news": {"World", "Sports", "Business", "Sci/Tech"},
        "bbc-news": {"business", "entertainment", "politics", "sport", "tech"},
    }.items():
        topics = load_taxonomy(TAXONOMIES / f"{stem}.yaml")
        assert {t.label for t in topics} == labels
        assert all(len(t.descriptions) == 1 and not t.examples for t in topics)


def test_topic_entries_may_carry_examples(tmp_path: Path) -> None:
    path = tmp_path / "desk.yaml"
    path.write_text(
        "example_weight: 0.4\n"
        "topics:\n"
        "  - label: sailing\n    description: Sailing and regattas.\n"
        "    examples: [The regatta was won by a local crew., Yachts left the harbour.]\n"
        "  - label: weather\n    description: Storms.\n",
        encoding="utf-8",
    )
    taxonomy = read_taxonomy(path)
    assert taxonomy.name == "desk" and taxonomy.example_weight == 0.4
    assert taxonomy.topics[0].examples == (
        "The regatta was won by a local crew.",
        "Yachts left the harbour.",
    )
    assert taxonomy.topics[1].examples == ()


def test_a_mapping_entry_may_be_a_topic_with_examples(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    data = {"sailing": {"description": "Regattas.", "examples": ["Crews raced."]}, "rain": "Rain."}
    path.write_text(json.dumps(data), encoding="utf-8")
    sailing, rain = load_taxonomy(path)
    assert sailing == TopicDef("sailing", ("Regattas.",), None, ("Crews raced.",))
    assert rain == TopicDef("rain", ("Rain.",))


# IPTC-like anchors for the terse-taxonomy tests: well described, on the test's axes.
ANCHORS = Anchors(np.stack([article("football tennis"), article("hospital")]))


def test_a_terse_topic_leans_on_the_anchor_it_matches() -> None:
    terse = np.stack([article("football"), article("vaccine hospital")])
    moved = anchored(terse, [1, 1], ANCHORS)
    assert float(moved[0] @ ANCHORS.matrix[0]) > float(terse[0] @ ANCHORS.matrix[0])
    assert np.allclose(np.linalg.norm(moved, axis=1), 1.0)
    expected = terse[0] + ANCHOR_FACETS * ANCHORS.matrix[0]
    assert np.allclose(moved[0], expected / np.linalg.norm(expected))


def test_a_well_described_topic_leans_less_than_a_terse_one() -> None:
    prototype = np.stack([article("football"), article("vaccine")])
    terse, listed = anchored(prototype, [1, 1], ANCHORS), anchored(prototype, [12, 1], ANCHORS)
    assert float(listed[0] @ prototype[0]) > float(terse[0] @ prototype[0])


def test_topics_that_share_their_best_anchor_or_match_none_keep_their_prototypes() -> None:
    shared = np.stack([article("football"), article("tennis")])  # both nearest "sport"
    assert np.allclose(anchored(shared, [1, 1], ANCHORS), shared)
    unrelated = np.stack([article("election"), article("bank")])  # cosine 0 with both anchors
    assert np.allclose(anchored(unrelated, [1, 1], ANCHORS), unrelated)


def test_a_flat_file_is_anchored_unless_it_says_anchor_false(tmp_path: Path) -> None:
    body = (
        "topics: [{label: sport, description: football}, {label: health, description: vaccine}]\n"
    )
    (tmp_path / "desk.yaml").write_text(body, encoding="utf-8")
    (tmp_path / "plain.yaml").write_text("anchor: false\n" + body, encoding="utf-8")
    desk = ZeroShotTagger.from_file(tmp_path / "desk.yaml", encode, ANCHORS)
    plain = ZeroShotTagger.from_file(tmp_path / "plain.yaml", encode, ANCHORS)
    unanchored = ZeroShotTagger.from_file(tmp_path / "desk.yaml", encode)
    assert np.allclose(plain.matrix, unanchored.matrix)
    tennis = article("tennis")  # on the sport anchor's description, not the desk's own word
    assert desk.scores(tennis)[0] > unanchored.scores(tennis)[0]
    economy = Anchors(article("market bank election")[None])  # moves TREE's economy when flat
    flat = ZeroShotTagger(TREE[:2], encode, anchors=economy)
    assert not np.allclose(flat.matrix, ZeroShotTagger(TREE[:2], encode).matrix)
    tree = ZeroShotTagger(TREE, encode, "tree", anchors=economy)  # trees are never anchored
    assert np.allclose(tree.matrix, ZeroShotTagger(TREE, encode, "tree").matrix)


@pytest.mark.parametrize(
    "content",
    [
        "anchor: 1\ntopics: [{label: a}, {label: b}]\n",
        "example_weight: 2\ntopics: [{label: a}, {label: b}]\n",
        "topics: [{label: a, examples: []}, {label: b}]\n",
        "topics: [{label: a, examples: ['  ']}, {label: b}]\n",
        "topics: [{label: a, description: {x: 1}}, {label: b}]\n",
        "topics: [{label: a}, {label: a}]\n",
    ],
    ids=[
        "anchor-not-a-boolean",
        "weight-out-of-range",
        "empty-examples",
        "blank-example",
        "bad-type",
        "duplicate",
    ],
)
def test_invalid_examples_weights_and_labels_are_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.yaml"):
        load_taxonomy(path)


def test_taxonomy_files_are_listed_by_stem(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.json", "c.yml", "notes.txt"):
        (tmp_path / name).write_text("x: y\n", encoding="utf-8")
    assert list(taxonomy_files(tmp_path)) == ["a", "b", "c"]
    assert taxonomy_files(tmp_path / "absent") == {}
    assert {"ag-news", "bbc-news", "iptc-mediatopics-top"} <= set(taxonomy_files(TAXONOMIES))


# facets and the article vector


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("Sport - football, tennis and cricket.", ["football", "tennis", "cricket"]),
        ("Health: hospitals; vaccines", ["hospitals", "vaccines"]),
        ("Shipping, docks, ports and cargo", ["Shipping", "docks", "ports", "cargo"]),
        ("Storms.", ["Storms"]),
        ("Politics - ", ["Politics"]),
    ],
)
def test_facets_are_the_items_a_description_lists(description: str, expected: list[str]) -> None:
    assert facets(description) == expected


def test_topic_vector_is_unit_length_and_leans_to_the_body() -> None:
    body = np.stack([_unit(1, 0, 0), _unit(1, 0.2, 0)])
    title = _unit(0, 0, 1)
    vector = topic_vector(body, title)
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-5)
    assert vector[0] > vector[2] > 0
    without_title = topic_vector(body, None)
    assert np.isclose(np.linalg.norm(without_title), 1.0, atol=1e-5) and without_title[2] == 0


# ZeroShotTagger


def test_each_prototype_text_is_encoded_once_in_one_batch() -> None:
    calls: list[list[str]] = []

    def counting_encode(texts: Sequence[str]) -> Vector:
        calls.append(list(texts))
        return encode(texts)

    ZeroShotTagger(TOPICS, counting_encode)
    assert len(calls) == 1
    assert sorted(calls[0]) == sorted(
        template.format(word)
        for template in FACET_TEMPLATES
        for word in ("football", "tennis", "hospital", "vaccine", "market", "bank", "election")
    )


def test_scores_are_probabilities_that_sum_to_one(tagger: ZeroShotTagger) -> None:
    for vector in (article("football"), article("bank", "election"), article("nothing")):
        scores = tagger.scores(vector)
        assert scores.shape == (len(TOPICS),)
        assert np.all((scores >= 0) & (scores <= 1))
        assert float(scores.sum()) == pytest.approx(1.0, abs=1e-5)


def test_scores_are_a_softmax_of_cosines_at_the_fixed_temperature(
    tagger: ZeroShotTagger,
) -> None:
    vector = article("vaccine", "market")
    cosines = tagger.matrix @ vector
    expected = np.exp(cosines / TEMPERATURE) / np.exp(cosines / TEMPERATURE).sum()
    assert np.allclose(tagger.scores(vector), expected, atol=1e-5)


def test_stems_match_word_forms_and_leave_out_stop_words() -> None:
    assert stems(["The Vaccines were given", "in hospitals"]) == {"vaccin", "given", "hospit"}
    assert stems(["vaccine", "hospital"]) <= stems(["Vaccines at the hospitals."])


def test_lexical_evidence_is_the_share_of_a_topics_facets_named(tagger: ZeroShotTagger) -> None:
    evidence = tagger.lexical(["Vaccines reached the hospitals.", "The bank shut."])
    assert evidence.tolist() == [0.0, 1.0, 0.5, 0.0]  # sport, health, economy, politics


def test_words_in_the_text_move_the_scores_by_the_lexical_weight(
    tagger: ZeroShotTagger,
) -> None:
    vector = article("tennis", "vaccine")  # halfway between sport and health
    texts = ("A vaccine trial at the hospital.",)
    cosines = tagger.matrix @ vector + LEXICAL_WEIGHT * tagger.lexical(texts)
    expected = np.exp(cosines / TEMPERATURE) / np.exp(cosines / TEMPERATURE).sum()
    assert np.allclose(tagger.scores(vector, texts), expected, atol=1e-5)
    [best, *_] = tagger.tag(TagInput(vector, texts), max_topics=3, min_score=0.0)
    assert best.label == "health" and best.score > 0.8


def test_a_clear_article_gets_one_confident_topic(tagger: ZeroShotTagger) -> None:
    [best] = tagger.tag(TagInput(article("football")), max_topics=3, min_score=0.1)
    assert best == ScoredTopic("sport", best.score, "medtop:15000000")
    assert best.score > 0.99


def test_an_article_between_two_topics_gets_both_at_about_half(tagger: ZeroShotTagger) -> None:
    tagged = tagger.tag(TagInput(article("tennis", "vaccine")), max_topics=3, min_score=0.1)
    assert sorted(_labels(tagged)) == ["health", "sport"]
    assert tagged[0].score == pytest.approx(0.5, abs=0.01)
    assert tagger.tag(TagInput(article("tennis", "vaccine")), max_topics=3, min_score=0.6) == []


def test_best_topic_comes_first(tagger: ZeroShotTagger) -> None:
    tagged = tagger.tag(TagInput(_unit(0.2, 0, 1, 0, 0, 0, 0.5, 0, 0)), max_topics=4, min_score=0.0)
    assert _labels(tagged)[:2] == ["health", "politics"]
    assert [t.score for t in tagged] == sorted((t.score for t in tagged), reverse=True)


def test_topic_with_several_descriptions_pools_their_facets(tagger: ZeroShotTagger) -> None:
    for words in (("market",), ("bank",), ("market", "bank")):
        assert _labels(tagger.tag(TagInput(article(*words)), max_topics=1, min_score=0.0)) == [
            "economy"
        ]


def test_max_topics_is_respected(tagger: ZeroShotTagger) -> None:
    vector = article("nothing")  # equally far from every topic
    for max_topics in range(len(TOPICS) + 2):
        tagged = tagger.tag(TagInput(vector), max_topics=max_topics, min_score=0.0)
        assert len(tagged) == min(max_topics, len(TOPICS))


def test_min_score_drops_weak_topics(tagger: ZeroShotTagger) -> None:
    vector = article("football", "hospital")
    for min_score in (0.0, 0.05, 0.3, 0.9):
        tagged = tagger.tag(TagInput(vector), max_topics=4, min_score=min_score)
        assert all(topic.score >= min_score for topic in tagged)
        assert len(tagged) == int(np.sum(tagger.scores(vector) >= min_score))


def test_scores_are_rounded_to_four_places(tagger: ZeroShotTagger) -> None:
    for topic in tagger.tag(TagInput(article("bank", "tennis")), max_topics=4, min_score=0.0):
        assert round(topic.score, 4) == topic.score


def test_examples_pull_a_topic_towards_texts_like_them() -> None:
    plain = [TopicDef("sport", ("football",)), TopicDef("health", ("hospital",))]
    with_examples = [
        TopicDef("sport", ("football",), examples=("The regatta was won on Sunday.",)),
        TopicDef("health", ("hospital",)),
    ]
    regatta = article("regatta")
    before = ZeroShotTagger(plain, encode).scores(regatta)
    after = ZeroShotTagger(with_examples, encode, example_weight=0.5).scores(regatta)
    assert before[0] == pytest.approx(0.5, abs=1e-3)
    assert after[0] > 0.99
    ignored = ZeroShotTagger(with_examples, encode, example_weight=0.0).scores(regatta)
    assert np.allclose(ignored, before, atol=1e-5)


def test_tagger_from_a_file_takes_its_name_and_example_weight(tmp_path: Path) -> None:
    path = tmp_path / "desk.yaml"
    path.write_text(
        "example_weight: 1\n"
        "topics:\n"
        "  - {label: sport, description: football, examples: [regatta]}\n"
        "  - {label: health, description: hospital}\n",
        encoding="utf-8",
    )
    tagger = ZeroShotTagger.from_file(path, encode)
    assert tagger.name == "desk"
    assert _labels(tagger.tag(TagInput(article("regatta")), 1, 0.0)) == ["sport"]
    assert tagger.scores(article("football"))[0] == pytest.approx(0.5, abs=1e-3)


TREE = [
    TopicDef("sport", ("football and tennis",), qcode="t:1"),
    TopicDef("economy", ("market and bank",), qcode="t:2", wikidata="Q159810"),
    TopicDef("tennis", ("tennis",), qcode="t:11", broader="sport", level=2),
    TopicDef("bank", ("bank",), qcode="t:21", broader="economy", level=2),
    TopicDef("regatta bank", ("regatta bank",), broader="sport", level=2),
    TopicDef("central bank", ("central bank",), broader="bank", level=3),
]


def test_on_a_tree_a_term_counts_with_its_ancestors() -> None:
    tagger = ZeroShotTagger(TREE, encode, "tree")
    assert tagger.tree is not None
    # "regatta bank" and "bank" match a bank story alike on their own; the path decides
    scores = dict(zip(tagger.labels, tagger.scores(article("bank", "market")), strict=True))
    assert scores["bank"] > scores["regatta bank"]
    # a flat taxonomy keeps its flat scores
    assert ZeroShotTagger(TREE[:2], encode).tree is None


def test_tree_scores_never_grow_downward_and_the_top_level_sums_to_one() -> None:
    tagger = ZeroShotTagger(TREE, encode, "tree")
    for words in (("bank", "market"), ("tennis",), ("regatta", "bank"), ("central", "bank")):
        scores = dict(zip(tagger.labels, tagger.scores(article(*words)), strict=True))
        assert scores["sport"] + scores["economy"] == pytest.approx(1.0, abs=1e-5)
        assert scores["tennis"] + scores["regatta bank"] <= scores["sport"] + 1e-6
        assert scores["central bank"] <= scores["bank"] + 1e-6 <= scores["economy"] + 2e-6


def test_tree_topics_are_the_deepest_confident_terms_with_their_place() -> None:
    tagger = ZeroShotTagger(TREE, encode, "tree")
    story = TagInput(article("central", "bank"))
    [best, *_] = tagger.tag(story, max_topics=3, min_score=0.0)
    assert best.label == "central bank"
    assert (best.level, best.broader) == (3, "t:21")  # the parent's QCode
    listed = [t.label for t in tagger.tag(story, max_topics=5, min_score=0.0)]
    assert "bank" not in listed and "economy" not in listed  # ancestors are in the chain
    [top] = tagger.tag(story, max_topics=3, min_score=0.0, depth=1)[:1]
    assert (top.label, top.level, top.broader, top.wikidata) == ("economy", 1, None, "Q159810")
    assert all(t.level <= 2 for t in tagger.tag(story, max_topics=5, min_score=0.0, depth=2))
    high = tagger.tag(story, max_topics=5, min_score=0.5)
    assert all(t.score >= 0.5 for t in high) and len(high) <= 2


def test_broader_is_the_parents_qcode() -> None:
    tagger = ZeroShotTagger(TREE, encode, "tree")
    found = tagger.tag(TagInput(article("regatta", "tennis")), max_topics=5, min_score=0.0)
    assert {t.label: t.broader for t in found}["regatta bank"] == "t:1"
