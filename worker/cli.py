"""The `newsworker` command: thin — parse, call, print.

Enqueueing, results, status and health never import torch; `process` and `worker` load the model.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from worker.config import Settings, get_settings
from worker.errors import InputError, NewsworkerError
from worker.producer.readers import Submission, read_submissions
from worker.schemas import Result
from worker.tools.evaluation.command import eval_command, eval_reprints_command
from worker.tools.train_topics import train_topics_command

app = typer.Typer(
    help="Summarise and topic-tag news articles on a Celery queue.", add_completion=False
)
err = Console(stderr=True)

if TYPE_CHECKING:
    from worker.producer.client import Producer

JsonlOpt = Annotated[
    Path | None, typer.Option("--jsonl", help="One article object per line ('-' for stdin).")
]
SentencesOpt = Annotated[int | None, typer.Option(help="Sentences in the summary.")]
TopicsOpt = Annotated[int | None, typer.Option(help="At most this many topics.")]
DepthOpt = Annotated[
    int | None, typer.Option(help="On a taxonomy tree, no topic deeper than this level (1-4).")
]


def _options(
    summary_sentences: int | None, max_topics: int | None, topic_depth: int | None = None
) -> dict[str, Any]:
    given = {
        "summary_sentences": summary_sentences,
        "max_topics": max_topics,
        "topic_depth": topic_depth,
    }
    return {k: v for k, v in given.items() if v is not None}


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False))


@app.command()
def enqueue(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Text, HTML or JSON files; '-' reads stdin.")
    ] = None,
    jsonl: JsonlOpt = None,
    summary_sentences: SentencesOpt = None,
    max_topics: TopicsOpt = None,
    topic_depth: DepthOpt = None,
    queue: Annotated[str | None, typer.Option(help="Queue to send to (e.g. gpu).")] = None,
    taxonomy: Annotated[
        str | None, typer.Option(help="Tag against models/taxonomy/NAME (e.g. ag-news).")
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Process again even if an identical result exists.")
    ] = False,
    wait: Annotated[
        bool, typer.Option(help="Show progress and print each result as JSON.")
    ] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait with --wait.")] = 600.0,
) -> None:
    """Queue articles; prints one id per line (or, with --wait, one result per line)."""
    from worker.producer.client import Producer

    producer = Producer(get_settings())
    flags = {**_options(summary_sentences, max_topics, topic_depth), "taxonomy": taxonomy}
    submissions = read_submissions(files or [], jsonl, sys.stdin.buffer)
    sent = [_submit(producer, item, flags, queue, force) for item in submissions]
    if not sent:
        raise NewsworkerError("no articles given: pass files, '-' for stdin, or --jsonl")
    ids = [article_id for article_id, _ in sent]
    failed = [article_id for article_id, error in sent if error is not None]
    if wait:
        failed = _print_results(producer.store, ids, timeout)
    else:
        print("\n".join(ids))
    raise typer.Exit(1 if failed else 0)


def _submit(
    producer: Producer, item: Submission, flags: dict[str, Any], queue: str | None, force: bool
) -> tuple[str, InputError | None]:
    """Queue one submission; what cannot be read or is invalid is stored `failed` and told."""
    error: InputError | None = item.error
    if error is not None:
        article_id = producer.refuse(error, item.article, item.options).id
    else:
        article_id, error = producer.submit(
            item.article, item.options_over(flags), queue=queue, force=force
        )
    if error is not None:
        where = "" if item.error else f"{item.where}: "  # read errors name the place already
        message = f"{where}{error} (stored as failed: {article_id})"
        err.print(message, highlight=False, soft_wrap=True)
    return article_id, error


def _print_results(store: Any, ids: list[str], timeout: float) -> list[str]:
    """Print each final result as JSON as it arrives; returns the ids that failed."""
    failed = []
    for result in _wait_with_progress(store, ids, timeout):
        if result.status == "failed":
            failed.append(result.id)
        _print_json(result.to_dict())
    return failed


def _wait_with_progress(store: Any, ids: list[str], timeout: float) -> Iterator[Result]:
    columns = (TextColumn("processing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    seen = 0
    with Progress(*columns, console=err, transient=True) as progress:
        bar = progress.add_task("articles", total=len(set(ids)))
        for result in store.wait(ids, timeout):
            progress.advance(bar)
            seen += 1
            yield result
    if seen < len(set(ids)):
        raise NewsworkerError(
            f"{len(set(ids)) - seen} articles were not finished after {timeout:g} s"
        )


@app.command()
def result(
    article_id: Annotated[str, typer.Argument(metavar="ID")],
    wait: Annotated[
        float, typer.Option(help="Wait up to this many seconds for a final result.")
    ] = 0.0,
) -> None:
    """Print an article's stored result as JSON (exit 1 when there is none)."""
    from worker.producer.client import Producer

    producer = Producer(get_settings())
    found = next(iter(producer.store.wait([article_id], wait)), None) if wait else None
    found = found or producer.result(article_id)
    if found is None:
        err.print(f"no result for {article_id!r} (never sent, or expired)")
        raise typer.Exit(1)
    _print_json(found.to_dict())


@app.command()
def status() -> None:
    """Queue depth, live workers, the events stream and stray messages, as JSON.

    Messages for the task on a queue no worker consumes also get a warning line on stderr.
    """
    from worker.service.status import service_status, warnings

    report = service_status(get_settings())
    for line in warnings(report):
        err.print(line, markup=False, highlight=False, soft_wrap=True)
    _print_json(report)


@app.command()
def health(
    this_host: Annotated[bool, typer.Option(help="Require a live worker on this host.")] = False,
) -> None:
    """Exit 0 when Redis answers and a worker is alive (for container healthchecks)."""
    from worker.service.status import check_health

    report = check_health(get_settings(), this_host=this_host)
    _print_json(report)
    raise typer.Exit(0 if report["healthy"] else 1)


@app.command()
def worker(
    queues: Annotated[
        str | None,
        typer.Option(help="Comma-separated queues (default: NEWSWORKER_QUEUE; on CUDA, gpu)."),
    ] = None,
    pool: Annotated[
        str | None, typer.Option(help="prefork, solo or threads (default: from the device).")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(help="Worker processes (default: one per CPU).")
    ] = None,
    threads: Annotated[
        int | None, typer.Option(help="torch threads per process (default: CPUs / concurrency).")
    ] = None,
    hostname: Annotated[str | None, typer.Option(help="Celery node name.")] = None,
) -> None:
    """Run a worker until stopped; SIGTERM lets the current article finish."""
    from worker.service.start import run_worker

    overrides = {"pool": pool, "concurrency": concurrency, "torch_threads": threads}
    settings = Settings.model_validate(
        {**get_settings().model_dump(), **{k: v for k, v in overrides.items() if v is not None}}
    )
    run_worker(settings, queues.split(",") if queues else None, hostname)


@app.command()
def process(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Text, HTML or JSON files; '-' reads stdin.")
    ] = None,
    jsonl: JsonlOpt = None,
    taxonomy: Annotated[Path | None, typer.Option(help="Taxonomy file (YAML or JSON).")] = None,
    summary_sentences: SentencesOpt = None,
    max_topics: TopicsOpt = None,
    topic_depth: DepthOpt = None,
) -> None:
    """Run the pipeline here, without a broker: one result object per line, in input order."""
    from worker.tools.process import process_all

    settings = get_settings()
    if taxonomy is not None:
        settings = settings.model_copy(update={"taxonomy": taxonomy})
    options = _options(summary_sentences, max_topics, topic_depth)
    submissions = read_submissions(files or [], jsonl, sys.stdin.buffer)
    for item in process_all(settings, submissions, options):
        _print_json(item.to_dict())


@app.command()
def demo(
    examples: Annotated[Path, typer.Argument(help="Directory of sample articles.")] = Path(
        "examples"
    ),
    timeout: Annotated[float, typer.Option(help="Seconds to wait for all results.")] = 600.0,
) -> None:
    """The main job end to end: Redis (private if none answers), a worker, the samples, results."""
    from worker.tools.demo import run_demo

    run_demo(get_settings(), examples, timeout, err)


app.command("eval")(eval_command)
app.command("eval-reprints")(eval_reprints_command)
app.command("train-topics")(train_topics_command)

models_app = typer.Typer(help="Weights under models/: fetch, pin checksums, verify.")
app.add_typer(models_app, name="models")
KeysArg = Annotated[list[str] | None, typer.Argument(help="Manifest keys (default: all).")]


@models_app.command("verify")
def models_verify(keys: KeysArg = None) -> None:
    """Check weights against the manifest's sha256; exit 1 on a mismatch or a named key missing."""
    from rich.table import Table

    from worker.nlp.weights.manage import all_specs, check

    settings = get_settings()
    specs = [
        (s, spec) for s, spec in all_specs(settings.models_dir) if not keys or spec.key in keys
    ]
    if keys and len(specs) < len(set(keys)):
        raise NewsworkerError(
            f"unknown manifest keys: {sorted(set(keys) - {x.key for _, x in specs})}"
        )
    table = Table("key", "model", "status", "path, or what to do")
    failed = False
    for section, spec in specs:
        found = check(section, spec)
        failed |= found.status == "mismatch" or (bool(keys) and found.status == "missing")
        table.add_row(spec.key, spec.name, found.status, found.detail or str(spec.path))
    Console(width=max(Console().width, 120)).print(table)
    raise typer.Exit(1 if failed else 0)


@models_app.command("fetch")
def models_fetch(
    keys: Annotated[list[str], typer.Argument(help="Manifest keys to fetch.")],
) -> None:
    """Download hub weights into models/, check them, and pin their sha256 in the manifest."""
    from worker.nlp.weights.manage import fetch

    for key in keys:
        digests = fetch(get_settings().models_dir, key)
        err.print(f"{key}: fetched and pinned {len(digests)} files in models/manifest.yaml")


@models_app.command("pin")
def models_pin(
    key: Annotated[str, typer.Argument(help="Manifest key whose files to pin.")],
) -> None:
    """Record the sha256 of the files in an entry's directory (for weights you put there)."""
    from worker.nlp.weights.manage import pin

    digests = pin(get_settings().models_dir, key)
    for name, digest in digests.items():
        print(f"{digest}  {name}")


def main() -> None:
    """Console-script entry point: known errors become one readable line and exit code 2."""
    try:
        app()
    except NewsworkerError as exc:
        err.print(f"[red]newsworker: {exc}[/red]")
        sys.exit(2)


if __name__ == "__main__":
    main()
