"""The wire and storage contract: what producers send and what the worker stores in Redis.

Producers send the task :data:`TASK_NAME` (``newsworker.process_article``) with JSON kwargs
``article`` (an :class:`Article`) and ``options`` (an :class:`Options`). The worker stores one
:class:`Result` per article at ``newsworker:result:<id>``. Every `failed` result, whoever
stores it (the worker, `newsworker enqueue`, `newsworker process`), is built by
:func:`failed_result`, so the same input fails under the same id on every path.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
)

from worker.errors import InputError

TASK_NAME = "newsworker.process_article"  # the one task producers send, by name
SCHEMA_VERSION = 3  # 3: duplicate_of, similarity, related; 2: topics' level, broader, wikidata
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$"
DEFAULT_MAX_ENTITIES = 10
DEFAULT_MIN_ENTITY_SALIENCE = 0.35
# A topic is listed when it is at least one in five likely: on the Reuters tree eval, topics
# scored 0.1-0.2 were on the gold path 15% of the time and cost more precision than they
# brought recall (docs/quality.md, "How many topics to list").
DEFAULT_MIN_TOPIC_SCORE = 0.20
DEFAULT_TOPIC_DEPTH = 4  # on a taxonomy tree (docs/quality.md: the depth the measurements support)
MAX_TOPIC_DEPTH = 4
TAXONOMY_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"  # a file's stem, never a path


class Status(StrEnum):
    """Where an article is: queued → processing → done | failed."""

    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


class Article(BaseModel):
    """One article as a producer sends it. Unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    text: str = Field(min_length=1)
    id: str | None = Field(None, pattern=ID_PATTERN)
    title: str | None = Field(None, max_length=1000)
    url: str | None = Field(None, max_length=4000)
    language: str | None = Field(None, pattern=r"^[a-zA-Z]{2,3}([-_][A-Za-z0-9]{2,8})?$")

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("text is empty or whitespace only")
        if "\x00" in text:
            raise ValueError("text contains NUL bytes; send text, not binary data")
        return text


class Options(BaseModel):
    """Per-request options. Unknown options are refused so that a typo is not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    summary_sentences: int = Field(3, ge=1, le=50)
    summary_ratio: float | None = Field(None, gt=0.0, le=1.0)
    summary_words: int | None = Field(None, ge=5, le=5000)
    max_topics: int = Field(3, ge=0, le=50)
    min_topic_score: float = Field(DEFAULT_MIN_TOPIC_SCORE, ge=0.0, le=1.0)
    max_keywords: int = Field(8, ge=0, le=50)
    # A taxonomy file under models/taxonomy/ by its stem (e.g. "ag-news"); None: the worker's.
    taxonomy: str | None = Field(None, pattern=TAXONOMY_NAME_PATTERN)
    # None: DEFAULT_MAX_ENTITIES and DEFAULT_MIN_ENTITY_SALIENCE (None keeps content hashes as
    # they were before these options existed).
    max_entities: int | None = Field(None, ge=0, le=50)
    min_entity_salience: float | None = Field(None, ge=0.0, le=1.0)
    # On a taxonomy tree, no topic deeper than this level; None: DEFAULT_TOPIC_DEPTH.
    topic_depth: int | None = Field(None, ge=1, le=MAX_TOPIC_DEPTH)
    # False: the article is neither looked up in nor added to the reprint index; None: on.
    reprints: bool | None = None

    @property
    def entity_limits(self) -> tuple[int, float]:
        """At most how many entities, and the least salience, with the defaults filled in."""
        most = DEFAULT_MAX_ENTITIES if self.max_entities is None else self.max_entities
        least = self.min_entity_salience
        return most, DEFAULT_MIN_ENTITY_SALIENCE if least is None else least

    @property
    def depth(self) -> int:
        """The deepest level a topic may have, with the default filled in."""
        return DEFAULT_TOPIC_DEPTH if self.topic_depth is None else self.topic_depth

    @model_serializer(mode="wrap")
    def _leave_out_unset_options(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Unset optional options are left out, so options serialise as they did before those
        # options existed and content hashes (and ids derived from them) stay the same.
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if value is not None}


def content_hash(article: Article, options: Options) -> str:
    """sha256 of what determines a result: text, title and options (not id, url or language)."""
    payload = {"text": article.text, "title": article.title, "options": options.model_dump()}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def article_id(article: Article, options: Options) -> str:
    """The article's own id, or one derived from its content (the first 24 hex of the hash)."""
    return article.id or content_hash(article, options)[:24]


def describe_validation(exc: ValidationError) -> str:
    """One line per problem, e.g. ``article.text: Field required``."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "input"
        parts.append(f"{exc.title.lower()}.{where}: {error['msg']}")
    return "; ".join(parts)


def parse_request(raw_article: Any, raw_options: Any) -> tuple[Article, Options]:
    """Validate the message's kwargs; InputError with a readable message when they are wrong."""
    if not isinstance(raw_article, dict):
        raise InputError(
            f"article must be a JSON object with a 'text' field, not {type(raw_article).__name__}"
        )
    if raw_options is not None and not isinstance(raw_options, dict):
        raise InputError(f"options must be a JSON object, not {type(raw_options).__name__}")
    try:
        return Article.model_validate(raw_article), Options.model_validate(raw_options or {})
    except ValidationError as exc:
        raise InputError(describe_validation(exc)) from exc


def fallback_id(raw_article: Any) -> str:
    """An id for a failed result when the article is invalid: its own id, or a content hash."""

    if isinstance(raw_article, dict):
        given = raw_article.get("id")
        if isinstance(given, str) and re.match(ID_PATTERN, given):
            return given
    canonical = json.dumps(raw_article, sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "replace")).hexdigest()[:24]


def check_text_size(article: Article, limit: int) -> None:
    """InputError when the text is longer than `limit` characters (NEWSWORKER_MAX_TEXT_CHARS)."""
    if len(article.text) > limit:
        raise InputError(
            f"the text has {len(article.text):,} characters; the limit is "
            f"{limit:,} (NEWSWORKER_MAX_TEXT_CHARS)"
        )


def utc_now() -> str:
    """An ISO-8601 UTC timestamp with milliseconds, as stored in results."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Topic(BaseModel):
    """One assigned topic; `score` is the share of the taxonomy's probability mass (0..1) that
    falls on it or, on a tree, on it and the terms below it. `level` is 1 at the top; `broader`
    names the parent (its QCode, or its label when it has none); `wikidata` is the term's
    Wikidata id where the taxonomy gives one."""

    label: str
    score: float
    qcode: str | None = None
    level: int = 1
    broader: str | None = None
    wikidata: str | None = None


EntityType = Literal["person", "organisation", "place"]


class Entity(BaseModel):
    """A person, organisation or place the article names, with all its mentions merged.

    `name` is the canonical (fullest) form; `salience` (0..1) says how central it is to the
    story; `country` is a place's ISO 3166-1 alpha-2 code where it can be known; `acronym` is
    an organisation's short form where the article gives one ("EC").
    """

    name: str
    type: EntityType
    salience: float
    mentions: int
    country: str | None = None
    acronym: str | None = None


class RelatedArticle(BaseModel):
    """An earlier article close to this one but not a copy of it; `similarity` (0..1) is the
    estimated share of the shorter text's word sequences that the other one holds."""

    id: str
    similarity: float


class Dateline(BaseModel):
    """Where, when and by whom a story was filed, as its head says: ``HONG KONG, April 8 -``,
    ``LONDON (Reuters) -``, ``(CNN)``. Any part may be absent; each is as written."""

    place: str | None = None
    date: str | None = None
    credit: str | None = None


class ErrorInfo(BaseModel):
    """Why an article failed: `type` is stable (for code), `message` is for a person."""

    type: str
    message: str

    @classmethod
    def of(cls, exc: BaseException) -> ErrorInfo:
        """The error's class name and its message (its repr when the message is empty)."""
        return cls(type=type(exc).__name__, message=str(exc) or repr(exc))


class Result(BaseModel):
    """The JSON document stored at ``newsworker:result:<id>``."""

    model_config = ConfigDict(populate_by_name=True)

    schema_version: int = Field(SCHEMA_VERSION, alias="schema")
    id: str
    status: Status
    title: str | None = None
    url: str | None = None
    language: str | None = None
    summary: str | None = None
    summary_sentences: list[str] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    dateline: Dateline | None = None
    duplicate_of: str | None = None  # the earliest indexed article this one copies
    similarity: float | None = None  # ... and how much of the text they share (0..1)
    related: list[RelatedArticle] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None
    model: dict[str, str] = Field(default_factory=dict)
    content_hash: str | None = None
    attempts: int = 0
    created_at: str = Field(default_factory=utc_now)
    started_at: str | None = None
    finished_at: str | None = None
    timings_ms: dict[str, float] = Field(default_factory=dict)
    # Not stored: the body's MinHash fingerprint (worker.nlp.fingerprint), which the pipeline
    # computes and the job hands to the reprint index.
    fingerprint: bytes | None = Field(None, exclude=True, repr=False)

    def to_json(self) -> str:
        """Serialise as stored (field `schema`, not `schema_version`)."""
        return self.model_dump_json(by_alias=True)

    @classmethod
    def from_json(cls, raw: str | bytes) -> Result:
        """Parse a stored document."""
        return cls.model_validate_json(raw)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict as stored."""
        return self.model_dump(mode="json", by_alias=True)


def failed_result(
    error: BaseException, raw_article: Any, raw_options: Any = None, **fields: Any
) -> Result:
    """The `failed` result of a request, with the error's type and message, under the id the
    worker uses for it; a valid request also keeps its title, url and content hash. `fields`
    (attempts, timestamps) are stored as given."""
    try:
        article, options = parse_request(raw_article, raw_options)
    except InputError:
        known: dict[str, Any] = {"id": fallback_id(raw_article)}
    else:
        known = {
            "id": article_id(article, options),
            "title": article.title,
            "url": article.url,
            "content_hash": content_hash(article, options),
        }
    return Result(status=Status.FAILED, error=ErrorInfo.of(error), **{**known, **fields})
