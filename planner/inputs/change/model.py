"""What every change reader gives: the services and task definitions a change creates or
updates, the capacity it adds, in the scenario file's shapes (docs/CONTRACT.md), each with
where the change declares it.

Each reader (``terraform``, ``cloudformation``, ``ecspresso``) turns its file into one
:class:`Change`; :func:`planner.inputs.change.apply.apply_changes` lays the changes over a
cluster's scenario mapping (a scenario file's, or an import's), so one loader validates
both. A reader checks what it reads (what ECS would refuse to create, a value it cannot
resolve) and raises a :class:`~planner.errors.PlannerError` naming the change file and its
line (or JSON pointer, or resource address) and field; it never leaves the check to the
scenario loader, whose messages would name the cluster's file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

#: The formats ``--change-format`` takes.
FORMATS = ("terraform", "cloudformation", "ecspresso")

Action = Literal["create", "update", "replace"]


@dataclass(frozen=True)
class Origin:
    """Where a change file declares a resource: for messages and CI annotations.

    Parameters
    ----------
    file
        The change file as the user named it.
    line
        1-based line of the resource's declaration (YAML and JSON templates, ecspresso
        files); None where the file has no lines to give (a Terraform plan).
    address
        The resource's name in the change: a Terraform address (``aws_ecs_service.web``),
        a CloudFormation logical id (``WebService``), or ecspresso's ``service`` /
        ``task_definition`` path.
    """

    file: str
    line: int | None = None
    address: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where} ({self.address})" if self.address else where


@dataclass(frozen=True)
class TaskDefinitionChange:
    """A task definition the change registers.

    Parameters
    ----------
    family
        Its family.
    definition
        In the ECS API's ``RegisterTaskDefinition`` shape (``family``, ``cpu``,
        ``memory``, ``networkMode``, ``containerDefinitions``, ``placementConstraints``),
        values resolved; a scenario's ``newTaskDefinition`` takes it as it is.
    origin
        Where the change declares it.
    """

    family: str
    definition: dict[str, Any]
    origin: Origin


@dataclass(frozen=True)
class ServiceChange:
    """A service the change creates or updates.

    Parameters
    ----------
    name
        The service's name (``serviceName``).
    fields
        Only what the change sets, in the scenario file's service shape (CONTRACT.md):
        ``desiredCount``, ``deploymentConfiguration``, ``deploymentController``,
        ``schedulingStrategy``, ``placementConstraints``, ``placementStrategy``,
        ``capacityProviderStrategy``, ``launchType``, ``loadBalancers``. Not ``name``,
        ``taskDefinition``, ``placement`` nor ``deploy`` (the apply step sets those).
    task_definition
        The revision it rolls out, or None: the one it runs now (a change of settings
        only; ECS still starts a new deployment where the settings say so).
    action
        ``create``, ``update`` or ``replace`` (Terraform's words; a template's resources
        are ``update`` when the cluster has the service, else ``create``).
    origin
        Where the change declares it.
    cluster
        The cluster the change names for it (a name, or the last part of an ARN), or None
        where it names none or one the reader cannot resolve; checked against the
        cluster's name where that is known.
    network_configuration
        Where the change declares the service's ``networkConfiguration`` (awsvpc
        subnets and security groups), as a field path for messages (e.g.
        ``Properties.NetworkConfiguration``); None where it declares none. ECS refuses
        it for a task definition whose network mode is not ``awsvpc``: the apply step
        checks that against the revision rolled out.
    name_generated
        The change gives no name (a CloudFormation service without ``ServiceName``: it
        generates one, so ``name`` is the logical id): the apply step matches the
        cluster's service by the task definition's family where no service has ``name``.
    new_desired_count
        How many tasks a *new* service starts where the change sets no ``desiredCount``
        (CloudFormation: 1; Terraform's provider: 0); a running service keeps its count.
    replaces
        The service the change deletes before it creates this one (Terraform's replace,
        destroy first: ``["delete", "create"]``): its tasks are gone, and this service
        starts from zero; None otherwise.
    """

    name: str
    fields: dict[str, Any]
    task_definition: TaskDefinitionChange | None
    action: Action
    origin: Origin
    cluster: str | None = None
    network_configuration: str | None = None
    name_generated: bool = False
    new_desired_count: int = 0
    replaces: str | None = None


@dataclass
class Change:
    """One change file, read.

    Parameters
    ----------
    file
        As the user named it.
    format
        One of :data:`FORMATS`.
    services
        The services it creates or updates.
    task_definitions
        Task definitions no service of the change uses: each rolls out on the cluster's
        services of its family.
    capacity_providers
        Capacity providers it creates or updates, in the scenario's
        ``cluster.capacityProviders`` item shape (``name``, ``autoScalingGroup`` with
        ``instanceTypes``, ``availabilityZones``, ``minSize``, ``maxSize``, and
        ``instances``: how many a new group starts with; ``managedScaling``), resolved
        through the change's Auto Scaling group and launch template resources.
    default_strategy
        The cluster's ``defaultCapacityProviderStrategy`` where the change sets it.
    skipped
        One line per resource read but not applied, with why (``aws_ecs_service.old:
        deleted, not a rollout``; a no-op).
    assumptions
        One line per value the change leaves open that planner took ECS's default for
        (``task definition web: networkMode unknown until apply; ECS's default bridge on
        EC2 Linux``).
    origins
        Where each capacity provider is declared, by name.
    """

    file: str
    format: str
    services: list[ServiceChange] = field(default_factory=list)
    task_definitions: list[TaskDefinitionChange] = field(default_factory=list)
    capacity_providers: list[dict[str, Any]] = field(default_factory=list)
    default_strategy: list[dict[str, Any]] | None = None
    skipped: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    origins: dict[str, Origin] = field(default_factory=dict)
