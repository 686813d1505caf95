"""The pipeline with the real embedded MiniLM: what a reader of the result would check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from worker.config import Settings
from worker.errors import InputError, NoTextFound
from worker.nlp.encoder import SentenceEncoder
from worker.nlp.loading import load_encoder
from worker.nlp.pipeline import Pipeline
from worker.nlp.taxonomy import read_taxonomy
from worker.schemas import Article, Options, Status, Topic

DATA = Path(__file__).resolve().parent.parent / "data"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
IPTC = read_taxonomy(Path(__file__).resolve().parents[2] / "models/taxonomy/iptc-mediatopics.yaml")
QCODES = {t.label: t.qcode for t in IPTC.topics}
PARENTS = {t.qcode: QCODES[t.broader] if t.broader else None for t in IPTC.topics}
TOP = {t.label: t.qcode for t in IPTC.topics if t.level == 1}


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return json.loads((DATA / "scraped_article.expected.json").read_text())  # type: ignore[no-any-return]


def test_scraped_page_summary_holds_story_and_no_junk(
    pipeline: Pipeline, scraped_article: str, expected: dict[str, Any]
) -> None:
    result = pipeline.process(Article(text=scraped_article), Options(summary_sentences=4))
    assert result.status == Status.DONE
    assert len(result.summary_sentences) == 4
    assert result.summary == " ".join(result.summary_sentences)
    for sentence in result.summary_sentences:
        assert sentence in scraped_article
    for junk in expected["must_drop"]:
        assert junk not in (result.summary or "")
        assert all(junk not in keyword for keyword in result.keywords)
    assert result.title == expected["title"]


def _top_level(topic: Topic) -> str:
    """The QCode of the top-level term above a topic of the IPTC tree."""
    qcode = topic.qcode
    while PARENTS.get(qcode):
        qcode = PARENTS[qcode]
    assert qcode is not None
    return qcode


def test_strike_story_is_tagged_labour_first(pipeline: Pipeline, scraped_article: str) -> None:
    default = pipeline.process(Article(text=scraped_article), Options()).topics[0]
    assert _top_level(default) == "medtop:09000000"  # labour, or a term under it
    result = pipeline.process(Article(text=scraped_article), Options(min_topic_score=0.1))
    first = result.topics[0]
    assert first.level > 1 and _top_level(first) == "medtop:09000000"  # a term under labour
    assert first.broader == PARENTS[first.qcode]
    scores = [t.score for t in result.topics]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    [top, *_] = pipeline.process(Article(text=scraped_article), Options(topic_depth=1)).topics
    assert (top.label, top.qcode, top.level) == ("labour", "medtop:09000000", 1)
    assert top.score >= first.score  # a term is never more certain than its path


@pytest.mark.parametrize(
    ("name", "topic"),
    [
        ("cup-final.json", "sport"),
        ("vaccine-trial.html", "health"),
        ("harbour-flood-defences.txt", "weather"),
    ],
)
def test_examples_get_their_obvious_topic(pipeline: Pipeline, name: str, topic: str) -> None:
    raw = (EXAMPLES / name).read_text()
    article = (
        Article.model_validate(json.loads(raw)) if name.endswith(".json") else Article(text=raw)
    )
    result = pipeline.process(article, Options(topic_depth=1))
    assert topic in [t.label for t in result.topics]
    deep = pipeline.process(article, Options()).topics
    assert TOP[topic] in {_top_level(t) for t in deep}


def test_options_bound_summary_topics_and_keywords(
    pipeline: Pipeline, scraped_article: str
) -> None:
    options = Options(summary_sentences=1, max_topics=1, max_keywords=3, min_topic_score=0.0)
    result = pipeline.process(Article(text=scraped_article), options)
    assert len(result.summary_sentences) == 1
    assert len(result.topics) == 1
    assert 1 <= len(result.keywords) <= 3


def test_result_names_models_and_ids_derive_from_content(
    pipeline: Pipeline, scraped_article: str
) -> None:
    first = pipeline.process(Article(text=scraped_article), Options())
    again = pipeline.process(Article(text=scraped_article), Options())
    other = pipeline.process(Article(text=scraped_article), Options(summary_sentences=2))
    assert first.id == again.id != other.id
    assert first.summary == again.summary
    assert first.model["embedder"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert first.model["device"] == "cpu"
    assert first.language == "en"


def test_a_wire_credit_is_kept_as_the_dateline_and_never_reaches_the_summary(
    pipeline: Pipeline,
) -> None:
    text = (
        "New Delhi, India (CNN)As the earth shook in Nepal, tremors were felt over the border. "
        "Buildings swayed in the capital and people ran into the streets. Officials said no one "
        "was hurt in the city. Rescue teams were sent north to help."
    )
    for k in (1, 2):
        result = pipeline.process(Article(text=text), Options(summary_sentences=k))
        assert result.dateline is not None and result.dateline.credit == "CNN"
        assert result.dateline.place == "New Delhi, India"
        assert result.summary and "CNN" not in result.summary


def test_a_very_long_sentence_is_encoded_whole_not_cut(pipeline: Pipeline) -> None:
    words = " ".join(f"word{i % 50}" for i in range(3000))
    long_sentence = f"The committee heard that {words} before it adjourned."
    text = f"The council met on Monday to discuss the budget.\n\n{long_sentence}"
    result = pipeline.process(Article(text=text), Options(summary_sentences=2))
    assert result.status == Status.DONE
    encoder = pipeline.encoder
    windows, owners = encoder._windows([long_sentence])  # type: ignore[attr-defined]
    assert len(windows) > 10 and set(owners) == {0}
    vector = encoder.encode([long_sentence])
    assert vector.shape == (1, 384) and np.isclose(np.linalg.norm(vector), 1.0, atol=1e-4)


def test_non_english_article_is_flagged_not_tagged(pipeline: Pipeline) -> None:
    text = (
        "Die Bundesregierung hat am Mittwoch ein neues Gesetz zur Förderung erneuerbarer "
        "Energien beschlossen. Nach Angaben des Wirtschaftsministeriums sollen bis 2030 "
        "deutlich mehr Windräder gebaut werden. Umweltverbände begrüßten den Schritt, "
        "forderten aber schnellere Genehmigungsverfahren."
    )
    result = pipeline.process(Article(text=text), Options())
    assert result.language == "de"
    assert result.topics == []
    assert any("unsupported_language" in w for w in result.warnings)
    assert result.summary


def test_unreadable_input_raises_input_errors(pipeline: Pipeline) -> None:
    with pytest.raises(NoTextFound):
        pipeline.process(Article(text="<html><body><nav>Home</nav></body></html>"), Options())
    huge = "word " * (pipeline.settings.max_text_chars // 5 + 10)
    with pytest.raises(InputError, match="limit"):
        pipeline.process(Article(text=huge), Options())


@pytest.mark.parametrize(("precision", "least"), [("fp32", 0.9999), ("int8", 0.999)])
def test_encoder_matches_sentence_transformers(precision: str, least: float) -> None:
    from sentence_transformers import SentenceTransformer

    encoder = load_encoder(Settings(device="cpu", precision=precision))
    assert encoder.precision == precision
    texts = ["Stocks fell sharply after the central bank raised rates.", "The cat sat on the mat."]
    reference = SentenceTransformer(str(encoder.spec.path), device="cpu")
    expected = reference.encode(texts, normalize_embeddings=True)
    assert np.all(np.sum(encoder.encode(texts) * expected, axis=1) > least)


def test_the_default_on_a_cpu_is_the_int8_export(pipeline: Pipeline) -> None:
    result = pipeline.process(Article(text="The council approved the budget."), Options())
    assert pipeline.encoder.precision == "int8" and result.model["precision"] == "int8"


def test_batches_keep_padding_within_the_token_budget(pipeline: Pipeline) -> None:
    encoder = pipeline.encoder
    assert isinstance(encoder, SentenceEncoder)
    windows = [[7] * n for n in (3, 90, 5, 40, 41, 200, 1, 39)]
    batches = list(encoder._batches(windows))
    assert sorted(i for b in batches for i in b) == list(range(len(windows)))
    for batch in batches:
        width = max(len(windows[i]) for i in batch) + 2
        assert len(batch) == 1 or len(batch) * width <= encoder.batch_tokens
