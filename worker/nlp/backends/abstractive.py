"""Abstractive summaries with any sequence-to-sequence model (BART, PEGASUS, T5 ...).

Transformers dropped its ``summarization`` pipeline, so this calls the model class and
``generate`` directly. Generation is bounded so that no article can hold a worker: inputs are
cut into chunks of at most the model's window (:mod:`worker.nlp.backends.chunks`), at most
``max_chunks`` of them; outputs are capped in tokens, beams and time, and n-grams may not
repeat. A long article is summarised chunk by chunk, each partial summary short enough that
together they fit one window, and the partial summaries are summarised again (map, then
reduce) into one summary of at most the cap, in at most :data:`MAX_ROUNDS` rounds.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import torch

from worker.config import Settings
from worker.nlp.backends.chunks import pack
from worker.nlp.backends.transformer import Loaded
from worker.nlp.encoder import SPECIAL_TOKENS

MAX_ROUNDS = 3
MIN_PART_TOKENS = 8  # a partial summary shorter than this says too little to combine


@dataclass(frozen=True)
class Generation:
    """Bounds on one `generate` call."""

    max_new_tokens: int
    min_new_tokens: int
    num_beams: int
    no_repeat_ngram_size: int
    max_time_s: float  # for the whole summary, all chunks and rounds together


@dataclass(frozen=True)
class Abstract:
    """A generated summary, with how many chunks and rounds it took and how many tokens the
    model generated for it (within the cap; its text may tokenize to a few more)."""

    text: str
    chunks: int
    rounds: int
    tokens: int


class Abstractive(Protocol):
    """What the pipeline needs from an abstractive summariser (implemented below)."""

    name: str

    @property
    def input_budget(self) -> int: ...

    def count(self, texts: Sequence[str]) -> int: ...

    def summarise(self, sentences: list[str], max_new_tokens: int | None = None) -> Abstract: ...


class AbstractiveSummariser:
    """Writes summaries with one seq2seq model, loaded once per process."""

    def __init__(self, loaded: Loaded, settings: Settings) -> None:
        self.loaded = loaded
        self.name = loaded.spec.name
        self.window = loaded.max_input_tokens - SPECIAL_TOKENS
        self.max_chunks = settings.max_chunks
        self.batch_size = settings.batch_size_for(loaded.device)
        self.bounds = Generation(
            max_new_tokens=min(settings.summary_max_tokens, loaded.max_positions - SPECIAL_TOKENS),
            min_new_tokens=min(settings.summary_min_tokens, settings.summary_max_tokens),
            num_beams=settings.summary_beams,
            no_repeat_ngram_size=settings.no_repeat_ngram_size,
            max_time_s=settings.generation_timeout_s,
        )

    @property
    def input_budget(self) -> int:
        """The most article tokens one summary reads: `max_chunks` full windows."""
        return self.window * self.max_chunks

    def count(self, texts: Sequence[str]) -> int:
        """Tokens in `texts` for this model."""
        return sum(self.loaded.count_tokens(texts))

    def summarise(self, sentences: list[str], max_new_tokens: int | None = None) -> Abstract:
        """One summary of `sentences` (in article order), at most `max_new_tokens` long."""
        with self.loaded.lock:  # see Loaded.lock
            cap = min(max_new_tokens or self.bounds.max_new_tokens, self.bounds.max_new_tokens)
            chunks = pack(sentences, self.loaded.count_tokens, self.window)[: self.max_chunks]
            first, rounds = len(chunks), 1
            deadline = time.monotonic() + self.bounds.max_time_s
            while len(chunks) > 1 and rounds < MAX_ROUNDS:
                rounds += 1
                parts = self._generate(chunks, self._part_cap(cap, len(chunks)), deadline)
                chunks = pack([text for text, _ in parts], self.loaded.count_tokens, self.window)
            # One window is left (the tokenizer's truncation guards the last round's rare overflow).
            [(text, tokens)] = self._generate([" ".join(chunks)], cap, deadline)
            return Abstract(text, first, rounds, tokens)

    def _part_cap(self, cap: int, parts: int) -> int:
        """Tokens for each partial summary, so that all of them fit in one window together."""
        return max(MIN_PART_TOKENS, min(cap, self.window // parts))

    @torch.inference_mode()
    def _generate(
        self, chunks: list[str], max_new_tokens: int, deadline: float
    ) -> list[tuple[str, int]]:
        """Each chunk's summary and the number of tokens generated for it."""
        out: list[tuple[str, int]] = []
        for start in range(0, len(chunks), self.batch_size):
            batch = chunks[start : start + self.batch_size]
            out.extend(self._generate_batch(batch, max_new_tokens, deadline))
        return [(text.strip(), tokens) for text, tokens in out]

    def _generate_batch(
        self, chunks: list[str], max_new_tokens: int, deadline: float
    ) -> list[tuple[str, int]]:
        tokenizer, model = self.loaded.tokenizer, self.loaded.model
        batch = tokenizer(
            chunks,
            return_tensors="pt",
            padding=True,
            truncation=True,
            max_length=self.loaded.max_input_tokens,
        ).to(self.loaded.device)
        output = model.generate(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            max_new_tokens=max_new_tokens,
            min_new_tokens=min(self.bounds.min_new_tokens, max_new_tokens),
            num_beams=self.bounds.num_beams,
            no_repeat_ngram_size=self.bounds.no_repeat_ngram_size,
            early_stopping=self.bounds.num_beams > 1,
            # generate stops after max_time; the last call gets what is left, at least 1 s
            max_time=max(deadline - time.monotonic(), 1.0),
        )
        texts: list[str] = tokenizer.batch_decode(output, skip_special_tokens=True)
        # every row opens with the decoder's start token, which was not generated
        lengths = (output[:, 1:] != tokenizer.pad_token_id).sum(dim=1)
        return list(zip(texts, (int(n) for n in lengths), strict=True))
