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

The package's rooms, lowest first:

* :mod:`~planner.inputs.schema.fields`: the field types and the plumbing of messages;
* :mod:`~planner.inputs.schema.reacting`: the cluster that reacts (capacity providers,
  strategies, the circuit breaker, ``reacting:``);
* :mod:`~planner.inputs.schema.cluster`: the cluster's models (instance groups, agent;
  its capacity providers linked to its groups);
* :mod:`~planner.inputs.schema.services`: the services' and task definitions' models;
* :mod:`~planner.inputs.schema.document`: the whole file, validating a document and the
  JSON Schema.
"""

from planner.inputs.schema.cluster import (
    Agent,
    Cluster,
    InlineGroup,
    TypedGroup,
    group_name,
)
from planner.inputs.schema.document import (
    ScenarioFile,
    Validated,
    check_document,
    scenario_schema,
    schema_text,
    validate,
)
from planner.inputs.schema.reacting import (
    AutoScalingGroup,
    CapacityProvider,
    CircuitBreaker,
    ManagedScaling,
    Reacting,
    StrategyItem,
    ThresholdConfiguration,
)
from planner.inputs.schema.services import (
    CONSTRAINT_TYPES,
    NESTED_FORMS,
    CanaryConfiguration,
    DeploymentConfiguration,
    LinearConfiguration,
    LoadBalancer,
    PlacementConstraint,
    PlacementStrategy,
    PortMapping,
    Service,
    TaskDefinitionShort,
    Timing,
)
from planner.inputs.yamlsafe import format_path

__all__ = [
    "CONSTRAINT_TYPES",
    "NESTED_FORMS",
    "Agent",
    "AutoScalingGroup",
    "CanaryConfiguration",
    "CapacityProvider",
    "CircuitBreaker",
    "Cluster",
    "DeploymentConfiguration",
    "InlineGroup",
    "LinearConfiguration",
    "LoadBalancer",
    "ManagedScaling",
    "PlacementConstraint",
    "PlacementStrategy",
    "PortMapping",
    "Reacting",
    "ScenarioFile",
    "Service",
    "StrategyItem",
    "TaskDefinitionShort",
    "ThresholdConfiguration",
    "Timing",
    "TypedGroup",
    "Validated",
    "check_document",
    "format_path",
    "group_name",
    "scenario_schema",
    "schema_text",
    "validate",
]
