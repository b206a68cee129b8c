"""Container instances: one instance group per instance, groups of instances registered
alike, the agent's reserved ports, and the cross-check of what each instance has left."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs.aws.export import need, resource

#: Instance-group fields that make two container instances alike (one group).
ALIKE = (
    "cpu", "memory", "instanceType", "enis", "trunkEnis", "availabilityZone", "attributes",
    "status", "agentConnected",
)  # fmt: skip


def one_instance(ci: dict[str, Any], k: int, path: Path, catalog: Any) -> dict[str, Any]:
    """One container instance as an instance group of one (its id in ``instanceIds``)."""
    where = f"containerInstances[{k}]"
    arn = need(ci, "containerInstanceArn", path, where)
    status = ci.get("status", "ACTIVE")
    if status not in ("ACTIVE", "DRAINING"):
        raise PlannerError(
            f"instance {ci.get('ec2InstanceId', arn)} is {status}: planner models ACTIVE "
            "and DRAINING instances; export again once it is one of them",
            file=str(path),
            field=f"{where}.status",
        )
    attrs = {a.get("name"): a.get("value") for a in ci.get("attributes") or []}
    cpu, memory = resource(ci, "CPU"), resource(ci, "MEMORY")
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


def group_name(group: dict[str, Any]) -> str:
    """A group's name: its type and zone ("m5.large (draining) in us-east-1b")."""
    name = group.get("instanceType") or f"{group['cpu']} CPU units, {group['memory']} MiB"
    if group.get("status") == "DRAINING":
        name += " (draining)"
    if group.get("agentConnected") is False:
        name += " (agent disconnected)"
    zone = group.get("availabilityZone")
    return f"{name} in {zone}" if zone else name


def group_alike(
    singles: list[dict[str, Any]], tags: list[str | None] | None = None
) -> tuple[list[dict[str, Any]], list[int]]:
    """Instances registered alike, and of the same tag (the capacity provider whose Auto
    Scaling group holds them, if any), as one group each (in the order first met), and the
    export's instance index of every instance of the groups, in the groups' order."""
    by_kind: dict[str, list[int]] = {}
    for i, one in enumerate(singles):
        tag = tags[i] if tags is not None else None
        kind = json.dumps([one.get(f) for f in ALIKE] + [tag], sort_keys=True)
        by_kind.setdefault(kind, []).append(i)
    groups, order = [], []
    for members in by_kind.values():
        first = singles[members[0]]
        group = {"name": group_name(first), "cpu": first["cpu"], "memory": first["memory"]}
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


def agent_ports(instances: list[dict[str, Any]], warnings: list[str]) -> dict[str, Any]:
    """The agent's reserved ports, as the first instance registers them."""
    ports = [tuple(sorted(int(p) for p in resource(ci, "PORTS") or [])) for ci in instances]
    if not ports or not ports[0]:
        return {}
    if any(p != ports[0] for p in ports):
        warnings.append(
            "instances register different reserved ports; the first instance's are used"
        )
    return {"reservedPorts": list(ports[0])}


def remaining_mismatches(
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
