"""The reprint evaluation's report as rich tables: quality per file, recall per transformation,
real articles marked copies, same-section pairs, and a few misses.

The report is the JSON-ready dict that
:func:`worker.tools.evaluation.reprint_quality.evaluate_reprints` builds; :func:`render` prints it.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from worker.tools.evaluation.reprint_generator import TRANSFORMS


def render(report: dict[str, Any], console: Console) -> None:
    """Print the report's tables: quality per file, recall per transformation, real articles
    marked copies, same-section pairs, and a few misses."""
    for table in (
        quality_table(report),
        transformation_table(report),
        distinct_table(report),
        section_table(report),
    ):
        console.print(table)
    for data in report["sets"]:
        for miss in data["recall"]["misses"]:
            console.print(
                f"[yellow]missed[/yellow] {data['name']} {miss['id']}: "
                f"{', '.join(miss['notes'] or miss['transformations'])} · estimate "
                f"{miss['estimate']:.2f} · exact {miss['containment']:.2f} · found "
                f"{miss['duplicate_of']} · {miss['size']} shingles"
            )


def _pct(rate: dict[str, Any]) -> str:
    return "–" if rate["recall"] is None else f"{100 * rate['recall']:.1f} ({rate['reprints']})"


def quality_table(report: dict[str, Any]) -> Table:
    """Per file: reprints found, real articles wrongly marked copies, identical groups."""
    c = report["constants"]
    table = Table(
        title=f"reprint detection · seed {report['seed']} · {c['shingle_words']}-word shingles, "
        f"{c['bands']}×{c['rows']} bands (briefs ≤ {c['brief_words']} words: word pairs, "
        f"{c['brief_bands']} more), copy at {c['duplicate_at']:g}"
    )
    columns = ("file", "articles", "recall % (n)", "misses: text/estimate/index", "false /1000")
    for name in (*columns, "identical groups found"):
        table.add_column(name, justify="left" if name == "file" else "right")
    for data in report["sets"]:
        distinct = data["distinct"]
        table.add_row(
            data["name"], str(data["articles"]), _pct(data["recall"]),
            "/".join(str(n) for n in data["recall"]["miss_causes"].values()),
            f"{distinct['false_per_1000']:.2f} ({distinct['false_positives']})",
            f"{distinct['exact_groups_found']}/{distinct['exact_groups']}",
        )  # fmt: skip
    total = report["total"]
    table.add_row(
        "all", str(total["articles"]), _pct(total), "",
        f"{total['false_per_1000']:.2f} ({total['false_positives']})", "",
    )  # fmt: skip
    return table


def transformation_table(report: dict[str, Any]) -> Table:
    """Recall % per transformation: in the combined reprints / alone."""
    table = Table(title="recall % per transformation: in combinations / alone (reprints)")
    table.add_column("transformation")
    for data in report["sets"]:
        table.add_column(data["name"], justify="right")
    for name in TRANSFORMS:
        cells = []
        for data in report["sets"]:
            mixed, alone = data["recall"]["by_transformation"][name], data["recall"]["alone"][name]
            cells.append(f"{_short(mixed)} / {_short(alone)} ({alone['reprints']})")
        table.add_row(name, *cells)
    buckets = report["sets"][0]["recall"]["by_size"] if report["sets"] else {}
    for size in buckets:
        table.add_row(
            f"original {size} shingles",
            *(_pct(d["recall"]["by_size"][size]) for d in report["sets"]),
        )
    return table


def _short(rate: dict[str, Any]) -> str:
    return "–" if rate["recall"] is None else f"{100 * rate['recall']:.1f}"


def distinct_table(report: dict[str, Any]) -> Table:
    """Real articles the index marked copies of other real articles, by kind of pair."""
    table = Table(title="real articles marked copies (kind of pair, exact shingles)")
    for name in ("file", "identical", "near-identical", "contained", "distinct"):
        table.add_column(name, justify="left" if name == "file" else "right")
    for data in report["sets"]:
        d = data["distinct"]
        kinds = (d["identical"], d["near_identical"], d["contained"], d["distinct"])
        table.add_row(data["name"], *(str(k) for k in kinds))
    return table


def section_table(report: dict[str, Any]) -> Table:
    """Estimated containment of same-section pairs."""
    table = Table(title="same-section pairs: estimated containment (brute force)")
    columns = ("file", "articles", "pairs", "≥ related", "≥ copy", "of which copies", "max other")
    for name in (*columns, "p99.9"):
        table.add_column(name, justify="left" if name == "file" else "right")
    for data in report["sets"]:
        s = data["sections"]
        counts = (s["articles"], s["pairs"], s["at_related"], s["at_duplicate"])
        table.add_row(
            data["name"], *(str(v) for v in counts), str(s["at_duplicate_true_copies"]),
            f"{s['max_distinct']:.3f}", f"{s['p999']:.3f}",
        )  # fmt: skip
    return table
