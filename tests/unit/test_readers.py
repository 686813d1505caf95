"""Reading articles from what users have, and keeping passwords out of messages.

A bad input file or JSONL line must give an InputError that names the file (or the line), so
the user can find it among hundreds, without stopping the rest of the batch; a directory of
articles is read in a stable, sorted order; and
a Redis URL printed in an error message must not show its password.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from worker.errors import InputError
from worker.producer.client import redact_url
from worker.producer.readers import (
    Submission,
    article_file_list,
    article_from_file,
    read_submissions,
    submissions_from_jsonl,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
TEXT = "The council voted on Tuesday to close the town library.\n"


# article_from_file


@pytest.mark.parametrize("name", ["story.txt", "story.md", "page.html", "page.htm"])
def test_non_json_file_is_the_article_text(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(TEXT, encoding="utf-8")
    assert article_from_file(path) == {"text": TEXT}


def test_text_file_keeps_unicode(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text("Café owners in Zürich said “no”.", encoding="utf-8")
    assert article_from_file(path) == {"text": "Café owners in Zürich said “no”."}


def test_a_text_file_in_cp1252_is_decoded_as_such(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    text = "The café reopened on Monday. Owners said “no” to the plan. The council meets in May."
    path.write_bytes(text.encode("cp1252"))
    assert article_from_file(path) == {"text": text}


def test_bytes_in_no_encoding_are_still_read(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes(b"The caf\xe9 reopened. " + bytes(range(256)))
    assert article_from_file(path)["text"].startswith("The caf")


def test_json_file_is_the_article_object(tmp_path: Path) -> None:
    article = {"id": "lib-1", "title": "Library to close", "text": TEXT, "language": "en"}
    path = tmp_path / "article.json"
    path.write_text(json.dumps(article), encoding="utf-8")
    assert article_from_file(path) == article


def test_shipped_json_example_is_read() -> None:
    article = article_from_file(REPO_ROOT / "examples" / "cup-final.json")
    assert article["id"] == "cup-final-2026"
    assert article["text"].startswith("Ashbury Rovers won the National Cup")


def test_invalid_json_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"text": "unfinished', encoding="utf-8")
    with pytest.raises(InputError) as info:
        article_from_file(path)
    assert str(path) in str(info.value)
    assert "not valid JSON" in str(info.value)


@pytest.mark.parametrize("content", ["[1, 2]", '"just text"', "42", "null"])
def test_json_that_is_not_an_object_names_the_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "list.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        article_from_file(path)
    assert str(path) in str(info.value)
    assert "JSON object" in str(info.value)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.txt"
    with pytest.raises(InputError) as info:
        article_from_file(path)
    assert str(path) in str(info.value)


# submissions_from_jsonl and read_submissions


def _jsonl(text: str | bytes) -> list[Submission]:
    raw = text.encode() if isinstance(text, str) else text
    return list(submissions_from_jsonl(io.BytesIO(raw), "batch.jsonl"))


def test_jsonl_yields_one_submission_per_line_and_skips_blank_lines() -> None:
    got = _jsonl('{"text": "First article."}\n\n   \n{"text": "Second article.", "id": "b"}\n\n')
    assert [s.article for s in got] == [
        {"text": "First article."},
        {"text": "Second article.", "id": "b"},
    ]
    assert [s.where for s in got] == ["batch.jsonl line 1", "batch.jsonl line 4"]
    assert all(s.error is None and s.options is None for s in got)


def test_jsonl_without_a_final_newline() -> None:
    assert [s.article for s in _jsonl('{"text": "Only article."}')] == [{"text": "Only article."}]


def test_a_line_may_carry_its_own_options_over_the_flags() -> None:
    [item] = _jsonl('{"text": "One.", "options": {"max_topics": 1}}')
    assert item.article == {"text": "One."}
    assert item.options_over({"max_topics": 3, "summary_sentences": 2}) == {
        "max_topics": 1,
        "summary_sentences": 2,
    }


def test_bad_lines_become_errors_named_by_line_and_the_rest_is_still_read() -> None:
    got = _jsonl(
        b'{"text": "One."}\n{"text": oops}\n{"text": "caf\xe9"}\n["a list"]\n{"text": "5"}\n'
    )
    assert [s.error is None for s in got] == [True, False, False, True, True]
    assert got[1].error is not None and "batch.jsonl line 2 is not valid JSON" in str(got[1].error)
    assert got[2].error is not None and "line 3 is not valid UTF-8 (byte 14)" in str(got[2].error)
    assert got[3].article == ["a list"]  # read; validation refuses it later


def test_an_unreadable_file_becomes_an_error_and_stdin_is_read_once(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(TEXT)
    missing = tmp_path / "missing.txt"
    got = list(read_submissions([good, missing, Path("-")], None, io.BytesIO(b"From stdin.")))
    assert got[0].article == {"text": TEXT}
    assert got[1].error is not None and "cannot read" in str(got[1].error)
    assert (got[2].where, got[2].article) == ("stdin", {"text": "From stdin."})


# article_file_list


def test_article_file_list_is_sorted_and_skips_readme_and_other_files(tmp_path: Path) -> None:
    for name in [
        "b-story.txt",
        "a-story.json",
        "README.md",
        "readme.txt",
        "Readme",
        "d-page.html",
        "c-notes.md",
        "data.csv",
        "e-page.htm",
        ".hidden",
    ]:
        (tmp_path / name).write_text(TEXT, encoding="utf-8")
    (tmp_path / "subdir").mkdir()
    assert [p.name for p in article_file_list(tmp_path)] == [
        "a-story.json",
        "b-story.txt",
        "c-notes.md",
        "d-page.html",
        "e-page.htm",
    ]


def test_shipped_examples_are_listed_without_their_readme() -> None:
    names = [p.name for p in article_file_list(REPO_ROOT / "examples")]
    assert names == sorted(names)
    assert "README.md" not in names
    assert {"cup-final.json", "vaccine-trial.html", "harbour-flood-defences.txt"} <= set(names)


def test_article_file_list_of_a_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text(TEXT, encoding="utf-8")
    with pytest.raises(InputError, match="not a directory"):
        article_file_list(path)


def test_article_file_list_of_a_missing_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a directory"):
        article_file_list(tmp_path / "absent")


# redact_url


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("redis://:secret@redis:6379/0", "redis://:***@redis:6379/0"),
        (
            "redis://default:s3cr3t@redis.example.com:6379/1",
            "redis://default:***@redis.example.com:6379/1",
        ),
        (
            "rediss://user:p%40ss%3Aw0rd@cache.example.com:6380/0",
            "rediss://user:***@cache.example.com:6380/0",
        ),
        (
            "rediss://:token-with-dashes@cache.example.com:6380",
            "rediss://:***@cache.example.com:6380",
        ),
        ("redis://:p:w@redis:6379/0", "redis://:***@redis:6379/0"),
    ],
)
def test_redact_url_hides_the_password(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        "redis://redis:6379",
        "rediss://cache.example.com:6380/2",
        "redis://user@redis:6379/0",
        "unix:///var/run/redis.sock",
    ],
)
def test_redact_url_leaves_password_less_urls_alone(url: str) -> None:
    assert redact_url(url) == url


def test_redact_url_hides_a_password_containing_an_at_sign() -> None:
    redacted = redact_url("redis://app:pa@ss-word@redis.example.com:6379/0")
    assert "ss-word" not in redacted
    assert redacted.endswith("@redis.example.com:6379/0")
