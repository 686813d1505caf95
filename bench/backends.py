"""Speed of each backend per article, on this machine's CPU (and CUDA when present).

    .venv/bin/python -m bench.backends [--articles 5] [--device cpu|cuda|auto]

The embedded default runs for real. The optional backends' weights are not shipped and cannot
be downloaded here, so each is timed with **random weights of the real architecture**
(distilbart-cnn-12-6, bart-large-mnli, distilbert-base) behind newsworker's own backend code:
same layers, same sequence lengths, same generation bounds. Cost does not depend on the weights'
values, except that random weights never write an end token, so abstractive figures are for
summaries of the full `summary_max_tokens` (the worst case; real ones stop earlier). Inputs are
tokenised with a small WordPiece vocabulary trained on the articles, so a window of the model's
length holds somewhat fewer words than with the real tokenizer; the tokens per second hold.
Articles: the first N of ../shared/data/cnndm.dev.jsonl when present, else generated text.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

from worker.config import Settings
from worker.nlp.backends.abstractive import AbstractiveSummariser
from worker.nlp.backends.classifier import ClassifierTagger
from worker.nlp.backends.nli import NLITagger
from worker.nlp.backends.transformer import Loaded
from worker.nlp.loading import load_pipeline, resolve_device
from worker.nlp.sentences import split_sentences
from worker.nlp.taxonomy import read_taxonomy
from worker.nlp.topics import TagInput
from worker.nlp.weights.manifest import ModelSpec
from worker.schemas import Article, Options

ROOT = Path(__file__).resolve().parent.parent
CNNDM = ROOT.parent / "shared" / "data" / "cnndm.dev.jsonl"
IPTC = ROOT / "models" / "taxonomy" / "iptc-mediatopics-top.yaml"
DESK = {0: "football", 1: "markets", 2: "storms", 3: "politics"}


def articles(n: int) -> list[str]:
    """N news articles: CNN/DM dev when present, else generated."""
    if CNNDM.is_file():
        with CNNDM.open(encoding="utf-8") as lines:
            return [json.loads(line)["article"] for line, _ in zip(lines, range(n), strict=False)]
    sentence = "The council approved the budget after a long debate on schools and roads."
    return [" ".join(f"{sentence} Item {i}." for i in range(40)) for _ in range(n)]


def tokenizer_for(texts: list[str], directory: Path) -> Any:
    """A WordPiece tokenizer trained on the articles (as the tests build theirs)."""
    from worker.nlp.weights.wordpiece import train_wordpiece

    return train_wordpiece(directory, texts, window=1024)  # loaded() sets each model's own


def loaded(model: Any, tokenizer: Any, device: str, name: str, window: int) -> Loaded:
    """Wrap a random-weights model as a backend would load it (fp16 on CUDA)."""
    model = (model.half() if device == "cuda" else model).to(device).eval()
    spec = ModelSpec(key=name, name=name, path=Path("."), version="random weights")
    tokenizer.model_max_length = window
    return Loaded(spec, tokenizer, model, device, window, window)


def bart(layers: tuple[int, int], labels: int | None = None) -> Any:
    """A BART-large-sized model with random weights (seq2seq, or a classifier with labels)."""
    from transformers import BartConfig, BartForConditionalGeneration, BartForSequenceClassification

    config = BartConfig(encoder_layers=layers[0], decoder_layers=layers[1])
    if labels is None:
        return BartForConditionalGeneration(config)
    config.id2label = {0: "contradiction", 1: "neutral", 2: "entailment"}
    config.label2id = {v: k for k, v in config.id2label.items()}
    return BartForSequenceClassification(config)


def distilbert() -> Any:
    """distilbert-base-sized classifier with random weights."""
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    config = DistilBertConfig(id2label=DESK, label2id={v: k for k, v in DESK.items()})
    return DistilBertForSequenceClassification(config)


def timed(run: Callable[[str], Any], texts: list[str]) -> list[float]:
    """Seconds per article (after one warm-up call)."""
    run(texts[0])
    seconds = []
    for text in texts:
        start = time.perf_counter()
        run(text)
        seconds.append(time.perf_counter() - start)
    return seconds


def backends(
    texts: list[str], device: str, settings: Settings, work: Path
) -> list[tuple[str, str, Callable[[str], Any]]]:
    """(name, what it does per article, run one article) for each backend."""
    sentences = {t: [s.text for s in split_sentences(t.split("\n"))] for t in texts}
    tokenizer = tokenizer_for(texts, work)
    default = load_pipeline(settings.model_copy(update={"device": device}))
    abstractive = AbstractiveSummariser(
        loaded(bart((12, 6)), tokenizer, device, "distilbart", 1024), settings
    )
    nli = NLITagger(
        loaded(bart((12, 12), 3), tokenizer, device, "mnli", 1024),
        read_taxonomy(IPTC).topics,
        "iptc",
        settings,
    )
    classifier = ClassifierTagger(
        loaded(distilbert(), tokenizer, device, "distilbert", 512), {}, {}, settings
    )
    bounds = (
        f"≤{settings.max_chunks} windows of 1024 in, {settings.summary_max_tokens} tokens out, "
        f"{settings.summary_beams} beams"
    )

    def tag_with(tagger: NLITagger | ClassifierTagger) -> Callable[[str], Any]:
        return lambda t: tagger.tag(TagInput(np.zeros(1), tuple(sentences[t])), 3, 0.1)

    return [
        (
            "extractive + embedding topics (default, MiniLM)",
            "whole pipeline",
            lambda t: default.process(Article(text=t), Options()),
        ),
        (
            "abstractive: distilbart-cnn-12-6 architecture",
            bounds,
            lambda t: abstractive.summarise(sentences[t]),
        ),
        (
            "nli: bart-large-mnli architecture",
            "17 IPTC hypotheses × windows of 1024",
            tag_with(nli),
        ),
        ("classifier: distilbert-base architecture", "windows of 512", tag_with(classifier)),
    ]


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    args = parser.parse_args()
    settings = Settings()
    torch.manual_seed(0)
    texts = articles(args.articles)
    device = resolve_device(args.device)
    words = [len(t.split()) for t in texts]
    with tempfile.TemporaryDirectory() as work:
        table = Table(
            "device",
            "backend",
            "per article",
            "median s",
            "max s",
            title=f"{len(texts)} articles of {min(words)}-{max(words)} words, "
            f"torch threads {torch.get_num_threads()}",
        )
        for name, what, run in backends(texts, device, settings, Path(work)):
            seconds = timed(run, texts)
            table.add_row(
                device, name, what, f"{statistics.median(seconds):.2f}", f"{max(seconds):.2f}"
            )
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
