"""Reprint detection on real articles: generated reprints of 30 BBC dev articles are found, and
no distinct article is taken for a copy of another (a private redis-server holds the index).

The articles are read from ``../shared/data/`` beside the checkout, as the benchmarks read them;
without that file the test skips.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from worker.tools.evaluation.reprint_quality import evaluate_reprints
from worker.tools.evaluation.reprint_report import render
from worker.tools.redis_server import find_redis_server

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
BBC = DATA / "bbc_news_summary.dev.jsonl"

pytestmark = [
    pytest.mark.skipif(not BBC.is_file(), reason=f"no shared dev data at {BBC}"),
    pytest.mark.skipif(find_redis_server() is None, reason="no redis-server binary"),
]


def test_reprints_of_real_articles_are_found_and_distinct_ones_are_not() -> None:
    report = evaluate_reprints([BBC], seed=0, limit=30)

    (data,) = report["sets"]
    assert data["articles"] == 30
    assert data["recall"]["reprints"] == 30
    assert data["recall"]["recall"] >= 0.9
    for name, alone in data["recall"]["alone"].items():
        assert alone["recall"] is None or alone["recall"] >= 0.9, name
    distinct = data["distinct"]
    assert distinct["false_positives"] == 0
    assert distinct["exact_groups_found"] == distinct["exact_groups"]


def test_the_report_renders_as_tables() -> None:
    report = evaluate_reprints([BBC], seed=1, limit=5)
    console = Console(record=True, width=160)

    render(report, console)

    text = console.export_text()
    assert "reprint detection" in text
    assert "bbc_news_summary.dev" in text
    assert "same-section pairs" in text
