"""Show an evaluation report as tables and keep it as JSON.

The tables are a ROUGE table (one row per system); for topics the headline scores, a
per-label table and a confusion matrix (gold labels down, predicted labels across); on a
taxonomy tree, the hierarchical scores; and for entities one row per type with precision,
recall and F1 and the gold and predicted counts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from worker.errors import ConfigError

DEFAULT_DIR = Path(".newsworker") / "eval"  # git-ignored
SYSTEM_NAMES = {"pipeline": "pipeline", "lead": "Lead-{k}", "textrank": "TextRank"}
RULE_NAMES = {
    "unresolved_opening": "opens with a reference",
    "wire_credit": "wire credit",
    "dateline": "dateline",
    "caption": "caption",
    "byline": "byline",
    "order": "out of order",
}  # worker.tools.evaluation.readability.RULES


def render(report: dict[str, Any], console: Console) -> None:
    """Print the report's tables and warnings."""
    if "summaries" in report:
        console.print(summary_table(report))
        console.print(readability_table(report))
    topics = report.get("topics")
    if topics and topics["mode"] == "single-label":
        console.print(_single_label_line(topics))
        console.print(per_label_table(topics))
        console.print(confusion_table(topics))
    elif topics:
        console.print(_multi_label_line(topics))
    if report.get("hierarchy"):
        console.print(hierarchy_table(report["hierarchy"]))
    if report.get("entities"):
        console.print(entity_table(report["entities"]))
    for warning in report["warnings"]:
        console.print(f"[yellow]warning: {warning}[/yellow]")


def summary_table(report: dict[str, Any]) -> Table:
    """Systems × ROUGE-1 / ROUGE-2 / ROUGE-Lsum, with failures and time per item."""
    data = report["dataset"]
    k = data["k"] if data["k"] != "ref" else f"ref (mean {data['mean_k']:g})"
    table = Table(
        title=f"ROUGE F1 ×100 · {Path(data['path']).name} · {data['items']} items · k={k}"
    )
    for name in ("system", "R1", "R2", "RLsum", "failed", "ms/item"):
        table.add_column(name, justify="left" if name == "system" else "right")
    for system, row in report["summaries"].items():
        label = SYSTEM_NAMES.get(system, system).format(k=data["k"] if data["k"] != "ref" else "k")
        table.add_row(
            label,
            f"{row['rouge1']:.2f}",
            f"{row['rouge2']:.2f}",
            f"{row['rougeLsum']:.2f}",
            str(row["failed"]),
            f"{row['ms_per_item']:.1f}",
        )
    return table


def readability_table(report: dict[str, Any]) -> Table:
    """Systems × the share of summaries breaking each readability rule, and how summaries
    that depart from the lead score against Lead-k."""
    table = Table(title="summaries that do not read on their own (% of items) · departures")
    for name in ("system", *RULE_NAMES.values(), "any", "not lead: higher / lower / same"):
        table.add_column(name, justify="left" if name == "system" else "right")
    k = report["dataset"]["k"]
    for system, row in report["summaries"].items():
        shares, moves = row["readability"], row["departures"]
        label = SYSTEM_NAMES.get(system, system).format(k=k if k != "ref" else "k")
        table.add_row(
            label,
            *(f"{shares[rule]:.2f}" for rule in (*RULE_NAMES, "any")),
            f"{moves['departures']}: {moves['higher']} / {moves['lower']} / {moves['same']}",
        )
    return table


def per_label_table(topics: dict[str, Any]) -> Table:
    """Precision, recall, F1 and support for each gold label."""
    table = Table(title="topics per label (×100)")
    for name in ("label", "precision", "recall", "F1", "support"):
        table.add_column(name, justify="left" if name == "label" else "right")
    for row in topics["per_label"]:
        values = (row["precision"], row["recall"], row["f1"])
        table.add_row(row["label"], *(f"{v:.2f}" for v in values), str(row["support"]))
    return table


def confusion_table(topics: dict[str, Any]) -> Table:
    """Counts of gold label (rows) against predicted label (columns)."""
    confusion = topics["confusion"]
    table = Table(title="confusion matrix (rows: gold, columns: predicted)")
    table.add_column("gold \\ predicted")
    for column in confusion["columns"]:
        table.add_column(column, justify="right")
    for label, counts in zip(confusion["rows"], confusion["matrix"], strict=True):
        table.add_row(label, *(str(c) for c in counts))
    return table


def hierarchy_table(hierarchy: dict[str, Any]) -> Table:
    """Hierarchical precision, recall and F1, the gold term in the first k, and the first
    topic's accuracy at each level of the tree."""
    exact = next(key for key in hierarchy if key.startswith("exact_at_"))
    unmapped = sum(hierarchy["unmapped"].values())
    caption = f"{unmapped} gold labels are no term of the taxonomy" if unmapped else None
    title = f"topics on the taxonomy tree ({hierarchy['items']} items, ×100)"
    table = Table(title=title, caption=caption)
    for name in ("score", "value", "items"):
        table.add_column(name, justify="left" if name == "score" else "right")
    for name, key in (("hP", "hp"), ("hR", "hr"), ("hF1", "hf1")):
        table.add_row(name, f"{hierarchy[key]:.2f}", str(hierarchy["items"]))
    first_k = f"gold term in the first {exact.rsplit('_', 1)[1]}"
    table.add_row(first_k, f"{hierarchy[exact]:.2f}", str(hierarchy["items"]))
    for level, row in hierarchy["levels"].items():
        table.add_row(f"level {level} accuracy", f"{row['accuracy']:.2f}", str(row["items"]))
    return table


def entity_table(entities: dict[str, Any]) -> Table:
    """Micro precision, recall and F1 per entity type, with gold tags and predictions counted;
    places are compared as countries."""
    unmapped = sum(entities.get("place", {}).get("unmapped", {}).values())
    caption = f"{unmapped} gold place tags have no country code" if unmapped else None
    table = Table(title="entities (micro, ×100; places as countries)", caption=caption)
    for name in ("type", "precision", "recall", "F1", "gold tags", "predicted"):
        table.add_column(name, justify="left" if name == "type" else "right")
    for kind, row in entities.items():
        values = (row["p"], row["r"], row["f1"])
        table.add_row(kind, *(f"{v:.2f}" for v in values), str(row["gold"]), str(row["predicted"]))
    return table


def _single_label_line(topics: dict[str, Any]) -> str:
    return (
        f"topics (single-label, {topics['items']} items): accuracy {topics['accuracy']:.2f} · "
        f"macro-F1 {topics['macro_f1']:.2f} · without prediction {topics['without_prediction']}"
    )


def _multi_label_line(topics: dict[str, Any]) -> str:
    return (
        f"topics (multi-label, {topics['items']} items, {topics['labels']} labels): "
        f"micro-F1 {topics['micro_f1']:.2f} (P {topics['micro_precision']:.2f}, "
        f"R {topics['micro_recall']:.2f}) · macro-F1 {topics['macro_f1']:.2f} · "
        f"without prediction {topics['without_prediction']}"
    )


def default_output(dataset_path: Path) -> Path:
    """``.newsworker/eval/<file stem>-<UTC time>.json`` under the current directory."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return DEFAULT_DIR / f"{dataset_path.name.removesuffix('.jsonl')}-{stamp}.json"


def write_json(report: dict[str, Any], path: Path) -> Path:
    """Write the report (UTF-8, indented) and return where it went."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write the report to {path}: {exc}") from exc
    return path
