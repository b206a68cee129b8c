"""The services and task definitions of a CloudFormation template, read into a change:
the rules are in :mod:`planner.inputs.change.cloudformation`."""

from __future__ import annotations

from typing import Any

from planner.errors import PlannerError
from planner.inputs.change.cfn_capacity import CapacityReading
from planner.inputs.change.cfn_intrinsics import ResourceRef, Unresolved, shown
from planner.inputs.change.cfn_reading import (
    _CONTAINER_NUMBERS,
    _DEPLOYMENT,
    _NESTED_DEPLOYMENT,
    _PORT_FIELDS,
    ASSOCIATIONS,
    CAPACITY_PROVIDER,
    CLUSTER,
    FARGATE_PROVIDERS,
    GROUP,
    READ_TYPES,
    SERVICE,
    TASK_DEFINITION,
    Path_,
    _camel,
    _is_function,
)
from planner.inputs.change.model import Change, ServiceChange, TaskDefinitionChange
from planner.inputs.located import Located
from planner.inputs.taskdef import taskdef_from_ecs
from planner.model.scenario import CONTROLLERS, LAUNCH_TYPES, SCHEDULING

NESTED_STACK = "AWS::CloudFormation::Stack"

FARGATE_SKIP = (
    "runs on Fargate, whose tasks take no room on the cluster's instances; not a rollout "
    "planner models"
)


class TemplateReader(CapacityReading):
    """Reads one template's resources into a :class:`Change`."""

    def __init__(self, located: Located, resolver: Any) -> None:
        super().__init__(located, resolver)
        self.task_definitions: dict[str, TaskDefinitionChange] = {}
        self.used: set[str] = set()

    # -- the template ---------------------------------------------------------------

    def read(self) -> Change:
        by_type: dict[str, list[str]] = {}
        for lid, resource in self.resources.items():
            if isinstance(lid, str) and lid.startswith("Fn::ForEach::"):
                self.change.skipped.append(
                    f"{lid}: resources the AWS::LanguageExtensions transform makes; planner "
                    "reads the template as written"
                )
                continue
            if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
                raise self.error(
                    ("Resources", lid), "must be a resource: a mapping with Type (text)"
                )
            # Only the resources planner reads have their Condition evaluated: another
            # one's may name a parameter the verdict does not need.
            if resource["Type"] in READ_TYPES and self.created(lid):
                by_type.setdefault(resource["Type"], []).append(lid)
        for lid, resource in self.resources.items():
            if isinstance(resource, dict) and resource.get("Type") == NESTED_STACK:
                self.change.skipped.append(
                    f"{lid} ({NESTED_STACK}): a nested stack; planner reads this template "
                    "only: give the nested template as its own --change, its Parameters "
                    "as --parameter"
                )
        transform = self.located.data.get("Transform")
        if transform is not None:
            self.note(
                f"the template declares Transform {shown(transform)}: planner reads it as "
                "written, before CloudFormation applies the transform"
            )
        grouped: set[str] = set()
        for lid in by_type.get(CAPACITY_PROVIDER, []):
            provider = self.capacity_provider(lid)
            if provider is not None:
                grouped.add(provider.pop("_group"))
                self.change.capacity_providers.append(provider)
                self.change.origins[provider["name"]] = self.origin(lid)
        for lid in by_type.get(GROUP, []):
            if lid not in grouped:
                self.change.skipped.append(
                    f"{lid} ({GROUP}): no capacity provider of the template uses it"
                )
        for lid in by_type.get(CLUSTER, []) + by_type.get(ASSOCIATIONS, []):
            self.default_strategy(lid)
        for lid in by_type.get(SERVICE, []):
            service = self.service(lid)
            if service is not None:
                self.change.services.append(service)
        for lid in by_type.get(TASK_DEFINITION, []):
            if lid in self.used:
                continue
            if self.maybe(self.props(lid).get("RequiresCompatibilities")) == ["FARGATE"]:
                self.change.skipped.append(
                    f"{lid} ({TASK_DEFINITION}): Fargate only (RequiresCompatibilities), "
                    "it runs on no instance of the cluster"
                )
                continue
            self.change.task_definitions.append(self.task_definition(lid))
        return self.change

    def created(self, lid: str) -> bool:
        """Whether the resource is created: its Condition, if any, is true."""
        name = self.resources[lid].get("Condition")
        if name is None:
            return True
        try:
            made = self.r.condition(name)
        except Unresolved as exc:
            raise self.error(
                ("Resources", lid, "Condition"),
                f"{exc.reason}; planner needs it to know whether {lid} is created: {exc.hint}",
            ) from None
        if not made:
            self.change.skipped.append(f"{lid}: condition {name} is false, not created")
        return made

    # -- services -------------------------------------------------------------------

    def not_modelled(self, props: dict[str, Any]) -> str | None:
        """Why planner does not model the service's rollout, or None: Fargate only (its
        launch type, or a strategy of Fargate's providers only), whose tasks take no room
        on the cluster's instances; an EXTERNAL deployment controller (task sets)."""
        if self.maybe(props.get("LaunchType")) == "FARGATE":
            return FARGATE_SKIP
        strategy = self.maybe(props.get("CapacityProviderStrategy"))
        if isinstance(strategy, list) and strategy:
            providers = [i.get("CapacityProvider") for i in strategy if isinstance(i, dict)]
            if all(p in FARGATE_PROVIDERS for p in providers):
                return FARGATE_SKIP
        controller = self.maybe(props.get("DeploymentController"))
        if isinstance(controller, dict) and controller.get("Type") == "EXTERNAL":
            return (
                "an EXTERNAL deployment controller deploys it (task sets); planner models "
                "ECS's rolling and blue/green deployments and CodeDeploy's"
            )
        return None

    def service(self, lid: str) -> ServiceChange | None:
        props = self.props(lid)
        why = self.not_modelled(props)
        if why is not None:
            used = self.maybe(props.get("TaskDefinition"))
            if self.kind(used) == TASK_DEFINITION:
                assert isinstance(used, ResourceRef)
                self.used.add(used.logical_id)
            self.change.skipped.append(f"{lid} ({SERVICE}): {why}")
            return None
        name = self.text(self.path(lid, "ServiceName"), props.get("ServiceName"), "ServiceName")
        generated = name is None
        if name is None:
            name = lid
            self.note(
                f"service {lid}: no ServiceName; CloudFormation generates one (stack name, "
                f"logical id and a random suffix), so planner calls it {lid}: the "
                "cluster's service of that name, else the one running its task definition's "
                "family, else a new one"
            )
        fields = self.service_fields(lid, props)
        if "desiredCount" not in fields and fields.get("schedulingStrategy") != "DAEMON":
            self.note(
                f"service {name}: no DesiredCount; a new service starts 1 task, a running "
                "one keeps its count (CloudFormation's default)"
            )
        network = None
        if self.present(self.path(lid, "NetworkConfiguration"), props.get("NetworkConfiguration")):
            network = "Properties.NetworkConfiguration"  # the apply step adds the logical id
        return ServiceChange(
            name=name,
            fields=fields,
            task_definition=self.service_task_definition(lid, name, props),
            action="update",
            origin=self.origin(lid),
            cluster=self.cluster_name(props.get("Cluster")),
            network_configuration=network,
            name_generated=generated,
            new_desired_count=1,
        )

    def one_of(self, at: Path_, value: Any, allowed: tuple[str, ...]) -> Any:
        """``value``, which must be one of ``allowed`` (ECS's words planner models)."""
        if value not in allowed:
            raise self.error(at, f"must be one of {', '.join(allowed)}, got {shown(value)}")
        return value

    def present(self, at: Path_, value: Any) -> bool:
        """Whether a property is set: absent, or ``AWS::NoValue`` through ``Fn::If``, is not
        (only the conditions are evaluated; what is inside need not resolve)."""
        if value is None or value == {"Ref": "AWS::NoValue"}:
            return False
        if _is_function(value) and "Fn::If" in value:
            arg = value["Fn::If"]
            if isinstance(arg, list) and len(arg) == 3:
                try:
                    chosen = arg[1] if self.r.condition(arg[0]) else arg[2]
                except Unresolved as exc:
                    raise self.error(
                        at, f"{exc.reason}; planner needs it to know whether it is set: {exc.hint}"
                    ) from None
                return self.present(at, chosen)
        return True

    def service_fields(self, lid: str, props: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        count = self.whole(
            self.path(lid, "DesiredCount"), props.get("DesiredCount"), "DesiredCount"
        )
        if count is not None:
            fields["desiredCount"] = count
        deployment = self.deployment(lid, props.get("DeploymentConfiguration"))
        if deployment:
            fields["deploymentConfiguration"] = deployment
        controller = self.need(
            self.path(lid, "DeploymentController"),
            props.get("DeploymentController"),
            "DeploymentController",
        )
        if isinstance(controller, dict) and controller.get("Type") is not None:
            fields["deploymentController"] = {"type": controller["Type"]}
            self.one_of(
                self.path(lid, "DeploymentController", "Type"), controller["Type"], CONTROLLERS
            )
        for cfn, ours in (
            ("LaunchType", "launchType"),
            ("SchedulingStrategy", "schedulingStrategy"),
        ):
            got = self.text(self.path(lid, cfn), props.get(cfn), cfn)
            if got is not None:
                allowed = LAUNCH_TYPES if cfn == "LaunchType" else SCHEDULING
                fields[ours] = self.one_of(self.path(lid, cfn), got, allowed)
        for cfn, ours in (
            ("PlacementConstraints", "placementConstraints"),
            ("PlacementStrategies", "placementStrategy"),
        ):
            rules = self.rules(lid, cfn, props.get(cfn))
            if rules is not None:
                fields[ours] = rules
        strategy = self.strategy(
            self.path(lid, "CapacityProviderStrategy"), props.get("CapacityProviderStrategy")
        )
        if strategy is not None:
            fields["capacityProviderStrategy"] = strategy
        balancers = self.load_balancers(props.get("LoadBalancers"))
        if balancers:
            fields["loadBalancers"] = balancers
        return fields

    def deployment(self, lid: str, value: Any) -> dict[str, Any]:
        at = self.path(lid, "DeploymentConfiguration")
        given = self.need(at, value, "DeploymentConfiguration") if _is_function(value) else value
        if not isinstance(given, dict):
            return {}
        out: dict[str, Any] = {}
        for cfn, ours in _DEPLOYMENT.items():
            if given.get(cfn) is None:
                continue
            if cfn == "Strategy":
                out[ours] = self.text((*at, cfn), given[cfn], cfn)
            else:
                out[ours] = self.whole((*at, cfn), given[cfn], cfn)
        for cfn, (ours, keys) in _NESTED_DEPLOYMENT.items():
            nested = (
                self.need((*at, cfn), given.get(cfn), cfn) if given.get(cfn) is not None else None
            )
            if isinstance(nested, dict):
                out[ours] = {
                    _camel(k): _boolean(nested[k]) for k in keys if nested.get(k) is not None
                }
        return {k: v for k, v in out.items() if v is not None}

    def rules(self, lid: str, prop: str, value: Any) -> list[dict[str, Any]] | None:
        listed = self.items(self.path(lid, prop), value, prop)
        if listed is None:
            return None
        out = []
        for at, item in listed:
            said = {key: self.text((*at, key), v, key) for key, v in item.items()}
            out.append({_camel(k): v for k, v in said.items() if v is not None})  # NoValue
        return out

    def load_balancers(self, value: Any) -> list[dict[str, Any]]:
        """Each load balancer's container and port, where they resolve (not needed)."""
        got = self.maybe(value)
        out = []
        for item in got if isinstance(got, list) else []:
            if not isinstance(item, dict):
                continue
            entry: dict[str, Any] = {}
            name, port = item.get("ContainerName"), item.get("ContainerPort")
            if isinstance(name, str):
                entry["containerName"] = name
            if isinstance(port, str) and port.isdigit():
                port = int(port)
            if isinstance(port, int) and not isinstance(port, bool):
                entry["containerPort"] = port
            if entry:
                out.append(entry)
        return out

    def service_task_definition(
        self, lid: str, name: str, props: dict[str, Any]
    ) -> TaskDefinitionChange | None:
        if props.get("TaskDefinition") is None:
            return None
        try:
            self.r.resolve(props["TaskDefinition"])
        except Unresolved as exc:
            if exc.hint.startswith("fix"):  # a Ref to no resource: CloudFormation refuses
                at = self.path(lid, "TaskDefinition")
                raise self.error(at, f"{exc.reason} (CloudFormation refuses it)") from None
        got = self.maybe(props["TaskDefinition"])
        if self.kind(got) == TASK_DEFINITION:
            assert isinstance(got, ResourceRef)
            self.used.add(got.logical_id)
            return self.task_definition(got.logical_id)
        self.note(
            f"service {name}: its TaskDefinition "
            f"({'a value known at deploy' if got is None else got}) "
            "is not a task definition of the template; planner takes the revision the "
            "service runs now"
        )
        return None

    def cluster_name(self, value: Any) -> str | None:
        got = self.maybe(value)
        if self.kind(got) == CLUSTER:
            assert isinstance(got, ResourceRef)
            named = self.maybe(self.props(got.logical_id).get("ClusterName"))
            if isinstance(named, str):
                return named
            self.note(
                f"cluster {got.logical_id}: no ClusterName; CloudFormation generates one, so "
                "the services' cluster is not checked by name"
            )
            return None
        if isinstance(got, str) and got:
            return got.rsplit("/", 1)[-1]
        return None

    def task_definition(self, lid: str) -> TaskDefinitionChange:
        if lid in self.task_definitions:
            return self.task_definitions[lid]
        props = self.props(lid)
        family = self.maybe(props.get("Family"))
        if not isinstance(family, str) or not family:
            why = (
                "no Family; CloudFormation generates one"
                if props.get("Family") is None
                else "its Family is known only when the stack deploys"
            )
            family = lid
            self.note(f"task definition {lid}: {why}, so planner calls it {lid}")
        definition: dict[str, Any] = {"family": family}
        lines: dict[Path_, int] = {(): self.located.line(("Resources", lid)) or 1}
        for cfn, ours in (("Cpu", "cpu"), ("Memory", "memory"), ("NetworkMode", "networkMode")):
            got = self.text(self.path(lid, cfn), props.get(cfn), f"the task's {cfn}")
            if got is not None:
                definition[ours] = got
                lines[(ours,)] = self.located.line(self.path(lid, cfn)) or lines[()]
        if "networkMode" not in definition:
            definition["networkMode"] = "bridge"
            self.note(
                f"task definition {family}: no NetworkMode; ECS's default bridge on EC2 Linux"
            )
        definition["containerDefinitions"] = self.containers(lid, props, lines)
        constraints = self.rules(lid, "PlacementConstraints", props.get("PlacementConstraints"))
        if constraints:
            definition["placementConstraints"] = constraints
        change = TaskDefinitionChange(family, definition, self.origin(lid))
        self.check(lid, definition, lines)
        self.task_definitions[lid] = change
        return change

    def containers(
        self, lid: str, props: dict[str, Any], lines: dict[Path_, int]
    ) -> list[dict[str, Any]]:
        at = self.path(lid, "ContainerDefinitions")
        raw = props.get("ContainerDefinitions")
        if isinstance(raw, dict):
            raw = self.need(at, raw, "ContainerDefinitions")
        if not isinstance(raw, list) or not raw:
            raise self.error(at, "is required: a list of container definitions")
        out = []
        for i, container in enumerate(raw):
            where = (*at, i)
            if _is_function(container):
                container = self.need(where, container, "the container definition")
            if not isinstance(container, dict):
                raise self.error(where, f"must be a container definition, got {shown(container)}")
            one: dict[str, Any] = {}
            name = self.maybe(container.get("Name"))
            if isinstance(name, str):
                one["name"] = name
            lines[("containerDefinitions", i)] = self.located.line(where) or lines[()]
            for key in _CONTAINER_NUMBERS:
                got = self.whole((*where, key), container.get(key), f"the container's {key}")
                if got is not None:
                    one[_camel(key)] = got
                    lines[("containerDefinitions", i, _camel(key))] = (
                        self.located.line((*where, key)) or lines[()]
                    )
            ports = self.port_mappings((*where, "PortMappings"), container.get("PortMappings"))
            if ports:
                one["portMappings"] = ports
            for j in range(len(ports)):
                lines[("containerDefinitions", i, "portMappings", j)] = (
                    self.located.line((*where, "PortMappings", j)) or lines[()]
                )
            out.append(one)
        return out

    def port_mappings(self, at: Path_, value: Any) -> list[dict[str, Any]]:
        out = []
        for where, mapping in self.items(at, value, "PortMappings") or []:
            one: dict[str, Any] = {}
            for key in _PORT_FIELDS:
                if mapping.get(key) is None:
                    continue
                if key in ("ContainerPort", "HostPort"):
                    one[_camel(key)] = self.whole((*where, key), mapping[key], key)
                else:
                    one[_camel(key)] = self.text((*where, key), mapping[key], key)
            out.append({k: v for k, v in one.items() if v is not None})
        return out

    def check(self, lid: str, definition: dict[str, Any], lines: dict[Path_, int]) -> None:
        """Refuse, at the template's lines, what ECS would refuse to register."""
        located = Located(data=definition, lines=lines, file=self.file)
        try:
            taskdef_from_ecs(definition, located, (), source=self.file)
        except PlannerError as exc:
            raise PlannerError(
                exc.message,
                file=self.file,
                line=exc.line,
                field=f"Resources.{lid}.Properties (as ECS reads it: {exc.field or 'the task'})",
            ) from None


def _boolean(value: Any) -> Any:
    """A CloudFormation boolean as the API reads it: ``true``/``false`` in any case, as a
    parameter (always a string) or a quoted scalar gives it; anything else as it is (the
    loader words what is wrong with it)."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value
