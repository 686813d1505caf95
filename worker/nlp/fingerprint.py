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

A brief (at most :data:`BRIEF_WORDS` words: a wire flash, a results table, a two-sentence
summary) has too few 5-word runs for that: one word reworded or inserted changes five of its
twenty. So a brief also carries a :class:`Brief`: the exact set of its word pairs (neighbours
and words one apart, so that a word inserted or dropped keeps most of them; 16-bit hashes) and
of its numbers, and a smaller MinHash over the pairs for the index's bands. Two briefs of like
length (:data:`BRIEF_RATIO`) whose numbers agree (:data:`BRIEF_NUMBERS`) are as similar as the
share of the shorter one's word pairs the other holds, and copies from :data:`BRIEF_COPY_AT`
(:meth:`Fingerprint.compare`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash
from datasketch.hashfunc import sha1_hash32

NUM_PERM = 64  # MinHash values per fingerprint (256 bytes)
SHINGLE_WORDS = 5
SEED = 1  # fixed: fingerprints are compared across workers and restarts
WORD = re.compile(r"\w+")
DIGIT = re.compile(r"\d")
BRIEF_WORDS = 100  # a body of at most this many words also gets a Brief
BRIEF_PERM = 32  # MinHash values over a brief's word pairs, for the index's bands
BRIEF_RATIO = 2.5  # two briefs compare only when one is at most this many times the other
BRIEF_NUMBERS = 0.8  # ... and the shorter one's numbers are at least this much in the other
BRIEF_COPY_AT = 0.65  # the share of word pairs from which a brief is a copy of another
_HEADER = np.dtype("<u4")
_SMALL = np.dtype("<u2")


@dataclass(frozen=True)
class Brief:
    """What a short body is compared by: its word count, the 16-bit hashes of its distinct
    word pairs and of its numbers (sorted), and a MinHash of the pairs for the index."""

    words: int
    pairs: np.ndarray  # uint16, sorted, distinct
    numbers: np.ndarray  # uint16, sorted, distinct
    hashes: np.ndarray  # BRIEF_PERM uint32

    def similarity(self, other: Brief) -> float:
        """The share of the shorter brief's word pairs that the other holds: 0 unless the two
        are of like length and the shorter one's numbers are in the other."""
        short, long_ = sorted((self, other), key=lambda b: b.words)
        if short.words == 0 or long_.words > BRIEF_RATIO * short.words:
            return 0.0
        if not _numbers_agree(short.numbers, long_.numbers):
            return 0.0
        return _share(short.pairs, long_.pairs) if short.pairs.size else 0.0

    def to_bytes(self, bands: bool = True) -> bytes:
        """Word count, pair count, number count (uint32), then pairs and numbers (uint16) and,
        with `bands`, the MinHash values (uint32), which only indexing needs."""
        header = np.array([self.words, self.pairs.size, self.numbers.size], dtype=_HEADER)
        hashes = self.hashes.astype(_HEADER).tobytes() if bands else b""
        return b"".join(
            (header.tobytes(), self.pairs.astype(_SMALL).tobytes(),
             self.numbers.astype(_SMALL).tobytes(), hashes)
        )  # fmt: skip

    @classmethod
    def from_bytes(cls, raw: bytes) -> Brief:
        """The inverse of :meth:`to_bytes`."""
        words_, pairs, numbers = np.frombuffer(raw[:12], dtype=_HEADER).tolist()
        small = np.frombuffer(raw[12 : 12 + 2 * (pairs + numbers)], dtype=_SMALL)
        hashes = np.frombuffer(raw[12 + 2 * (pairs + numbers) :], dtype=_HEADER)
        return cls(words_, small[:pairs].copy(), small[pairs:].copy(), hashes.astype(np.uint32))


def _numbers_agree(short: np.ndarray, long_: np.ndarray) -> bool:
    """Whether one brief's numbers are (nearly all) among the other's: a copy may drop a
    figure, while two notices from one template differ in theirs. A shorter brief without
    numbers agrees; one with numbers does not agree with a longer one without."""
    if not short.size or not long_.size:
        return not short.size
    return max(_share(short, long_), _share(long_, short)) >= BRIEF_NUMBERS


def _share(part: np.ndarray, whole: np.ndarray) -> float:
    return float(np.isin(part, whole, assume_unique=True).mean())


@dataclass(frozen=True)
class Match:
    """How alike two fingerprints are (0..1), and whether one is a copy of the other."""

    similarity: float
    copy: bool


@dataclass(frozen=True)
class Fingerprint:
    """MinHash values of a text's shingles, and how many distinct shingles it has."""

    hashes: np.ndarray  # NUM_PERM uint32
    size: int
    brief: Brief | None = None  # for a body of at most BRIEF_WORDS words

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

    def compare(self, other: Fingerprint, copy_at: float) -> Match:
        """The estimated containment, a copy from `copy_at`; for two briefs whose word pairs
        make them a copy (:data:`BRIEF_COPY_AT`), the share of word pairs where that is
        higher."""
        estimate = self.containment(other)
        pairs = 0.0
        if self.brief is not None and other.brief is not None:
            pairs = self.brief.similarity(other.brief)
        if pairs >= BRIEF_COPY_AT:
            return Match(max(estimate, pairs), copy=True)
        return Match(estimate, copy=estimate >= copy_at)

    def to_bytes(self, bands: bool = True) -> bytes:
        """The size then the hashes, little-endian uint32 (4 + 4 × NUM_PERM bytes), then
        the brief's bytes where there is one (without its MinHash values unless `bands`)."""
        header = np.array([self.size], dtype=_HEADER).tobytes()
        brief = self.brief.to_bytes(bands) if self.brief is not None else b""
        return header + self.hashes.astype(_HEADER).tobytes() + brief

    @classmethod
    def from_bytes(cls, raw: bytes) -> Fingerprint:
        """The inverse of :meth:`to_bytes`."""
        end = 4 * (1 + NUM_PERM)
        values = np.frombuffer(raw[:end], dtype=_HEADER)
        brief = Brief.from_bytes(raw[end:]) if len(raw) > end else None
        return cls(values[1:].astype(np.uint32), int(values[0]), brief)


def words(text: str) -> list[str]:
    """The text's words, compatibility-normalised and case-folded: quotes, dashes, punctuation
    and whitespace do not count."""
    return WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str) -> set[bytes]:
    """The distinct runs of :data:`SHINGLE_WORDS` consecutive words (a shorter text: one run)."""
    return _runs(words(text), SHINGLE_WORDS)


def _runs(tokens: list[str], size: int) -> set[bytes]:
    if len(tokens) <= size:
        return {" ".join(tokens).encode()} if tokens else set()
    return {" ".join(tokens[i : i + size]).encode() for i in range(len(tokens) - size + 1)}


def fingerprint(text: str) -> Fingerprint:
    """The fingerprint of an article body (with a :class:`Brief` when it is short)."""
    tokens = words(text)
    found = _runs(tokens, SHINGLE_WORDS)
    brief = brief_of(tokens) if len(tokens) <= BRIEF_WORDS else None
    return Fingerprint(_minhash(found, NUM_PERM), len(found), brief)


def brief_of(tokens: list[str]) -> Brief:
    """The brief of a short body's words."""
    apart = {f"{a} {b}".encode() for a, b in zip(tokens, tokens[2:], strict=False)}
    pairs = _runs(tokens, 2) | apart
    numbers = {t.encode() for t in tokens if DIGIT.search(t)}
    return Brief(len(tokens), _small(pairs), _small(numbers), _minhash(pairs, BRIEF_PERM))


def _minhash(items: set[bytes], num_perm: int) -> np.ndarray:
    minhash = MinHash(num_perm=num_perm, seed=SEED)
    minhash.update_batch(list(items))
    return np.asarray(minhash.hashvalues, dtype=np.uint32)


def _small(items: set[bytes]) -> np.ndarray:
    """Distinct 16-bit hashes, sorted: among a brief's hundred pairs, two collide rarely."""
    return np.unique(np.array([sha1_hash32(i) & 0xFFFF for i in items], dtype=np.uint16))
