"""A scenario from what the AWS CLI prints about a cluster (ROLLOUT.md §9).

A folder holds, as ``aws ... --output json`` prints them:

- ``services.json`` — ``aws ecs describe-services --cluster C --services ...``
- ``container-instances.json`` — ``aws ecs describe-container-instances ...``
- ``tasks.json`` — ``aws ecs describe-tasks --cluster C --tasks ...``
- ``task-definitions/*.json`` — ``aws ecs describe-task-definition --task-definition ...``,
  one per revision in use (and per revision named in ``--deploy``).

:func:`import_folder` turns them into a scenario mapping in the scenario file's format
(CONTRACT.md): one instance group per container instance, with its **registered** CPU and
memory (not the catalog's), zone, type, custom attributes and id, and, for a type the
catalog knows, its ENI limits (EC2's, which the export does not carry); every service with its
settings and where each of its tasks runs now. Tasks of services that are not exported
count as static load when their task definition is exported. Fields that newer API
versions add are ignored.

A snapshot (ROLLOUT.md §9): a service with ``PRIMARY`` and ``ACTIVE`` deployments rolls
out the PRIMARY revision; its tasks of that revision are ``newPlacement`` (already
running), those of the ACTIVE one ``placement``. A service running fewer tasks than its
desired count has the missing ones as pending starts. ``DRAINING`` instances and those
whose agent is disconnected take no new task (§10). ``PENDING`` tasks count as started,
``STOPPING`` ones as gone.
"""

from __future__ import annotations

import json
import os
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


def _read(path: Path) -> Any:
    try:
        raw = path.read_bytes()[: MAX_BYTES + 1]
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


def import_folder(
    folder: str | Path, deploy: dict[str, str] | None = None, relative_to: str | Path | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The scenario mapping of an export folder, and the warnings met.

    Parameters
    ----------
    folder
        The export folder.
    deploy
        Service name → task-definition JSON of the revision to roll out (default: the
        running one, e.g. to check a redeploy or an AMI refresh).
    relative_to
        Task-definition paths in the mapping are relative to this directory (where the
        scenario file will be written); default: the folder.

    Raises
    ------
    PlannerError
        Naming the file and field, for an export planner cannot read or model.
    """
    root = Path(folder)
    if not root.is_dir():
        raise PlannerError("is not a folder of AWS CLI exports", file=str(root))
    base = Path(relative_to) if relative_to is not None else root
    warnings: list[str] = []
    services_path, instances_path, tasks_path = (root / f for f in FILES)
    services = _list(_read(services_path), "services", services_path)
    instances = _list(_read(instances_path), "containerInstances", instances_path)
    tasks = _list(_read(tasks_path), "tasks", tasks_path)

    taskdefs: dict[str, Path] = {}  # taskDefinitionArn -> file
    for f in sorted((root / "task-definitions").glob("*.json")):
        td = _read(f)
        body = td.get("taskDefinition", td) if isinstance(td, dict) else None
        arn = body.get("taskDefinitionArn") if isinstance(body, dict) else None
        if not arn:
            raise PlannerError(
                "expected `aws ecs describe-task-definition` output (taskDefinitionArn)",
                file=str(f),
            )
        taskdefs[arn] = f

    def taskdef(arn: str, who: str) -> str:
        if arn not in taskdefs:
            raise PlannerError(
                f"{who} runs {arn}, whose task definition is not exported: add "
                f"`aws ecs describe-task-definition --task-definition {arn}` to "
                "task-definitions/",
                file=str(root / "task-definitions"),
            )
        return os.path.relpath(taskdefs[arn], base)

    # --- instances: one group each, as registered
    from planner.model.catalog import load_catalog

    catalog = load_catalog()
    index: dict[str, int] = {}
    groups: list[dict[str, Any]] = []
    ports: list[tuple[int, ...]] = []
    for k, ci in enumerate(instances):
        where = f"containerInstances[{k}]"
        arn = _need(ci, "containerInstanceArn", instances_path, where)
        status = ci.get("status", "ACTIVE")
        if status not in ("ACTIVE", "DRAINING"):
            raise PlannerError(
                f"instance {ci.get('ec2InstanceId', arn)} is {status}: planner models ACTIVE "
                "and DRAINING instances; export again once it is one of them",
                file=str(instances_path),
                field=f"{where}.status",
            )
        attrs = {a.get("name"): a.get("value") for a in ci.get("attributes") or []}
        cpu, memory = _resource(ci, "CPU"), _resource(ci, "MEMORY")
        if not isinstance(cpu, int) or not isinstance(memory, int):
            raise PlannerError(
                "registeredResources needs CPU and MEMORY (integerValue)",
                file=str(instances_path),
                field=f"{where}.registeredResources",
            )
        name = ci.get("ec2InstanceId") or arn.rsplit("/", 1)[-1]
        group: dict[str, Any] = {"name": name, "cpu": cpu, "memory": memory, "count": 1}
        if attrs.get("ecs.instance-type"):
            group["instanceType"] = attrs["ecs.instance-type"]
            known = catalog.get(attrs["ecs.instance-type"])
            if known is not None and known.enis:  # not in the export: EC2's per-type limit
                group["enis"] = known.enis
                if known.trunk_enis:
                    group["trunkEnis"] = known.trunk_enis
        if attrs.get("ecs.availability-zone"):
            group["availabilityZone"] = attrs["ecs.availability-zone"]
        custom = {
            n: v for n, v in attrs.items() if n and not n.startswith("ecs.") and v is not None
        }
        if custom:
            group["attributes"] = custom
        group["instanceIds"] = [name]
        if status == "DRAINING":
            group["status"] = "DRAINING"
        if ci.get("agentConnected") is False:
            group["agentConnected"] = False
        index[arn] = k
        groups.append(group)
        ports.append(tuple(sorted(int(p) for p in _resource(ci, "PORTS") or [])))
    draining = [g.get("status") == "DRAINING" for g in groups]
    agent: dict[str, Any] = {}
    if ports and ports[0]:
        agent["reservedPorts"] = list(ports[0])
        if any(p != ports[0] for p in ports):
            warnings.append(
                "instances register different reserved ports; the first instance's are used"
            )

    # --- where every task runs, by service and revision
    running: dict[str, dict[str, list[int]]] = {}  # service -> revision -> per instance
    started: dict[tuple[str, str], list[int]] = {}  # (service, deployment id) -> per instance
    for k, t in enumerate(tasks):
        if t.get("lastStatus") not in RUNNING:
            continue  # STOPPING and STOPPED tasks are gone (§9)
        where = f"tasks[{k}]"
        ci = _need(t, "containerInstanceArn", tasks_path, where)
        if ci not in index:
            raise PlannerError(
                f"task {t.get('taskArn', k)} runs on {ci}, which container-instances.json "
                "does not list: export every instance of the cluster",
                file=str(tasks_path),
                field=f"{where}.containerInstanceArn",
            )
        task_group = str(t.get("group") or "")
        name = task_group.removeprefix("service:")
        revision = _need(t, "taskDefinitionArn", tasks_path, where)
        per = running.setdefault(name, {}).setdefault(revision, [0] * len(groups))
        per[index[ci]] += 1
        if t.get("startedBy"):  # the deployment that started it (ecs-svc/...)
            by = started.setdefault((name, t["startedBy"]), [0] * len(groups))
            by[index[ci]] += 1

    # --- services
    out_services: list[dict[str, Any]] = []
    exported = set()
    for k, svc in enumerate(services):
        where = f"services[{k}]"
        name = _need(svc, "serviceName", services_path, where)
        exported.add(name)
        if svc.get("launchType") in ("FARGATE", "EXTERNAL") or any(
            (c.get("capacityProvider") or "").startswith("FARGATE")
            for c in svc.get("capacityProviderStrategy") or []
        ):
            raise PlannerError(
                f"service {name} runs on {svc.get('launchType') or 'Fargate'}: planner models "
                "EC2 container instances only",
                file=str(services_path),
                field=f"{where}.launchType",
            )
        deployments = svc.get("deployments") or []
        primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
        current = (primary or {}).get("taskDefinition") or _need(
            svc, "taskDefinition", services_path, where
        )
        olds = sorted(
            {
                d.get("taskDefinition")
                for d in deployments
                if d.get("status") == "ACTIVE" and d.get("taskDefinition") != current
            }
            - {None}
        )
        if len(olds) > 1:
            raise PlannerError(
                f"service {name} has ACTIVE deployments of {olds[0]} and {olds[1]}: planner "
                "models one old revision beside the new one; wait until one has drained",
                file=str(services_path),
                field=f"{where}.deployments",
            )
        revisions = running.get(name, {})
        others = [r for r in revisions if r != current and r not in olds]
        if others:
            raise PlannerError(
                f"service {name} runs tasks of {others[0]}, which none of its deployments "
                f"names (PRIMARY: {current}): export services.json and tasks.json together",
                file=str(tasks_path),
            )
        midway = bool(olds)
        if midway and deploy and name in deploy:
            raise PlannerError(
                f"--deploy names {name}, which is mid-deployment: planner answers for the "
                "deployment in progress (its PRIMARY revision)"
            )
        zeros = [0] * len(groups)
        placed = revisions.get(current, zeros)
        out: dict[str, Any] = {"name": name}
        scheduling = svc.get("schedulingStrategy") or "REPLICA"
        if scheduling == "DAEMON":
            out["schedulingStrategy"] = "DAEMON"
        else:
            out["desiredCount"] = int(svc.get("desiredCount", sum(placed)))
        if midway:
            out["taskDefinition"] = taskdef(olds[0], f"service {name}")
            out["newTaskDefinition"] = taskdef(current, f"service {name}")
        else:
            out["taskDefinition"] = taskdef(current, f"service {name}")
            if deploy and name in deploy:
                out["newTaskDefinition"] = os.path.relpath(Path(deploy[name]), base)
        config = svc.get("deploymentConfiguration") or {}
        dc = {
            key: config[key]
            for key in ("minimumHealthyPercent", "maximumPercent")
            if config.get(key) is not None
        }
        if dc:
            out["deploymentConfiguration"] = dc
        controller = (svc.get("deploymentController") or {}).get("type")
        if controller == "EXTERNAL":
            raise PlannerError(
                f"service {name} has an EXTERNAL deployment controller, which planner cannot model",
                file=str(services_path),
                field=f"{where}.deploymentController",
            )
        if controller == "CODE_DEPLOY":
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
        # DAEMON: one per instance that is not draining (ROLLOUT.md §10)
        want = out.get("desiredCount", len(groups) - sum(draining))
        forced = [
            d
            for d in deployments
            if d.get("status") == "ACTIVE" and d.get("taskDefinition") == current
        ]
        if not midway and forced and primary is not None and primary.get("id"):
            # a forced new deployment caught mid-way: the same revision, told apart by
            # the deployment that started each task
            if "newTaskDefinition" in out:
                raise PlannerError(
                    f"--deploy names {name}, which is mid-deployment (a forced new "
                    "deployment): planner answers for the deployment in progress"
                )
            fresh = started.get((name, primary["id"]), zeros)
            out["placement"] = [a - b for a, b in zip(placed, fresh, strict=True)]
            out["newPlacement"] = fresh
        elif midway:  # a snapshot: old tasks left, new ones running (ROLLOUT.md §9)
            out["placement"] = revisions.get(olds[0], zeros)
            out["newPlacement"] = placed
        elif sum(placed) < want:  # pending starts: what runs is done, the rest to start
            short = want - sum(placed)
            warnings.append(
                f"service {name}: {sum(placed)} of {want} tasks run; planner starts the "
                f"{short} missing as part of the rollout"
            )
            if "newTaskDefinition" in out:  # a new revision: every running task is old
                out["placement"], out["newPlacement"] = placed, zeros
            else:  # tasks on draining instances are still to be replaced (§10)
                out["placement"] = [n if draining[i] else 0 for i, n in enumerate(placed)]
                out["newPlacement"] = [0 if draining[i] else n for i, n in enumerate(placed)]
        else:
            out["placement"] = placed
        # more tasks of the revision to roll out than desired (a scale-in under way): the
        # rollout is taken to want those that run
        ahead = sum(out.get("newPlacement", out["placement"]))
        if ahead > want:
            warnings.append(
                f"service {name}: {ahead} tasks of the revision to roll out run, desiredCount "
                f"is {want}; planner takes the tasks that run as desired"
            )
            if "desiredCount" in out:
                out["desiredCount"] = ahead
        out_services.append(out)
    for name, revisions in sorted(running.items()):
        if name in exported:
            continue
        for revision, placed in revisions.items():
            static = f"{name or 'task'} (not exported)"
            warnings.append(
                f"{sum(placed)} tasks of {name or 'no service'} ({revision}) are not in "
                "services.json: they count as static load"
            )
            drained = [groups[i]["name"] for i, n in enumerate(placed) if n and draining[i]]
            if drained:
                warnings.append(
                    f"tasks of {name or 'no service'} run on the draining instance "
                    f"{drained[0]}: planner keeps them there as static load (export their "
                    "service to model their replacement)"
                )
            out_services.append(
                {
                    "name": static if len(revisions) == 1 else f"{static} {revision}",
                    "desiredCount": sum(placed),
                    "taskDefinition": taskdef(revision, f"a task of {name or 'no service'}"),
                    "deploy": False,
                    "placement": placed,
                }
            )
    warnings += _remaining_mismatches(instances, groups, running, taskdefs)
    if deploy:
        unknown = sorted(set(deploy) - exported)
        if unknown:
            raise PlannerError(f"--deploy names {unknown[0]}, which services.json does not list")
    scenario: dict[str, Any] = {
        "name": f"cluster export {root.name}",
        "cluster": {"instances": groups},
        "services": out_services,
    }
    if agent:
        scenario["cluster"]["agent"] = agent
    return scenario, warnings


def _remaining_mismatches(
    instances: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    running: dict[str, dict[str, list[int]]],
    taskdefs: dict[str, Path],
) -> list[str]:
    """A warning per instance whose ``remainingResources`` disagree with its registered
    CPU and memory less the tasks found on it (ROLLOUT.md §9's cross-check): something
    the export does not show holds resources there, or less than it seems."""
    from planner.inputs.taskdef import task_definition_from_json

    used = [[0, 0] for _ in groups]
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
        expect = (groups[i]["cpu"] - used[i][0], groups[i]["memory"] - used[i][1])
        if (left["CPU"], left["MEMORY"]) != expect:
            out.append(
                f"instance {groups[i]['name']}: remainingResources says {left['CPU']} CPU units "
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
