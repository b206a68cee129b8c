"""The cluster that reacts (ROLLOUT.md §10), as the user wrote it: capacity providers and
their Auto Scaling groups, capacity provider strategies, the deployment circuit breaker,
and the settings for what AWS does not document.

Frozen dataclasses that check themselves, as :mod:`planner.model.scenario`'s do; the
rules across values that the ECS API refuses are the ``*_problem`` functions here, which
the file's models call too (one message each).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from planner.model.units import PERCENT, POSITIVE, WHOLE, WholeRule, describe

#: ``targetCapacity``: 1–100 (API ``ManagedScaling``: greater than 0, at most 100).
TARGET_CAPACITY = WholeRule(1, 100, PERCENT.what)
#: ``minimumScalingStepSize`` / ``maximumScalingStepSize``: 1–10,000 (API).
STEP_SIZE = WholeRule(1, 10_000)
#: ``base`` and ``weight`` of a strategy item: 0–100,000 and 0–1,000 (API).
BASE = WholeRule(0, 100_000)
WEIGHT = WholeRule(0, 1_000)
SCALING_STATUSES = ("ENABLED", "DISABLED")
#: Capacity providers of Fargate, which ECS gives every cluster; planner models EC2 only.
FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")
THRESHOLD_TYPES = ("COUNT", "BOUNDED_PERCENT", "UNBOUNDED_PERCENT")
#: The breaker's default threshold: ceil(0.5 × desired), at least 3, at most 200
#: (deployment-circuit-breaker; the minimum was 10 before 2024-01).
BREAKER_PERCENT, BREAKER_FLOOR, BREAKER_CEILING = 50, 3, 200


def _check(rule: WholeRule, value: object, field: str, owner: str) -> None:
    from planner.errors import PlannerError

    problem = rule.problem(value)
    if problem is not None:
        raise PlannerError(problem, file=f"planner.{owner}", field=field)


def _fail(message: str, field: str, owner: str) -> None:
    from planner.errors import PlannerError

    raise PlannerError(message, file=f"planner.{owner}", field=field)


@dataclass(frozen=True)
class ManagedScaling:
    """ECS's managed scaling of a capacity provider's group (API ``ManagedScaling``)."""

    status: str = "ENABLED"
    target_capacity: int = 100
    minimum_step: int = 1
    maximum_step: int = 10_000
    warmup: int = 300

    def __post_init__(self) -> None:
        if self.status not in SCALING_STATUSES:
            _fail(
                f"must be one of {', '.join(SCALING_STATUSES)}, got {self.status!r}",
                "status",
                "ManagedScaling",
            )
        _check(TARGET_CAPACITY, self.target_capacity, "target_capacity", "ManagedScaling")
        _check(STEP_SIZE, self.minimum_step, "minimum_step", "ManagedScaling")
        _check(STEP_SIZE, self.maximum_step, "maximum_step", "ManagedScaling")
        _check(WHOLE, self.warmup, "warmup", "ManagedScaling")
        problem = step_sizes_problem(self.minimum_step, self.maximum_step)
        if problem:
            _fail(problem, "maximum_step", "ManagedScaling")

    @property
    def enabled(self) -> bool:
        return self.status == "ENABLED"


@dataclass(frozen=True)
class CapacityProvider:
    """A capacity provider and the Auto Scaling group behind it.

    ``launch``: the instance types the group launches (its launch template's, or the
    mixed-instances overrides), each as an :class:`~planner.model.scenario.InstanceGroup`
    of count 0 with the catalog's (or the file's) values, the group's zones unset.
    ``zones``: the group's availability zones, new instances taking them round-robin after
    the running ones. ``groups``: indices of the scenario's instance groups that are the
    group's running instances.
    """

    name: str
    launch: tuple[Any, ...]
    zones: tuple[str, ...]
    min_size: int
    max_size: int
    groups: tuple[int, ...] = ()
    scaling: ManagedScaling | None = field(default_factory=ManagedScaling)

    def __post_init__(self) -> None:
        owner = "CapacityProvider"
        if not isinstance(self.name, str) or not self.name:
            _fail(f"must be a name, got {self.name!r}", "name", owner)
        if not self.launch:
            _fail("must name at least one instance type", "launch", owner)
        _check(WHOLE, self.min_size, "min_size", owner)
        _check(WHOLE, self.max_size, "max_size", owner)
        problem = sizes_problem(self.min_size, self.max_size)
        if problem:
            _fail(problem, "max_size", owner)

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(g.type or g.instance_type or g.name for g in self.launch)

    @property
    def smallest(self) -> Any:
        """The smallest type (fewest CPU units, then MiB, then first listed): ECS's
        estimate packs onto it, and planner launches it (ROLLOUT.md §10, an assumption)."""
        return min(self.launch, key=lambda g: (g.cpu, g.memory))

    @property
    def scales(self) -> bool:
        return self.scaling is not None and self.scaling.enabled


@dataclass(frozen=True)
class StrategyItem:
    """One item of a capacity provider strategy (API ``CapacityProviderStrategyItem``)."""

    capacity_provider: str
    base: int = 0
    weight: int = 0

    def __post_init__(self) -> None:
        _check(BASE, self.base, "base", "StrategyItem")
        _check(WEIGHT, self.weight, "weight", "StrategyItem")


@dataclass(frozen=True)
class CircuitBreaker:
    """The deployment circuit breaker (API ``DeploymentCircuitBreaker``; ROLLOUT.md §10)."""

    enable: bool = False
    rollback: bool = False
    threshold_type: str | None = None
    threshold_value: float | None = None
    reset_on_healthy_task: bool = True

    def __post_init__(self) -> None:
        owner = "CircuitBreaker"
        for flag in ("enable", "rollback", "reset_on_healthy_task"):
            if not isinstance(getattr(self, flag), bool):
                _fail(f"must be true or false, got {getattr(self, flag)!r}", flag, owner)
        problem = threshold_problem(self.threshold_type, self.threshold_value)
        if problem:
            _fail(problem, "threshold_value", owner)

    def threshold(self, desired: int) -> int:
        """Failed tasks after which the breaker marks the rollout FAILED.

        Default: ceil(50 % × desired), at least 3, at most 200. ``COUNT``: the value;
        ``BOUNDED_PERCENT``: the value's percent of desired within the same 3–200;
        ``UNBOUNDED_PERCENT``: that percent, at least 1 (planner's reading of the API's
        names; ROLLOUT.md §10).
        """
        kind, value = self.threshold_type, self.threshold_value
        if kind == "COUNT":
            return max(1, int(value or 0))
        percent = BREAKER_PERCENT if value is None else value
        share = math.ceil(desired * percent / 100 - 1e-9)
        if kind == "UNBOUNDED_PERCENT":
            return max(1, share)
        return min(BREAKER_CEILING, max(BREAKER_FLOOR, share))


@dataclass(frozen=True)
class Reacting:
    """What AWS does not document, as settings (ROLLOUT.md §10), each named in the output.

    ``placement_failures_count``: whether tasks that cannot be placed count toward the
    breaker's threshold (users report that they do; AWS lists placement among the causes).
    ``provisioning_wait``: seconds a PROVISIONING task waits before it stops and is placed
    again (AWS: 10–30 min, in a blog). ``placement_retry``: seconds between ECS's attempts
    to place a task that fits nowhere, without a capacity provider (planner's estimate).
    ``instance_launch``: seconds from scale-out to a registered instance (planner's
    estimate), before the warm-up.
    """

    placement_failures_count: bool = True
    provisioning_wait: int = 1800
    placement_retry: int = 60
    instance_launch: int = 120

    def __post_init__(self) -> None:
        if not isinstance(self.placement_failures_count, bool):
            _fail("must be true or false", "placement_failures_count", "Reacting")
        for name in ("provisioning_wait", "placement_retry", "instance_launch"):
            _check(POSITIVE, getattr(self, name), name, "Reacting")


# ---------------------------------------------------------------- the API's refusals


def sizes_problem(min_size: int, max_size: int) -> str | None:
    if max_size < min_size:
        return f"maxSize ({max_size}) must be at least minSize ({min_size})"
    return None


def step_sizes_problem(minimum: int, maximum: int) -> str | None:
    if maximum < minimum:
        return (
            f"maximumScalingStepSize ({maximum}) must be at least "
            f"minimumScalingStepSize ({minimum})"
        )
    return None


def running_problem(running: int, max_size: int) -> str | None:
    """An Auto Scaling group never runs more instances than its MaxSize."""
    if running > max_size:
        return f"the group runs {running} instances, more than its maxSize {max_size}"
    return None


def claimed_problem(group: str, owner: str | None) -> str | None:
    """An instance group is the running part of one capacity provider's group at most."""
    if owner is not None:
        return (
            f"instance group {describe(group)} is already the group of capacity provider "
            f"{describe(owner)}"
        )
    return None


def threshold_problem(kind: str | None, value: float | None) -> str | None:
    if kind is None:
        return None if value is None else "a threshold value needs its type"
    if kind not in THRESHOLD_TYPES:
        return f"type must be one of {', '.join(THRESHOLD_TYPES)}, got {describe(kind)}"
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return f"value must be a number, got {describe(value)}"
    if kind == "COUNT" and (value != int(value) or value < 1):
        return f"a COUNT threshold must be a whole number ≥ 1, got {value}"
    if kind != "COUNT" and not 0 < value <= 100:
        return f"a percent threshold must be more than 0 and at most 100, got {value}"
    return None


def strategy_problem(
    items: tuple[StrategyItem, ...], providers: tuple[str, ...]
) -> tuple[int | None, str] | None:
    """What the ECS API refuses in a capacity provider strategy: (item index or None, why)."""
    if not items:
        return None, "must name at least one capacity provider"
    for k, item in enumerate(items):
        if item.capacity_provider in FARGATE_PROVIDERS and item.capacity_provider not in providers:
            return k, (
                f"names capacity provider {item.capacity_provider}: planner models EC2 "
                "container instances only (Fargate tasks take no room on them)"
            )
        if item.capacity_provider not in providers:
            known = ", ".join(providers) or "none"
            return k, (
                f"names capacity provider {describe(item.capacity_provider)}, which the "
                f"cluster does not have (it has: {known})"
            )
    names = [item.capacity_provider for item in items]
    for k, name in enumerate(names):
        if name in names[:k]:
            return k, f"names capacity provider {describe(name)} twice"
    based = [k for k, item in enumerate(items) if item.base]
    if len(based) > 1:
        return based[1], "only one item of a capacity provider strategy may set base"
    if all(item.weight == 0 for item in items):
        return None, "at least one item must have a weight greater than 0"
    return None


def breaker_problem(
    breaker: CircuitBreaker | None, all_at_once: bool, controller: str
) -> str | None:
    """The breaker applies to rolling deployments of the ECS controller only."""
    if breaker is None or not breaker.enable:
        return None
    if controller != "ECS":
        return "the deployment circuit breaker applies only to the ECS deployment controller"
    if all_at_once:
        return (
            "the deployment circuit breaker applies only to ROLLING deployments "
            "(BLUE_GREEN, LINEAR and CANARY roll back on their own; ROLLOUT.md §10)"
        )
    return None


def launch_type_problem(launch_type: str | None, has_strategy: bool) -> str | None:
    if launch_type is not None and has_strategy:
        return (
            "launchType and capacityProviderStrategy cannot both be given (the ECS API refuses it)"
        )
    return None


def check_providers(scenario: Any, error: Any) -> None:
    """Capacity providers and strategies across the scenario, as the ECS API refuses them."""
    names = tuple(cp.name for cp in scenario.capacity_providers)
    for k, name in enumerate(names):  # (scenario.first_repeat: an import cycle)
        if name in names[:k]:
            raise error(("capacity_providers", k, "name"), f"duplicate name {describe(name)}")
    owner: dict[int, str] = {}
    for k, cp in enumerate(scenario.capacity_providers):
        if not isinstance(cp, CapacityProvider):
            raise error(("capacity_providers", k), "must be a CapacityProvider")
        for g in cp.groups:
            if not 0 <= g < len(scenario.instance_groups):
                raise error(("capacity_providers", k, "groups"), f"no instance group {g}")
            claimed = claimed_problem(scenario.instance_groups[g].name, owner.get(g))
            if claimed:
                raise error(("capacity_providers", k, "groups"), claimed)
            owner[g] = cp.name
        running = sum(scenario.instance_groups[g].count or 0 for g in cp.groups)
        too_many = running_problem(running, cp.max_size)
        if too_many:
            raise error(("capacity_providers", k, "max_size"), too_many)
    if scenario.default_strategy:
        found = strategy_problem(scenario.default_strategy, names)
        if found is not None:
            at, why = found
            raise error(("default_strategy",) + ((at,) if at is not None else ()), why)
    for k, svc in enumerate(scenario.services):
        if svc.capacity_provider_strategy is not None:
            found = strategy_problem(svc.capacity_provider_strategy, names)
            if found is not None:
                j, why = found
                path = ("services", k, "capacity_provider_strategy")
                raise error(path + ((j,) if j is not None else ()), why)
