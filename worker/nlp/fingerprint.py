"""An article's fingerprint for finding reprints: MinHash over word shingles of its body.

A reprint is the same wire copy under another headline, with other page furniture, cut short
or lightly edited. So the fingerprint reads the cleaned body (no title, no dateline, page
boilerplate already removed by :mod:`worker.nlp.cleaning`), folds case, quotes, dashes and
whitespace (:func:`words`), and hashes the set of its overlapping :data:`SHINGLE_WORDS`-word
shingles into :data:`NUM_PERM` MinHash values (datasketch).

Two fingerprints estimate how much of the shorter text the longer one contains
(:meth:`Fingerprint.containment`): a story cut to its first half is contained in the original
although their Jaccard similarity is only about 0.5. The estimate comes from the MinHash Jaccard
estimate J and the two shingle counts: |A ∩ B| = J (|A| + |B|) / (1 + J). docs/quality.md
gives the measurements behind the constants.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

NUM_PERM = 64  # MinHash values per fingerprint (256 bytes)
SHINGLE_WORDS = 5
SEED = 1  # fixed: fingerprints are compared across workers and restarts
WORD = re.compile(r"\w+")
_HEADER = np.dtype("<u4")


@dataclass(frozen=True)
class Fingerprint:
    """MinHash values of a text's shingles, and how many distinct shingles it has."""

    hashes: np.ndarray  # NUM_PERM uint32
    size: int

    def jaccard(self, other: Fingerprint) -> float:
        """Estimated Jaccard similarity of the two shingle sets (0..1)."""
        if self.size == 0 or other.size == 0:
            return 0.0
        return float(np.mean(self.hashes == other.hashes))

    def containment(self, other: Fingerprint) -> float:
        """Estimated share of the smaller shingle set that the other set holds (0..1)."""
        jaccard = self.jaccard(other)
        if jaccard == 0.0:
            return 0.0
        shared = jaccard * (self.size + other.size) / (1.0 + jaccard)
        return min(1.0, shared / min(self.size, other.size))

    def to_bytes(self) -> bytes:
        """The size then the hashes, little-endian uint32 (4 + 4 × NUM_PERM bytes)."""
        header = np.array([self.size], dtype=_HEADER).tobytes()
        return header + self.hashes.astype(_HEADER).tobytes()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Fingerprint:
        """The inverse of :meth:`to_bytes`."""
        values = np.frombuffer(raw, dtype=_HEADER)
        return cls(values[1:].astype(np.uint32), int(values[0]))


def words(text: str) -> list[str]:
    """The text's words, compatibility-normalised and case-folded: quotes, dashes, punctuation
    and whitespace do not count."""
    return WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str) -> set[bytes]:
    """The distinct runs of :data:`SHINGLE_WORDS` consecutive words (a shorter text: one run)."""
    tokens = words(text)
    if len(tokens) <= SHINGLE_WORDS:
        return {" ".join(tokens).encode()} if tokens else set()
    return {
        " ".join(tokens[i : i + SHINGLE_WORDS]).encode()
        for i in range(len(tokens) - SHINGLE_WORDS + 1)
    }


def fingerprint(text: str) -> Fingerprint:
    """The fingerprint of an article body."""
    found = shingles(text)
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED)
    minhash.update_batch(list(found))
    return Fingerprint(np.asarray(minhash.hashvalues, dtype=np.uint32), len(found))
