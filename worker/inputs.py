"""Read articles from what users have: text or HTML files, JSON files, JSONL streams, stdin."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from worker.errors import InputError

ARTICLE_SUFFIXES = (".txt", ".html", ".htm", ".json", ".md")


def article_from_file(path: Path) -> dict[str, Any]:
    """A .json file is an article object; any other file is the article's text (or HTML)."""
    try:
        raw = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    if path.suffix.lower() == ".json":
        return _object(raw, str(path))
    return {"text": raw}


def articles_from_jsonl(stream: IO[str], source: str) -> Iterator[dict[str, Any]]:
    """One article object per non-empty line."""
    for number, line in enumerate(stream, start=1):
        if line.strip():
            yield _object(line, f"{source} line {number}")


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
        raise InputError(f"{where} is not valid JSON: {exc.msg} at column {exc.colno}") from exc
    if not isinstance(value, dict):
        raise InputError(f"{where} must be a JSON object with a 'text' field")
    return value
