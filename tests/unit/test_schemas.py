"""The wire and storage contract: what producers may send, how ids are derived, what is stored.

A producer that sends a bad article must get a ValidationError that says where the problem is;
the same article with the same options must always get the same id (that is how duplicates are
skipped); and a stored result must read back exactly as it was written.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pydantic import ValidationError

from worker.schemas import (
    SCHEMA_VERSION,
    Article,
    ErrorInfo,
    Options,
    Result,
    Status,
    Topic,
    article_id,
    content_hash,
    describe_validation,
)

TEXT = "The council voted on Tuesday to close the town library."


def _validation_error(model: type[Article] | type[Options], data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return describe_validation(info.value)


# Article


def test_article_needs_only_text() -> None:
    article = Article.model_validate({"text": TEXT})
    assert article.text == TEXT
    assert (article.id, article.title, article.url, article.language) == (None, None, None, None)


@pytest.mark.parametrize(
    "data",
    [{}, {"text": ""}, {"text": "   "}, {"text": "\n\t \n"}, {"text": None}],
    ids=["missing", "empty", "spaces", "whitespace", "null"],
)
def test_article_without_text_is_rejected(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as info:
        Article.model_validate(data)
    assert [error["loc"] for error in info.value.errors()] == [("text",)]


def test_article_with_nul_bytes_is_rejected_with_a_reason() -> None:
    message = _validation_error(Article, {"text": f"{TEXT}\x00\x00binary"})
    assert "NUL" in message


@pytest.mark.parametrize(
    "bad_id",
    ["", "has space", "slash/id", "-leading-dash", ".leading-dot", "emoji-\U0001f600", "a\nb"],
    ids=repr,
)
def test_article_id_with_invalid_characters_is_rejected(bad_id: str) -> None:
    with pytest.raises(ValidationError) as info:
        Article.model_validate({"text": TEXT, "id": bad_id})
    assert [error["loc"] for error in info.value.errors()] == [("id",)]


@pytest.mark.parametrize("good_id", ["a", "cup-final-2026", "feed:42", "A.b_c-9", "x" * 128])
def test_article_id_with_allowed_characters_is_accepted(good_id: str) -> None:
    assert Article.model_validate({"text": TEXT, "id": good_id}).id == good_id


def test_article_id_longer_than_128_characters_is_rejected() -> None:
    with pytest.raises(ValidationError):
        Article.model_validate({"text": TEXT, "id": "x" * 129})


def test_unknown_article_fields_are_ignored() -> None:
    article = Article.model_validate({"text": TEXT, "author": "Jo Bloggs", "tags": ["local"]})
    assert article.text == TEXT
    assert "author" not in article.model_dump()


@pytest.mark.parametrize("language", ["en", "de", "pt-BR", "zh_Hant", "fil"])
def test_article_language_tags_are_accepted(language: str) -> None:
    assert Article.model_validate({"text": TEXT, "language": language}).language == language


@pytest.mark.parametrize("language", ["e", "english", "en-", "12"])
def test_article_language_that_is_not_a_tag_is_rejected(language: str) -> None:
    with pytest.raises(ValidationError):
        Article.model_validate({"text": TEXT, "language": language})


# Options


def test_options_defaults() -> None:
    assert Options().model_dump() == {
        "summary_sentences": 3,
        "max_topics": 3,
        "min_topic_score": 0.20,
        "max_keywords": 8,
    }


def test_unknown_option_is_refused_by_name() -> None:
    message = _validation_error(Options, {"summary_sentence": 2})
    assert "summary_sentence" in message


@pytest.mark.parametrize(
    "option",
    [
        {"summary_sentences": 0},
        {"summary_sentences": 51},
        {"max_topics": -1},
        {"max_topics": 51},
        {"min_topic_score": -0.01},
        {"min_topic_score": 1.5},
        {"max_keywords": -1},
        {"max_keywords": 51},
        {"summary_sentences": "three"},
    ],
    ids=lambda option: ",".join(f"{k}={v}" for k, v in option.items()),
)
def test_out_of_range_option_is_refused(option: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as info:
        Options.model_validate(option)
    assert [error["loc"] for error in info.value.errors()] == [tuple(option)]


@pytest.mark.parametrize(
    "option",
    [
        {"summary_sentences": 1},
        {"summary_sentences": 50},
        {"max_topics": 0},
        {"min_topic_score": 0.0},
        {"min_topic_score": 1.0},
        {"max_keywords": 0},
    ],
    ids=lambda option: ",".join(f"{k}={v}" for k, v in option.items()),
)
def test_boundary_options_are_accepted(option: dict[str, Any]) -> None:
    assert Options.model_validate(option).model_dump().items() >= option.items()


# Content hash and ids


def test_same_content_and_options_give_the_same_id() -> None:
    first = Article(text=TEXT, title="Library to close")
    second = Article(text=TEXT, title="Library to close")
    assert article_id(first, Options()) == article_id(second, Options(max_topics=3))
    assert content_hash(first, Options()) == content_hash(second, Options())


def test_derived_id_is_24_hex_characters_of_the_content_hash() -> None:
    article = Article(text=TEXT)
    derived = article_id(article, Options())
    assert re.fullmatch(r"[0-9a-f]{24}", derived)
    assert content_hash(article, Options()).startswith(derived)
    assert Article(text=TEXT, id=derived).id == derived  # a derived id is itself a valid id


@pytest.mark.parametrize(
    "options",
    [
        Options(summary_sentences=4),
        Options(max_topics=1),
        Options(min_topic_score=0.3),
        Options(max_keywords=0),
    ],
    ids=["summary_sentences", "max_topics", "min_topic_score", "max_keywords"],
)
def test_different_options_give_a_different_id(options: Options) -> None:
    article = Article(text=TEXT)
    assert article_id(article, options) != article_id(article, Options())


@pytest.mark.parametrize(
    "other",
    [Article(text=TEXT + " "), Article(text=TEXT, title="Library to close")],
    ids=["text", "title"],
)
def test_different_text_or_title_gives_a_different_id(other: Article) -> None:
    assert article_id(other, Options()) != article_id(Article(text=TEXT), Options())


def test_explicit_id_wins() -> None:
    assert article_id(Article(text=TEXT, id="library-42"), Options()) == "library-42"
    assert article_id(Article(text=TEXT, id="library-42"), Options(max_topics=1)) == "library-42"


def test_id_url_and_language_do_not_change_the_content_hash() -> None:
    plain = content_hash(Article(text=TEXT), Options())
    dressed = Article(text=TEXT, id="library-42", url="https://example.org/a", language="en")
    assert content_hash(dressed, Options()) == plain


def test_content_hash_is_a_sha256_hex_digest() -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", content_hash(Article(text=TEXT), Options()))


# Stored results


def _full_result() -> Result:
    return Result(
        id="library-42",
        status=Status.DONE,
        title="Library to close",
        url="https://example.org/a",
        language="en",
        summary="The council voted to close the library.",
        summary_sentences=["The council voted to close the library."],
        topics=[Topic(label="politics", score=0.61, qcode="medtop:11000000")],
        keywords=["town library"],
        warnings=["short article"],
        model={"embedder": "sentence-transformers/all-MiniLM-L6-v2"},
        content_hash="0" * 64,
        attempts=1,
        started_at="2026-03-12T10:00:00.000Z",
        finished_at="2026-03-12T10:00:01.000Z",
        timings_ms={"total": 812.5},
    )


def test_result_json_uses_the_key_schema_with_its_version() -> None:
    stored = json.loads(_full_result().to_json())
    assert stored["schema"] == SCHEMA_VERSION == 3
    assert "schema_version" not in stored


def test_result_dict_uses_the_key_schema() -> None:
    stored = _full_result().to_dict()
    assert stored["schema"] == 3
    assert "schema_version" not in stored
    assert json.loads(json.dumps(stored)) == stored


def test_result_round_trips_through_json() -> None:
    result = _full_result()
    assert Result.from_json(result.to_json()) == result
    assert Result.from_json(result.to_json().encode("utf-8")) == result


def test_failed_result_round_trips_with_its_error() -> None:
    failed = Result(
        id="x1",
        status=Status.FAILED,
        error=ErrorInfo(type="NoTextFound", message="the HTML page contains no article text"),
    )
    back = Result.from_json(failed.to_json())
    assert back.status is Status.FAILED
    assert back.error == failed.error


def test_result_created_at_is_a_utc_timestamp() -> None:
    created = Result(id="x1", status=Status.QUEUED).created_at
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", created)


def test_stored_status_is_the_plain_word() -> None:
    assert json.loads(Result(id="x1", status=Status.PROCESSING).to_json())["status"] == (
        "processing"
    )


# Validation messages


def test_describe_validation_gives_one_part_per_problem() -> None:
    message = _validation_error(Article, {"text": "  ", "id": "bad id", "language": "english"})
    parts = message.split("; ")
    assert len(parts) == 3
    for part in parts:
        assert re.fullmatch(r"article\.[\w.]+: \S.*", part), part
    assert [part.split(":", 1)[0] for part in parts] == [
        "article.text",
        "article.id",
        "article.language",
    ]


def test_describe_validation_names_a_missing_field() -> None:
    assert _validation_error(Article, {}) == "article.text: Field required"


def test_describe_validation_names_the_bad_option() -> None:
    message = _validation_error(Options, {"max_topics": 99, "colour": "red"})
    wheres = sorted(part.split(":", 1)[0] for part in message.split("; "))
    assert wheres == ["options.colour", "options.max_topics"]


def test_describe_validation_for_whitespace_text_says_why() -> None:
    message = _validation_error(Article, {"text": " \n "})
    assert message.startswith("article.text: ")
    assert "whitespace" in message
