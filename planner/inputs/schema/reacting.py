# mypy: disable-error-code="valid-type"
"""The cluster that reacts (ROLLOUT.md §10): capacity providers and their Auto Scaling
groups, capacity provider strategies, the deployment circuit breaker, and the
``reacting:`` settings for what AWS does not document.

The cluster's model (:mod:`planner.inputs.schema.cluster`) holds the providers and links
their groups to its instances; a service (:mod:`planner.inputs.schema.services`) holds a
strategy and a breaker. The rules the ECS API applies across values are the
``*_problem`` functions of :mod:`planner.model.providers`, which these models call (one
message each).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from planner.inputs import ecs_shapes
from planner.inputs.schema.fields import (
    Bool,
    CatalogType,
    FileModel,
    Path_,
    Positive,
    RequiredText,
    Whole,
    Zones,
    check,
    field_type,
    listing,
    problem,
    whole_type,
    words_type,
)
from planner.model import providers
from planner.model.scenario import first_repeat
from planner.model.units import describe, list_problem, number_problem, text_problem

# --- capacity provider strategies ----------------------------------------------------


class StrategyItem(FileModel):
    """One item of a capacity provider strategy, as the ECS API names it
    (``CapacityProviderStrategyItem``)."""

    REQUIRED: ClassVar[tuple[str, ...] | None] = ("capacityProvider",)

    capacityProvider: RequiredText = Field(
        description="the name of one of cluster.capacityProviders"
    )
    base: whole_type(providers.BASE) = Field(
        None,
        description="tasks placed on this provider first (0–100000, default 0); one item "
        "of a strategy at most sets it",
    )
    weight: whole_type(providers.WEIGHT) = Field(
        None,
        description="this provider's share of the tasks beyond base (0–1000, default 0); "
        "at least one item needs a weight above 0",
    )

    def item(self) -> providers.StrategyItem:
        return providers.StrategyItem(self.capacityProvider, self.base or 0, self.weight or 0)


#: A strategy: ``[]`` as ``describe-clusters`` prints "none", and as ``update-service``
#: takes "the cluster's default".
ProviderStrategy = listing(StrategyItem)


def strategy(items: list[StrategyItem] | None) -> tuple[providers.StrategyItem, ...] | None:
    """The strategy as planner's items; None for none given (or ``[]``)."""
    return tuple(i.item() for i in items) if items else None


# --- the deployment circuit breaker --------------------------------------------------


class ThresholdConfiguration(FileModel):
    """When the breaker gives up (API ``ThresholdConfiguration``): a ``COUNT`` of failed
    tasks, or a percent of the desired count, ``BOUNDED_PERCENT`` (kept within 3–200
    tasks, as the default) or ``UNBOUNDED_PERCENT``."""

    type: words_type(providers.THRESHOLD_TYPES, required=True)
    value: field_type(int | float, number_problem, {"type": "number", "minimum": 0}, required=True)

    @model_validator(mode="after")
    def _value(self) -> ThresholdConfiguration:
        check(providers.threshold_problem(self.type, self.value), ("value",))
        return self


class CircuitBreaker(FileModel):
    """The deployment circuit breaker (API ``DeploymentCircuitBreaker``): rolling
    deployments of the ECS controller only."""

    enable: Bool = Field(None, description="whether the breaker may fail the rollout")
    rollback: Bool = Field(
        None, description="whether a failed rollout deploys the last completed revision back"
    )
    thresholdConfiguration: ThresholdConfiguration | None = Field(
        None,
        description="failed tasks after which the rollout fails; default ceil(50 % of "
        "desiredCount), at least 3, at most 200",
    )
    resetOnHealthyTask: Bool = Field(
        None, description="whether a task that turns healthy resets the count (default true)"
    )

    def breaker(self) -> providers.CircuitBreaker:
        threshold = self.thresholdConfiguration
        return providers.CircuitBreaker(
            enable=bool(self.enable),
            rollback=bool(self.rollback),
            threshold_type=threshold.type if threshold is not None else None,
            threshold_value=threshold.value if threshold is not None else None,
            reset_on_healthy_task=self.resetOnHealthyTask is not False,
        )


CircuitBreaker.ECS_IGNORED = tuple(
    f for f in ecs_shapes.DEPLOYMENT_CIRCUIT_BREAKER if f not in CircuitBreaker.model_fields
)


# --- what AWS does not document ------------------------------------------------------


#: ``reacting:`` keys and the :class:`~planner.model.providers.Reacting` fields they set.
REACTING_FIELDS = {
    "placementFailuresCount": "placement_failures_count",
    "provisioningWait": "provisioning_wait",
    "placementRetry": "placement_retry",
    "instanceLaunch": "instance_launch",
}


class Reacting(FileModel):
    """Settings for what AWS does not document about a cluster that reacts (ROLLOUT.md
    §10): each an assumption, named in the output, with planner's default."""

    placementFailuresCount: Bool = Field(
        None,
        description="an assumption: whether tasks that cannot be placed count toward the "
        "circuit breaker's threshold (default true: users report that they do, and AWS "
        "lists placement among the causes)",
    )
    provisioningWait: Positive = Field(
        None,
        description="a setting: seconds a PROVISIONING task waits for capacity before it "
        "stops and is placed again (default 1800; AWS says 10–30 min, in a blog, not in "
        "the API)",
    )
    placementRetry: Positive = Field(
        None,
        description="a setting: seconds between ECS's attempts to place a task that fits "
        "nowhere, without a capacity provider (default 60, planner's estimate)",
    )
    instanceLaunch: Positive = Field(
        None,
        description="a setting: seconds from a scale-out to a registered instance, before "
        "the warm-up (default 120, planner's estimate)",
    )

    def settings(self) -> providers.Reacting:
        given = {attr: getattr(self, key) for key, attr in REACTING_FIELDS.items()}
        return providers.Reacting(**{k: v for k, v in given.items() if v is not None})


def reacting(model: Reacting | None) -> providers.Reacting:
    return providers.Reacting() if model is None else model.settings()


# --- the cluster that reacts: capacity providers (ROLLOUT.md §10) ---------------------


class ManagedScaling(FileModel):
    """ECS's managed scaling of the group (API ``ManagedScaling``); absent: ENABLED, with
    the API's defaults."""

    status: words_type(providers.SCALING_STATUSES) = Field(
        None, description="ENABLED (default): ECS grows the group for tasks it cannot place"
    )
    targetCapacity: whole_type(providers.TARGET_CAPACITY) = Field(
        None, description="percent of the group's instances ECS keeps in use (1–100, default 100)"
    )
    minimumScalingStepSize: whole_type(providers.STEP_SIZE) = Field(
        None, description="fewest instances one scale-out adds (1–10000, default 1)"
    )
    maximumScalingStepSize: whole_type(providers.STEP_SIZE) = Field(
        None, description="most instances one scale-out adds (1–10000, default 10000)"
    )
    instanceWarmupPeriod: Whole = Field(
        None, description="seconds a new instance warms up before the next scale-out (default 300)"
    )

    @model_validator(mode="after")
    def _steps(self) -> ManagedScaling:
        defaults = providers.ManagedScaling()
        low = self.minimumScalingStepSize or defaults.minimum_step
        high = self.maximumScalingStepSize or defaults.maximum_step
        check(providers.step_sizes_problem(low, high), ("maximumScalingStepSize",))
        return self

    def scaling(self) -> providers.ManagedScaling:
        given = {
            "status": self.status,
            "target_capacity": self.targetCapacity,
            "minimum_step": self.minimumScalingStepSize,
            "maximum_step": self.maximumScalingStepSize,
            "warmup": self.instanceWarmupPeriod,
        }
        return providers.ManagedScaling(**{k: v for k, v in given.items() if v is not None})


def _group_names(value: Any) -> Any:
    if value is None:
        return None
    names = value if isinstance(value, list) else [value]
    if isinstance(value, list):
        check(list_problem(value, non_empty=True))
    for k, name in enumerate(names):
        check(text_problem(name), (k,) if isinstance(value, list) else ())
    twice = first_repeat(names)
    if twice is not None:
        raise problem(f"group {describe(names[twice[0]])} is listed twice", (twice[0],))
    return value


CatalogTypes = listing(CatalogType, non_empty=True, required=True)
GroupNames = Annotated[
    str | list[str] | None,
    BeforeValidator(_group_names),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "minLength": 1},
                {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
                {"type": "null"},
            ]
        }
    ),
]


class AutoScalingGroup(FileModel):
    """The EC2 Auto Scaling group behind a capacity provider: what it launches, where,
    its sizes, and the instances it runs now."""

    REQUIRED: ClassVar[tuple[str, ...] | None] = ("instanceTypes", "maxSize")
    MISSING: ClassVar[dict[str, str]] = {
        "instanceTypes": "is required: the instance types the group launches (its launch "
        "template's, or the mixed-instances overrides)",
        "maxSize": "is required: the group's MaxSize, which managed scaling never exceeds",
    }

    instanceTypes: CatalogTypes = Field(
        description="types from the catalog: the launch template's, or the mixed-instances "
        "overrides; with instances: N, the first is the type of the running ones"
    )
    availabilityZones: Zones = Field(
        None,
        description="the group's zones, new instances taking them round-robin (default: "
        "the zones of its groups)",
    )
    minSize: Whole = Field(None, description="the group's MinSize (default 0)")
    maxSize: Whole = Field(description="the group's MaxSize: scale-out stops there")
    instances: Whole = Field(
        None,
        description="instances running now, of the first type, over availabilityZones "
        "round-robin: planner adds them as a group named after the provider, after "
        "cluster.instances",
    )
    group: GroupNames = Field(
        None,
        description="or: the name (or names) of cluster.instances groups that are the "
        "group's running instances",
    )

    @classmethod
    def before(cls, raw: dict[str, Any]) -> None:
        if raw.get("instances") is not None and raw.get("group") is not None:
            raise problem(
                "give instances (planner adds a group of them) or group (groups of "
                "cluster.instances), not both",
                ("group",),
            )

    @model_validator(mode="after")
    def _sizes(self) -> AutoScalingGroup:
        check(providers.sizes_problem(self.minSize or 0, self.maxSize), ("maxSize",))
        check(providers.running_problem(self.instances or 0, self.maxSize), ("instances",))
        return self

    @property
    def names(self) -> list[str]:
        """The names of the cluster.instances groups it links."""
        if self.group is None:
            return []
        return [self.group] if isinstance(self.group, str) else list(self.group)


class AutoScalingGroupProvider(FileModel):
    """The ECS API's ``autoScalingGroupProvider``, as ``describe-capacity-providers``
    prints it: planner reads its ``managedScaling``."""

    managedScaling: ManagedScaling | None = None


AutoScalingGroupProvider.ECS_IGNORED = tuple(
    f
    for f in ecs_shapes.AUTO_SCALING_GROUP_PROVIDER
    if f not in AutoScalingGroupProvider.model_fields
)


class CapacityProvider(FileModel):
    """A capacity provider and the Auto Scaling group behind it (ROLLOUT.md §10)."""

    REQUIRED: ClassVar[tuple[str, ...] | None] = ("name", "autoScalingGroup")
    MISSING: ClassVar[dict[str, str]] = {
        "autoScalingGroup": "is required: the Auto Scaling group's instance types, sizes and "
        "running instances (describe-capacity-providers does not print them)",
    }

    name: RequiredText = Field(description="the capacity provider's name, as strategies name it")
    autoScalingGroup: AutoScalingGroup
    managedScaling: ManagedScaling | None = None
    autoScalingGroupProvider: AutoScalingGroupProvider | None = Field(
        None, description="or managedScaling nested as the ECS API prints it"
    )

    @model_validator(mode="after")
    def _one_form(self) -> CapacityProvider:
        nested = self.autoScalingGroupProvider
        if (
            self.managedScaling is not None
            and nested is not None
            and nested.managedScaling is not None
        ):
            raise problem(
                "give managedScaling or autoScalingGroupProvider.managedScaling (as the ECS "
                "API nests it), not both",
                ("autoScalingGroupProvider", "managedScaling"),
            )
        return self

    def scaling(self) -> providers.ManagedScaling:
        given, nested = self.managedScaling, self.autoScalingGroupProvider
        if given is None and nested is not None:
            given = nested.managedScaling
        return given.scaling() if given is not None else providers.ManagedScaling()


#: managedInstancesProvider is another kind of provider (ECS Managed Instances): refused.
CapacityProvider.ECS_IGNORED = tuple(
    f
    for f in ecs_shapes.CAPACITY_PROVIDER
    if f not in CapacityProvider.model_fields and f != "managedInstancesProvider"
)


def _provider(value: Any) -> Any:
    if isinstance(value, str):
        raise problem(
            f"{describe(value)} is a capacity provider's name, as describe-clusters prints "
            f"it; planner needs the provider: {{name: {value}, autoScalingGroup: "
            "{instanceTypes, maxSize, instances or group}}"
        )
    return value


CapacityProviders = listing(Annotated[CapacityProvider, BeforeValidator(_provider)])


def strategy_problem(items: Any, names: tuple[str, ...]) -> tuple[Path_, str] | None:
    """What the ECS API refuses in a strategy of the file, with the path below it."""
    given = strategy(items)
    if given is None:
        return None
    found = providers.strategy_problem(given, names)
    if found is None:
        return None
    k, why = found
    if k is None:
        return (), why
    name = given[k].capacity_provider  # its name unknown or given twice, else its base
    named = name not in names or name in [i.capacity_provider for i in given[:k]]
    return (k, "capacityProvider" if named else "base"), why
