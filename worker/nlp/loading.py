"""Everything a process builds from settings, in one place: the encoder and its runtime (torch,
or ONNX Runtime for the int8 export), the topic taggers (zero-shot, a trained head, NLI or a
classifier), the abstractive summariser, and the pipeline that holds them.

Workers (once per process, after the fork), `process`, `eval`, `train-topics`, the benchmarks
and the tests all load models here, so every weights file is checked against its sha256 in
models/manifest.yaml the same way, and every model is placed on a device the same way. Which
backend serves which stage is drawn in :mod:`worker.nlp.backends`.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import Any

import torch
from threadpoolctl import ThreadpoolController
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForSeq2SeqLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
)
from transformers.utils import logging as hf_logging

from worker.config import Settings
from worker.errors import ConfigError, ModelError
from worker.nlp.backends.abstractive import AbstractiveSummariser
from worker.nlp.backends.classifier import ClassifierTagger
from worker.nlp.backends.head import (
    HeadTagger,
    embedder_identity,
    head_meta,
    load_head,
    tuned_encoder,
)
from worker.nlp.backends.nli import NLITagger
from worker.nlp.backends.transformer import Loaded
from worker.nlp.batching import BatchingEncoder
from worker.nlp.embedding_cache import CachedEncode
from worker.nlp.encoder import Encoder, SentenceEncoder
from worker.nlp.entities import EntityTagger
from worker.nlp.gazetteer import load_gazetteer
from worker.nlp.pipeline import Pipeline
from worker.nlp.runtimes import OnnxRuntime, Runtime, TorchRuntime
from worker.nlp.taggers import Taggers
from worker.nlp.taxonomy import read_taxonomy
from worker.nlp.topics import Anchors, Encode, Tagger, ZeroShotTagger
from worker.nlp.weights.manage import ensure_present
from worker.nlp.weights.manifest import ModelSpec, resolve_embedder, resolve_model, verify_files
from worker.schemas import Article, Options

log = logging.getLogger(__name__)
SECTION = {"nli": "nli", "classifier": "classifiers", "abstractive": "summarisers"}
ONNX_FILE = "model.onnx"
ANCHOR_FILE = "iptc-mediatopics-top.yaml"  # the taxonomy whose terms flat taxonomies lean on
UNBOUNDED = 1_000_000  # tokenizers without a known limit report ~1e30
DEFAULT_LIMIT = 512
WARM_UP_TEXT = (
    "Warm-up\n\nThe city council approved the new budget on Monday. "
    "Officials said the plan would fund schools and repair roads."
)


def load_pipeline(settings: Settings) -> Pipeline:
    """The encoder and the configured backends (checksums verified), ready to serve."""
    single_threaded_blas()
    encoder: Encoder = load_encoder(settings)
    if settings.pool == "threads" and (settings.concurrency or 1) > 1:
        encoder = BatchingEncoder(encoder)  # articles running at once share forward passes
    cached = CachedEncode(encoder.encode, _cache(settings), _identity(encoder))
    taggers = load_taggers(settings, cached, encoder.spec)
    entities = load_entity_tagger(settings)
    pipeline = Pipeline(settings, encoder, taggers, load_summariser(settings), entities)
    pipeline.process(Article(text=WARM_UP_TEXT), Options())  # load lazy parts before real work
    return pipeline


def load_entity_tagger(settings: Settings) -> EntityTagger | None:
    """spaCy's NER for the `entity_model` (checksums verified), with only its `ner` component
    loaded, and the gazetteer; None when entities are off."""
    if not settings.entities:
        return None
    import spacy

    spec = resolve_model(settings.models_dir, "entities", settings.entity_model)
    verify_files(spec)
    components = spacy.util.get_model_meta(spec.path).get("components", [])
    nlp = spacy.load(spec.path, exclude=[c for c in components if c != "ner"])
    return EntityTagger(nlp, load_gazetteer(), spec.name)


def _identity(encoder: Encoder) -> str:
    """What makes an encoder's embeddings what they are: its name, files and precision."""
    files = " ".join(f"{name}={digest}" for name, digest in sorted(encoder.spec.sha256.items()))
    return f"{encoder.spec.name} {encoder.precision} {files}"


def _cache(settings: Settings) -> Path | None:
    return settings.cache_dir / "embeddings" if settings.cache_dir is not None else None


def single_threaded_blas() -> None:
    """Hold numpy's own BLAS (OpenBLAS) to one thread in this process. Its work here is small
    matrix-vector products between the transformer's passes (taxonomy cosines, summaries); its
    threads spin after each call and take the cores torch and ONNX Runtime need: on the 1,099
    IPTC terms this cost 11% of throughput in process and 19% end to end (docs/performance.md).
    torch's own thread pool (OpenMP) is left alone."""
    ThreadpoolController().select(internal_api="openblas").limit(limits=1)


def set_torch_threads(threads: int) -> None:
    """Limit torch's intra-op threads in this process (each worker child sets its own)."""
    torch.set_num_threads(max(1, threads))


def resolve_device(device: str) -> str:
    """`auto` becomes `cuda` when a CUDA device is usable, else `cpu`."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        log.warning("device=cuda asked for, but no CUDA device is usable; using the CPU")
        return "cpu"
    return device


def load_encoder(settings: Settings) -> SentenceEncoder:
    """The settings' embedder on its device: the int8 export on a CPU when precision allows.
    A fine-tuned topic head brings its own encoder, which then serves every stage."""
    if settings.torch_threads:
        set_torch_threads(settings.torch_threads)
    if settings.topic_head:
        return _build_encoder(
            settings, *_head_encoder(settings, settings.heads_path / settings.topic_head)
        )
    spec = resolve_embedder(settings.models_dir, settings.embedder)
    verify_files(spec)
    return _build_encoder(settings, spec, int8_spec(settings, spec))


def _build_encoder(settings: Settings, spec: ModelSpec, int8: ModelSpec | None) -> SentenceEncoder:
    """An encoder of `spec` (files verified) on the settings' device; ONNX Runtime runs `int8`
    instead on a CPU."""
    _quiet_transformers()
    device = resolve_device(settings.device)
    runtime = _int8_runtime(int8) if int8 is not None and device == "cpu" else None
    path = str(spec.path)
    return SentenceEncoder(
        spec,
        AutoTokenizer.from_pretrained(path, local_files_only=True),
        runtime or TorchRuntime(AutoModel.from_pretrained(path, local_files_only=True), device),
        device=device,
        dimension=int(AutoConfig.from_pretrained(path).hidden_size),
        batch_size=settings.batch_size_for(device),
        batch_tokens=settings.batch_tokens_for(device),
    )


def int8_spec(settings: Settings, embedder: ModelSpec) -> ModelSpec | None:
    """The embedder's int8 export when precision asks for it (int8, or auto on a CPU)."""
    key = embedder.options.get("int8")
    if settings.precision == "fp32" or not key:
        if settings.precision == "int8":
            raise ConfigError(f"the embedder {embedder.key} has no int8 export in the manifest")
        return None
    return resolve_embedder(settings.models_dir, str(key))


def _int8_runtime(spec: ModelSpec) -> Runtime:
    """An ONNX Runtime session of the int8 export, with torch's thread count for this process."""
    import onnxruntime as ort

    verify_files(spec)
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, torch.get_num_threads())
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(
        str(spec.path / ONNX_FILE), options, providers=["CPUExecutionProvider"]
    )
    return OnnxRuntime(session)


def model_spec(settings: Settings, section: str, ref: str) -> ModelSpec:
    """Resolve a model setting against the manifest (or a directory, or a hub id)."""
    return resolve_model(settings.models_dir, section, ref, allow_download=settings.allow_download)


def load_transformer(spec: ModelSpec, auto_class: Any, settings: Settings) -> Loaded:
    """Tokenizer and `auto_class` model from `spec`'s directory, checksums verified first."""
    ensure_present(spec, settings.allow_download)
    verify_files(spec)
    if not spec.pinned:
        log.warning("loading %s with no pinned checksums (models pin %s)", spec.path, spec.key)
    _quiet_transformers()
    placed = resolve_device(settings.device)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(spec.path), local_files_only=True)
        model = auto_class.from_pretrained(str(spec.path), local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"cannot load {spec.name} from {spec.path}: {exc}") from exc
    if placed == "cuda":
        model = model.half()
    model = model.to(placed).eval()
    positions = _model_limit(tokenizer, model)
    return Loaded(
        spec, tokenizer, model, placed, min(settings.max_input_tokens, positions), positions
    )


def _model_limit(tokenizer: Any, model: Any) -> int:
    """The most tokens the model reads at once: its positions, or the tokenizer's limit."""
    positions = getattr(model.config, "max_position_embeddings", None)
    limits = [int(n) for n in (tokenizer.model_max_length, positions) if n and n < UNBOUNDED]
    return min(limits) if limits else DEFAULT_LIMIT


def _quiet_transformers() -> None:
    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]


def load_summariser(settings: Settings) -> AbstractiveSummariser | None:
    """The abstractive summariser when configured; None means extractive."""
    if settings.summariser != "abstractive" or not settings.summariser_model:
        return None
    spec = model_spec(settings, SECTION["abstractive"], settings.summariser_model)
    return AbstractiveSummariser(load_transformer(spec, AutoModelForSeq2SeqLM, settings), settings)


def load_taggers(settings: Settings, encode: Encode, embedder: ModelSpec) -> Taggers:
    """The default tagger of the configured topic backend, and the per-request factory."""
    if settings.topic_backend == "nli" and settings.topic_model:
        nli = load_nli(settings, settings.topic_model)
        factory = partial(_nli_for, nli=nli, settings=settings)
        return Taggers(nli, settings.taxonomy_dir, factory, settings.tagger_cache_size)
    anchors = load_anchors(settings, encode)
    zero_shot = partial(
        _taxonomy_tagger, settings=settings, encode=encode, embedder=embedder, anchors=anchors
    )
    default: Tagger
    if settings.topic_backend == "classifier" and settings.topic_model:
        default = load_classifier(settings, settings.topic_model)
    elif settings.topic_head:
        default = load_head(settings.heads_path / settings.topic_head, embedder)
    else:
        default = ZeroShotTagger.from_file(settings.taxonomy_path, encode, anchors)
    return Taggers(default, settings.taxonomy_dir, zero_shot, settings.tagger_cache_size)


def load_anchors(settings: Settings, encode: Encode) -> Anchors | None:
    """IPTC's top level as newsworker describes it, which the terse topics of flat taxonomies
    lean on (:func:`worker.nlp.topics.anchored`); None where the taxonomy folder lacks it."""
    path = settings.taxonomy_dir / ANCHOR_FILE
    return ZeroShotTagger.from_file(path, encode).anchors() if path.is_file() else None


def _taxonomy_tagger(
    path: Path, *, settings: Settings, encode: Encode, embedder: ModelSpec, anchors: Anchors | None
) -> Tagger:
    """A request's taxonomy: zero-shot, or the trained head its file names as ``model``."""
    taxonomy = read_taxonomy(path)
    if taxonomy.model is None:
        return ZeroShotTagger.of_taxonomy(taxonomy, encode, anchors)
    directory = settings.heads_path / taxonomy.model
    spec, int8 = _head_encoder(settings, directory)
    head = load_head(directory, spec)
    labels = {t.label: t.qcode for t in taxonomy.topics}
    if set(head.labels) != set(labels):
        raise ConfigError(
            f"taxonomy {path.name} names the head {taxonomy.model!r}, whose labels "
            f"({', '.join(head.labels)}) are not the taxonomy's ({', '.join(labels)})"
        )
    if embedder_identity(spec) == embedder_identity(embedder):
        return HeadTagger(head, taxonomy.name, labels)  # the worker's own vectors serve
    return HeadTagger(head, taxonomy.name, labels, _build_encoder(settings, spec, int8).encode)


def _head_encoder(settings: Settings, directory: Path) -> tuple[ModelSpec, ModelSpec | None]:
    """The encoder a head was trained with and its int8 export (none where precision is fp32):
    its own when fine-tuned, else the configured embedder."""
    tuned = tuned_encoder(directory, head_meta(directory))
    if tuned is None:
        spec = resolve_embedder(settings.models_dir, settings.embedder)
        verify_files(spec)
        return spec, int8_spec(settings, spec)
    return tuned[0], None if settings.precision == "fp32" else tuned[1]


def load_nli(settings: Settings, ref: str) -> NLITagger:
    """The NLI model `ref` (checksums verified) with the worker's taxonomy."""
    spec = model_spec(settings, SECTION["nli"], ref)
    loaded = load_transformer(spec, AutoModelForSequenceClassification, settings)
    return NLITagger.for_taxonomy(loaded, settings.taxonomy_path, settings)


def load_classifier(settings: Settings, ref: str) -> ClassifierTagger:
    """The classifier `ref` (checksums verified); QCodes come from the worker's taxonomy."""
    spec = model_spec(settings, SECTION["classifier"], ref)
    loaded = load_transformer(spec, AutoModelForSequenceClassification, settings)
    label_map = {str(k): str(v) for k, v in (spec.options.get("label_map") or {}).items()}
    qcodes = {t.label: t.qcode for t in read_taxonomy(settings.taxonomy_path).topics}
    return ClassifierTagger(loaded, label_map, qcodes, settings)


def _nli_for(path: Path, nli: NLITagger, settings: Settings) -> Tagger:
    return NLITagger.for_taxonomy(nli.loaded, path, settings)
