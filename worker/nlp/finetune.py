"""Fine-tuning the encoder on a newsroom's own labels: the transformer and a softmax head
trained together, on a CPU, in minutes (``newsworker train-topics --finetune``).

**What is trained.** The encoder (all-MiniLM-L6-v2 by default) and a linear head on the
article's topic vector, built exactly as the worker builds it
(:func:`worker.nlp.topics.topic_vector`: the mean of the normalised sentence vectors plus
half the title's, normalised), so that the head meets in the worker the vectors it was trained
on. Cross-entropy on the labels; AdamW with a larger rate for the head than for the encoder,
a linear warm-up over the first tenth of the steps, then a linear decay to zero. An article
contributes at most :attr:`FineTuneConfig.max_sentences` sentences of at most
:attr:`FineTuneConfig.max_tokens` word pieces while training (the worker reads them all).

Supervised training rather than SetFit's contrastive pairs: on 16 AG News articles per label,
pairs scored 0.835 in 4.6 minutes, a head started from the taxonomy's descriptions 0.863 in
0.9 (docs/quality.md); and pairs grow with the square of the data.

**Time.** Training stops at the end of the planned epochs or when the time budget is spent,
whichever is first; the learning-rate schedule is planned from the budget, so a budget cut
still ends at a low rate. Progress reports steps done, the steps planned and the loss.

**What is written** (:func:`save_tuned`): the tuned encoder in the Hugging Face layout (so the
worker's own loader reads it) and its int8 ONNX export (dynamic quantisation with ONNX
Runtime, as the stock int8 model), for the CPU path.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

from worker.errors import ConfigError
from worker.nlp.backends.lexical import DEFAULT_WEIGHT as LEXICAL_WEIGHT
from worker.nlp.taxonomy import read_taxonomy
from worker.nlp.topics import TEMPERATURE, TITLE_WEIGHT, ZeroShotTagger

ONNX_FILE = "model.onnx"
CHUNK_TEXTS = 16  # texts per forward pass while training, sorted by length
PREDICT_BATCH = 32  # texts or articles per forward pass when encoding or predicting
Progress = Callable[[int, int, float], None]  # steps done, steps planned, last loss


@dataclass(frozen=True)
class FineTuneConfig:
    """How to fine-tune; the defaults are the measured ones (docs/quality.md)."""

    epochs: float = 2.0
    min_steps: int = 60  # few examples still get this many steps (16 per label: ~15 epochs)
    steps: int | None = None  # exactly this many steps instead (epochs and min_steps ignored)
    batch_size: int = 16
    encoder_lr: float = 1e-4
    head_lr: float = 1e-2
    warmup: float = 0.1  # share of the steps with a rising learning rate
    weight_decay: float = 0.01
    max_tokens: int = 128  # word pieces per sentence while training
    max_sentences: int = 8  # sentences per article while training
    budget_s: float | None = None  # stop after this many seconds of training
    freeze_embeddings: bool = True  # keep the word-piece embeddings: 18% faster steps, as accurate
    lexical_weight: float = LEXICAL_WEIGHT  # the TF-IDF model's share beside the head (0: none)
    taxonomy: str | None = None  # a taxonomy file whose descriptions start the head (zero-shot)
    seed: int = 0


@dataclass(frozen=True)
class LabelledTexts:
    """Articles as the pipeline sees them: title (or None) and sentence texts, and a label."""

    titles: Sequence[str | None]
    sentences: Sequence[Sequence[str]]
    labels: Sequence[int]  # index into the label list

    def __len__(self) -> int:
        return len(self.labels)

    def documents(self) -> list[str]:
        """Each article as one text, title first, as the worker hands it to a head's words."""
        return [
            " ".join([*([title] if title else []), *group])
            for title, group in zip(self.titles, self.sentences, strict=True)
        ]

    def subset(self, indexes: Sequence[int]) -> LabelledTexts:
        """The articles at `indexes`, in that order."""
        return LabelledTexts(
            [self.titles[i] for i in indexes],
            [self.sentences[i] for i in indexes],
            [self.labels[i] for i in indexes],
        )


@dataclass(frozen=True)
class FitStats:
    """What a training run did."""

    steps: int
    planned_steps: int
    epochs: float
    seconds: float
    final_loss: float
    stopped_by_budget: bool


class TopicModel(torch.nn.Module):
    """The encoder with mean pooling, the article's topic vector, and a linear head."""

    def __init__(self, encoder: Any, labels: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = torch.nn.Linear(int(encoder.config.hidden_size), labels)

    def pooled(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Normalised mean-pooled vectors, as the worker's runtimes give them."""
        hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        summed = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
        return torch.nn.functional.normalize(summed, dim=-1)

    def topic(self, batch: EncodedBatch) -> torch.Tensor:
        """The articles' topic vectors (:func:`worker.nlp.topics.topic_vector`)."""
        vectors = torch.cat([self.pooled(ids, mask) for ids, mask in batch.chunks])
        sentences = torch.nn.functional.normalize(batch.sentence_mean @ vectors, dim=-1)
        topic = sentences + TITLE_WEIGHT * (batch.title_pick @ vectors)
        return torch.nn.functional.normalize(topic, dim=-1)

    def forward(self, batch: EncodedBatch) -> torch.Tensor:
        """Logits per article of a batch."""
        logits: torch.Tensor = self.head(self.topic(batch))
        return logits


@dataclass(frozen=True)
class EncodedBatch:
    """A batch of articles as padded chunks of texts (texts of like length together, so little
    is padding), and how the texts, in chunk order, make articles."""

    chunks: tuple[tuple[torch.Tensor, torch.Tensor], ...]  # (ids, mask) per chunk
    sentence_mean: torch.Tensor  # articles × texts: 1/n on an article's n sentences
    title_pick: torch.Tensor  # articles × texts: 1 on the article's title, if any


def encode_batch(
    tokenizer: Any,
    titles: Sequence[str | None],
    sentences: Sequence[Sequence[str]],
    config: FineTuneConfig,
) -> EncodedBatch:
    """Tokenise a batch of articles: each one's first sentences, then its title."""
    texts: list[str] = []
    rows: list[tuple[list[int], int | None]] = []
    for title, group in zip(titles, sentences, strict=True):
        kept = list(group[: config.max_sentences]) or [title or ""]
        start = len(texts)
        texts.extend(kept)
        title_at = None
        if title:
            title_at = len(texts)
            texts.append(title)
        rows.append((list(range(start, start + len(kept))), title_at))
    ids = tokenizer(texts, truncation=True, max_length=config.max_tokens)["input_ids"]
    order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
    place = {text: rank for rank, text in enumerate(order)}
    chunks = []
    for start in range(0, len(order), CHUNK_TEXTS):
        features = [{"input_ids": ids[i]} for i in order[start : start + CHUNK_TEXTS]]
        padded = tokenizer.pad(features, return_tensors="pt")
        chunks.append((padded["input_ids"], padded["attention_mask"]))
    mean = torch.zeros(len(rows), len(texts))
    pick = torch.zeros(len(rows), len(texts))
    for row, (members, title_at) in enumerate(rows):
        mean[row, [place[m] for m in members]] = 1.0 / len(members)
        if title_at is not None:
            pick[row, place[title_at]] = 1.0
    return EncodedBatch(tuple(chunks), mean, pick)


class FineTuner:
    """Loads an encoder from a directory, fine-tunes it with a head, predicts, saves."""

    def __init__(self, encoder_dir: Path, labels: Sequence[str], config: FineTuneConfig) -> None:
        torch.manual_seed(config.seed)
        self.labels = list(labels)
        self.config = config
        self.tokenizer = AutoTokenizer.from_pretrained(str(encoder_dir), local_files_only=True)
        encoder = AutoModel.from_pretrained(str(encoder_dir), local_files_only=True)
        if config.freeze_embeddings:
            encoder.get_input_embeddings().weight.requires_grad_(False)
        self.model = TopicModel(encoder, len(self.labels))
        if config.taxonomy is not None:
            self._start_from_taxonomy(Path(config.taxonomy))

    def fit(self, data: LabelledTexts, progress: Progress | None = None) -> FitStats:
        """Train on `data` for the configured epochs or time budget."""
        config = self.config
        per_epoch = math.ceil(len(data) / config.batch_size)
        planned = config.steps or max(config.min_steps, math.ceil(per_epoch * config.epochs))
        optimiser = self._optimiser()
        started, loss_value, step = time.perf_counter(), float("nan"), 0
        order = _shuffled(len(data), planned * config.batch_size, config.seed)
        self.model.train()
        for step in range(planned):
            elapsed = time.perf_counter() - started
            if config.budget_s is not None and step and elapsed > config.budget_s:
                break
            _set_rate(optimiser, config, step, self._planned(planned, step, elapsed))
            chosen = order[step * config.batch_size : (step + 1) * config.batch_size]
            loss_value = self._step(optimiser, data, chosen)
            if progress is not None:
                progress(step + 1, planned, loss_value)
        else:
            step = planned
        self.model.eval()
        seconds = time.perf_counter() - started
        return FitStats(
            step, planned, step / per_epoch, seconds, loss_value, stopped_by_budget=step < planned
        )

    def _start_from_taxonomy(self, path: Path) -> None:
        """Start the head as the zero-shot tagger of a taxonomy that describes every label."""
        taxonomy = read_taxonomy(path)
        by_label = {topic.label: topic for topic in taxonomy.topics}
        missing = [label for label in self.labels if label not in by_label]
        if missing:
            raise ConfigError(f"taxonomy {path} does not describe the labels {missing}")
        topics = [by_label[label] for label in self.labels]
        tagger = ZeroShotTagger(topics, self.encode, taxonomy.name, taxonomy.example_weight)
        self.start_from(tagger.matrix, TEMPERATURE)

    def start_from(self, prototypes: np.ndarray, temperature: float) -> None:
        """Set the head to a zero-shot classifier: logits are the cosines with the labels'
        prototypes (:mod:`worker.nlp.topics`, one row per label) over `temperature`. Few
        examples then refine what the descriptions already say instead of starting blind."""
        with torch.no_grad():
            self.model.head.weight.copy_(torch.from_numpy(prototypes / temperature))
            self.model.head.bias.zero_()

    @torch.inference_mode()
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised mean-pooled vectors of `texts` from the encoder as it is now."""
        self.model.eval()
        rows = [np.zeros((0, self.model.head.in_features), dtype=np.float32)]
        for start in range(0, len(texts), PREDICT_BATCH):
            tokens = self.tokenizer(
                list(texts[start : start + PREDICT_BATCH]),
                padding=True,
                truncation=True,
                max_length=self.config.max_tokens,
                return_tensors="pt",
            )
            rows.append(self.model.pooled(tokens["input_ids"], tokens["attention_mask"]).numpy())
        return np.concatenate(rows)

    @torch.inference_mode()
    def probabilities(
        self, titles: Sequence[str | None], sentences: Sequence[Sequence[str]]
    ) -> np.ndarray:
        """Class probabilities per article (articles × labels), in the training recipe."""
        self.model.eval()
        out = [np.zeros((0, len(self.labels)), dtype=np.float32)]
        for start in range(0, len(titles), PREDICT_BATCH):
            stop = start + PREDICT_BATCH
            batch = encode_batch(
                self.tokenizer, titles[start:stop], sentences[start:stop], self.config
            )
            out.append(torch.softmax(self.model(batch), dim=-1).numpy())
        return np.concatenate(out)

    def _planned(self, planned: int, step: int, elapsed: float) -> int:
        """The steps the run will make: those planned, or fewer where the budget runs out
        first (estimated from the pace so far), so the learning rate still decays to zero."""
        budget = self.config.budget_s
        if budget is None or step < 5:
            return planned
        return max(step + 1, min(planned, int(step * budget / max(elapsed, 1e-9))))

    def _optimiser(self) -> torch.optim.Optimizer:
        config = self.config
        groups = [  # "base": the group's peak rate, scaled by the schedule (_set_rate)
            {"params": self.model.encoder.parameters(), "base": config.encoder_lr},
            {"params": self.model.head.parameters(), "base": config.head_lr},
        ]
        return torch.optim.AdamW(groups, lr=config.encoder_lr, weight_decay=config.weight_decay)

    def _step(
        self, optimiser: torch.optim.Optimizer, data: LabelledTexts, chosen: list[int]
    ) -> float:
        batch = encode_batch(
            self.tokenizer,
            [data.titles[i] for i in chosen],
            [data.sentences[i] for i in chosen],
            self.config,
        )
        target = torch.tensor([data.labels[i] for i in chosen])
        loss = torch.nn.functional.cross_entropy(self.model(batch), target)
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
        optimiser.zero_grad()
        return float(loss.item())

    def head_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """The head as numpy arrays: weights (labels × dimension) and intercepts."""
        head = self.model.head
        return head.weight.detach().numpy().copy(), head.bias.detach().numpy().copy()


def _shuffled(count: int, needed: int, seed: int) -> list[int]:
    """Article indexes for `needed` draws: whole shuffled passes over the data."""
    generator = random.Random(seed)
    order: list[int] = []
    while len(order) < needed:
        epoch = list(range(count))
        generator.shuffle(epoch)
        order.extend(epoch)
    return order


def _set_rate(
    optimiser: torch.optim.Optimizer, config: FineTuneConfig, step: int, planned: int
) -> None:
    """Linear warm-up over the first `warmup` share of the planned steps, then linear decay."""
    warm = max(1.0, config.warmup * planned)
    factor = min(1.0, (step + 1) / warm) * max(0.0, (planned - step) / planned)
    for group in optimiser.param_groups:
        group["lr"] = group["base"] * factor


def save_tuned(tuner: FineTuner, encoder_dir: Path, int8_dir: Path) -> None:
    """The tuned encoder in the Hugging Face layout (safetensors), and its int8 ONNX export."""
    encoder_dir.mkdir(parents=True, exist_ok=True)
    tuner.model.encoder.save_pretrained(str(encoder_dir), safe_serialization=True)
    tuner.tokenizer.save_pretrained(str(encoder_dir))
    export_int8(tuner.model.encoder, int8_dir / ONNX_FILE)


class _Hidden(torch.nn.Module):
    """The encoder's last hidden state from ids and mask: the int8 runtime's interface."""

    def __init__(self, encoder: Any) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden: torch.Tensor = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask
        ).last_hidden_state
        return hidden


def export_int8(encoder: Any, target: Path) -> None:
    """Export to ONNX (opset 17, dynamic batch and length) and quantise the weights to int8,
    one scale per output channel."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    fp32 = target.with_suffix(".fp32.onnx")
    example = torch.ones(1, 8, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    encoder.eval()
    with torch.no_grad():
        torch.onnx.export(
            _Hidden(encoder),
            (example, example),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=17,
            dynamo=False,
        )
    # per channel: the tuned vectors stay at cosine 0.994 of fp32 (0.971 per tensor), as fast
    quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=True)
    fp32.unlink()
