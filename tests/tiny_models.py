"""Tiny random transformer models, built offline for the backend tests (no download).

Each is made from a config and a WordPiece tokenizer trained on the project's own test article,
saved with ``save_pretrained`` into a directory under a copy of models/, listed in that copy's
manifest and pinned with :func:`worker.nlp.weights.manage.pin`, exactly as a deployer would add a
model of their own. The weights are random, so the text they write is nonsense: the tests check
the load → run → result path and its bounds, not quality.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from worker.nlp.weights.manage import pin
from worker.nlp.weights.manifest import MANIFEST
from worker.nlp.weights.wordpiece import train_wordpiece

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "tests" / "data" / "scraped_article.txt"
WINDOW = 128  # positions of every tiny model
SIZES: dict[str, Any] = {
    "hidden_size": 32,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "max_position_embeddings": WINDOW,
}
NLI_LABELS = {0: "contradiction", 1: "neutral", 2: "entailment"}
DESK_LABELS = {0: "football", 1: "markets", 2: "storms"}
DESK_MAP = {"football": "sport", "markets": "economy, business and finance", "storms": "weather"}


def train_tokenizer(directory: Path) -> Any:
    """A BERT-style WordPiece tokenizer trained on the test article, saved in `directory`."""
    return train_wordpiece(directory, ARTICLE.read_text(encoding="utf-8").splitlines(), WINDOW)


def build_seq2seq(directory: Path) -> None:
    """A one-layer BART with random weights (AutoModelForSeq2SeqLM)."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration

    tokenizer = train_tokenizer(directory)
    config = BartConfig(
        vocab_size=len(tokenizer),
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=WINDOW,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
        decoder_start_token_id=tokenizer.sep_token_id,
    )
    torch.manual_seed(0)
    BartForConditionalGeneration(config).save_pretrained(directory)


def build_classifier(directory: Path, labels: dict[int, str], multi_label: bool = False) -> None:
    """A one-layer BERT sequence classifier with random weights and the given labels."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    tokenizer = train_tokenizer(directory)
    config = BertConfig(
        vocab_size=len(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
        problem_type="multi_label_classification" if multi_label else None,
        **SIZES,
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(directory)


def models_copy(destination: Path) -> Path:
    """A copy of the project's models/ (manifest and taxonomies) to add tiny models to."""
    models = destination / "models"
    models.mkdir(parents=True)
    shutil.copy(ROOT / "models" / MANIFEST, models)
    shutil.copytree(ROOT / "models" / "taxonomy", models / "taxonomy")
    return models


def add_entry(models: Path, section: str, key: str, entry: dict[str, Any]) -> None:
    """List a model in the copy's manifest and pin its files' sha256."""
    path = models / MANIFEST
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[section] = {**(data.get(section) or {}), key: {"name": f"tiny/{key}", **entry}}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    pin(models, key)


def build_all(destination: Path) -> Path:
    """A models/ copy with tiny-bart, tiny-nli, tiny-desk (classifier) and not-nli, all pinned."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    models = models_copy(destination)
    build_seq2seq(models / "summarisers" / "tiny-bart")
    add_entry(models, "summarisers", "tiny-bart", {"path": "summarisers/tiny-bart"})
    build_classifier(models / "nli" / "tiny-nli", NLI_LABELS)
    add_entry(models, "nli", "tiny-nli", {"path": "nli/tiny-nli"})
    build_classifier(models / "nli" / "not-nli", DESK_LABELS)
    add_entry(models, "nli", "not-nli", {"path": "nli/not-nli"})
    build_classifier(models / "classifiers" / "tiny-desk", DESK_LABELS)
    add_entry(
        models,
        "classifiers",
        "tiny-desk",
        {"path": "classifiers/tiny-desk", "label_map": DESK_MAP},
    )
    return models
