"""Choosing a taxonomy per request: names only (never paths), built once, unknown names refused."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from worker.errors import InputError
from worker.nlp.taggers import Taggers
from worker.nlp.topics import ZeroShotTagger
from worker.schemas import Article, Options, content_hash


class CountingEncoder:
    """A fake encoder: a fixed vector per text (by its hash), counting what it encoded."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(8) for t in texts]
        return np.stack(rows).astype(np.float32)


@pytest.fixture
def taxonomy_dir(tmp_path: Path) -> Path:
    """Two taxonomy files, as a deployer would put them under models/taxonomy/."""
    (tmp_path / "desk.yaml").write_text("ports: Docks and cargo\nfood: Recipes\n")
    (tmp_path / "wire.json").write_text('{"sport": "Matches", "rain": "Storms"}')
    return tmp_path


def test_no_name_gives_the_default_tagger(taxonomy_dir: Path) -> None:
    encode = CountingEncoder()
    default = ZeroShotTagger.from_file(taxonomy_dir / "wire.json", encode)
    assert (
        Taggers(default, taxonomy_dir, partial(ZeroShotTagger.from_file, encode=encode)).get(None)
        is default
    )


def test_a_named_taxonomy_is_built_once_and_kept(taxonomy_dir: Path) -> None:
    encode = CountingEncoder()
    default = ZeroShotTagger.from_file(taxonomy_dir / "wire.json", encode)
    taggers = Taggers(default, taxonomy_dir, partial(ZeroShotTagger.from_file, encode=encode))
    before = len(encode.texts)
    first = taggers.get("desk")
    encoded = len(encode.texts) - before
    assert first is taggers.get("desk") and len(encode.texts) - before == encoded > 0
    assert first.name == "desk"
    assert taggers.available() == ["desk", "wire"]


def test_the_cache_keeps_the_most_recently_used_taggers(taxonomy_dir: Path) -> None:
    (taxonomy_dir / "third.yaml").write_text("a: One\nb: Two\n")
    built: list[str] = []

    def factory(path: Path) -> ZeroShotTagger:
        built.append(path.stem)
        return ZeroShotTagger.from_file(path, CountingEncoder())

    default = ZeroShotTagger.from_file(taxonomy_dir / "wire.json", CountingEncoder())
    taggers = Taggers(default, taxonomy_dir, factory, max_cached=2)
    for name in ("desk", "wire", "desk", "third", "desk", "wire"):
        taggers.get(name)
    # "wire" was the least recently used when "third" came, and is built again later
    assert built == ["desk", "wire", "third", "wire"]


def test_an_unknown_taxonomy_is_an_input_error_listing_the_known_ones(taxonomy_dir: Path) -> None:
    encode = CountingEncoder()
    default = ZeroShotTagger.from_file(taxonomy_dir / "wire.json", encode)
    taggers = Taggers(default, taxonomy_dir, partial(ZeroShotTagger.from_file, encode=encode))
    with pytest.raises(InputError, match=r"unknown taxonomy 'sports'.*: desk, wire"):
        taggers.get("sports")


@pytest.mark.parametrize("name", ["../models/taxonomy/desk", "/etc/passwd", "desk.yaml", "a/b", ""])
def test_options_accept_a_taxonomy_name_but_never_a_path(name: str) -> None:
    with pytest.raises(ValidationError):
        Options(taxonomy=name)
    assert Options(taxonomy="ag-news").taxonomy == "ag-news"


def test_options_without_a_taxonomy_hash_as_before() -> None:
    article = Article(text="The council met on Monday.")
    assert "taxonomy" not in Options().model_dump()
    assert content_hash(article, Options()) != content_hash(article, Options(taxonomy="ag-news"))
