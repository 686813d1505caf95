"""The `newsworker eval` and `eval-reprints` commands: parse options, load data and model, run,
print, write JSON.

Register them with ``app.command("eval")(eval_command)`` and
``app.command("eval-reprints")(eval_reprints_command)``. Importing this module loads neither
torch nor the scoring libraries; they are imported when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from worker.tools.evaluation.datasets import PRESETS, KRule, PresetName

FieldOpt = Annotated[
    str | None, typer.Option(help="JSON field name (default: from the preset); '-' for none.")
]


def eval_command(
    path: Annotated[Path, typer.Argument(help="JSONL file, one item per line.", exists=True)],
    *,
    preset: Annotated[
        PresetName | None,
        typer.Option(help="Field names and k of a shared dev file (default: from the file name)."),
    ] = None,
    text_field: FieldOpt = None,
    title_field: FieldOpt = None,
    summary_field: FieldOpt = None,
    label_field: FieldOpt = None,
    k: Annotated[
        str | None,
        typer.Option(help="Summary sentences: a number, or 'ref' for the reference's count."),
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Score only the first N items.")] = None,
    taxonomy: Annotated[
        Path | None, typer.Option(help="Taxonomy whose labels are the dataset's labels.")
    ] = None,
    label_map: Annotated[
        Path | None,
        typer.Option(
            help="YAML or JSON: a dataset label → the taxonomy's label or QCode (e.g. "
            "models/taxonomy/maps/reuters21578-iptc.yaml).",
            exists=True,
        ),
    ] = None,
    max_topics: Annotated[
        int | None, typer.Option(min=0, max=50, help="At most this many topics.")
    ] = None,
    min_topic_score: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Leave out topics scoring below this.")
    ] = None,
    topic_depth: Annotated[
        int | None,
        typer.Option(min=1, max=4, help="On a taxonomy tree, no topic deeper than this level."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(help="JSON report (default: .newsworker/eval/<file>-<time>.json)."),
    ] = None,
    systems: Annotated[
        str, typer.Option(help="Comma-separated: pipeline, lead, textrank.")
    ] = "pipeline,lead,textrank",
) -> None:
    """Score the pipeline and the Lead-k and TextRank baselines on a labelled JSONL file."""
    from rich.console import Console

    from worker.config import get_settings
    from worker.nlp.loading import load_pipeline
    from worker.tools.evaluation import datasets, evaluate, hierarchy, report

    chosen = preset or datasets.detect_preset(path)
    fields = datasets.resolve_fields(
        chosen, text=text_field, title=title_field, summary=summary_field, label=label_field
    )
    k_rule = datasets.parse_k(k) if k is not None else _preset_k(chosen)
    data = datasets.load_dataset(path, fields, k_rule, chosen, limit)
    if label_map is not None:
        data = datasets.map_labels(data, datasets.read_label_map(label_map))
    settings = get_settings()
    if taxonomy is not None:
        settings = settings.model_copy(update={"taxonomy": taxonomy})
    config = evaluate.EvalConfig(
        evaluate.parse_systems(systems),
        max_topics,
        min_topic_score,
        hierarchy.tree_of(settings.taxonomy_path),
        topic_depth,
    )
    err = Console(stderr=True)
    pipeline = None
    if evaluate.PIPELINE in config.systems:
        with err.status("loading the model"):
            pipeline = load_pipeline(settings)
    result = evaluate.evaluate(data, pipeline, config, err)
    report.render(result, Console())
    err.print(f"report: {report.write_json(result, output or report.default_output(path))}")


def _preset_k(preset: PresetName | None) -> KRule:
    return PRESETS[preset].k if preset else 3


def eval_reprints_command(
    paths: Annotated[list[Path], typer.Argument(help="JSONL files of articles.", exists=True)],
    seed: Annotated[int, typer.Option(help="Seed of the reprint generator.")] = 0,
    limit: Annotated[int | None, typer.Option(min=1, help="At most N articles per file.")] = None,
    output: Annotated[
        Path | None,
        typer.Option(help="JSON report (default: .newsworker/eval/reprints-<time>.json)."),
    ] = None,
) -> None:
    """Measure reprint detection: generated reprints found, distinct articles left alone."""
    from rich.console import Console

    from worker.tools.evaluation import report
    from worker.tools.evaluation.reprint_quality import evaluate_reprints
    from worker.tools.evaluation.reprint_report import render

    result = evaluate_reprints(paths, seed, limit)
    render(result, Console())
    written = report.write_json(result, output or report.default_output(Path("reprints.jsonl")))
    Console(stderr=True).print(f"report: {written}")
