"""Run the pipeline and the baselines over a dataset and build the report (a JSON-ready dict).

Each item goes through the pipeline once (summary, topics and entities from one call) and
through each baseline. An item the pipeline refuses (an InputError, or text the contract
rejects) counts as an empty summary, no topic and no entity: it stays in every average and is
counted as failed. Entities are scored by the rules of :mod:`.entity_scores`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from worker.errors import ConfigError, InputError
from worker.nlp.taxonomy import Tree
from worker.schemas import Article, Entity, Options, describe_validation
from worker.tools.evaluation import entity_scores
from worker.tools.evaluation.baselines import article_sentences, lead, textrank
from worker.tools.evaluation.datasets import Dataset, EvalItem, k_for
from worker.tools.evaluation.hierarchy import score_hierarchy
from worker.tools.evaluation.readability import check_summary, rule_shares
from worker.tools.evaluation.scores import (
    mean_scores,
    multi_label,
    rouge,
    rouge_scorer,
    single_label,
)

if TYPE_CHECKING:
    from worker.nlp.pipeline import Pipeline

PIPELINE = "pipeline"
BASELINES: dict[str, Callable[[Sequence[str], int], list[str]]] = {
    "lead": lead,
    "textrank": textrank,
}
SYSTEMS = (PIPELINE, *BASELINES)
HIERARCHY_K = 3  # exact@k on a taxonomy tree, and how many topics single-label items get there


@dataclass(frozen=True)
class EvalConfig:
    """Which systems run, and topic options (None: the default for the kind of labels)."""

    systems: tuple[str, ...] = SYSTEMS
    max_topics: int | None = None
    min_topic_score: float | None = None
    hierarchy: Tree | None = None  # the taxonomy's tree, when it is one: hierarchical scores
    topic_depth: int | None = None  # None: the contract's default


@dataclass
class Outcome:
    """What every system produced for one item."""

    item: EvalItem
    k: int
    summaries: dict[str, list[str]] = field(default_factory=dict)
    topics: list[str] | None = None
    entities: list[Entity] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    sentences: list[str] = field(default_factory=list)  # the article's, where summaries are scored


def parse_systems(value: str) -> tuple[str, ...]:
    """``pipeline,lead,textrank`` → a tuple; unknown names are refused."""
    systems = tuple(dict.fromkeys(s.strip().lower() for s in value.split(",") if s.strip()))
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown or not systems:
        raise ConfigError(f"unknown systems {unknown}; choose from {', '.join(SYSTEMS)}")
    return systems


def topic_options(dataset: Dataset, config: EvalConfig) -> tuple[int, float]:
    """(max_topics, min_topic_score): single-label data takes the top topic whatever its score
    (the top :data:`HIERARCHY_K` on a tree, for exact@k and a predicted set as the issue's
    anchors use); multi-label data uses the contract's defaults; data without labels asks
    for no topics."""
    if not dataset.has_labels:
        defaults = (0, 0.0)
    elif config.hierarchy is not None and not dataset.multi_label:
        defaults = (HIERARCHY_K, 0.0)
    elif dataset.multi_label:
        defaults = (Options().max_topics, Options().min_topic_score)
    else:
        defaults = (1, 0.0)
    max_topics = defaults[0] if config.max_topics is None else config.max_topics
    min_score = defaults[1] if config.min_topic_score is None else config.min_topic_score
    return max_topics, min_score


def evaluate(
    dataset: Dataset,
    pipeline: Pipeline | None,
    config: EvalConfig,
    console: Console | None = None,
) -> dict[str, Any]:
    """Run every system over the dataset (a progress bar on `console`) and build the report."""
    if PIPELINE in config.systems and pipeline is None:
        raise ConfigError("the pipeline is to be evaluated but none was given")
    if not dataset.has_summaries and PIPELINE not in config.systems:
        raise ConfigError(
            "topic labels and entities can only be scored for the pipeline: add it to --systems"
        )
    seconds = dict.fromkeys(config.systems, 0.0)
    outcomes: list[Outcome] = []
    with _progress(console) as progress:
        bar = progress.add_task("evaluating", total=len(dataset.items))
        for item in dataset.items:
            outcomes.append(run_item(item, dataset, pipeline, config, seconds))
            progress.advance(bar)
    return build_report(dataset, config, outcomes, seconds, pipeline)


def _progress(console: Console | None) -> Progress:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    return Progress(*columns, console=console, transient=True, disable=console is None)


def run_item(
    item: EvalItem,
    dataset: Dataset,
    pipeline: Pipeline | None,
    config: EvalConfig,
    seconds: dict[str, float],
) -> Outcome:
    """Every configured system on one item; `seconds` collects the time each system took."""
    outcome = Outcome(item, k_for(item, dataset.k_rule))
    if pipeline is not None and PIPELINE in config.systems:
        start = time.perf_counter()
        _run_pipeline(outcome, pipeline, pipeline_options(dataset, config, outcome.k))
        seconds[PIPELINE] += time.perf_counter() - start
    if not dataset.has_summaries:
        return outcome
    start = time.perf_counter()
    sentences = outcome.sentences = article_sentences(item.text, item.title)
    shared = time.perf_counter() - start  # cleaning and splitting count for each baseline
    for name in [s for s in config.systems if s in BASELINES]:
        start = time.perf_counter()
        outcome.summaries[name] = BASELINES[name](sentences, outcome.k)
        seconds[name] += shared + time.perf_counter() - start
        if not sentences:
            outcome.errors[name] = "no sentences after cleaning"
    return outcome


def pipeline_options(dataset: Dataset, config: EvalConfig, k: int) -> Options:
    """The options an item is processed with: what is not scored is not asked for."""
    max_topics, min_topic_score = topic_options(dataset, config)
    return Options(
        summary_sentences=k,
        max_topics=max_topics,
        min_topic_score=min_topic_score,
        topic_depth=config.topic_depth,
        max_keywords=0,
        max_entities=None if dataset.has_entities else 0,  # None: the contract's default
    )


def _run_pipeline(outcome: Outcome, pipeline: Pipeline, options: Options) -> None:
    try:
        article = Article(text=outcome.item.text, title=outcome.item.title)
        result = pipeline.process(article, options)
    except ValidationError as exc:
        outcome.errors[PIPELINE] = describe_validation(exc)
    except InputError as exc:
        outcome.errors[PIPELINE] = f"{type(exc).__name__}: {exc}"
    else:
        outcome.summaries[PIPELINE] = list(result.summary_sentences)
        outcome.topics = [t.label for t in result.topics]
        outcome.entities = list(result.entities)
    outcome.summaries.setdefault(PIPELINE, [])


def build_report(
    dataset: Dataset,
    config: EvalConfig,
    outcomes: list[Outcome],
    seconds: dict[str, float],
    pipeline: Pipeline | None,
) -> dict[str, Any]:
    """The JSON-ready report: dataset, options, scores, warnings and one record per item."""
    if config.hierarchy is not None:
        outcomes = [_gold_as_terms(o, config.hierarchy) for o in outcomes]
    items: list[dict[str, Any]] = [
        {"id": o.item.id, "k": o.k, "errors": o.errors} for o in outcomes
    ]
    report: dict[str, Any] = {
        "dataset": _dataset_info(dataset, outcomes),
        "systems": list(config.systems),
        "topic_options": dict(
            zip(("max_topics", "min_topic_score"), topic_options(dataset, config), strict=True),
            topic_depth=Options(topic_depth=config.topic_depth).depth,
        ),
        "model": dict(pipeline.model_info) if pipeline is not None else None,
        "warnings": _failure_warnings(outcomes),
    }
    if dataset.has_summaries:
        report["summaries"] = _summary_section(outcomes, config.systems, seconds, items)
    scored = dataset.has_labels and PIPELINE in config.systems
    topics = _topic_section(dataset, outcomes, items) if scored else None
    if topics is not None:
        report["topics"] = topics
        report["warnings"] += _label_warnings(outcomes)
    if topics is not None and config.hierarchy is not None:
        gold = [o.item.labels or () for o in outcomes]
        predicted = [o.topics or [] for o in outcomes]
        report["hierarchy"] = score_hierarchy(gold, predicted, config.hierarchy, HIERARCHY_K)
    if dataset.has_entities and PIPELINE in config.systems:
        report["entities"] = _entity_section(outcomes, items)
        report["warnings"] += entity_scores.unmapped_warnings(report["entities"])
    report["items"] = items
    return report


def _gold_as_terms(outcome: Outcome, tree: Tree) -> Outcome:
    """The outcome with its gold labels named as the tree names its terms (a QCode becomes
    the term's label), so that the flat topic scores compare like with like."""
    labels = outcome.item.labels
    if labels is None:
        return outcome
    named = tuple(dict.fromkeys(tree.term(label) or label for label in labels))
    return replace(outcome, item=replace(outcome.item, labels=named))


def _dataset_info(dataset: Dataset, outcomes: list[Outcome]) -> dict[str, Any]:
    return {
        "path": str(dataset.path),
        "preset": dataset.preset.value if dataset.preset else None,
        "fields": asdict(dataset.fields),
        "items": len(outcomes),
        "k": dataset.k_rule,
        "mean_k": round(sum(o.k for o in outcomes) / max(len(outcomes), 1), 2),
        "multi_label": dataset.multi_label,
    }


def _summary_section(
    outcomes: list[Outcome],
    systems: Sequence[str],
    seconds: dict[str, float],
    items: list[dict[str, Any]],
) -> dict[str, Any]:
    scorer = rouge_scorer()
    scores = [
        {s: rouge(scorer, o.summaries[s], o.item.reference or ()) for s in systems}
        for o in outcomes
    ]
    leads = [rouge(scorer, lead(o.sentences, o.k), o.item.reference or ()) for o in outcomes]
    broken = [{s: check_summary(o.summaries[s], o.sentences) for s in systems} for o in outcomes]
    for record, row, rules in zip(items, scores, broken, strict=True):
        record["rouge"] = {s: {n: round(v, 2) for n, v in row[s].items()} for s in systems}
        record["breaks"] = {s: sorted(rules[s]) for s in systems if rules[s]}
    return {
        system: {
            **mean_scores([row[system] for row in scores]),
            "failed": sum(system in o.errors for o in outcomes),
            "ms_per_item": round(1000 * seconds[system] / max(len(outcomes), 1), 1),
            "readability": rule_shares([rules[system] for rules in broken]),
            "departures": departures(outcomes, [row[system] for row in scores], leads, system),
        }
        for system in systems
    }


def departures(
    outcomes: list[Outcome],
    scores: list[dict[str, float]],
    leads: list[dict[str, float]],
    system: str,
) -> dict[str, int]:
    """Of the summaries that are not the article's first k sentences, how many score higher
    than Lead-k, lower, or the same (the mean of ROUGE-1, -2 and -Lsum F1)."""
    counts = {"departures": 0, "higher": 0, "lower": 0, "same": 0}
    for outcome, score, lead_score in zip(outcomes, scores, leads, strict=True):
        if outcome.summaries[system] == lead(outcome.sentences, outcome.k):
            continue
        counts["departures"] += 1
        delta = round(sum(score.values()) - sum(lead_score.values()), 6)
        counts["higher" if delta > 0 else "lower" if delta < 0 else "same"] += 1
    return counts


def _topic_section(
    dataset: Dataset, outcomes: list[Outcome], items: list[dict[str, Any]]
) -> dict[str, Any] | None:
    labelled = [(o, r) for o, r in zip(outcomes, items, strict=True) if o.item.labels]
    if not labelled:
        return None
    for outcome, record in labelled:
        record["gold"], record["predicted"] = list(outcome.item.labels or ()), outcome.topics
    gold = [o.item.labels or () for o, _ in labelled]
    predicted = [o.topics or [] for o, _ in labelled]
    if dataset.multi_label:
        section = {"mode": "multi-label", **multi_label(gold, predicted)}
    else:
        top = [p[0] if p else None for p in predicted]
        section = {"mode": "single-label", **single_label([g[0] for g in gold], top)}
    section["without_prediction"] = sum(not p for p in predicted)
    section["unlabelled"] = len(outcomes) - len(labelled)
    return section


def _entity_section(outcomes: list[Outcome], items: list[dict[str, Any]]) -> dict[str, Any]:
    golds, predicted = [o.item for o in outcomes], [o.entities for o in outcomes]
    resolve = entity_scores.gazetteer_resolver()
    section, records = entity_scores.score_entities(golds, predicted, resolve)
    for record, entities in zip(items, records, strict=True):
        record["entities"] = entities
    return section


def _failure_warnings(outcomes: list[Outcome]) -> list[str]:
    failed = [o for o in outcomes if PIPELINE in o.errors]
    if not failed:
        return []
    first = failed[0]
    return [
        f"the pipeline refused {len(failed)} of {len(outcomes)} items (scored as empty); "
        f"first: {first.item.id}: {first.errors[PIPELINE]}"
    ]


def _label_warnings(outcomes: list[Outcome]) -> list[str]:
    gold = {label for o in outcomes for label in o.item.labels or ()}
    predicted = {label for o in outcomes for label in o.topics or ()}
    if not predicted or predicted & gold:
        return []
    return [
        "no label the pipeline predicted is a label of the dataset (e.g. "
        f"{sorted(predicted)[0]!r} vs {sorted(gold)[0]!r}): "
        "pass --taxonomy with the dataset's labels"
    ]
