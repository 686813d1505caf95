"""Batching across articles: the encode calls of articles running at once share forward passes.

A worker whose pool runs several articles at once in one process (the ``threads`` pool, as on
a GPU) wraps its encoder in :class:`BatchingEncoder`. Each article's ``encode`` call joins a
list; one thread takes every call waiting at that moment, encodes all their texts together (in
the encoder's length-sorted batches) and hands each caller its rows. A call that finds the
thread idle runs at once, so a shallow queue adds no waiting. When the queue is deep, the calls
that arrive during one forward pass ride together in the next one. Acknowledgements stay per
article, so batching changes nothing about what happens when a worker dies.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from worker.nlp.encoder import Encoder


@dataclass
class _Call:
    texts: Sequence[str]
    done: threading.Event = field(default_factory=threading.Event)
    result: np.ndarray | None = None
    error: BaseException | None = None


class BatchingEncoder:
    """An encoder that merges concurrent calls from several threads into shared batches."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.spec = encoder.spec
        self.device = encoder.device
        self.precision = encoder.precision
        self.calls = 0  # encode calls served
        self.rounds = 0  # merged encodes run: calls / rounds is the mean articles per round
        self._pending: list[_Call] = []
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of `texts`, computed together with whatever other calls are waiting."""
        call = _Call(texts)
        with self._wake:
            self._start()
            self._pending.append(call)
            self._wake.notify()
        call.done.wait()
        if call.error is not None:
            raise call.error
        assert call.result is not None
        return call.result

    def _start(self) -> None:
        if self._thread is None:  # started on first use, so after any fork
            self._thread = threading.Thread(target=self._loop, name="encode", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._pending:
                    self._wake.wait()
                calls, self._pending = self._pending, []
            self._run(calls)

    def _run(self, calls: list[_Call]) -> None:
        try:
            vectors = self.encoder.encode([t for call in calls for t in call.texts])
        except Exception as exc:  # each caller re-raises it in its own thread
            for call in calls:
                call.error = exc
                call.done.set()
            return
        self.calls += len(calls)
        self.rounds += 1
        start = 0
        for call in calls:
            call.result = vectors[start : start + len(call.texts)]
            start += len(call.texts)
            call.done.set()
