"""A `newsworker worker` run as a child process: what the demo, the benchmarks and the e2e tests
start, so that each of them runs the real worker exactly as a user would.

The child gets its own process group, so that :meth:`WorkerProcess.kill_tree` ends the worker
and every pool child it forked. It is ready when its heartbeat shows it consuming.
"""

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
from typing import IO, TYPE_CHECKING, TypeVar

import redis

from worker import keys

if TYPE_CHECKING:
    import psutil

T = TypeVar("T")
START_TIMEOUT_S = 120.0
POLL_S = 0.05


def wait_for(check: Callable[[], T | None], timeout_s: float, what: str) -> T:
    """Poll `check` until it returns something truthy; TimeoutError naming `what` after
    `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(POLL_S)
    raise TimeoutError(f"timed out after {timeout_s:g} s waiting for {what}")


def worker_env(redis_url: str, **extra: str) -> dict[str, str]:
    """The environment for a worker or CLI child on `redis_url`: this process's environment
    without its NEWSWORKER_* settings, heartbeats every second, then the settings in `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWORKER_")}
    env.update(NEWSWORKER_REDIS_URL=redis_url, NEWSWORKER_HEARTBEAT_S="1", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


class WorkerProcess:
    """`newsworker worker` as a child process; its whole process tree is killed on exit.

    Its output goes to `log_path` (appended), or to this process's own when that is None.
    """

    def __init__(
        self,
        redis_url: str,
        log_path: Path | None,
        *args: str,
        **env: str,
    ) -> None:
        self.redis_url = redis_url
        self.log_path = log_path
        self.args = args
        self.env = worker_env(redis_url, **env)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait: bool = True) -> WorkerProcess:
        """Start and (unless `wait` is false) wait until its heartbeat shows it consuming."""
        with contextlib.ExitStack() as stack:
            out: IO[bytes] | None = None
            if self.log_path is not None:
                out = stack.enter_context(self.log_path.open("ab"))
            self.process = subprocess.Popen(
                [sys.executable, "-m", "worker.cli", "worker", *self.args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT if out else None,
                start_new_session=True,
            )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Wait until the worker's heartbeat shows it consuming."""
        wait_for(self._ready, timeout_s, f"the worker to start (log: {self.log_path})")

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"the worker exited: {self.log()[-3000:]}")
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
        """The pool's child processes (prefork); needs psutil (a development dependency)."""
        import psutil

        children: list[psutil.Process] = psutil.Process(self.pid).children(recursive=True)
        return children

    def terminate(self, timeout_s: float = 60.0) -> int:
        """SIGTERM (warm shutdown: the current articles finish) and wait; the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
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
        """Everything the worker has logged so far (empty when it logs to this process's output)."""
        if self.log_path is None:
            return ""
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.kill_tree()
