"""A Terraform plan, as ``terraform show -json PLANFILE`` prints it (format 0.1 to 1.x).

Read from ``resource_changes``, each resource by its address (:attr:`Origin.address`):

* ``aws_ecs_service`` and ``aws_ecs_task_definition`` created, updated or replaced
  (``["delete", "create"]`` or ``["create", "delete"]``); deleted and unchanged ones are
  listed in :attr:`Change.skipped`, ``read`` (data sources) ignored.
* A service's ``task_definition`` known in the plan is an existing revision (the change
  rolls it out where it differs from the one before); unknown until apply, it is resolved
  through ``configuration`` (the root module and ``module_calls``): a reference to
  ``aws_ecs_task_definition.X`` of the same plan is that task definition.
* A task definition changed that no service of the plan uses: :attr:`Change.task_definitions`
  (it rolls out on the cluster's services of its family).
* ``container_definitions`` is the JSON string the provider keeps: parsed; the fields planner
  reads are kept (``name``, ``cpu``, ``memory``, ``memoryReservation``, ``portMappings``).
* A value the plan leaves unknown that ECS defaults (``network_mode``: ``bridge`` on EC2
  Linux) takes ECS's default, with a line in :attr:`Change.assumptions`.
* ``aws_ecs_capacity_provider`` with its ``aws_autoscaling_group`` and ``aws_launch_template``,
  and ``aws_ecs_cluster_capacity_providers`` (the default strategy): the scenario's
  ``cluster.capacityProviders`` items.

Fargate services (``launch_type`` or a strategy of ``FARGATE``/``FARGATE_SPOT``) take no
room on container instances: skipped, and listed. Errors name the file, the resource
address and the field.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs.change.detect import PLAN_COMMAND, read_text
from planner.inputs.change.model import Action, Change, Origin, ServiceChange, TaskDefinitionChange

SERVICE = "aws_ecs_service"
TASK_DEFINITION = "aws_ecs_task_definition"
CAPACITY_PROVIDER = "aws_ecs_capacity_provider"
ASG = "aws_autoscaling_group"
LAUNCH_TEMPLATE = "aws_launch_template"
CLUSTER_PROVIDERS = "aws_ecs_cluster_capacity_providers"
#: The container fields planner reads (the rest of the provider's JSON is ignored).
CONTAINER_FIELDS = ("name", "cpu", "memory", "memoryReservation", "portMappings")
PORT_FIELDS = ("containerPort", "hostPort", "protocol", "containerPortRange")
FARGATE = ("FARGATE", "FARGATE_SPOT")
#: What a service's attribute left unknown by the plan is taken as (ECS's default, or the
#: cluster's value: the field is then not set).
UNKNOWN_SERVICE_DEFAULTS = {
    "desired_count": "planner keeps the cluster's (0 for a new service)",
    "deployment_minimum_healthy_percent": "planner keeps the cluster's (ECS's default: 100)",
    "deployment_maximum_percent": "planner keeps the cluster's (ECS's default: 200)",
    "scheduling_strategy": "planner keeps the cluster's (ECS's default: REPLICA)",
}
_INDEX = re.compile(r"\[[^\]]*\]$")


def read_terraform(path: str | Path) -> Change:
    """Read a plan's JSON into a :class:`Change`.

    Raises
    ------
    PlannerError
        Naming the file, the resource address and the field: a plan planner cannot read
        (a format version after 1.x, a state file), a ``container_definitions`` that is not
        JSON, a value planner needs that the plan leaves unknown.
    """
    return _Plan(str(path), read_text(path)).read()


class _Plan:
    def __init__(self, file: str, text: str) -> None:
        self.file = file
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PlannerError(f"not valid JSON: {exc.msg}", file=file, line=exc.lineno) from None
        if not isinstance(data, dict) or "format_version" not in data:
            raise PlannerError(
                f"is not a Terraform plan's JSON (no format_version); {PLAN_COMMAND}", file=file
            )
        if "resource_changes" not in data and "planned_values" not in data:
            raise PlannerError(
                f"is a Terraform state, not a plan (no resource_changes); {PLAN_COMMAND}",
                file=file,
            )
        version = str(data["format_version"])
        if not re.fullmatch(r"[01]\.\d+", version):
            raise PlannerError(
                f"format_version {version} is not one planner reads (0.1 to 1.x)",
                file=file,
                field="format_version",
            )
        self.data = data
        self.change = Change(file=file, format="terraform")
        self.expressions = _configuration(data.get("configuration") or {})
        self.changes: dict[str, dict[str, Any]] = {}
        for rc in data.get("resource_changes") or []:
            if (
                isinstance(rc, dict)
                and isinstance(rc.get("address"), str)
                and rc.get("mode", "managed") == "managed"
            ):
                self.changes[rc["address"]] = rc

    # --- helpers -----------------------------------------------------------------------

    def error(self, address: str, field: str, message: str) -> PlannerError:
        return PlannerError(message, file=self.file, field=f"{address}.{field}")

    def origin(self, address: str) -> Origin:
        return Origin(self.file, None, address)

    def references(self, address: str, attribute: str) -> list[str]:
        """Full addresses an attribute's expression refers to (``module.m.`` prefixed)."""
        expr = self.expressions.get(_strip(address), {}).get(attribute)
        refs: list[str] = []

        def walk(item: Any) -> None:  # nested blocks hold their own expressions
            if isinstance(item, list):
                for x in item:
                    walk(x)
            elif isinstance(item, dict):
                refs.extend(r for r in item.get("references") or [] if isinstance(r, str))
                for key, value in item.items():
                    if key != "references":
                        walk(value)

        walk(expr)
        prefix = _module_prefix(address)
        return [prefix + r for r in refs]

    def referenced(self, address: str, attribute: str, kind: str) -> dict[str, Any] | None:
        """The resource change of type ``kind`` an attribute refers to."""
        for ref in self.references(address, attribute):
            parts = ref.split(".")
            for end in range(len(parts), 1, -1):
                target = ".".join(parts[:end])
                if f".{kind}." in f".{target}" and target in self.changes:
                    return self.changes[target]
                # an index (for_each / count): the instance of the same module instance
                # and index as the referring resource, else the first
                found = [
                    addr
                    for addr, rc in self.changes.items()
                    if _strip(addr) == target and rc.get("type") == kind
                ]
                if found:
                    mine = _instance(address)
                    same = [a for a in found if _instance(a) == mine]
                    module = [a for a in found if _instance(a)[0] == mine[0]]
                    return self.changes[(same or module or found)[0]]
        return None

    # --- reading -----------------------------------------------------------------------

    def read(self) -> Change:
        taskdefs: dict[str, TaskDefinitionChange] = {}
        for address, rc in self.changes.items():
            if rc.get("type") == TASK_DEFINITION and self.action(rc) is not None:
                taskdefs[address] = self.task_definition(address, rc)
        used: set[str] = set()
        for address, rc in self.changes.items():
            if rc.get("type") != SERVICE:
                continue
            action = self.action(rc)
            if action is None:
                continue
            service = self.service(address, rc, action, taskdefs, used)
            if service is not None:
                self.change.services.append(service)
        self.change.task_definitions = [td for a, td in taskdefs.items() if a not in used]
        self.capacity()
        return self.change

    def action(self, rc: dict[str, Any]) -> Action | None:
        """The action, or None (listed as skipped) for a delete or a no-op."""
        actions = list((rc.get("change") or {}).get("actions") or [])
        address = rc["address"]
        if actions == ["create"]:
            return "create"
        if actions == ["update"]:
            return "update"
        if sorted(actions) == ["create", "delete"]:
            return "replace"
        if actions == ["delete"]:
            self.change.skipped.append(f"{address}: deleted, not a rollout")
        elif actions in (["no-op"], ["read"]):
            if actions == ["no-op"]:
                self.change.skipped.append(f"{address}: no change")
        else:
            self.change.skipped.append(f"{address}: actions {actions} not read")
        return None

    def after(self, address: str, rc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        change = rc.get("change") or {}
        after = change.get("after")
        if not isinstance(after, dict):
            raise self.error(address, "change.after", "the plan gives no values after apply")
        unknown = change.get("after_unknown")
        return after, unknown if isinstance(unknown, dict) else {}

    def task_definition(self, address: str, rc: dict[str, Any]) -> TaskDefinitionChange:
        after, unknown = self.after(address, rc)
        family = after.get("family")
        if not isinstance(family, str) or not family:
            raise self.error(address, "family", "is unknown until apply; planner needs it")
        if unknown.get("container_definitions") is True:
            raise self.error(
                address,
                "container_definitions",
                "is unknown until apply (it depends on a value Terraform computes); planner "
                "needs the containers' cpu, memory and ports: plan with those known",
            )
        raw = after.get("container_definitions")
        try:
            containers = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError as exc:
            raise self.error(
                address, "container_definitions", f"is not valid JSON: {exc.msg} (at {exc.pos})"
            ) from None
        if not isinstance(containers, list) or not containers:
            raise self.error(
                address, "container_definitions", "must be a JSON list of container definitions"
            )
        definition: dict[str, Any] = {"family": family}
        for key, name in (("cpu", "cpu"), ("memory", "memory")):
            if unknown.get(key) is True:
                raise self.error(
                    address, key, "is unknown until apply; planner needs the task's size"
                )
            if after.get(key) not in (None, ""):
                definition[name] = str(after[key])
        if unknown.get("network_mode") is True or after.get("network_mode") in (None, ""):
            definition["networkMode"] = "bridge"
            if unknown.get("network_mode") is True:
                self.change.assumptions.append(
                    f"{address}: network_mode unknown until apply; ECS's default, bridge "
                    "(EC2 Linux)"
                )
        else:
            definition["networkMode"] = after["network_mode"]
        definition["containerDefinitions"] = [_container(c) for c in containers]
        constraints = [
            {k: v for k, v in c.items() if k in ("type", "expression") and v not in (None, "")}
            for c in after.get("placement_constraints") or []
            if isinstance(c, dict)
        ]
        if constraints:
            definition["placementConstraints"] = constraints
        return TaskDefinitionChange(family, definition, self.origin(address))

    def service(
        self,
        address: str,
        rc: dict[str, Any],
        action: Action,
        taskdefs: dict[str, TaskDefinitionChange],
        used: set[str],
    ) -> ServiceChange | None:
        after, unknown = self.after(address, rc)
        name = after.get("name")
        if not isinstance(name, str) or not name:
            raise self.error(address, "name", "is unknown until apply; planner needs it")
        launch = after.get("launch_type")
        cps = [i for i in after.get("capacity_provider_strategy") or [] if isinstance(i, dict)]
        target = self.referenced(address, "task_definition", TASK_DEFINITION)
        if launch in FARGATE or (cps and all(i.get("capacity_provider") in FARGATE for i in cps)):
            self.change.skipped.append(
                f"{address}: runs on Fargate, which takes no room on container instances"
            )
            if target is not None:  # its task definition is the Fargate service's
                used.add(target["address"])
            return None
        fields = _service_fields(after)
        for key, default in UNKNOWN_SERVICE_DEFAULTS.items():
            if unknown.get(key) is True:
                self.change.assumptions.append(f"{address}: {key} unknown until apply; {default}")
        taskdef = None
        if target is not None and target["address"] in taskdefs:
            taskdef = taskdefs[target["address"]]
            used.add(target["address"])
        elif unknown.get("task_definition") is True:
            raise self.error(
                address,
                "task_definition",
                "is unknown until apply and refers to no task definition of this plan",
            )
        else:
            before = (rc.get("change") or {}).get("before") or {}
            new = after.get("task_definition")
            if action == "update" and new != before.get("task_definition"):
                self.change.assumptions.append(
                    f"{address}: task_definition {new} is a revision this plan does not "
                    "register; planner rolls out the revision the cluster runs, with the "
                    "new settings"
                )
        cluster = self.cluster(address, after)
        network = "network_configuration" if after.get("network_configuration") else None
        actions = (rc.get("change") or {}).get("actions") or []
        before = (rc.get("change") or {}).get("before") or {}
        gone = before.get("name") if isinstance(before.get("name"), str) else name
        replaces = gone if actions == ["delete", "create"] else None  # destroyed first
        return ServiceChange(name, fields, taskdef, action, self.origin(address), cluster,
                             network, replaces=replaces)  # fmt: skip

    def cluster(self, address: str, after: dict[str, Any]) -> str | None:
        value = after.get("cluster")
        if isinstance(value, str) and value:
            return value.rsplit("/", 1)[-1]
        target = self.referenced(address, "cluster", "aws_ecs_cluster")
        if target is not None:
            name = ((target.get("change") or {}).get("after") or {}).get("name")
            return name if isinstance(name, str) and name else None
        return None

    def capacity(self) -> None:
        for address, rc in self.changes.items():
            kind = rc.get("type")
            if kind == CLUSTER_PROVIDERS and self.action(rc) is not None:
                after, _ = self.after(address, rc)
                items = after.get("default_capacity_provider_strategy") or []
                self.change.default_strategy = [_strategy_item(i) for i in items]
            elif kind == CAPACITY_PROVIDER:
                action = self.action(rc)
                if action is not None:
                    item = self.capacity_provider(address, rc, action)
                    self.change.capacity_providers.append(item)
                    self.change.origins[item["name"]] = self.origin(address)

    def capacity_provider(self, address: str, rc: dict[str, Any], action: Action) -> dict[str, Any]:
        after, _ = self.after(address, rc)
        name = after.get("name")
        if not isinstance(name, str) or not name:
            raise self.error(address, "name", "is unknown until apply; planner needs it")
        provider = _first(after.get("auto_scaling_group_provider"))
        asg = self.referenced(address, "auto_scaling_group_provider", ASG)
        if asg is None:
            arn = provider.get("auto_scaling_group_arn")
            wanted = arn.rsplit("/", 1)[-1] if isinstance(arn, str) else None
            asg = next(
                (
                    c
                    for c in self.changes.values()
                    if c.get("type") == ASG
                    and ((c.get("change") or {}).get("after") or {}).get("name") == wanted
                ),
                None,
            )
        if asg is None:
            raise self.error(
                address,
                "auto_scaling_group_provider.auto_scaling_group_arn",
                "names an Auto Scaling group that is not in this plan; planner needs its "
                "instance types and sizes (plan it in the same workspace)",
            )
        group = self.auto_scaling_group(asg["address"], asg)
        if action != "create":
            group.pop("instances", None)  # the apply step keeps what runs now
        item: dict[str, Any] = {"name": name, "autoScalingGroup": group}
        scaling = _first(provider.get("managed_scaling"))
        if scaling:
            item["managedScaling"] = {
                out: scaling[key]
                for key, out in (
                    ("status", "status"),
                    ("target_capacity", "targetCapacity"),
                    ("minimum_scaling_step_size", "minimumScalingStepSize"),
                    ("maximum_scaling_step_size", "maximumScalingStepSize"),
                    ("instance_warmup_period", "instanceWarmupPeriod"),
                )
                if scaling.get(key) is not None
            }
        return item

    def auto_scaling_group(self, address: str, rc: dict[str, Any]) -> dict[str, Any]:
        after, _ = self.after(address, rc)
        types = self.instance_types(address, after)
        group: dict[str, Any] = {"instanceTypes": types}
        zones = [z for z in after.get("availability_zones") or [] if isinstance(z, str)]
        if zones:
            group["availabilityZones"] = zones
        elif after.get("vpc_zone_identifier") or (rc.get("change") or {}).get(
            "after_unknown", {}
        ).get("vpc_zone_identifier"):
            self.change.assumptions.append(
                f"{address}: vpc_zone_identifier gives subnets, not zones: the group's zones "
                "are left unknown (zone rules see them as one)"
            )
        for key, out in (("min_size", "minSize"), ("max_size", "maxSize")):
            if isinstance(after.get(key), int):
                group[out] = after[key]
        if "maxSize" not in group:
            raise self.error(address, "max_size", "is unknown until apply; planner needs it")
        desired = after.get("desired_capacity")
        group["instances"] = desired if isinstance(desired, int) else group.get("minSize", 0)
        return group

    def instance_types(self, address: str, after: dict[str, Any]) -> list[str]:
        mixed = _first(after.get("mixed_instances_policy"))
        overrides = [
            str(o["instance_type"])
            for o in _first(mixed.get("launch_template")).get("override") or []
            if isinstance(o, dict) and o.get("instance_type")
        ]
        if overrides:
            return overrides
        attribute = "mixed_instances_policy" if mixed else "launch_template"
        template = self.referenced(address, attribute, LAUNCH_TEMPLATE)
        if template is None:  # by name or id, among the plan's launch templates
            spec = _first(after.get("launch_template")) or _first(
                _first(mixed.get("launch_template")).get("launch_template_specification")
            )
            for c in self.changes.values():
                values = (c.get("change") or {}).get("after") or {}
                if c.get("type") == LAUNCH_TEMPLATE and values.get("name") in (
                    spec.get("name"),
                    spec.get("id"),
                ):
                    template = c
        kind = ((template or {}).get("change") or {}).get("after", {}) or {}
        if isinstance(kind.get("instance_type"), str) and kind["instance_type"]:
            return [kind["instance_type"]]
        if isinstance(after.get("instance_type"), str):
            return [after["instance_type"]]
        raise self.error(
            address,
            "launch_template",
            "gives planner no instance type: a launch template of this plan with "
            "instance_type, or mixed_instances_policy overrides, is needed",
        )


def _configuration(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each configured resource's expressions, by address with its module path."""
    out: dict[str, dict[str, Any]] = {}

    def walk(module: dict[str, Any], prefix: str) -> None:
        for res in module.get("resources") or []:
            if isinstance(res, dict) and isinstance(res.get("address"), str):
                out[prefix + res["address"]] = res.get("expressions") or {}
        for name, call in (module.get("module_calls") or {}).items():
            if isinstance(call, dict) and isinstance(call.get("module"), dict):
                walk(call["module"], f"{prefix}module.{name}.")

    walk(config.get("root_module") or {}, "")
    return out


def _instance(address: str) -> tuple[str, str]:
    """An address's module instances (with their keys) and its own index:
    ``module.x["a"].aws_ecs_service.s[0]`` gives ``('module.x["a"].', '[0]')``."""
    m = re.match(r"^((?:module\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?\.)*)[^.]+\.[^.\[]+(\[[^\]]*\])?$",
                 address)  # fmt: skip
    return (m.group(1), m.group(2) or "") if m else ("", "")


def _strip(address: str) -> str:
    """A resource address as the configuration names it: no indexes."""
    return re.sub(r"\[[^\]]*\]", "", address)


def _module_prefix(address: str) -> str:
    """``module.a["x"].module.b.`` of an address in a module ("" in the root), without
    the modules' indexes (configuration addresses have none)."""
    parts = address.split(".")
    prefix = ""
    k = 0
    while k + 1 < len(parts) and parts[k] == "module":
        prefix += f"module.{_INDEX.sub('', parts[k + 1])}."
        k += 2
    return prefix


def _first(value: Any) -> dict[str, Any]:
    """The one block of a Terraform nested block list (``[{...}]``), or {}."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return value if isinstance(value, dict) else {}


def _container(c: Any) -> Any:
    if not isinstance(c, dict):
        return c  # the task-definition reader words it
    out = {k: c[k] for k in CONTAINER_FIELDS if c.get(k) is not None}
    if isinstance(out.get("portMappings"), list):
        out["portMappings"] = [
            {k: m[k] for k in PORT_FIELDS if m.get(k) is not None} if isinstance(m, dict) else m
            for m in out["portMappings"]
        ]
    return out


def _strategy_item(item: Any) -> dict[str, Any]:
    item = item if isinstance(item, dict) else {}
    out: dict[str, Any] = {"capacityProvider": item.get("capacity_provider")}
    for key in ("weight", "base"):
        if item.get(key) is not None:
            out[key] = item[key]
    return out


def _service_fields(after: dict[str, Any]) -> dict[str, Any]:
    """The provider's service attributes in the scenario's service shape."""
    fields: dict[str, Any] = {}
    daemon = after.get("scheduling_strategy") == "DAEMON"
    if daemon:
        fields["schedulingStrategy"] = "DAEMON"
    elif isinstance(after.get("desired_count"), int):
        fields["desiredCount"] = after["desired_count"]
    config: dict[str, Any] = {}
    for key, out in (
        ("deployment_minimum_healthy_percent", "minimumHealthyPercent"),
        ("deployment_maximum_percent", "maximumPercent"),
    ):
        if isinstance(after.get(key), int):
            config[out] = after[key]
    breaker = _first(after.get("deployment_circuit_breaker"))
    if breaker:
        config["deploymentCircuitBreaker"] = {
            k: bool(breaker[k]) for k in ("enable", "rollback") if breaker.get(k) is not None
        }
    if config:
        fields["deploymentConfiguration"] = config
    controller = _first(after.get("deployment_controller")).get("type")
    if isinstance(controller, str) and controller:
        fields["deploymentController"] = controller
    rules = [
        {k: v for k, v in r.items() if k in ("type", "field") and v not in (None, "")}
        for r in after.get("ordered_placement_strategy") or []
        if isinstance(r, dict)
    ]
    if rules or "ordered_placement_strategy" in after:
        fields["placementStrategy"] = rules or None  # none: ECS's default (apply drops it)
    constraints = [
        {k: v for k, v in c.items() if k in ("type", "expression") and v not in (None, "")}
        for c in after.get("placement_constraints") or []
        if isinstance(c, dict)
    ]
    if constraints or "placement_constraints" in after:
        fields["placementConstraints"] = constraints
    strategy = [_strategy_item(i) for i in after.get("capacity_provider_strategy") or []]
    if strategy or "capacity_provider_strategy" in after:
        fields["capacityProviderStrategy"] = strategy or None  # none: the cluster's default
    if after.get("launch_type") in ("EC2", "EXTERNAL"):
        fields["launchType"] = after["launch_type"]
    balancers = [
        {
            out: lb[key]
            for key, out in (
                ("target_group_arn", "targetGroupArn"),
                ("elb_name", "loadBalancerName"),
                ("container_name", "containerName"),
                ("container_port", "containerPort"),
            )
            if lb.get(key) not in (None, "")
        }
        for lb in after.get("load_balancer") or []
        if isinstance(lb, dict)
    ]
    if balancers:
        fields["loadBalancers"] = balancers
    return fields
