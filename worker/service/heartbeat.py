"""A worker's heartbeat: a Redis hash with a TTL that `health` and `status` read.

The solo pool cannot answer Celery's remote-control ping while it works, so liveness is a key
the worker's main process refreshes from a background thread.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from worker.errors import StoreUnavailable
from worker.schemas import utc_now
from worker.store import ResultStore

log = logging.getLogger(__name__)


class Heartbeat:
    """Refreshes ``newsworker:worker:<hostname>`` every `interval_s` until stopped."""

    def __init__(
        self, store: ResultStore, hostname: str, info: dict[str, Any], interval_s: float
    ) -> None:
        self.store = store
        self.hostname = hostname
        self.info = {**info, "hostname": hostname, "pid": os.getpid(), "started_at": utc_now()}
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> None:
        """Beat now and then every interval, in a daemon thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and remove the key, so the worker disappears from `status` at once."""
        self._stop.set()
        try:
            self.store.clear_heartbeat(self.hostname)
        except StoreUnavailable:  # Redis may be gone at shutdown; the key then expires
            log.debug("could not remove the heartbeat key", exc_info=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.store.heartbeat(
                    self.hostname, {**self.info, "seen_at": utc_now()}, 3 * self.interval_s
                )
            except StoreUnavailable as exc:
                log.warning("heartbeat not written: %s", exc)
            self._stop.wait(self.interval_s)
