"""Load and validate a scenario file (CONTRACT.md) into :class:`~planner.model.scenario.Scenario`.

Every problem is one :class:`~planner.errors.PlannerError`, the first one found, naming the
file, line and field: ``scenario.yaml:14: services[0].desiredCount: must be a whole number
≥ 0, got "four"``. Unknown fields are refused everywhere (with the closest allowed name),
so a typo never silently falls back to a default.

Decisions beyond the contract's text
------------------------------------
* An instance group is either ``{type, count}`` (from the catalog) or inline
  ``{name, vcpu | cpu, memory, enis, trunkEnis, hourlyUsd, count}``; ``count`` is ≥ 1 when
  given, and ``null`` means omitted.
* ``deploymentController: CODE_DEPLOY`` forces 100 / 200 whatever the file says (as ECS
  does, silently); it cannot be combined with ``schedulingStrategy: DAEMON`` (ECS refuses).
* ``stepPercent``/``stepBakeTimeInMinutes`` need ``strategy: LINEAR``,
  ``canaryPercent``/``canaryBakeTimeInMinutes`` need ``CANARY``, ``bakeTimeInMinutes`` an
  all-at-once strategy: elsewhere ECS would refuse them, and planner would ignore them.
* A DAEMON service's ``desiredCount`` is optional (0); the compile step uses the instance
  count, and a DAEMON ``placement`` must add up to the instance count.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs.checks import (
    boolean,
    listing,
    mapping,
    number,
    one_of,
    port,
    sized,
    text,
    whole,
)
from planner.inputs.schema import check_document
from planner.inputs.taskdef import task_definition_from_json, taskdef_from_mapping
from planner.inputs.yamlsafe import Located, format_path, load_yaml
from planner.model.catalog import get_instance_type, load_catalog
from planner.model.cql import QueryError
from planner.model.cql import parse as parse_query
from planner.model.scenario import (
    CONTROLLERS,
    DEFAULT_DYNAMIC_PORT_RANGE,
    DEFAULT_RESERVED_PORTS,
    INSTANCE_STATUSES,
    SCHEDULING,
    STRATEGIES,
    STRATEGY_TYPES,
    Agent,
    InstanceGroup,
    Scenario,
    Service,
    TaskDefinition,
    Timing,
    strategy_problem,
)
from planner.model.units import (
    CPU_UNITS_PER_VCPU,
    describe,
    parse_cpu,
    parse_memory,
    unknown_field_message,
)

TOP_FIELDS = ("name", "cluster", "services", "timing")
CLUSTER_FIELDS = ("instances", "agent")
#: Where a group's instances are and what they are called (ROLLOUT.md §8), either form.
PLACE_FIELDS = (
    "availabilityZone",
    "availabilityZones",
    "attributes",
    "instanceIds",
    "status",
    "agentConnected",
)
TYPED_GROUP_FIELDS = ("type", "count", *PLACE_FIELDS)
INLINE_GROUP_FIELDS = (
    "name",
    "instanceType",
    "vcpu",
    "cpu",
    "memory",
    "enis",
    "trunkEnis",
    "hourlyUsd",
    "count",
    *PLACE_FIELDS,
)
AGENT_FIELDS = (
    "reservedCpu",
    "reservedMemory",
    "reservedPorts",
    "dynamicPortRange",
    "awsvpcTrunking",
)
SERVICE_FIELDS = (
    "name",
    "desiredCount",
    "taskDefinition",
    "newTaskDefinition",
    "deploymentConfiguration",
    "deploymentController",
    "schedulingStrategy",
    "placementConstraints",
    "placementStrategy",
    "deploy",
    "placement",
    "newPlacement",
    "loadBalancers",
)
DEPLOYMENT_FIELDS = (
    "minimumHealthyPercent",
    "maximumPercent",
    "strategy",
    "stepPercent",
    "stepBakeTimeInMinutes",
    "canaryPercent",
    "canaryBakeTimeInMinutes",
    "bakeTimeInMinutes",
)
#: Deployment-configuration fields that apply only to some strategies.
STRATEGY_FIELDS = {
    "stepPercent": ("LINEAR",),
    "stepBakeTimeInMinutes": ("LINEAR",),
    "canaryPercent": ("CANARY",),
    "canaryBakeTimeInMinutes": ("CANARY",),
    "bakeTimeInMinutes": ("BLUE_GREEN", "LINEAR", "CANARY"),
}
CONSTRAINT_TYPES = ("distinctInstance", "memberOf")
#: ECS allows at most 10 placement constraints per service.
MAX_CONSTRAINTS = 10
LOAD_BALANCER_FIELDS = ("targetGroupArn", "loadBalancerName", "containerName", "containerPort")
#: Scenario ``timing`` keys and the :class:`Timing` fields they set, with their minimum.
TIMING_FIELDS = {
    "deregistrationDelay": ("deregistration_delay", 0),
    "healthCheckGracePeriod": ("health_check_grace_period", 0),
    "healthCheckIntervalSeconds": ("health_check_interval", 1),
    "healthyThresholdCount": ("healthy_threshold", 1),
    "stopTimeout": ("stop_timeout", 0),
    "taskStartSeconds": ("task_start", 0),
}
#: ECS allows at most 100 reserved ports per container instance.
MAX_RESERVED_PORTS = 100

Path_ = tuple[str | int, ...]


def load_scenario(path: str | Path | Mapping[str, Any]) -> Scenario:
    """Read and validate a scenario file, or a mapping with a file's content.

    Parameters
    ----------
    path
        The YAML file. Its name as given is used in messages; task-definition paths in it
        are relative to its directory. Or a mapping, as a file would load (messages then
        name ``<mapping>`` and no line; task-definition paths are relative to the current
        directory).

    Returns
    -------
    Scenario
        Validated, with every default filled in.

    Raises
    ------
    PlannerError
        At the first problem, with file, line and field.
    """
    if isinstance(path, Mapping):
        return scenario_from_data(Located(dict(path), {}, "<mapping>"), base_dir=Path.cwd())
    if not isinstance(path, str | Path):
        raise PlannerError(
            f"load_scenario takes a file path or a mapping, got {type(path).__name__}"
        )
    located = load_yaml(path)
    return scenario_from_data(located, base_dir=Path(path).parent)


def scenario_from_data(located: Located, *, base_dir: str | Path | None = None) -> Scenario:
    """Validate a loaded scenario document.

    Parameters
    ----------
    located
        The document from :func:`planner.inputs.yamlsafe.load_yaml` or ``load_yaml_text``.
    base_dir
        Directory that task-definition paths are relative to; default the directory of
        ``located.file``.

    Returns
    -------
    Scenario
        Validated, with every default filled in; ``path`` is ``located.file``.

    Raises
    ------
    PlannerError
        At the first problem, with file, line and field.
    """
    base = Path(located.file).parent if base_dir is None else Path(base_dir)
    scenario = _Reader(located, base).scenario()
    check_document(located)  # the published schema holds for every file planner reads
    return scenario


def read_agent(doc: Located, raw: Any, path: tuple[str | int, ...]) -> Agent:
    """An agent mapping at ``path`` of ``doc`` (a scenario's ``cluster.agent``, a table's
    ``agent``), checked as in a scenario."""
    return _Reader(doc, Path(".")).agent(raw, path)


class _Reader:
    """Walks one scenario document, checking as it goes."""

    def __init__(self, doc: Located, base_dir: Path) -> None:
        self.doc = doc
        self.base_dir = base_dir
        self.json_cache: dict[str, TaskDefinition] = {}
        self.ids: set[str] = set()

    def scenario(self) -> Scenario:
        doc = self.doc
        top = mapping(
            doc,
            (),
            doc.data,
            TOP_FIELDS,
            required=("cluster", "services"),
            what="a mapping of name, cluster, services and timing",
        )
        name = "scenario" if doc.file == "<mapping>" else Path(doc.file).stem
        if top.get("name") is not None:
            name = text(doc, ("name",), top["name"])
        cluster = mapping(
            doc, ("cluster",), top["cluster"], CLUSTER_FIELDS, required=("instances",)
        )
        groups = self.groups(cluster["instances"])
        agent = self.agent(cluster.get("agent"))
        services_raw = listing(doc, ("services",), top["services"], non_empty=True)
        services = tuple(self.service(k, raw, groups) for k, raw in enumerate(services_raw))
        self.unique_names(services)
        timing = self.timing(top.get("timing"))
        return Scenario(name, groups, services, agent, timing, doc.file)

    # --- cluster ---------------------------------------------------------------------

    def groups(self, raw: Any) -> tuple[InstanceGroup, ...]:
        items = listing(self.doc, ("cluster", "instances"), raw, non_empty=True)
        return tuple(self.group(("cluster", "instances", i), g) for i, g in enumerate(items))

    def group(self, path: Path_, raw: Any) -> InstanceGroup:
        doc = self.doc
        if not isinstance(raw, dict):
            raise doc.error(path, f"must be an instance group (a mapping), got {describe(raw)}")
        if "type" in raw:
            for key in raw:
                if key not in TYPED_GROUP_FIELDS:
                    message = unknown_field_message(key, TYPED_GROUP_FIELDS)
                    if key in INLINE_GROUP_FIELDS:
                        message = (
                            "not allowed beside type (the catalog gives the size); write a "
                            "type, or a name with vcpu and memory"
                        )
                    raise doc.error((*path, key), message)
            type_name = text(doc, (*path, "type"), raw["type"])
            try:
                t = get_instance_type(type_name)
            except PlannerError:
                raise doc.error((*path, "type"), _unknown_type(type_name)) from None
            count = self.count(path, raw)
            return InstanceGroup(
                t.name,
                t.cpu_units,
                t.memory_mib,
                count,
                t.name,
                t.enis,
                t.trunk_enis,
                t.hourly_usd,
                t.estimated,
                arch=t.arch,
                **self.place(path, raw, count),
            )
        if "name" not in raw:
            raise doc.error(
                path,
                "needs type (an instance type from the catalog, e.g. t3.medium), or name, "
                "vcpu and memory for a type given inline",
            )
        mapping(doc, path, raw, INLINE_GROUP_FIELDS, required=("name",))
        name = text(doc, (*path, "name"), raw["name"])
        if ("vcpu" in raw) == ("cpu" in raw):
            raise doc.error(
                (*path, "vcpu"), "give vcpu (vCPUs) or cpu (CPU units), exactly one of them"
            )
        if "vcpu" in raw:
            cpu = whole(doc, (*path, "vcpu"), raw["vcpu"], minimum=1) * CPU_UNITS_PER_VCPU
        else:
            cpu = sized(doc, (*path, "cpu"), raw["cpu"], parse_cpu, minimum=1)
        if "memory" not in raw:
            raise doc.error((*path, "memory"), "is required: MiB that ECS registers")
        memory = sized(doc, (*path, "memory"), raw["memory"], parse_memory, minimum=1)
        enis = self.optional_whole(path, raw, "enis", 1)
        trunk = self.optional_whole(path, raw, "trunkEnis", 0)
        price = None
        if raw.get("hourlyUsd") is not None:
            price = number(doc, (*path, "hourlyUsd"), raw["hourlyUsd"])
        count = self.count(path, raw)
        kind = None
        if raw.get("instanceType") is not None:
            kind = text(doc, (*path, "instanceType"), raw["instanceType"])
        return InstanceGroup(
            name,
            cpu,
            memory,
            count,
            None,
            enis,
            trunk,
            price,
            arch=_catalog_arch(kind),
            instance_type=kind,
            **self.place(path, raw, count),
        )

    def place(self, path: Path_, raw: dict[str, Any], count: int | None) -> dict[str, Any]:
        """Zones, custom attributes and instance ids of a group (ROLLOUT.md §8)."""
        doc = self.doc
        out: dict[str, Any] = {}
        if raw.get("availabilityZone") is not None and raw.get("availabilityZones") is not None:
            raise doc.error(
                (*path, "availabilityZones"),
                "give availabilityZone (one zone) or availabilityZones (round-robin), not both",
            )
        if raw.get("availabilityZone") is not None:
            out["zones"] = (text(doc, (*path, "availabilityZone"), raw["availabilityZone"]),)
        if raw.get("availabilityZones") is not None:
            where = (*path, "availabilityZones")
            items = listing(doc, where, raw["availabilityZones"], non_empty=True)
            zones = tuple(text(doc, (*where, k), z) for k, z in enumerate(items))
            for k, z in enumerate(zones):
                if z in zones[:k]:
                    raise doc.error((*where, k), f"zone {describe(z)} is listed twice")
            out["zones"] = zones
        if raw.get("attributes") is not None:
            where = (*path, "attributes")
            attrs = raw["attributes"]
            if not isinstance(attrs, dict):
                raise doc.error(where, f"must be a mapping of name: value, got {describe(attrs)}")
            pairs = []
            for key, value in attrs.items():
                if key.startswith("ecs."):
                    raise doc.error(
                        (*where, key),
                        "ecs.* attributes come from the instance (type, zone, architecture, "
                        "OS); custom attributes take other names",
                    )
                if isinstance(value, bool) or not isinstance(value, str | int | float):
                    raise doc.error((*where, key), f"must be text, got {describe(value)}")
                pairs.append((text(doc, (*where, key), key), text(doc, (*where, key), str(value))))
            out["attributes"] = tuple(pairs)
        if raw.get("instanceIds") is not None:
            where = (*path, "instanceIds")
            items = listing(doc, where, raw["instanceIds"], non_empty=True)
            ids = tuple(text(doc, (*where, k), v) for k, v in enumerate(items))
            if count is None:
                raise doc.error(where, "needs the group's count (one id per instance)")
            if len(ids) != count:
                raise doc.error(where, f"must name {count} instances (count), got {len(ids)}")
            self.seen_ids(where, ids)
            out["instance_ids"] = ids
        if raw.get("status") is not None:
            out["status"] = one_of(doc, (*path, "status"), raw["status"], INSTANCE_STATUSES)
        if raw.get("agentConnected") is not None:
            out["agent_connected"] = boolean(doc, (*path, "agentConnected"), raw["agentConnected"])
        return out

    def seen_ids(self, where: Path_, ids: tuple[str, ...]) -> None:
        for k, name in enumerate(ids):
            if name in self.ids:
                raise self.doc.error((*where, k), f"instance id {describe(name)} is used twice")
            self.ids.add(name)

    def count(self, path: Path_, raw: dict[str, Any]) -> int | None:
        return self.optional_whole(path, raw, "count", 1)

    def optional_whole(self, path: Path_, raw: dict[str, Any], key: str, low: int) -> int | None:
        if raw.get(key) is None:
            return None
        return whole(self.doc, (*path, key), raw[key], minimum=low)

    def agent(self, raw: Any, path: Path_ = ("cluster", "agent")) -> Agent:
        if raw is None:
            return Agent()
        doc = self.doc
        ag = mapping(doc, path, raw, AGENT_FIELDS)
        reserved_cpu = self.optional_whole(path, ag, "reservedCpu", 0) or 0
        reserved_memory = self.optional_whole(path, ag, "reservedMemory", 0) or 0
        ports = DEFAULT_RESERVED_PORTS
        if ag.get("reservedPorts") is not None:
            ports = self.reserved_ports((*path, "reservedPorts"), ag["reservedPorts"])
        low_high = DEFAULT_DYNAMIC_PORT_RANGE
        if ag.get("dynamicPortRange") is not None:
            low_high = self.port_range((*path, "dynamicPortRange"), ag["dynamicPortRange"])
        trunking = False
        if ag.get("awsvpcTrunking") is not None:
            trunking = boolean(doc, (*path, "awsvpcTrunking"), ag["awsvpcTrunking"])
        return Agent(reserved_cpu, reserved_memory, ports, low_high, trunking)

    def reserved_ports(self, path: Path_, raw: Any) -> tuple[int, ...]:
        items = listing(self.doc, path, raw)
        if len(items) > MAX_RESERVED_PORTS:
            raise self.doc.error(
                path, f"ECS allows at most {MAX_RESERVED_PORTS} reserved ports, got {len(items)}"
            )
        seen: list[int] = []
        for i, item in enumerate(items):
            p = port(self.doc, (*path, i), item)
            if p in seen:
                raise self.doc.error((*path, i), f"port {p} is listed twice")
            seen.append(p)
        return tuple(seen)

    def port_range(self, path: Path_, raw: Any) -> tuple[int, int]:
        items = listing(self.doc, path, raw)
        if len(items) != 2:
            raise self.doc.error(
                path, f"must be [first, last], two ports, got a list of {len(items)}"
            )
        lo, hi = port(self.doc, (*path, 0), items[0]), port(self.doc, (*path, 1), items[1])
        if lo > hi:
            raise self.doc.error(path, f"must be [first, last] with first ≤ last, got [{lo}, {hi}]")
        return lo, hi

    # --- services --------------------------------------------------------------------

    def service(self, k: int, raw: Any, groups: tuple[InstanceGroup, ...]) -> Service:
        doc = self.doc
        path: Path_ = ("services", k)
        svc = mapping(
            doc, path, raw, SERVICE_FIELDS, required=("name",), what="a service (a mapping)"
        )
        name = text(doc, (*path, "name"), svc["name"])
        scheduling = "REPLICA"
        if svc.get("schedulingStrategy") is not None:
            scheduling = one_of(
                doc, (*path, "schedulingStrategy"), svc["schedulingStrategy"], SCHEDULING
            )
        daemon = scheduling == "DAEMON"
        if "desiredCount" not in svc and not daemon:
            raise doc.error((*path, "desiredCount"), "is required but missing")
        desired = 0
        if svc.get("desiredCount") is not None or not daemon:
            desired = whole(doc, (*path, "desiredCount"), svc.get("desiredCount"))
        if "taskDefinition" not in svc:
            raise doc.error((*path, "taskDefinition"), "is required but missing")
        old = self.taskdef((*path, "taskDefinition"), svc["taskDefinition"])
        new = old
        if svc.get("newTaskDefinition") is not None:
            new = self.taskdef((*path, "newTaskDefinition"), svc["newTaskDefinition"])
        controller = self.controller(path, svc.get("deploymentController"))
        if controller == "CODE_DEPLOY" and daemon:
            raise doc.error(
                (*path, "deploymentController"),
                "CODE_DEPLOY does not support schedulingStrategy DAEMON (ECS refuses it)",
            )
        config = self.deployment(path, svc.get("deploymentConfiguration"), daemon)
        if controller == "CODE_DEPLOY":  # ECS forces the defaults
            config["minimum_healthy_percent"], config["maximum_percent"] = 100, 200
        distinct, member_of = self.constraints(path, svc.get("placementConstraints"))
        strategy = self.strategies(path, svc.get("placementStrategy"))
        deploy = True
        if svc.get("deploy") is not None:
            deploy = boolean(doc, (*path, "deploy"), svc["deploy"])
        balanced = self.load_balancers(path, svc.get("loadBalancers"))
        placement = new_placement = None
        if svc.get("newPlacement") is not None:
            if svc.get("placement") is None:
                raise doc.error(
                    (*path, "newPlacement"),
                    "needs placement too: the old tasks left beside the new ones (a snapshot "
                    "taken mid-deployment)",
                )
            if not deploy:
                raise doc.error(
                    (*path, "newPlacement"), "is for a deploying service; deploy is false here"
                )
            new_placement = self.placement(
                path, svc["newPlacement"], groups, desired, daemon, key="newPlacement"
            )
        if svc.get("placement") is not None:
            placement = self.placement(
                path, svc["placement"], groups, desired, daemon, snapshot=new_placement is not None
            )
        return Service(
            name=name,
            desired_count=desired,
            task_definition=old,
            new_task_definition=new,
            deployment_controller=controller,
            scheduling_strategy=scheduling,
            distinct_instance=distinct,
            deploy=deploy,
            placement=placement,
            new_placement=new_placement,
            load_balanced=balanced,
            member_of=member_of,
            placement_strategy=strategy,
            **config,
        )

    def unique_names(self, services: tuple[Service, ...]) -> None:
        first: dict[str, int] = {}
        for k, s in enumerate(services):
            if s.name in first:
                j = first[s.name]
                line = self.doc.line(("services", j, "name"))
                raise self.doc.error(
                    ("services", k, "name"),
                    f"duplicate service name {describe(s.name)}; also services[{j}].name"
                    + (f" (line {line})" if line else ""),
                )
            first[s.name] = k

    def taskdef(self, path: Path_, raw: Any) -> TaskDefinition:
        if not isinstance(raw, str):
            return taskdef_from_mapping(raw, self.doc, path)
        written = text(self.doc, path, raw).strip()
        file = Path(written).expanduser()
        if not file.is_absolute():
            file = self.base_dir / file
        shown = os.path.normpath(file)
        if shown in self.json_cache:
            return self.json_cache[shown]
        if not file.exists():
            raise self.doc.error(
                path,
                f"no such task-definition file {describe(written)} (looked for {shown}); give "
                "a mapping (cpu, memory, ...) or the path of a JSON file, e.g. from "
                "aws ecs describe-task-definition --task-definition FAMILY:REVISION",
            )
        try:
            td = task_definition_from_json(shown)
        except PlannerError as exc:  # keep the JSON's file and line; say who refers to it
            line = self.doc.line(path)
            where = f"{self.doc.file}:{line}" if line else self.doc.file
            raise PlannerError(
                f"{exc.message} (task definition of {format_path(path)}, {where})",
                file=exc.file,
                line=exc.line,
                field=exc.field,
            ) from None
        self.json_cache[shown] = td
        return td

    def controller(self, path: Path_, raw: Any) -> str:
        if raw is None:
            return "ECS"
        where = (*path, "deploymentController")
        if isinstance(raw, dict):  # {type: ECS}, as the ECS API prints it
            mapping(self.doc, where, raw, ("type",), required=("type",))
            return one_of(self.doc, (*where, "type"), raw["type"], CONTROLLERS)
        return one_of(self.doc, where, raw, CONTROLLERS)

    def deployment(self, path: Path_, raw: Any, daemon: bool) -> dict[str, Any]:
        doc = self.doc
        out: dict[str, Any] = {
            "minimum_healthy_percent": 0 if daemon else 100,
            "maximum_percent": 100 if daemon else 200,
        }
        if raw is None:
            return out
        where = (*path, "deploymentConfiguration")
        cfg = mapping(doc, where, raw, DEPLOYMENT_FIELDS)
        if cfg.get("minimumHealthyPercent") is not None:
            out["minimum_healthy_percent"] = whole(
                doc,
                (*where, "minimumHealthyPercent"),
                cfg["minimumHealthyPercent"],
                maximum=100,
                what="a whole percent",
            )
        if cfg.get("maximumPercent") is not None:
            out["maximum_percent"] = whole(
                doc, (*where, "maximumPercent"), cfg["maximumPercent"], what="a whole percent"
            )
        strategy = "ROLLING"
        if cfg.get("strategy") is not None:
            strategy = one_of(doc, (*where, "strategy"), cfg["strategy"], STRATEGIES)
        out["strategy"] = strategy
        for key, strategies in STRATEGY_FIELDS.items():
            if cfg.get(key) is not None and strategy not in strategies:
                raise doc.error(
                    (*where, key),
                    f"applies only to strategy {' or '.join(strategies)}, "
                    f"and the strategy is {strategy}",
                )
        for key, attr in (("stepPercent", "step_percent"), ("canaryPercent", "canary_percent")):
            if cfg.get(key) is not None:
                out[attr] = whole(
                    doc, (*where, key), cfg[key], minimum=1, maximum=100, what="a whole percent"
                )
        for key, attr in (
            ("stepBakeTimeInMinutes", "step_bake_minutes"),
            ("canaryBakeTimeInMinutes", "canary_bake_minutes"),
            ("bakeTimeInMinutes", "bake_minutes"),
        ):
            if cfg.get(key) is not None:
                out[attr] = number(doc, (*where, key), cfg[key])
        return out

    def constraints(self, path: Path_, raw: Any) -> tuple[bool, tuple[str, ...]]:
        """distinctInstance, and the memberOf expressions (each parsed here, so that a bad
        one is reported at its line)."""
        if raw is None:
            return False, ()
        where = (*path, "placementConstraints")
        distinct = False
        member_of: list[str] = []
        items = listing(self.doc, where, raw)
        if len(items) > MAX_CONSTRAINTS:
            raise self.doc.error(
                where, f"ECS takes at most {MAX_CONSTRAINTS} constraints, got {len(items)}"
            )
        for i, item in enumerate(items):
            c = mapping(self.doc, (*where, i), item, ("type", "expression"), required=("type",))
            kind = one_of(self.doc, (*where, i, "type"), c["type"], CONSTRAINT_TYPES)
            if kind == "memberOf":
                if c.get("expression") is None:
                    raise self.doc.error(
                        (*where, i, "expression"),
                        "is required for memberOf: a cluster query language expression",
                    )
                expression = text(self.doc, (*where, i, "expression"), c["expression"])
                try:
                    parse_query(expression)
                except QueryError as exc:
                    raise self.doc.error((*where, i, "expression"), str(exc)) from None
                member_of.append(expression)
                continue
            if "expression" in c:
                raise self.doc.error((*where, i, "expression"), "distinctInstance takes none")
            distinct = True
        return distinct, tuple(member_of)

    def strategies(self, path: Path_, raw: Any) -> tuple[tuple[str, str | None], ...] | None:
        """placementStrategy rules in order (ROLLOUT.md §8); None when absent."""
        if raw is None:
            return None
        where = (*path, "placementStrategy")
        items = listing(self.doc, where, raw)
        if len(items) > 5:
            raise self.doc.error(where, f"ECS takes at most 5 strategy rules, got {len(items)}")
        rules: list[tuple[str, str | None]] = []
        for i, item in enumerate(items):
            s = mapping(self.doc, (*where, i), item, ("type", "field"), required=("type",))
            kind = one_of(self.doc, (*where, i, "type"), s["type"], STRATEGY_TYPES)
            field = None
            if s.get("field") is not None:
                field = text(self.doc, (*where, i, "field"), s["field"])
            problem = strategy_problem((kind, field))
            if problem:
                raise self.doc.error((*where, i, "field" if kind != "random" else "type"), problem)
            rules.append((kind, field))
        return tuple(rules)

    def load_balancers(self, path: Path_, raw: Any) -> bool:
        if raw is None:
            return False
        where = (*path, "loadBalancers")
        items = listing(self.doc, where, raw)
        for i, item in enumerate(items):
            lb = mapping(self.doc, (*where, i), item, LOAD_BALANCER_FIELDS)
            for key, value in lb.items():
                if key == "containerPort":
                    port(self.doc, (*where, i, key), value)
                else:
                    text(self.doc, (*where, i, key), value)
        return bool(items)

    def placement(
        self,
        path: Path_,
        raw: Any,
        groups: tuple[InstanceGroup, ...],
        desired: int,
        daemon: bool,
        key: str = "placement",
        snapshot: bool = False,
    ) -> tuple[int, ...]:
        """Tasks per instance: the old ones (``placement``), adding up to the desired
        count unless new ones run beside them (``snapshot``); or the new ones already
        running (``newPlacement``), at most the desired count."""
        doc = self.doc
        where = (*path, key)
        items = listing(doc, where, raw)
        counts = tuple(whole(doc, (*where, i), v) for i, v in enumerate(items))
        open_groups = [g.name for g in groups if g.count is None]
        if open_groups:
            raise doc.error(
                where,
                "needs every instance group's count (it lists old tasks per instance); "
                f"no count for {', '.join(open_groups)}",
            )
        n = sum(g.count or 0 for g in groups)
        if len(counts) != n:
            raise doc.error(
                where,
                f"must list one count per instance, {n} in file order, got {len(counts)}",
            )
        target, what = (n, "the instance count (DAEMON)") if daemon else (desired, "desiredCount")
        if key == "newPlacement":
            if sum(counts) > target:
                raise doc.error(
                    where, f"must add up to at most {what}, {target}, got {sum(counts)}"
                )
        elif not snapshot and sum(counts) != target:
            raise doc.error(
                where,
                f"must add up to {what}, {target}, got {sum(counts)} (mid-deployment, list the "
                "new tasks in newPlacement)",
            )
        return counts

    # --- timing ----------------------------------------------------------------------

    def timing(self, raw: Any) -> Timing:
        if raw is None:
            return Timing()
        t = mapping(self.doc, ("timing",), raw, tuple(TIMING_FIELDS))
        values = {
            attr: whole(self.doc, ("timing", key), t[key], minimum=low)
            for key, (attr, low) in TIMING_FIELDS.items()
            if t.get(key) is not None
        }
        return Timing(**values)


def _catalog_arch(kind: str | None) -> str | None:
    """The CPU architecture of an inline group's ``instanceType``, where the catalog has it."""
    if kind is None:
        return None
    known = load_catalog().get(kind)
    return known.arch if known else None


def _unknown_type(name: str) -> str:
    """Explain an instance type the catalog does not know, with the closest one."""
    known = load_catalog()
    close = difflib.get_close_matches(name.strip().lower(), list(known), n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]}?" if close else ""
    return (
        f"unknown instance type {describe(name)}{hint} (`planner instance-types` lists the "
        f"{len(known)} known ones; or give the type inline with name, vcpu and memory)"
    )
