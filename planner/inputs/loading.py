"""Load a scenario file (CONTRACT.md) into :class:`~planner.model.scenario.Scenario`.

The file is checked against the models of :mod:`planner.inputs.schema`, its one
description (fields, messages, JSON Schema): every problem is one
:class:`~planner.errors.PlannerError`, the first one in the file, naming the file, line and
field: ``scenario.yaml:14: services[0].desiredCount: must be a whole number ≥ 0, got
"four"``. Unknown fields are refused everywhere (with the closest allowed name), so a typo
never silently falls back to a default; the ECS API's own fields, where a scenario holds an
ECS object, are ignored and listed (:attr:`Scenario.ignored`, ``planner solve --verbose``).
This module then builds the scenario objects from the validated models, reading what lies
outside the document: task-definition files and inline task definitions
(:mod:`planner.inputs.taskdef`) and the catalog's instance sizes.

Decisions beyond the contract's text
------------------------------------
* An instance group is either ``{type, count}`` (from the catalog) or inline
  ``{name, vcpu | cpu, memory, enis, trunkEnis, hourlyUsd, count}``; ``count`` is ≥ 1 when
  given, and ``null`` means omitted.
* ``deploymentController: CODE_DEPLOY`` forces 100 / 200 whatever the file says (as ECS
  does, silently); it cannot be combined with ``schedulingStrategy: DAEMON`` (ECS refuses).
* ``stepPercent``/``stepBakeTimeInMinutes`` (or the ECS API's ``linearConfiguration``
  holding them) need ``strategy: LINEAR``, ``canaryPercent``/``canaryBakeTimeInMinutes``
  (or ``canaryConfiguration``) need ``CANARY``, ``bakeTimeInMinutes`` an all-at-once
  strategy: elsewhere ECS would refuse them, and planner would ignore them. The flat and
  the nested form of one strategy's settings are not given together. A percent is ECS's
  (a multiple of 0.1, e.g. 12.5), kept as written: it sets only the number of LINEAR
  steps the timing estimate counts, ``ceil(100 / stepPercent)``.
* A DAEMON service's ``desiredCount`` is optional (0); the compile step uses the instance
  count, and a DAEMON ``placement`` must add up to the instance count.
* A cluster that reacts (ROLLOUT.md §10): a capacity provider's ``instanceTypes`` become
  instance groups of count 0 (:attr:`CapacityProvider.launch`, the catalog's values, as a
  ``cluster.instances`` group of the type gets them). ``instances: N`` adds a group of N
  of the first type, named after the provider, over its ``availabilityZones``
  round-robin, after the ``cluster.instances`` groups (``placement`` lists its instances
  there); ``group: NAME`` links every ``cluster.instances`` group of that name. Its zones
  default to those of its linked groups. ``managedScaling`` absent: ENABLED with the
  API's defaults. ``cluster.instances`` may be left out when a provider runs instances.
* A strategy of ``[]`` (as ``describe-clusters`` prints "none", and ``update-service``
  takes "the cluster's default") is none given: a service then runs on the cluster's
  default strategy, unless it names a ``launchType``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs import schema
from planner.inputs.schema.reacting import reacting, strategy
from planner.inputs.taskdef import task_definition_from_json, taskdef_from_mapping
from planner.inputs.yamlsafe import Located, format_path, load_yaml
from planner.model.catalog import find_instance_type, get_instance_type
from planner.model.providers import CapacityProvider
from planner.model.scenario import (
    DEFAULT_DYNAMIC_PORT_RANGE,
    DEFAULT_RESERVED_PORTS,
    Agent,
    InstanceGroup,
    Scenario,
    Service,
    TaskDefinition,
    Timing,
)
from planner.model.units import CPU_UNITS_PER_VCPU, describe

Path_ = tuple[str | int, ...]

#: Scenario ``deploymentConfiguration`` keys (flat names; the nested forms are read into
#: them) and the :class:`Service` fields they set (the breaker as planner's own).
DEPLOYMENT_SETTINGS = {
    "minimumHealthyPercent": "minimum_healthy_percent",
    "maximumPercent": "maximum_percent",
    "strategy": "strategy",
    "stepPercent": "step_percent",
    "canaryPercent": "canary_percent",
    "stepBakeTimeInMinutes": "step_bake_minutes",
    "canaryBakeTimeInMinutes": "canary_bake_minutes",
    "bakeTimeInMinutes": "bake_minutes",
    "deploymentCircuitBreaker": "circuit_breaker",
}
#: Scenario ``timing`` keys and the :class:`Timing` fields they set.
TIMING_FIELDS = {
    "deregistrationDelay": "deregistration_delay",
    "healthCheckGracePeriod": "health_check_grace_period",
    "healthCheckIntervalSeconds": "health_check_interval",
    "healthyThresholdCount": "healthy_threshold",
    "stopTimeout": "stop_timeout",
    "taskStartSeconds": "task_start",
}


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
    """Validate a loaded scenario document and build the scenario.

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
        Validated, with every default filled in; ``path`` is ``located.file``;
        ``ignored`` lists the ECS API fields planner did not use.

    Raises
    ------
    PlannerError
        At the first problem, with file, line and field.
    """
    base = Path(located.file).parent if base_dir is None else Path(base_dir)
    checked = schema.check_document(located)
    return _Builder(located, base, list(checked.ignored)).scenario(checked.model)


def read_agent(doc: Located, raw: Any, path: tuple[str | int, ...]) -> Agent:
    """An agent mapping at ``path`` of ``doc`` (a scenario's ``cluster.agent``, a table's
    ``agent``), checked as in a scenario."""
    if raw is None:
        return Agent()
    return _agent(schema.validate(schema.Agent, doc, raw, path).model)


def _agent(model: schema.Agent | None) -> Agent:
    if model is None:
        return Agent()
    return Agent(
        model.reservedCpu or 0,
        model.reservedMemory or 0,
        tuple(model.reservedPorts) if model.reservedPorts is not None else DEFAULT_RESERVED_PORTS,
        (
            (model.dynamicPortRange[0], model.dynamicPortRange[1])
            if model.dynamicPortRange is not None
            else DEFAULT_DYNAMIC_PORT_RANGE
        ),
        bool(model.awsvpcTrunking),
    )


class _Builder:
    """The scenario objects of one validated document."""

    def __init__(self, doc: Located, base_dir: Path, ignored: list[Path_]) -> None:
        self.doc = doc
        self.base_dir = base_dir
        self.json_cache: dict[str, TaskDefinition] = {}
        self.ignored = ignored

    def scenario(self, model: schema.ScenarioFile) -> Scenario:
        doc = self.doc
        name = model.name or ("scenario" if doc.file == "<mapping>" else Path(doc.file).stem)
        group_models: list[Any] = list(model.cluster.instances or [])
        service_models: list[Any] = list(model.services)
        groups = [self.group(g) for g in group_models]
        providers = self.providers(model.cluster, groups)
        services = tuple(self.service(k, s) for k, s in enumerate(service_models))
        timing = Timing()
        if model.timing is not None:
            timing = Timing(
                **{
                    attr: getattr(model.timing, key)
                    for key, attr in TIMING_FIELDS.items()
                    if getattr(model.timing, key) is not None
                }
            )
        shown = tuple(self.where(p) for p in sorted(self.ignored, key=self.order))
        scenario = Scenario(
            name,
            tuple(groups),
            services,
            _agent(model.cluster.agent),
            timing,
            doc.file,
            capacity_providers=providers,
            default_strategy=strategy(model.cluster.defaultCapacityProviderStrategy) or (),
            reacting=reacting(model.reacting),
            expect=model.expect.expectation() if model.expect is not None else None,
        )
        return replace(scenario, ignored=shown) if shown else scenario

    def providers(
        self, cluster: schema.Cluster, groups: list[InstanceGroup]
    ) -> tuple[CapacityProvider, ...]:
        """The capacity providers; the groups of ``instances: N`` appended to ``groups``."""
        out = []
        cps: list[Any] = list(cluster.capacityProviders or [])
        for cp, linked in zip(cps, cluster.linked(), strict=True):
            asg = cp.autoScalingGroup
            launch = tuple(_catalog_group(t, 0) for t in asg.instanceTypes)
            zones = tuple(asg.availabilityZones or ())
            if not zones:  # the zones its running instances are in
                zones = tuple(dict.fromkeys(z for g in linked for z in groups[g].zones))
            if asg.instances:
                group = replace(launch[0], name=cp.name, count=asg.instances, zones=zones)
                groups.append(group)
                linked = (len(groups) - 1,)
            out.append(
                CapacityProvider(
                    cp.name, launch, zones, asg.minSize or 0, asg.maxSize, linked, cp.scaling()
                )
            )
        return tuple(out)

    def order(self, path: Path_) -> int:
        return self.doc.line(path) or 0

    def where(self, path: Path_) -> str:
        line = self.doc.line(path)
        return f"{self.doc.file}:{line}: {format_path(path)}" if line else format_path(path)

    def group(self, g: schema.TypedGroup | schema.InlineGroup) -> InstanceGroup:
        place: dict[str, Any] = {}
        if g.availabilityZone is not None:
            place["zones"] = (g.availabilityZone,)
        if g.availabilityZones is not None:
            place["zones"] = tuple(g.availabilityZones)
        if g.attributes is not None:
            place["attributes"] = tuple(g.attributes.items())
        if g.instanceIds is not None:
            place["instance_ids"] = tuple(g.instanceIds)
        if g.status is not None:
            place["status"] = g.status
        if g.agentConnected is not None:
            place["agent_connected"] = g.agentConnected
        if isinstance(g, schema.TypedGroup):
            return _catalog_group(g.type, g.count, **place)
        cpu = g.vcpu * CPU_UNITS_PER_VCPU if g.vcpu is not None else g.cpu
        assert cpu is not None  # one of them, by the model
        return InstanceGroup(
            g.name,
            cpu,
            g.memory,
            g.count,
            None,
            g.enis,
            g.trunkEnis,
            g.hourlyUsd,
            arch=_catalog_arch(g.instanceType),
            instance_type=g.instanceType,
            **place,
        )

    def service(self, k: int, s: schema.Service) -> Service:
        path: Path_ = ("services", k)
        old = self.taskdef((*path, "taskDefinition"), s.taskDefinition)
        new = old
        if s.newTaskDefinition is not None:
            new = self.taskdef((*path, "newTaskDefinition"), s.newTaskDefinition)
        daemon = s.schedulingStrategy == "DAEMON"
        controller = s.deploymentController or "ECS"
        c = s.deploymentConfiguration
        config: dict[str, Any] = {
            "minimum_healthy_percent": 0 if daemon else 100,
            "maximum_percent": 100 if daemon else 200,
        }
        if c is not None:
            config.update({DEPLOYMENT_SETTINGS[k]: v for k, v in c.settings().items()})
        if controller == "CODE_DEPLOY":  # ECS forces the defaults
            config["minimum_healthy_percent"], config["maximum_percent"] = 100, 200
        constraints: list[Any] = list(s.placementConstraints or [])
        return Service(
            name=s.name,
            desired_count=s.desiredCount or 0,
            task_definition=old,
            new_task_definition=new,
            deployment_controller=controller,
            scheduling_strategy=s.schedulingStrategy or "REPLICA",
            distinct_instance=any(c.type == "distinctInstance" for c in constraints),
            deploy=s.deploy is not False,
            placement=tuple(s.placement) if s.placement is not None else None,
            new_placement=tuple(s.newPlacement) if s.newPlacement is not None else None,
            load_balanced=bool(s.loadBalancers),
            member_of=tuple(c.expression for c in constraints if c.type == "memberOf"),
            placement_strategy=(
                None
                if s.placementStrategy is None
                else tuple((r.type, r.field) for r in s.placementStrategy)
            ),
            capacity_provider_strategy=strategy(s.capacityProviderStrategy),
            launch_type=s.launchType,
            **config,
        )

    def taskdef(self, path: Path_, raw: Any) -> TaskDefinition:
        if not isinstance(raw, str):
            return taskdef_from_mapping(raw, self.doc, path, ignored=self.ignored)
        written = raw.strip()
        file = Path(written).expanduser()
        if not file.is_absolute():
            file = self.base_dir / file
        shown = os.path.normpath(file)
        if shown in self.json_cache:
            return self.json_cache[shown]
        if not file.exists():
            arn = written.startswith("arn:") and ":task-definition/" in written
            raise self.doc.error(
                path,
                (
                    f"{describe(written)} is a task definition's ARN (as describe-services "
                    "prints it); planner needs its content: paste the output of aws ecs "
                    "describe-task-definition --task-definition "
                    f"{written.rsplit('/', 1)[-1]} here, or give the path of that JSON file"
                )
                if arn
                else (
                    f"no such task-definition file {describe(written)} (looked for {shown}); "
                    "give a mapping (cpu, memory, ...) or the path of a JSON file, e.g. from "
                    "aws ecs describe-task-definition --task-definition FAMILY:REVISION"
                ),
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


def _catalog_group(kind: str, count: int | None, **place: Any) -> InstanceGroup:
    """A group of a catalog type, its values the catalog's (count 0: a type a capacity
    provider may launch)."""
    t = get_instance_type(kind)
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
        **place,
    )


def _catalog_arch(kind: str | None) -> str | None:
    """The CPU architecture of an inline group's ``instanceType``, where the catalog has it."""
    if kind is None:
        return None
    known = find_instance_type(kind)
    return known.arch if known else None
