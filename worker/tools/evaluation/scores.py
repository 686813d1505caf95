"""Scores: ROUGE for summaries; accuracy, F1 and a confusion matrix for topic labels.

ROUGE is Google's `rouge-score` (the reference implementation's behaviour) with the Porter
stemmer; ROUGE-Lsum needs the sentences of both texts joined by newlines, as in published
CNN/DailyMail results. Every score is reported ×100.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
from rouge_score.rouge_scorer import RougeScorer
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support
from sklearn.preprocessing import MultiLabelBinarizer

ROUGE_TYPES = ("rouge1", "rouge2", "rougeLsum")
NO_PREDICTION = "(none)"


def rouge_scorer() -> RougeScorer:
    """A scorer for ROUGE-1, ROUGE-2 and ROUGE-Lsum with stemming."""
    return RougeScorer(list(ROUGE_TYPES), use_stemmer=True)


def rouge(
    scorer: RougeScorer, prediction: Sequence[str], reference: Sequence[str]
) -> dict[str, float]:
    """F1 ×100 of one summary against one reference, each given as a list of sentences."""
    scores = scorer.score("\n".join(reference), "\n".join(prediction))
    return {name: 100.0 * float(scores[name].fmeasure) for name in ROUGE_TYPES}


def micro_prf(matched: int, predicted: int, gold: int) -> tuple[float, float, float]:
    """Micro precision, recall and F1 ×100 (rounded to 2 places) from summed counts; 0 when a
    denominator is 0."""
    p = matched / predicted if predicted else 0.0
    r = matched / gold if gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return _pct(p), _pct(r), _pct(f1)


def mean_scores(rows: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The mean of each score over `rows` (0 for no rows), rounded to 2 decimals."""
    if not rows:
        return dict.fromkeys(ROUGE_TYPES, 0.0)
    return {name: round(float(np.mean([row[name] for row in rows])), 2) for name in rows[0]}


def single_label(gold: Sequence[str], predicted: Sequence[str | None]) -> dict[str, Any]:
    """Accuracy, macro-F1 over the gold labels, a per-label table and a confusion matrix.

    A missing prediction counts as the label ``(none)``; the confusion matrix has one row per
    gold label and one column per label seen in either list.
    """
    pred = [p if p is not None else NO_PREDICTION for p in predicted]
    labels = sorted(set(gold))
    columns = labels + sorted(set(pred) - set(labels))
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, pred, labels=labels, zero_division=0
    )
    matrix = confusion_matrix(gold, pred, labels=columns)[: len(labels)]
    return {
        "items": len(gold),
        "accuracy": _pct(accuracy_score(gold, pred)),
        "macro_f1": _pct(np.mean(f1)),
        "per_label": [
            {
                "label": label,
                "precision": _pct(p),
                "recall": _pct(r),
                "f1": _pct(f),
                "support": int(s),
            }
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        ],
        "confusion": {"rows": labels, "columns": columns, "matrix": matrix.tolist()},
    }


def multi_label(
    gold: Sequence[Collection[str]], predicted: Sequence[Collection[str]]
) -> dict[str, Any]:
    """Micro precision/recall/F1 over every label, and macro-F1 over the gold labels.

    A predicted label that no item carries is a false positive in the micro scores.
    """
    gold_labels = sorted(set().union(*gold))
    every = gold_labels + sorted(set().union(*predicted) - set(gold_labels))
    binarizer = MultiLabelBinarizer(classes=every)
    y_true, y_pred = binarizer.fit_transform(gold), binarizer.transform(predicted)
    micro = precision_recall_fscore_support(y_true, y_pred, average="micro", zero_division=0)
    macro = precision_recall_fscore_support(
        y_true, y_pred, labels=list(range(len(gold_labels))), average="macro", zero_division=0
    )
    return {
        "items": len(gold),
        "labels": len(gold_labels),
        "micro_precision": _pct(micro[0]),
        "micro_recall": _pct(micro[1]),
        "micro_f1": _pct(micro[2]),
        "macro_f1": _pct(macro[2]),
    }


def _pct(value: Any) -> float:
    return round(100.0 * float(value), 2)
