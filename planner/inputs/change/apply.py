"""A change laid over a cluster: the scenario mapping in which the services it touches
deploy, with the rest of the cluster as it runs (CONTRACT.md, ``solve --change``).

Which services (issue 23, "Which services"):

* a :class:`ServiceChange` is the cluster's service of the same name; where the change
  names its cluster and the cluster's name is known, a different cluster's service is not
  this one's (a note says so);
* a task definition no service of the change uses rolls out on the cluster's services
  whose running revision is of its family;
* a service the cluster does not run is a rollout from zero tasks: ``placement`` and
  ``newPlacement`` all zeros, its ``desiredCount`` tasks pending starts;
* the services touched deploy (``newTaskDefinition`` the change's revision, where it
  registers one; the fields it sets replace the cluster's); the others keep still
  (``deploy: false``) unless they are mid-deployment (``newPlacement``).

What ECS would refuse is refused here, naming the change file and field:
``networkConfiguration`` for a task definition whose network mode is not ``awsvpc``; a
task definition that is not one (checked as a scenario's inline one, by
:func:`planner.inputs.taskdef.taskdef_from_mapping`, with the change file's name).

Capacity providers: one of the cluster's name is updated (what runs now, ``instances`` or
``group``, kept); a new one starts with its ``instances``, added after the others, so
every service's ``placement`` gets that many zeros.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs.change.model import Change, Origin, ServiceChange, TaskDefinitionChange
from planner.inputs.located import Located
from planner.inputs.taskdef import task_definition_from_json, taskdef_from_mapping
from planner.model.scenario import TaskDefinition


@dataclass
class Applied:
    """The cluster with the changes laid over it.

    Parameters
    ----------
    mapping
        A new scenario mapping (the input is not modified).
    origins
        Service name → where the change declares it (or the task definition it rolls out).
    deploying
        The services that deploy because of the change, in the cluster's order.
    notes
        One line each: what the changes skipped, the values taken as ECS's defaults, and
        what touched nothing of this cluster.
    skipped, assumptions
        Those of :attr:`notes` that the readers gave, apart (for JSON).
    files
        The change files, as named.
    """

    mapping: dict[str, Any]
    origins: dict[str, Origin] = field(default_factory=dict)
    deploying: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    cluster_name: str | None = None
    #: Service name → the fields the changes set on it (so that the loader's complaint
    #: about one names the change, not the cluster's file: :func:`blame`).
    fields_set: dict[str, set[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``change`` object of ``solve --format json``."""
        return {
            "files": list(self.files),
            "deploying": list(self.deploying),
            "origins": {
                name: {"file": o.file, "line": o.line, "address": o.address}
                for name, o in self.origins.items()
            },
            "skipped": list(self.skipped),
            "assumptions": list(self.assumptions),
            "notes": list(self.notes),
            **({"cluster": self.cluster_name} if self.cluster_name else {}),
            **({"nothing": self.nothing} if self.nothing else {}),
        }

    @property
    def nothing(self) -> str | None:
        """The message when the changes touch no service of the cluster, else None."""
        if self.deploying:
            return None
        which = f"cluster {self.cluster_name}" if self.cluster_name else "the cluster"
        return f"the change touches no service of {which}: nothing to deploy"


def apply_changes(
    mapping: dict[str, Any],
    changes: list[Change],
    *,
    cluster_name: str | None = None,
    base_dir: str | Path | None = None,
) -> Applied:
    """Lay ``changes`` over a scenario mapping (a scenario file's, or an import's).

    Parameters
    ----------
    mapping
        The cluster as it runs, in the scenario file's format.
    changes
        Read by :func:`planner.inputs.change.detect.read_change`, applied in order.
    cluster_name
        The cluster's name where known: a service the change puts on another cluster is
        not this cluster's.
    base_dir
        Where the mapping's task-definition paths are relative to (to read the families
        and network modes of the revisions the cluster runs); default the current
        directory.

    Raises
    ------
    PlannerError
        Naming the change file and field, for what ECS would refuse.
    """
    state = _State(copy.deepcopy(mapping), Path(base_dir or "."), cluster_name)
    state.mapping.pop("expect", None)  # the cluster file's expectation is not the change's
    for change in changes:
        state.applied.files.append(change.file)
        state.applied.skipped += change.skipped
        state.applied.assumptions += change.assumptions
        state.change(change)
    applied = state.applied
    applied.notes = applied.skipped + applied.assumptions + applied.notes
    applied.mapping = state.mapping
    names = [s.get("name") for s in state.services]
    applied.deploying = [n for n in names if n in state.touched]
    for svc in state.services:
        if svc.get("name") not in state.touched and svc.get("newPlacement") is None:
            svc["deploy"] = False
    return applied


class _State:
    def __init__(self, mapping: dict[str, Any], base: Path, cluster_name: str | None) -> None:
        self.mapping = mapping
        self.base = base
        self.applied = Applied(mapping, cluster_name=cluster_name)
        self.cluster_name = cluster_name
        services = mapping.get("services")
        self.services: list[dict[str, Any]] = services if isinstance(services, list) else []
        self.touched: set[str] = set()
        self.running_cache: dict[str, TaskDefinition | None] = {}

    def by_name(self, name: str) -> dict[str, Any] | None:
        return next((s for s in self.services if s.get("name") == name), None)

    def running(self, svc: dict[str, Any]) -> TaskDefinition | None:
        """The revision a cluster's service runs (None where it cannot be read: the
        loader words that)."""
        raw = svc.get("taskDefinition")
        key = raw if isinstance(raw, str) else repr(raw)
        if key not in self.running_cache:
            try:
                if isinstance(raw, str):
                    path = Path(raw).expanduser()
                    td = task_definition_from_json(path if path.is_absolute() else self.base / path)
                else:
                    td = taskdef_from_mapping(raw, Located(raw, {}, "<cluster>"), ())
            except PlannerError:
                td = None
            self.running_cache[key] = td
        return self.running_cache[key]

    def change(self, change: Change) -> None:
        checked = {id(td): _checked(td) for td in _definitions(change)}
        for sc in change.services:
            self.service(sc, checked)
        for td in change.task_definitions:
            self.family(td, checked[id(td)])
        self.capacity(change)

    def service(self, sc: ServiceChange, checked: dict[int, TaskDefinition]) -> None:
        if sc.cluster and self.cluster_name and sc.cluster != self.cluster_name:
            self.applied.notes.append(
                f"{sc.origin}: service {sc.name} is on cluster {sc.cluster}, not "
                f"{self.cluster_name}: not this cluster's"
            )
            return
        if sc.replaces is not None and (gone := self.by_name(sc.replaces)) is not None:
            self.services.remove(gone)  # destroyed before the new one is created
            self.applied.notes.append(
                f"{sc.origin}: service {sc.replaces} is deleted before {sc.name} is created "
                f"(a replacement, destroy first): its tasks are gone, and {sc.name} starts "
                "from zero tasks"
            )
        svc = self.by_name(sc.name)
        if svc is None and sc.name_generated:
            svc = self.by_family(sc)
        new = checked[id(sc.task_definition)] if sc.task_definition is not None else None
        if svc is None:
            svc = self.new_service(sc)
        else:
            _not_mid_deployment(svc, sc.origin)
        mode = new.network_mode if new is not None else None
        if mode is None:
            running = self.running(svc)
            mode = running.network_mode if running is not None else None
        if sc.network_configuration and mode is not None and mode != "awsvpc":
            raise PlannerError(
                f"ECS refuses a network configuration for a task definition whose network "
                f"mode is {mode} (only awsvpc takes one): remove it, or set the task "
                "definition's network mode to awsvpc",
                file=sc.origin.file,
                line=sc.origin.line,
                field=_field(sc.origin, sc.network_configuration),
            )
        _rescale(svc, sc)
        _merge(svc, sc.fields)
        if sc.task_definition is not None:
            svc["newTaskDefinition"] = copy.deepcopy(sc.task_definition.definition)
        self.touch(svc, sc.origin)
        self.applied.fields_set.setdefault(svc["name"], set()).update(sc.fields)

    def touch(self, svc: dict[str, Any], origin: Origin) -> None:
        """``svc`` deploys because of the change declared at ``origin``."""
        svc.pop("deploy", None)
        self.touched.add(svc["name"])
        self.applied.origins[svc["name"]] = origin

    def by_family(self, sc: ServiceChange) -> dict[str, Any] | None:
        """The cluster's one service running the family of ``sc``'s task definition (a
        service whose name the change leaves to be generated); None where none does."""
        if sc.task_definition is None:
            return None
        family = sc.task_definition.family
        found = [
            svc
            for svc in self.services
            if svc.get("name") not in self.touched
            and (running := self.running(svc)) is not None
            and (running.family or "").split(":")[0] == family
        ]
        if len(found) > 1:
            names = ", ".join(str(svc.get("name")) for svc in found)
            raise PlannerError(
                f"{sc.origin.address}: service {sc.name} has no name in the change, and "
                f"services {names} of the cluster all run task family {family}: give the "
                "service's name (ServiceName) so planner knows which one it updates",
                file=sc.origin.file,
                line=sc.origin.line,
            )
        if found:
            self.applied.notes.append(
                f"{sc.origin}: service {sc.name} has no name in the change: taken as the "
                f"cluster's service {found[0]['name']}, which runs task family {family}"
            )
            return found[0]
        return None

    def new_service(self, sc: ServiceChange) -> dict[str, Any]:
        if sc.task_definition is None:
            raise PlannerError(
                f"{sc.origin.address}: service {sc.name} is new to the cluster, and its task "
                "definition is a revision this change does not register: planner needs its "
                "content (register it in the same change)",
                file=sc.origin.file,
                line=sc.origin.line,
                field="task_definition",
            )
        n = self.instance_count(sc)
        svc: dict[str, Any] = {
            "name": sc.name,
            "desiredCount": sc.new_desired_count,
            "taskDefinition": copy.deepcopy(sc.task_definition.definition),
            "placement": [0] * n,
            "newPlacement": [0] * n,  # none running: every task a pending start
        }
        self.services.append(svc)
        return svc

    def instance_count(self, sc: ServiceChange) -> int:
        cluster = self.mapping.get("cluster") or {}
        groups = cluster.get("instances") or []
        if any(not isinstance(g, dict) or g.get("count") is None for g in groups):
            raise PlannerError(
                f"{sc.origin.address}: service {sc.name} is new: planner starts it from "
                "zero tasks, which needs every instance group's count in the cluster",
                file=sc.origin.file,
                line=sc.origin.line,
            )
        n = sum(int(g["count"]) for g in groups)
        for cp in cluster.get("capacityProviders") or []:
            n += int(((cp or {}).get("autoScalingGroup") or {}).get("instances") or 0)
        return n

    def family(self, td: TaskDefinitionChange, checked: TaskDefinition) -> None:
        found = False
        for svc in self.services:
            running = self.running(svc)
            family = (running.family or "").split(":")[0] if running is not None else ""
            if family != td.family or svc.get("name") in self.touched:
                continue
            _not_mid_deployment(svc, td.origin)
            svc["newTaskDefinition"] = copy.deepcopy(td.definition)
            self.touch(svc, td.origin)
            found = True
        if not found:
            self.applied.notes.append(
                f"{td.origin}: task definition family {td.family}: no service of the "
                "cluster runs it"
            )

    def capacity(self, change: Change) -> None:
        cluster = self.mapping.setdefault("cluster", {})
        providers = cluster.setdefault("capacityProviders", [])
        for item in change.capacity_providers:
            mine = next((p for p in providers if p.get("name") == item["name"]), None)
            if mine is None:
                providers.append(copy.deepcopy(item))
                added = int(item.get("autoScalingGroup", {}).get("instances") or 0)
                for svc in self.services:  # its instances come after all others
                    for key in ("placement", "newPlacement"):
                        if isinstance(svc.get(key), list):
                            svc[key] = svc[key] + [0] * added
                continue
            group = mine.setdefault("autoScalingGroup", {})
            kept = {k: group[k] for k in ("instances", "group") if k in group}
            group.clear()
            group.update(copy.deepcopy(item["autoScalingGroup"]))
            group.pop("instances", None)
            group.update(kept)
            if "managedScaling" in item:
                mine["managedScaling"] = copy.deepcopy(item["managedScaling"])
        if not providers:
            del cluster["capacityProviders"]
        if change.default_strategy is not None:
            cluster["defaultCapacityProviderStrategy"] = copy.deepcopy(change.default_strategy)


def _definitions(change: Change) -> list[TaskDefinitionChange]:
    out = [sc.task_definition for sc in change.services if sc.task_definition is not None]
    return out + list(change.task_definitions)


def _checked(td: TaskDefinitionChange) -> TaskDefinition:
    """The task definition read as the scenario loader will, its errors naming the change
    file and the resource."""
    try:
        return taskdef_from_mapping(td.definition, Located(td.definition, {}, td.origin.file), ())
    except PlannerError as exc:
        raise PlannerError(
            exc.message,
            file=td.origin.file,
            line=td.origin.line,
            field=_field(td.origin, exc.field),
        ) from None


def _field(origin: Origin, field: str | None) -> str | None:
    """A field of a change's resource, for messages: ``ADDRESS.field``."""
    if origin.address is None:
        return field
    return f"{origin.address}.{field}" if field else origin.address


def _not_mid_deployment(svc: dict[str, Any], origin: Origin) -> None:
    """Refuse a change to a service the cluster has caught mid-deployment (``newPlacement``):
    planner answers for one deployment at a time."""
    if svc.get("newPlacement") is not None and svc.get("deploy") is not False:
        raise PlannerError(
            f"{origin.address}: service {svc.get('name')} is mid-deployment in the cluster "
            "(newPlacement); planner answers for one deployment at a time: let it finish, "
            "then check the change",
            file=origin.file,
            line=origin.line,
        )


#: Fields whose change alone starts no new deployment: ECS scales the running one.
SCALE_ONLY = frozenset({"desiredCount", "deploymentConfiguration"})


def _rescale(svc: dict[str, Any], sc: ServiceChange) -> None:
    """A new desired count for a running service (ROLLOUT.md §9's snapshot terms).

    With a new revision or other settings, a deployment: the old tasks stay where they
    run (``placement``) and the new count starts (``newPlacement`` all zeros: pending
    starts). With only the count (and deployment settings) changing upwards (the fields the
    change gives as the service has them are no change: a plan gives every one), ECS starts no
    new deployment: the running tasks are already the deployment's (``newPlacement``) and
    the missing ones are pending starts. A count going down needs no room: modelled as the
    deployment (conservative).
    """
    count, placed = sc.fields.get("desiredCount"), svc.get("placement")
    if not isinstance(count, int) or not isinstance(placed, list) or "newPlacement" in svc:
        return
    if not all(isinstance(n, int) for n in placed) or sum(placed) == count:
        return
    changed = {k for k, v in sc.fields.items() if not _same(k, svc, v)}
    if sc.task_definition is None and changed <= SCALE_ONLY and count > sum(placed):
        svc["newPlacement"], svc["placement"] = list(placed), [0] * len(placed)
        return
    svc["newPlacement"] = [0] * len(placed)


def _same(key: str, svc: dict[str, Any], value: Any) -> bool:
    """Whether the change's ``value`` of ``key`` is what the service has: absent, None and
    an empty list alike; launch type EC2 the same as none without a provider strategy."""
    had = svc.get(key)
    if had in (None, []) and value in (None, []):
        return True
    if key == "launchType" and value == "EC2" and had is None:
        return not svc.get("capacityProviderStrategy")
    return bool(had == value)


def _merge(svc: dict[str, Any], fields: dict[str, Any]) -> None:
    """The change's fields over the service's: ``deploymentConfiguration`` key by key; a
    launch type and a capacity provider strategy replace each other."""
    for key, value in fields.items():
        if value is None:  # the change sets none: ECS's default, not the cluster's value
            svc.pop(key, None)
            continue
        if key == "deploymentConfiguration" and isinstance(svc.get(key), dict):
            svc[key] = {**svc[key], **copy.deepcopy(value)}
            continue
        svc[key] = copy.deepcopy(value)
        if key == "launchType":
            svc.pop("capacityProviderStrategy", None)
        if key == "capacityProviderStrategy":
            svc.pop("launchType", None)


def blame(exc: PlannerError, applied: Applied) -> PlannerError:
    """The loader's error about the laid-over mapping, naming the change where a change set
    the field (``services[k].FIELD...`` of a service the change touched), else as it is."""
    m = re.match(r"services\[(\d+)\]\.([A-Za-z]+)(.*)$", exc.field or "")
    services = applied.mapping.get("services")
    if m is None or not isinstance(services, list) or int(m.group(1)) >= len(services):
        return exc
    name = services[int(m.group(1))].get("name")
    origin = applied.origins.get(name)
    if origin is None or m.group(2) not in applied.fields_set.get(name, ()):
        return exc
    where = f"{origin.address}." if origin.address else ""
    return PlannerError(
        f"{exc.message} (service {name}, as the change sets it)",
        file=origin.file,
        line=origin.line,
        field=f"{where}{m.group(2)}{m.group(3)}",
    )
