"""The on-disk cache of taxonomy embeddings: hits, misses, bad entries, unwritable places."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from worker.nlp.embedding_cache import CachedEncode


class CountingEncode:
    """A deterministic stand-in for the sentence encoder that counts the texts it embeds."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        return np.array([[len(t), t.count("a"), 1.0] for t in texts], dtype=np.float32)


def test_the_same_texts_are_embedded_once_across_processes(tmp_path: Path) -> None:
    encode = CountingEncode()
    first = CachedEncode(encode, tmp_path, "minilm int8")(["News about tennis.", "banks"])
    again = CachedEncode(encode, tmp_path, "minilm int8")(["News about tennis.", "banks"])
    assert encode.calls == 1
    np.testing.assert_array_equal(first, again)
    assert [p.suffix for p in tmp_path.iterdir()] == [".npy"]  # no temporary file left


def test_other_texts_or_another_model_are_other_entries(tmp_path: Path) -> None:
    encode = CountingEncode()
    CachedEncode(encode, tmp_path, "minilm int8")(["a", "b"])
    CachedEncode(encode, tmp_path, "minilm int8")(["a", "c"])
    CachedEncode(encode, tmp_path, "minilm fp32")(["a", "b"])
    assert encode.calls == 3
    # the texts' boundaries count: ["ab"] is not ["a", "b"]
    cache = CachedEncode(encode, tmp_path, "m")
    assert cache.key(["ab"]) != cache.key(["a", "b"])


def test_a_damaged_or_mis_shaped_entry_is_embedded_again(tmp_path: Path) -> None:
    encode = CountingEncode()
    cache = CachedEncode(encode, tmp_path, "m")
    texts = ["one", "two"]
    (tmp_path / f"{cache.key(texts)}.npy").write_bytes(b"not an array")
    assert cache(texts).shape == (2, 3) and encode.calls == 1
    np.save(tmp_path / f"{cache.key(texts)}.npy", np.zeros((5, 3)))
    assert cache(texts).shape == (2, 3) and encode.calls == 2


def test_an_unwritable_or_absent_cache_only_costs_the_embedding(tmp_path: Path) -> None:
    encode = CountingEncode()
    blocked = tmp_path / "file"
    blocked.write_text("a file where the directory should be")
    assert CachedEncode(encode, blocked / "cache", "m")(["x"]).shape == (1, 3)
    assert CachedEncode(encode, None, "m")(["x"]).shape == (1, 3)
    assert encode.calls == 2
