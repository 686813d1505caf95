"""Measure reprint detection (:mod:`worker.reprints`) on real articles and generated reprints.

The reprints come from :mod:`worker.tools.evaluation.reprint_generator`: seeded copies with the
headline replaced, page furniture added or taken off, the ending cut, a sentence reworded, quotes
and whitespace changed.

:func:`evaluate_reprints` runs a private redis-server and, for each file: indexes every article
as the worker would (the fingerprint of ``clean(text, title).text``); checks one generated
reprint per article (a combination, then each transformation alone, on the same index) and
reports recall and why reprints were missed; sorts the articles the index marks as copies of
other real articles into identical, near-identical, contained (exact containment of at least
DUPLICATE_AT) and distinct; counts the groups of identical articles found; and, by brute force
over fingerprints, gives the estimated containment of pairs of articles from the same section.
``newsworker eval-reprints FILE... [--seed N] [--limit N]`` prints the tables
(:mod:`worker.tools.evaluation.reprint_report`) and writes the JSON report.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from random import Random
from typing import Any

import numpy as np

from worker import reprints
from worker.errors import NoTextFound
from worker.nlp import fingerprint as fp
from worker.nlp.cleaning import clean
from worker.producer.readers import jsonl_rows
from worker.tools.evaluation.datasets import PRESETS, EvalItem, Fields, detect_preset, load_dataset
from worker.tools.evaluation.reprint_generator import TRANSFORMS, Reprint, reprint, reprint_with
from worker.tools.redis_server import RedisServer

WINDOW_S = 7 * 24 * 3600
NEAR_IDENTICAL = 0.8  # exact Jaccard of the shingle sets from which two bodies are one story
LANGUAGE = "eng"  # rows with a `lang` field (MasakhaNEWS) are kept only in this language
MAX_SECTION_ARTICLES = 3000  # brute-force pairs over at most this many articles per file
MAX_EXAMPLES = 5
MAX_FLAGGED = 50  # real articles marked copies listed in the report (they are rare)
ALONE_ARTICLES = 400  # articles per file reprinted with each transformation alone
SIZE_BUCKETS = (0, 30, 100, 300)  # shingles of the original, for recall by length
HISTOGRAM = (0.0, 0.05, 0.1, 0.2, 0.5, 0.8)


@dataclass(frozen=True)
class Story:
    """A dev-set article as the worker indexes it: the cleaned body and its fingerprint."""

    item: EvalItem
    body: str
    fingerprint: fp.Fingerprint

    @cached_property
    def shingles(self) -> set[bytes]:
        """The body's exact shingle set."""
        return fp.shingles(self.body)

    @cached_property
    def key(self) -> str:
        """The body's words: equal keys are identical articles."""
        return " ".join(fp.words(self.body))


def load_stories(path: Path, limit: int | None) -> tuple[list[Story], int]:
    """The first `limit` articles of a file (English ones where rows have a language) and how
    many of them have no text once cleaned."""
    preset = detect_preset(path)
    fields = PRESETS[preset].fields if preset else Fields(title="title", label="label")
    items = load_dataset(path, fields, 3, preset, None).items
    english = _english_ids(path)
    if english is not None:
        items = [item for item in items if item.id in english]
    stories: list[Story] = []
    for item in items[:limit]:
        body = _body(item.text, item.title)
        if body is not None:
            stories.append(Story(item, body, fp.fingerprint(body)))
    return stories, len(items[:limit]) - len(stories)


def _english_ids(path: Path) -> set[str] | None:
    rows = list(jsonl_rows(path))
    if not any("lang" in row for _, row in rows):
        return None
    return {str(row.get("id") or f"line-{n}") for n, row in rows if row.get("lang") == LANGUAGE}


def _body(text: str, title: str | None) -> str | None:
    try:
        return clean(text, title).content
    except NoTextFound:
        return None


def overlap(a: set[bytes], b: set[bytes]) -> tuple[float, float]:
    """Exact containment (of the smaller set) and Jaccard similarity of two shingle sets."""
    if not a or not b:
        return 0.0, 0.0
    shared = len(a & b)
    return shared / min(len(a), len(b)), shared / len(a | b)


def kind_of_pair(a: Story, b: Story) -> str:
    """identical (same words), near_identical (Jaccard ≥ NEAR_IDENTICAL), contained (one holds
    DUPLICATE_AT of the other, exactly) or distinct."""
    if a.key == b.key:
        return "identical"
    containment, jaccard = overlap(a.shingles, b.shingles)
    if jaccard >= NEAR_IDENTICAL:
        return "near_identical"
    return "contained" if containment >= reprints.DUPLICATE_AT else "distinct"


TRUE_COPIES = ("identical", "near_identical")


@dataclass(frozen=True)
class Copies:
    """What indexing the real articles found: each one's check, and which articles are one
    story (identical or near-identical bodies, joined transitively; reprints join the story
    of their original as they are checked)."""

    checks: dict[str, reprints.ReprintCheck]
    story_of: dict[str, str]

    def accepts(self, original: str, found: str | None) -> bool:
        """Whether `found` is a right answer for a copy of `original`: it, an article that is
        the same story, or the article the index took `original` itself to copy."""
        if found is None:
            return False
        chain, seen = self.checks[original].duplicate_of, {original}
        while chain is not None and chain not in seen:
            if chain == found:
                return True
            seen.add(chain)
            chain = self.checks[chain].duplicate_of
        return self.story_of.get(found) == self.story_of[original]

    def add_reprint(self, reprint_id: str, original: str) -> None:
        """Count a reprint checked later as the same story as its original: the phases share
        one index, so a reprint may be matched to an earlier reprint of the same article."""
        self.story_of[reprint_id] = self.story_of[original]


def index_stories(index: reprints.ReprintIndex, stories: Sequence[Story], now: float) -> Copies:
    """A fresh index holding the articles in order, and what it found among them."""
    index.client.flushdb()
    checks = {s.item.id: index.check(s.item.id, s.fingerprint, now) for s in stories}
    by_id = {s.item.id: s for s in stories}
    pairs = [
        (s.item.id, original)
        for s in stories
        if (original := checks[s.item.id].duplicate_of)
        and kind_of_pair(s, by_id[original]) in TRUE_COPIES
    ]
    groups = _groups(stories)
    pairs += [(g[0].item.id, s.item.id) for g in groups for s in g[1:]]
    return Copies(checks, _components([s.item.id for s in stories], pairs))


def _groups(stories: Iterable[Story]) -> list[list[Story]]:
    """Groups of two or more identical articles, in index order."""
    by_key: dict[str, list[Story]] = {}
    for story in stories:
        by_key.setdefault(story.key, []).append(story)
    return [group for group in by_key.values() if len(group) > 1]


def _components(ids: list[str], pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    parent = {i: i for i in ids}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[root(a)] = root(b)
    return {i: root(i) for i in ids}


def distinct_report(stories: Sequence[Story], copies: Copies) -> dict[str, Any]:
    """The real articles marked copies of others, by kind of pair; the identical groups found
    (every later member marked a copy of a member)."""
    by_id = {s.item.id: s for s in stories}
    kinds = dict.fromkeys(("identical", "near_identical", "contained", "distinct"), 0)
    examples: list[dict[str, Any]] = []
    for story in stories:
        check = copies.checks[story.item.id]
        if check.duplicate_of is None:
            continue
        other = by_id[check.duplicate_of]
        kind = kind_of_pair(story, other)
        kinds[kind] += 1
        if kind not in TRUE_COPIES and len(examples) < MAX_FLAGGED:
            examples.append(_pair_example(story, other, kind, check.similarity))
    groups = _groups(stories)
    found = sum(
        all(copies.checks[s.item.id].duplicate_of in {m.item.id for m in g} for s in g[1:])
        for g in groups
    )
    wrong = kinds["contained"] + kinds["distinct"]
    return {
        "articles": len(stories), **kinds, "false_positives": wrong,
        "false_per_1000": 1000 * wrong / len(stories) if stories else 0.0,
        "exact_groups": len(groups), "exact_groups_found": found,
        "exact_group_articles": sum(len(g) for g in groups), "examples": examples,
    }  # fmt: skip


def _pair_example(a: Story, b: Story, kind: str, estimate: float | None) -> dict[str, Any]:
    containment, jaccard = overlap(a.shingles, b.shingles)
    return {
        "id": a.item.id, "duplicate_of": b.item.id, "kind": kind, "estimate": estimate,
        "containment": round(containment, 4), "jaccard": round(jaccard, 4),
        "sizes": [a.fingerprint.size, b.fingerprint.size],
    }  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """One reprint checked against the index."""

    story: Story
    reprint: Reprint
    found: bool
    duplicate_of: str | None
    estimate: float  # the fingerprints' similarity, whatever the index said
    copy: bool  # ... and whether they call the reprint a copy
    containment: float  # exact, on shingle sets


Maker = Callable[[Story, Random], Reprint | None]


@dataclass(frozen=True)
class Run:
    """The index holding a file's articles, what it found among them, and the run's clock."""

    index: reprints.ReprintIndex
    copies: Copies
    now: float


def check_reprints(
    run: Run, stories: Sequence[Story], make: Maker, rng: Random, tag: str
) -> list[Outcome]:
    """Check one reprint of each article (where `make` gives one), under a new id."""
    outcomes = []
    copies = run.copies
    for story in stories:
        made = make(story, rng)
        if made is None:
            continue
        body = _body(made.text, made.title) or ""
        print_ = fp.fingerprint(body)
        check = run.index.check(f"{story.item.id}~{tag}", print_, run.now)
        copies.add_reprint(f"{story.item.id}~{tag}", story.item.id)
        containment, _ = overlap(fp.shingles(body), story.shingles)
        match = print_.compare(story.fingerprint, reprints.DUPLICATE_AT)
        outcomes.append(
            Outcome(
                story=story,
                reprint=made,
                found=copies.accepts(story.item.id, check.duplicate_of),
                duplicate_of=check.duplicate_of,
                estimate=match.similarity,
                copy=match.copy,
                containment=containment,
            )
        )
    return outcomes


def _rate(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    found = sum(o.found for o in outcomes)
    return {
        "reprints": len(outcomes),
        "found": found,
        "recall": found / len(outcomes) if outcomes else None,
    }


def recall_report(run: Run, stories: Sequence[Story], rng: Random) -> dict[str, Any]:
    """Recall of combined reprints, overall, by transformation and by length; recall of each
    transformation alone (on the first ALONE_ARTICLES articles); a few misses."""
    combined = check_reprints(run, stories, lambda s, r: reprint(s.item, r), rng, "reprint")
    first = stories[:ALONE_ARTICLES]
    singles = {name: check_reprints(run, first, _only(name), rng, name) for name in TRANSFORMS}
    alone = {name: _rate(outcomes) for name, outcomes in singles.items()}
    by_size = {}
    for low, high in zip(SIZE_BUCKETS, (*SIZE_BUCKETS[1:], None), strict=True):
        label = f"{low}-{high - 1}" if high else f"{low}+"
        by_size[label] = _rate(
            [o for o in combined if low <= o.story.fingerprint.size < (high or 1 << 30)]
        )
    return {
        **_rate(combined),
        "by_transformation": {
            name: _rate([o for o in combined if name in o.reprint.transformations])
            for name in TRANSFORMS
        },
        "alone": alone,
        "alone_by_variant": _by_variant([o for outcomes in singles.values() for o in outcomes]),
        "by_size": by_size,
        "miss_causes": miss_causes(combined),
        "misses": [_miss(o) for o in combined if not o.found][:MAX_EXAMPLES],
        "alone_misses": {
            name: [_miss(o) for o in outcomes if not o.found][:MAX_EXAMPLES]
            for name, outcomes in singles.items()
        },
    }


def miss_causes(outcomes: Sequence[Outcome]) -> dict[str, int]:
    """Why reprints were missed: `index`, the fingerprints call the reprint a copy but the
    index did not return the original (no shared band, or another answer); `estimate`, they
    do not, though the cleaned reprint holds at least DUPLICATE_AT of the original's shingles
    (or the reverse); `text`, neither."""
    causes = dict.fromkeys(("text", "estimate", "index"), 0)
    for o in outcomes:
        if not o.found:
            if o.copy:
                causes["index"] += 1
            else:
                causes["estimate" if o.containment >= reprints.DUPLICATE_AT else "text"] += 1
    return causes


def _by_variant(outcomes: Sequence[Outcome]) -> dict[str, dict[str, Any]]:
    """Rates by how a single transformation was done ("reword:reorder", "cut:<0.7")."""
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        notes = outcome.reprint.notes or outcome.reprint.transformations
        variant = notes[0]
        if variant.startswith("cut:"):
            variant = "cut:<0.7" if float(variant[4:]) < 0.7 else "cut:≥0.7"
        groups.setdefault(variant, []).append(outcome)
    return {variant: _rate(group) for variant, group in sorted(groups.items())}


def _only(name: str) -> Maker:
    return lambda story, rng: reprint_with(story.item, name, rng)


def _miss(outcome: Outcome) -> dict[str, Any]:
    return {
        "id": outcome.story.item.id, "notes": list(outcome.reprint.notes),
        "transformations": list(outcome.reprint.transformations),
        "duplicate_of": outcome.duplicate_of, "estimate": round(outcome.estimate, 4),
        "containment": round(outcome.containment, 4), "size": outcome.story.fingerprint.size,
    }  # fmt: skip


def section_report(stories: Sequence[Story], rng: Random) -> dict[str, Any]:
    """Estimated containment of every pair of articles that share a label (all pairs for an
    unlabelled file), by brute force over the fingerprints."""
    if len(stories) > MAX_SECTION_ARTICLES:
        stories = rng.sample(list(stories), MAX_SECTION_ARTICLES)
    labels = [s.item.labels or ("(all)",) for s in stories]
    names = sorted({label for ls in labels for label in ls})
    incidence = np.zeros((len(stories), len(names)), dtype=np.int32)
    for number, ls in enumerate(labels):
        incidence[number, [names.index(label) for label in ls]] = 1
    same = (incidence @ incidence.T) > 0
    hashes = np.stack([s.fingerprint.hashes for s in stories])
    sizes = np.array([s.fingerprint.size for s in stories], dtype=np.float64)
    values: list[np.ndarray] = []
    high: list[tuple[float, Story, Story]] = []
    for i in range(len(stories) - 1):
        js = np.nonzero(same[i, i + 1 :])[0] + i + 1
        row = _with_briefs(stories, i, js, _containments(hashes, sizes, i, js))
        values.append(row)
        high += [
            (float(row[k]), stories[i], stories[j])
            for k, j in enumerate(js.tolist())
            if row[k] >= 0.2
        ]
    return _section_summary(np.concatenate(values) if values else np.zeros(0), high, len(stories))


def _containments(hashes: np.ndarray, sizes: np.ndarray, i: int, js: np.ndarray) -> np.ndarray:
    """:meth:`Fingerprint.containment` of article i with each of articles js."""
    jaccard = (hashes[js] == hashes[i]).mean(axis=1)
    smaller = np.minimum(sizes[i], sizes[js])
    shared = jaccard * (sizes[i] + sizes[js]) / (1.0 + jaccard)
    estimate = np.minimum(1.0, shared / np.maximum(smaller, 1.0))
    return np.where((jaccard > 0) & (smaller > 0), estimate, 0.0)


BRIEF_CANDIDATE = 0.25  # brief MinHash agreement from which a pair's word pairs are compared


def _with_briefs(stories: Sequence[Story], i: int, js: np.ndarray, row: np.ndarray) -> np.ndarray:
    """The estimates of article i with articles js, raised where their briefs make them a copy
    (:meth:`Fingerprint.compare`; at least DUPLICATE_AT, so that the histogram counts them as
    copies): compared exactly where their brief MinHashes agree on at least BRIEF_CANDIDATE of
    values, as the index's bands would make them candidates."""
    brief = stories[i].fingerprint.brief
    if brief is None:
        return row
    for k, j in enumerate(js.tolist()):
        other = stories[j].fingerprint.brief
        if other is not None and np.mean(other.hashes == brief.hashes) >= BRIEF_CANDIDATE:
            match = stories[i].fingerprint.compare(stories[j].fingerprint, reprints.DUPLICATE_AT)
            floor = reprints.DUPLICATE_AT if match.copy else 0.0
            row[k] = max(match.similarity, floor)
    return row


def _section_summary(
    values: np.ndarray, high: list[tuple[float, Story, Story]], articles: int
) -> dict[str, Any]:
    edges = [*HISTOGRAM, 1.01]
    counts, _ = np.histogram(values, bins=edges)
    kinds = [(c, kind_of_pair(a, b), a, b) for c, a, b in high]
    distinct = [k for k in kinds if k[1] not in TRUE_COPIES]
    top = sorted(distinct, key=lambda k: -k[0])[:MAX_EXAMPLES]
    return {
        "articles": articles,
        "pairs": int(values.size),
        "histogram": {
            f"{lo:g}-{hi:g}": int(n) for lo, hi, n in zip(edges, edges[1:], counts, strict=False)
        },
        "at_related": int((values >= reprints.RELATED_AT).sum()),
        "at_duplicate": int((values >= reprints.DUPLICATE_AT).sum()),
        "at_duplicate_true_copies": sum(
            1 for c, k, _, _ in kinds if c >= reprints.DUPLICATE_AT and k in TRUE_COPIES
        ),
        "max_distinct": max((k[0] for k in distinct), default=0.0),
        "p999": float(np.quantile(values, 0.999)) if values.size else 0.0,
        "top_distinct": [_pair_example(a, b, kind, round(c, 4)) for c, kind, a, b in top],
    }


def evaluate_set(
    path: Path, index: reprints.ReprintIndex, seed: int, limit: int | None
) -> dict[str, Any]:
    """The report for one file: recall, distinct articles marked copies, same-section pairs."""
    start = time.monotonic()
    stories, skipped = load_stories(path, limit)
    now = time.time()
    rng = Random(f"{seed}:{path.name}")
    run = Run(index, index_stories(index, stories, now), now)
    return {
        "name": path.name.removesuffix(".jsonl"),
        "path": str(path),
        "articles": len(stories),
        "skipped_no_text": skipped,
        "distinct": distinct_report(stories, run.copies),
        "recall": recall_report(run, stories, rng),
        "sections": section_report(stories, rng),
        "seconds": round(time.monotonic() - start, 1),
    }


def evaluate_reprints(paths: list[Path], seed: int, limit: int | None) -> dict[str, Any]:
    """The report over all files, run against a private redis-server; JSON-ready."""
    start = time.monotonic()
    with RedisServer(appendonly=False) as server:
        index = reprints.open_index(server.url, WINDOW_S)
        sets = [evaluate_set(path, index, seed, limit) for path in paths]
        index.client.close()
    reprinted = sum(s["recall"]["reprints"] for s in sets)
    articles = sum(s["articles"] for s in sets)
    wrong = sum(s["distinct"]["false_positives"] for s in sets)
    return {
        "seed": seed,
        "limit": limit,
        "constants": {
            "shingle_words": fp.SHINGLE_WORDS,
            "num_perm": fp.NUM_PERM,
            "bands": reprints.BANDS,
            "rows": reprints.ROWS,
            "brief_words": fp.BRIEF_WORDS,
            "brief_bands": reprints.BRIEF_BANDS,
            "duplicate_at": reprints.DUPLICATE_AT,
            "related_at": reprints.RELATED_AT,
            "near_identical": NEAR_IDENTICAL,
        },
        "sets": sets,
        "total": {
            "reprints": reprinted,
            "found": sum(s["recall"]["found"] for s in sets),
            "recall": sum(s["recall"]["found"] for s in sets) / reprinted if reprinted else None,
            "articles": articles,
            "false_positives": wrong,
            "false_per_1000": 1000 * wrong / articles if articles else 0.0,
        },
        "seconds": round(time.monotonic() - start, 1),
    }
