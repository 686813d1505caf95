"""The TF-IDF second opinion of a fine-tuned head: fitted, saved without pickle, read back the
same, and blended into probabilities. Texts are short made-up lines, not articles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from worker.nlp.backends.lexical import LEXICAL_FILE, fit_lexical, load_lexical, save_lexical

TEXTS = [
    "The striker scored twice in the cup final",
    "The goalkeeper saved a penalty in the league match",
    "Shares fell as the bank cut its profit forecast",
    "The company reported quarterly earnings above forecasts",
]
LABELS = [0, 0, 1, 1]


def test_the_words_point_to_their_label_and_blend_into_probabilities() -> None:
    model = fit_lexical(TEXTS, LABELS, count=3, weight=0.5)
    scores = model.probabilities(["a penalty in the cup match", "profit and shares"])
    assert scores.argmax(axis=1).tolist() == [0, 1]
    assert scores[:, 2].max() < 1e-6  # a label no article had gets no weight
    head = np.array([[0.4, 0.35, 0.25]], dtype=np.float32)  # the head unsure
    blended = model.blend(head, ["profit and shares"])
    assert blended.sum() == pytest.approx(1.0) and blended.argmax() == 1


def test_a_saved_model_reads_back_the_same_without_pickle(tmp_path: Path) -> None:
    model = fit_lexical(TEXTS, LABELS, count=2)
    save_lexical(model, tmp_path)
    again = load_lexical(tmp_path)
    assert again is not None and again.weight == pytest.approx(model.weight)
    texts = ["the cup final", "earnings forecast"]
    assert np.allclose(again.probabilities(texts), model.probabilities(texts))
    with np.load(tmp_path / LEXICAL_FILE, allow_pickle=False) as arrays:
        assert arrays["terms"].dtype.kind == "U"  # plain strings, no objects
    assert load_lexical(tmp_path / "none") is None
