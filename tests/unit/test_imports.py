"""Producers and the CLI stay light: no torch or transformers unless a model is really needed.

Any service that only enqueues articles imports worker.producer.client, and `newsworker --help` or
`newsworker enqueue --help` must answer at once; loading torch would add seconds and hundreds
of megabytes. Each check runs in a fresh interpreter so that nothing this test session has
already imported can hide a heavy import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "transformers")
TIMEOUT_S = 60


class Run(NamedTuple):
    """What a finished interpreter left behind."""

    returncode: int
    stdout: str
    stderr: str


IMPORT_AND_HELP = """
import json, sys
import worker.producer.client
import worker.cli
after_import = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
sys.argv = ["newsworker", "--help"]
try:
    worker.cli.main()
    code = 0
except SystemExit as exc:
    code = exc.code
after_help = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
print(json.dumps({{"after_import": after_import, "after_help": after_help, "code": code}}))
""".format(heavy=set(HEAVY))


def _start(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWORKER_")}
    env.update(COLUMNS="120", NO_COLOR="1", TERM="dumb")
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def runs() -> dict[str, Run]:
    """Both interpreters, started together so that they run side by side."""
    started = {
        "import-and-help": _start("-c", IMPORT_AND_HELP),
        "enqueue-help": _start("-X", "importtime", "-m", "worker.cli", "enqueue", "--help"),
    }
    finished: dict[str, Run] = {}
    try:
        for name, process in started.items():
            stdout, stderr = process.communicate(timeout=TIMEOUT_S)
            finished[name] = Run(process.returncode, stdout, stderr)
    finally:
        for process in started.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    return finished


def test_client_cli_and_help_do_not_import_torch_or_transformers(runs: dict[str, Run]) -> None:
    done = runs["import-and-help"]
    assert done.returncode == 0, done.stderr
    *help_lines, last = done.stdout.strip().splitlines()
    report = json.loads(last)
    assert report["after_import"] == []
    assert report["after_help"] == []
    assert report["code"] == 0
    help_text = "\n".join(help_lines)
    for command in ("enqueue", "result", "status", "health", "worker", "process"):
        assert command in help_text


def test_enqueue_help_exits_0_without_loading_a_model(runs: dict[str, Run]) -> None:
    done = runs["enqueue-help"]
    assert done.returncode == 0, done.stderr
    assert "--jsonl" in done.stdout
    assert "--wait" in done.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "worker.producer.readers" in imported  # the import log is really there
    assert not {name for name in imported if name.split(".")[0] in HEAVY}
