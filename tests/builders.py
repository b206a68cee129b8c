"""Small scenarios built in Python, for unit tests that need no YAML."""

from __future__ import annotations

import functools

from planner.deciding.result import Result
from planner.model.catalog import get_instance_type
from planner.model.problem import Problem, compile_problem
from planner.model.scenario import Agent, InstanceGroup, Scenario, Service, TaskDefinition


def td(cpu: int, memory: int = 128, ports: tuple[int, ...] = (), **kw) -> TaskDefinition:
    return TaskDefinition(cpu, memory, host_ports=ports, **kw)


def svc(
    name: str,
    desired: int,
    old: TaskDefinition,
    new: TaskDefinition | None = None,
    mn: int = 100,
    mx: int = 200,
    **kw,
) -> Service:
    return Service(name, desired, old, new or old, mn, mx, **kw)


def scenario(
    groups: list[tuple[int, int, int | None]], services: list[Service], agent: Agent | None = None
) -> Scenario:
    """``groups``: (cpu units, memory MiB, count) per group."""
    return Scenario(
        "test",
        tuple(InstanceGroup(f"g{k}", c, m, n) for k, (c, m, n) in enumerate(groups)),
        tuple(services),
        agent or Agent(),
    )


def reacting(
    groups: list[tuple[int, int, int | None]],
    services: list[Service],
    max_size: int | list[int],
    *,
    launch: tuple[int, int] | None = None,
    providers: list[tuple[int, ...]] | None = None,
    target: int = 100,
    agent: Agent | None = None,
) -> Scenario:
    """A cluster that reacts (ROLLOUT.md §10): ``providers`` lists, per capacity provider
    ``cp0``, ``cp1``..., the groups that are its running instances (default: one provider
    with every group); ``max_size`` its maxSize (one for all, or one per provider);
    ``launch`` (cpu units, MiB) the type it launches (default: its first group's); every
    service, unless it gives its own strategy, on the first provider, weight 1."""
    from dataclasses import replace

    from planner.model.providers import CapacityProvider, ManagedScaling, StrategyItem

    plain = [replace(s, capacity_provider_strategy=None) for s in services]
    base = scenario(groups, plain, agent)
    owned = providers if providers is not None else [tuple(range(len(groups)))]
    sizes = max_size if isinstance(max_size, list) else [max_size] * len(owned)
    cps = []
    for k, (mine, most) in enumerate(zip(owned, sizes, strict=True)):
        first = base.instance_groups[mine[0]]
        cpu, memory = launch if launch is not None else (first.cpu, first.memory)
        shape = InstanceGroup(f"cp{k}-type", cpu, memory, None)
        scaling = ManagedScaling(target_capacity=target)
        cps.append(CapacityProvider(f"cp{k}", (shape,), (), 0, most, tuple(mine), scaling))
    on_first = (StrategyItem("cp0", weight=1),)
    svcs = tuple(
        s
        if s.capacity_provider_strategy is not None
        else replace(s, capacity_provider_strategy=on_first)
        for s in services
    )
    return replace(base, services=svcs, capacity_providers=tuple(cps))


def problem(groups, services, agent=None) -> Problem:
    return compile_problem(scenario(groups, services, agent))


def spoiled_example() -> dict:
    """Three instances of 3,072 units; c (4 tasks of 256, 50–200 %) spoiled by a (1 task
    of 1,536, 50–200 %) and b (4 of 1,536, 0–100 %): the adversary's run with b (the
    largest) first dies, with a first it completes (tests/deciding/test_ecs_runs.py)."""
    return scenario(
        [(3072, 8000, 3)],
        [svc("a", 1, td(1536), mn=50, mx=200), svc("b", 4, td(1536), mn=0, mx=100),
         svc("c", 4, td(256), mn=50, mx=200)],
    )  # fmt: skip


def at_risk_example() -> Problem:
    """ROLLOUT.md §4's example."""
    return problem(
        [(1024, 4000, 3)],
        [svc("a", 1, td(1024)), svc("b", 2, td(512), td(1024), 0, 100)],
    )


def paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every path in a loaded document, containers and leaves."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += paths(v, (*prefix, i))
    return out


def replaced(data: object, path: tuple, new: object) -> object:
    """``data`` with the value at ``path`` replaced by ``new`` (a copy of what it passes)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        return {k: replaced(v, rest, new) if k == head else v for k, v in data.items()}
    assert isinstance(data, list)
    return [replaced(v, rest, new) if i == head else v for i, v in enumerate(data)]


def make_sparse(path, size: int = 64_000_000) -> None:
    """Make ``path`` a file of ``size`` bytes that takes no disk (a hole)."""
    with open(path, "ab") as fh:
        fh.truncate(size)


def refused_within(call, match: str, most_bytes: int) -> None:
    """``call()`` raises a PlannerError matching ``match``, having allocated fewer than
    ``most_bytes`` bytes at its peak (the size guards read the limit and one byte, not a
    huge file)."""
    import tracemalloc

    import pytest

    from planner.errors import PlannerError

    tracemalloc.start()
    try:
        with pytest.raises(PlannerError, match=match):
            call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < most_bytes


# ---------------------------------------------------------------- a cluster that reacts
# (ROLLOUT.md §10). Self-written: no public ECS export or scenario holds capacity providers
# with the circuit breaker yet, and the scenario reader for their fields is not on main.


def reacting_api(
    max_size: int = 6,
    breaker: tuple[bool, bool] | None = None,
    new_cpu: int = 1024,
    mn: int = 100,
    mx: int = 200,
) -> Scenario:
    """Two m5.large running (zones a, b), the capacity provider ``general`` growing their
    group with m5.large up to ``max_size``; ``api``: 4 tasks of 1024 CPU units, the new
    revision ``new_cpu``, on ``general``; ``breaker``: (enable, rollback) or none."""
    from planner.model.providers import CapacityProvider, CircuitBreaker, StrategyItem

    m5 = InstanceGroup("m5.large", 2048, 7680, 2, type="m5.large", zones=("a", "b"))
    launch = InstanceGroup("m5.large", 2048, 7680, None, type="m5.large")
    general = CapacityProvider("general", (launch,), ("a", "b"), 0, max_size, (0,))
    api = Service(
        "api", 4, TaskDefinition(1024, 1024), TaskDefinition(new_cpu, 2048), mn, mx,
        capacity_provider_strategy=(StrategyItem("general", 0, 1),),
        circuit_breaker=CircuitBreaker(*breaker) if breaker else None,
    )  # fmt: skip
    return Scenario("reacting", (m5,), (api,), capacity_providers=(general,))


def breaker_only(kind: str) -> Scenario:
    """Three instances of 2048 CPU units, no capacity provider, services with a circuit
    breaker (found by a search over small scenarios): ``rollback-stuck``: s0 rolls back,
    s1 (breaker without rollback) fails and keeps the rollback from completing;
    ``at-risk``: s0 may roll back; ``at-risk-fails``: s0 may fail; ``at-risk-stuck``: s1,
    without a breaker, may wait forever; ``rollback-short`` (two instances): s0 rolls back,
    and its rollback ends a task short."""
    from planner.model.providers import CircuitBreaker

    back, fail = CircuitBreaker(True, True), CircuitBreaker(True, False)

    def one(name, desired, old, new, mn, mx, breaker=None):  # noqa: ANN001, ANN202
        return Service(name, desired, TaskDefinition(old, 512), TaskDefinition(new, 512), mn,
                       mx, circuit_breaker=breaker)  # fmt: skip

    services = {
        "rollback-stuck": (one("s0", 2, 2048, 2048, 100, 200, back),
                           one("s1", 3, 512, 1024, 50, 150, fail)),
        "at-risk": (one("s0", 2, 1024, 2048, 50, 150, back), one("s1", 4, 512, 512, 100, 200)),
        "at-risk-fails": (one("s0", 1, 1024, 2048, 100, 200, fail),
                          one("s1", 2, 1024, 512, 50, 150, fail)),
        "at-risk-stuck": (one("s0", 2, 1024, 512, 0, 100, fail),
                          one("s1", 2, 512, 2048, 100, 200)),
        "rollback-short": (one("s0", 2, 1024, 2048, 50, 150, back),
                           one("s1", 4, 512, 512, 50, 150)),
    }[kind]  # fmt: skip
    count = 2 if kind == "rollback-short" else 3
    return Scenario(kind, (InstanceGroup("g", 2048, 4096, count),), services)


def native_blue_green() -> Scenario:
    """A native BLUE_GREEN deployment whose green set cannot be placed: it fails after
    24 h and keeps blue (ROLLOUT.md §10)."""
    api = Service("api", 2, TaskDefinition(1024, 512), TaskDefinition(1024, 512), 100, 200,
                  strategy="BLUE_GREEN")  # fmt: skip
    return Scenario("native", (InstanceGroup("g", 2048, 4096, 1),), (api,))


#: Cases of a cluster that reacts, by the outcome they show.
REACTING = {
    "completes": lambda: reacting_api(mn=50, mx=100),
    "after-scale-out": lambda: reacting_api(),
    "rolls-back": lambda: reacting_api(2, (True, True)),
    "fails": lambda: reacting_api(2, (True, False)),
    "stuck": lambda: reacting_api(2),
    "too-big": lambda: reacting_api(6, None, 4096),
    "rollback-stuck": lambda: breaker_only("rollback-stuck"),
    "rollback-short": lambda: breaker_only("rollback-short"),
    "may-roll-back": lambda: breaker_only("at-risk"),
    "may-fail": lambda: breaker_only("at-risk-fails"),
    "may-get-stuck": lambda: breaker_only("at-risk-stuck"),
    "native": native_blue_green,
}


@functools.cache
def solved(name: str) -> Result:
    """The case ``name`` of :data:`REACTING`, solved once for every test that asks."""
    import planner

    return planner.solve(REACTING[name](), time_limit=30, workers=1)


def catalog_group(name: str, count: int | None, **place) -> InstanceGroup:
    """The group a scenario file's ``type: NAME`` makes: the catalog's values, as the
    expected side of the loading tests (count 0: a type a capacity provider launches)."""
    t = get_instance_type(name)
    return InstanceGroup(
        t.name,
        t.cpu_units,
        t.memory_mib,
        count,
        t.name,
        t.enis,
        t.trunk_enis,
        t.hourly_usd,
        t.estimated,
        arch=t.arch,
        **place,
    )


def scripted_clock(start: float = 0.0) -> tuple[list[float], object]:
    """A clock for :class:`~planner.running.clock.Deadline` that moves only when a test
    sets ``now[0]``: (now, the clock)."""
    now = [start]
    return now, lambda: now[0]
