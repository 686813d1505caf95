"""Text in, Result out: clean → detect language → split → encode once → summarise, tag, keywords.

No Celery and no Redis here: the worker task, the `process` command and the tests all call
:meth:`Pipeline.process`. Every sentence and the title go through the transformer in one
batched pass, and that one set of embeddings serves the summary and the topics.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from worker import __version__
from worker.config import Settings
from worker.errors import InputError, NoTextFound
from worker.nlp.cleaning import CleanText, clean
from worker.nlp.heads import TopicHead, load_head
from worker.nlp.keywords import extract_keywords
from worker.nlp.language import UNDETERMINED, detect_language
from worker.nlp.models import ModelSpec
from worker.nlp.sentences import Sentence, split_sentences
from worker.nlp.summarise import select, summary_length
from worker.nlp.taggers import Taggers
from worker.nlp.topics import Tagger, ZeroShotTagger, topic_vector
from worker.nlp.vectors import unit
from worker.schemas import Article, Options, Result, Status, Topic, article_id, content_hash

MODEL_LANGUAGES = frozenset({"en"})
WARM_UP_TEXT = (
    "Warm-up\n\nThe city council approved the new budget on Monday. "
    "Officials said the plan would fund schools and repair roads."
)


class Encoder(Protocol):
    """What the pipeline needs from a sentence encoder."""

    spec: ModelSpec
    device: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


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

    def __init__(self, settings: Settings, encoder: Encoder, taggers: Taggers) -> None:
        self.settings = settings
        self.encoder = encoder
        self.taggers = taggers
        self.models = {
            "newsworker": __version__,
            "embedder": encoder.spec.name,
            "embedder_source": encoder.spec.version,
            "device": encoder.device,
        }
        self.model_info = {**self.models, **_tagger_info(taggers.default)}

    def process(self, article: Article, options: Options) -> Result:
        """The finished (`done`) result for one article; InputError when it cannot be processed."""
        timings = Timings()
        self._check_size(article)
        tagger = self.taggers.get(options.taxonomy)  # an unknown name fails before any work
        with timings.stage("clean"):
            cleaned = clean(article.text, article.title)
        with timings.stage("language"):
            language, warnings = self._language(article, cleaned)
        with timings.stage("split"):
            sentences = split_sentences(cleaned.paragraphs, language)
        if not sentences:
            raise NoTextFound("the article has no sentences after cleaning")
        with timings.stage("encode"):
            encoded = self._encode(cleaned.title, sentences)
        with timings.stage("summarise"):
            picks = select(
                sentences,
                embeddings=encoded.sentences,
                centroid=encoded.centroid,
                length=summary_length(
                    sentences,
                    options.summary_sentences,
                    options.summary_ratio,
                    options.summary_words,
                ),
            )
        with timings.stage("topics"):
            topics = self._topics(tagger, encoded.topic, options) if not warnings else []
        with timings.stage("keywords"):
            keywords = extract_keywords(cleaned.text, options.max_keywords, language)
        chosen = [sentences[i].text for i in picks]
        return Result(
            id=article_id(article, options),
            status=Status.DONE,
            title=cleaned.title,
            url=article.url,
            language=language,
            summary=" ".join(chosen),
            summary_sentences=chosen,
            topics=topics,
            keywords=keywords,
            warnings=warnings,
            model={**self.models, **_tagger_info(tagger)},
            content_hash=content_hash(article, options),
            timings_ms=timings.ms,
        )

    def _check_size(self, article: Article) -> None:
        if len(article.text) > self.settings.max_text_chars:
            raise InputError(
                f"the text has {len(article.text):,} characters; the limit is "
                f"{self.settings.max_text_chars:,} (NEWSWORKER_MAX_TEXT_CHARS)"
            )

    def _language(self, article: Article, cleaned: CleanText) -> tuple[str, list[str]]:
        if article.language:
            language = article.language.lower()[:2]
        else:
            language = detect_language(cleaned.text, self.settings.min_language_confidence).language
        if language in MODEL_LANGUAGES or language == UNDETERMINED:
            return language, []
        return language, [
            f"unsupported_language: the article is in {language!r} and the topic model "
            f"{self.encoder.spec.name} reads English only, so no topics were assigned"
        ]

    def _encode(self, title: str | None, sentences: list[Sentence]) -> Encoded:
        texts = [s.text for s in sentences] + ([title] if title else [])
        vectors = self.encoder.encode(texts)
        sentence_vectors = vectors[: len(sentences)]
        title_vector = vectors[len(sentences)] if title else None
        centroid = unit(sentence_vectors.mean(axis=0))
        return Encoded(sentence_vectors, centroid, topic_vector(sentence_vectors, title_vector))

    def _topics(self, tagger: Tagger, vector: np.ndarray, options: Options) -> list[Topic]:
        if options.max_topics == 0:
            return []
        scored = tagger.tag(vector, options.max_topics, options.min_topic_score)
        return [Topic(label=t.label, score=t.score, qcode=t.qcode) for t in scored]


def _tagger_info(tagger: Tagger) -> dict[str, str]:
    """How a result names its topic model: the taxonomy, or the trained head."""
    return {"topic_head" if isinstance(tagger, TopicHead) else "taxonomy": tagger.name}


def build_taggers(settings: Settings, encoder: Encoder) -> Taggers:
    """The default tagger (the configured head, else zero-shot) and the per-request cache."""
    default: Tagger
    if settings.topic_head:
        default = load_head(settings.heads_path / settings.topic_head, encoder.spec)
    else:
        default = ZeroShotTagger.from_file(settings.taxonomy_path, encoder.encode)
    return Taggers(default, settings.taxonomy_dir, encoder.encode)


def build_pipeline(settings: Settings) -> Pipeline:
    """Load the encoder (checksums verified) and the taggers; call once per process."""
    from worker.nlp.encoder import SentenceEncoder
    from worker.nlp.models import resolve_embedder

    spec = resolve_embedder(settings.models_dir, settings.embedder)
    encoder = SentenceEncoder(spec, settings.device, settings.batch_size)
    pipeline = Pipeline(settings, encoder, build_taggers(settings, encoder))
    pipeline.process(Article(text=WARM_UP_TEXT), Options())  # load lazy parts before real work
    return pipeline
