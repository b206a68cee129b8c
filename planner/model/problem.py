"""The numbers the wave model works on, compiled from a :class:`~planner.model.scenario.Scenario`.

Instances are expanded (one entry per container instance, in file order), services that
do not deploy are folded into each instance's static load, and the percent settings are
turned into the bounds of ROLLOUT.md §2.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from planner.errors import PlannerError
from planner.model import placement, scaling
from planner.model.placement import DIMENSIONS, Footprint, Row
from planner.model.scenario import InstanceGroup, Scenario
from planner.model.scenario import Service as ScenarioService
from planner.running import work

__all__ = ["DIMENSIONS", "DoesNotFit", "Footprint", "Instance", "Problem", "Service"]


def lower_bound(desired: int, minimum_healthy_percent: int) -> int:
    """ceil(desired × minimumHealthyPercent / 100), in exact integer arithmetic."""
    return -(-desired * minimum_healthy_percent // 100)


def upper_bound(desired: int, maximum_percent: int) -> int:
    """floor(desired × maximumPercent / 100), in exact integer arithmetic."""
    return desired * maximum_percent // 100


@dataclass(frozen=True)
class Instance:
    """One container instance: what tasks may use of it, and what static load holds."""

    label: str
    group: int
    capacity: tuple[int, int, int, int]
    reserved_ports: frozenset[int]
    static: tuple[int, int, int, int] = (0, 0, 0, 0)
    static_ports: frozenset[int] = frozenset()
    #: What memberOf expressions see: ``ecs.*`` and custom attributes, and
    #: ``ec2InstanceId`` (ROLLOUT.md §8).
    attributes: tuple[tuple[str, str], ...] = ()
    zone: str | None = None
    #: Why the instance takes no new task (``DRAINING``, ``agent disconnected``), or None.
    closed: str | None = None
    #: The services that do not deploy with tasks here (the static load), for messages.
    static_names: tuple[str, ...] = field(default=(), compare=False)
    #: The capacity provider whose group the instance belongs to (ROLLOUT.md §10), or None.
    provider: str | None = None

    def free(self, dim: int) -> int:
        return self.capacity[dim] - self.static[dim]

    def blocked_ports(self) -> frozenset[int]:
        return self.reserved_ports | self.static_ports


@dataclass(frozen=True)
class Service:
    """A deploying service in the wave model."""

    name: str
    desired: int
    lower: int
    upper: int
    old: Footprint
    new: Footprint
    distinct: bool = False
    all_at_once: bool = False
    #: memberOf expressions, all binding (:mod:`planner.model.cql`).
    member_of: tuple[str, ...] = ()
    #: placementStrategy rules; None: ECS's default (:data:`placement.DEFAULT_STRATEGY`).
    #: (Not the deployment strategy: that is ``all_at_once``.)
    placement_strategy: tuple[tuple[str, str | None], ...] | None = None
    #: The capacity providers its tasks may run on (its capacityProviderStrategy); None:
    #: any instance (launch type EC2).
    providers: frozenset[str] | None = None


#: Why a launchable instance of a group takes no task yet (:meth:`Problem.at`).
NOT_LAUNCHED = "not launched"


@dataclass(frozen=True)
class Problem:
    """A compiled rollout: instances, deploying services and the old tasks' places.

    ``initial[i][s]`` is how many old tasks of service ``s`` run on instance ``i``;
    ``initial_new[i][s]`` how many new ones run there already (a snapshot taken
    mid-deployment, or the tasks a drain leaves in place; empty: none).
    """

    instances: tuple[Instance, ...]
    services: tuple[Service, ...]
    initial: tuple[tuple[int, ...], ...]
    service_index: tuple[int, ...] = ()  # position of each deploying service in the file
    #: ``any`` or ``ecs``: which ECS rules the verdict is about (:class:`Scenario`).
    placement_mode: str = "any"
    initial_new: tuple[tuple[int, ...], ...] = ()
    #: Whether the rollout starts from the cluster as it runs (ROLLOUT.md §9, §10): new
    #: tasks placed (``newPlacement``) or instances closed, not before its first wave.
    snapshot: bool = False
    #: The capacity providers' groups (:mod:`planner.model.scaling`), their launchable
    #: instances at the end of :attr:`instances`; and per deploying service, its items of
    #: a capacity provider strategy (empty: none, its tasks never PROVISIONING).
    groups: tuple[scaling.Group, ...] = ()
    shares: tuple[tuple[scaling.Share, ...], ...] = ()
    #: Per group, how many launchable instances run at the start (a rollback's start).
    start_added: tuple[int, ...] = ()
    #: Views by launched counts (:meth:`at`); not an argument, so that a copy made by
    #: ``dataclasses.replace`` starts with none (its views would be of the original).
    _views: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def reacts(self) -> bool:
        """Whether some group may grow (ROLLOUT.md §10)."""
        return any(g.scales and g.launchable for g in self.groups)

    @cached_property
    def added_at_start(self) -> tuple[int, ...]:
        return self.start_added or tuple(0 for _ in self.groups)

    def at(self, added: tuple[int, ...]) -> Problem:
        """The problem with the first ``added[g]`` launchable instances of each group
        open, the others closed (``not launched``); itself where nothing differs."""
        if not self.groups or not added or added == self.added_at_start:
            return self
        view = self._views.get(added)
        if view is None:
            instances = list(self.instances)
            for g, group in enumerate(self.groups):
                for k, i in enumerate(group.launchable):
                    instances[i] = replace(
                        instances[i], closed=None if k < added[g] else NOT_LAUNCHED
                    )
            view = replace(self, instances=tuple(instances), start_added=added)
            self._views[added] = view
        return view

    @cached_property
    def start_new(self) -> tuple[tuple[int, ...], ...]:
        """``initial_new``, with zeros where it is empty."""
        if self.initial_new:
            return self.initial_new
        return tuple(tuple(0 for _ in self.services) for _ in self.instances)

    @property
    def n_instances(self) -> int:
        return len(self.instances)

    @cached_property
    def rows(self) -> tuple[tuple[Row, ...], ...]:
        """Per instance, its placement rows (:mod:`planner.model.placement`)."""
        olds = [svc.old for svc in self.services]
        news = [svc.new for svc in self.services]
        distinct = [svc.distinct for svc in self.services]
        made: dict[tuple, tuple[Row, ...]] = {}  # identical instances share their rows
        out = []
        for inst, running in zip(self.instances, self.start_new, strict=True):
            free = tuple(inst.free(d) for d in range(len(DIMENSIONS)))
            excluded = tuple(
                _provider_excluded(svc, inst)
                or placement.excluded_by(svc.member_of, inst.attributes)
                for svc in self.services
            )
            closed = (inst.closed, sum(running)) if inst.closed else None
            key = (free, inst.blocked_ports(), excluded, closed)
            if key not in made:
                made[key] = placement.rows_for(
                    free, inst.blocked_ports(), olds, news, distinct, excluded, closed
                )
            out.append(made[key])
        return tuple(out)

    @cached_property
    def classes(self) -> tuple[tuple[tuple[Row, ...], tuple[int, ...]], ...]:
        """Instances alike for placement (the same rows, shared by :attr:`rows`), as
        (rows, instances) in order of first appearance."""
        out: dict[int, tuple[tuple[Row, ...], list[int]]] = {}
        for i, rows in enumerate(self.rows):
            out.setdefault(id(rows), (rows, []))[1].append(i)
        return tuple((rows, tuple(insts)) for rows, insts in out.values())

    @cached_property
    def old_totals(self) -> tuple[int, ...]:
        """Per service, its old tasks at the start."""
        return tuple(map(sum, zip(*self.initial, strict=True))) if self.initial else ()

    @cached_property
    def row_arrays(self) -> placement.Layout:
        """The rows as arrays, for the scheduler (:class:`placement.ArrayLoads`)."""
        return placement.layout(self.rows)

    @cached_property
    def attributes(self) -> placement.Attributes:
        """Per instance, what memberOf and spread fields see (ROLLOUT.md §8)."""
        return placement.Attributes(dict(inst.attributes) for inst in self.instances)

    def could_ever_fit(self, i: int, s: int) -> bool:
        """Whether a new task of ``s`` fits on instance ``i`` with nothing else on it."""
        return placement.could_ever_fit(self.rows[i], s)

    @property
    def n_services(self) -> int:
        return len(self.services)

    @property
    def total_desired(self) -> int:
        return sum(s.desired for s in self.services)


def _strategy_excludes(scenario: Scenario, svc: ScenarioService, inst: Instance) -> str | None:
    """:func:`_provider_excluded` for a service as the scenario gives it."""
    names = frozenset(i.capacity_provider for i in scenario.strategy_of(svc))
    if not names or inst.provider in names:
        return None
    return placement.PROVIDER_ROW + " " + ", ".join(sorted(names))


def _provider_excluded(svc: Service, inst: Instance) -> str | None:
    """The capacity provider strategy that keeps ``svc``'s tasks off ``inst``, or None."""
    if svc.providers is None or inst.provider in svc.providers:
        return None
    return placement.PROVIDER_ROW + " " + ", ".join(sorted(svc.providers))


def old_placement(scenario: Scenario) -> list[list[int]]:
    """Per service in file order, its old tasks per instance, where :func:`compile_problem`
    puts them: as given, or placed by the service's strategy (ROLLOUT.md §3, §8). A change
    that sets a new desired count (``planner solve --change``) keeps them where they run.

    Raises
    ------
    DoesNotFit
        As :func:`compile_problem`.
    """
    blank = _expand_instances(scenario)
    # what compiling costs, for a work budget (planner.running.work)
    work.charge(work.compile_cost(len(blank), len(scenario.services)))
    for cp in scenario.capacity_providers:
        blank = [replace(b, provider=cp.name) if b.group in cp.groups else b for b in blank]
    return _place_old_tasks(scenario, blank, _daemon_counts(scenario, len(blank)))


class DoesNotFit(PlannerError):
    """The running (old) tasks do not fit the cluster: the scenario is invalid."""


def compile_problem(scenario: Scenario) -> Problem:
    """Expand instances, place the old tasks and compute the bounds.

    Raises
    ------
    DoesNotFit
        If the running service does not fit the cluster (ROLLOUT.md §3), or a given
        ``placement`` breaks a capacity, port or constraint.
    """
    blank = _expand_instances(scenario)
    # what compiling costs, for a work budget (planner.running.work)
    work.charge(work.compile_cost(len(blank), len(scenario.services)))
    for cp in scenario.capacity_providers:  # a strategy binds its tasks to these (§10)
        blank = [replace(b, provider=cp.name) if b.group in cp.groups else b for b in blank]
    counts = _daemon_counts(scenario, len(blank))
    placed = _place_old_tasks(scenario, blank, counts)

    instances = list(blank)
    draining = [inst.closed == "DRAINING" for inst in blank]
    services: list[Service] = []
    index: list[int] = []
    initial_cols: list[list[int]] = []
    new_cols: list[list[int]] = []
    for k, svc in enumerate(scenario.services):
        if not svc.deploy:
            _add_static_load(instances, Footprint.of(svc.task_definition), placed[k], svc.name)
            continue
        service, old_col, new_col = _deploying(
            scenario, svc, k, counts[k], placed[k], draining, blank
        )
        services.append(service)
        index.append(k)
        initial_cols.append(old_col)
        new_cols.append(new_col)
    groups = _launchable(scenario, instances)
    for cols in (initial_cols, new_cols):
        for col in cols:
            col += [0] * (len(instances) - len(col))
    n = len(instances)
    initial = tuple(tuple(col[i] for col in initial_cols) for i in range(n))
    initial_new = tuple(tuple(col[i] for col in new_cols) for i in range(n))
    problem = Problem(
        tuple(instances),
        tuple(services),
        initial,
        tuple(index),
        scenario.placement_mode,
        initial_new if any(map(any, initial_new)) else (),
        any(s.new_placement is not None for s in scenario.services)
        or any(g.closed for g in scenario.instance_groups),
        groups,
        tuple(_shares(scenario, scenario.services[k], groups) for k in index),
    )
    if problem.initial_new:
        _check_snapshot(problem)
    return problem


def _expand_instances(
    scenario: Scenario, groups: tuple[InstanceGroup, ...] | None = None
) -> list[Instance]:
    """One empty instance per container instance, groups in file order: its capacity less
    what the agent reserves, and the attributes ECS gives it (ROLLOUT.md §2, §7)."""
    agent = scenario.agent
    lo, hi = agent.dynamic_port_range
    dynamic = hi - lo + 1 - sum(1 for p in agent.reserved_ports if lo <= p <= hi)
    blank: list[Instance] = []
    for g_index, group in enumerate(scenario.instance_groups if groups is None else groups):
        if group.count is None:
            raise PlannerError(f"instance group {group.name!r} has no count")
        enis = 0
        if group.enis is not None:  # the primary ENI serves the instance itself
            enis = group.enis - 1
        if agent.awsvpc_trunking and group.trunk_enis is not None:
            enis = group.trunk_enis
        capacity = (
            group.cpu - agent.reserved_cpu,
            group.memory - agent.reserved_memory,
            max(enis, 0),
            dynamic,
        )
        for k in range(group.count):
            label = f"{group.name}#{k}" if group.count > 1 else group.name
            if group.instance_ids is not None:
                label = group.instance_ids[k]
            zone = group.zones[k % len(group.zones)] if group.zones else None
            attributes = [("ecs.os-type", "linux"), ("ec2InstanceId", label)]
            kind = group.type or group.instance_type
            if kind:
                attributes.append(("ecs.instance-type", kind))
            if zone:
                attributes.append(("ecs.availability-zone", zone))
            if group.arch:
                attributes.append(("ecs.cpu-architecture", group.arch))
            attributes += group.attributes
            blank.append(
                Instance(
                    label,
                    g_index,
                    capacity,
                    frozenset(agent.reserved_ports),
                    attributes=tuple(attributes),
                    zone=zone,
                    closed=group.closed,
                )
            )
    return blank


def _launchable(scenario: Scenario, instances: list[Instance]) -> tuple[scaling.Group, ...]:
    """Mark the running instances of each capacity provider's group, and append the
    instances each group may launch, up to ``maxSize`` (ROLLOUT.md §10): empty, of its
    smallest type, closed until launched, their zones continuing the group's rotation."""
    out: list[scaling.Group] = []
    for k, cp in enumerate(scenario.capacity_providers):
        running = [i for i, inst in enumerate(instances) if inst.group in cp.groups]
        launchable: list[int] = []
        template = cp.smallest
        if cp.scales:
            shape = replace(template, name=cp.name, count=1, zones=(), instance_ids=None)
            one = _expand_instances(scenario, (shape,))[0]
            for j in range(cp.max_size - len(running)):
                zone = cp.zones[(len(running) + j) % len(cp.zones)] if cp.zones else None
                label = f"{cp.name}+{j + 1}"
                attributes = [
                    ("ec2InstanceId", label) if a == "ec2InstanceId" else (a, v)
                    for a, v in one.attributes
                ]
                if zone:
                    attributes.append(("ecs.availability-zone", zone))
                launchable.append(len(instances))
                instances.append(
                    replace(
                        one,
                        label=label,
                        group=len(scenario.instance_groups) + k,
                        attributes=tuple(attributes),
                        zone=zone,
                        closed=NOT_LAUNCHED,
                        provider=cp.name,
                    )
                )
        scaling_ = cp.scaling
        out.append(
            scaling.Group(
                cp.name,
                tuple(running),
                tuple(launchable),
                cp.max_size,
                scaling_.target_capacity if scaling_ else 100,
                scaling_.minimum_step if scaling_ else 1,
                scaling_.maximum_step if scaling_ else 10_000,
                scaling_.warmup if scaling_ else 300,
                cp.scales,
                template.type or template.instance_type or template.name,
            )
        )
    return tuple(out)


def _shares(
    scenario: Scenario, svc: ScenarioService, groups: tuple[scaling.Group, ...]
) -> tuple[scaling.Share, ...]:
    """The service's capacity provider strategy, by group index."""
    names = [g.name for g in groups]
    return tuple(
        scaling.Share(names.index(item.capacity_provider), item.base, item.weight)
        for item in scenario.strategy_of(svc)
        if item.capacity_provider in names
    )


def _add_static_load(
    instances: list[Instance], fp: Footprint, placed: list[int], name: str
) -> None:
    """Fold the tasks of service ``name``, which does not deploy, into its instances'
    static load (and its name into theirs, for messages)."""
    for i, n in enumerate(placed):
        if n:
            inst = instances[i]
            static = tuple(a + n * b for a, b in zip(inst.static, fp.vector, strict=True))
            instances[i] = replace(
                inst,
                static=static,  # type: ignore[arg-type]
                static_ports=inst.static_ports | fp.ports,
                static_names=(*inst.static_names, name),
            )


def _deploying(
    scenario: Scenario,
    svc: ScenarioService,
    k: int,
    desired: int,
    placed: list[int],
    draining: list[bool],
    blank: list[Instance],
) -> tuple[Service, list[int], list[int]]:
    """A service that deploys: its bounds (ROLLOUT.md §2) and where its old and new tasks
    run at the start (a snapshot's ``newPlacement``, §9; a drain's replacements, §10)."""
    old_col, new_col = list(placed), [0] * len(blank)
    all_at_once = svc.all_at_once
    if svc.scheduling_strategy == "DAEMON":  # none on a draining instance (§10)
        desired -= sum(draining)
    if svc.new_placement is not None:
        new_col = list(svc.new_placement)
        on = [i for i, n in enumerate(new_col) if n and draining[i]]
        if on:
            raise DoesNotFit(
                f"new tasks of {svc.name} run on the DRAINING instance {blank[on[0]].label}: "
                "planner cannot model replacing tasks of the new revision mid-deployment",
                field=f"services[{k}].newPlacement",
            )
    elif any(draining) and svc.new_task_definition == svc.task_definition:
        # a drain (§10): the tasks on draining instances are replaced by the same
        # revision, within the bounds; the others are where they will stay
        new_col = [0 if draining[i] else n for i, n in enumerate(placed)]
        old_col = [n if draining[i] else 0 for i, n in enumerate(placed)]
        all_at_once = False
    if all_at_once:
        lower, upper = desired, 2 * desired
    else:
        lower = lower_bound(desired, svc.minimum_healthy_percent)
        upper = upper_bound(desired, svc.maximum_percent)
    service = Service(
        svc.name,
        desired,
        lower,
        upper,
        Footprint.of(svc.task_definition),
        Footprint.of(svc.new_task_definition),
        svc.distinct_instance or svc.scheduling_strategy == "DAEMON",
        all_at_once,
        svc.member_of + svc.new_task_definition.member_of,
        svc.placement_strategy,
        frozenset(i.capacity_provider for i in scenario.strategy_of(svc)) or None,
    )
    return service, old_col, new_col


def _check_snapshot(problem: Problem) -> None:
    """The old and new tasks of a snapshot must fit where they run (ROLLOUT.md §9)."""
    for s, svc in enumerate(problem.services):
        total = sum(row[s] for row in problem.start_new)
        if total > svc.desired:
            raise DoesNotFit(
                f"{svc.name} runs {total} new tasks, more than its desired count {svc.desired}",
                field=f"services[{problem.service_index[s]}].newPlacement",
            )
    for i, inst in enumerate(problem.instances):
        old, new = problem.initial[i], problem.start_new[i]
        for row in problem.rows[i]:
            if row.load(old, new) > row.limit:
                raise DoesNotFit(
                    f"the tasks placed on instance {i} ({inst.label}), old and new, break its "
                    f"{row.what} ({row.load(old, new)} > {row.limit})",
                    field="services",
                )


def _daemon_counts(scenario: Scenario, n_instances: int) -> list[int]:
    """Desired counts, a DAEMON service running one task per instance."""
    return [
        n_instances if s.scheduling_strategy == "DAEMON" else s.desired_count
        for s in scenario.services
    ]


def _place_old_tasks(
    scenario: Scenario, instances: list[Instance], counts: list[int]
) -> list[list[int]]:
    """Where the old tasks run: as given, or placed one at a time by each service's
    placement strategy (ROLLOUT.md §8; with one zone and no strategy, §3's spread).

    Every service's old tasks, deploying or not, placed by the placement rows of all of
    them (:mod:`planner.model.placement`), services in file order. Tasks placed by the rule are
    placed as ECS places a task (memberOf binds); tasks given in ``placement`` run where
    they are (a constraint changed since does not move them).
    """
    n = len(instances)
    olds = [Footprint.of(svc.task_definition) for svc in scenario.services]
    one = [
        svc.distinct_instance or svc.scheduling_strategy == "DAEMON" for svc in scenario.services
    ]
    made: dict[tuple, tuple[Row, ...]] = {}  # identical instances share their rows
    rows = []
    for inst in instances:
        excluded = tuple(
            _strategy_excludes(scenario, svc, inst)
            or placement.excluded_by(svc.member_of + svc.task_definition.member_of, inst.attributes)
            for svc in scenario.services
        )
        key = (inst.capacity, inst.reserved_ports, excluded)
        if key not in made:
            made[key] = placement.rows_for(
                inst.capacity, frozenset(inst.reserved_ports), olds, olds, one, excluded
            )
        rows.append(made[key])
    zero = [[0] * len(olds) for _ in range(n)]
    loads = placement.ArrayLoads(placement.layout(rows), zero, zero)  # arrays: one pass per task
    attrs = placement.Attributes(dict(inst.attributes) for inst in instances)
    placed: list[list[int]] = []
    for k, svc in enumerate(scenario.services):
        fp = olds[k]
        here = [0] * n
        if svc.placement is not None:
            snapshot = svc.new_placement is not None  # old tasks left mid-deployment
            if len(svc.placement) != n or (not snapshot and sum(svc.placement) != counts[k]):
                raise DoesNotFit(
                    f"placement must list {n} instance counts adding up to {counts[k]}",
                    field=f"services[{k}].placement",
                )
            for i, c in enumerate(svc.placement):
                for _ in range(c):  # running where given; memberOf judges new placements
                    if not loads.fits_old(i, k):
                        raise DoesNotFit(
                            f"the running tasks of {svc.name} do not fit on instance {i} "
                            f"({instances[i].label}) as placed",
                            field=f"services[{k}].placement",
                        )
                    loads.change(i, k, False, +1)
                    here[i] += 1
        else:
            column = np.zeros(n, dtype=np.int64)
            left = placement.After(loads, fp.cpu, fp.memory, -1)
            for _ in range(counts[k]):
                options = np.flatnonzero(loads.fits(k))
                if not options.size:
                    raise DoesNotFit(
                        f"the running service {svc.name} does not fit the cluster: "
                        f"{counts[k]} tasks of {fp.cpu} CPU units and {fp.memory} MiB"
                        + (f", host ports {sorted(fp.ports)}" if fp.ports else ""),
                        field=f"services[{k}]",
                    )
                choices = placement.start_choices(
                    svc.placement_strategy, options, column, attrs, left
                )
                i = choices[0]  # ties: the first instance in file order (ROLLOUT.md §8)
                loads.change(i, k, True, +1)
                column[i] += 1
            here = column.tolist()
        placed.append(here)
    return placed
