"""The scenario as the user wrote it: frozen dataclasses, already validated.

A file is checked by its models (:mod:`planner.inputs.schema`) and built by
:mod:`planner.inputs.loading`; turning a scenario into the numbers the wave model works on
lives in :mod:`planner.model.problem`. The dataclasses check themselves too, so that one
built in Python gets planner's messages: by the same rules as a file, each in one place
(:mod:`planner.model.units` for one value, the ``*_problem`` functions here for a few
values together), which the file's models call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from planner.errors import PlannerError
from planner.model.expect import Expectation
from planner.model.providers import (
    CapacityProvider,
    CircuitBreaker,
    Reacting,
    StrategyItem,
    breaker_problem,
    check_providers,
    launch_type_problem,
)
from planner.model.units import (
    CANARY_PERCENT,
    OPEN_PERCENT,
    PERCENT,
    POSITIVE,
    STEP_PERCENT,
    WHOLE,
    WholeRule,
    boolean_problem,
    number_problem,
    one_of_problem,
    port_problem,
    text_problem,
)

#: ECS_RESERVED_PORTS on Linux (amazon-ecs-agent ``config_unix.go``).
DEFAULT_RESERVED_PORTS: tuple[int, ...] = (22, 2375, 2376, 51678, 51679)
#: Fallback of ECS_DYNAMIC_HOST_PORT_RANGE (agent ``ephemeral_ports_linux.go``).
DEFAULT_DYNAMIC_PORT_RANGE: tuple[int, int] = (49153, 65535)

ROLLING = "ROLLING"
#: Strategies that start the whole green set beside the blue one (ROLLOUT.md §6).
ALL_AT_ONCE_STRATEGIES = ("BLUE_GREEN", "LINEAR", "CANARY")
STRATEGIES = (ROLLING, *ALL_AT_ONCE_STRATEGIES)
NETWORK_MODES = ("bridge", "host", "awsvpc", "none")
CONTROLLERS = ("ECS", "CODE_DEPLOY")
PLACEMENT_MODES = ("any", "ecs")
SCHEDULING = ("REPLICA", "DAEMON")
#: Container instance statuses planner models (ROLLOUT.md §9, §10): a DRAINING instance
#: takes no new task, and ECS replaces the tasks on it.
INSTANCE_STATUSES = ("ACTIVE", "DRAINING")
LAUNCH_TYPES = ("EC2", "EXTERNAL")


STRATEGY_TYPES = ("spread", "binpack", "random")
BINPACK_FIELDS = ("cpu", "memory")
#: ECS takes at most 5 placement strategy rules per service.
MAX_STRATEGY_RULES = 5


def strategy_problem(rule: object) -> str | None:
    """What is wrong with a placement strategy rule ``(type, field)``, or None."""
    if not (isinstance(rule, tuple) and len(rule) == 2):
        return f"must be a (type, field) pair, got {rule!r}"
    kind, field_ = rule
    if kind not in STRATEGY_TYPES:
        return f"must be one of {', '.join(STRATEGY_TYPES)}, got {kind!r}"
    if kind == "random":
        return None if field_ is None else "random takes no field"
    if kind == "binpack":
        if field_ not in BINPACK_FIELDS:
            return f"binpack takes field cpu or memory, got {field_!r}"
        return None
    if not isinstance(field_, str) or not (
        field_ in ("instanceId", "host") or field_.startswith("attribute:")
    ):
        return f"spread takes field instanceId, host or attribute:NAME, got {field_!r}"
    return None


def too_many_strategy_rules(n: int) -> str | None:
    """ECS's limit on a service's placement strategy rules (:data:`MAX_STRATEGY_RULES`)."""
    if n > MAX_STRATEGY_RULES:
        return f"ECS takes at most {MAX_STRATEGY_RULES} strategy rules, got {n}"
    return None


def port_range_problem(first: int, last: int) -> str | None:
    """The agent's dynamic port range runs from ``first`` up to ``last``."""
    if first > last:
        return f"must be [first, last] with first ≤ last, got [{first}, {last}]"
    return None


def instance_ids_problem(ids: tuple[str, ...] | list[str], count: int | None) -> str | None:
    """A group's instance ids name each of its ``count`` instances once."""
    if count is None:
        return "needs the group's count (one id per instance)"
    if len(ids) != count:
        return f"must name {count} instances (count), got {len(ids)}"
    return None


def new_placement_problem(has_placement: bool, deploy: bool) -> str | None:
    """New tasks already running (a snapshot) need the old ones beside them, and a
    deployment."""
    if not has_placement:
        return (
            "needs placement too: the old tasks left beside the new ones (a snapshot taken "
            "mid-deployment)"
        )
    if not deploy:
        return "is for a deploying service; deploy is false here"
    return None


def first_repeat(items: list[Any]) -> tuple[int, int] | None:
    """The first ``(k, j)`` with ``items[k] == items[j]`` and ``j < k``, or None (service
    names, instance ids and zones are each named once)."""
    first: dict[Any, int] = {}
    for k, item in enumerate(items):
        if item in first:
            return k, first[item]
        first[item] = k
    return None


def _field(path: tuple[str | int, ...]) -> str:
    """``("attributes", 0, 1)`` as ``attributes[0][1]``."""
    return "".join(
        f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path)
    )


class _Checks:
    """The rules of :mod:`planner.model.units`, applied to an object built in Python.

    The same rules as a scenario file's (one place each), so an object gets the message a
    file gets, its field named by attribute: ``planner.Service: maximum_percent: must be a
    whole percent ≥ 0, got -5``.
    """

    def __init__(self, obj: Any) -> None:
        self.obj = obj
        self.file = f"planner.{type(obj).__name__}"

    def error(self, path: tuple[str | int, ...], message: str) -> PlannerError:
        return PlannerError(message, file=self.file, field=_field(path))

    def check(self, path: tuple[str | int, ...], problem: str | None) -> None:
        if problem is not None:
            raise self.error(path, problem)

    def value(self, attr: str, rule: Callable[[Any], str | None], optional: bool = False) -> None:
        """Check an attribute by ``rule``; None passes if it is ``optional``."""
        value = getattr(self.obj, attr)
        if value is not None or not optional:
            self.check((attr,), rule(value))

    def whole(self, attr: str, rule: WholeRule = WHOLE, optional: bool = False) -> None:
        self.value(attr, rule.problem, optional)

    def one_of(self, attr: str, allowed: tuple[str, ...]) -> None:
        self.check((attr,), one_of_problem(getattr(self.obj, attr), allowed))

    def text(self, attr: str, optional: bool = False) -> None:
        self.value(attr, text_problem, optional)

    def texts(self, attr: str) -> None:
        for k, value in enumerate(self.sequence(attr)):
            self.check((attr, k), text_problem(value))

    def boolean(self, attr: str) -> None:
        self.check((attr,), boolean_problem(getattr(self.obj, attr)))

    def number(self, attr: str, optional: bool = False) -> None:
        self.value(attr, number_problem, optional)

    def ports(self, attr: str) -> None:
        for i, p in enumerate(self.sequence(attr)):
            self.check((attr, i), port_problem(p))

    def sequence(self, attr: str) -> tuple[Any, ...]:
        value = getattr(self.obj, attr)
        if not isinstance(value, tuple | list):
            raise self.error((attr,), f"must be a tuple, got {type(value).__name__}")
        return tuple(value)

    def instance(self, attr: str, kind: type) -> None:
        value = getattr(self.obj, attr)
        if not isinstance(value, kind):
            raise self.error((attr,), f"must be a {kind.__name__}, got {type(value).__name__}")

    def fail(self, attr: str, message: str) -> PlannerError:
        return self.error((attr,), message)


@dataclass(frozen=True)
class TaskDefinition:
    """What one task needs from an instance.

    Parameters
    ----------
    cpu
        CPU units reserved for placement: the task-level ``cpu`` if given, else the sum of
        the containers' ``cpu``.
    memory
        MiB reserved for placement: the task-level ``memory`` if given, else the sum over
        containers of ``memoryReservation`` if set, else ``memory``.
    network_mode
        ``bridge``, ``host``, ``awsvpc`` or ``none``.
    host_ports
        Fixed host ports the task takes on its instance (bridge with ``hostPort`` > 0;
        host mode: the container port). Empty in awsvpc mode: each task has its own ENI.
    dynamic_ports
        How many host ports the task takes from the dynamic range (bridge, ``hostPort``
        0 or absent).
    source
        ``"inline"`` or the path of the task-definition JSON it was read from.
    family
        The task definition's family and revision, where known (for display).
    """

    cpu: int
    memory: int
    network_mode: str = "bridge"
    host_ports: tuple[int, ...] = ()
    dynamic_ports: int = 0
    source: str = "inline"
    family: str | None = None
    #: memberOf expressions of the task definition (its ``placementConstraints``): binding
    #: for the tasks of this revision, beside the service's.
    member_of: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        c = _Checks(self)
        c.whole("cpu")
        c.whole("memory")
        c.one_of("network_mode", NETWORK_MODES)
        c.ports("host_ports")
        c.whole("dynamic_ports")
        c.text("source")
        c.text("family", optional=True)
        c.texts("member_of")

    @property
    def enis(self) -> int:
        """ENIs the task takes: one in awsvpc mode, else none."""
        return 1 if self.network_mode == "awsvpc" else 0


@dataclass(frozen=True)
class InstanceGroup:
    """Identical container instances.

    ``cpu`` is in CPU units (vCPUs × 1,024) and ``memory`` in MiB as ECS registers it,
    before the agent's reservations. ``count`` is None when planner is to find it; 0 only
    for a type a capacity provider may launch (:attr:`CapacityProvider.launch`): a
    scenario's own groups hold at least one instance.
    ``enis`` counts every ENI the instance can have, the primary one included.
    """

    name: str
    cpu: int
    memory: int
    count: int | None
    type: str | None = None
    enis: int | None = None
    trunk_enis: int | None = None
    hourly_usd: float | None = None
    estimated: tuple[str, ...] = ()
    #: Availability zones, spread round-robin over the group's instances as an Auto Scaling
    #: group does (empty: one unnamed zone).
    zones: tuple[str, ...] = ()
    #: Custom attributes for memberOf constraints, as (name, value) pairs.
    attributes: tuple[tuple[str, str], ...] = ()
    #: EC2 instance ids, one per instance in order (None: planner names them).
    instance_ids: tuple[str, ...] | None = None
    #: CPU architecture (``ecs.cpu-architecture``), from the catalog for a named type.
    arch: str | None = None
    #: A type given inline (``instanceType``, e.g. imported with registered resources): the
    #: ``ecs.instance-type`` attribute, its values not taken from the catalog.
    instance_type: str | None = None
    #: ``ACTIVE`` or ``DRAINING`` (ROLLOUT.md §10: takes no new task, its tasks replaced).
    status: str = "ACTIVE"
    #: False: the agent is disconnected; the instance takes no new task, its tasks run on.
    agent_connected: bool = True

    @property
    def closed(self) -> str | None:
        """Why the group's instances take no new task (None: they do)."""
        if self.status == "DRAINING":
            return "DRAINING"
        if not self.agent_connected:
            return "agent disconnected"
        return None

    def __post_init__(self) -> None:
        c = _Checks(self)
        c.text("name")
        c.one_of("status", INSTANCE_STATUSES)
        c.boolean("agent_connected")
        c.texts("zones")
        for k, pair in enumerate(c.sequence("attributes")):
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise c.error(("attributes", k), f"must be a (name, value) pair, got {pair!r}")
            c.check(("attributes", k, 0), text_problem(pair[0]))
            c.check(("attributes", k, 1), text_problem(pair[1]))
        if self.instance_ids is not None:
            ids = c.sequence("instance_ids")
            c.texts("instance_ids")
            if self.count is not None:
                c.check(("instance_ids",), instance_ids_problem(ids, self.count))
        c.text("arch", optional=True)
        c.text("instance_type", optional=True)
        c.whole("cpu", POSITIVE)
        c.whole("memory", POSITIVE)
        c.whole("count", optional=True)
        c.text("type", optional=True)
        c.whole("enis", POSITIVE, optional=True)
        c.whole("trunk_enis", optional=True)
        c.number("hourly_usd", optional=True)
        c.sequence("estimated")


@dataclass(frozen=True)
class Agent:
    """Per-instance agent settings (ECS defaults)."""

    reserved_cpu: int = 0
    reserved_memory: int = 0
    reserved_ports: tuple[int, ...] = DEFAULT_RESERVED_PORTS
    dynamic_port_range: tuple[int, int] = DEFAULT_DYNAMIC_PORT_RANGE
    awsvpc_trunking: bool = False

    def __post_init__(self) -> None:
        c = _Checks(self)
        c.whole("reserved_cpu")
        c.whole("reserved_memory")
        c.ports("reserved_ports")
        c.ports("dynamic_port_range")
        low_high = c.sequence("dynamic_port_range")
        if len(low_high) != 2:
            raise c.fail("dynamic_port_range", f"must be (first, last), got {low_high}")
        c.check(("dynamic_port_range",), port_range_problem(*low_high))
        c.boolean("awsvpc_trunking")


@dataclass(frozen=True)
class Service:
    """One ECS service and what its deployment changes."""

    name: str
    desired_count: int
    task_definition: TaskDefinition
    new_task_definition: TaskDefinition
    minimum_healthy_percent: int = 100
    maximum_percent: int = 200
    strategy: str = ROLLING
    deployment_controller: str = "ECS"
    scheduling_strategy: str = "REPLICA"
    distinct_instance: bool = False
    deploy: bool = True
    placement: tuple[int, ...] | None = None
    #: New tasks already running per instance (a snapshot taken mid-deployment, ROLLOUT.md
    #: §9); needs ``placement`` (the old tasks left).
    new_placement: tuple[int, ...] | None = None
    load_balanced: bool = False
    #: LINEAR: percent of the traffic moved per step (3–100, a multiple of 0.1 as ECS
    #: takes it; kept as written, e.g. 12.5: it moves traffic, not tasks, so it only sets
    #: the timing estimate's ``ceil(100 / step_percent)`` steps) and the bake time between
    #: steps.
    step_percent: float | None = None
    step_bake_minutes: float | None = None
    #: CANARY: percent moved first (0.1–100, a multiple of 0.1) and the bake time before
    #: the rest.
    canary_percent: float | None = None
    canary_bake_minutes: float | None = None
    #: BLUE_GREEN: bake time after the traffic shift, before the blue set stops.
    bake_minutes: float = 0.0
    #: memberOf constraints: cluster query language expressions, all binding.
    member_of: tuple[str, ...] = ()
    #: placementStrategy as (type, field) rules in order; None: ECS's default for a
    #: service, spread by zone then by instance (ROLLOUT.md §8).
    placement_strategy: tuple[tuple[str, str | None], ...] | None = None
    #: The service's capacityProviderStrategy (ROLLOUT.md §10); None: the cluster's
    #: default, unless a ``launch_type`` is given.
    capacity_provider_strategy: tuple[StrategyItem, ...] | None = None
    launch_type: str | None = None
    circuit_breaker: CircuitBreaker | None = None

    def __post_init__(self) -> None:
        c = _Checks(self)
        c.text("name")
        c.whole("desired_count")
        c.check(
            ("launch_type",),
            launch_type_problem(self.launch_type, self.capacity_provider_strategy is not None),
        )
        if self.launch_type is not None:
            c.one_of("launch_type", LAUNCH_TYPES)
        c.check(
            ("circuit_breaker",),
            breaker_problem(self.circuit_breaker, self.all_at_once, self.deployment_controller),
        )
        c.instance("task_definition", TaskDefinition)
        c.instance("new_task_definition", TaskDefinition)
        c.whole("minimum_healthy_percent", PERCENT)
        c.whole("maximum_percent", OPEN_PERCENT)
        c.one_of("strategy", STRATEGIES)
        c.one_of("deployment_controller", CONTROLLERS)
        c.one_of("scheduling_strategy", SCHEDULING)
        for flag in ("distinct_instance", "deploy", "load_balanced"):
            c.boolean(flag)
        for attr in ("placement", "new_placement"):
            if getattr(self, attr) is not None:
                for i, n in enumerate(c.sequence(attr)):
                    c.check((attr, i), WHOLE.problem(n))
        if self.new_placement is not None:
            found = new_placement_problem(self.placement is not None, self.deploy)
            c.check(("new_placement",), found)
            assert self.placement is not None
            if len(self.new_placement) != len(self.placement):
                raise c.fail(
                    "new_placement",
                    f"must list as many instances as placement ({len(self.placement)}), "
                    f"got {len(self.new_placement)}",
                )
        c.value("step_percent", STEP_PERCENT.problem, optional=True)
        c.value("canary_percent", CANARY_PERCENT.problem, optional=True)
        for minutes in ("step_bake_minutes", "canary_bake_minutes", "bake_minutes"):
            c.number(minutes, optional=True)
        from planner.model.cql import QueryError, parse

        for k, expression in enumerate(c.sequence("member_of")):
            c.check(("member_of", k), text_problem(expression))
            try:
                parse(expression)
            except QueryError as exc:
                raise c.error(("member_of", k), str(exc)) from None
        if self.placement_strategy is not None:
            rules = c.sequence("placement_strategy")
            c.check(("placement_strategy",), too_many_strategy_rules(len(rules)))
            for k, rule in enumerate(rules):
                c.check(("placement_strategy", k), strategy_problem(rule))

    @property
    def all_at_once(self) -> bool:
        """Whether the whole green set starts beside the blue one (ROLLOUT.md §6)."""
        return self.strategy in ALL_AT_ONCE_STRATEGIES or self.deployment_controller == (
            "CODE_DEPLOY"
        )


#: Timing fields that must be ≥ 1 (the others ≥ 0).
TIMING_RULES = {"health_check_interval": POSITIVE, "healthy_threshold": POSITIVE}


@dataclass(frozen=True)
class Timing:
    """Timing parameters of the duration estimate (ROLLOUT.md §7), in seconds.

    ``task_start`` (image pull and start) is planner's estimate, not an ECS figure.
    """

    deregistration_delay: int = 300
    health_check_grace_period: int = 0
    health_check_interval: int = 30
    healthy_threshold: int = 5
    healthy_without_lb: int = 40
    stop_timeout: int = 30
    task_start: int = 30

    def __post_init__(self) -> None:
        c = _Checks(self)
        for f in fields(self):
            c.whole(f.name, TIMING_RULES.get(f.name, WHOLE))


@dataclass(frozen=True)
class Scenario:
    """A cluster, its services and the deployment to check."""

    name: str
    instance_groups: tuple[InstanceGroup, ...]
    services: tuple[Service, ...]
    agent: Agent = field(default_factory=Agent)
    timing: Timing = field(default_factory=Timing)
    path: str | None = None
    #: Which ECS rules the verdict is about (ROLLOUT.md §8): ``any`` placement where tasks
    #: fit (§4 as written, the default), or ``ecs``, the scheduler as configured.
    placement_mode: str = "any"
    #: Fields of the ECS API's shapes the file held that planner does not use, each as
    #: ``file:line: field`` (``planner solve --verbose`` lists them); no effect on a verdict.
    ignored: tuple[str, ...] = field(default=(), repr=False, compare=False)
    #: What the file expects of its verdict (``expect:``); no effect on a verdict.
    expect: Expectation | None = field(default=None, compare=False)
    #: The cluster that reacts (ROLLOUT.md §10): its capacity providers, its default
    #: capacity provider strategy, and the settings for what AWS does not document.
    capacity_providers: tuple[CapacityProvider, ...] = ()
    default_strategy: tuple[StrategyItem, ...] = ()
    reacting: Reacting = field(default_factory=Reacting)

    def __post_init__(self) -> None:
        c = _Checks(self)
        c.text("name")
        c.one_of("placement_mode", PLACEMENT_MODES)
        for attr, kind in (("instance_groups", InstanceGroup), ("services", Service)):
            items = c.sequence(attr)
            if not items:
                raise c.fail(attr, "must hold at least one entry, got none")
            for i, item in enumerate(items):
                if not isinstance(item, kind):
                    raise c.error(
                        (attr, i), f"must be a {kind.__name__}, got {type(item).__name__}"
                    )
                if isinstance(item, InstanceGroup) and item.count is not None:
                    c.check((attr, i, "count"), POSITIVE.problem(item.count))
        c.instance("agent", Agent)
        c.instance("timing", Timing)
        check_providers(self, c.error)  # after the types: it reads the groups and services
        twice = first_repeat([svc.name for svc in self.services])
        if twice is not None:
            k, _ = twice
            name = self.services[k].name
            raise c.error(("services", k, "name"), f"duplicate service name {name!r}")

    def strategy_of(self, service: Service) -> tuple[StrategyItem, ...]:
        """The capacity provider strategy ``service`` runs with: its own, else the
        cluster's default unless it names a launch type; () for none (launch type EC2)."""
        if service.capacity_provider_strategy is not None:
            return service.capacity_provider_strategy
        return () if service.launch_type is not None else self.default_strategy

    @property
    def reacts(self) -> bool:
        """Whether some capacity provider may grow, or some breaker is on (§10)."""
        return any(cp.scales for cp in self.capacity_providers) or any(
            s.circuit_breaker is not None and s.circuit_breaker.enable for s in self.services
        )

    @property
    def open_groups(self) -> tuple[int, ...]:
        """Indices of the groups whose ``count`` planner is to find."""
        return tuple(k for k, g in enumerate(self.instance_groups) if g.count is None)

    def with_counts(self, counts: dict[int, int]) -> Scenario:
        """A copy with the given group counts filled in.

        Where every count only grows and a service's tasks are placed (``placement``, a
        snapshot), they stay where they run and the added instances start empty; otherwise
        placements are dropped and the old tasks are placed by the rule.
        """
        from dataclasses import replace

        def counted(g: InstanceGroup, n: int) -> InstanceGroup:
            ids = g.instance_ids
            if ids is not None:  # keep the named ones; name the added ones after them
                ids = (ids + tuple(f"{g.name}-added-{k}" for k in range(n - len(ids))))[:n]
            return replace(g, count=n, instance_ids=ids)

        groups = tuple(
            counted(g, counts[k]) if k in counts else g for k, g in enumerate(self.instance_groups)
        )
        grows = all(
            g.count is not None and counts.get(k, g.count) >= g.count
            for k, g in enumerate(self.instance_groups)
        )

        def widened(per: tuple[int, ...] | None) -> tuple[int, ...] | None:
            if per is None or not grows:
                return None
            out: list[int] = []
            at = 0
            for k, g in enumerate(self.instance_groups):
                n = g.count or 0
                out += per[at : at + n] + (0,) * (counts.get(k, n) - n)
                at += n
            return tuple(out)

        services = self.services
        if counts:
            services = tuple(
                replace(s, placement=widened(s.placement), new_placement=widened(s.new_placement))
                for s in self.services
            )
        return replace(self, instance_groups=groups, services=services)
