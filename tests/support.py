"""Test helpers: run a real worker process and wait for conditions without fixed sleeps."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import psutil
import redis

from worker import keys

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 120.0


def wait_for(check: Callable[[], T | None], timeout_s: float, what: str) -> T:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")


def stream_events(client: redis.Redis) -> list[dict[str, str]]:
    """The completion events on the stream, oldest first (client with decode_responses)."""
    entries: list[tuple[str, dict[str, str]]] = client.xrange(keys.EVENTS_STREAM)  # type: ignore[assignment]
    return [fields for _, fields in entries]


def cli_env(redis_url: str, **extra: str) -> dict[str, str]:
    """The environment for a CLI or worker subprocess on the test Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWORKER_")}
    env.update(NEWSWORKER_REDIS_URL=redis_url, NEWSWORKER_HEARTBEAT_S="1", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


class WorkerProcess:
    """`newsworker worker` as a child process; its whole process tree is killed on exit."""

    def __init__(self, redis_url: str, log_path: Path, *args: str, **env: str) -> None:
        self.redis_url = redis_url
        self.log_path = log_path
        self.args = args
        self.env = cli_env(redis_url, **env)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait: bool = True) -> WorkerProcess:
        """Start and (unless `wait` is false) wait until its heartbeat shows it consuming."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "worker.cli", "worker", *self.args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self) -> None:
        """Wait until the worker's heartbeat shows it consuming."""
        wait_for(self._ready, START_TIMEOUT_S, f"the worker to start (log: {self.log_path})")

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"worker exited: {self.log_path.read_text()[-3000:]}")
        client = redis.Redis.from_url(self.redis_url, decode_responses=True)
        try:
            node = f"newsworker-{self.process.pid}@"
            names = client.scan_iter(match=f"{keys.HEARTBEAT_PREFIX}{node}*")
            return any(True for _ in names)
        finally:
            client.close()

    @property
    def pid(self) -> int:
        """The worker's main process id."""
        assert self.process is not None
        return self.process.pid

    def children(self) -> list[psutil.Process]:
        """The pool's child processes (prefork)."""
        children: list[psutil.Process] = psutil.Process(self.pid).children(recursive=True)
        return children

    def terminate(self, timeout_s: float = 60.0) -> int:
        """SIGTERM (warm shutdown) and wait; returns the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout_s)

    def kill_tree(self) -> None:
        """SIGKILL the worker and every process it started."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def log(self) -> str:
        """Everything the worker has logged so far."""
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.kill_tree()


def newsworker(
    redis_url: str, *args: str, stdin: str | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run the `newsworker` command as a user would, against the Redis at `redis_url`."""
    return subprocess.run(
        [sys.executable, "-m", "worker.cli", *args],
        cwd=ROOT,
        env=cli_env(redis_url),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
