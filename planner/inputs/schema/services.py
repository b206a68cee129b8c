# mypy: disable-error-code="valid-type"
"""The services' models: deployment settings, placement, load balancers and the
short form of a task definition.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import (
    BeforeValidator,
    Field,
    WithJsonSchema,
    model_validator,
)

from planner.inputs import ecs_shapes
from planner.inputs.schema.fields import (
    TEXT_SCHEMA,
    Bool,
    CanaryPercent,
    CpuSize,
    FileModel,
    HostPort,
    MemorySize,
    Minutes,
    NetworkMode,
    OpenPercent,
    Path_,
    Percent,
    Port,
    Positive,
    Protocol,
    RequiredText,
    Scheduling,
    StepPercent,
    Strategy,
    Text,
    Whole,
    check,
    field_type,
    listing,
    problem,
    words_type,
)
from planner.inputs.schema.reacting import CircuitBreaker, ProviderStrategy
from planner.model.cql import QueryError
from planner.model.cql import parse as parse_query
from planner.model.providers import breaker_problem, launch_type_problem
from planner.model.scenario import (
    ALL_AT_ONCE_STRATEGIES,
    CONTROLLERS,
    LAUNCH_TYPES,
    MAX_STRATEGY_RULES,
    SCHEDULING,
    STRATEGY_TYPES,
    new_placement_problem,
    strategy_problem,
    too_many_strategy_rules,
)
from planner.model.units import (
    WHOLE,
    one_of_problem,
    port_problem,
    text_problem,
    unknown_field_message,
)

CONSTRAINT_TYPES = ("distinctInstance", "memberOf")
ConstraintType = words_type(CONSTRAINT_TYPES, required=True)
StrategyType = words_type(STRATEGY_TYPES, required=True)
#: ECS allows at most 10 placement constraints per service.
MAX_CONSTRAINTS = 10

#: Deployment-configuration fields that apply only to some strategies.
STRATEGY_FIELDS = {
    "stepPercent": ("LINEAR",),
    "stepBakeTimeInMinutes": ("LINEAR",),
    "canaryPercent": ("CANARY",),
    "canaryBakeTimeInMinutes": ("CANARY",),
    "bakeTimeInMinutes": ("BLUE_GREEN", "LINEAR", "CANARY"),
    "linearConfiguration": ("LINEAR",),
    "canaryConfiguration": ("CANARY",),
}


class LinearConfiguration(FileModel):
    """LINEAR's settings as the ECS API nests them (botocore ``LinearConfiguration``):
    the same as the flat ``stepPercent`` and ``stepBakeTimeInMinutes``."""

    stepPercent: StepPercent = None
    stepBakeTimeInMinutes: Minutes = None


class CanaryConfiguration(FileModel):
    """CANARY's settings as the ECS API nests them (botocore ``CanaryConfiguration``):
    the same as the flat ``canaryPercent`` and ``canaryBakeTimeInMinutes``."""

    canaryPercent: CanaryPercent = None
    canaryBakeTimeInMinutes: Minutes = None


#: Each nested form, by its field, with the model whose fields it nests.
NESTED_FORMS: dict[str, type[FileModel]] = {
    "linearConfiguration": LinearConfiguration,
    "canaryConfiguration": CanaryConfiguration,
}


class DeploymentConfiguration(FileModel):
    """A service's deployment settings. LINEAR's and CANARY's are written flat
    (``stepPercent: 25``) or nested as the ECS API prints them (``linearConfiguration:
    {stepPercent: 25.0}``), not both; :meth:`settings` reads either."""

    minimumHealthyPercent: Percent = None
    maximumPercent: OpenPercent = None
    strategy: Strategy = None
    stepPercent: StepPercent = None
    stepBakeTimeInMinutes: Minutes = None
    canaryPercent: CanaryPercent = None
    canaryBakeTimeInMinutes: Minutes = None
    bakeTimeInMinutes: Minutes = None
    linearConfiguration: LinearConfiguration | None = None
    canaryConfiguration: CanaryConfiguration | None = None
    deploymentCircuitBreaker: CircuitBreaker | None = Field(
        None,
        description="gives up a rolling deployment that keeps failing, and with rollback "
        "deploys the last completed revision back (ROLLOUT.md §10)",
    )

    @model_validator(mode="after")
    def _one_form(self) -> DeploymentConfiguration:
        for key, model in NESTED_FORMS.items():
            flat = [f for f in model.model_fields if getattr(self, f) is not None]
            if getattr(self, key) is not None and flat:
                raise problem(
                    f"give {key} (as the ECS API nests it) or {' and '.join(flat)} (flat), "
                    "not both",
                    (key,),
                )
        return self

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

    def settings(self) -> dict[str, Any]:
        """The fields given, by their flat names, the nested forms read into them; the
        breaker as planner's :class:`~planner.model.providers.CircuitBreaker`."""
        out = {k: getattr(self, k) for k in type(self).model_fields if k not in NESTED_FORMS}
        for key in NESTED_FORMS:
            nested = getattr(self, key)
            if nested is not None:
                out.update({k: getattr(nested, k) for k in type(nested).model_fields})
        if self.deploymentCircuitBreaker is not None:
            out["deploymentCircuitBreaker"] = self.deploymentCircuitBreaker.breaker()
        return {k: v for k, v in out.items() if v is not None}


DeploymentConfiguration.ECS_IGNORED = tuple(
    f for f in ecs_shapes.DEPLOYMENT_CONFIGURATION if f not in DeploymentConfiguration.model_fields
)


def _launch_type(value: Any) -> Any:
    if value == "FARGATE":
        raise problem(
            "FARGATE: planner models EC2 container instances only (Fargate tasks take no "
            "room on them); give EC2 or EXTERNAL, or leave the service out"
        )
    if value is not None:
        check(one_of_problem(value, LAUNCH_TYPES))
    return value


LaunchType = Annotated[
    str | None,
    BeforeValidator(_launch_type),
    WithJsonSchema({"anyOf": [{"enum": list(LAUNCH_TYPES)}, {"type": "null"}]}),
]


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
    check(one_of_problem(value, CONTROLLERS), at)
    return value


class _Rule(FileModel):
    """A placement rule: its ``type`` first, then what the type takes."""

    REQUIRED: ClassVar[tuple[str, ...] | None] = ("type",)


class PlacementConstraint(_Rule):
    type: ConstraintType
    expression: Text = None

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


class PlacementStrategy(_Rule):
    type: StrategyType
    field: Text = None

    @model_validator(mode="after")
    def _rule(self) -> PlacementStrategy:
        found = strategy_problem((self.type, self.field))
        if found:
            raise problem(found, ("field" if self.type != "random" else "type",))
        return self


class LoadBalancer(FileModel):
    targetGroupArn: Text = None
    loadBalancerName: Text = None
    containerName: Text = None
    containerPort: Port = None

    @classmethod
    def before(cls, raw: dict[str, Any]) -> None:
        for key, value in raw.items():  # a field given is given a value
            if value is None and key in cls.model_fields:
                check(port_problem(None) if key == "containerPort" else text_problem(None), (key,))


LoadBalancer.ECS_IGNORED = tuple(
    f for f in ecs_shapes.LOAD_BALANCER if f not in LoadBalancer.model_fields
)


class PortMapping(FileModel):
    """A port mapping of the short form."""

    containerPort: Port = None
    hostPort: HostPort = None
    protocol: Protocol = None
    containerPortRange: Annotated[
        str | None, WithJsonSchema({"type": "string", "pattern": r"^\s*\d+\s*-\s*\d+\s*$"})
    ] = None
    name: Text = None


class TaskDefinitionShort(FileModel):
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
    props["portMappings"] = {"anyOf": [{"type": "array", "items": port_mapping}, {"type": "null"}]}
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
        check(text_problem(value))
    return value  # a mapping: read by planner.inputs.taskdef, with its lines


WholeItem = field_type(int, WHOLE.problem, {"type": "integer", "minimum": 0}, required=True)
Counts = listing(WholeItem)
LoadBalancers = listing(LoadBalancer)
Constraints = listing(
    PlacementConstraint,
    most=MAX_CONSTRAINTS,
    too_many=lambda n: f"ECS takes at most {MAX_CONSTRAINTS} constraints, got {n}",
)
Strategies = listing(PlacementStrategy, most=MAX_STRATEGY_RULES, too_many=too_many_strategy_rules)


class Service(FileModel):
    WHAT: ClassVar[str] = "a service (a mapping)"
    #: desiredCount and taskDefinition: in :meth:`before`, after schedulingStrategy.
    REQUIRED: ClassVar[tuple[str, ...] | None] = ("name",)
    ECS_IGNORED: ClassVar[tuple[str, ...]] = ()  # set below: the Service shape's others

    name: RequiredText
    desiredCount: Whole = None
    taskDefinition: Annotated[Any, BeforeValidator(_taskdef), WithJsonSchema(_taskdef_schema(True))]
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
    launchType: LaunchType = Field(
        None,
        description="EC2 or EXTERNAL: the service runs on the cluster's instances without "
        "a capacity provider strategy (not beside capacityProviderStrategy)",
    )
    capacityProviderStrategy: ProviderStrategy = Field(
        None,
        description="the capacity providers its tasks go to (ROLLOUT.md §10); absent or []: "
        "the cluster's defaultCapacityProviderStrategy, unless launchType is given",
    )

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
            check(one_of_problem(raw["schedulingStrategy"], SCHEDULING), ("schedulingStrategy",))
        if not daemon:
            if "desiredCount" not in raw:
                raise problem("is required but missing", ("desiredCount",))
            check(WHOLE.problem(raw["desiredCount"]), ("desiredCount",))
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
            check(found, ("newPlacement",))
        check(
            launch_type_problem(self.launchType, bool(self.capacityProviderStrategy)),
            ("launchType",),
        )
        config = self.deploymentConfiguration
        if config is not None and config.deploymentCircuitBreaker is not None:
            controller = self.deploymentController or "ECS"
            all_at_once = config.strategy in ALL_AT_ONCE_STRATEGIES or controller == "CODE_DEPLOY"
            breaker = config.deploymentCircuitBreaker.breaker()
            found = breaker_problem(breaker, all_at_once, controller)
            check(found, ("deploymentConfiguration", "deploymentCircuitBreaker", "enable"))
        return self


Service.ECS_IGNORED = tuple(f for f in ecs_shapes.SERVICE if f not in Service.model_fields)


class Timing(FileModel):
    deregistrationDelay: Whole = None
    healthCheckGracePeriod: Whole = None
    healthCheckIntervalSeconds: Positive = None
    healthyThresholdCount: Positive = None
    stopTimeout: Whole = None
    taskStartSeconds: Whole = None


Services = listing(Service, non_empty=True, required=True)
