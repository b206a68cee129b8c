# mypy: disable-error-code="valid-type"
"""The cluster's models: instance groups (from the catalog or inline), the agent, and the
capacity providers of a cluster that reacts (ROLLOUT.md §10: their models are in
:mod:`planner.inputs.schema.reacting`; the cluster links their groups to its instances)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from planner.inputs import ecs_shapes
from planner.inputs.schema.fields import (
    Bool,
    CatalogType,
    FileModel,
    GivenCpu,
    GivenVcpu,
    InstanceStatus,
    Minutes,
    Path_,
    Positive,
    RequiredMemory,
    RequiredText,
    Text,
    Whole,
    Zones,
    check,
    ecs_properties,
    field_type,
    problem,
    texts_once,
)
from planner.inputs.schema.reacting import CapacityProviders, ProviderStrategy, strategy_problem
from planner.model import providers
from planner.model.catalog import get_instance_type
from planner.model.scenario import (
    first_repeat,
    instance_ids_problem,
    port_range_problem,
)
from planner.model.units import (
    describe,
    list_problem,
    port_problem,
    text_problem,
)

#: ECS allows at most 100 reserved ports per container instance.
MAX_RESERVED_PORTS = 100


def _attributes(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise problem(f"must be a mapping of name: value, got {describe(value)}")
    out = {}
    for key, v in value.items():
        if key.startswith("ecs."):
            raise problem(
                "ecs.* attributes come from the instance (type, zone, architecture, OS); "
                "custom attributes take other names",
                (key,),
            )
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            raise problem(f"must be text, got {describe(v)}", (key,))
        check(text_problem(key), (key,))
        check(text_problem(str(v)), (key,))
        out[key] = str(v)
    return out


Attributes = Annotated[
    dict[str, str] | None,
    BeforeValidator(_attributes),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "object",
                    "additionalProperties": {"type": ["string", "integer", "number"]},
                },
                {"type": "null"},
            ]
        }
    ),
]


InstanceIds = Annotated[
    Annotated[list[str], Field(min_length=1)] | None, BeforeValidator(texts_once("id"))
]


class _Group(FileModel):
    """Where a group's instances are and what they are called (ROLLOUT.md §8): the fields
    of both kinds of group, listed after each kind's own."""

    count: Positive = None
    availabilityZone: Text = None
    availabilityZones: Zones = None
    attributes: Attributes = None
    instanceIds: InstanceIds = None
    status: InstanceStatus = None
    agentConnected: Bool = None

    @classmethod
    def field_order(cls) -> tuple[str, ...]:
        shared = tuple(_Group.model_fields)
        return tuple(k for k in cls.model_fields if k not in shared) + shared

    @classmethod
    def before(cls, raw: dict[str, Any]) -> None:
        if raw.get("availabilityZone") is not None and raw.get("availabilityZones") is not None:
            raise problem(
                "give availabilityZone (one zone) or availabilityZones (round-robin), not both",
                ("availabilityZones",),
            )

    @model_validator(mode="after")
    def _ids(self) -> _Group:
        if self.instanceIds is not None:
            check(instance_ids_problem(self.instanceIds, self.count), ("instanceIds",))
        return self


class TypedGroup(_Group):
    """Container instances of a type from the catalog (``planner instance-types``)."""

    type: CatalogType

    @classmethod
    def unknown(cls, key: str) -> str:
        if key in InlineGroup.model_fields:
            return (
                "not allowed beside type (the catalog gives the size); write a type, or a "
                "name with vcpu and memory"
            )
        return super().unknown(key)


class InlineGroup(_Group):
    """Container instances of a type given inline: vcpu or cpu, and memory."""

    MISSING: ClassVar[dict[str, str]] = {"memory": "is required: MiB that ECS registers"}
    #: memory: after vcpu | cpu, as the reader asks for them (:meth:`before`).
    REQUIRED: ClassVar[tuple[str, ...] | None] = ("name",)

    name: RequiredText
    instanceType: Text = None
    vcpu: GivenVcpu = None
    cpu: GivenCpu = None
    memory: RequiredMemory
    enis: Positive = None
    trunkEnis: Whole = None
    hourlyUsd: Minutes = None

    @classmethod
    def before(cls, raw: dict[str, Any]) -> None:
        if ("vcpu" in raw) == ("cpu" in raw):
            raise problem("give vcpu (vCPUs) or cpu (CPU units), exactly one of them", ("vcpu",))
        if "memory" not in raw:
            raise problem(cls.MISSING["memory"], ("memory",))
        super().before(raw)


def _group(value: Any) -> Any:
    if not isinstance(value, dict):
        raise problem(f"must be an instance group (a mapping), got {describe(value)}")
    if "type" not in value and "name" not in value:
        raise problem(
            "needs type (an instance type from the catalog, e.g. t3.medium), or name, "
            "vcpu and memory for a type given inline"
        )
    return value


Group = Annotated[
    Annotated[
        Annotated[TypedGroup, Tag("TypedGroup")] | Annotated[InlineGroup, Tag("InlineGroup")],
        Discriminator(lambda v: "TypedGroup" if "type" in v else "InlineGroup"),
    ],
    BeforeValidator(_group),
]


def _port_range(value: Any) -> Any:
    if value is None:
        return None
    check(list_problem(value))
    if len(value) != 2:
        raise problem(f"must be [first, last], two ports, got a list of {len(value)}")
    for i, p in enumerate(value):
        check(port_problem(p), (i,))
    check(port_range_problem(value[0], value[1]))
    return value


def _reserved_ports(value: Any) -> Any:
    if value is None:
        return None
    check(list_problem(value))
    if len(value) > MAX_RESERVED_PORTS:
        raise problem(f"ECS allows at most {MAX_RESERVED_PORTS} reserved ports, got {len(value)}")
    for i, p in enumerate(value):
        check(port_problem(p), (i,))
        if p in value[:i]:
            raise problem(f"port {p} is listed twice", (i,))
    return value


PortItem = field_type(
    int, port_problem, {"type": "integer", "minimum": 1, "maximum": 65535}, required=True
)


class Agent(FileModel):
    reservedCpu: Whole = None
    reservedMemory: Whole = None
    reservedPorts: Annotated[
        Annotated[list[PortItem], Field(max_length=MAX_RESERVED_PORTS)] | None,
        BeforeValidator(_reserved_ports),
    ] = None
    dynamicPortRange: Annotated[
        Annotated[list[PortItem], Field(min_length=2, max_length=2)] | None,
        BeforeValidator(_port_range),
    ] = None
    awsvpcTrunking: Bool = None


def _instances(value: Any) -> Any:
    check(list_problem(value))  # null is not "left out" here
    return value


def _cluster_schema(schema: dict[str, Any], model: type[Any]) -> None:
    """Instances, or capacity providers that run some."""
    ecs_properties(schema, model)
    schema["properties"]["instances"].pop("default", None)
    schema["anyOf"] = [
        {"required": ["instances"], "properties": {"instances": {"minItems": 1}}},
        {"required": ["capacityProviders"]},
    ]


class Cluster(FileModel):
    """The container instances, or the capacity providers that run them, and the agent."""

    model_config = ConfigDict(json_schema_extra=_cluster_schema)
    REQUIRED: ClassVar[tuple[str, ...] | None] = ()

    instances: Annotated[list[Group], BeforeValidator(_instances)] = Field(
        None,  # type: ignore[arg-type]  # left out: None; null written: refused
        description="groups of identical container instances",
    )
    agent: Agent | None = None
    capacityProviders: CapacityProviders = Field(
        None, description="capacity providers and their Auto Scaling groups (ROLLOUT.md §10)"
    )
    defaultCapacityProviderStrategy: ProviderStrategy = Field(
        None,
        description="the strategy of services that give neither capacityProviderStrategy "
        "nor launchType",
    )

    @classmethod
    def before(cls, raw: dict[str, Any]) -> None:
        if "capacityProviders" in raw:
            return  # instances may come from them (checked after)
        if "instances" not in raw:
            raise problem("is required but missing", ("instances",))
        if raw["instances"] == []:
            raise problem(list_problem([], non_empty=True) or "", ("instances",))

    @model_validator(mode="after")
    def _providers(self, info: ValidationInfo) -> Cluster:
        cps: list[Any] = list(self.capacityProviders or [])
        if not self.instances and not any(cp.autoScalingGroup.instances for cp in cps):
            raise problem(
                ("is required" if self.instances is None else "must list at least one entry")
                + " unless a capacity provider runs instances (autoScalingGroup.instances), "
                "and none does",
                ("instances",),
            )
        twice = first_repeat([cp.name for cp in cps])
        if twice is not None:
            k, j = twice
            doc = (info.context or {}).get("doc")
            line = doc.line(("cluster", "capacityProviders", j, "name")) if doc else None
            raise problem(
                f"duplicate capacity provider name {describe(cps[k].name)}; also "
                f"capacityProviders[{j}].name" + (f" (line {line})" if line else ""),
                ("capacityProviders", k, "name"),
            )
        self.linked()  # the groups each provider names: known, claimed once, ≤ maxSize
        found = strategy_problem(self.defaultCapacityProviderStrategy, self.provider_names)
        if found is not None:
            raise problem(found[1], ("defaultCapacityProviderStrategy", *found[0]))
        return self

    @property
    def provider_names(self) -> tuple[str, ...]:
        cps: list[Any] = list(self.capacityProviders or [])
        return tuple(cp.name for cp in cps)

    def linked(self) -> list[tuple[int, ...]]:
        """Per capacity provider, the indices of the cluster.instances groups it names."""
        groups = list(self.instances or [])
        names = [group_name(g) for g in groups]
        owner: dict[int, str] = {}
        out = []
        cps: list[Any] = list(self.capacityProviders or [])
        for k, cp in enumerate(cps):
            asg, mine = cp.autoScalingGroup, []
            listed = isinstance(asg.group, list)
            for j, name in enumerate(asg.names):
                at: Path_ = ("capacityProviders", k, "autoScalingGroup", "group")
                at = (*at, j) if listed else at
                found = [g for g, n in enumerate(names) if n == name]
                if not found:
                    known = ", ".join(dict.fromkeys(names)) or "none"
                    raise problem(
                        f"no group of cluster.instances is named {describe(name)} (its "
                        f"groups: {known})",
                        at,
                    )
                for g in found:
                    check(providers.claimed_problem(name, owner.get(g)), at)
                    owner[g] = cp.name
                mine += found
            running = sum(groups[g].count or 0 for g in mine)
            at = ("capacityProviders", k, "autoScalingGroup", "group")
            check(providers.running_problem(running, asg.maxSize), at)
            out.append(tuple(mine))
        return out


Cluster.ECS_IGNORED = tuple(f for f in ecs_shapes.CLUSTER if f not in Cluster.model_fields)


def group_name(group: TypedGroup | InlineGroup) -> str:
    """A group's name: its catalog type's, or the one written inline."""
    if isinstance(group, TypedGroup):
        return get_instance_type(group.type).name
    return group.name
