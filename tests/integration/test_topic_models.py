"""Topic models with the real embedded MiniLM: per-request taxonomies, calibrated scores, and a
head trained by `train_topics_command` on a small labelled file written for these tests."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tiny_models import models_copy
from worker.config import Settings, get_settings
from worker.errors import ConfigError, InputError
from worker.nlp.backends.head import META_FILE
from worker.nlp.loading import load_pipeline
from worker.nlp.pipeline import Pipeline
from worker.producer.readers import Submission
from worker.schemas import Article, Options, Status
from worker.tools.process import process_one
from worker.tools.train_topics import train_topics_command

CUP_FINAL = (
    "Rovers win the cup in extra time\n\n"
    "Rovers beat City 2-1 in the cup final on Saturday after extra time. The striker scored "
    "the winning goal in the 108th minute, and the goalkeeper saved a penalty before the break."
)

# Three desks, six short labelled stories each (project-written, not from any dataset).
TRAINING = {
    "shipping": [
        ("Freighter docks late", "The container ship reached the port two days behind schedule."),
        ("Port adds cranes", "Two new cranes will speed up unloading at the harbour terminal."),
        ("Ferry route resumes", "The ferry between the islands sails again after repairs."),
        ("Cargo volumes rise", "The port handled more containers this spring than last year."),
        ("Tanker held at anchor", "A tanker waited offshore while pilots cleared the channel."),
        ("Shipyard launches hull", "Workers at the yard launched the hull of a new cargo vessel."),
    ],
    "cooking": [
        ("A quick tomato soup", "Simmer tomatoes with garlic and basil, then blend until smooth."),
        ("Baking sourdough", "Feed the starter the night before and bake the loaf hot."),
        ("Chef opens bistro", "The chef's new bistro serves slow-cooked stews and fresh bread."),
        ("Perfect roast potatoes", "Parboil the potatoes, shake them and roast them in hot oil."),
        ("Spice up your curry", "Toast cumin and coriander seeds before adding the onions."),
        ("Summer salads", "Toss grilled peaches with mozzarella, mint and olive oil."),
    ],
    "gardening": [
        ("Pruning roses", "Cut rose stems above an outward-facing bud in late winter."),
        ("Sowing carrots", "Sow carrot seeds thinly in loose soil and keep them watered."),
        ("Compost basics", "Mix green clippings with dry leaves to make good compost."),
        ("Planting bulbs", "Plant tulip bulbs in autumn, pointed end up, in well-drained beds."),
        ("Lawn care", "Mow the lawn high in summer so the grass roots stay cool."),
        ("Greenhouse tomatoes", "Pinch out side shoots on tomato plants in the greenhouse."),
    ],
}
UNSEEN = {
    "shipping": "Dock workers unloaded grain from a bulk carrier at the busy harbour.",
    "cooking": "Whisk the eggs with sugar, fold in the flour and bake the cake for forty minutes.",
    "gardening": "Dig the vegetable bed, add manure and plant the seedlings in rows.",
}


def write_training(path: Path, fields: tuple[str, str, str]) -> Path:
    """The TRAINING stories as labelled JSONL with the given title, text and label fields."""
    lines = [
        json.dumps(dict(zip(fields, (title, text, label), strict=True)))
        for label, items in TRAINING.items()
        for title, text in items
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained_models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A models/ copy with a head trained by train_topics_command at models/heads/desk."""
    models = models_copy(tmp_path_factory.mktemp("trained"))
    path = write_training(models.parent / "desk.jsonl", ("headline", "body", "desk"))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NEWSWORKER_MODELS_DIR", str(models))
        env.setenv("NEWSWORKER_DEVICE", "cpu")
        get_settings.cache_clear()
        try:
            train_topics_command(
                path, text_field="body", title_field="headline", label_field="desk", cv_folds=3
            )
        finally:
            get_settings.cache_clear()
    yield models


@pytest.fixture(scope="module")
def head_pipeline(trained_models: Path) -> Pipeline:
    """The pipeline with the trained head as its tagger."""
    return load_pipeline(Settings(models_dir=trained_models, topic_head="desk", device="cpu"))


# per-request taxonomies and calibrated scores (default pipeline)


def test_a_request_can_name_a_shipped_taxonomy(pipeline: Pipeline) -> None:
    default = pipeline.process(Article(text=CUP_FINAL), Options(topic_depth=1))
    bbc = pipeline.process(Article(text=CUP_FINAL), Options(taxonomy="bbc-news"))
    ag = pipeline.process(Article(text=CUP_FINAL), Options(taxonomy="ag-news"))
    assert [t.label for t in default.topics][:1] == ["sport"]
    assert [t.label for t in bbc.topics][:1] == ["sport"]
    assert [t.label for t in ag.topics][:1] == ["Sports"]
    assert default.model["taxonomy"] == "iptc-mediatopics"
    top = pipeline.process(Article(text=CUP_FINAL), Options(taxonomy="iptc-mediatopics-top"))
    assert [t.label for t in top.topics][:1] == ["sport"]
    assert (bbc.model["taxonomy"], ag.model["taxonomy"]) == ("bbc-news", "ag-news")
    assert default.id != bbc.id  # the taxonomy is part of what a result was computed from


def test_an_unknown_taxonomy_fails_with_the_available_names(pipeline: Pipeline) -> None:
    with pytest.raises(InputError, match=r"unknown taxonomy 'sports'.*ag-news, bbc-news"):
        pipeline.process(Article(text=CUP_FINAL), Options(taxonomy="sports"))
    result = process_one(
        pipeline, Submission("a1", {"id": "a1", "text": CUP_FINAL}), {"taxonomy": "sports"}
    )
    assert result.status == Status.FAILED and result.error is not None
    assert "iptc-mediatopics-top" in result.error.message
    by_path = process_one(
        pipeline, Submission("a2", {"id": "a2", "text": CUP_FINAL}, {"taxonomy": "../x"}), {}
    )
    assert by_path.status == Status.FAILED and by_path.error is not None
    assert "taxonomy" in by_path.error.message


def test_scores_are_probabilities_and_options_bound_them(pipeline: Pipeline) -> None:
    text = (
        "Chip plant to hire 400 as union agrees pay deal\n\n"
        "The semiconductor maker will hire 400 workers at its new plant after the union "
        "accepted a three-year pay deal. Shares in the company rose on the news."
    )
    top_level = Options(max_topics=17, min_topic_score=0, topic_depth=1)
    everything = pipeline.process(Article(text=text), top_level)
    scores = [t.score for t in everything.topics]
    assert len(scores) == 17 and all(0.0 <= s <= 1.0 for s in scores)
    assert sum(scores) == pytest.approx(1.0, abs=1e-2)  # the top level shares out the mass
    assert scores == sorted(scores, reverse=True)
    for max_topics, min_score in ((1, 0.0), (3, 0.1), (5, 0.3)):
        options = Options(max_topics=max_topics, min_topic_score=min_score, topic_depth=1)
        topics = pipeline.process(Article(text=text), options).topics
        expected = [t for t in everything.topics if t.score >= min_score][:max_topics]
        assert [t.label for t in topics] == [t.label for t in expected]


# a trained head


def test_train_topics_saves_a_head_with_its_provenance(trained_models: Path) -> None:
    meta = json.loads((trained_models / "heads" / "desk" / META_FILE).read_text())
    assert meta["labels"] == ["cooking", "gardening", "shipping"]
    assert meta["embedder"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert len(meta["embedder_sha256"]) == 64
    assert meta["training_data"] == {
        "file": "desk.jsonl",
        "articles": 18,
        "skipped_without_text": 0,
        "per_label": {"cooking": 6, "gardening": 6, "shipping": 6},
    }
    assert meta["cross_validation"]["folds"] == 3
    assert 0.0 <= meta["cross_validation"]["accuracy"] <= 1.0
    assert meta["trained_at"].endswith("Z")


def test_the_pipeline_tags_with_the_configured_head(head_pipeline: Pipeline) -> None:
    for label, text in UNSEEN.items():
        result = head_pipeline.process(Article(text=text), Options(min_topic_score=0.0))
        assert result.topics[0].label == label, result.topics
        assert sum(t.score for t in result.topics) == pytest.approx(1.0, abs=1e-2)
        assert result.model["topic_head"] == "desk" and "taxonomy" not in result.model


def test_a_request_naming_a_taxonomy_overrides_the_head(head_pipeline: Pipeline) -> None:
    result = head_pipeline.process(Article(text=CUP_FINAL), Options(taxonomy="bbc-news"))
    assert result.topics[0].label == "sport"
    assert result.model["taxonomy"] == "bbc-news" and "topic_head" not in result.model


def test_a_head_for_another_embedder_is_refused(trained_models: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    shutil.copytree(trained_models, models)
    meta_path = models / "heads" / "desk" / META_FILE
    meta = json.loads(meta_path.read_text())
    meta["embedder"] = "sentence-transformers/all-mpnet-base-v2"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ConfigError, match=r"'desk' was trained with embedder .*all-mpnet"):
        load_pipeline(Settings(models_dir=models, topic_head="desk", device="cpu"))


# a user's taxonomy that is a tree


DESK_TREE = """
topics:
  - label: sport
    description: Sport - matches, teams, players and tournaments
    children:
      - label: football
        description: Football - goals, strikers, goalkeepers, penalties and cup finals
        children:
          - label: cup football
            description: Cup finals, extra time and penalty shoot-outs
      - label: tennis
        description: Tennis - sets, serves, Wimbledon and grand slams
  - label: business
    description: Business - companies, markets, shares and profits
"""


def test_a_users_tree_taxonomy_gives_levels_and_parents_by_label(tmp_path: Path) -> None:
    path = tmp_path / "desk-tree.yaml"
    path.write_text(DESK_TREE, encoding="utf-8")
    pipeline = load_pipeline(Settings(taxonomy=path, entities=False))
    topics = pipeline.process(Article(text=CUP_FINAL), Options(min_topic_score=0.2)).topics
    assert [(t.label, t.level, t.broader) for t in topics][:1] == [("cup football", 3, "football")]
    top = pipeline.process(Article(text=CUP_FINAL), Options(topic_depth=1)).topics
    assert [(t.label, t.level, t.broader) for t in top][:1] == [("sport", 1, None)]
    assert top[0].score >= topics[0].score
