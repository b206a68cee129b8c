"""A first-fit-decreasing fleet estimate, as cluster autoscalers compute one.

Cluster Autoscaler and Karpenter size a fleet by packing the pending and running tasks
(pods) onto instances of a chosen type, largest first, opening a new instance when none
fits: a bin-packing estimate of one moment, with no notion of waves, of what may stop
before what starts, or of where ECS's spread put the running tasks.

Two moments are estimated, for the chosen instance type:

- **steady state**: every service's running (old) tasks;
- **rollout peak**: what runs once a deployment's first wave has been placed — per
  deploying service ``lower`` old tasks beside ``min(desired, upper − lower)`` new ones
  (all-at-once strategies: the whole blue set beside the whole green set), services that
  do not deploy as they are — and, where it needs more, the end state (every new task).
  The peak fleet is the larger of the two packings: an autoscaler that sees every pending
  task grows the fleet to the largest moment.

A task fits an instance if its CPU, memory, ENIs and dynamic ports fit what is left, none
of its fixed host ports is taken or reserved there, and (distinctInstance, DAEMON) no task
of its service is there yet; the same filters as ECS's placement, so the estimate differs
from planner's minimum only by what a one-moment packing cannot see.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from planner.model.problem import lower_bound, upper_bound
from planner.model.scenario import Agent, InstanceGroup, Scenario, Service, TaskDefinition


@dataclass(frozen=True)
class Item:
    """One task to place."""

    service: int
    vector: tuple[int, int, int, int]  # cpu, memory, ENIs, dynamic ports
    ports: frozenset[int] = frozenset()
    distinct: bool = False


@dataclass
class Bin:
    """One instance being filled."""

    free: list[int]
    ports: set[int]
    services: set[int] = field(default_factory=set)

    def fits(self, item: Item) -> bool:
        if item.distinct and item.service in self.services:
            return False
        if item.ports & self.ports:
            return False
        return all(v <= f for v, f in zip(item.vector, self.free, strict=True))

    def add(self, item: Item) -> None:
        self.free = [f - v for f, v in zip(self.free, item.vector, strict=True)]
        self.ports |= item.ports
        self.services.add(item.service)


def capacity(group: InstanceGroup, agent: Agent) -> tuple[int, int, int, int]:
    """What tasks may use of one instance of ``group`` (as :func:`compile_problem`)."""
    lo, hi = agent.dynamic_port_range
    dynamic = hi - lo + 1 - sum(1 for p in agent.reserved_ports if lo <= p <= hi)
    enis = 0
    if group.enis is not None:
        enis = group.enis - 1  # the primary ENI serves the instance itself
    if agent.awsvpc_trunking and group.trunk_enis is not None:
        enis = group.trunk_enis
    return (
        group.cpu - agent.reserved_cpu,
        group.memory - agent.reserved_memory,
        max(enis, 0),
        dynamic,
    )


def _item(k: int, svc: Service, td: TaskDefinition) -> Item:
    distinct = svc.distinct_instance or svc.scheduling_strategy == "DAEMON"
    vector = (td.cpu, td.memory, td.enis, td.dynamic_ports)
    return Item(k, vector, frozenset(td.host_ports), distinct)


def _replicas(svc: Service) -> bool:
    return svc.scheduling_strategy != "DAEMON"


def steady_items(scenario: Scenario) -> list[Item]:
    """Every service's running tasks (DAEMON services are per instance, see :func:`ffd`)."""
    return [
        _item(k, svc, svc.task_definition)
        for k, svc in enumerate(scenario.services)
        if _replicas(svc)
        for _ in range(svc.desired_count)
    ]


def peak_items(scenario: Scenario) -> list[Item]:
    """The first wave placed: lower old tasks beside ``min(desired, upper − lower)`` new."""
    out: list[Item] = []
    for k, svc in enumerate(scenario.services):
        if not _replicas(svc):
            continue
        d = svc.desired_count
        if not svc.deploy:
            old, new = d, 0
        elif svc.all_at_once:
            old, new = d, d
        else:
            lower = lower_bound(d, svc.minimum_healthy_percent)
            upper = upper_bound(d, svc.maximum_percent)
            old, new = min(lower, d), max(0, min(d, upper - lower))
        out += [_item(k, svc, svc.task_definition)] * old
        out += [_item(k, svc, svc.new_task_definition)] * new
    return out


def final_items(scenario: Scenario) -> list[Item]:
    """The end state: every new task, services that do not deploy as they are."""
    return [
        _item(k, svc, svc.new_task_definition if svc.deploy else svc.task_definition)
        for k, svc in enumerate(scenario.services)
        if _replicas(svc)
        for _ in range(svc.desired_count)
    ]


def _daemon_load(scenario: Scenario, moment: str) -> Item | None:
    """What DAEMON services take on every instance (old, new, or the larger of both)."""
    total = [0, 0, 0, 0]
    ports: set[int] = set()
    for k, svc in enumerate(scenario.services):
        if _replicas(svc):
            continue
        old, new = _item(k, svc, svc.task_definition), _item(k, svc, svc.new_task_definition)
        pick = {"steady": (old,), "final": (new,), "peak": (old, new)}[moment]
        for d in range(4):
            total[d] += max(it.vector[d] for it in pick)
        for it in pick:
            ports |= it.ports
    if not any(total) and not ports:
        return None
    return Item(-1, (total[0], total[1], total[2], total[3]), frozenset(ports))


def ffd(
    items: list[Item], group: InstanceGroup, agent: Agent, daemon: Item | None = None
) -> int | None:
    """Instances of ``group`` that first-fit decreasing opens for ``items``.

    Tasks are sorted by CPU, then memory, largest first; each goes on the first open
    instance where it fits, else on a new one. None when a task fits no empty instance.
    """
    cap = list(capacity(group, agent))
    blocked = set(agent.reserved_ports)
    if daemon is not None:
        if not all(v <= c for v, c in zip(daemon.vector, cap, strict=True)):
            return None
        cap = [c - v for c, v in zip(cap, daemon.vector, strict=True)]
        blocked |= daemon.ports
    bins: list[Bin] = []
    for item in sorted(items, key=lambda it: (it.vector[0], it.vector[1]), reverse=True):
        for b in bins:
            if b.fits(item):
                b.add(item)
                break
        else:
            b = Bin(list(cap), set(blocked))
            if not b.fits(item):
                return None
            b.add(item)
            bins.append(b)
    return len(bins)


@dataclass(frozen=True)
class Estimate:
    """FFD fleets for one scenario and instance type."""

    group: str
    steady: int | None
    peak: int | None  # the larger of the first-wave and end-state packings


def chosen_group(scenario: Scenario) -> InstanceGroup:
    """The instance type a fleet is sized in: the one with the most CPU per instance."""
    return max(scenario.instance_groups, key=lambda g: (g.cpu, g.memory))


def single_type(scenario: Scenario) -> Scenario:
    """``scenario`` on instances of :func:`chosen_group` only, count omitted (to find)."""
    group = replace(chosen_group(scenario), count=None)
    services = tuple(replace(s, placement=None) for s in scenario.services)
    return replace(scenario, instance_groups=(group,), services=services)


def estimate(scenario: Scenario) -> Estimate:
    """Steady-state and rollout-peak FFD fleets of :func:`chosen_group`."""
    group = chosen_group(scenario)
    agent = scenario.agent
    steady = ffd(steady_items(scenario), group, agent, _daemon_load(scenario, "steady"))
    first = ffd(peak_items(scenario), group, agent, _daemon_load(scenario, "peak"))
    final = ffd(final_items(scenario), group, agent, _daemon_load(scenario, "final"))
    peak = None if first is None or final is None else max(first, final)
    return Estimate(group.name, steady, peak)
