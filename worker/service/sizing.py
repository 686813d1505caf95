"""What this process may use: CPUs (cgroup-aware) and whether a CUDA device is present.

Nothing here imports torch: the worker's parent decides the pool before any fork.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from worker.config import Settings

CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
NVIDIA_GPUS = Path("/proc/driver/nvidia/gpus")
GPU_ARTICLES_IN_FLIGHT = 4


@dataclass(frozen=True)
class WorkerPlan:
    """How a worker runs: pool, processes, torch threads per process and device."""

    pool: str
    concurrency: int
    torch_threads: int
    device: str


def available_cpus() -> int:
    """CPUs this process may run on: the affinity mask, capped by a cgroup v2 CPU quota."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    count = cpus or 1
    try:
        quota, period = CGROUP_CPU_MAX.read_text().split()
        if quota != "max":
            count = min(count, max(1, math.floor(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, count)


def cuda_present() -> bool:
    """True when an NVIDIA driver reports a GPU (checked without importing torch)."""
    return NVIDIA_GPUS.is_dir() and any(NVIDIA_GPUS.iterdir())


def plan_worker(settings: Settings) -> WorkerPlan:
    """Pool, concurrency and threads from the settings, filling gaps from the hardware.

    On a GPU one process owns the device (CUDA cannot be forked); its threads pool runs
    :data:`GPU_ARTICLES_IN_FLIGHT` articles at once so that they share forward passes
    (worker.nlp.batching). On CPUs, one process of
    one thread per CPU: on 2 cores that ends a burst of CNN/DM articles 1.4x sooner than one
    process of two threads (bench/throughput.py), at the cost of a model copy per process.
    """
    cpus = available_cpus()
    device = settings.device
    if device == "auto":
        device = "cuda" if cuda_present() else "cpu"
    if device == "cuda":
        pool = settings.pool or "threads"
        concurrency = settings.concurrency or GPU_ARTICLES_IN_FLIGHT
    else:
        pool, concurrency = settings.pool or "prefork", settings.concurrency or cpus
    threads = settings.torch_threads or max(1, cpus // concurrency)
    return WorkerPlan(pool=pool, concurrency=concurrency, torch_threads=threads, device=device)
