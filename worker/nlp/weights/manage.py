"""`newsworker models`: fetch weights from the hub, pin their checksums, verify what is there.

No torch here: fetching and verifying are file operations (huggingface_hub downloads).
Pinning rewrites ``models/manifest.yaml``, keeping its leading comment block.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from worker.errors import ChecksumMismatch, ConfigError, ModelError, ModelNotFound
from worker.nlp.weights.manifest import (
    MANIFEST,
    SECTIONS,
    ModelSpec,
    load_manifest,
    manifest_entries,
    sha256_file,
    spec_from_entry,
    verify_files,
)

log = logging.getLogger(__name__)
# What a fetch takes from a hub repository: configs, tokenizers and safetensors weights only
# (no pickled .bin files, which can run code when loaded, and no duplicate TF/Flax weights).
FETCH_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model"]
UNPINNED_SUFFIXES = (".md", ".lock")


@dataclass(frozen=True)
class Check:
    """What `models verify` found for one manifest entry."""

    section: str
    key: str
    name: str
    path: Path
    status: str  # ok, unpinned, missing, mismatch
    detail: str = ""


def find_entry(models_dir: Path, key: str) -> tuple[str, ModelSpec]:
    """The section and spec of manifest entry `key`; ConfigError when no section has it."""
    for section in SECTIONS:
        entries = manifest_entries(models_dir, section)
        if key in entries:
            return section, spec_from_entry(models_dir, key, entries[key])
    raise ConfigError(f"no entry {key!r} in {models_dir / MANIFEST}")


def all_specs(models_dir: Path) -> list[tuple[str, ModelSpec]]:
    """Every manifest entry as (section, spec), in manifest order."""
    return [
        (section, spec_from_entry(models_dir, key, entry))
        for section in SECTIONS
        for key, entry in manifest_entries(models_dir, section).items()
    ]


def check(section: str, spec: ModelSpec) -> Check:
    """Verify one entry's files against its pinned checksums."""
    base = Check(section, spec.key, spec.name, spec.path, "ok")
    try:
        verify_files(spec)
    except ModelNotFound as exc:
        hint = f"newsworker models fetch {spec.key}" if spec.hub else str(exc)
        return replace(base, status="missing", detail=hint)
    except ChecksumMismatch as exc:
        return replace(base, status="mismatch", detail=str(exc))
    if not spec.pinned:
        return replace(base, status="unpinned", detail=f"newsworker models pin {spec.key}")
    return base


def fetch(models_dir: Path, key: str) -> dict[str, str]:
    """Download entry `key` from the hub, check it, and record its files' sha256."""
    _, spec = find_entry(models_dir, key)
    download(spec)
    return pin(models_dir, key)


def download(spec: ModelSpec) -> Path:
    """Download `spec`'s hub repository at its revision into its directory, then check it.

    Files the manifest pins must match; large files must match the sha256 the hub records
    for them (Git LFS), so a download that was cut or tampered with is refused.
    """
    if not spec.hub:
        raise ConfigError(f"{spec.key} has no hub source to fetch; copy its files to {spec.path}")
    patterns = spec.options.get("files", FETCH_PATTERNS)
    _snapshot(spec, patterns)
    if "files" not in spec.options and not any(spec.path.glob("*.safetensors")):
        _snapshot(spec, ["pytorch_model.bin"])  # older repositories have no safetensors
    verify_files(spec)
    _check_hub_sha256(spec)
    return spec.path


def _snapshot(spec: ModelSpec, patterns: list[str]) -> None:
    from huggingface_hub import snapshot_download

    try:
        snapshot_download(
            repo_id=str(spec.hub),
            revision=spec.revision,
            local_dir=spec.path,
            allow_patterns=patterns,
        )
    except Exception as exc:  # network, auth and not-found errors all mean "not fetched"
        raise ModelNotFound(
            f"cannot download {spec.hub}@{spec.revision or 'main'} from the hub ({exc}); "
            f"where the network is closed, copy the files into {spec.path} on a machine that "
            f"has them, then run `newsworker models verify`"
        ) from exc


def _check_hub_sha256(spec: ModelSpec) -> None:
    from huggingface_hub import HfApi

    try:
        info = HfApi().model_info(str(spec.hub), revision=spec.revision, files_metadata=True)
    except Exception as exc:  # the files came, but their checksums could not be read
        raise ModelNotFound(
            f"downloaded {spec.hub} but could not read the hub's sha256 for it ({exc}); "
            "run the fetch again"
        ) from exc
    for sibling in info.siblings or []:
        path = spec.path / sibling.rfilename
        if sibling.lfs is not None and path.is_file():
            actual = sha256_file(path)
            if actual != sibling.lfs.sha256:
                raise ChecksumMismatch(
                    f"{path} has sha256 {actual}, but the hub records {sibling.lfs.sha256} for "
                    f"{spec.hub}@{spec.revision}; delete {spec.path} and fetch again"
                )


def ensure_present(spec: ModelSpec, allow_download: bool) -> None:
    """Download a hub model whose directory is missing, when downloads are allowed."""
    if spec.hub and allow_download and not spec.path.is_dir():
        log.info("fetching %s@%s into %s", spec.hub, spec.revision or "main", spec.path)
        download(spec)


def weight_files(directory: Path) -> list[Path]:
    """The files of a weights directory worth pinning (not hidden, not READMEs)."""
    return sorted(
        p
        for p in directory.iterdir()
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith(UNPINNED_SUFFIXES)
    )


def pin(models_dir: Path, key: str) -> dict[str, str]:
    """Record the sha256 of every weights file of entry `key` in the manifest.

    Checksums already pinned must still match (ChecksumMismatch otherwise): pinning adds what
    is missing and never overwrites a recorded checksum with a different one.
    """
    section, spec = find_entry(models_dir, key)
    if "python_package" in manifest_entries(models_dir, section)[key]:
        raise ModelError(f"{key} ships in a Python package; its checksums are fixed already")
    verify_files(spec)
    digests = {p.name: sha256_file(p) for p in weight_files(spec.path)}
    data = load_manifest(models_dir)
    data[section][key]["sha256"] = {**digests, **spec.sha256}
    write_manifest(models_dir, data)
    return digests


def write_manifest(models_dir: Path, data: dict[str, Any]) -> None:
    """Write the manifest, keeping the comment lines at its top."""
    path = models_dir / MANIFEST
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = "".join(line for line in _leading_comments(lines))
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(header + body, encoding="utf-8")


def _leading_comments(lines: list[str]) -> list[str]:
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    return header
