"""Sizing a worker: pool, processes and torch threads from the settings and the hardware.

A worker in a container must not size itself from the host's CPUs: a cgroup v2 CPU quota caps
what it may use. On a GPU a single solo process owns the device. Anything the deployer sets
explicitly wins over what is derived.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from worker.config import Settings
from worker.service import sizing
from worker.service.sizing import WorkerPlan, available_cpus, plan_worker
from worker.service.start import default_queues


def _affinity() -> int:
    return len(os.sched_getaffinity(0))


@pytest.fixture
def cpu_max(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A cgroup cpu.max file of our own; the test writes its contents."""
    path = tmp_path / "cpu.max"
    monkeypatch.setattr(sizing, "CGROUP_CPU_MAX", path)
    return path


def _machine(monkeypatch: pytest.MonkeyPatch, cpus: int, cuda: bool = False) -> None:
    monkeypatch.setattr(sizing, "available_cpus", lambda: cpus)
    monkeypatch.setattr(sizing, "cuda_present", lambda: cuda)


# available_cpus


def test_quota_of_one_period_means_one_cpu(cpu_max: Path) -> None:
    cpu_max.write_text("100000 100000\n")
    assert available_cpus() == 1


def test_quota_below_one_cpu_still_gives_one(cpu_max: Path) -> None:
    cpu_max.write_text("50000 100000\n")
    assert available_cpus() == 1


def test_fractional_quota_rounds_down(cpu_max: Path) -> None:
    cpu_max.write_text("150000 100000\n")
    assert available_cpus() == 1


def test_quota_never_exceeds_the_affinity_mask(cpu_max: Path) -> None:
    cpu_max.write_text(f"{(_affinity() + 8) * 100000} 100000\n")
    assert available_cpus() == _affinity()


def test_unlimited_quota_uses_the_affinity_mask(cpu_max: Path) -> None:
    cpu_max.write_text("max 100000\n")
    assert available_cpus() == _affinity()


def test_missing_cpu_max_uses_the_affinity_mask(cpu_max: Path) -> None:
    assert not cpu_max.exists()
    assert available_cpus() == _affinity()


@pytest.mark.parametrize("content", ["", "garbage", "100000", "a b", "1 2 3"])
def test_unreadable_cpu_max_uses_the_affinity_mask(cpu_max: Path, content: str) -> None:
    cpu_max.write_text(content)
    assert available_cpus() == _affinity()


def test_multi_cpu_quota(monkeypatch: pytest.MonkeyPatch, cpu_max: Path) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(16)))
    cpu_max.write_text("400000 100000\n")
    assert available_cpus() == 4


# plan_worker on CPUs


@pytest.mark.parametrize(
    ("cpus", "concurrency", "threads"),
    [(1, 1, 1), (2, 2, 1), (3, 3, 1), (4, 4, 1), (8, 8, 1), (16, 16, 1)],
)
def test_cpu_plan_uses_prefork_with_a_process_per_cpu(
    monkeypatch: pytest.MonkeyPatch, cpus: int, concurrency: int, threads: int
) -> None:
    _machine(monkeypatch, cpus)
    plan = plan_worker(Settings(device="cpu"))
    assert plan == WorkerPlan(
        pool="prefork", concurrency=concurrency, torch_threads=threads, device="cpu"
    )


@pytest.mark.parametrize("cpus", [1, 2, 3, 4, 8, 16, 64])
def test_cpu_plan_never_oversubscribes(monkeypatch: pytest.MonkeyPatch, cpus: int) -> None:
    _machine(monkeypatch, cpus)
    plan = plan_worker(Settings(device="cpu"))
    assert plan.concurrency * plan.torch_threads <= cpus


def test_cpu_plan_with_configured_concurrency_divides_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _machine(monkeypatch, 12)
    plan = plan_worker(Settings(device="cpu", concurrency=3))
    assert (plan.pool, plan.concurrency, plan.torch_threads) == ("prefork", 3, 4)


def test_more_processes_than_cpus_get_one_thread_each(monkeypatch: pytest.MonkeyPatch) -> None:
    _machine(monkeypatch, 2)
    plan = plan_worker(Settings(device="cpu", concurrency=6))
    assert (plan.concurrency, plan.torch_threads) == (6, 1)


def test_auto_without_a_gpu_plans_for_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    _machine(monkeypatch, 8, cuda=False)
    plan = plan_worker(Settings(device="auto"))
    assert plan == WorkerPlan(pool="prefork", concurrency=8, torch_threads=1, device="cpu")


def test_forced_cpu_ignores_a_present_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    _machine(monkeypatch, 8, cuda=True)
    plan = plan_worker(Settings(device="cpu"))
    assert (plan.device, plan.pool) == ("cpu", "prefork")


# plan_worker on a GPU


def test_auto_with_a_gpu_uses_one_process_with_articles_in_flight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _machine(monkeypatch, 8, cuda=True)
    plan = plan_worker(Settings(device="auto"))
    assert plan == WorkerPlan(pool="threads", concurrency=4, torch_threads=2, device="cuda")


def test_cuda_plan_is_one_threads_pool_process(monkeypatch: pytest.MonkeyPatch) -> None:
    _machine(monkeypatch, 4, cuda=False)
    plan = plan_worker(Settings(device="cuda"))
    assert plan == WorkerPlan(pool="threads", concurrency=4, torch_threads=1, device="cuda")


# explicit settings


def test_explicit_cpu_settings_override_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    _machine(monkeypatch, 8)
    plan = plan_worker(Settings(device="cpu", pool="threads", concurrency=5, torch_threads=3))
    assert plan == WorkerPlan(pool="threads", concurrency=5, torch_threads=3, device="cpu")


def test_explicit_cuda_settings_override_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    _machine(monkeypatch, 8, cuda=True)
    plan = plan_worker(Settings(device="cuda", pool="threads", concurrency=2, torch_threads=1))
    assert plan == WorkerPlan(pool="threads", concurrency=2, torch_threads=1, device="cuda")


def test_plan_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    _machine(monkeypatch, 8)
    monkeypatch.setenv("NEWSWORKER_DEVICE", "cpu")
    monkeypatch.setenv("NEWSWORKER_CONCURRENCY", "2")
    plan = plan_worker(Settings())
    assert (plan.pool, plan.concurrency, plan.torch_threads) == ("prefork", 2, 4)


def test_plan_uses_the_cgroup_quota(monkeypatch: pytest.MonkeyPatch, cpu_max: Path) -> None:
    monkeypatch.setattr(sizing, "cuda_present", lambda: False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(32)))
    cpu_max.write_text("200000 100000\n")
    plan = plan_worker(Settings(device="auto"))
    assert (plan.concurrency, plan.torch_threads) == (2, 1)


def test_a_cuda_worker_consumes_the_gpu_queue_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    _machine(monkeypatch, cpus=8, cuda=True)
    settings = Settings()
    assert default_queues(settings, plan_worker(settings)) == ["gpu"]
    assert default_queues(Settings(gpu_queue="a100"), plan_worker(settings)) == ["a100"]
    cpu = Settings(device="cpu")
    assert default_queues(cpu, plan_worker(cpu)) == ["newsworker"]
