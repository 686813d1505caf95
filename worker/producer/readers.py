"""Read articles from what users have: text or HTML files, JSON files, JSONL streams, stdin."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import charset_normalizer

from worker.errors import InputError

ARTICLE_SUFFIXES = (".txt", ".html", ".htm", ".json", ".md")


@dataclass(frozen=True)
class Submission:
    """One article as read, before validation: a JSON value and its options, or why it could
    not be read. Producers store an unreadable or invalid one as a `failed` result."""

    where: str
    article: Any
    options: Any = None
    error: InputError | None = None

    def options_over(self, defaults: dict[str, Any]) -> Any:
        """Its own options over `defaults`; options that are not an object are left for
        validation to refuse."""
        if self.options is None:
            return defaults
        if isinstance(self.options, dict):
            return {**defaults, **self.options}
        return self.options


def read_submissions(
    files: Sequence[Path], jsonl: Path | None, stdin: IO[bytes]
) -> Iterator[Submission]:
    """Everything the CLI was given, in order: the JSONL lines, then the files ('-' is stdin)."""
    if jsonl is not None:
        if str(jsonl) == "-":
            yield from submissions_from_jsonl(stdin, "stdin")
        else:
            try:
                with jsonl.open("rb") as stream:
                    yield from submissions_from_jsonl(stream, str(jsonl))
            except OSError as exc:
                raise InputError(f"cannot read {jsonl}: {exc.strerror}") from exc
    for path in files:
        if str(path) == "-":
            text = decode(stdin.read())
            yield Submission("stdin", {"text": text})
        else:
            yield submission_from_file(path)


def submission_from_file(path: Path) -> Submission:
    """A file as a submission; an unreadable file or bad JSON becomes one with an error."""
    try:
        return _split_options(str(path), article_from_file(path))
    except InputError as exc:
        return Submission(str(path), str(path), error=exc)


def submissions_from_jsonl(stream: IO[bytes], source: str) -> Iterator[Submission]:
    """One submission per non-empty line; a line that is not UTF-8 JSON becomes an error."""
    for number, raw in enumerate(stream, start=1):
        if raw.strip():
            yield _line_submission(raw, f"{source} line {number}")


def _line_submission(raw: bytes, where: str) -> Submission:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8", errors="replace").strip()
        error = InputError(f"{where} is not valid UTF-8 (byte {exc.start + 1})")
        return Submission(where, text, error=error)
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        return Submission(where, line.strip(), error=_not_json(where, exc))
    return _split_options(where, value)


def _split_options(where: str, value: Any) -> Submission:
    """An article object may carry its own ``options`` object."""
    if isinstance(value, dict) and "options" in value:
        value = dict(value)
        return Submission(where, value, value.pop("options"))
    return Submission(where, value)


def article_from_file(path: Path) -> dict[str, Any]:
    """A .json file is an article object; any other file is the article's text (or HTML)."""
    try:
        raw = decode(path.read_bytes())
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    if path.suffix.lower() == ".json":
        return _object(raw, str(path))
    return {"text": raw}


def decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else the encoding charset-normalizer detects (a page saved
    as cp1252), else UTF-8 with U+FFFD for the bytes that cannot be read."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        guess = charset_normalizer.from_bytes(data).best()
        return str(guess) if guess is not None else data.decode("utf-8", errors="replace")


def jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-empty line of a JSONL file."""
    try:
        with path.open(encoding="utf-8") as stream:
            for number, line in enumerate(stream, start=1):
                if line.strip():
                    yield number, _object(line, f"{path}:{number}")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc


def article_file_list(directory: Path) -> list[Path]:
    """The article files of a directory, sorted by name (README files are skipped)."""
    if not directory.is_dir():
        raise InputError(f"{directory} is not a directory of articles")
    return sorted(
        p
        for p in directory.iterdir()
        if p.suffix.lower() in ARTICLE_SUFFIXES and not p.name.lower().startswith("readme")
    )


def _object(raw: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _not_json(where, exc) from exc
    if not isinstance(value, dict):
        raise InputError(f"{where} must be a JSON object with a 'text' field")
    return value


def _not_json(where: str, exc: json.JSONDecodeError) -> InputError:
    return InputError(f"{where} is not valid JSON: {exc.msg} at column {exc.colno}")
