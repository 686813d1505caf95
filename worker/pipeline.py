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
from worker.nlp.keywords import extract_keywords
from worker.nlp.language import UNDETERMINED, detect_language
from worker.nlp.models import ModelSpec
from worker.nlp.sentences import Sentence, split_sentences
from worker.nlp.summarise import select
from worker.nlp.topics import ZeroShotTagger, load_taxonomy
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
    """The one forward pass: sentence vectors, the title's vector and the article's vector."""

    sentences: np.ndarray
    title: np.ndarray | None
    article: np.ndarray


class Pipeline:
    """Summarises and tags articles with one encoder and one taxonomy, loaded once."""

    def __init__(self, settings: Settings, encoder: Encoder, tagger: ZeroShotTagger) -> None:
        self.settings = settings
        self.encoder = encoder
        self.tagger = tagger
        self.model_info = {
            "newsworker": __version__,
            "embedder": encoder.spec.name,
            "embedder_source": encoder.spec.version,
            "device": encoder.device,
            "taxonomy": settings.taxonomy_path.stem,
        }

    def process(self, article: Article, options: Options) -> Result:
        """The finished (`done`) result for one article; InputError when it cannot be processed."""
        timings = Timings()
        self._check_size(article)
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
                centroid=encoded.article,
                title=encoded.title,
                k=options.summary_sentences,
            )
        with timings.stage("topics"):
            topics = self._topics(encoded.article, language, options) if not warnings else []
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
            model=dict(self.model_info),
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
        article = sentence_vectors.mean(axis=0)
        if title_vector is not None:
            article = article + title_vector
        article = article / max(float(np.linalg.norm(article)), 1e-12)
        return Encoded(sentence_vectors, title_vector, article.astype(np.float32))

    def _topics(self, article: np.ndarray, language: str, options: Options) -> list[Topic]:
        if options.max_topics == 0:
            return []
        scored = self.tagger.tag(article, options.max_topics, options.min_topic_score)
        return [Topic(label=t.label, score=t.score, qcode=t.qcode) for t in scored]


def build_pipeline(settings: Settings) -> Pipeline:
    """Load the encoder (checksums verified) and the taxonomy; call once per process."""
    from worker.nlp.encoder import SentenceEncoder
    from worker.nlp.models import resolve_embedder

    spec = resolve_embedder(settings.models_dir, settings.embedder)
    encoder = SentenceEncoder(spec, settings.device, settings.batch_size)
    tagger = ZeroShotTagger(load_taxonomy(settings.taxonomy_path), encoder.encode)
    pipeline = Pipeline(settings, encoder, tagger)
    pipeline.process(Article(text=WARM_UP_TEXT), Options())  # load lazy parts before real work
    return pipeline
