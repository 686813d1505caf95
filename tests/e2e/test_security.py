"""Security a user can check from outside: a password in the Redis URL works everywhere, and it
never shows up in logs, in `health` or `status`, or in error messages; article text stays out of
the worker's log at the default level."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import WorkerProcess, newsworker
from worker.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = f"s3cret-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def locked_redis() -> Iterator[RedisServer]:
    """A Redis that requires a password, as a managed Redis does."""
    with RedisServer(appendonly=False, password=PASSWORD) as server:
        yield server


def test_a_password_in_the_url_works_and_is_never_shown(
    locked_redis: RedisServer, tmp_path: Path
) -> None:
    url = locked_redis.url
    marker = f"Quokka{uuid.uuid4().hex[:8]}"
    text = f"{marker} council approves budget. Officials said the {marker} plan funds schools."
    with WorkerProcess(url, tmp_path / "worker.log") as worker:
        sent = newsworker(url, "enqueue", "-", "--wait", stdin=text)
        health = newsworker(url, "health")
        status = newsworker(url, "status")
        log = worker.log()
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout.splitlines()[-1])["status"] == "done"
    assert health.returncode == 0 and json.loads(health.stdout)["healthy"] is True
    for output in (sent.stderr, health.stdout, health.stderr, status.stdout, status.stderr, log):
        assert PASSWORD not in output
    assert marker not in log  # article text stays out of the log at INFO
    assert "127.0.0.1" not in health.stdout + status.stdout  # no addresses either


def test_a_wrong_password_is_reported_clearly_without_revealing_it(
    locked_redis: RedisServer,
) -> None:
    wrong = locked_redis.url.replace(PASSWORD, "not-the-password")
    run = newsworker(wrong, "enqueue", "-", stdin="The council met on Monday.")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and "not-the-password" not in run.stderr
    assert "redis" in run.stderr.lower()
