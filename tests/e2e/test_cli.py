"""The `newsworker` command as a user runs it, against a real Redis and a real worker."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.support import WorkerProcess, newsworker
from worker.tools.redis_server import free_port

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


def _dead_redis() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


def _article_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "story.txt"
    path.write_text(f"{body} {uuid.uuid4().hex}.\n\nThe council voted 30 to 12 in favour.")
    return path


def test_enqueue_wait_prints_each_result_as_json(
    worker: WorkerProcess, redis_url: str, tmp_path: Path
) -> None:
    path = _article_file(tmp_path, "Mayor opens new bridge over the river")
    run = newsworker(redis_url, "enqueue", str(path), "--wait", "--summary-sentences", "1")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["status"] == "done" and len(result["summary_sentences"]) == 1


def test_enqueue_from_stdin_then_read_the_result(worker: WorkerProcess, redis_url: str) -> None:
    text = (
        f"LONDON, March 3 (Reuters) - Rail strike called off {uuid.uuid4().hex}. "
        "Unions accepted the new pay offer."
    )
    sent = newsworker(redis_url, "enqueue", "-", stdin=text)
    assert sent.returncode == 0, sent.stderr
    article_id = sent.stdout.strip()
    got = newsworker(redis_url, "result", article_id, "--wait", "60")
    assert got.returncode == 0, got.stderr
    result = json.loads(got.stdout)
    assert result["id"] == article_id
    assert result["dateline"] == {"place": "LONDON", "date": "March 3", "credit": "Reuters"}
    assert result["summary"].startswith("Rail strike called off")


def test_enqueue_jsonl_sends_every_line(
    worker: WorkerProcess, redis_url: str, tmp_path: Path
) -> None:
    ids = [f"jsonl-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    lines = [json.dumps({"id": i, "text": f"Story {i}. Prices rose again."}) for i in ids]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n\n")
    run = newsworker(redis_url, "enqueue", "--jsonl", str(path), "--wait")
    assert run.returncode == 0, run.stderr
    assert sorted(json.loads(line)["id"] for line in run.stdout.splitlines()) == sorted(ids)


def test_enqueue_wait_shows_which_article_is_a_reprint(
    worker: WorkerProcess, redis_url: str, tmp_path: Path
) -> None:
    body = " ".join(
        f"Clause {i} of the {uuid.uuid4().hex[:6]} treaty sets fishing quotas for zone {i}."
        for i in range(10)
    )
    lines = [json.dumps({"text": body, "title": t}) for t in ("Treaty signed", "Quota deal")]
    path = tmp_path / "wire.jsonl"
    path.write_text("\n".join(lines) + "\n")
    run = newsworker(redis_url, "enqueue", "--jsonl", str(path), "--wait")
    assert run.returncode == 0, run.stderr
    results = [json.loads(line) for line in run.stdout.splitlines()]
    copies = [r for r in results if r["duplicate_of"] is not None]
    assert len(copies) == 1 and copies[0]["duplicate_of"] in {r["id"] for r in results}


def test_result_of_an_unknown_id_exits_1(redis_url: str) -> None:
    run = newsworker(redis_url, "result", "no-such-article")
    assert run.returncode == 1 and "no result" in run.stderr


def test_status_and_health_show_the_live_worker(worker: WorkerProcess, redis_url: str) -> None:
    status = newsworker(redis_url, "status")
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["redis"] == "ok" and report["queue"] == "newsworker"
    assert any(w["pid"] == str(worker.pid) for w in report["workers"])
    assert report["reprint_index"]["enabled"] is True
    assert report["reprint_index"]["window_s"] == 7 * 24 * 3600
    health = newsworker(redis_url, "health", "--this-host")
    assert health.returncode == 0 and json.loads(health.stdout)["healthy"] is True
    assert "redis://" not in status.stdout + health.stdout


def test_unreachable_redis_is_reported_without_a_traceback(tmp_path: Path) -> None:
    path = _article_file(tmp_path, "Story")
    run = newsworker(_dead_redis(), "enqueue", str(path))
    assert run.returncode == 2
    assert "cannot reach" in run.stderr and "Traceback" not in run.stderr
    health = newsworker(_dead_redis(), "health")
    assert health.returncode == 1 and json.loads(health.stdout)["redis"] == "down"


def test_an_invalid_article_is_stored_failed_instead_of_sent(
    redis_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"id": f"bad-{uuid.uuid4().hex[:8]}", "title": "no text"}))
    good = _article_file(tmp_path, "Ferry service resumes")
    run = newsworker(redis_url, "enqueue", str(bad), str(good))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    bad_id, good_id = run.stdout.split()
    assert f"{bad}: article.text: Field required (stored as failed: {bad_id})" in run.stderr
    stored = json.loads(newsworker(redis_url, "result", bad_id).stdout)
    assert stored["status"] == "failed" and stored["error"]["type"] == "InputError"
    assert stored["started_at"] is None  # refused by the producer: no worker saw it
    assert newsworker(redis_url, "result", good_id).returncode == 0  # the rest was sent


def test_process_runs_without_a_broker_in_input_order(tmp_path: Path) -> None:
    lines = [
        {"id": "first", "text": (DATA / "scraped_article.txt").read_text()},
        {"id": "second"},
        {"text": "Exporters warned of delays. Fruit is stuck in warehouses at the port."},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines))
    run = newsworker(_dead_redis(), "process", "--jsonl", str(path), "--topic-depth", "1")
    assert run.returncode == 0, run.stderr
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert [o["id"] for o in out[:2]] == ["first", "second"] and len(out) == 3
    assert [o["status"] for o in out] == ["done", "failed", "done"]
    assert "text" in out[1]["error"]["message"]
    assert out[0]["topics"][0]["label"] == "labour" and out[0]["topics"][0]["level"] == 1


def test_process_with_a_custom_taxonomy(tmp_path: Path) -> None:
    taxonomy = tmp_path / "desk.yaml"
    taxonomy.write_text(
        "ports: Shipping, docks, ports and cargo\nfood: Cooking, recipes, restaurants\n"
    )
    run = newsworker(
        _dead_redis(), "process", str(DATA / "scraped_article.txt"), "--taxonomy", str(taxonomy)
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["topics"][0]["label"] == "ports"


@pytest.mark.timeout(300)
def test_demo_starts_a_private_redis_and_prints_every_example() -> None:
    run = newsworker(_dead_redis(), "demo", "examples", timeout=280)
    assert run.returncode == 0, run.stdout + run.stderr
    output = run.stdout + run.stderr
    assert "started a private one" in output
    for name in ("cup-final.json", "vaccine-trial.html", "scraped-market-page.txt"):
        assert name in output
    assert "topics: vaccine (" in output and "level 3)" in output  # an IPTC term, its level
    assert "worker stopped" in output


def test_a_request_can_name_another_taxonomy(worker: WorkerProcess, redis_url: str) -> None:
    text = f"Chip maker opens plant {uuid.uuid4().hex}. Shares rose as profits beat forecasts."
    good = newsworker(redis_url, "enqueue", "-", "--taxonomy", "bbc-news", "--wait", stdin=text)
    assert good.returncode == 0, good.stderr
    result = json.loads(good.stdout)
    assert result["model"]["taxonomy"] == "bbc-news"
    assert result["topics"][0]["label"] in {"business", "tech"}
    bad = newsworker(redis_url, "enqueue", "-", "--taxonomy", "no-such", "--wait", stdin=text)
    assert bad.returncode == 1
    assert "unknown taxonomy 'no-such'" in json.loads(bad.stdout)["error"]["message"]
