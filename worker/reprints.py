"""Reprint detection across the stream: a MinHash LSH index in the worker's own Redis.

Each article's fingerprint (:mod:`worker.nlp.fingerprint`, 64 MinHash values over 5-word
shingles of the cleaned body) is cut into :data:`BANDS` bands of :data:`ROWS` values. Articles
that agree on any whole band are candidates; a candidate whose estimated containment reaches
:data:`DUPLICATE_AT` is a copy, one that reaches :data:`RELATED_AT` is related. With 32 bands of
2 rows, a pair with Jaccard similarity 0.4 (a story cut to less than half) becomes a candidate
with probability 1 - (1 - 0.4²)³² = 99.6%, and two unrelated stories, which share almost no
5-word run, almost never do. A brief (a body of at most 100 words) adds :data:`BRIEF_BANDS`
bands over its word pairs, and two briefs compare by the share of word pairs they hold in
common (:meth:`worker.nlp.fingerprint.Fingerprint.compare`): one reworded word changes five
of a flash's twenty 5-word runs.

**In Redis** (plain commands and one Lua script, so any Redis ≥ 6.2 will do):

- ``newsworker:reprints:seq``: a counter that numbers articles in the order they are indexed;
  "earliest" means the lowest number.
- ``newsworker:reprints:id:<article id>`` → the article's number, and
  ``newsworker:reprints:doc:<number>`` → its id and fingerprint; both expire after the window.
- ``newsworker:reprints:b:<generation>:<shard>``: hashes from band value to the numbers of
  the (at most :data:`BUCKET_CAP` earliest) articles with that value. Time is cut into
  generations of a quarter of the window; an article is indexed in the current generation,
  whose hashes expire a window after it ends, and a lookup reads the generations the window
  spans. Hashes are sharded 32,768 ways: with 100,000 articles in a window, about twenty
  small fields each (at most about 200), so Redis keeps them compactly encoded.
- ``newsworker:reprints:count:<generation>``: articles indexed in that generation, for
  ``status``.

One script call indexes an article and reads its candidates atomically, so two copies
processed at the same moment get different numbers and exactly one of them sees the other;
a redelivered article finds its own number again, so it is never a copy of itself; and a
Redis restart finds either all of an article's entries or none. Each call touches
``(BANDS + BRIEF_BANDS) × generations`` hash fields and at most :data:`MAX_CANDIDATES`
documents, whatever the size of the index.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import redis

from worker import keys
from worker.nlp.fingerprint import BRIEF_PERM, NUM_PERM, Fingerprint
from worker.store import redis_errors

ROWS = 2
BANDS = NUM_PERM // ROWS
BRIEF_BANDS = BRIEF_PERM // ROWS  # a brief's word-pair bands, numbered from BRIEF_BAND_BASE
BRIEF_BAND_BASE = 64
DUPLICATE_AT = 0.7  # estimated containment from which an earlier article is the original
RELATED_AT = 0.2  # ... and from which it is related
MAX_RELATED = 3
MAX_CANDIDATES = 32  # documents read per lookup
BUCKET_CAP = 8  # article numbers kept per band value (the earliest)
SHARDS = 1 << 15
GENERATIONS = 4  # per window

_INDEX_LUA = """
local bands = tonumber(ARGV[4])
local seq = redis.call('GET', KEYS[1])
if not seq then
  seq = tostring(redis.call('INCR', KEYS[2]))
  redis.call('SET', KEYS[1], seq, 'EX', ARGV[1])
  redis.call('SET', ARGV[2] .. seq, ARGV[3], 'EX', ARGV[1])
  redis.call('INCR', KEYS[3])
  redis.call('EXPIRE', KEYS[3], ARGV[5])
  for b = 1, bands do
    local key, field = KEYS[3 + b], ARGV[7 + b]
    local members = redis.call('HGET', key, field)
    if not members then
      redis.call('HSET', key, field, seq)
    elseif select(2, string.gsub(members, ',', '')) + 1 < tonumber(ARGV[6]) then
      redis.call('HSET', key, field, members .. ',' .. seq)
    end
    redis.call('EXPIRE', key, ARGV[5])
  end
end
local found, seen, count = {seq}, {}, 0
for i = 4 + bands, #KEYS do
  local members = redis.call('HGET', KEYS[i], ARGV[7 + ((i - 4 - bands) % bands) + 1])
  if members then
    for member in string.gmatch(members, '[^,]+') do
      if member ~= seq and not seen[member] and count < tonumber(ARGV[7]) then
        seen[member] = true
        local doc = redis.call('GET', ARGV[2] .. member)
        if doc then
          count = count + 1
          found[#found + 1] = member
          found[#found + 1] = doc
        end
      end
    end
  end
end
return found
"""


@dataclass(frozen=True)
class Related:
    """An earlier article close to this one, with the estimated share of text they share."""

    id: str
    similarity: float


@dataclass(frozen=True)
class ReprintCheck:
    """What the index knows about an article: the original it copies, and related articles."""

    duplicate_of: str | None = None
    similarity: float | None = None
    related: tuple[Related, ...] = ()


@dataclass(frozen=True)
class _Candidate:
    number: int
    id: str
    similarity: float
    copy: bool


class ReprintIndex:
    """Indexes articles' fingerprints and finds the earlier articles they copy or resemble."""

    def __init__(self, client: redis.Redis, window_s: int) -> None:
        self.client = client  # a client without decode_responses: fingerprints are bytes
        self.window_s = window_s
        self.generation_s = max(1, window_s // GENERATIONS)
        self._index = client.register_script(_INDEX_LUA)

    def check(
        self, article_id: str, fingerprint: Fingerprint, now: float | None = None
    ) -> ReprintCheck:
        """Index the article (once, whatever the number of deliveries) and compare it with
        the earlier articles that share a band with it."""
        now = time.time() if now is None else now
        fields = band_fields(fingerprint)
        current = int(now) // self.generation_s
        live = range((int(now) - self.window_s) // self.generation_s, current + 1)
        inserts = [self._bucket(current, field) for field in fields]
        lookups = [self._bucket(g, field) for g in live for field in fields]
        ttl = (current + 1) * self.generation_s + self.window_s - int(now)
        with redis_errors("indexing an article's fingerprint"):
            found = self._index(
                keys=[
                    keys.reprint_id_key(article_id),
                    keys.REPRINT_SEQ,
                    keys.reprint_count_key(current),
                    *inserts,
                    *lookups,
                ],
                args=[
                    self.window_s,
                    keys.REPRINT_DOC_PREFIX,
                    article_id.encode() + b"\n" + fingerprint.to_bytes(bands=False),
                    len(fields),
                    ttl,
                    BUCKET_CAP,
                    MAX_CANDIDATES,
                    *fields,
                ],
            )
        return decide(int(found[0]), _candidates(found[1:], fingerprint))

    def size(self, now: float | None = None) -> int:
        """About how many articles the window holds (those indexed in its generations)."""
        now = time.time() if now is None else now
        first = (int(now) - self.window_s) // self.generation_s
        counters = [
            keys.reprint_count_key(g) for g in range(first, int(now) // self.generation_s + 1)
        ]
        with redis_errors("counting indexed articles"):
            values = self.client.mget(counters)
        return sum(int(v) for v in values if v is not None)

    @staticmethod
    def _bucket(generation: int, field: bytes) -> str:
        shard = int.from_bytes(field[1:5], "little") & (SHARDS - 1)
        return keys.reprint_bucket_key(generation, shard)


def band_fields(fingerprint: Fingerprint) -> list[bytes]:
    """One field per band: the band's number, then its MinHash values (1 + 4 × ROWS bytes);
    a brief adds :data:`BRIEF_BANDS` over its word pairs."""
    fields = _bands(fingerprint.hashes, 0, BANDS)
    if fingerprint.brief is not None:
        fields += _bands(fingerprint.brief.hashes, BRIEF_BAND_BASE, BRIEF_BANDS)
    return fields


def _bands(values: np.ndarray, base: int, count: int) -> list[bytes]:
    hashes = values.astype("<u4")
    return [bytes([base + b]) + hashes[b * ROWS : (b + 1) * ROWS].tobytes() for b in range(count)]


def decide(number: int, candidates: Sequence[_Candidate]) -> ReprintCheck:
    """The earliest earlier candidate that is a copy (:data:`DUPLICATE_AT`, or a brief's word
    pairs) is the original; the closest other earlier ones at :data:`RELATED_AT` are related."""
    earlier = [c for c in candidates if c.number < number]
    copies = sorted((c for c in earlier if c.copy), key=lambda c: c.number)
    original = copies[0] if copies else None
    close = sorted(
        (c for c in earlier if c.similarity >= RELATED_AT and c is not original),
        key=lambda c: (-c.similarity, c.number),
    )
    return ReprintCheck(
        duplicate_of=original.id if original else None,
        similarity=round(original.similarity, 4) if original else None,
        related=tuple(Related(c.id, round(c.similarity, 4)) for c in close[:MAX_RELATED]),
    )


def _candidates(flat: Sequence[bytes], fingerprint: Fingerprint) -> list[_Candidate]:
    out = []
    for number, doc in zip(flat[::2], flat[1::2], strict=True):
        article_id, _, raw = bytes(doc).partition(b"\n")
        match = fingerprint.compare(Fingerprint.from_bytes(raw), DUPLICATE_AT)
        out.append(_Candidate(int(number), article_id.decode(), match.similarity, match.copy))
    return out


def open_index(url: str, window_s: int, timeout_s: float = 5.0) -> ReprintIndex:
    """The index in the Redis at `url` (the result store's), looking back `window_s` seconds."""
    client = redis.Redis.from_url(
        url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, retry_on_timeout=True
    )
    return ReprintIndex(client, window_s)
