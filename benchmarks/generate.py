"""Deterministic scenarios of growing size for the benchmarks.

S: 1 service, ≤ 10 tasks. M: 10 services, ~200 tasks, ~50 instances of two types, half
the revisions changing size, some fixed ports, mixed percent settings. L: 40 services,
~1,000 tasks, ~350 instances. XL: 320 services, ~8,000 tasks, 2,800 instances, about as
large as planner still answers in minutes on two cores. Same seed, same scenario.

:data:`SEEDS` are the seeds a benchmark run uses per size; :func:`realistic` loads the
hand-written scenarios of ``scenarios/`` (the seed document's cases, examples and public
hang reports).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from planner.model.scenario import Agent, InstanceGroup, Scenario, Service, TaskDefinition

SIZES: dict[str, dict[str, Any]] = {
    "S": dict(services=1, tasks=(4, 10), groups=((4096, 7680, 4),)),
    "M": dict(services=10, tasks=(12, 28), groups=((2048, 7680, 30), (4096, 15872, 20))),
    "L": dict(services=40, tasks=(15, 35), groups=((2048, 7680, 200), (4096, 15872, 150))),
    "XL": dict(services=320, tasks=(15, 35), groups=((2048, 7680, 1600), (4096, 15872, 1200))),
}
#: Seeds of a full run, per size (a quick run takes the first of each).
SEEDS = {"S": (1, 2, 3, 4, 5, 6, 7, 8), "M": (1, 2, 3), "L": (1, 2), "XL": (1,)}
#: The hand-written scenario folders, relative to the repository.
SCENARIO_DIRS = ("seed", "examples", "public")
PERCENTS = ((100, 200), (50, 200), (50, 100), (100, 150), (0, 100))


def _td(cpu: int, memory: int, port: int | None) -> TaskDefinition:
    return TaskDefinition(cpu, memory, host_ports=(port,) if port else ())


def generate(size: str, seed: int = 1) -> Scenario:
    """The benchmark scenario of ``size`` (S, M, L, XL) for ``seed``."""
    spec = SIZES[size]
    rng = random.Random(f"{size}-{seed}")
    services = []
    for k in range(spec["services"]):
        cpu = rng.choice((128, 256, 256, 512))
        mem = rng.choice((256, 512, 512, 1024))
        desired = rng.randint(*spec["tasks"])
        instances = sum(n for _, _, n in spec["groups"])
        port = 8000 + k if rng.random() < 0.3 and desired <= instances // 2 else None
        old = _td(cpu, mem, port)
        new = old
        if rng.random() < 0.5:  # half the revisions change size
            new = _td(cpu * rng.choice((1, 2)), mem * rng.choice((1, 2)), port)
        mn, mx = rng.choice(PERCENTS)
        services.append(Service(f"svc{k:02d}", desired, old, new, mn, mx))
    groups = tuple(
        InstanceGroup(f"type{k}", cpu, mem, n) for k, (cpu, mem, n) in enumerate(spec["groups"])
    )
    return Scenario(f"{size}-{seed}", groups, tuple(services), Agent())


def realistic(root: Path | None = None) -> list[tuple[str, Scenario]]:
    """Every scenario file of ``scenarios/{seed,examples,public}``, as (``dir/stem``, scenario)."""
    from planner.inputs.loading import load_scenario

    root = root or Path(__file__).resolve().parents[1] / "scenarios"
    return [
        (f"{d}/{path.stem}", load_scenario(path))
        for d in SCENARIO_DIRS
        for path in sorted((root / d).glob("*.yaml"))
    ]
