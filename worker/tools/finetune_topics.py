"""`newsworker train-topics --finetune`: fine-tune the encoder with a topic head on labelled
articles, score it by cross-validation or on held-out articles, and save it pinned.

The training itself is :mod:`worker.nlp.finetune`'s; this module plans the runs (folds, a
few-shot sample, the final fit), shows progress with a time estimate, and writes the head
directory: the tuned encoder, its int8 export, the head, and head.json with the sha256 of every
file, so a worker refuses a head whose files changed (:mod:`worker.nlp.backends.head`).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from worker.config import Settings

if TYPE_CHECKING:
    from worker.nlp.backends.lexical import LexicalModel
    from worker.nlp.finetune import FineTuneConfig, FineTuner, FitStats, LabelledTexts

err = Console(stderr=True, soft_wrap=True)


class Labelled(Protocol):
    """Labelled articles as read for training (:class:`worker.tools.train_topics.Labelled`)."""

    titles: list[str | None]
    sentences: list[list[str]]
    labels: list[str]


@dataclass(frozen=True)
class Plan:
    """What a fine-tuning run does besides the final fit."""

    folds: int = 0  # cross-validation folds (0: none)
    per_label: int | None = None  # few-shot: train on this many per label, score the rest
    save: bool = True  # fit on all the (sampled) data and write the head


@dataclass(frozen=True)
class FoldScore:
    """One trained-and-scored split."""

    accuracy: float  # the head blended with its words, as the worker serves it
    macro_f1: float
    accuracy_head_only: float
    seconds: float
    train: int
    test: int


def run(
    settings: Settings,
    path: Path,
    data: Labelled,
    *,
    target: Path,
    plan: Plan,
    config: FineTuneConfig,
) -> None:
    """Score, fit and save as `plan` says; print what was measured."""
    from worker.nlp.weights.manifest import resolve_embedder, verify_files

    base = resolve_embedder(settings.models_dir, settings.embedder)
    verify_files(base)
    labels = sorted(set(data.labels))
    texts = _texts(data, labels)
    train, rest = _split(texts, plan.per_label, config.seed)
    scores: dict[str, Any] = {"folds": 0}
    if plan.per_label is not None:
        few = _score_split(
            base.path, labels, texts, split=(train, rest), config=config, what="few-shot"
        )
        scores = {"few_shot": _few_shot_summary(few, plan.per_label)}
    if plan.folds >= 2:
        scores["cross_validation"] = _cross_validate(
            base.path, labels, texts, pool=train, folds=plan.folds, config=config
        )
    if plan.save:
        chosen = texts.subset(train)
        _fit_and_save(base, labels, chosen, target=target, config=config, scores=scores, path=path)


def _texts(data: Labelled, labels: list[str]) -> LabelledTexts:
    from worker.nlp.finetune import LabelledTexts

    return LabelledTexts(data.titles, data.sentences, [labels.index(x) for x in data.labels])


def _split(texts: LabelledTexts, per_label: int | None, seed: int) -> tuple[list[int], list[int]]:
    """All articles, or `per_label` of each label (seeded) and the rest."""
    everything = list(range(len(texts)))
    if per_label is None:
        return everything, []
    generator = random.Random(seed)
    shuffled = generator.sample(everything, len(everything))
    taken: Counter[int] = Counter()
    train = []
    for i in shuffled:
        if taken[texts.labels[i]] < per_label:
            taken[texts.labels[i]] += 1
            train.append(i)
    chosen = set(train)
    return sorted(train), [i for i in everything if i not in chosen]


def _cross_validate(
    base: Path,
    labels: list[str],
    texts: LabelledTexts,
    *,
    pool: list[int],
    folds: int,
    config: FineTuneConfig,
) -> dict[str, Any]:
    from sklearn.model_selection import StratifiedKFold

    folds = min(folds, *Counter(texts.labels[i] for i in pool).values())
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=config.seed)
    y = [texts.labels[i] for i in pool]
    results = []
    for number, (train, test) in enumerate(splitter.split(np.zeros(len(y)), y), start=1):
        split = ([pool[i] for i in train], [pool[i] for i in test])
        what = f"fold {number}/{folds}"
        score = _score_split(base, labels, texts, split=split, config=config, what=what)
        err.print(
            f"fold {number}/{folds}: accuracy {score.accuracy:.4f} (head alone"
            f" {score.accuracy_head_only:.4f}), macro-F1 {score.macro_f1:.4f},"
            f" {score.seconds / 60:.1f} min"
        )
        results.append(score)
    summary = _summary(results)
    err.print(
        f"{folds}-fold cross-validation: accuracy {summary['accuracy']:.4f} "
        f"(± {summary['accuracy_std']:.4f}; head alone {summary['accuracy_head_only']:.4f}), "
        f"macro-F1 {summary['macro_f1']:.4f}, {summary['seconds_per_fold'] / 60:.1f} min per fold"
    )
    return summary


def _summary(results: Sequence[FoldScore]) -> dict[str, Any]:
    accuracy = [r.accuracy for r in results]
    macro = [r.macro_f1 for r in results]
    return {
        "folds": len(results),
        "accuracy": round(float(np.mean(accuracy)), 4),
        "accuracy_std": round(float(np.std(accuracy)), 4),
        "macro_f1": round(float(np.mean(macro)), 4),
        "macro_f1_std": round(float(np.std(macro)), 4),
        "accuracy_head_only": round(float(np.mean([r.accuracy_head_only for r in results])), 4),
        "seconds_per_fold": round(float(np.mean([r.seconds for r in results])), 1),
        "per_fold": [vars(r) for r in results],
    }


def _few_shot_summary(score: FoldScore, per_label: int) -> dict[str, Any]:
    err.print(
        f"few-shot, {per_label} per label ({score.train} articles): accuracy {score.accuracy:.4f}"
        f" (head alone {score.accuracy_head_only:.4f}), macro-F1 {score.macro_f1:.4f} on the"
        f" other {score.test}, {score.seconds / 60:.1f} min"
    )
    return {"per_label": per_label, **vars(score)}


def _score_split(
    base: Path,
    labels: list[str],
    texts: LabelledTexts,
    *,
    split: tuple[list[int], list[int]],
    config: FineTuneConfig,
    what: str,
) -> FoldScore:
    from sklearn.metrics import accuracy_score, f1_score

    from worker.nlp.finetune import FineTuner

    train, test = split
    started = time.perf_counter()
    tuner = FineTuner(base, labels, config)
    trained, held = texts.subset(train), texts.subset(test)
    _fit(tuner, trained, what)
    head_only = tuner.probabilities(held.titles, held.sentences)
    lexical = _lexical(trained, len(labels), config)
    blended = head_only if lexical is None else lexical.blend(head_only, held.documents())
    predicted, gold = blended.argmax(axis=1), list(held.labels)
    return FoldScore(
        accuracy=round(float(accuracy_score(gold, predicted)), 4),
        macro_f1=round(float(f1_score(gold, predicted, average="macro")), 4),
        accuracy_head_only=round(float(accuracy_score(gold, head_only.argmax(axis=1))), 4),
        seconds=round(time.perf_counter() - started, 1),
        train=len(train),
        test=len(test),
    )


def _lexical(texts: LabelledTexts, count: int, config: FineTuneConfig) -> LexicalModel | None:
    """The TF-IDF second opinion on the same articles, unless its weight is 0."""
    from worker.nlp.backends.lexical import fit_lexical

    if config.lexical_weight <= 0:
        return None
    return fit_lexical(texts.documents(), texts.labels, count, config.lexical_weight)


def _fit(tuner: FineTuner, texts: LabelledTexts, what: str) -> FitStats:
    """Train with a progress bar: steps, loss and the time left."""
    columns = (
        TextColumn(f"{what}: training"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]:.3f}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as progress:
        bar = progress.add_task("steps", total=None, loss=float("nan"))

        def show(step: int, planned: int, loss: float) -> None:
            progress.update(bar, completed=step, total=planned, loss=loss)

        return tuner.fit(texts, show)


def _fit_and_save(
    base: Any,
    labels: list[str],
    texts: LabelledTexts,
    *,
    target: Path,
    config: FineTuneConfig,
    scores: dict[str, Any],
    path: Path,
) -> None:
    from worker.nlp.backends.head import ENCODER_DIR, INT8_DIR, TopicHead, pin_files, save_head
    from worker.nlp.backends.lexical import save_lexical
    from worker.nlp.finetune import FineTuner, save_tuned

    tuner = FineTuner(base.path, labels, config)
    stats = _fit(tuner, texts, "all articles")
    save_tuned(tuner, target / ENCODER_DIR, target / INT8_DIR)
    lexical = _lexical(texts, len(labels), config)
    if lexical is not None:
        save_lexical(lexical, target)
    weights, intercepts = tuner.head_weights()
    head = TopicHead(labels, weights, intercepts)
    save_head(head, target)  # the weights first: head.json pins them
    pins = pin_files(target)
    head.meta = _meta(
        base,
        target,
        pins=pins,
        config=config,
        stats=stats,
        scores=scores,
        texts=texts,
        labels=labels,
        path=path,
    )
    save_head(head, target, weights=False)
    err.print(
        f"trained on {len(texts)} articles in {stats.seconds / 60:.1f} min "
        f"({stats.steps} steps, {stats.epochs:.2f} epochs"
        f"{', stopped by the time budget' if stats.stopped_by_budget else ''})"
    )


def _meta(
    base: Any,
    target: Path,
    *,
    pins: dict[str, str],
    config: FineTuneConfig,
    stats: FitStats,
    scores: dict[str, Any],
    texts: LabelledTexts,
    labels: list[str],
    path: Path,
) -> dict[str, Any]:
    from worker.nlp.backends.head import ENCODER_DIR
    from worker.nlp.topics import FEATURES

    name = f"{base.name} fine-tuned ({target.name})"
    return {
        "embedder": name,
        "embedder_sha256": pins[f"{ENCODER_DIR}/model.safetensors"],
        "features": FEATURES,
        "classifier": "fine-tuned encoder with a linear head (cross-entropy, AdamW)",
        "encoder": {"name": name, "base": base.name, "max_tokens": base.max_tokens},
        "finetune": {**vars(config), **vars(stats)},
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "training_data": {
            "file": path.name,
            "articles": len(texts),
            "per_label": dict(sorted(Counter(labels[i] for i in texts.labels).items())),
        },
        **scores,
        "sha256": pins,
    }
