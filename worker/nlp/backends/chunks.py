"""Cut an article into chunks that fit a transformer's input, never silently dropping text.

Sentences are packed in order into chunks of at most `limit` tokens. A sentence longer than
the limit is first cut into word runs that fit, so a 100,000-word "sentence" becomes many
chunks instead of being truncated at the model's window.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

CountTokens = Callable[[Sequence[str]], list[int]]
SAFETY = 0.9  # word runs aim below the limit: word-piece counts of a run are not additive


def split_long(text: str, tokens: int, limit: int) -> list[str]:
    """`text` cut into word runs of about `limit` tokens or fewer (itself when it fits)."""
    if tokens <= limit:
        return [text]
    words = text.split()
    parts = max(2, math.ceil(tokens / (limit * SAFETY)))
    size = max(1, math.ceil(len(words) / parts))
    return [" ".join(words[i : i + size]) for i in range(0, len(words), size)]


def _pieces(texts: Sequence[str], count: CountTokens, limit: int) -> list[tuple[str, int]]:
    """Each text with its token count; a text over the limit as its runs, recounted."""
    pieces: list[tuple[str, int]] = []
    for text, n in zip(texts, count(texts), strict=True):
        if n <= limit:
            pieces.append((text, n))
        else:
            runs = split_long(text, n, limit)
            pieces.extend(zip(runs, count(runs), strict=True))
    return pieces


def pack(texts: Sequence[str], count: CountTokens, limit: int) -> list[str]:
    """The texts joined, in order, into chunks of at most `limit` tokens each."""
    chunks: list[list[str]] = []
    size = limit + 1  # forces a new chunk for the first piece
    for piece, n in _pieces(texts, count, limit):
        if chunks and size + n <= limit:
            chunks[-1].append(piece)
            size += n
        else:
            chunks.append([piece])
            size = n
    return [" ".join(chunk) for chunk in chunks]
