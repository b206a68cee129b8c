"""What every reader of a CloudFormation template's resources uses: the resource types,
paths and lines, errors that name the template, values resolved where needed
(:mod:`planner.inputs.change.cfn_intrinsics`)."""

from __future__ import annotations

from typing import Any

from planner.errors import PlannerError
from planner.inputs.change.cfn_intrinsics import NO_VALUE, Resolver, ResourceRef, Unresolved, shown
from planner.inputs.change.model import Change, Origin
from planner.inputs.located import Located, format_path

Path_ = tuple[str | int, ...]

SERVICE = "AWS::ECS::Service"
TASK_DEFINITION = "AWS::ECS::TaskDefinition"
CLUSTER = "AWS::ECS::Cluster"
CAPACITY_PROVIDER = "AWS::ECS::CapacityProvider"
ASSOCIATIONS = "AWS::ECS::ClusterCapacityProviderAssociations"
GROUP = "AWS::AutoScaling::AutoScalingGroup"
LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"
LAUNCH_CONFIGURATION = "AWS::AutoScaling::LaunchConfiguration"

#: The capacity providers of Fargate, which every account has.
FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")

#: The resource types a change is read from (the groups and launch templates only
#: through the capacity providers that name them).
READ_TYPES = (SERVICE, TASK_DEFINITION, CLUSTER, CAPACITY_PROVIDER, ASSOCIATIONS, GROUP)

#: Deployment configuration: CloudFormation's names -> the scenario's.
_DEPLOYMENT = {
    "MinimumHealthyPercent": "minimumHealthyPercent",
    "MaximumPercent": "maximumPercent",
    "Strategy": "strategy",
    "BakeTimeInMinutes": "bakeTimeInMinutes",
}
_NESTED_DEPLOYMENT = {
    "DeploymentCircuitBreaker": ("deploymentCircuitBreaker", ("Enable", "Rollback")),
    "LinearConfiguration": ("linearConfiguration", ("StepPercent", "StepBakeTimeInMinutes")),
    "CanaryConfiguration": ("canaryConfiguration", ("CanaryPercent", "CanaryBakeTimeInMinutes")),
}
_SCALING = (
    "Status",
    "TargetCapacity",
    "MinimumScalingStepSize",
    "MaximumScalingStepSize",
    "InstanceWarmupPeriod",
)
_CONTAINER_NUMBERS = ("Cpu", "Memory", "MemoryReservation")
_PORT_FIELDS = ("ContainerPort", "HostPort", "Protocol", "ContainerPortRange")


def _is_function(value: Any) -> bool:
    """Whether ``value`` is an intrinsic function (``{"Ref": ...}``, ``{"Fn::If": ...}``)."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = next(iter(value))
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::"))


def _camel(name: Any) -> str:
    text = str(name)
    return text[:1].lower() + text[1:]


class Reading:
    """What every reader of a template's resources uses: paths, lines, errors, resolving."""

    def __init__(self, located: Located, resolver: Resolver) -> None:
        self.located = located
        self.file = located.file
        self.r = resolver
        self.resources: dict[str, Any] = located.data["Resources"]
        self.change = Change(file=self.file, format="cloudformation")

    # -- helpers --------------------------------------------------------------------

    def path(self, lid: str, *props: str | int) -> Path_:
        return ("Resources", lid, "Properties", *props)

    def error(self, path: Path_, message: str) -> PlannerError:
        return PlannerError(
            message, file=self.file, line=self.located.line(path), field=format_path(path)
        )

    def origin(self, lid: str) -> Origin:
        return Origin(self.file, self.located.line(("Resources", lid)), lid)

    def props(self, lid: str) -> dict[str, Any]:
        found = self.resources[lid].get("Properties")
        return found if isinstance(found, dict) else {}

    def kind(self, value: Any) -> str | None:
        """The type of the resource a ResourceRef names."""
        if isinstance(value, ResourceRef):
            return str(self.resources[value.logical_id].get("Type"))
        return None

    def need(self, path: Path_, value: Any, what: str) -> Any:
        """``value`` resolved; a value the verdict needs and planner cannot know refused."""
        try:
            got = self.r.resolve(value)
        except Unresolved as exc:
            raise self.error(
                path, f"{exc.reason}; planner needs {what} for the verdict: {exc.hint}"
            ) from None
        return None if got is NO_VALUE else got

    def maybe(self, value: Any) -> Any:
        """``value`` resolved, or None where planner cannot know it (not needed)."""
        try:
            got = self.r.resolve(value)
        except Unresolved:
            return None
        return None if got is NO_VALUE else got

    def whole(self, path: Path_, value: Any, what: str) -> int | None:
        got = self.need(path, value, what)
        if got is None:
            return None
        if isinstance(got, str) and got.strip().isdigit():
            return int(got)
        if isinstance(got, int) and not isinstance(got, bool) and got >= 0:
            return got
        raise self.error(path, f"{what} must be a whole number, got {shown(got)}")

    def text(self, path: Path_, value: Any, what: str) -> str | None:
        got = self.need(path, value, what)
        if got is None:
            return None
        if isinstance(got, (ResourceRef, dict, list)):
            raise self.error(path, f"{what} must be text, got {shown(got)}")
        return str(got)

    def items(self, at: Path_, value: Any, what: str) -> list[tuple[Path_, Any]] | None:
        """The items of a list property, each with its path, unresolved below the item (so
        an error names the item's own field and line); None where the property is absent."""
        got = self.need(at, value, what) if _is_function(value) else value
        if got is None:
            return None
        if not isinstance(got, list):
            raise self.error(at, f"{what} must be a list, got {shown(got)}")
        out = []
        for k, item in enumerate(got):
            if _is_function(item):
                item = self.need((*at, k), item, what)
                if item is None:
                    continue
            if not isinstance(item, dict):
                raise self.error((*at, k), f"must be a mapping, got {shown(item)}")
            out.append(((*at, k), item))
        return out

    def note(self, line: str) -> None:
        if line not in self.change.assumptions:
            self.change.assumptions.append(line)
