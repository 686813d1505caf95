"""Test helpers: run the `newsworker` command as a user would, and read the events stream.

A worker child process and polling without fixed sleeps come from
:mod:`worker.tools.worker_process`, which the demo and the benchmarks use too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import redis

from worker import keys
from worker.store import ResultStore
from worker.tools.worker_process import WorkerProcess, wait_for, worker_env

__all__ = ["WorkerProcess", "newsworker", "stream_events", "wait_for", "worker_env"]
ROOT = Path(__file__).resolve().parent.parent


def stream_events(client: redis.Redis) -> list[dict[str, str]]:
    """The completion events on the stream, oldest first (client with decode_responses)."""
    return ResultStore(client, ttl_s=1).events()


def newsworker(
    redis_url: str, *args: str, stdin: str | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run the `newsworker` command as a user would, against the Redis at `redis_url`."""
    return subprocess.run(
        [sys.executable, "-m", "worker.cli", *args],
        cwd=ROOT,
        env=worker_env(redis_url),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_consistent(client: redis.Redis) -> None:
    """The reprint index is whole: every indexed id has its document, and every band entry
    names a document."""
    numbers = {client.get(key) for key in client.scan_iter(match=f"{keys.REPRINT_PREFIX}id:*")}
    docs = {
        key.decode().rsplit(":", 1)[1].encode()
        for key in client.scan_iter(match=f"{keys.REPRINT_DOC_PREFIX}*")
    }
    assert numbers == docs
    for key in client.scan_iter(match=f"{keys.REPRINT_PREFIX}b:*"):
        for members in client.hvals(key):
            raw = members if isinstance(members, bytes) else members.encode()
            assert set(raw.split(b",")) <= docs
