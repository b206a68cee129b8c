"""Capacity tables for teams: how many instances of a type a service of a given size needs.

The table of a spec (:mod:`planner.inputs.table_spec`) has one row for every combination,
each a one-service cluster of one instance type, with the least instance counts for the
steady state, for a possible and for a safe rollout, and the hourly cost of the safe fleet.
pandas lives here, at the edge; the rest of planner does not import it. Its text, Markdown,
CSV and HTML forms are drawn in :mod:`planner.outputs.table_text` and
:mod:`planner.outputs.pages`.

How a cell is answered
----------------------
* **Counting**, when old and new tasks have one footprint (ROLLOUT.md §4, last paragraph):
  every stop frees one task slot and every start takes one, wherever they happen, so an
  instance is just a number of slots (:func:`task_slots`) and the rollout is a recurrence
  over three counts (:func:`count_rollout`). All runs by ECS rules do the same, so possible
  and safe coincide. :func:`counted_instances` scans counts from the steady state up to
  the count at which capacity no longer binds.
* **The verdict engine** otherwise (a ``new`` task size in the spec): each count from the
  least that holds both the old and the new tasks is solved with
  :func:`planner.deciding.verdict.analyse`, across the machine's cores.

``cheapest`` marks, for each task size, count, configuration and host-port mode, the type
with the lowest hourly cost of its safe fleet (ties: fewer instances, then the order of
``instanceTypes``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.deciding.verdicts import Verdict
from planner.deciding.zones import counted_zone_safe
from planner.inputs.table_spec import (
    FIXED_PORT,
    Configuration,
    TableSpec,
    TaskSize,
    as_spec,
    load_table_spec,
)
from planner.model import placement
from planner.model.catalog import InstanceType
from planner.model.problem import (
    DoesNotFit,
    Footprint,
    Instance,
    Problem,
    compile_problem,
    lower_bound,
    upper_bound,
)
from planner.model.problem import Service as Deploying
from planner.model.rollout import room_for, stops_allowed
from planner.model.scenario import (
    ALL_AT_ONCE_STRATEGIES,
    Agent,
    InstanceGroup,
    Scenario,
    Service,
    TaskDefinition,
)
from planner.running.sweep import Failed, run_cells

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

__all__ = [
    "COLUMNS",
    "GROUP_KEY",
    "Cell",
    "Configuration",
    "TableSpec",
    "TaskSize",
    "capacity_table",
    "cell_at",
    "cells",
    "count_rollout",
    "counted_instances",
    "load_table_spec",
    "records",
    "solved_instances",
    "task_slots",
]

#: What one combination is, apart from the instance type (for ``cheapest``).
GROUP_KEY = (
    "cpu",
    "memory",
    "newCpu",
    "newMemory",
    "desiredCount",
    "minimumHealthyPercent",
    "maximumPercent",
    "strategy",
    "hostPort",
)
#: The table's columns, in order (CONTRACT.md's, then planner's own).
COLUMNS = (
    "instanceType",
    *GROUP_KEY,
    "lower",
    "upper",
    "tasksPerInstance",
    "steadyInstances",
    "possibleInstances",
    "safeInstances",
    "hourlyUsd",
    "hourlyCost",
    "cheapest",
    "method",
    "arch",  # added last: scripts may read columns by position
    "zoneSafeInstances",
)
_COUNTS = (
    "tasksPerInstance",
    "steadyInstances",
    "possibleInstances",
    "safeInstances",
    "zoneSafeInstances",
)
#: A cell's answer: (steady, possible, safe, how it was found).
Answer = tuple[int | None, int | None, int | None, str]

# ---------------------------------------------------------------- one cell


@dataclass(frozen=True)
class Cell:
    """One combination of the table."""

    instance_type: InstanceType
    task: TaskSize
    desired: int
    config: Configuration
    host_port: str
    agent: Agent
    placement_mode: str = "any"
    #: The zones the fleet spreads over, round-robin (the spec's ``availabilityZones``).
    zones: tuple[str, ...] = ()

    @property
    def uniform(self) -> bool:
        """Old and new tasks take the same from an instance: counting answers the cell."""
        t = self.task
        return (t.cpu, t.memory) == (t.new_cpu, t.new_memory)

    @property
    def all_at_once(self) -> bool:
        return self.config.strategy in ALL_AT_ONCE_STRATEGIES

    @property
    def bounds(self) -> tuple[int, int]:
        """(lower, upper) of ROLLOUT.md §2; all-at-once: desired and 2 × desired."""
        if self.all_at_once:
            return self.desired, 2 * self.desired
        return (
            lower_bound(self.desired, self.config.minimum_healthy_percent),
            upper_bound(self.desired, self.config.maximum_percent),
        )

    def taskdef(self, cpu: int, memory: int) -> TaskDefinition:
        if self.host_port == "fixed":
            return TaskDefinition(cpu, memory, "bridge", host_ports=(FIXED_PORT,))
        if self.host_port == "awsvpc":
            return TaskDefinition(cpu, memory, "awsvpc")
        return TaskDefinition(cpu, memory, "bridge", dynamic_ports=1)

    def scenario(self, count: int, desired: int | None = None) -> Scenario:
        """The cell as a scenario: ``count`` instances of the type, one service."""
        t = self.instance_type
        group = InstanceGroup(
            t.name, t.cpu_units, t.memory_mib, count, t.name, t.enis, t.trunk_enis,
            t.hourly_usd, t.estimated,
        )  # fmt: skip
        svc = Service(
            "service",
            self.desired if desired is None else desired,
            self.taskdef(self.task.cpu, self.task.memory),
            self.taskdef(self.task.new_cpu, self.task.new_memory),
            self.config.minimum_healthy_percent,
            self.config.maximum_percent,
            self.config.strategy,
        )
        return Scenario(
            f"{t.name} cell", (group,), (svc,), self.agent, placement_mode=self.placement_mode
        )

    def problem(self, count: int) -> Problem:
        """The compiled cell; :class:`DoesNotFit` if the old tasks do not fit."""
        return compile_problem(self.scenario(count))

    def instance(self) -> Instance:
        """One empty instance of the type, as the wave model sees it (agent applied)."""
        return compile_problem(self.scenario(1, desired=0)).instances[0]


# ---------------------------------------------------------------- counting


def task_slots(instance: Instance, footprint: Footprint) -> int:
    """How many tasks of ``footprint`` an empty ``instance`` holds.

    By the placement rows (:mod:`planner.model.placement`): the least over CPU, memory, ENIs and
    dynamic ports of free // need; one at most with a fixed host port, none if that port
    is reserved. A footprint that needs nothing at all is capped at 10**9.
    """
    free = [instance.free(d) for d in range(len(placement.DIMENSIONS))]
    rows = placement.rows_for(free, instance.blocked_ports(), [footprint], [footprint], [False])
    return placement.most_new(rows, 0, 10**9)


def count_rollout(
    desired: int, lower: int, upper: int, capacity: int, *, all_at_once: bool = False
) -> int | None:
    """Waves of the rollout by ECS rules, counted in task slots; None where it gets stuck.

    ``capacity`` is the cluster's task slots (instances × :func:`task_slots`), at least
    ``desired``. Each wave stops as many old tasks as the lower bound allows (all-at-once:
    none until every new task runs, then all), then starts as many new tasks as the upper
    bound, the desired count and the free slots allow (ROLLOUT.md §3–§4).
    """
    none = Footprint(0, 0)
    svc = Deploying("cell", desired, lower, upper, none, none, all_at_once=all_at_once)
    old, new, waves = desired, 0, 0
    while old or new < desired:
        stop = stops_allowed(svc, old, new)  # the wave model's bounds (ROLLOUT.md §3)
        old -= stop
        start = max(0, min(room_for(svc, old, new), capacity - old - new))
        if stop == 0 and start == 0:
            return None
        new += start
        waves += 1
    return waves


def counted_instances(
    desired: int, lower: int, upper: int, slots: int, *, all_at_once: bool = False
) -> tuple[int | None, int | None, int | None]:
    """(steady, possible, safe) instance counts of a one-footprint cell, by counting.

    Steady: the least count that holds ``desired`` tasks. Possible and safe coincide (every
    run by ECS rules frees and fills the same slots): the least count at which
    :func:`count_rollout` completes, scanned up to the count at which capacity no longer
    binds (``max(desired, upper)`` tasks at once, 2 × desired all at once). None where the
    task fits no instance of the type, or no count helps (the percents leave no room).
    """
    if desired == 0:
        return 0, 0, 0
    if slots <= 0:
        return None, None, None
    steady = math.ceil(desired / slots)
    peak = 2 * desired if all_at_once else max(desired, min(upper, 2 * desired))
    for n in range(steady, max(steady, math.ceil(peak / slots)) + 1):
        if count_rollout(desired, lower, upper, n * slots, all_at_once=all_at_once) is not None:
            return steady, n, n
    return steady, None, None


# ---------------------------------------------------------------- the solver's way


@dataclass(frozen=True)
class _Shared:
    """What every solver cell of a table needs, sent once to each worker: the spec (the
    catalog's types in it) and the limits. A cell is then its index in :func:`cells`."""

    spec: TableSpec
    time_limit: float
    seed: int
    shortcuts: bool
    #: When the whole table must be done (``time.time()``: cells run in other processes).
    deadline: float | None = None


def solved_instances(
    cell: Cell,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    shortcuts: bool = True,
    deadline: float | None = None,
) -> Answer:
    """(steady, possible, safe, how) for any cell, by the verdict engine at each count.

    Counts are scanned from the least that holds both the old and the new tasks up to
    ``desired + min(upper, desired)`` (old tasks spread one per instance, every new task
    started at once on an empty one: past that, more instances change nothing), stopping
    at the first safe count. ``how`` says ``solver``, or where the time limit came.
    ``deadline`` (a ``time.time()`` value): the whole table's, which may come first.
    """
    from planner.deciding.verdict import analyse

    if deadline is not None:
        time_limit = min(time_limit, deadline - time.time())
    deadline = time.perf_counter() + time_limit
    inst = cell.instance()
    old_slots = task_slots(inst, Footprint.of(cell.taskdef(cell.task.cpu, cell.task.memory)))
    new_slots = task_slots(
        inst, Footprint.of(cell.taskdef(cell.task.new_cpu, cell.task.new_memory))
    )
    d = cell.desired
    if old_slots <= 0:
        return None, None, None, "solver"
    steady = math.ceil(d / old_slots)
    if new_slots <= 0:
        return steady, None, None, "solver"
    lower, upper = cell.bounds
    first = max(steady, math.ceil(d / new_slots))
    last = max(first, d + min(max(upper, 1), d))
    possible = None
    how = "solver"
    for n in range(first, last + 1):
        left = deadline - time.perf_counter()
        if left <= 0:
            how = f"solver (time limit at {n} instances)"
            break
        try:
            problem = cell.problem(n)
        except DoesNotFit:  # not reached: the old tasks spread evenly
            continue
        verdict = analyse(problem, time_limit=left, seed=seed, shortcuts=shortcuts).verdict
        if verdict == Verdict.UNKNOWN:
            how = f"solver (time limit at {n} instances)"
            break
        if verdict in (Verdict.SAFE, Verdict.AT_RISK) and possible is None:
            possible = n
        if verdict == Verdict.SAFE:
            return steady, possible, n, how
    return steady, possible, None, how


def _solve_cell(shared: _Shared, k: int) -> Answer:
    """Cell ``k`` of the table (module level: it runs in a pool or on a Dask worker)."""
    return solved_instances(
        cell_at(shared.spec, k),
        time_limit=shared.time_limit,
        seed=shared.seed,
        shortcuts=shared.shortcuts,
        deadline=shared.deadline,
    )


# ---------------------------------------------------------------- the table


def cells(spec: TableSpec) -> Iterator[Cell]:
    """Every combination, in the spec's order (instance type outermost)."""
    for t in spec.instance_types:
        for task in spec.tasks:
            for d in spec.desired_counts:
                for config in spec.configurations:
                    for mode in spec.host_ports:
                        yield Cell(
                            t, task, d, config, mode, spec.agent, spec.placement_mode,
                            spec.availability_zones,
                        )  # fmt: skip


def cell_at(spec: TableSpec, k: int) -> Cell:
    """The ``k``-th cell of :func:`cells`, without making the ones before it."""
    k, mode = divmod(k, len(spec.host_ports))
    k, config = divmod(k, len(spec.configurations))
    k, d = divmod(k, len(spec.desired_counts))
    k, task = divmod(k, len(spec.tasks))
    return Cell(
        spec.instance_types[k], spec.tasks[task], spec.desired_counts[d],
        spec.configurations[config], spec.host_ports[mode], spec.agent, spec.placement_mode,
        spec.availability_zones,
    )  # fmt: skip


def capacity_table(
    spec: TableSpec | str | Path | dict[str, Any],
    *,
    jobs: int | None = None,
    time_limit: float = 10.0,
    seed: int = 0,
    counting: bool = True,
    progress: bool = False,
    placement: str | None = None,
    total_time_limit: float | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """The capacity table of a spec: one row per combination.

    Parameters
    ----------
    spec
        A :class:`TableSpec`, the path of a spec file, or the spec as a dict (the YAML's
        content: ``{"instanceTypes": [...], "tasks": [...], "desiredCounts": [...]}``).
    jobs
        Processes for the cells that need the solver; None for every core.
    time_limit
        Seconds for each such cell.
    total_time_limit
        Seconds for the whole table (None: no bound but the cells'); cells the solver has
        not answered by then say so in ``method`` and leave their counts empty.
    seed
        Seed of the solves.
    counting
        False: answer every cell with the solver (``shortcuts=False``), for cross-checks.
    progress
        Show a progress bar on stderr when the solver's cells take a while.
    placement
        ``any`` (the default) or ``ecs``: the safe count with ECS's scheduler as
        configured (ROLLOUT.md §8); None keeps the spec's.
    client
        A ``dask.distributed.Client``: the solver's cells go to its cluster, the spec sent
        once (:mod:`planner.running.sweep`); ``jobs`` is then unused. A cell that failed there
        (it raised, or the cluster lost it) has ``method`` ``failed: …`` and no counts.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`COLUMNS`; counts are nullable integers, empty where the
        task fits no instance of the type (or no count works), ``hourlyCost`` is for the
        safe fleet.

    Examples
    --------
    >>> import planner
    >>> df = planner.capacity_table({"instanceTypes": ["t2.micro"],
    ...     "tasks": [{"cpu": 256, "memory": 128}], "desiredCounts": [3],
    ...     "agent": {"reservedCpu": 256}})
    >>> df[["steadyInstances", "safeInstances"]].values.tolist()
    [[1, 2]]
    """
    import pandas as pd

    deadline = None if total_time_limit is None else time.time() + total_time_limit
    table = as_spec(spec)
    if placement is not None:
        table = replace(table, placement_mode=placement)
    every = list(cells(table))
    slots = _slots(every)
    answers: list[Answer | None] = [None] * len(every)
    todo: list[int] = []
    for k, cell in enumerate(every):
        if counting and cell.uniform:
            lower, upper = cell.bounds
            counted = counted_instances(
                cell.desired, lower, upper, slots[k], all_at_once=cell.all_at_once
            )
            answers[k] = (*counted, "counting")
        else:
            todo.append(k)
    if todo:  # solver cells, one task each; counting cells never left this process
        shared = _Shared(table, time_limit, seed, counting, deadline)
        solved = run_cells(
            _solve_cell, todo, shared, jobs=jobs, client=client, progress=progress,
            label="cells", deadline=deadline,
        )  # fmt: skip
        for k, ans in zip(todo, solved, strict=True):
            answers[k] = _failed(ans) if isinstance(ans, Failed) else ans
    rows = [_row(c, a, n) for c, a, n in zip(every, answers, slots, strict=True)]
    for row, safe in zip(rows, _zone_safe(every, slots), strict=True):
        row["zoneSafeInstances"] = safe
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    for col in _COUNTS:
        df[col] = df[col].astype("Int64")
    df["hourlyUsd"] = df["hourlyUsd"].astype("float64")
    df["hourlyCost"] = df["hourlyCost"].astype("float64")
    _mark_cheapest(df, [t.name for t in table.instance_types])
    df.attrs["name"] = table.name
    df.attrs["agent"] = table.agent
    df.attrs["placement"] = table.placement_mode
    return df


def _failed(failure: Failed) -> Answer:
    """A cell the pool or the cluster lost: no counts, and the error as its method."""
    return None, None, None, f"failed: {failure.error}"


def _slots(every: list[Cell]) -> list[int]:
    """Each cell's task slots per instance (:func:`task_slots` of its old task), one empty
    instance made per type and host-port mode."""
    instances: dict[tuple[str, str], Instance] = {}
    out = []
    for cell in every:
        key = (cell.instance_type.name, cell.host_port)
        if key not in instances:
            instances[key] = cell.instance()
        fp = Footprint.of(cell.taskdef(cell.task.cpu, cell.task.memory))
        out.append(task_slots(instances[key], fp))
    return out


def _zone_safe(every: list[Cell], slots: list[int]) -> list[int | None]:
    """Each cell's least fleet that survives the loss of any one of its zones, by counting
    (:func:`planner.deciding.zones.counted_zone_safe`), for its running and its new task
    size alike; None where the spec names no zones."""
    instances: dict[tuple[str, str], Instance] = {}
    out: list[int | None] = []
    for cell, n in zip(every, slots, strict=True):
        if not cell.zones:
            out.append(None)
            continue
        sizes = [n]
        if not cell.uniform:
            key = (cell.instance_type.name, cell.host_port)
            if key not in instances:
                instances[key] = cell.instance()
            new = Footprint.of(cell.taskdef(cell.task.new_cpu, cell.task.new_memory))
            sizes.append(task_slots(instances[key], new))
        out.append(counted_zone_safe(cell.desired, sizes, len(cell.zones)))
    return out


def _row(cell: Cell, answer: Answer | None, slots: int) -> dict[str, Any]:
    """The table's row of one cell and its answer (``cheapest`` is marked afterwards)."""
    assert answer is not None
    steady, possible, safe, how = answer
    lower, upper = cell.bounds
    price = cell.instance_type.hourly_usd
    return {
        "instanceType": cell.instance_type.name,
        "arch": cell.instance_type.arch,
        "cpu": cell.task.cpu,
        "memory": cell.task.memory,
        "newCpu": cell.task.new_cpu,
        "newMemory": cell.task.new_memory,
        "desiredCount": cell.desired,
        "minimumHealthyPercent": cell.config.minimum_healthy_percent,
        "maximumPercent": cell.config.maximum_percent,
        "strategy": cell.config.strategy,
        "hostPort": cell.host_port,
        "lower": lower,
        "upper": upper,
        "tasksPerInstance": slots if slots else None,
        "steadyInstances": steady,
        "possibleInstances": possible,
        "safeInstances": safe,
        "hourlyUsd": price,
        "hourlyCost": None if safe is None or price is None else round(safe * price, 4),
        "cheapest": False,
        "method": how,
    }


def _mark_cheapest(df: pd.DataFrame, order: list[str]) -> None:
    rank = {name: k for k, name in enumerate(order)}
    priced = df[df["hourlyCost"].notna()]
    if priced.empty:
        return
    keyed = priced.assign(_rank=priced["instanceType"].map(rank))
    best = keyed.sort_values(["hourlyCost", "safeInstances", "_rank"], kind="stable").groupby(
        list(GROUP_KEY), sort=False
    )
    df.loc[best.head(1).index, "cheapest"] = True


# ---------------------------------------------------------------- plain rows


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as plain Python (None for empty cells), for JSON."""
    import pandas as pd

    out = []
    for row in df.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                clean[key] = None
            elif hasattr(value, "item"):  # numpy scalars
                clean[key] = value.item()
            else:
                clean[key] = value
        out.append(clean)
    return out
