"""`newsworker train-topics`: fit a topic head on labelled articles, on a CPU, in seconds.

Each article of a labelled JSONL file is cleaned, split and embedded exactly as the pipeline
does (:func:`worker.nlp.topics.topic_vector` of its sentence and title vectors), so the head
sees at training time the vectors it will see in the worker. Then a multinomial logistic
regression is scored by stratified k-fold cross-validation (accuracy and macro-F1), fitted on
all the data, and saved with its provenance (:mod:`worker.nlp.backends.head`). Embedding takes
most of the time; the fits take seconds.
Set ``NEWSWORKER_TOPIC_HEAD=<name>`` to make workers use it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from worker.config import Settings, get_settings
from worker.errors import InputError, NoTextFound
from worker.nlp.backends.lexical import DEFAULT_WEIGHT as LEXICAL_WEIGHT
from worker.producer.readers import jsonl_rows

# The NLP modules are imported where they are used, so that `newsworker --help` and the commands
# that only enqueue do not pay for scikit-learn and trafilatura at start-up.

if TYPE_CHECKING:
    from worker.nlp.backends.head import TopicHead
    from worker.nlp.encoder import SentenceEncoder

DEFAULT_C = 1.0
# Fine-tuning from a taxonomy's zero-shot tagger: lower rates and fewer steps, to refine what
# the descriptions give. 16 per label: AG News dev 0.821 from a blank head, 0.863 so; BBC dev
# 0.961 and 0.944 (docs/quality.md): an option, not the default.
GENTLE: dict[str, Any] = {"encoder_lr": 3e-5, "head_lr": 1e-3, "min_steps": 40}
ARTICLES_PER_BATCH = 32
err = Console(stderr=True, soft_wrap=True)


@dataclass
class Labelled:
    """Labelled articles as the pipeline sees them: title and sentence texts, and the label."""

    titles: list[str | None]
    sentences: list[list[str]]
    labels: list[str]
    skipped: int = 0


def train_topics_command(
    path: Annotated[Path, typer.Argument(help="Labelled JSONL: one article object per line.")],
    *,
    text_field: Annotated[str, typer.Option(help="Field with the article text.")] = "text",
    title_field: Annotated[str, typer.Option(help="Field with the headline (optional).")] = "title",
    label_field: Annotated[str, typer.Option(help="Field with the label.")] = "label",
    output: Annotated[
        Path | None, typer.Option(help="Head directory (default: models/heads/<file stem>).")
    ] = None,
    cv_folds: Annotated[
        int | None,
        typer.Option(min=0, help="Cross-validation folds; 0 skips (default 5, 0 with --finetune)."),
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Use the first N articles.")] = None,
    c: Annotated[float, typer.Option("--c", min=1e-6, help="Inverse L2 strength.")] = DEFAULT_C,
    finetune: Annotated[
        bool, typer.Option(help="Fine-tune the encoder with the head (minutes, not seconds).")
    ] = False,
    epochs: Annotated[
        float, typer.Option(min=0.01, help="--finetune: passes over the data.")
    ] = 2.0,
    budget_minutes: Annotated[
        float | None, typer.Option(min=0.1, help="--finetune: stop each training run after this.")
    ] = None,
    per_label: Annotated[
        int | None,
        typer.Option(min=1, help="--finetune: train on N articles per label, score on the rest."),
    ] = None,
    steps: Annotated[
        int | None, typer.Option(min=1, help="--finetune: exactly N steps (instead of epochs).")
    ] = None,
    lexical_weight: Annotated[
        float,
        typer.Option(min=0, max=1, help="--finetune: a TF-IDF model's share beside the head."),
    ] = LEXICAL_WEIGHT,
    taxonomy: Annotated[
        Path | None,
        typer.Option(
            exists=True, help="--finetune: start from this taxonomy's zero-shot tagger (few-shot)."
        ),
    ] = None,
    save: Annotated[bool, typer.Option(help="--finetune: fit on all and write the head.")] = True,
) -> None:
    """Fit a topic head on labelled articles, report cross-validated scores, save it."""
    settings = get_settings()
    target = output or settings.heads_path / path.stem
    data = read_labelled(path, text_field, title_field, label_field, limit)
    if finetune:
        _finetune(
            settings,
            path,
            data,
            target,
            folds=cv_folds or 0,
            epochs=epochs,
            budget_minutes=budget_minutes,
            per_label=per_label,
            steps=steps,
            lexical_weight=lexical_weight,
            taxonomy=taxonomy,
            save=save,
        )
        return
    cv_folds = 5 if cv_folds is None else cv_folds
    from worker.nlp.backends.head import save_head
    from worker.nlp.loading import load_encoder

    encoder = load_encoder(settings)  # the worker's own, int8 included: heads learn what it serves
    started = time.perf_counter()
    vectors = embed(encoder, data)
    embed_s = time.perf_counter() - started
    started = time.perf_counter()
    scores = cross_validate(vectors, data.labels, cv_folds, c)
    head = fit_head(vectors, data.labels, c)
    fit_s = time.perf_counter() - started
    timings_s = {"embed_s": embed_s, "fit_s": fit_s}
    head.meta = _meta(encoder, path=path, data=data, scores=scores, c=c, timings_s=timings_s)
    save_head(head, target)
    _report(head, data, embed_s, fit_s)
    _where(settings, target)


def _finetune(
    settings: Settings,
    path: Path,
    data: Labelled,
    target: Path,
    *,
    folds: int,
    epochs: float,
    budget_minutes: float | None,
    per_label: int | None,
    steps: int | None,
    lexical_weight: float,
    taxonomy: Path | None,
    save: bool,
) -> None:
    from worker.nlp.finetune import FineTuneConfig
    from worker.tools import finetune_topics

    budget = budget_minutes * 60 if budget_minutes is not None else None
    config = FineTuneConfig(
        epochs=epochs, budget_s=budget, steps=steps, lexical_weight=lexical_weight
    )
    if taxonomy is not None:  # refine the zero-shot tagger gently rather than start blind
        config = replace(config, taxonomy=str(taxonomy), **GENTLE)
    plan = finetune_topics.Plan(folds=folds, per_label=per_label, save=save)
    finetune_topics.run(settings, path, data, target=target, plan=plan, config=config)
    if save:
        _where(settings, target)


def _where(settings: Settings, target: Path) -> None:
    if target.parent.resolve() == settings.heads_path.resolve():
        err.print(f"saved to {target}; workers use it with NEWSWORKER_TOPIC_HEAD={target.name}")
    else:
        err.print(f"saved to {target}; to use it, move it to {settings.heads_path}")


def read_labelled(
    path: Path, text_field: str, title_field: str, label_field: str, limit: int | None
) -> Labelled:
    """Clean and split each labelled article; lines without text or label are refused."""
    from worker.nlp.cleaning import clean
    from worker.nlp.sentences import split_sentences

    data = Labelled([], [], [])
    for number, item in _lines(path, limit):
        text, label = item.get(text_field), item.get(label_field)
        if not isinstance(text, str) or label is None or str(label) == "":
            raise InputError(
                f"{path}:{number}: needs a {text_field!r} string and a {label_field!r}"
            )
        title = item.get(title_field)
        try:
            cleaned = clean(text, title if isinstance(title, str) else None)
        except NoTextFound:
            data.skipped += 1
            continue
        data.titles.append(cleaned.title)
        data.sentences.append([s.text for s in split_sentences(cleaned.paragraphs, "en")])
        data.labels.append(str(label))
    if len(set(data.labels)) < 2:
        raise InputError(f"{path}: a head needs articles of at least two labels")
    return data


def _lines(path: Path, limit: int | None) -> Iterator[tuple[int, dict[str, Any]]]:
    return islice(jsonl_rows(path), limit)


def embed(encoder: SentenceEncoder, data: Labelled) -> np.ndarray:
    """One topic vector per article, encoding several articles per batch, with a progress bar."""
    columns = (TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    rows: list[np.ndarray] = []
    with Progress(*columns, console=err, transient=True) as progress:
        bar = progress.add_task("articles", total=len(data.labels))
        for start in range(0, len(data.labels), ARTICLES_PER_BATCH):
            stop = min(start + ARTICLES_PER_BATCH, len(data.labels))
            rows.extend(_embed_batch(encoder, data.titles[start:stop], data.sentences[start:stop]))
            progress.update(bar, completed=stop)
    return np.stack(rows)


def _embed_batch(
    encoder: SentenceEncoder, titles: Sequence[str | None], sentences: Sequence[list[str]]
) -> list[np.ndarray]:
    from worker.nlp.topics import topic_vector

    texts = [s for group in sentences for s in group] + [t for t in titles if t]
    vectors = encoder.encode(texts)
    rows, start, title_at = [], 0, sum(len(group) for group in sentences)
    for title, group in zip(titles, sentences, strict=True):
        title_vector = vectors[title_at] if title else None
        title_at += bool(title)
        rows.append(topic_vector(vectors[start : start + len(group)], title_vector))
        start += len(group)
    return rows


def cross_validate(vectors: np.ndarray, labels: list[str], folds: int, c: float) -> dict[str, Any]:
    """Stratified k-fold accuracy and macro-F1 (mean and standard deviation over folds)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.model_selection import cross_validate as sk_cross_validate

    if folds < 2:
        return {"folds": 0, "note": "not asked for"}
    folds = min(folds, *Counter(labels).values())
    if folds < 2:
        return {"folds": 0, "note": "a label has fewer than two articles"}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    model = LogisticRegression(C=c, max_iter=2000)
    result = sk_cross_validate(
        model, vectors, labels, cv=splitter, scoring=("accuracy", "f1_macro")
    )
    summary: dict[str, Any] = {"folds": folds}
    for name, key in (("accuracy", "test_accuracy"), ("macro_f1", "test_f1_macro")):
        summary[name] = round(float(np.mean(result[key])), 4)
        summary[f"{name}_std"] = round(float(np.std(result[key])), 4)
    return summary


def fit_head(vectors: np.ndarray, labels: list[str], c: float) -> TopicHead:
    """A multinomial logistic regression on all the data, as a numpy-only TopicHead."""
    from sklearn.linear_model import LogisticRegression

    from worker.nlp.backends.head import TopicHead

    model = LogisticRegression(C=c, max_iter=2000).fit(vectors, labels)
    weights, intercepts = model.coef_, model.intercept_
    if len(model.classes_) == 2:  # sklearn keeps one row for two classes: p(second) = σ(w·x + b)
        weights = np.vstack([np.zeros_like(weights[0]), weights[0]])
        intercepts = np.array([0.0, intercepts[0]])
    classes = [str(label) for label in model.classes_]
    return TopicHead(classes, weights.astype(np.float32), intercepts.astype(np.float32))


def _meta(
    encoder: SentenceEncoder,
    *,
    path: Path,
    data: Labelled,
    scores: dict[str, Any],
    c: float,
    timings_s: dict[str, float],
) -> dict[str, Any]:
    from worker.nlp.backends.head import embedder_identity
    from worker.nlp.topics import FEATURES

    return {
        **embedder_identity(encoder.spec),
        "features": FEATURES,
        "classifier": f"logistic regression (multinomial, L2, C={c:g})",
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "training_data": {
            "file": path.name,
            "articles": len(data.labels),
            "skipped_without_text": data.skipped,
            "per_label": dict(sorted(Counter(data.labels).items())),
        },
        "cross_validation": scores,
        "timings_s": {name: round(value, 2) for name, value in timings_s.items()},
    }


def _report(head: TopicHead, data: Labelled, embed_s: float, fit_s: float) -> None:
    scores = head.meta["cross_validation"]
    err.print(f"{len(data.labels)} articles, {len(head.labels)} labels: {', '.join(head.labels)}")
    if data.skipped:
        err.print(f"{data.skipped} articles had no text after cleaning and were left out")
    if scores.get("folds"):
        err.print(
            f"{scores['folds']}-fold cross-validation: accuracy {scores['accuracy']:.4f} "
            f"(± {scores['accuracy_std']:.4f}), macro-F1 {scores['macro_f1']:.4f}"
        )
    else:
        err.print(f"cross-validation skipped: {scores['note']}")
    err.print(f"embedding {embed_s:.1f} s, cross-validation and fit {fit_s:.1f} s")
