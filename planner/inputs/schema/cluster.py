# mypy: disable-error-code="valid-type"
"""The cluster's models: instance groups (from the catalog or inline), the agent."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Annotated, Any, ClassVar

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
    model_validator,
)

from planner.errors import PlannerError
from planner.inputs.schema.fields import (
    Bool,
    FileModel,
    GivenCpu,
    GivenVcpu,
    InstanceStatus,
    Minutes,
    Positive,
    RequiredMemory,
    RequiredText,
    Text,
    Whole,
    check,
    field_type,
    listing,
    problem,
)
from planner.model.catalog import get_instance_type, load_catalog
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


def _texts_once(what: str) -> Callable[[Any], Any]:
    def validate(value: Any) -> Any:
        if value is None:
            return None
        check(list_problem(value, non_empty=True))
        for k, item in enumerate(value):
            check(text_problem(item), (k,))
        if what == "zone":
            twice = first_repeat(list(value))
            if twice is not None:
                k, _ = twice
                raise problem(f"zone {describe(value[k])} is listed twice", (k,))
        return value

    return validate


Zones = Annotated[
    Annotated[list[str], Field(min_length=1)] | None, BeforeValidator(_texts_once("zone"))
]
InstanceIds = Annotated[
    Annotated[list[str], Field(min_length=1)] | None, BeforeValidator(_texts_once("id"))
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


def _catalog_type(value: Any) -> Any:
    check(text_problem(value))
    try:
        get_instance_type(value)
    except PlannerError:
        raise problem(_unknown_type(value)) from None
    return value


def _unknown_type(name: str) -> str:
    """Explain an instance type the catalog does not know, with the closest one."""
    known = load_catalog()
    close = difflib.get_close_matches(name.strip().lower(), list(known), n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]}?" if close else ""
    return (
        f"unknown instance type {describe(name)}{hint} (`planner instance-types` lists the "
        f"{len(known)} known ones; or give the type inline with name, vcpu and memory)"
    )


CatalogType = Annotated[
    str, BeforeValidator(_catalog_type), WithJsonSchema({"type": "string", "minLength": 1})
]


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


Instances = listing(Group, non_empty=True, required=True)


class Cluster(FileModel):
    instances: Instances
    agent: Agent | None = None


def group_name(group: TypedGroup | InlineGroup) -> str:
    """A group's name: its catalog type's, or the one written inline."""
    if isinstance(group, TypedGroup):
        return get_instance_type(group.type).name
    return group.name
