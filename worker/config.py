"""The one typed settings object, read from ``NEWSWORKER_*`` environment variables.

This is the only module that reads the environment. Nothing is built at import time: call
:func:`get_settings` (cached) or construct :class:`Settings` directly in tests.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


def default_cache_dir() -> Path:
    """Where newsworker keeps what it can rebuild: $XDG_CACHE_HOME/newsworker, else
    ~/.cache/newsworker."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsworker"


DAY_S = 24 * 3600

Device = Literal["auto", "cpu", "cuda"]
Pool = Literal["prefork", "solo", "threads"]
Precision = Literal["auto", "fp32", "int8"]
SummariserKind = Literal["extractive", "abstractive"]
TopicBackend = Literal["embedding", "nli", "classifier"]
# Sentences (and windows) go through the encoder in batches of this size when batch_size is unset.
DEFAULT_BATCH_SIZE = {"cpu": 64, "cuda": 256}
# ... and of at most this many tokens once padded: on a CPU small batches run faster (less
# padding, activations that stay in cache); a GPU wants large ones (bench/throughput.py).
DEFAULT_BATCH_TOKENS = {"cpu": 256, "cuda": 65536}


class Settings(BaseSettings):
    """Everything a worker, producer or CLI run can be configured with."""

    model_config = SettingsConfigDict(env_prefix="NEWSWORKER_", extra="ignore")

    # Redis: broker and result store (one URL serves both unless broker_url is set).
    redis_url: str = "redis://127.0.0.1:6379/0"
    broker_url: str | None = None
    queue: str = "newsworker"
    result_ttl_s: int = Field(7 * DAY_S, gt=0)
    events_maxlen: int = Field(100_000, gt=0)
    redis_timeout_s: float = Field(5.0, gt=0)
    # Reprint detection (worker/reprints.py): an index in the same Redis; how far back it looks
    # (None: result_ttl_s, so a reprint is found while its original's result exists).
    reprints: bool = True
    reprint_window_s: int | None = Field(None, gt=0)

    # Reliability: a visibility timeout above the hard limit stops Redis redelivering running work.
    task_soft_time_limit_s: int = Field(120, gt=0)
    task_time_limit_s: int = Field(150, gt=0)
    visibility_timeout_s: int = Field(300, gt=0)
    max_deliveries: int = Field(3, ge=1)
    model_load_timeout_s: float = Field(120.0, gt=0)
    heartbeat_s: float = Field(10.0, gt=0)
    max_memory_per_child_kb: int | None = None

    # Processes and devices; None means "choose from the CPUs this process may use".
    device: Device = "auto"
    pool: Pool | None = None
    concurrency: int | None = Field(None, ge=1)
    torch_threads: int | None = Field(None, ge=1)
    batch_size: int | None = Field(None, ge=1)  # None: DEFAULT_BATCH_SIZE for the device
    batch_tokens: int | None = Field(None, ge=1)  # None: DEFAULT_BATCH_TOKENS for the device
    gpu_queue: str = "gpu"  # what a worker on CUDA consumes unless given --queues

    # Models and input limits.
    models_dir: Path = DEFAULT_MODELS_DIR
    embedder: str = "minilm"
    # auto: the embedder's int8 ONNX export on a CPU when the manifest names one, fp16 on CUDA.
    precision: Precision = "auto"
    taxonomy: Path | None = None
    # Embeddings of taxonomy texts kept across worker starts (worker.nlp.embedding_cache);
    # None: not kept.
    cache_dir: Path | None = Field(default_factory=default_cache_dir)
    # A trained head under models_dir/heads/ (`newsworker train-topics`) replaces zero-shot.
    topic_head: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
    # Taggers of the taxonomies requests name, kept per process (a fine-tuned model's holds
    # its encoder); the least recently used goes first.
    tagger_cache_size: int = Field(8, ge=1)
    max_text_chars: int = Field(500_000, gt=0)
    min_language_confidence: float = Field(0.5, ge=0, le=1)

    # Backends (worker.nlp.backends). A model is a manifest key, a directory under models_dir,
    # or (only with allow_download) a hub id.
    summariser: SummariserKind = "extractive"
    summariser_model: str | None = None
    topic_backend: TopicBackend = "embedding"
    topic_model: str | None = None
    nli_template: str = "This article is about {}."
    allow_download: bool = False

    # Bounds on the transformer backends, so that no article can hold a worker for long.
    max_input_tokens: int = Field(1024, ge=16)  # per chunk; capped by the model's own limit
    max_chunks: int = Field(8, ge=1)  # chunks per article; longer ones are pre-selected
    summary_max_tokens: int = Field(142, ge=1)
    summary_min_tokens: int = Field(10, ge=0)
    summary_beams: int = Field(4, ge=1, le=16)
    no_repeat_ngram_size: int = Field(3, ge=0)
    generation_timeout_s: float = Field(60.0, gt=0)

    # Named entities (worker.nlp.entities) in English results; entity_model is a key of the
    # manifest's `entities` section.
    entities: bool = True
    entity_model: str = "en-core-web-sm"

    log_level: str = "INFO"
    # Prometheus metrics of a worker at :PORT/metrics (worker/service/metrics.py); None: off.
    metrics_port: int | None = Field(9808, ge=1, le=65535)

    @model_validator(mode="after")
    def _limits_are_ordered(self) -> Self:
        if not self.task_soft_time_limit_s < self.task_time_limit_s < self.visibility_timeout_s:
            raise ValueError(
                "need task_soft_time_limit_s < task_time_limit_s < visibility_timeout_s, "
                "otherwise Redis redelivers tasks that are still running"
            )
        if self.generation_timeout_s >= self.task_soft_time_limit_s:
            raise ValueError("generation_timeout_s must be below task_soft_time_limit_s")
        return self

    @model_validator(mode="after")
    def _backends_have_models(self) -> Self:
        if self.summariser == "abstractive" and not self.summariser_model:
            raise ValueError("summariser=abstractive needs summariser_model (a manifest key)")
        if self.topic_backend != "embedding" and not self.topic_model:
            raise ValueError(f"topic_backend={self.topic_backend} needs topic_model")
        if self.topic_backend != "embedding" and self.topic_head:
            raise ValueError("topic_head is a head on the embeddings: use topic_backend=embedding")
        return self

    @property
    def broker(self) -> str:
        """The broker URL: `broker_url` when set, else the result store's `redis_url`."""
        return self.broker_url or self.redis_url

    @property
    def reprint_window(self) -> int:
        """Seconds the reprint index looks back: `reprint_window_s`, else the result TTL."""
        return self.reprint_window_s or self.result_ttl_s

    @property
    def taxonomy_path(self) -> Path:
        """The taxonomy file: `taxonomy` when set, else IPTC Media Topics under `models_dir`:
        the whole tree, or its top level for the NLI backend (which tests one hypothesis per
        term: 1,099 per article would cost ~65 times the 17)."""
        if self.taxonomy is not None:
            return self.taxonomy
        name = (
            "iptc-mediatopics-top.yaml" if self.topic_backend == "nli" else "iptc-mediatopics.yaml"
        )
        return self.taxonomy_dir / name

    @property
    def taxonomy_dir(self) -> Path:
        """Where the taxonomy files a request may name (by stem) are: `models_dir`/taxonomy."""
        return self.models_dir / "taxonomy"

    def batch_size_for(self, device: str) -> int:
        """`batch_size` when set, else the default for `device` (cpu or cuda)."""
        return self.batch_size or DEFAULT_BATCH_SIZE.get(device, DEFAULT_BATCH_SIZE["cpu"])

    def batch_tokens_for(self, device: str) -> int:
        """`batch_tokens` when set, else the default for `device` (cpu or cuda)."""
        return self.batch_tokens or DEFAULT_BATCH_TOKENS.get(device, DEFAULT_BATCH_TOKENS["cpu"])

    @property
    def heads_path(self) -> Path:
        """Where trained topic heads are: `models_dir`/heads/<name>/."""
        return self.models_dir / "heads"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read from the environment once."""
    return Settings()
