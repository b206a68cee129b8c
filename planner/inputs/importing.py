"""A scenario from what the AWS CLI prints about a cluster (ROLLOUT.md §9).

A folder holds, as ``aws ... --output json`` prints them:

- ``services.json`` — ``aws ecs describe-services --cluster C --services ...``
- ``container-instances.json`` — ``aws ecs describe-container-instances ...``
- ``tasks.json`` — ``aws ecs describe-tasks --cluster C --tasks ...``
- ``task-definitions/*.json`` — ``aws ecs describe-task-definition --task-definition ...``,
  one per revision in use (and per revision named in ``--deploy``).

:func:`import_folder` turns them into a scenario mapping in the scenario file's format
(CONTRACT.md), one step per function, in the order a user can act on what is refused:
what planner cannot model in ``services.json`` first (an EXTERNAL deployment controller or
launch type, two old revisions, ``--deploy`` of a service that is mid-deployment), then
what the export lacks (a file, an instance, a task definition).

- Container instances that ECS registered alike (CPU, memory, type, zone, custom
  attributes, status) form one instance group, named by type and zone, with a count and
  their ids; CPU and memory are the **registered** ones (not the catalog's), and for a
  type the catalog knows, its ENI limits (EC2's, which the export does not carry).
- Every service with its settings and where each of its tasks runs now. A task belongs to
  the service its ``group`` names (``service:NAME``), or, in an export without ``group``
  fields, to the service one of whose deployments' ``id`` its ``startedBy`` is.
- Fargate services and tasks (launch type or capacity provider ``FARGATE`` or
  ``FARGATE_SPOT``) are set aside with one warning: they take no room on the container
  instances, which is all planner models.
- Tasks of services that are not exported count as static load when their task
  definition is exported. Fields that newer API versions add are ignored.

A snapshot (ROLLOUT.md §9): a service with ``PRIMARY`` and ``ACTIVE`` deployments rolls
out the PRIMARY revision; its tasks of that revision are ``newPlacement`` (already
running), those of the ACTIVE one ``placement``. A service running fewer tasks than its
desired count has the missing ones as pending starts. ``DRAINING`` instances and those
whose agent is disconnected take no new task (§10). ``PENDING`` tasks count as started,
``STOPPING`` ones as gone.

Without ``deploy``, every service is redeployed with the revision it runs (a forced new
deployment), and one caught mid-deployment finishes it. With ``deploy``, the services it
names roll out the revision given, and the others keep still (``deploy: false``) unless
ECS is moving them already (a deployment in progress, missing tasks, a drain).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.model.scenario import Scenario
from planner.running.clock import Deadline

MAX_BYTES = 20_000_000
FILES = ("services.json", "container-instances.json", "tasks.json")
#: Task states that hold resources on an instance (ROLLOUT.md §9: PENDING counts as
#: started, STOPPING as gone).
RUNNING = ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING")
#: Instance-group fields that make two container instances alike (one group).
ALIKE = (
    "cpu", "memory", "instanceType", "enis", "trunkEnis", "availabilityZone", "attributes",
    "status", "agentConnected",
)  # fmt: skip


def _read(path: Path) -> Any:
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)  # one byte more than allowed tells "too large"
    except FileNotFoundError:
        raise PlannerError(
            "is missing: the folder needs services.json, container-instances.json, tasks.json "
            "and task-definitions/*.json (README: Importing a cluster)",
            file=str(path),
        ) from None
    except OSError as exc:
        raise PlannerError(f"cannot read the file: {exc.strerror or exc}", file=str(path)) from None
    if len(raw) > MAX_BYTES:
        raise PlannerError(f"larger than {MAX_BYTES:,} bytes; refusing to read it", file=str(path))
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise PlannerError("not a text file (JSON expected)", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise PlannerError(
            f"not valid JSON: {exc.msg} (a truncated export?)", file=str(path), line=exc.lineno
        ) from None


def _list(doc: Any, key: str, path: Path) -> list[dict[str, Any]]:
    items = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        raise PlannerError(
            f"expected the AWS CLI's JSON with a list {key!r}", file=str(path), field=key
        )
    failures = doc.get("failures") or []
    if failures:
        first = failures[0]
        raise PlannerError(
            f"the export lists failures: {first.get('arn', '?')}: {first.get('reason', '?')}"
            + (f" ({first['detail']})" if first.get("detail") else "")
            + "; export again with the names that exist",
            file=str(path),
            field="failures[0]",
        )
    return items


def _need(item: dict[str, Any], key: str, path: Path, where: str) -> Any:
    if item.get(key) is None:
        raise PlannerError("is required but missing", file=str(path), field=f"{where}.{key}")
    return item[key]


def _resource(ci: dict[str, Any], name: str) -> Any:
    for r in ci.get("registeredResources") or []:
        if r.get("name") == name:
            return (
                r.get("stringSetValue") if r.get("type") == "STRINGSET" else r.get("integerValue")
            )
    return None


def _on_fargate(item: dict[str, Any]) -> bool:
    """A service or task on Fargate: launch type FARGATE, or a capacity provider (a task's
    ``capacityProviderName``, a service's ``capacityProviderStrategy``) FARGATE or
    FARGATE_SPOT."""
    if item.get("launchType") == "FARGATE":
        return True
    if str(item.get("capacityProviderName") or "").startswith("FARGATE"):
        return True
    strategy = item.get("capacityProviderStrategy") or []
    return isinstance(strategy, list) and any(
        isinstance(c, dict) and str(c.get("capacityProvider") or "").startswith("FARGATE")
        for c in strategy
    )


# ------------------------------------------------------------------ services: what they deploy


@dataclass(frozen=True)
class _Revisions:
    """What a service's deployments say: the revision rolled out and the old one."""

    current: str  #: the PRIMARY deployment's task definition (else the service's)
    olds: tuple[str, ...]  #: other revisions of ACTIVE deployments (a deployment in progress)
    primary_id: str | None  #: the PRIMARY deployment's id (its tasks' ``startedBy``)
    #: an ACTIVE deployment of the same revision: a forced new deployment caught mid-way
    forced: bool

    @property
    def midway(self) -> bool:
        return bool(self.olds)

    @property
    def forced_midway(self) -> bool:
        return not self.olds and self.forced and bool(self.primary_id)


def _revisions(svc: dict[str, Any], path: Path, where: str) -> _Revisions:
    deployments = [d for d in svc.get("deployments") or [] if isinstance(d, dict)]
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    current = (primary or {}).get("taskDefinition") or _need(svc, "taskDefinition", path, where)
    active = [d for d in deployments if d.get("status") == "ACTIVE"]
    olds = sorted({str(d["taskDefinition"]) for d in active if d.get("taskDefinition")} - {current})
    return _Revisions(
        current,
        tuple(olds),
        (primary or {}).get("id"),
        any(d.get("taskDefinition") == current for d in active),
    )


def _check_services(
    services: list[dict[str, Any]], path: Path, deploy: dict[str, str]
) -> tuple[list[tuple[int, dict[str, Any], _Revisions]], list[dict[str, Any]]]:
    """The EC2 services (index, service, revisions) and the Fargate ones, after refusing,
    before any other file is read, what planner cannot model in ``services.json``: the
    user acts on these first, whatever else the export lacks."""
    if not services:
        raise PlannerError(
            "lists no services: export the services to deploy (README: Importing a cluster)",
            file=str(path),
            field="services",
        )
    ec2: list[tuple[int, dict[str, Any], _Revisions]] = []
    fargate: list[dict[str, Any]] = []
    for k, svc in enumerate(services):
        where = f"services[{k}]"
        name = _need(svc, "serviceName", path, where)
        if svc.get("launchType") == "EXTERNAL":
            raise PlannerError(
                f"service {name} runs on EXTERNAL instances (ECS Anywhere): planner models "
                "EC2 container instances only",
                file=str(path),
                field=f"{where}.launchType",
            )
        if (svc.get("deploymentController") or {}).get("type") == "EXTERNAL":
            raise PlannerError(
                f"service {name} has an EXTERNAL deployment controller, which planner cannot "
                "model (its task sets are deployed by another tool)",
                file=str(path),
                field=f"{where}.deploymentController",
            )
        if _on_fargate(svc):
            if name in deploy:
                raise PlannerError(
                    f"--deploy names {name}, which runs on Fargate: planner models EC2 "
                    "container instances only"
                )
            fargate.append(svc)
            continue
        rev = _revisions(svc, path, where)
        if len(rev.olds) > 1:
            raise PlannerError(
                f"service {name} has ACTIVE deployments of {rev.olds[0]} and {rev.olds[1]}: "
                "planner models one old revision beside the new one; wait until one has drained",
                file=str(path),
                field=f"{where}.deployments",
            )
        if name in deploy and (rev.midway or rev.forced_midway):
            what = "" if rev.midway else " (a forced new deployment)"
            raise PlannerError(
                f"--deploy names {name}, which is mid-deployment{what}: planner answers for "
                "the deployment in progress (its PRIMARY revision)"
            )
        ec2.append((k, svc, rev))
    names = {svc["serviceName"] for _, svc, _ in ec2} | {s["serviceName"] for s in fargate}
    unknown = sorted(set(deploy) - names)
    if unknown:
        raise PlannerError(f"--deploy names {unknown[0]}, which services.json does not list")
    if not ec2:
        raise PlannerError(
            f"lists only Fargate services ({', '.join(s['serviceName'] for s in fargate)}): "
            "planner models EC2 container instances; nothing here to deploy on them",
            file=str(path),
            field="services",
        )
    return ec2, fargate


def _settings(svc: dict[str, Any]) -> dict[str, Any]:
    """A service's deployment settings in the scenario file's names."""
    out: dict[str, Any] = {}
    config = svc.get("deploymentConfiguration") or {}
    dc = {
        key: config[key]
        for key in ("minimumHealthyPercent", "maximumPercent")
        if config.get(key) is not None
    }
    if dc:
        out["deploymentConfiguration"] = dc
    if (svc.get("deploymentController") or {}).get("type") == "CODE_DEPLOY":
        out["deploymentController"] = "CODE_DEPLOY"
    for key in ("placementConstraints", "placementStrategy"):
        if svc.get(key):
            out[key] = [
                {f: v for f, v in item.items() if f in ("type", "expression", "field")}
                for item in svc[key]
            ]
    if svc.get("loadBalancers"):
        out["loadBalancers"] = [
            {f: v for f, v in lb.items() if f in ("targetGroupArn", "loadBalancerName",
                                                  "containerName", "containerPort")}
            for lb in svc["loadBalancers"]
        ]  # fmt: skip
    return out


# ------------------------------------------------------------------ task definitions


class _TaskDefs:
    """The exported task definitions by ARN, as paths relative to the scenario's folder."""

    def __init__(self, root: Path, base: Path) -> None:
        self.folder = root / "task-definitions"
        self.base = base
        self.files: dict[str, Path] = {}
        for f in sorted(self.folder.glob("*.json")):
            td = _read(f)
            body = td.get("taskDefinition", td) if isinstance(td, dict) else None
            arn = body.get("taskDefinitionArn") if isinstance(body, dict) else None
            if not arn:
                raise PlannerError(
                    "expected `aws ecs describe-task-definition` output (taskDefinitionArn)",
                    file=str(f),
                )
            self.files[arn] = f

    def path(self, arn: str, who: str) -> str:
        if arn not in self.files:
            raise PlannerError(
                f"{who} runs {arn}, whose task definition is not exported: add "
                f"`aws ecs describe-task-definition --task-definition {arn}` to "
                "task-definitions/",
                file=str(self.folder),
            )
        return os.path.relpath(self.files[arn], self.base)


# ------------------------------------------------------------------ container instances


def _instance(ci: dict[str, Any], k: int, path: Path, catalog: Any) -> dict[str, Any]:
    """One container instance as an instance group of one (its id in ``instanceIds``)."""
    where = f"containerInstances[{k}]"
    arn = _need(ci, "containerInstanceArn", path, where)
    status = ci.get("status", "ACTIVE")
    if status not in ("ACTIVE", "DRAINING"):
        raise PlannerError(
            f"instance {ci.get('ec2InstanceId', arn)} is {status}: planner models ACTIVE "
            "and DRAINING instances; export again once it is one of them",
            file=str(path),
            field=f"{where}.status",
        )
    attrs = {a.get("name"): a.get("value") for a in ci.get("attributes") or []}
    cpu, memory = _resource(ci, "CPU"), _resource(ci, "MEMORY")
    if not isinstance(cpu, int) or not isinstance(memory, int):
        raise PlannerError(
            "registeredResources needs CPU and MEMORY (integerValue)",
            file=str(path),
            field=f"{where}.registeredResources",
        )
    group: dict[str, Any] = {"cpu": cpu, "memory": memory}
    if attrs.get("ecs.instance-type"):
        group["instanceType"] = attrs["ecs.instance-type"]
        known = catalog.get(attrs["ecs.instance-type"])
        if known is not None and known.enis:  # not in the export: EC2's per-type limit
            group["enis"] = known.enis
            if known.trunk_enis:
                group["trunkEnis"] = known.trunk_enis
    if attrs.get("ecs.availability-zone"):
        group["availabilityZone"] = attrs["ecs.availability-zone"]
    custom = {n: v for n, v in attrs.items() if n and not n.startswith("ecs.") and v is not None}
    if custom:
        group["attributes"] = custom
    group["instanceIds"] = [ci.get("ec2InstanceId") or arn.rsplit("/", 1)[-1]]
    if status == "DRAINING":
        group["status"] = "DRAINING"
    if ci.get("agentConnected") is False:
        group["agentConnected"] = False
    return group


def _group_name(group: dict[str, Any]) -> str:
    """A group's name: its type and zone ("m5.large (draining) in us-east-1b")."""
    name = group.get("instanceType") or f"{group['cpu']} CPU units, {group['memory']} MiB"
    if group.get("status") == "DRAINING":
        name += " (draining)"
    if group.get("agentConnected") is False:
        name += " (agent disconnected)"
    zone = group.get("availabilityZone")
    return f"{name} in {zone}" if zone else name


def _groups(singles: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[int]]:
    """Instances registered alike as one group each (in the order first met), and the
    export's instance index of every instance of the groups, in the groups' order."""
    by_kind: dict[str, list[int]] = {}
    for i, one in enumerate(singles):
        kind = json.dumps([one.get(f) for f in ALIKE], sort_keys=True)
        by_kind.setdefault(kind, []).append(i)
    groups, order = [], []
    for members in by_kind.values():
        first = singles[members[0]]
        group = {"name": _group_name(first), "cpu": first["cpu"], "memory": first["memory"]}
        group["count"] = len(members)
        for key in ("instanceType", "enis", "trunkEnis", "availabilityZone", "attributes"):
            if key in first:
                group[key] = first[key]
        group["instanceIds"] = [singles[i]["instanceIds"][0] for i in members]
        for key in ("status", "agentConnected"):
            if key in first:
                group[key] = first[key]
        groups.append(group)
        order += members
    return groups, order


def _agent(instances: list[dict[str, Any]], warnings: list[str]) -> dict[str, Any]:
    """The agent's reserved ports, as the first instance registers them."""
    ports = [tuple(sorted(int(p) for p in _resource(ci, "PORTS") or [])) for ci in instances]
    if not ports or not ports[0]:
        return {}
    if any(p != ports[0] for p in ports):
        warnings.append(
            "instances register different reserved ports; the first instance's are used"
        )
    return {"reservedPorts": list(ports[0])}


# ------------------------------------------------------------------ tasks: whose, where


@dataclass
class _Tasks:
    """Where the running tasks are, per instance in the export's order."""

    running: dict[str, dict[str, list[int]]]  #: service -> revision -> tasks per instance
    started: dict[tuple[str, str], list[int]]  #: (service, startedBy) -> tasks per instance
    fargate: Counter[str]  #: service ("" for none) -> its Fargate tasks, set aside


def _deployment_ids(services: list[dict[str, Any]]) -> dict[str, str]:
    """Deployment id (``ecs-svc/...``, a task's ``startedBy``) -> its service's name."""
    return {
        str(d["id"]): svc["serviceName"]
        for svc in services
        for d in svc.get("deployments") or []
        if isinstance(d, dict) and d.get("id")
    }


def _owner(task: dict[str, Any], by_deployment: dict[str, str]) -> str:
    """The service a task belongs to: the one its ``group`` names (``service:NAME``), else
    the one whose deployment started it (``startedBy``); else its group ("" for none)."""
    group = str(task.get("group") or "")
    if group.startswith("service:"):
        return group.removeprefix("service:")
    return by_deployment.get(str(task.get("startedBy") or ""), group)


def _tasks(
    tasks: list[dict[str, Any]],
    path: Path,
    index: dict[str, int],
    by_deployment: dict[str, str],
    fargate_services: set[str],
) -> _Tasks:
    found = _Tasks({}, {}, Counter())
    for k, t in enumerate(tasks):
        if t.get("lastStatus") not in RUNNING:
            continue  # STOPPING and STOPPED tasks are gone (§9)
        where = f"tasks[{k}]"
        name = _owner(t, by_deployment)
        if _on_fargate(t) or name in fargate_services:
            found.fargate[name] += 1
            continue
        ci = t.get("containerInstanceArn")
        if ci is None:
            raise PlannerError(
                "is required but missing: a task on EC2 names its container instance (a task "
                "on Fargate says launchType FARGATE, and planner sets it aside)",
                file=str(path),
                field=f"{where}.containerInstanceArn",
            )
        if ci not in index:
            raise PlannerError(
                f"task {t.get('taskArn', k)} runs on {ci}, which container-instances.json "
                "does not list: export every instance of the cluster",
                file=str(path),
                field=f"{where}.containerInstanceArn",
            )
        revision = _need(t, "taskDefinitionArn", path, where)
        per = found.running.setdefault(name, {}).setdefault(revision, [0] * len(index))
        per[index[ci]] += 1
        if t.get("startedBy"):  # the deployment that started it (ecs-svc/...)
            by = found.started.setdefault((name, t["startedBy"]), [0] * len(index))
            by[index[ci]] += 1
    return found


def _fargate_by_tasks(
    ec2: list[tuple[int, dict[str, Any], _Revisions]],
    fargate: list[dict[str, Any]],
    found: _Tasks,
    deploy: dict[str, str],
    path: Path,
) -> list[tuple[int, dict[str, Any], _Revisions]]:
    """The EC2 services less those whose tasks all run on Fargate (a service that names no
    launch type runs on the cluster's default capacity provider strategy, which the
    export does not show): those join ``fargate``."""
    keep = []
    for k, svc, rev in ec2:
        name = svc["serviceName"]
        if not found.fargate.get(name) or name in found.running:
            keep.append((k, svc, rev))
        elif name in deploy:
            raise PlannerError(
                f"--deploy names {name}, whose tasks run on Fargate: planner models EC2 "
                "container instances only"
            )
        else:
            fargate.append(svc)
    if not keep:
        raise PlannerError(
            f"lists only services on Fargate ({', '.join(s['serviceName'] for s in fargate)}): "
            "planner models EC2 container instances; nothing here to deploy on them",
            file=str(path),
            field="services",
        )
    return keep


def _set_aside(fargate: list[dict[str, Any]], tasks: Counter[str]) -> list[str]:
    """One line on the Fargate services and tasks set aside (none when there are none)."""
    parts = []
    if fargate:
        names = ", ".join(s["serviceName"] for s in fargate)
        parts.append(f"{len(fargate)} Fargate service{'s' * (len(fargate) != 1)} ({names})")
    n = sum(tasks.values())
    if n:
        owners = ", ".join(sorted(name or "no service" for name in tasks))
        parts.append(f"{n} Fargate task{'s' * (n != 1)} (of {owners})")
    if not parts:
        return []
    return [
        "set aside: " + " and ".join(parts) + ": planner models the EC2 container instances, "
        "where Fargate tasks take no room"
    ]


# ------------------------------------------------------------------ services: the scenario's


@dataclass
class _Context:
    """What every service's step reads."""

    taskdefs: _TaskDefs
    deploy: dict[str, str]
    base: Path
    draining: list[bool]  #: per instance, in the export's order
    ids: list[str]  #: per instance: its EC2 id


def _service(
    svc: dict[str, Any], rev: _Revisions, found: _Tasks, ctx: _Context, tasks_path: Path
) -> tuple[dict[str, Any], list[str]]:
    """One EC2 service in the scenario file's format, and the warnings met."""
    name = svc["serviceName"]
    revisions = found.running.get(name, {})
    others = [r for r in revisions if r != rev.current and r not in rev.olds]
    if others:
        raise PlannerError(
            f"service {name} runs tasks of {others[0]}, which none of its deployments "
            f"names (PRIMARY: {rev.current}): export services.json and tasks.json together",
            file=str(tasks_path),
        )
    out: dict[str, Any] = {"name": name}
    if (svc.get("schedulingStrategy") or "REPLICA") == "DAEMON":
        out["schedulingStrategy"] = "DAEMON"
    else:
        out["desiredCount"] = int(svc.get("desiredCount", sum(revisions.get(rev.current, []))))
    who = f"service {name}"
    if rev.midway:
        out["taskDefinition"] = ctx.taskdefs.path(rev.olds[0], who)
        out["newTaskDefinition"] = ctx.taskdefs.path(rev.current, who)
    else:
        out["taskDefinition"] = ctx.taskdefs.path(rev.current, who)
        if name in ctx.deploy:
            out["newTaskDefinition"] = os.path.relpath(Path(ctx.deploy[name]), ctx.base)
    out.update(_settings(svc))
    place, warnings = _placements(name, out, rev, revisions, found.started, ctx.draining)
    if ctx.deploy and name not in ctx.deploy:
        moving = _moving(rev, place, ctx.draining)
        if moving:
            warnings.append(
                f"service {name} is not named in --deploy, but ECS is moving it already "
                f"({moving}): planner models that to its end"
            )
        else:
            out["deploy"] = False  # it keeps still: its tasks are static load
    out.update(place)
    return out, warnings


def _moving(rev: _Revisions, place: dict[str, list[int]], draining: list[bool]) -> str:
    """Why ECS moves a service's tasks now ("" when it keeps still)."""
    if rev.midway or rev.forced_midway:
        return "a deployment in progress"
    if "newPlacement" in place:
        return "tasks missing"
    if any(n and d for n, d in zip(place["placement"], draining, strict=True)):
        return "tasks on a draining instance"
    return ""


def _placements(
    name: str,
    out: dict[str, Any],
    rev: _Revisions,
    revisions: dict[str, list[int]],
    started: dict[tuple[str, str], list[int]],
    draining: list[bool],
) -> tuple[dict[str, list[int]], list[str]]:
    """Where a service's old and new tasks run (``placement``, ``newPlacement``), per
    instance in the export's order; ``out``'s desiredCount raised to the new tasks that run
    when more run than desired."""
    warnings: list[str] = []
    n = len(draining)
    placed = list(revisions.get(rev.current, [0] * n))
    # DAEMON: one per instance that is not draining (ROLLOUT.md §10)
    want = out.get("desiredCount", n - sum(draining))
    place: dict[str, list[int]]
    if rev.forced_midway:
        # a forced new deployment caught mid-way: the same revision, told apart by the
        # deployment that started each task
        fresh = list(started.get((name, str(rev.primary_id)), [0] * n))
        place = {"placement": [a - b for a, b in zip(placed, fresh, strict=True)]}
        place["newPlacement"] = fresh
    elif rev.midway:  # a snapshot: old tasks left, new ones running (ROLLOUT.md §9)
        place = {"placement": list(revisions.get(rev.olds[0], [0] * n)), "newPlacement": placed}
    elif sum(placed) < want:  # pending starts: what runs is done, the rest to start
        warnings.append(
            f"service {name}: {sum(placed)} of {want} tasks run; planner starts the "
            f"{want - sum(placed)} missing as part of the rollout"
        )
        if "newTaskDefinition" in out:  # a new revision: every running task is old
            place = {"placement": placed, "newPlacement": [0] * n}
        else:  # tasks on draining instances are still to be replaced (§10)
            place = {
                "placement": [k if draining[i] else 0 for i, k in enumerate(placed)],
                "newPlacement": [0 if draining[i] else k for i, k in enumerate(placed)],
            }
    else:
        place = {"placement": placed}
    # more tasks of the revision to roll out than desired (a scale-in under way): the
    # rollout is taken to want those that run
    ahead = sum(place.get("newPlacement", place["placement"]))
    if ahead > want:
        warnings.append(
            f"service {name}: {ahead} tasks of the revision to roll out run, desiredCount "
            f"is {want}; planner takes the tasks that run as desired"
        )
        if "desiredCount" in out:
            out["desiredCount"] = ahead
    return place, warnings


def _static_load(
    found: _Tasks, exported: set[str], ctx: _Context
) -> tuple[list[dict[str, Any]], list[str]]:
    """The tasks of services not exported, as services that do not deploy."""
    out: list[dict[str, Any]] = []
    warnings: list[str] = []
    for name, revisions in sorted(found.running.items()):
        if name in exported:
            continue
        for revision, placed in revisions.items():
            static = f"{name or 'task'} (not exported)"
            warnings.append(
                f"{sum(placed)} tasks of {name or 'no service'} ({revision}) are not in "
                "services.json: they count as static load"
            )
            drained = [ctx.ids[i] for i, n in enumerate(placed) if n and ctx.draining[i]]
            if drained:
                warnings.append(
                    f"tasks of {name or 'no service'} run on the draining instance "
                    f"{drained[0]}: planner keeps them there as static load (export their "
                    "service to model their replacement)"
                )
            out.append(
                {
                    "name": static if len(revisions) == 1 else f"{static} {revision}",
                    "desiredCount": sum(placed),
                    "taskDefinition": ctx.taskdefs.path(
                        revision, f"a task of {name or 'no service'}"
                    ),
                    "deploy": False,
                    "placement": list(placed),
                }
            )
    return out, warnings


# ------------------------------------------------------------------ the steps in order


def import_folder(
    folder: str | Path, deploy: dict[str, str] | None = None, relative_to: str | Path | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The scenario mapping of an export folder, and the warnings met.

    Parameters
    ----------
    folder
        The export folder.
    deploy
        Service name → task-definition JSON of the revision to roll out; the other
        services keep still (``deploy: false``) unless ECS is moving them already.
        Default: every service is redeployed with the revision it runs (a forced new
        deployment, e.g. to check an AMI refresh).
    relative_to
        Task-definition paths in the mapping are relative to this directory (where the
        scenario file will be written); default: the folder.

    Raises
    ------
    PlannerError
        Naming the file and field, for an export planner cannot read or model.
    """
    from planner.model.catalog import load_catalog

    root = Path(folder)
    if not root.is_dir():
        raise PlannerError("is not a folder of AWS CLI exports", file=str(root))
    deploy = dict(deploy or {})
    services_path, instances_path, tasks_path = (root / f for f in FILES)
    services = _list(_read(services_path), "services", services_path)
    ec2, fargate = _check_services(services, services_path, deploy)
    instances = _list(_read(instances_path), "containerInstances", instances_path)
    tasks = _list(_read(tasks_path), "tasks", tasks_path)
    base = Path(relative_to) if relative_to is not None else root
    taskdefs = _TaskDefs(root, base)

    catalog = load_catalog()
    singles = [_instance(ci, k, instances_path, catalog) for k, ci in enumerate(instances)]
    warnings: list[str] = []
    agent = _agent(instances, warnings)
    index = {ci["containerInstanceArn"]: k for k, ci in enumerate(instances)}
    draining = [g.get("status") == "DRAINING" for g in singles]
    ctx = _Context(taskdefs, deploy, base, draining, [g["instanceIds"][0] for g in singles])
    found = _tasks(
        tasks, tasks_path, index, _deployment_ids(services), {s["serviceName"] for s in fargate}
    )
    ec2 = _fargate_by_tasks(ec2, fargate, found, deploy, services_path)
    warnings = _set_aside(fargate, found.fargate) + warnings
    out_services = []
    for _, svc, rev in ec2:
        out, said = _service(svc, rev, found, ctx, tasks_path)
        out_services.append(out)
        warnings += said
    static, said = _static_load(found, {s["serviceName"] for s in services}, ctx)
    out_services += static
    warnings += said
    warnings += _remaining_mismatches(instances, singles, found.running, taskdefs.files)

    groups, order = _groups(singles)
    for svc in out_services:  # per instance, in the groups' order
        for key in ("placement", "newPlacement"):
            if key in svc:
                svc[key] = [svc[key][i] for i in order]
    scenario: dict[str, Any] = {
        "name": f"cluster export {root.resolve().name}",
        "cluster": {"instances": groups},
        "services": out_services,
    }
    if agent:
        scenario["cluster"]["agent"] = agent
    return scenario, warnings


def import_notes(mapping: dict[str, Any], deploy: dict[str, str] | None) -> list[str]:
    """What a scenario of :func:`import_folder` holds and deploys, in two lines: the
    header of ``planner import``'s output."""
    counts: Counter[str] = Counter()  # by type and zone (groups a MiB apart together)
    for g in mapping["cluster"]["instances"]:
        counts[g["name"]] += g["count"]
    n = sum(counts.values())
    fleet = ", ".join(f"{k} × {name}" for name, k in counts.items())
    lines = [f"{n} container instance{'s' * (n != 1)}: {fleet}"]
    if deploy:
        lines.append(
            f"--deploy: {', '.join(sorted(deploy))} roll{'s' * (len(deploy) == 1)} out the "
            "revision given; the other services keep still (deploy: false) unless ECS is "
            "moving them already"
        )
    else:
        lines.append(
            "no --deploy: every service is force-redeployed with the revision it runs (as "
            "`aws ecs update-service --force-new-deployment` does), and a deployment in "
            "progress runs to its end; --deploy SERVICE=TASKDEF.json names a revision to roll "
            "out instead"
        )
    return lines


def scenario_yaml(mapping: dict[str, Any], notes: list[str]) -> str:
    """The scenario file: ``notes`` as comments, then the mapping, written out in full
    (no YAML anchors and aliases where two lists are equal)."""
    import yaml

    class Plain(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    head = "".join(f"# {line}\n" for line in notes)
    return head + yaml.dump(mapping, Dumper=Plain, sort_keys=False, allow_unicode=True)


def _remaining_mismatches(
    instances: list[dict[str, Any]],
    singles: list[dict[str, Any]],
    running: dict[str, dict[str, list[int]]],
    taskdefs: dict[str, Path],
) -> list[str]:
    """A warning per instance whose ``remainingResources`` disagree with its registered
    CPU and memory less the tasks found on it (ROLLOUT.md §9's cross-check): something
    the export does not show holds resources there, or less than it seems."""
    from planner.inputs.taskdef import task_definition_from_json

    used = [[0, 0] for _ in singles]
    for revisions in running.values():
        for revision, per in revisions.items():
            if revision not in taskdefs:
                continue  # refused elsewhere where it matters
            td = task_definition_from_json(taskdefs[revision])
            for i, n in enumerate(per):
                used[i][0] += n * td.cpu
                used[i][1] += n * td.memory
    out = []
    for i, ci in enumerate(instances):
        left = {
            r.get("name"): r.get("integerValue")
            for r in ci.get("remainingResources") or []
            if r.get("name") in ("CPU", "MEMORY")
        }
        if not isinstance(left.get("CPU"), int) or not isinstance(left.get("MEMORY"), int):
            continue
        expect = (singles[i]["cpu"] - used[i][0], singles[i]["memory"] - used[i][1])
        if (left["CPU"], left["MEMORY"]) != expect:
            name = singles[i]["instanceIds"][0]
            out.append(
                f"instance {name}: remainingResources says {left['CPU']} CPU units "
                f"and {left['MEMORY']} MiB left, the tasks found on it leave {expect[0]} and "
                f"{expect[1]}; planner goes by the tasks found (tasks outside the export, or "
                "an export taken at two moments?)"
            )
    return out


def import_cluster(
    source: str | Path | Any,
    deploy: dict[str, str] | None = None,
    *,
    cluster: str | None = None,
    export_to: str | Path | None = None,
    deadline: Deadline | None = None,
) -> Scenario:
    """The scenario of a cluster, validated as a file is; warnings are dropped (the CLI
    prints them).

    Parameters
    ----------
    source
        An export folder (:func:`import_folder`), or a ``boto3.Session`` to read
        ``cluster`` live with read-only calls (:mod:`planner.inputs.live`).
    deploy
        Service name → task-definition JSON of the revision to roll out.
    cluster
        With a session: the cluster's name or ARN.
    export_to
        With a session: keep the fetched exports in this folder (default: a temporary
        one, removed once the scenario is read).
    deadline
        The command's (:class:`~planner.running.clock.Deadline`): AWS's answers are
        waited for no longer than it has left.
    """
    import tempfile

    from planner.inputs.loading import scenario_from_data
    from planner.inputs.yamlsafe import Located

    if isinstance(source, str | Path):
        mapping, _ = import_folder(source, deploy)
        return scenario_from_data(Located(mapping, {}, str(source)), base_dir=Path(source))
    if cluster is None:
        raise PlannerError("import_cluster(session) needs cluster=NAME")
    from planner.inputs.live import fetch_export, write_export

    export = fetch_export(cluster, session=source, deadline=deadline)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_export(export, export_to or tmp)
        mapping, _ = import_folder(folder, deploy)
        return scenario_from_data(Located(mapping, {}, str(folder)), base_dir=folder)
