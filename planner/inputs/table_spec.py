"""The request of ``planner table``: a table spec, read and validated.

A table spec (CONTRACT.md, ``planner table``) lists instance types, task sizes, desired
counts, deployment configurations and host-port modes; the table
(:mod:`planner.deciding.tables`) has one row for every combination of them.

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
* ``availabilityZones`` (optional): the zones a fleet spreads over, round-robin; the
  table then says the least fleet that survives the loss of any one of them
  (``zoneSafeInstances``, ROLLOUT.md §10).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs.checks import listing, mapping, one_of, sized, text, whole
from planner.inputs.loading import read_agent
from planner.inputs.yamlsafe import Located, load_yaml
from planner.model.catalog import InstanceType, get_instance_type, load_catalog, suggest_type
from planner.model.scenario import STRATEGIES, Agent, first_repeat
from planner.model.units import OPEN_PERCENT, PERCENT, describe, parse_cpu, parse_memory

SPEC_FIELDS = (
    "name",
    "instanceTypes",
    "tasks",
    "desiredCounts",
    "deploymentConfigurations",
    "hostPorts",
    "agent",
    "availabilityZones",
)
TASK_FIELDS = ("cpu", "memory", "new")
NEW_TASK_FIELDS = ("cpu", "memory")
CONFIG_FIELDS = ("minimumHealthyPercent", "maximumPercent", "strategy")
#: A configuration's percents: (field, Configuration's attribute, highest whole percent).
PERCENT_FIELDS = (
    ("minimumHealthyPercent", "minimum_healthy_percent", PERCENT),
    ("maximumPercent", "maximum_percent", OPEN_PERCENT),
)
HOST_PORT_MODES = ("dynamic", "fixed", "awsvpc")
#: The host port of the ``fixed`` mode (any port the agent does not reserve behaves alike).
FIXED_PORT = 8080
#: Most cells one table may have.
MAX_CELLS = 100_000


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
    #: The zones each fleet spreads over, round-robin (empty: none named; ROLLOUT.md §10).
    availability_zones: tuple[str, ...] = ()

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
    zones = _zones(doc, top.get("availabilityZones"))
    spec = TableSpec(name, types, tasks, counts, configs, ports, agent, availability_zones=zones)
    if spec.n_cells > MAX_CELLS:
        raise PlannerError(
            f"the table would have {spec.n_cells:,} cells; at most {MAX_CELLS:,}: split it",
            file=doc.file,
        )
    return spec


def _zones(doc: Located, raw: Any) -> tuple[str, ...]:
    """``availabilityZones``: distinct zone names, or none."""
    if raw is None:
        return ()
    where = ("availabilityZones",)
    zones = tuple(
        text(doc, (*where, i), v) for i, v in enumerate(listing(doc, where, raw, non_empty=True))
    )
    twice = first_repeat(list(zones))
    if twice is not None:
        k, j = twice
        raise doc.error((*where, k), f"zone {zones[k]!r} is already listed (item {j})")
    return zones


def _instance_type(doc: Located, path: tuple[str | int, ...], raw: Any) -> InstanceType:
    name = text(doc, path, raw)
    try:
        return get_instance_type(name)
    except PlannerError:
        known = list(load_catalog())
        close = suggest_type(name)
        hint = f"; did you mean {close}?" if close else ""
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
    given: dict[str, Any] = {}
    for key, attr, rule in PERCENT_FIELDS:
        if c.get(key) is not None:
            given[attr] = whole(doc, (*path, key), c[key], rule=rule)
    if c.get("strategy") is not None:
        given["strategy"] = one_of(doc, (*path, "strategy"), c["strategy"], STRATEGIES)
    return Configuration(**given)


def as_spec(spec: TableSpec | str | Path | dict[str, Any]) -> TableSpec:
    """A :class:`TableSpec` as it is, a spec file read, or a spec given as a dict (the
    YAML's content) validated."""
    if isinstance(spec, TableSpec):
        return spec
    if isinstance(spec, dict):
        return table_spec_from_data(Located(spec, {(): 1}, "<table spec>"))
    return load_table_spec(spec)
