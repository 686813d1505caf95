"""Settings: NEWSWORKER_* environment variables, limits that must be ordered, and defaults.

A deployer configures the worker only through the environment, so a variable must reach the
setting it names, and a combination that would make Redis redeliver running tasks must be
refused at start-up with a message that names the setting to change.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from worker.config import DEFAULT_MODELS_DIR, Settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_defaults_without_environment() -> None:
    settings = Settings()
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.queue == "newsworker"
    assert settings.device == "auto"
    assert settings.pool is None
    assert settings.concurrency is None
    assert settings.embedder == "minilm"
    assert settings.task_soft_time_limit_s < settings.task_time_limit_s
    assert settings.task_time_limit_s < settings.visibility_timeout_s


def test_settings_read_newsworker_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWORKER_REDIS_URL", "redis://redis:6379/2")
    monkeypatch.setenv("NEWSWORKER_QUEUE", "gpu")
    monkeypatch.setenv("NEWSWORKER_DEVICE", "cuda")
    monkeypatch.setenv("NEWSWORKER_POOL", "solo")
    monkeypatch.setenv("NEWSWORKER_CONCURRENCY", "3")
    monkeypatch.setenv("NEWSWORKER_TORCH_THREADS", "2")
    monkeypatch.setenv("NEWSWORKER_BATCH_SIZE", "16")
    monkeypatch.setenv("NEWSWORKER_RESULT_TTL_S", "3600")
    monkeypatch.setenv("NEWSWORKER_MIN_LANGUAGE_CONFIDENCE", "0.8")
    monkeypatch.setenv("NEWSWORKER_MODELS_DIR", "/srv/models")
    settings = Settings()
    assert settings.redis_url == "redis://redis:6379/2"
    assert settings.queue == "gpu"
    assert settings.device == "cuda"
    assert settings.pool == "solo"
    assert settings.concurrency == 3
    assert settings.torch_threads == 2
    assert settings.batch_size == 16
    assert settings.result_ttl_s == 3600
    assert settings.min_language_confidence == 0.8
    assert settings.models_dir == Path("/srv/models")


def test_variable_names_are_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("newsworker_queue", "lower")
    assert Settings().queue == "lower"


def test_variables_without_the_prefix_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://elsewhere:6379/0")
    monkeypatch.setenv("QUEUE", "other")
    settings = Settings()
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.queue == "newsworker"


def test_unknown_newsworker_variable_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWORKER_NOT_A_SETTING", "1")
    assert Settings().queue == "newsworker"


def test_constructor_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWORKER_QUEUE", "from-env")
    assert Settings(queue="explicit").queue == "explicit"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NEWSWORKER_DEVICE", "gpu"),
        ("NEWSWORKER_POOL", "eventlet"),
        ("NEWSWORKER_CONCURRENCY", "0"),
        ("NEWSWORKER_CONCURRENCY", "many"),
        ("NEWSWORKER_RESULT_TTL_S", "-1"),
        ("NEWSWORKER_MIN_LANGUAGE_CONFIDENCE", "1.5"),
        ("NEWSWORKER_MAX_DELIVERIES", "0"),
    ],
)
def test_invalid_variable_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as info:
        Settings()
    field = name.removeprefix("NEWSWORKER_").lower()
    assert field in str(info.value)


@pytest.mark.parametrize(("soft", "hard"), [(150, 150), (200, 150)])
def test_soft_limit_must_be_below_hard_limit(soft: int, hard: int) -> None:
    with pytest.raises(ValidationError) as info:
        Settings(task_soft_time_limit_s=soft, task_time_limit_s=hard)
    assert "task_soft_time_limit_s < task_time_limit_s" in str(info.value)


@pytest.mark.parametrize(("hard", "visibility"), [(300, 300), (400, 300)])
def test_hard_limit_must_be_below_visibility_timeout(hard: int, visibility: int) -> None:
    with pytest.raises(ValidationError) as info:
        Settings(task_time_limit_s=hard, visibility_timeout_s=visibility)
    assert "visibility_timeout_s" in str(info.value)
    assert "redeliver" in str(info.value)


def test_limits_from_the_environment_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWORKER_TASK_TIME_LIMIT_S", "600")
    with pytest.raises(ValidationError) as info:
        Settings()
    assert "visibility_timeout_s" in str(info.value)


def test_raising_all_limits_together_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWORKER_TASK_SOFT_TIME_LIMIT_S", "500")
    monkeypatch.setenv("NEWSWORKER_TASK_TIME_LIMIT_S", "600")
    monkeypatch.setenv("NEWSWORKER_VISIBILITY_TIMEOUT_S", "900")
    settings = Settings()
    assert (
        settings.task_soft_time_limit_s,
        settings.task_time_limit_s,
        settings.visibility_timeout_s,
    ) == (500, 600, 900)


def test_broker_falls_back_to_the_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWORKER_REDIS_URL", "redis://store:6379/3")
    assert Settings().broker == "redis://store:6379/3"


def test_broker_url_wins_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWORKER_REDIS_URL", "redis://store:6379/3")
    monkeypatch.setenv("NEWSWORKER_BROKER_URL", "redis://broker:6379/0")
    settings = Settings()
    assert settings.broker == "redis://broker:6379/0"
    assert settings.redis_url == "redis://store:6379/3"


def test_default_taxonomy_is_the_shipped_iptc_file() -> None:
    path = Settings().taxonomy_path
    assert path.is_file()
    assert path.parent == REPO_ROOT / "models" / "taxonomy"
    assert path.name == "iptc-mediatopics.yaml"


def test_default_models_dir_is_the_repository_models_folder() -> None:
    assert DEFAULT_MODELS_DIR == REPO_ROOT / "models"
    assert (DEFAULT_MODELS_DIR / "manifest.yaml").is_file()


def test_taxonomy_follows_the_models_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEWSWORKER_MODELS_DIR", str(tmp_path))
    assert Settings().taxonomy_path == tmp_path / "taxonomy" / "iptc-mediatopics.yaml"


def test_explicit_taxonomy_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    own = tmp_path / "topics.json"
    monkeypatch.setenv("NEWSWORKER_TAXONOMY", str(own))
    assert Settings().taxonomy_path == own


def test_backends_need_their_models() -> None:
    with pytest.raises(ValidationError, match="summariser_model"):
        Settings(summariser="abstractive")
    with pytest.raises(ValidationError, match="topic_backend=nli needs topic_model"):
        Settings(topic_backend="nli")
    with pytest.raises(ValidationError, match="topic_head"):
        Settings(topic_backend="classifier", topic_model="desk", topic_head="mine")
    with pytest.raises(ValidationError, match="generation_timeout_s"):
        Settings(generation_timeout_s=500)


def test_batch_size_is_chosen_per_device_unless_set() -> None:
    assert Settings().batch_size_for("cpu") == 64
    assert Settings().batch_size_for("cuda") == 256
    assert Settings(batch_size=8).batch_size_for("cuda") == 8


def test_the_nli_backend_defaults_to_the_top_level(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWORKER_TOPIC_BACKEND", "nli")
    monkeypatch.setenv("NEWSWORKER_TOPIC_MODEL", "tiny-nli")
    assert Settings().taxonomy_path.name == "iptc-mediatopics-top.yaml"
