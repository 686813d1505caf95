"""How often the int8 encoder gives the same result as fp32, on the development sets.

    .venv/bin/python -m bench.agreement [--limit 400]

For each set it runs the pipeline twice on every article (``NEWSWORKER_PRECISION`` fp32, then
int8) and counts the articles whose summary sentences are identical, whose top topic is the
same, and both. The sets are read from ../shared/data/ (never copied into the project): CNN/DM,
XSum and BBC with the default IPTC taxonomy, AG News with its own taxonomy.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from worker.config import Settings
from worker.nlp.loading import load_pipeline
from worker.nlp.pipeline import Pipeline
from worker.schemas import Article, Options, Result

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SETS = {  # file: (text field, taxonomy for the request)
    "cnndm.dev.jsonl": ("article", None),
    "xsum.dev.jsonl": ("document", None),
    "bbc_news_summary.dev.jsonl": ("text", "bbc-news"),
    "ag_news.dev.jsonl": ("text", "ag-news"),
}


def texts(path: Path, field: str, limit: int) -> list[str]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line)[field] for line, _ in zip(lines, range(limit), strict=False)]


def run(pipeline: Pipeline, items: list[str], taxonomy: str | None) -> list[Result]:
    return [pipeline.process(Article(text=t), Options(taxonomy=taxonomy)) for t in items]


def top(result: Result) -> str | None:
    return result.topics[0].label if result.topics else None


def main() -> None:
    """Print one row per development set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=400, help="articles per set at most")
    args = parser.parse_args()
    pipelines = {p: load_pipeline(Settings(device="cpu", precision=p)) for p in ("fp32", "int8")}
    table = Table("set", "articles", "same summary", "same top topic", "both", title="int8 vs fp32")
    for name, (field, taxonomy) in SETS.items():
        if not (DATA / name).is_file():
            continue
        items = texts(DATA / name, field, args.limit)
        fp32, int8 = (run(pipelines[p], items, taxonomy) for p in ("fp32", "int8"))
        pairs = list(zip(fp32, int8, strict=True))
        summary = sum(a.summary_sentences == b.summary_sentences for a, b in pairs)
        topic = sum(top(a) == top(b) for a, b in pairs)
        both = sum(
            a.summary_sentences == b.summary_sentences and top(a) == top(b) for a, b in pairs
        )
        n = len(pairs)
        table.add_row(name, str(n), f"{summary / n:.1%}", f"{topic / n:.1%}", f"{both / n:.1%}")
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
