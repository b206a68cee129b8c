"""Capacity tables for teams: how many instances of a type a service of a given size needs.

A table spec (CONTRACT.md, ``planner table``) lists instance types, task sizes, desired
counts, deployment configurations and host-port modes; the table has one row for every
combination, each a one-service cluster of one instance type, with the least instance
counts for the steady state, for a possible and for a safe rollout, and the hourly cost of
the safe fleet. pandas lives here, at the edge; the rest of planner does not import it.

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

Decisions beyond the contract's text
------------------------------------
* ``hostPorts`` modes: ``dynamic`` (bridge, hostPort 0: one port of the dynamic range per
  task), ``fixed`` (bridge, hostPort :data:`FIXED_PORT`: at most one task per instance),
  and ``awsvpc`` (each task its own ENI: the type's ENIs, less the primary one, or its
  trunk ENIs with ``agent.awsvpcTrunking``).
* A task is ``{cpu, memory}`` (units and MiB, or "0.25 vCPU" / "0.5 GB" as in a scenario),
  optionally with ``new: {cpu, memory}`` for a deployment that changes the size.
* ``deploymentConfigurations`` default to ECS's 100 / 200, and may name a ``strategy``;
  all-at-once strategies ignore the percents (ROLLOUT.md §6).
* ``cheapest`` marks, for each task size, count, configuration and host-port mode, the
  type with the lowest hourly cost of its safe fleet (ties: fewer instances, then the
  order of ``instanceTypes``).
"""

from __future__ import annotations

import difflib
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from planner.errors import PlannerError
from planner.inputs.checks import listing, mapping, one_of, sized, text, whole
from planner.inputs.loading import read_agent
from planner.inputs.yamlsafe import Located, load_yaml
from planner.model import placement
from planner.model.catalog import InstanceType, catalog_info, get_instance_type, load_catalog
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
    STRATEGIES,
    Agent,
    InstanceGroup,
    Scenario,
    Service,
    TaskDefinition,
)
from planner.model.units import OPEN_PERCENT, PERCENT, describe, parse_cpu, parse_memory
from planner.running.sweep import Failed, run_cells

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

SPEC_FIELDS = (
    "name",
    "instanceTypes",
    "tasks",
    "desiredCounts",
    "deploymentConfigurations",
    "hostPorts",
    "agent",
)
TASK_FIELDS = ("cpu", "memory", "new")
NEW_TASK_FIELDS = ("cpu", "memory")
CONFIG_FIELDS = ("minimumHealthyPercent", "maximumPercent", "strategy")
HOST_PORT_MODES = ("dynamic", "fixed", "awsvpc")
#: The host port of the ``fixed`` mode (any port the agent does not reserve behaves alike).
FIXED_PORT = 8080
#: Most cells one table may have.
MAX_CELLS = 100_000

#: The table's columns, in order (CONTRACT.md's, then planner's own).
COLUMNS = (
    "instanceType",
    "cpu",
    "memory",
    "newCpu",
    "newMemory",
    "desiredCount",
    "minimumHealthyPercent",
    "maximumPercent",
    "strategy",
    "hostPort",
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
)
_COUNTS = ("tasksPerInstance", "steadyInstances", "possibleInstances", "safeInstances")
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


# ---------------------------------------------------------------- the spec


@dataclass(frozen=True)
class TaskSize:
    """A task's CPU units and MiB, before and after the deployment."""

    cpu: int
    memory: int
    new_cpu: int
    new_memory: int


@dataclass(frozen=True)
class Configuration:
    """A deployment configuration of the table."""

    minimum_healthy_percent: int = 100
    maximum_percent: int = 200
    strategy: str = "ROLLING"


@dataclass(frozen=True)
class TableSpec:
    """A validated table spec: the lists whose cross product the table covers."""

    name: str
    instance_types: tuple[InstanceType, ...]
    tasks: tuple[TaskSize, ...]
    desired_counts: tuple[int, ...]
    configurations: tuple[Configuration, ...] = (Configuration(),)
    host_ports: tuple[str, ...] = ("dynamic",)
    agent: Agent = Agent()
    #: ``any`` or ``ecs``: the ECS rules the safe counts are about (ROLLOUT.md §8).
    placement_mode: str = "any"

    @property
    def n_cells(self) -> int:
        return (
            len(self.instance_types)
            * len(self.tasks)
            * len(self.desired_counts)
            * len(self.configurations)
            * len(self.host_ports)
        )


def load_table_spec(path: str | Path) -> TableSpec:
    """Read and validate a table spec file; :class:`PlannerError` with file, line and field."""
    located = load_yaml(path)
    return table_spec_from_data(located)


def table_spec_from_data(located: Located) -> TableSpec:
    """Validate a loaded table spec (see :func:`load_table_spec`)."""
    doc = located
    top = mapping(
        doc,
        (),
        doc.data,
        SPEC_FIELDS,
        required=("instanceTypes", "tasks", "desiredCounts"),
        what="a table spec (a mapping of instanceTypes, tasks, desiredCounts, ...)",
    )
    name = Path(doc.file).stem.removesuffix(".table")
    if top.get("name") is not None:
        name = text(doc, ("name",), top["name"])
    types = tuple(
        _instance_type(doc, ("instanceTypes", i), v)
        for i, v in enumerate(
            listing(doc, ("instanceTypes",), top["instanceTypes"], non_empty=True)
        )
    )
    tasks = tuple(
        _task(doc, ("tasks", i), v)
        for i, v in enumerate(listing(doc, ("tasks",), top["tasks"], non_empty=True))
    )
    counts = tuple(
        whole(doc, ("desiredCounts", i), v, minimum=1)
        for i, v in enumerate(
            listing(doc, ("desiredCounts",), top["desiredCounts"], non_empty=True)
        )
    )
    configs: tuple[Configuration, ...] = (Configuration(),)
    if top.get("deploymentConfigurations") is not None:
        where = ("deploymentConfigurations",)
        items = listing(doc, where, top["deploymentConfigurations"], non_empty=True)
        configs = tuple(_configuration(doc, (*where, i), v) for i, v in enumerate(items))
    ports: tuple[str, ...] = ("dynamic",)
    if top.get("hostPorts") is not None:
        items = listing(doc, ("hostPorts",), top["hostPorts"], non_empty=True)
        ports = tuple(
            one_of(doc, ("hostPorts", i), v, HOST_PORT_MODES) for i, v in enumerate(items)
        )
    agent = read_agent(doc, top.get("agent"), ("agent",))
    spec = TableSpec(name, types, tasks, counts, configs, ports, agent)
    if spec.n_cells > MAX_CELLS:
        raise PlannerError(
            f"the table would have {spec.n_cells:,} cells; at most {MAX_CELLS:,}: split it",
            file=doc.file,
        )
    return spec


def _instance_type(doc: Located, path: tuple[str | int, ...], raw: Any) -> InstanceType:
    name = text(doc, path, raw)
    try:
        return get_instance_type(name)
    except PlannerError:
        known = list(load_catalog())
        close = difflib.get_close_matches(name.strip().lower(), known, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise doc.error(
            path,
            f"unknown instance type {describe(name)}{hint} (`planner instance-types` lists "
            f"the {len(known)} known ones)",
        ) from None


def _task(doc: Located, path: tuple[str | int, ...], raw: Any) -> TaskSize:
    t = mapping(doc, path, raw, TASK_FIELDS, required=("cpu", "memory"), what="a task size")
    cpu = sized(doc, (*path, "cpu"), t["cpu"], parse_cpu)
    memory = sized(doc, (*path, "memory"), t["memory"], parse_memory, minimum=1)
    new_cpu, new_memory = cpu, memory
    if t.get("new") is not None:
        n = mapping(doc, (*path, "new"), t["new"], NEW_TASK_FIELDS, what="a task size")
        if "cpu" in n:
            new_cpu = sized(doc, (*path, "new", "cpu"), n["cpu"], parse_cpu)
        if "memory" in n:
            new_memory = sized(doc, (*path, "new", "memory"), n["memory"], parse_memory, minimum=1)
    return TaskSize(cpu, memory, new_cpu, new_memory)


def _configuration(doc: Located, path: tuple[str | int, ...], raw: Any) -> Configuration:
    c = mapping(doc, path, raw, CONFIG_FIELDS, what="a deployment configuration")
    out = Configuration()
    if c.get("minimumHealthyPercent") is not None:
        out = replace(
            out,
            minimum_healthy_percent=whole(
                doc, (*path, "minimumHealthyPercent"), c["minimumHealthyPercent"], rule=PERCENT
            ),
        )
    if c.get("maximumPercent") is not None:
        out = replace(
            out,
            maximum_percent=whole(
                doc, (*path, "maximumPercent"), c["maximumPercent"], rule=OPEN_PERCENT
            ),
        )
    if c.get("strategy") is not None:
        out = replace(out, strategy=one_of(doc, (*path, "strategy"), c["strategy"], STRATEGIES))
    return out


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
) -> tuple[int | None, int | None, int | None, str]:
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
        if verdict == "unknown":
            how = f"solver (time limit at {n} instances)"
            break
        if verdict in ("safe", "at-risk") and possible is None:
            possible = n
        if verdict == "safe":
            return steady, possible, n, how
    return steady, possible, None, how


def _solve_cell(shared: _Shared, k: int) -> tuple[int | None, int | None, int | None, str]:
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
                        yield Cell(t, task, d, config, mode, spec.agent, spec.placement_mode)


def cell_at(spec: TableSpec, k: int) -> Cell:
    """The ``k``-th cell of :func:`cells`, without making the ones before it."""
    k, mode = divmod(k, len(spec.host_ports))
    k, config = divmod(k, len(spec.configurations))
    k, d = divmod(k, len(spec.desired_counts))
    k, task = divmod(k, len(spec.tasks))
    return Cell(
        spec.instance_types[k], spec.tasks[task], spec.desired_counts[d],
        spec.configurations[config], spec.host_ports[mode], spec.agent, spec.placement_mode,
    )  # fmt: skip


def _as_spec(spec: TableSpec | str | Path | dict[str, Any]) -> TableSpec:
    if isinstance(spec, TableSpec):
        return spec
    if isinstance(spec, dict):
        return table_spec_from_data(Located(spec, {(): 1}, "<table spec>"))
    return load_table_spec(spec)


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
    table = _as_spec(spec)
    if placement is not None:
        table = replace(table, placement_mode=placement)
    every = list(cells(table))
    answers: list[tuple[int | None, int | None, int | None, str] | None] = [None] * len(every)
    slots: list[int | None] = [None] * len(every)
    todo: list[int] = []
    instances: dict[tuple[str, str], Instance] = {}
    for k, cell in enumerate(every):
        key = (cell.instance_type.name, cell.host_port)
        if key not in instances:
            instances[key] = cell.instance()
        inst = instances[key]
        fp = Footprint.of(cell.taskdef(cell.task.cpu, cell.task.memory))
        slots[k] = task_slots(inst, fp)
        if counting and cell.uniform:
            lower, upper = cell.bounds
            steady, possible, safe = counted_instances(
                cell.desired, lower, upper, slots[k] or 0, all_at_once=cell.all_at_once
            )
            answers[k] = (steady, possible, safe, "counting")
        else:
            todo.append(k)
    if todo:  # solver cells, one task each; counting cells never left this process
        shared = _Shared(table, time_limit, seed, counting, deadline)
        solved = run_cells(
            _solve_cell, todo, shared, jobs=jobs, client=client, progress=progress,
            label="cells", deadline=deadline,
        )  # fmt: skip
        for k, ans in zip(todo, solved, strict=True):
            if isinstance(ans, Failed):
                ans = (None, None, None, f"failed: {ans.error}")
            answers[k] = ans
    rows = []
    for cell, answer, k_slots in zip(every, answers, slots, strict=True):
        assert answer is not None
        steady, possible, safe, how = answer
        lower, upper = cell.bounds
        price = cell.instance_type.hourly_usd
        rows.append(
            {
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
                "tasksPerInstance": k_slots if k_slots else None,
                "steadyInstances": steady,
                "possibleInstances": possible,
                "safeInstances": safe,
                "hourlyUsd": price,
                "hourlyCost": None if safe is None or price is None else round(safe * price, 4),
                "cheapest": False,
                "method": how,
            }
        )
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


# ---------------------------------------------------------------- output


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


def _cell(value: Any, column: str) -> str:
    if value is None:
        return ""
    if column in ("hourlyCost", "hourlyUsd"):
        return f"{value:.4f}"
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)


def to_markdown(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (no extra dependency)."""
    rows = records(df)
    cols = list(df.columns)
    right = {c for c in cols if c not in ("instanceType", "strategy", "hostPort", "method")}
    lines = [
        "| " + " | ".join(cols) + " |",
        "|" + "|".join("---:" if c in right else ":---" for c in cols) + "|",
    ]
    for r in rows:
        lines.append("| " + " | ".join(_cell(r[c], c) for c in cols) + " |")
    return "\n".join(lines) + "\n"


def to_html(df: pd.DataFrame) -> str:
    """An HTML table, empty cells where there is no answer."""
    return (
        df.to_html(
            index=False,
            na_rep="",
            float_format=lambda x: f"{x:.4f}",
            classes="capacity-table",
            border=0,
        )
        + "\n"
    )


def to_csv(df: pd.DataFrame) -> str:
    """CSV with a header row; empty fields where there is no answer."""
    return df.to_csv(index=False, na_rep="", float_format="%.4f", lineterminator="\n")


def cheapest(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The ``cheapest`` rows, as plain Python."""
    return records(df[df["cheapest"]])


def render_table(df: pd.DataFrame, console: Console) -> None:
    """The table for a person, then the cheapest type for each task and count."""
    rows = records(df)
    show_new = any((r["cpu"], r["memory"]) != (r["newCpu"], r["newMemory"]) for r in rows)
    show_strategy = any(r["strategy"] != "ROLLING" for r in rows)
    archs = {r["arch"] for r in rows}
    cols: list[tuple[str, str]] = [("instanceType", "type")]
    if len(archs) > 1:  # an arm64 type needs images built for it: say which
        cols.append(("arch", "arch"))
    cols += [
        ("cpu", "CPU"),
        ("memory", "MiB"),
    ]
    if show_new:
        cols += [("newCpu", "new CPU"), ("newMemory", "new MiB")]
    cols += [("desiredCount", "tasks"), ("minimumHealthyPercent", "min %"),
             ("maximumPercent", "max %")]  # fmt: skip
    if show_strategy:
        cols.append(("strategy", "strategy"))
    cols += [
        ("hostPort", "host port"),
        ("tasksPerInstance", "per inst."),
        ("steadyInstances", "steady"),
        ("possibleInstances", "possible"),
        ("safeInstances", "safe"),
        ("hourlyCost", "USD/h"),
    ]
    name = df.attrs.get("name", "capacity table")
    table = Table(
        title=f"{name}: instances needed ({len(rows)} combinations)", title_justify="left"
    )
    for key, head in cols:
        table.add_column(head, justify="left" if key in ("instanceType", "arch", "hostPort",
                         "strategy") else "right", no_wrap=True)  # fmt: skip
    several = len({r["instanceType"] for r in rows}) > 1  # else "cheapest" says nothing
    if several:
        table.add_column("", no_wrap=True)
    for r in rows:
        cells = [_cell(r[key], key) or "—" for key, _ in cols]
        if several:
            cells.append("★" if r["cheapest"] else "")
        table.add_row(*cells)
    console.print(table)
    # in the spec's order: rows run through the instance types outermost
    first: dict[tuple[Any, ...], int] = {}
    for k, r in enumerate(rows):
        first.setdefault(tuple(r[c] for c in GROUP_KEY), k)
    best = sorted(
        (r for r in rows if r["cheapest"]), key=lambda r: first[tuple(r[c] for c in GROUP_KEY)]
    )
    if best and several:
        console.print("\n[bold]Cheapest type[/bold] for each task size and count (★):")
        for r in best:
            task = f"{r['cpu']} CPU / {r['memory']} MiB"
            if show_new and (r["cpu"], r["memory"]) != (r["newCpu"], r["newMemory"]):
                task += f" → {r['newCpu']} CPU / {r['newMemory']} MiB"
            how = f"{r['minimumHealthyPercent']}/{r['maximumPercent']} %"
            if show_strategy and r["strategy"] != "ROLLING":
                how = r["strategy"]
            arch = f" ({r['arch']})" if len(archs) > 1 else ""
            console.print(
                f"  {task} × {r['desiredCount']}, {how}, {r['hostPort']} port: "
                f"{r['safeInstances']} × {r['instanceType']}{arch}, {r['hourlyCost']:.4f} USD/h",
                highlight=False,
            )
        if len(archs) > 1:
            console.print(
                "  (types of more than one CPU architecture: an arm64 type needs images built "
                "for arm64)",
                highlight=False,
            )
    missing = sum(1 for r in rows if r["steadyInstances"] is None)
    unsafe = [r for r in rows if r["steadyInstances"] is not None and r["safeInstances"] is None]
    late = sum(1 for r in unsafe if "time limit" in str(r["method"]))
    stuck = len(unsafe) - late
    notes = []
    if missing:
        notes.append(f"{missing} combinations where the task fits no instance of the type (—)")
    if stuck:
        notes.append(
            f"{stuck} where no instance count makes the rollout safe (the percents leave no "
            "room, or a larger new task never fits)"
        )
    if late:
        notes.append(
            f"{late} where the time limit came before a safe count was found: undecided, "
            "not unsafe (the method column in --format csv says at which count)"
        )
    for n in notes:
        console.print(f"  note: {n}", highlight=False)
    agent = df.attrs.get("agent")
    info = catalog_info()
    text_agent = ""
    if isinstance(agent, Agent):
        text_agent = (
            f"agent keeps {agent.reserved_cpu} CPU units and {agent.reserved_memory} MiB per "
            "instance; "
        )
    console.print(
        "\n[dim]steady: holds the running tasks; possible: some run completes; safe: every run "
        + (
            "ECS's scheduler as configured can make completes (--placement ecs). "
            if df.attrs.get("placement") == "ecs"
            else "ECS can make completes. "
        )
        + f"{text_agent}memory as ECS registers it "
        f"(data/instance_types.yaml); fixed host port {FIXED_PORT}; prices on-demand, "
        f"{info.region}, {info.price_date}; USD/h is for the safe fleet.[/dim]",
        highlight=False,
    )
