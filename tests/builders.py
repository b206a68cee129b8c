"""Small scenarios built in Python, for unit tests that need no YAML."""

from __future__ import annotations

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
