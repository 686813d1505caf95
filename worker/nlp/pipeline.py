"""Text in, Result out: clean → detect language → split → encode once → summarise, tag, keywords.

No Celery and no Redis here: the worker task, the `process` command and the tests all call
:meth:`Pipeline.process`. Every sentence and the title go through the transformer in one
batched pass, and that one set of embeddings serves the summary and the topics. Other
backends (:mod:`worker.nlp.backends`) replace the summary or the tagger where configured;
:mod:`worker.nlp.loading` builds a pipeline from settings.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from worker import __version__
from worker.config import Settings
from worker.errors import NoTextFound
from worker.nlp.cleaning import CleanText, clean
from worker.nlp.entities import select_entities
from worker.nlp.fingerprint import fingerprint as body_fingerprint
from worker.nlp.keywords import extract_keywords
from worker.nlp.language import UNDETERMINED, detect_language
from worker.nlp.sentences import Sentence, split_sentences
from worker.nlp.summarise import Length, select, summary_length
from worker.nlp.taggers import Taggers
from worker.nlp.topics import Tagger, TagInput, topic_vector
from worker.nlp.vectors import unit
from worker.schemas import (
    Article,
    Entity,
    Options,
    Result,
    Status,
    Topic,
    article_id,
    check_text_size,
    content_hash,
)

if TYPE_CHECKING:
    from worker.nlp.backends.abstractive import Abstractive
    from worker.nlp.encoder import Encoder
    from worker.nlp.entities import EntityTagger

MODEL_LANGUAGES = frozenset({"en"})
TOKENS_PER_WORD = 1.35  # English word pieces per word, to turn word budgets into token caps
TOKENS_PER_SENTENCE = 40  # a summary sentence of ~30 words


@dataclass
class Timings:
    """Milliseconds spent in each stage."""

    ms: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the body of a `with` block under `name`."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.ms[name] = round((time.perf_counter() - start) * 1000, 2)


@dataclass
class Encoded:
    """The one forward pass: sentence vectors, their centroid, and the article for the taggers."""

    sentences: np.ndarray
    centroid: np.ndarray
    topic: np.ndarray  # the article as the taggers see it (worker.nlp.topics.topic_vector)


class Pipeline:
    """Summarises and tags articles with one encoder and its taggers, loaded once."""

    def __init__(
        self,
        settings: Settings,
        encoder: Encoder,
        taggers: Taggers,
        abstractive: Abstractive | None = None,
        entities: EntityTagger | None = None,
    ) -> None:
        self.settings = settings
        self.encoder = encoder
        self.taggers = taggers
        self.abstractive = abstractive
        self.entities = entities
        self.models = {
            "newsworker": __version__,
            "embedder": encoder.spec.name,
            "embedder_source": encoder.spec.version,
            "device": encoder.device,
            "precision": encoder.precision,
            "summariser": abstractive.name if abstractive else "extractive",
            **({"entities": entities.name} if entities else {}),
        }
        self.model_info = {**self.models, **taggers.default.info()}

    def process(self, article: Article, options: Options) -> Result:
        """The finished (`done`) result for one article; InputError when it cannot be processed."""
        timings = Timings()
        check_text_size(article, self.settings.max_text_chars)
        tagger = self.taggers.get(options.taxonomy)  # an unknown name fails before any work
        with timings.stage("clean"):
            cleaned = clean(article.text, article.title)
        with timings.stage("language"):
            language, warnings = self._language(article, cleaned)
        supported = not warnings  # the models read English; other languages get no topics
        with timings.stage("split"):
            sentences = split_sentences(cleaned.paragraphs, language)
        if not sentences:
            raise NoTextFound("the article has no sentences after cleaning")
        with timings.stage("encode"):
            encoded = self._encode(cleaned.title, sentences)
        with timings.stage("summarise"):
            chosen, summary = self._summary(sentences, encoded, options, warnings, supported)
        with timings.stage("topics"):
            texts = _texts(cleaned.title, sentences)
            tag_input = TagInput(encoded.topic, texts, has_title=bool(cleaned.title))
            topics = self._topics(tagger, tag_input, options) if supported else []
        entities, names = self._entities(cleaned, sentences, options, supported, timings)
        with timings.stage("fingerprint"):
            wanted = self.settings.reprints and options.reprints is not False
            fingerprint = body_fingerprint(cleaned.content) if wanted else None
        with timings.stage("keywords"):
            is_name = self.entities.name_test(names) if self.entities is not None else None
            keywords = extract_keywords(cleaned.text, options.max_keywords, language, is_name)
        return Result(
            id=article_id(article, options),
            status=Status.DONE,
            title=cleaned.title,
            url=article.url,
            language=language,
            summary=summary,
            summary_sentences=chosen,
            topics=topics,
            keywords=keywords,
            entities=entities,
            dateline=cleaned.dateline,
            warnings=warnings,
            model={**self.models, **tagger.info()},
            content_hash=content_hash(article, options),
            timings_ms=timings.ms,
            fingerprint=fingerprint.to_bytes() if fingerprint else None,
        )

    def _summary(
        self,
        sentences: list[Sentence],
        encoded: Encoded,
        options: Options,
        warnings: list[str],
        supported: bool,
    ) -> tuple[list[str], str]:
        """The summary's sentences and text: extracted, or generated by the abstractive model."""
        length = summary_length(
            sentences, options.summary_sentences, options.summary_ratio, options.summary_words
        )
        if self.abstractive is not None and not supported:
            warnings.append(
                f"extractive_summary: {self.abstractive.name} reads English only, so the summary "
                "was extracted"
            )
        if self.abstractive is None or not supported:
            picks = select(
                sentences, embeddings=encoded.sentences, centroid=encoded.centroid, length=length
            )
            chosen = [sentences[i].text for i in picks]
            return chosen, " ".join(chosen)
        return self._abstract(self.abstractive, sentences, encoded, options, warnings)

    def _abstract(
        self,
        model: Abstractive,
        sentences: list[Sentence],
        encoded: Encoded,
        options: Options,
        warnings: list[str],
    ) -> tuple[list[str], str]:
        """Generate from the whole article, or from its most central sentences if too long."""
        texts = [s.text for s in sentences]
        tokens = model.count(texts)
        if tokens > model.input_budget:
            budget_words = int(model.input_budget / TOKENS_PER_WORD)
            length = Length(sentences=len(sentences), words=budget_words)
            picks = select(
                sentences, embeddings=encoded.sentences, centroid=encoded.centroid, length=length
            )
            texts = [sentences[i].text for i in picks]
            warnings.append(
                f"long_article: the abstractive summary was written from the {len(picks)} most "
                f"central of {len(sentences)} sentences ({tokens:,} tokens; the model reads "
                f"{model.input_budget:,} per summary, NEWSWORKER_MAX_CHUNKS × its window)"
            )
        abstract = model.summarise(texts, _token_cap(options, tokens))
        chosen = [s.text for s in split_sentences([abstract.text])]
        return chosen, abstract.text

    def _entities(
        self,
        cleaned: CleanText,
        sentences: list[Sentence],
        options: Options,
        supported: bool,
        timings: Timings,
    ) -> tuple[list[Entity], list[Entity]]:
        """The entities a result lists, and every entity found (which keywords must not be);
        timed as a stage only where entities are on."""
        if self.entities is None or not supported:
            return [], []
        with timings.stage("entities"):
            found = self.entities.tag(cleaned.title, [s.text for s in sentences], cleaned.dateline)
        return select_entities(found, *options.entity_limits), found

    def _language(self, article: Article, cleaned: CleanText) -> tuple[str, list[str]]:
        if article.language:
            language = article.language.lower()[:2]
        else:
            language = detect_language(cleaned.text, self.settings.min_language_confidence).language
        if language in MODEL_LANGUAGES or language == UNDETERMINED:
            return language, []
        left_out = "topics or entities" if self.entities is not None else "topics"
        return language, [
            f"unsupported_language: the article is in {language!r} and the topic model "
            f"{self.encoder.spec.name} reads English only, so no {left_out} were assigned"
        ]

    def _encode(self, title: str | None, sentences: list[Sentence]) -> Encoded:
        texts = [s.text for s in sentences] + ([title] if title else [])
        vectors = self.encoder.encode(texts)
        sentence_vectors = vectors[: len(sentences)]
        title_vector = vectors[len(sentences)] if title else None
        centroid = unit(sentence_vectors.mean(axis=0))
        return Encoded(sentence_vectors, centroid, topic_vector(sentence_vectors, title_vector))

    def _topics(self, tagger: Tagger, article: TagInput, options: Options) -> list[Topic]:
        if options.max_topics == 0:
            return []
        scored = tagger.tag(article, options.max_topics, options.min_topic_score, options.depth)
        return [Topic(**asdict(t)) for t in scored]


def _texts(title: str | None, sentences: list[Sentence]) -> tuple[str, ...]:
    """The title (if any) and the sentences, as taggers that read text see the article."""
    return (*([title] if title else []), *(s.text for s in sentences))


def _token_cap(options: Options, article_tokens: int) -> int:
    """An abstractive summary's length in tokens from the options' words, ratio or sentences."""
    if options.summary_words is not None:
        return max(1, round(options.summary_words * TOKENS_PER_WORD))
    if options.summary_ratio is not None:
        return max(1, round(options.summary_ratio * article_tokens))
    return options.summary_sentences * TOKENS_PER_SENTENCE
