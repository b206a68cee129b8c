"""The scenario file's shape as pydantic models: its JSON Schema, and a gate every file
passes.

The models say what a schema can say: field names (unknown ones refused), types, ranges,
allowed words. :mod:`planner.inputs.loading` checks every file against them as well as with its
own reader, which adds what a schema cannot say (catalog names, task-definition files,
placements that add up, fields that depend on others) and words each message for the
user. ``planner schema`` prints :func:`scenario_schema` for editors
(yaml-language-server: ``# yaml-language-server: $schema=planner-scenario.json``).
The tests check that every field name here is the reader's, that every shipped scenario
validates and that the malformed files in the tests are refused.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from planner.errors import PlannerError
from planner.inputs.yamlsafe import Located, format_path
from planner.model.units import describe, unknown_field_message

#: A size as ECS accepts it in a task definition: ``256``, ``"256"``, ``"0.25 vCPU"``,
#: ``"2 GB"`` (the reader checks the unit).
SIZE_PATTERN = r"^\s*([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*([A-Za-z]*)\s*$"

Whole = Annotated[StrictInt, Field(ge=0)]
Positive = Annotated[StrictInt, Field(ge=1)]
Percent = Annotated[StrictInt, Field(ge=0, le=100)]
Port = Annotated[StrictInt, Field(ge=1, le=65535)]
HostPort = Annotated[StrictInt, Field(ge=0, le=65535)]
Text = Annotated[str, Field(min_length=1, pattern=r"\S")]
Minutes = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=False)]
CpuSize = Whole | Annotated[str, Field(pattern=SIZE_PATTERN)]
MemorySize = Positive | Annotated[str, Field(pattern=SIZE_PATTERN)]


def _title(name: str, _info: Any) -> str:
    return name  # the file's own field names, as editors show them


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, field_title_generator=_title)


class PortMapping(_Strict):
    containerPort: Port | None = None
    hostPort: HostPort | None = None
    protocol: Literal["tcp", "udp"] | None = None
    containerPortRange: Annotated[str, Field(pattern=r"^\s*\d+\s*-\s*\d+\s*$")] | None = None
    name: Text | None = None


class TaskDefinitionShort(_Strict):
    """The short form of a task definition (one container)."""

    cpu: CpuSize | None = None
    memory: MemorySize | None = None
    memoryReservation: MemorySize | None = None
    networkMode: Literal["bridge", "host", "awsvpc", "none"] | None = None
    portMappings: list[PortMapping] | None = None


#: A task definition: the short form, or the path of an ECS task-definition JSON file.
TaskDefinitionField = TaskDefinitionShort | Text


Attributes = dict[str, Text | StrictInt | float]


class TypedGroup(_Strict):
    """Container instances of a type from the catalog (``planner instance-types``)."""

    type: Text
    count: Positive | None = None
    availabilityZone: Text | None = None
    availabilityZones: Annotated[list[Text], Field(min_length=1)] | None = None
    attributes: Attributes | None = None
    instanceIds: Annotated[list[Text], Field(min_length=1)] | None = None
    status: Literal["ACTIVE", "DRAINING"] | None = None
    agentConnected: StrictBool | None = None


class InlineGroup(_Strict):
    """Container instances of a type given inline: vcpu or cpu, and memory."""

    name: Text
    instanceType: Text | None = None
    vcpu: Positive | None = None
    cpu: CpuSize | None = None
    memory: MemorySize
    enis: Positive | None = None
    trunkEnis: Whole | None = None
    hourlyUsd: Minutes | None = None
    count: Positive | None = None
    availabilityZone: Text | None = None
    availabilityZones: Annotated[list[Text], Field(min_length=1)] | None = None
    attributes: Attributes | None = None
    instanceIds: Annotated[list[Text], Field(min_length=1)] | None = None
    status: Literal["ACTIVE", "DRAINING"] | None = None
    agentConnected: StrictBool | None = None


class Agent(_Strict):
    reservedCpu: Whole | None = None
    reservedMemory: Whole | None = None
    reservedPorts: Annotated[list[Port], Field(max_length=100)] | None = None
    dynamicPortRange: Annotated[list[Port], Field(min_length=2, max_length=2)] | None = None
    awsvpcTrunking: StrictBool | None = None


class Cluster(_Strict):
    instances: Annotated[list[TypedGroup | InlineGroup], Field(min_length=1)]
    agent: Agent | None = None


class DeploymentConfiguration(_Strict):
    minimumHealthyPercent: Percent | None = None
    maximumPercent: Whole | None = None
    strategy: Literal["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"] | None = None
    stepPercent: Annotated[StrictInt, Field(ge=1, le=100)] | None = None
    stepBakeTimeInMinutes: Minutes | None = None
    canaryPercent: Annotated[StrictInt, Field(ge=1, le=100)] | None = None
    canaryBakeTimeInMinutes: Minutes | None = None
    bakeTimeInMinutes: Minutes | None = None


Controller = Literal["ECS", "CODE_DEPLOY"]


class ControllerObject(_Strict):
    type: Controller


class PlacementConstraint(_Strict):
    type: Literal["distinctInstance", "memberOf"]
    expression: Text | None = None


class PlacementStrategy(_Strict):
    type: Literal["spread", "binpack", "random"]
    field: Text | None = None


class LoadBalancer(_Strict):
    targetGroupArn: Text | None = None
    loadBalancerName: Text | None = None
    containerName: Text | None = None
    containerPort: Port | None = None


class Service(_Strict):
    name: Text
    desiredCount: Whole | None = None
    taskDefinition: TaskDefinitionField
    newTaskDefinition: TaskDefinitionField | None = None
    deploymentConfiguration: DeploymentConfiguration | None = None
    deploymentController: Controller | ControllerObject | None = None
    schedulingStrategy: Literal["REPLICA", "DAEMON"] | None = None
    placementConstraints: Annotated[list[PlacementConstraint], Field(max_length=10)] | None = None
    placementStrategy: Annotated[list[PlacementStrategy], Field(max_length=5)] | None = None
    deploy: StrictBool | None = None
    placement: list[Whole] | None = None
    newPlacement: list[Whole] | None = None
    loadBalancers: list[LoadBalancer] | None = None


class Timing(_Strict):
    deregistrationDelay: Whole | None = None
    healthCheckGracePeriod: Whole | None = None
    healthCheckIntervalSeconds: Positive | None = None
    healthyThresholdCount: Positive | None = None
    stopTimeout: Whole | None = None
    taskStartSeconds: Whole | None = None


class ScenarioFile(_Strict):
    """A planner scenario: an ECS cluster, its services and the deployment to check."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        field_title_generator=_title,
        title="planner scenario",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    name: Text | None = None
    cluster: Cluster
    services: Annotated[list[Service], Field(min_length=1)]
    timing: Timing | None = None


def scenario_schema() -> dict[str, Any]:
    """The scenario file's JSON Schema (draft 2020-12)."""
    return ScenarioFile.model_json_schema()


def schema_text() -> str:
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"


def check_document(doc: Located) -> None:
    """Check a loaded scenario document against :class:`ScenarioFile`.

    Raises
    ------
    PlannerError
        At the first problem, with the file, line and field of the document.
    """
    try:
        ScenarioFile.model_validate(doc.data)
    except ValidationError as exc:
        raise _located(doc, exc) from None


def _located(doc: Located, exc: ValidationError) -> PlannerError:
    """The most specific of pydantic's errors, worded as the reader words them."""
    errors = exc.errors(include_url=False)
    # union members each report; the deepest location is the one the user meant
    err = max(errors, key=lambda e: len([p for p in e["loc"] if not _is_union_tag(p)]))
    path = tuple(p for p in err["loc"] if not _is_union_tag(p))
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        parent = _model_at(path[:-1])
        allowed = tuple(parent.model_fields) if parent else ()
        message = unknown_field_message(str(path[-1]), allowed)
    elif kind == "missing":
        message = "is required but missing"
    else:
        message = f"{err['msg'][0].lower()}{err['msg'][1:]}, got {describe(value)}"
    return doc.error(path, message)


def _is_union_tag(part: Any) -> bool:
    """pydantic names the union member it tried (``TypedGroup``, ``int``, ...) in ``loc``."""
    return isinstance(part, str) and (
        part[:1].isupper()
        or part in ("int", "str", "float", "bool", "list")
        or part.startswith(("constrained-", "literal[", "function-"))
    )


def _model_at(path: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model that the mapping at ``path`` is read with (for its allowed fields)."""
    model: Any = ScenarioFile
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = _first_model(field.annotation)
        if model is None:
            return None
    return model


def _first_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _first_model(arg)
        if found is not None:
            return found
    if hasattr(annotation, "__origin__"):
        return _first_model(getattr(annotation, "__origin__", None))
    return None


__all__ = ["check_document", "format_path", "scenario_schema", "schema_text"]
