"""Evaluation scores and baselines on tiny hand-made cases whose right answers are known.

ROUGE values are worked out by hand (unigram and bigram overlaps, stemming, sentence-level LCS
for Lsum); the classification cases are small enough to count. The article is written for these
tests.
"""

from __future__ import annotations

import pytest

from worker.nlp.textrank import textrank_scores
from worker.tools.evaluation.baselines import article_sentences, lead, textrank
from worker.tools.evaluation.scores import (
    NO_PREDICTION,
    mean_scores,
    multi_label,
    rouge,
    rouge_scorer,
    single_label,
)

FERRY = (
    "Kellsby opens its new ferry terminal\n\n"
    "The harbour town of Kellsby opened its new ferry terminal on Monday.\n\n"
    "Local bakers sold cakes and bread at the spring fair.\n\n"
    "The ferry terminal in Kellsby cost twelve million pounds to build.\n\n"
    "Ferry passengers praised the terminal's bright waiting room.\n\n"
    "The council says the Kellsby ferry terminal will bring tourists to the harbour."
)
BAKERS = "Local bakers sold cakes and bread at the spring fair."


@pytest.fixture(scope="module")
def scorer() -> object:
    return rouge_scorer()


def test_rouge_counts_unigram_and_bigram_overlap(scorer: object) -> None:
    scores = rouge(scorer, ["the cat sat on the mat"], ["the cat sat on a mat"])
    # 5 of 6 unigrams match ("the" only once); 3 of 5 bigrams match.
    assert scores["rouge1"] == pytest.approx(100 * 5 / 6)
    assert scores["rouge2"] == pytest.approx(60.0)


def test_rouge_stems_words(scorer: object) -> None:
    scores = rouge(scorer, ["the runners running"], ["the runner runs"])
    assert scores == pytest.approx({"rouge1": 100.0, "rouge2": 100.0, "rougeLsum": 100.0})


def test_rouge_lsum_matches_sentence_by_sentence(scorer: object) -> None:
    # Same two sentences in the other order: one LCS over the whole text would find only half,
    # the summary-level LCS over newline-separated sentences finds all of it.
    scores = rouge(scorer, ["a dog ran", "the cat sat"], ["the cat sat", "a dog ran"])
    assert scores["rouge1"] == pytest.approx(100.0)
    assert scores["rougeLsum"] == pytest.approx(100.0)
    joined = rouge(scorer, ["a dog ran the cat sat"], ["the cat sat a dog ran"])
    assert joined["rougeLsum"] == pytest.approx(50.0)


def test_empty_summary_scores_zero(scorer: object) -> None:
    assert rouge(scorer, [], ["the cat sat"]) == {"rouge1": 0.0, "rouge2": 0.0, "rougeLsum": 0.0}


def test_mean_scores_average_each_metric() -> None:
    rows = [{"rouge1": 50.0, "rouge2": 10.0}, {"rouge1": 100.0, "rouge2": 20.0}]
    assert mean_scores(rows) == {"rouge1": 75.0, "rouge2": 15.0}


def test_single_label_scores_table_and_confusion() -> None:
    gold = ["sport", "sport", "health", "politics"]
    predicted: list[str | None] = ["sport", "health", "health", None]
    report = single_label(gold, predicted)
    assert report["accuracy"] == 50.0
    per_label = {row["label"]: row for row in report["per_label"]}
    assert per_label["sport"] == {
        "label": "sport",
        "precision": 100.0,
        "recall": 50.0,
        "f1": pytest.approx(66.67),
        "support": 2,
    }
    assert per_label["health"]["precision"] == 50.0
    assert per_label["health"]["recall"] == 100.0
    assert per_label["politics"]["f1"] == 0.0
    assert report["macro_f1"] == pytest.approx((200 / 3 + 200 / 3 + 0) / 3, abs=0.01)
    confusion = report["confusion"]
    assert confusion["rows"] == ["health", "politics", "sport"]
    assert confusion["columns"] == ["health", "politics", "sport", NO_PREDICTION]
    assert confusion["matrix"] == [[1, 0, 0, 0], [0, 0, 0, 1], [1, 0, 1, 0]]


def test_multi_label_micro_and_macro_f1() -> None:
    gold = [{"grain", "corn"}, {"trade"}, {"earn"}]
    predicted = [{"grain"}, {"trade", "ship"}, set()]
    report = multi_label(gold, predicted)
    # true positives 2 (grain, trade); predicted 3; gold 4.
    assert report["micro_precision"] == pytest.approx(66.67)
    assert report["micro_recall"] == 50.0
    assert report["micro_f1"] == pytest.approx(57.14)
    # macro over the 4 gold labels: grain 1, trade 1, corn 0, earn 0 ("ship" is not one).
    assert report["macro_f1"] == 50.0
    assert report["labels"] == 4


def test_article_sentences_use_the_pipelines_cleaning() -> None:
    sentences = article_sentences(FERRY)
    assert sentences[0].startswith("The harbour town")  # the headline line is the title
    assert len(sentences) == 5
    assert article_sentences("Advertisement\n\nShare") == []


def test_lead_takes_the_first_k() -> None:
    sentences = article_sentences(FERRY)
    assert lead(sentences, 2) == sentences[:2]
    assert lead(sentences, 9) == sentences


def test_textrank_prefers_central_sentences_in_article_order() -> None:
    sentences = article_sentences(FERRY)
    picked = textrank(sentences, 3)
    assert len(picked) == 3
    assert BAKERS not in picked
    assert picked == [s for s in sentences if s in picked]
    scores = textrank_scores(sentences)
    assert scores is not None
    assert min(range(len(sentences)), key=lambda i: scores[i]) == sentences.index(BAKERS)


def test_textrank_without_shared_words_falls_back_to_lead() -> None:
    sentences = ["Rain fell.", "Cats purr.", "Ships sail.", "It is so."]
    assert textrank(sentences, 2) == sentences[:2]
    assert textrank(sentences[:2], 3) == sentences[:2]
