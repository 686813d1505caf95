"""The models/ manifest: finding the embedder's weights and refusing files that do not match.

The shipped manifest must resolve to the installed MiniLM weights and their checksums must hold.
Damaged, missing or unknown weights must be refused with an error that tells the operator what
to do. Tampering is tested on a temporary copy of the small files only (config, vocabulary,
tokenizer), never on the installed weights.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from worker.config import DEFAULT_MODELS_DIR
from worker.errors import ChecksumMismatch, ConfigError, ModelError, ModelNotFound
from worker.nlp.weights.manage import check
from worker.nlp.weights.manifest import ModelSpec, resolve_embedder, sha256_file, verify_files

SMALL_FILES = ("config.json", "vocab.txt", "tokenizer.json")


@pytest.fixture(scope="module")
def installed() -> ModelSpec:
    """The shipped manifest's embedder, resolved to the installed weights."""
    return resolve_embedder(DEFAULT_MODELS_DIR, "minilm")


@pytest.fixture
def small_copy(installed: ModelSpec, tmp_path: Path) -> ModelSpec:
    """A spec over a temporary copy of the small weight files, with the manifest's checksums."""
    weights = tmp_path / "weights"
    weights.mkdir()
    for name in SMALL_FILES:
        shutil.copyfile(installed.path / name, weights / name)
    return ModelSpec(
        key="tiny",
        name="test/tiny-copy",
        path=weights,
        version="test",
        sha256={name: installed.sha256[name] for name in SMALL_FILES},
    )


def _write_manifest(models_dir: Path, embedders: dict[str, object]) -> None:
    models_dir.mkdir(parents=True, exist_ok=True)
    (models_dir / "manifest.yaml").write_text(
        yaml.safe_dump({"embedders": embedders}), encoding="utf-8"
    )


# the shipped manifest


def test_shipped_embedder_resolves_to_an_existing_directory(installed: ModelSpec) -> None:
    assert installed.key == "minilm"
    assert installed.name == "sentence-transformers/all-MiniLM-L6-v2"
    assert installed.path.is_dir()
    assert installed.max_tokens == 256


def test_shipped_manifest_pins_every_file_the_encoder_reads(installed: ModelSpec) -> None:
    assert {"model.safetensors", *SMALL_FILES} <= set(installed.sha256)
    assert all(len(digest) == 64 for digest in installed.sha256.values())
    assert all((installed.path / name).is_file() for name in installed.sha256)


def test_installed_weights_pass_verification(installed: ModelSpec) -> None:
    verify_files(installed)  # reads model.safetensors (about 90 MB) once


@pytest.mark.parametrize("key", ["minilm", "minilm-int8"])
def test_models_verify_calls_each_shipped_embedder_ok(key: str) -> None:
    """Each weights file format counts as pinned: an int8 ONNX file too, so `models verify`
    does not tell the operator to pin a package's weights (which `pin` refuses)."""
    found = check("embedders", resolve_embedder(DEFAULT_MODELS_DIR, key))
    assert (found.status, found.detail) == ("ok", "")


# tampering on a small copy


def test_unchanged_copy_passes_verification(small_copy: ModelSpec) -> None:
    verify_files(small_copy)


def test_modified_file_raises_checksum_mismatch(small_copy: ModelSpec) -> None:
    config = small_copy.path / "config.json"
    config.write_bytes(config.read_bytes() + b"\n")
    with pytest.raises(ChecksumMismatch) as info:
        verify_files(small_copy)
    message = str(info.value)
    assert str(config) in message
    assert small_copy.sha256["config.json"] in message
    assert sha256_file(config) in message
    assert "reinstall" in message
    assert "manifest" in message


def test_checksum_mismatch_is_a_model_error(small_copy: ModelSpec) -> None:
    (small_copy.path / "vocab.txt").write_text("[PAD]\n[UNK]\n", encoding="utf-8")
    with pytest.raises(ModelError):
        verify_files(small_copy)


def test_missing_file_raises_model_not_found(small_copy: ModelSpec) -> None:
    (small_copy.path / "tokenizer.json").unlink()
    with pytest.raises(ModelNotFound) as info:
        verify_files(small_copy)
    assert "tokenizer.json" in str(info.value)
    assert "re-fetch" in str(info.value) or "reinstall" in str(info.value)


def test_missing_weights_directory_raises_model_not_found(small_copy: ModelSpec) -> None:
    shutil.rmtree(small_copy.path)
    with pytest.raises(ModelNotFound, match="does not exist"):
        verify_files(small_copy)


def test_sha256_file_matches_the_manifest(installed: ModelSpec, small_copy: ModelSpec) -> None:
    for name in SMALL_FILES:
        assert sha256_file(small_copy.path / name) == installed.sha256[name]


# manifests of our own


def test_manifest_with_a_path_source_resolves_under_models_dir(
    small_copy: ModelSpec, tmp_path: Path
) -> None:
    models_dir = tmp_path / "models"
    shutil.move(small_copy.path, models_dir / "tiny")
    _write_manifest(
        models_dir,
        {
            "tiny": {
                "name": "test/tiny",
                "path": "tiny",
                "max_tokens": 128,
                "sha256": small_copy.sha256,
            }
        },
    )
    spec = resolve_embedder(models_dir, "tiny")
    assert spec.path == models_dir / "tiny"
    assert spec.max_tokens == 128
    assert spec.version == "models/tiny"
    verify_files(spec)


def test_manifest_naming_a_package_that_is_not_installed(tmp_path: Path) -> None:
    _write_manifest(
        tmp_path,
        {"ghost": {"name": "test/ghost", "python_package": "newsworker_no_such_weights_pkg"}},
    )
    with pytest.raises(ModelNotFound, match="newsworker_no_such_weights_pkg"):
        resolve_embedder(tmp_path, "ghost")


def test_missing_manifest_raises_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_embedder(tmp_path, "minilm")
    assert str(tmp_path / "manifest.yaml") in str(info.value)
    assert "NEWSWORKER_MODELS_DIR" in str(info.value)


def test_unknown_embedder_key_raises_config_error_listing_the_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        resolve_embedder(DEFAULT_MODELS_DIR, "mpnet")
    assert "'mpnet'" in str(info.value)
    assert "minilm" in str(info.value)


def test_manifest_that_is_not_a_mapping_raises_config_error(tmp_path: Path) -> None:
    (tmp_path / "manifest.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a mapping"):
        resolve_embedder(tmp_path, "minilm")
