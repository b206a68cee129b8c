# mypy: disable-error-code="valid-type"
"""The scenario file as pydantic models: its fields, its messages and its JSON Schema.

One set of models describes the file. :func:`validate` checks a loaded document against
them and raises one :class:`~planner.errors.PlannerError` naming the file, line and field
(``scenario.yaml:14: services[0].desiredCount: must be a whole number ≥ 0, got "four"``);
:mod:`planner.inputs.loading` builds the scenario objects from the validated models, adding
only what needs the world outside the document (task-definition files, the catalog's
sizes). ``planner schema`` prints :func:`scenario_schema` for editors
(yaml-language-server: ``# yaml-language-server: $schema=planner-scenario.json``).

Every value is checked by a rule of :mod:`planner.model.units` (one place each, shared
with the dataclasses' own checks), so the models word their messages as the rest of
planner does. Unknown fields are refused everywhere with the closest allowed name; a field
of the ECS API's own shape (:mod:`planner.inputs.ecs_shapes`), pasted from
``describe-services`` or a template, is ignored and listed (:attr:`Validated.ignored`).
Rules across fields live in the model they concern (a group's zones, a service's
strategy fields); those across the document (placements that add up, names used once) in
:class:`ScenarioFile`.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from planner.errors import PlannerError
from planner.inputs import ecs_shapes
from planner.inputs.yamlsafe import Located, format_path
from planner.model.catalog import get_instance_type, load_catalog
from planner.model.cql import QueryError
from planner.model.cql import parse as parse_query
from planner.model.scenario import (
    CONTROLLERS,
    INSTANCE_STATUSES,
    MAX_STRATEGY_RULES,
    NETWORK_MODES,
    SCHEDULING,
    STRATEGIES,
    STRATEGY_TYPES,
    first_repeat,
    instance_ids_problem,
    new_placement_problem,
    port_range_problem,
    strategy_problem,
    too_many_strategy_rules,
)
from planner.model.units import (
    HOST_PORT,
    OPEN_PERCENT,
    PERCENT,
    POSITIVE,
    STEP_PERCENT,
    WHOLE,
    WholeRule,
    boolean_problem,
    describe,
    list_problem,
    number_problem,
    one_of_problem,
    parse_cpu,
    parse_memory,
    port_problem,
    read_size,
    text_problem,
    unknown_field_message,
)

Path_ = tuple[str | int, ...]

#: A size as ECS accepts it in a task definition: ``256``, ``"256"``, ``"0.25 vCPU"``,
#: ``"2 GB"`` (the reader checks the unit).
SIZE_PATTERN = r"^\s*([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*([A-Za-z]*)\s*$"
CONSTRAINT_TYPES = ("distinctInstance", "memberOf")
#: ECS allows at most 10 placement constraints per service.
MAX_CONSTRAINTS = 10
#: ECS allows at most 100 reserved ports per container instance.
MAX_RESERVED_PORTS = 100
#: Deployment-configuration fields that apply only to some strategies.
STRATEGY_FIELDS = {
    "stepPercent": ("LINEAR",),
    "stepBakeTimeInMinutes": ("LINEAR",),
    "canaryPercent": ("CANARY",),
    "canaryBakeTimeInMinutes": ("CANARY",),
    "bakeTimeInMinutes": ("BLUE_GREEN", "LINEAR", "CANARY"),
}


# --- problems, worded once -----------------------------------------------------------


def problem(message: str, at: Path_ = ()) -> PydanticCustomError:
    """A validation error with planner's message, ``at`` a path below the value checked."""
    return PydanticCustomError("planner", "{message}", {"message": message, "at": at})


def _check(found: str | None, at: Path_ = ()) -> None:
    if found is not None:
        raise problem(found, at)


def _value(
    kind: Any,
    check: Callable[[Any], str | None],
    schema: dict[str, Any],
    convert: Callable[[Any], Any] | None = None,
    *,
    required: bool = False,
) -> Any:
    """A field type whose values ``check`` words; ``null`` is the field left out, unless
    the field is ``required``."""

    def validate(value: Any) -> Any:
        if value is None and not required:
            return None
        _check(check(value))
        return value if convert is None else convert(value)

    if required:
        return Annotated[kind, BeforeValidator(validate), WithJsonSchema(schema)]
    nullable = {"anyOf": [schema, {"type": "null"}]}
    return Annotated[kind | None, BeforeValidator(validate), WithJsonSchema(nullable)]


def _whole(rule: WholeRule) -> Any:
    schema: dict[str, Any] = {"type": "integer", "minimum": rule.minimum}
    if rule.maximum is not None:
        schema["maximum"] = rule.maximum
    return _value(int, rule.problem, schema)


def _words(allowed: tuple[str, ...], *, required: bool = False) -> Any:
    return _value(
        str, lambda v: one_of_problem(v, allowed), {"enum": list(allowed)}, required=required
    )


Whole = _whole(WHOLE)
Positive = _whole(POSITIVE)
Percent = _whole(PERCENT)
OpenPercent = _whole(OPEN_PERCENT)
StepPercent = _whole(STEP_PERCENT)
TEXT_SCHEMA = {"type": "string", "minLength": 1, "pattern": r"\S"}
Text = _value(str, text_problem, TEXT_SCHEMA)
RequiredText = _value(str, text_problem, TEXT_SCHEMA, required=True)
Bool = _value(bool, boolean_problem, {"type": "boolean"})
Minutes = _value(float, number_problem, {"type": "number", "minimum": 0}, float)
Port = _value(int, port_problem, {"type": "integer", "minimum": 1, "maximum": 65535})
HostPort = _whole(HOST_PORT)
InstanceStatus = _words(INSTANCE_STATUSES)
Strategy = _words(STRATEGIES)
Scheduling = _words(SCHEDULING)
NetworkMode = _words(NETWORK_MODES)
Protocol = _words(("tcp", "udp"))
ConstraintType = _words(CONSTRAINT_TYPES, required=True)
StrategyType = _words(STRATEGY_TYPES, required=True)
SIZE_SCHEMA = {
    "anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": SIZE_PATTERN}]
}


def _listing(
    item: Any,
    *,
    non_empty: bool = False,
    most: int | None = None,
    too_many: Any = None,
    required: bool = False,
) -> Any:
    """A list of ``item``; more than ``most`` entries refused with ``too_many(n)``; null
    is the field left out unless it is ``required``."""

    def validate(value: Any) -> Any:
        if value is None and not required:
            return None
        _check(list_problem(value, non_empty=non_empty))
        if most is not None and len(value) > most:
            raise problem(too_many(len(value)))
        return value

    limits: dict[str, Any] = {}
    if non_empty:
        limits["min_length"] = 1
    if most is not None:
        limits["max_length"] = most
    if required:
        return Annotated[list[item], Field(**limits), BeforeValidator(validate)]
    return Annotated[Annotated[list[item], Field(**limits)] | None, BeforeValidator(validate)]


# --- the models ----------------------------------------------------------------------


def _title(name: str, _info: Any) -> str:
    return name  # the file's own field names, as editors show them


def _ecs_properties(schema: dict[str, Any], model: type[Any]) -> None:
    """The ECS shape's fields in the JSON Schema too: allowed, and said to be ignored."""
    ignored = getattr(model, "ECS_IGNORED", ())
    for name in ignored:
        if name not in schema.get("properties", {}):
            schema.setdefault("properties", {})[name] = {
                "description": "a field of the ECS API's shape; planner ignores it"
            }


class _Model(BaseModel):
    """A mapping of the file: its fields, no others (ECS's own are ignored and listed)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        field_title_generator=_title,
        json_schema_extra=_ecs_properties,
    )
    #: How messages name the mapping when the value is something else.
    WHAT: ClassVar[str] = "a mapping"
    #: Fields of the ECS API's shape of this object that planner does not use.
    ECS_IGNORED: ClassVar[tuple[str, ...]] = ()
    #: Messages for required fields that say more than "is required but missing".
    MISSING: ClassVar[dict[str, str]] = {}

    @classmethod
    def unknown(cls, key: str) -> str:
        return unknown_field_message(key, tuple(cls.model_fields))

    @classmethod
    def required(cls, raw: dict[str, Any]) -> tuple[str, ...]:
        return tuple(k for k, f in cls.model_fields.items() if f.is_required())

    @classmethod
    def before(cls, raw: dict[str, Any]) -> None:
        """Rules on the raw mapping, checked before its fields (as the reader did)."""

    @classmethod
    def missing(cls, key: str, raw: dict[str, Any]) -> str:
        """What a message says of a required field left out."""
        return cls.MISSING.get(key, "is required but missing")

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, raw: Any, info: ValidationInfo) -> Any:
        if not isinstance(raw, dict):
            raise problem(f"must be {cls.WHAT}, got {describe(raw)}")
        kept = {}
        for key, value in raw.items():
            if key in cls.model_fields:
                kept[key] = value
            elif key in cls.ECS_IGNORED:
                if info.context is not None:
                    info.context.setdefault("ignored", []).append((id(raw), key))
            else:
                raise problem(cls.unknown(key), (key,))
        for key in cls.required(raw):
            if key not in raw:
                raise problem(cls.missing(key, raw), (key,))
        cls.before(raw)
        return kept


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
        _check(text_problem(key), (key,))
        _check(text_problem(str(v)), (key,))
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
        _check(list_problem(value, non_empty=True))
        for k, item in enumerate(value):
            _check(text_problem(item), (k,))
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


class _Group(_Model):
    """Where a group's instances are and what they are called (ROLLOUT.md §8)."""

    @classmethod
    def before(cls, raw: dict[str, Any]) -> None:
        if raw.get("availabilityZone") is not None and raw.get("availabilityZones") is not None:
            raise problem(
                "give availabilityZone (one zone) or availabilityZones (round-robin), not both",
                ("availabilityZones",),
            )

    @model_validator(mode="after")
    def _ids(self) -> _Group:
        ids: list[str] | None = getattr(self, "instanceIds", None)
        if ids is not None:
            _check(instance_ids_problem(ids, getattr(self, "count", None)), ("instanceIds",))
        return self


def _catalog_type(value: Any) -> Any:
    _check(text_problem(value))
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
    count: Positive = None
    availabilityZone: Text = None
    availabilityZones: Zones = None
    attributes: Attributes = None
    instanceIds: InstanceIds = None
    status: InstanceStatus = None
    agentConnected: Bool = None

    @classmethod
    def unknown(cls, key: str) -> str:
        if key in InlineGroup.model_fields:
            return (
                "not allowed beside type (the catalog gives the size); write a type, or a "
                "name with vcpu and memory"
            )
        return super().unknown(key)


def _cpu(value: Any) -> int:
    return _sized(value, "cpu", 1)


def _sized(value: Any, kind: str, minimum: int) -> int:
    try:
        return read_size(value, parse_cpu if kind == "cpu" else parse_memory, minimum)
    except ValueError as exc:
        raise problem(str(exc)) from None


CpuSize = _value(int, lambda v: None, SIZE_SCHEMA, _cpu)
MemorySize = _value(int, lambda v: None, SIZE_SCHEMA, lambda v: _sized(v, "memory", 1))
#: vcpu and cpu of an inline group: either may be left out, neither given as null.
GivenVcpu = _value(int, POSITIVE.problem, {"type": "integer", "minimum": 1}, required=True)
GivenCpu = _value(int, lambda v: None, SIZE_SCHEMA, _cpu, required=True)
RequiredMemory = _value(
    int, lambda v: None, SIZE_SCHEMA, lambda v: _sized(v, "memory", 1), required=True
)


class InlineGroup(_Group):
    """Container instances of a type given inline: vcpu or cpu, and memory."""

    MISSING: ClassVar[dict[str, str]] = {"memory": "is required: MiB that ECS registers"}

    name: RequiredText
    instanceType: Text = None
    vcpu: GivenVcpu = None
    cpu: GivenCpu = None
    memory: RequiredMemory
    enis: Positive = None
    trunkEnis: Whole = None
    hourlyUsd: Minutes = None
    count: Positive = None
    availabilityZone: Text = None
    availabilityZones: Zones = None
    attributes: Attributes = None
    instanceIds: InstanceIds = None
    status: InstanceStatus = None
    agentConnected: Bool = None

    @classmethod
    def required(cls, raw: dict[str, Any]) -> tuple[str, ...]:
        return ("name",)  # memory: after vcpu | cpu, as the reader asks for them

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
    _check(list_problem(value))
    if len(value) != 2:
        raise problem(f"must be [first, last], two ports, got a list of {len(value)}")
    for i, p in enumerate(value):
        _check(port_problem(p), (i,))
    _check(port_range_problem(value[0], value[1]))
    return value


def _reserved_ports(value: Any) -> Any:
    if value is None:
        return None
    _check(list_problem(value))
    if len(value) > MAX_RESERVED_PORTS:
        raise problem(f"ECS allows at most {MAX_RESERVED_PORTS} reserved ports, got {len(value)}")
    for i, p in enumerate(value):
        _check(port_problem(p), (i,))
        if p in value[:i]:
            raise problem(f"port {p} is listed twice", (i,))
    return value


PortItem = _value(
    int, port_problem, {"type": "integer", "minimum": 1, "maximum": 65535}, required=True
)


class Agent(_Model):
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


Instances = _listing(Group, non_empty=True, required=True)


class Cluster(_Model):
    instances: Instances
    agent: Agent | None = None


class DeploymentConfiguration(_Model):
    minimumHealthyPercent: Percent = None
    maximumPercent: OpenPercent = None
    strategy: Strategy = None
    stepPercent: StepPercent = None
    stepBakeTimeInMinutes: Minutes = None
    canaryPercent: StepPercent = None
    canaryBakeTimeInMinutes: Minutes = None
    bakeTimeInMinutes: Minutes = None

    @model_validator(mode="after")
    def _for_the_strategy(self) -> DeploymentConfiguration:
        strategy = self.strategy or "ROLLING"
        for key, strategies in STRATEGY_FIELDS.items():
            if getattr(self, key) is not None and strategy not in strategies:
                raise problem(
                    f"applies only to strategy {' or '.join(strategies)}, "
                    f"and the strategy is {strategy}",
                    (key,),
                )
        return self


DeploymentConfiguration.ECS_IGNORED = tuple(
    f for f in ecs_shapes.DEPLOYMENT_CONFIGURATION if f not in DeploymentConfiguration.model_fields
)


def _controller(value: Any) -> Any:
    if value is None:
        return None
    at: Path_ = ()
    if isinstance(value, dict):  # {type: ECS}, as the ECS API prints it
        for key in value:
            if key != "type":
                raise problem(unknown_field_message(key, ("type",)), (key,))
        if "type" not in value:
            raise problem("is required but missing", ("type",))
        value, at = value["type"], ("type",)
    _check(one_of_problem(value, CONTROLLERS), at)
    return value


class PlacementConstraint(_Model):
    type: ConstraintType
    expression: Text = None

    @classmethod
    def required(cls, raw: dict[str, Any]) -> tuple[str, ...]:
        return ("type",)

    @model_validator(mode="after")
    def _expression(self) -> PlacementConstraint:
        if self.type == "memberOf":
            if self.expression is None:
                raise problem(
                    "is required for memberOf: a cluster query language expression",
                    ("expression",),
                )
            try:
                parse_query(self.expression)
            except QueryError as exc:
                raise problem(str(exc), ("expression",)) from None
        elif "expression" in self.model_fields_set:
            raise problem("distinctInstance takes none", ("expression",))
        return self


class PlacementStrategy(_Model):
    type: StrategyType
    field: Text = None

    @classmethod
    def required(cls, raw: dict[str, Any]) -> tuple[str, ...]:
        return ("type",)

    @model_validator(mode="after")
    def _rule(self) -> PlacementStrategy:
        found = strategy_problem((self.type, self.field))
        if found:
            raise problem(found, ("field" if self.type != "random" else "type",))
        return self


class LoadBalancer(_Model):
    targetGroupArn: Text = None
    loadBalancerName: Text = None
    containerName: Text = None
    containerPort: Port = None

    @classmethod
    def before(cls, raw: dict[str, Any]) -> None:
        for key, value in raw.items():  # a field given is given a value
            if value is None and key in cls.model_fields:
                _check(port_problem(None) if key == "containerPort" else text_problem(None), (key,))


LoadBalancer.ECS_IGNORED = tuple(
    f for f in ecs_shapes.LOAD_BALANCER if f not in LoadBalancer.model_fields
)


class PortMapping(_Model):
    """A port mapping of the short form."""

    containerPort: Port = None
    hostPort: HostPort = None
    protocol: Protocol = None
    containerPortRange: Annotated[
        str | None, WithJsonSchema({"type": "string", "pattern": r"^\s*\d+\s*-\s*\d+\s*$"})
    ] = None
    name: Text = None


class TaskDefinitionShort(_Model):
    """The short form of a task definition (one container): the fields of a task
    definition written in a scenario, for its JSON Schema and for
    :mod:`planner.inputs.taskdef`, which reads it (by the rules it applies to a JSON file,
    whose values are not the scenario's to check)."""

    cpu: CpuSize = None
    memory: MemorySize = None
    memoryReservation: MemorySize = None
    networkMode: NetworkMode = None
    portMappings: list[PortMapping] | None = None


def _taskdef_schema(required: bool) -> dict[str, Any]:
    """The short form, the ECS API's fields beside it, or a JSON file's path."""
    short = TaskDefinitionShort.model_json_schema()
    port_mapping = short.pop("$defs")["PortMapping"]
    props = short["properties"]
    props["portMappings"] = {
        "anyOf": [{"type": "array", "items": port_mapping}, {"type": "null"}]
    }
    for name in ecs_shapes.TASK_DEFINITION + ecs_shapes.REGISTER_TASK_DEFINITION:
        props.setdefault(name, {"description": "a field of the ECS API's TaskDefinition"})
    # describe-task-definition's wrapper, pasted whole
    props["taskDefinition"] = {"type": "object", "description": "the task definition, wrapped"}
    forms: list[dict[str, Any]] = [short, TEXT_SCHEMA]
    return {"anyOf": forms if required else [*forms, {"type": "null"}]}


def _taskdef(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        _check(text_problem(value))
    return value  # a mapping: read by planner.inputs.taskdef, with its lines


WholeItem = _value(int, WHOLE.problem, {"type": "integer", "minimum": 0}, required=True)
Counts = _listing(WholeItem)
LoadBalancers = _listing(LoadBalancer)
Constraints = _listing(
    PlacementConstraint,
    most=MAX_CONSTRAINTS,
    too_many=lambda n: f"ECS takes at most {MAX_CONSTRAINTS} constraints, got {n}",
)
Strategies = _listing(PlacementStrategy, most=MAX_STRATEGY_RULES, too_many=too_many_strategy_rules)


class Service(_Model):
    WHAT: ClassVar[str] = "a service (a mapping)"
    ECS_IGNORED: ClassVar[tuple[str, ...]] = ()  # set below: the Service shape's others

    name: RequiredText
    desiredCount: Whole = None
    taskDefinition: Annotated[
        Any, BeforeValidator(_taskdef), WithJsonSchema(_taskdef_schema(True))
    ]
    newTaskDefinition: Annotated[
        Any, BeforeValidator(_taskdef), WithJsonSchema(_taskdef_schema(False))
    ] = None
    deploymentConfiguration: DeploymentConfiguration | None = None
    deploymentController: Annotated[
        Any,
        BeforeValidator(_controller),
        WithJsonSchema(
            {
                "anyOf": [
                    {"enum": list(CONTROLLERS)},
                    {
                        "type": "object",
                        "properties": {"type": {"enum": list(CONTROLLERS)}},
                        "required": ["type"],
                        "additionalProperties": False,
                    },
                    {"type": "null"},
                ]
            }
        ),
    ] = None
    schedulingStrategy: Scheduling = None
    placementConstraints: Constraints = None
    placementStrategy: Strategies = None
    deploy: Bool = None
    placement: Counts = None
    newPlacement: Counts = None
    loadBalancers: LoadBalancers = None

    @classmethod
    def required(cls, raw: dict[str, Any]) -> tuple[str, ...]:
        return ("name",)

    @classmethod
    def missing(cls, key: str, raw: dict[str, Any]) -> str:
        if key == "name" and isinstance(raw.get("serviceName"), str):
            return (
                "is required but missing (the ECS API's serviceName is not read: write "
                f"name: {raw['serviceName']})"
            )
        return super().missing(key, raw)

    @classmethod
    def before(cls, raw: dict[str, Any]) -> None:
        daemon = raw.get("schedulingStrategy") == "DAEMON"
        if not daemon and raw.get("schedulingStrategy") is not None:
            _check(one_of_problem(raw["schedulingStrategy"], SCHEDULING), ("schedulingStrategy",))
        if not daemon:
            if "desiredCount" not in raw:
                raise problem("is required but missing", ("desiredCount",))
            _check(WHOLE.problem(raw["desiredCount"]), ("desiredCount",))
        if "taskDefinition" not in raw:
            raise problem("is required but missing", ("taskDefinition",))

    @property
    def daemon(self) -> bool:
        return self.schedulingStrategy == "DAEMON"

    @model_validator(mode="after")
    def _together(self) -> Service:
        if self.deploymentController == "CODE_DEPLOY" and self.daemon:
            raise problem(
                "CODE_DEPLOY does not support schedulingStrategy DAEMON (ECS refuses it)",
                ("deploymentController",),
            )
        if self.newPlacement is not None:
            found = new_placement_problem(self.placement is not None, self.deploy is not False)
            _check(found, ("newPlacement",))
        return self


Service.ECS_IGNORED = tuple(f for f in ecs_shapes.SERVICE if f not in Service.model_fields)


class Timing(_Model):
    deregistrationDelay: Whole = None
    healthCheckGracePeriod: Whole = None
    healthCheckIntervalSeconds: Positive = None
    healthyThresholdCount: Positive = None
    stopTimeout: Whole = None
    taskStartSeconds: Whole = None


Services = _listing(Service, non_empty=True, required=True)


class ScenarioFile(_Model):
    """A planner scenario: an ECS cluster, its services and the deployment to check."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        field_title_generator=_title,
        title="planner scenario",
        json_schema_extra=lambda s, m: s.update(
            {"$schema": "https://json-schema.org/draft/2020-12/schema"}
        ),
    )
    WHAT: ClassVar[str] = "a mapping of name, cluster, services and timing"

    name: Text = None
    cluster: Cluster
    services: Services
    timing: Timing | None = None

    @classmethod
    def required(cls, raw: dict[str, Any]) -> tuple[str, ...]:
        return ("cluster", "services")

    @model_validator(mode="after")
    def _across(self, info: ValidationInfo) -> ScenarioFile:
        groups: list[Any] = list(self.cluster.instances or [])
        ids: list[tuple[str, int, int]] = []
        for g, group in enumerate(groups):
            ids += [(name, g, k) for k, name in enumerate(group.instanceIds or [])]
        twice = first_repeat([name for name, _, _ in ids])
        if twice is not None:
            name, g, k = ids[twice[0]]
            raise problem(
                f"instance id {describe(name)} is used twice",
                ("cluster", "instances", g, "instanceIds", k),
            )
        services: list[Any] = list(self.services or [])
        for k, svc in enumerate(services):
            for key in ("newPlacement", "placement"):
                if getattr(svc, key) is not None:
                    _placement(groups, svc, key, ("services", k, key))
        twice = first_repeat([svc.name for svc in services])
        if twice is not None:
            k, j = twice
            doc = (info.context or {}).get("doc")
            line = doc.line(("services", j, "name")) if doc is not None else None
            raise problem(
                f"duplicate service name {describe(services[k].name)}; also services[{j}].name"
                + (f" (line {line})" if line else ""),
                ("services", k, "name"),
            )
        return self


def group_name(group: TypedGroup | InlineGroup) -> str:
    """A group's name: its catalog type's, or the one written inline."""
    if isinstance(group, TypedGroup):
        return get_instance_type(group.type).name
    return group.name


def _placement(groups: list[Any], svc: Service, key: str, where: Path_) -> None:
    """Tasks per instance: the old ones (``placement``), adding up to the desired count
    unless new ones run beside them (a snapshot); or the new ones already running
    (``newPlacement``), at most the desired count."""
    counts: list[int] = getattr(svc, key)
    open_groups = [group_name(g) for g in groups if g.count is None]
    if open_groups:
        raise problem(
            "needs every instance group's count (it lists old tasks per instance); "
            f"no count for {', '.join(open_groups)}",
            where,
        )
    n = sum(g.count or 0 for g in groups)
    if len(counts) != n:
        raise problem(
            f"must list one count per instance, {n} in file order, got {len(counts)}", where
        )
    desired = svc.desiredCount or 0
    target, what = (n, "the instance count (DAEMON)") if svc.daemon else (desired, "desiredCount")
    if key == "newPlacement":
        if sum(counts) > target:
            raise problem(f"must add up to at most {what}, {target}, got {sum(counts)}", where)
    elif svc.newPlacement is None and sum(counts) != target:
        raise problem(
            f"must add up to {what}, {target}, got {sum(counts)} (mid-deployment, list the "
            "new tasks in newPlacement)",
            where,
        )


# --- validating a document -----------------------------------------------------------


@dataclass(frozen=True)
class Validated:
    """A document checked against a model: the model, and the ECS fields it ignored."""

    model: Any
    #: ``(path, field)`` of every ECS API field planner does not use, in file order.
    ignored: tuple[Path_, ...]


def validate(
    model: type[BaseModel], doc: Located, raw: Any = None, prefix: Path_ = ()
) -> Validated:
    """Check ``raw`` (default the whole document) at ``prefix`` of ``doc`` against ``model``.

    Raises
    ------
    PlannerError
        At the first problem in the file's order, with its file, line and field.
    """
    data = doc.data if raw is None and not prefix else raw
    context: dict[str, Any] = {"doc": doc}
    try:
        validated = model.model_validate(data, context=context)
    except ValidationError as exc:
        raise _located(doc, exc, prefix) from None
    where = _paths_by_id(data, prefix)
    ignored = tuple((*where[i], key) for i, key in context.get("ignored", []) if i in where)
    return Validated(validated, tuple(sorted(ignored, key=lambda p: doc.line(p) or 0)))


def _paths_by_id(value: Any, prefix: Path_) -> dict[int, Path_]:
    out: dict[int, Path_] = {}
    stack: list[tuple[Any, Path_]] = [(value, prefix)]
    while stack:
        v, path = stack.pop()
        if isinstance(v, dict):
            out[id(v)] = path
            stack += [(x, (*path, k)) for k, x in v.items()]
        elif isinstance(v, list):
            stack += [(x, (*path, i)) for i, x in enumerate(v)]
    return out


def check_document(doc: Located) -> Validated:
    """Check a loaded scenario document against :class:`ScenarioFile` (every rule but
    those on task-definition content and files, which :mod:`planner.inputs.taskdef`
    reads)."""
    return validate(ScenarioFile, doc)


def _located(doc: Located, exc: ValidationError, prefix: Path_) -> PlannerError:
    """The first of the errors in the file's order, worded as planner words them."""
    errors = exc.errors(include_url=False)
    ours = [e for e in errors if e["type"] == "planner"] or errors

    def where(err: Any) -> Path_:
        path = tuple(p for p in err["loc"] if not _is_union_tag(p))
        return (*prefix, *path, *(err.get("ctx") or {}).get("at", ()))

    err = min(ours, key=lambda e: doc.line(where(e)) or 0)
    if err["type"] == "planner":
        message = err["ctx"]["message"]
    elif err["type"] == "missing":
        message = "is required but missing"
    else:  # pragma: no cover - every field's type words its own messages
        message = f"{err['msg'][0].lower()}{err['msg'][1:]}, got {describe(err.get('input'))}"
    return doc.error(where(err), message)


def _is_union_tag(part: Any) -> bool:
    """pydantic names the union member it tried (``TypedGroup``, ``int``, ...) in ``loc``."""
    return isinstance(part, str) and (
        part[:1].isupper()
        or part in ("int", "str", "float", "bool", "list", "dict", "none")
        or part.startswith(("constrained-", "literal[", "function-", "nullable[", "lax-"))
    )


def scenario_schema() -> dict[str, Any]:
    """The scenario file's JSON Schema (draft 2020-12)."""
    return ScenarioFile.model_json_schema()


def schema_text() -> str:
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"


__all__ = [
    "Validated",
    "check_document",
    "format_path",
    "scenario_schema",
    "schema_text",
    "validate",
]
