"""Every backend's load → run → result path, with tiny random models built offline.

The models (tests/tiny_models.py) are pinned in a copy of models/, so these tests also cover
what the worker does with weights that are missing, altered or of the wrong kind.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from worker.config import Settings
from worker.errors import ChecksumMismatch, ConfigError, ModelNotFound
from worker.nlp.backends.abstractive import AbstractiveSummariser
from worker.nlp.loading import load_pipeline
from worker.nlp.pipeline import Pipeline
from worker.nlp.taxonomy import read_taxonomy
from worker.schemas import Article, Options

ROOT = Path(__file__).resolve().parents[2]
IPTC_FILE = ROOT / "models" / "taxonomy" / "iptc-mediatopics-top.yaml"
IPTC = {t.label: t.qcode for t in read_taxonomy(IPTC_FILE).topics}
SUMMARY_CAP = 12


def _settings(models: Path, **backends: Any) -> Settings:
    return Settings(models_dir=models, device="cpu", torch_threads=2, **backends)


@pytest.fixture(scope="module")
def abstractive(tiny_models: Path) -> Pipeline:
    return load_pipeline(
        _settings(
            tiny_models,
            summariser="abstractive",
            summariser_model="tiny-bart",
            summary_max_tokens=SUMMARY_CAP,
            summary_beams=2,
        )
    )


@pytest.fixture(scope="module")
def nli(tiny_models: Path) -> Pipeline:
    return load_pipeline(_settings(tiny_models, topic_backend="nli", topic_model="tiny-nli"))


@pytest.fixture(scope="module")
def classifier(tiny_models: Path) -> Pipeline:
    return load_pipeline(
        _settings(tiny_models, topic_backend="classifier", topic_model="tiny-desk")
    )


def _article(sentences: int) -> str:
    return "\n\n".join(
        f"Harbour officials said {i} cargo ships waited offshore while the union met on day {i}."
        for i in range(sentences)
    )


def _summariser(pipeline: Pipeline) -> AbstractiveSummariser:
    assert isinstance(pipeline.abstractive, AbstractiveSummariser)
    return pipeline.abstractive


def _trigrams(text: str) -> Counter[tuple[str, ...]]:
    words = text.split()
    return Counter(zip(words, words[1:], words[2:], strict=False))


# abstractive summaries


def test_abstractive_summary_is_generated_and_bounded(
    abstractive: Pipeline, scraped_article: str
) -> None:
    result = abstractive.process(Article(text=scraped_article), Options())
    assert result.status == "done" and result.summary
    assert result.summary not in scraped_article  # generated, not extracted
    assert result.model["summariser"] == "tiny/tiny-bart"
    model = _summariser(abstractive)
    assert model.count([result.summary]) <= SUMMARY_CAP
    assert all(n == 1 for n in _trigrams(result.summary).values())  # no repeated 3-grams
    assert result.topics and result.keywords  # the embedder still tags


def test_a_long_article_is_chunked_and_the_parts_summarised_again(abstractive: Pipeline) -> None:
    model = _summariser(abstractive)
    sentences = _article(30).split("\n\n")
    abstract = model.summarise(sentences)
    assert abstract.chunks > 1 and abstract.rounds >= 2
    assert model.count([abstract.text]) <= SUMMARY_CAP


def test_the_summary_stays_within_its_cap_when_the_cap_exceeds_a_window(
    abstractive: Pipeline, tiny_models: Path
) -> None:
    loaded = _summariser(abstractive).loaded
    cap = 2 * loaded.max_input_tokens
    long_cap = AbstractiveSummariser(loaded, _settings(tiny_models, summary_max_tokens=cap))
    abstract = long_cap.summarise(_article(30).split("\n\n"))
    assert abstract.chunks > 1
    # one bounded summary: generated within the model's positions (re-tokenizing a random
    # model's text can give a few tokens more, so the generated count is what is checked)
    assert abstract.tokens <= loaded.max_positions


def test_an_article_over_the_input_budget_is_preselected_with_a_warning(
    abstractive: Pipeline,
) -> None:
    result = abstractive.process(Article(text=_article(400)), Options())
    assert result.status == "done" and result.summary
    [warning] = [w for w in result.warnings if w.startswith("long_article")]
    assert "most central of 400 sentences" in warning
    assert result.topics  # a long English article is still tagged


def test_a_non_english_article_gets_an_extracted_summary_and_says_so(
    abstractive: Pipeline,
) -> None:
    text = (
        "Der Stadtrat hat am Montag den neuen Haushalt beschlossen. Die Mittel fließen in "
        "Schulen und Straßen. Die Opposition kritisierte die hohen Kosten des Projekts."
    )
    result = abstractive.process(Article(text=text), Options(summary_sentences=1))
    assert result.language == "de" and not result.topics
    assert result.summary and result.summary in text
    assert any(w.startswith("extractive_summary") for w in result.warnings)


def test_summary_words_cap_the_generated_tokens(
    abstractive: Pipeline, scraped_article: str
) -> None:
    model = _summariser(abstractive)
    result = abstractive.process(Article(text=scraped_article), Options(summary_words=5))
    assert result.summary and model.count([result.summary]) <= round(5 * 1.35)


# NLI and classifier taggers


def test_nli_tags_with_the_taxonomy_labels_and_entailment_scores(
    nli: Pipeline, scraped_article: str
) -> None:
    result = nli.process(Article(text=scraped_article), Options(min_topic_score=0.0, max_topics=17))
    assert len(result.topics) == 17
    assert {t.label for t in result.topics} == set(IPTC)
    assert all(t.qcode == IPTC[t.label] and 0.0 <= t.score <= 1.0 for t in result.topics)
    assert result.model["topic_model"] == "tiny/tiny-nli"
    assert result.model["taxonomy"] == "iptc-mediatopics-top"


def test_nli_serves_a_taxonomy_named_by_the_request(nli: Pipeline, scraped_article: str) -> None:
    options = Options(taxonomy="ag-news", min_topic_score=0.0, max_topics=4)
    result = nli.process(Article(text=scraped_article), options)
    assert {t.label for t in result.topics} == {"World", "Sports", "Business", "Sci/Tech"}
    assert result.model["taxonomy"] == "ag-news" and result.model["topic_model"] == "tiny/tiny-nli"


def test_classifier_labels_are_mapped_to_the_taxonomy(
    classifier: Pipeline, scraped_article: str
) -> None:
    options = Options(min_topic_score=0.0, max_topics=5)
    result = classifier.process(Article(text=scraped_article), options)
    labels = {t.label: t.qcode for t in result.topics}
    assert labels == {x: IPTC[x] for x in ("sport", "economy, business and finance", "weather")}
    assert sum(t.score for t in result.topics) == pytest.approx(1.0, abs=1e-3)
    assert result.model["topic_model"] == "tiny/tiny-desk"


def test_classifier_reads_a_long_article_in_windows(classifier: Pipeline) -> None:
    tagger = classifier.taggers.default
    result = classifier.process(Article(text=_article(60)), Options(min_topic_score=0.0))
    assert result.topics and tagger.info() == {"topic_model": "tiny/tiny-desk"}


# weights the worker refuses


def _copy(tiny_models: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "models"
    shutil.copytree(tiny_models, copy)
    return copy


def test_altered_weights_are_refused_with_what_to_do(tiny_models: Path, tmp_path: Path) -> None:
    models = _copy(tiny_models, tmp_path)
    weights = models / "summarisers" / "tiny-bart" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-8] + b"\0" * 8)
    settings = _settings(models, summariser="abstractive", summariser_model="tiny-bart")
    with pytest.raises(ChecksumMismatch, match=r"model\.safetensors has sha256 .* expects"):
        load_pipeline(settings)


def test_missing_weights_are_refused(tiny_models: Path, tmp_path: Path) -> None:
    models = _copy(tiny_models, tmp_path)
    shutil.rmtree(models / "classifiers" / "tiny-desk")
    settings = _settings(models, topic_backend="classifier", topic_model="tiny-desk")
    with pytest.raises(ModelNotFound, match="does not exist"):
        load_pipeline(settings)


def test_a_model_without_entailment_is_not_an_nli_backend(tiny_models: Path) -> None:
    settings = _settings(tiny_models, topic_backend="nli", topic_model="not-nli")
    with pytest.raises(ConfigError, match="no entailment"):
        load_pipeline(settings)


def test_an_unknown_model_names_the_known_ones(tiny_models: Path) -> None:
    settings = _settings(tiny_models, summariser="abstractive", summariser_model="pegasus")
    with pytest.raises(ConfigError, match=r"'pegasus' is neither.*distilbart-cnn, tiny-bart"):
        load_pipeline(settings)


def test_an_unlisted_directory_loads_unpinned(tiny_models: Path, tmp_path: Path) -> None:
    models = _copy(tiny_models, tmp_path)
    shutil.copytree(models / "summarisers" / "tiny-bart", models / "mine")
    settings = _settings(models, summariser="abstractive", summariser_model="mine")
    result = load_pipeline(settings).process(Article(text=_article(3)), Options())
    assert result.model["summariser"] == "mine" and result.summary
