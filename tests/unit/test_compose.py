"""The deployment contract: docker-compose.yml and the Dockerfile.

No Docker engine runs where these tests run, so the Compose file is validated against the
Compose Specification's JSON schema (vendored in tests/data, see its README) and the settings a
deployer relies on are asserted one by one: a durable, healthchecked Redis that never evicts
broker messages; workers that start only once Redis is healthy, receive SIGTERM directly and get
time to finish their tasks; a GPU worker and Flower that run only when their profile is asked for.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema.validators import validator_for

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
COMPOSE_SCHEMA = REPO_ROOT / "tests" / "data" / "compose-spec.json"

WORKERS = ("worker", "worker-gpu")
REDIS_URL = "redis://redis:6379/0"
DOCKER_DEFAULT_STOP_S = 10.0
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(us|ms|s|m|h)")
_DURATION_UNIT_S = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


@functools.cache
def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return loaded


def _service(name: str) -> dict[str, Any]:
    services: dict[str, dict[str, Any]] = _compose()["services"]
    return services[name]


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    return schema


def _canonical_draft(uri: str) -> str:
    """Spell a `$schema` URI the way jsonschema registers the drafts (http, no fragment)."""
    return re.sub(r"^https://", "http://", uri).rstrip("#")


def _schema_errors(document: dict[str, Any]) -> list[str]:
    """Validate with the draft the schema declares, not jsonschema's latest default."""
    schema = _schema()
    validator_class = validator_for({"$schema": _canonical_draft(schema["$schema"])})
    validator = validator_class(schema)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def _duration_s(value: str) -> float:
    """Parse a Compose duration such as '90s' or '1m30s' into seconds."""
    parts = _DURATION_PART.findall(value)
    assert parts, f"not a Compose duration: {value!r}"
    assert "".join(number + unit for number, unit in parts) == value, value
    return sum(float(number) * _DURATION_UNIT_S[unit] for number, unit in parts)


def _mount_target(volume: str | dict[str, Any]) -> str:
    if isinstance(volume, dict):
        return str(volume["target"])
    return volume.split(":")[1]


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions: list[tuple[str, str]] = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def _last_instruction(keyword: str) -> str:
    matches = [args for kw, args in _dockerfile_instructions() if kw == keyword]
    assert matches, f"Dockerfile has no {keyword}"
    return matches[-1]


def test_vendored_schema_declares_a_draft_jsonschema_knows() -> None:
    schema = _schema()
    validator_class = validator_for({"$schema": _canonical_draft(schema["$schema"])})
    meta_schema = validator_class.META_SCHEMA
    meta_schema_id = str(meta_schema.get("$id", meta_schema.get("id", "")))
    assert _canonical_draft(meta_schema_id) == _canonical_draft(schema["$schema"])
    validator_class.check_schema(schema)


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    errors = _schema_errors(_compose())
    assert not errors, "docker-compose.yml breaks the Compose schema:\n" + "\n".join(errors)


def test_schema_validation_catches_a_misspelt_service_key() -> None:
    broken = copy.deepcopy(_compose())
    broken["services"]["worker"]["stop_grace_periods"] = "90s"
    assert any("stop_grace_periods" in error for error in _schema_errors(broken))


def test_compose_file_has_no_obsolete_version_key() -> None:
    assert "version" not in _compose()


def test_redis_persists_every_write_to_an_append_only_file() -> None:
    command = _service("redis")["command"]
    assert isinstance(command, list)
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--appendfsync") + 1] == "everysec"


def test_redis_never_evicts_broker_messages() -> None:
    command = _service("redis")["command"]
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"


def test_redis_keeps_its_data_on_a_named_volume() -> None:
    mounts = {_mount_target(volume): volume for volume in _service("redis")["volumes"]}
    assert "/data" in mounts
    source = str(mounts["/data"]).split(":")[0]
    assert source in _compose()["volumes"]


def test_redis_has_a_ping_healthcheck() -> None:
    test = _service("redis")["healthcheck"]["test"]
    assert test[0] == "CMD"
    assert "redis-cli" in test
    assert "ping" in test


@pytest.mark.parametrize("name", WORKERS)
def test_worker_command_is_exec_form(name: str) -> None:
    command = _service(name)["command"]
    assert isinstance(command, list)
    assert command[:2] == ["newsworker", "worker"]


@pytest.mark.parametrize("name", WORKERS)
def test_worker_gets_longer_than_dockers_default_to_stop(name: str) -> None:
    assert _duration_s(_service(name)["stop_grace_period"]) > DOCKER_DEFAULT_STOP_S


@pytest.mark.parametrize("name", WORKERS)
def test_worker_mounts_models_at_app_models(name: str) -> None:
    targets = [_mount_target(volume) for volume in _service(name)["volumes"]]
    assert "/app/models" in targets


@pytest.mark.parametrize("name", WORKERS)
def test_worker_starts_only_once_redis_is_healthy(name: str) -> None:
    assert _service(name)["depends_on"]["redis"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", WORKERS)
def test_worker_healthcheck_runs_newsworker_health(name: str) -> None:
    assert _service(name)["healthcheck"]["test"] == ["CMD", "newsworker", "health", "--this-host"]


@pytest.mark.parametrize("name", WORKERS)
def test_worker_uses_the_compose_redis(name: str) -> None:
    assert _service(name)["environment"]["NEWSWORKER_REDIS_URL"] == REDIS_URL


def test_cpu_worker_has_a_memory_limit() -> None:
    assert _service("worker")["deploy"]["resources"]["limits"]["memory"]


def test_gpu_worker_runs_only_under_the_gpu_profile() -> None:
    assert _service("worker-gpu")["profiles"] == ["gpu"]


def test_gpu_worker_reserves_one_nvidia_gpu() -> None:
    devices = _service("worker-gpu")["deploy"]["resources"]["reservations"]["devices"]
    assert {"driver": "nvidia", "count": 1, "capabilities": ["gpu"]} in devices
    assert _service("worker-gpu")["environment"]["NEWSWORKER_DEVICE"] == "cuda"


def test_gpu_worker_runs_one_process_with_a_threads_pool_on_the_gpu_queue() -> None:
    command = _service("worker-gpu")["command"]
    assert command[command.index("--pool") + 1] == "threads"
    assert int(command[command.index("--concurrency") + 1]) > 1  # articles share batches
    assert command[command.index("--queues") + 1] == "gpu"


def test_flower_runs_only_under_the_monitoring_profile() -> None:
    assert _service("flower")["profiles"] == ["monitoring"]


def test_flower_watches_the_same_broker_as_the_workers() -> None:
    assert f"--broker={REDIS_URL}" in _service("flower")["command"]


def test_plain_up_starts_only_redis_and_the_cpu_worker() -> None:
    services = _compose()["services"]
    unprofiled = {name for name, service in services.items() if not service.get("profiles")}
    assert unprofiled == {"redis", "worker"}


@pytest.mark.parametrize("keyword", ["ENTRYPOINT", "CMD"])
def test_dockerfile_entrypoint_and_cmd_are_exec_form(keyword: str) -> None:
    arguments = _last_instruction(keyword)
    parsed = json.loads(arguments)  # shell form is not JSON and fails here
    assert isinstance(parsed, list)
    assert parsed
    assert all(isinstance(part, str) for part in parsed)


def test_dockerfile_runs_newsworker_worker_by_default() -> None:
    command = json.loads(_last_instruction("ENTRYPOINT")) + json.loads(_last_instruction("CMD"))
    assert command == ["newsworker", "worker"]


def test_dockerfile_runs_as_a_non_root_user() -> None:
    assert _last_instruction("USER").split(":")[0] not in {"root", "0"}
