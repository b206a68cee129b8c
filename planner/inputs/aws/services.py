"""The scenario's services: each EC2 service with its settings, revisions and
placements, and the tasks of services not exported as static load."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs.aws.export import TaskDefs
from planner.inputs.aws.refusals import Revisions
from planner.inputs.aws.tasks import Tasks

#: The deployment circuit breaker's fields (API ``DeploymentCircuitBreaker``; the last two
#: from 2026-07, ROLLOUT.md §10).
BREAKER_FIELDS = ("enable", "rollback", "thresholdConfiguration", "resetOnHealthyTask")
#: A capacity provider strategy item's fields (API ``CapacityProviderStrategyItem``).
STRATEGY_FIELDS = ("capacityProvider", "base", "weight")


def strategy(items: list[Any]) -> list[dict[str, Any]]:
    """A capacity provider strategy in the scenario file's names: its items' own fields."""
    return [
        {f: item[f] for f in STRATEGY_FIELDS if item.get(f) is not None}
        for item in items
        if isinstance(item, dict)
    ]


def service_settings(svc: dict[str, Any]) -> dict[str, Any]:
    """A service's deployment settings in the scenario file's names: its percents and
    circuit breaker, controller, launch type or capacity provider strategy, placement and
    load balancers."""
    out: dict[str, Any] = {}
    config = svc.get("deploymentConfiguration") or {}
    dc = {
        key: config[key]
        for key in ("minimumHealthyPercent", "maximumPercent")
        if config.get(key) is not None
    }
    breaker = config.get("deploymentCircuitBreaker")
    if isinstance(breaker, dict) and breaker:
        dc["deploymentCircuitBreaker"] = {k: v for k, v in breaker.items() if k in BREAKER_FIELDS}
    if dc:
        out["deploymentConfiguration"] = dc
    if svc.get("launchType"):
        out["launchType"] = svc["launchType"]
    if svc.get("capacityProviderStrategy"):
        out["capacityProviderStrategy"] = strategy(svc["capacityProviderStrategy"])
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


@dataclass
class Context:
    """What every service's step reads."""

    taskdefs: TaskDefs
    deploy: dict[str, str]
    base: Path
    draining: list[bool]  #: per instance, in the export's order
    ids: list[str]  #: per instance: its EC2 id


def one_service(
    svc: dict[str, Any], rev: Revisions, found: Tasks, ctx: Context, tasks_path: Path
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
    out.update(service_settings(svc))
    place, warnings = placements(name, out, rev, revisions, found.started, ctx.draining)
    if ctx.deploy and name not in ctx.deploy:
        moving = why_moving(rev, place, ctx.draining)
        if moving:
            warnings.append(
                f"service {name} is not named in --deploy, but ECS is moving it already "
                f"({moving}): planner models that to its end"
            )
        else:
            out["deploy"] = False  # it keeps still: its tasks are static load
    out.update(place)
    return out, warnings


def why_moving(rev: Revisions, place: dict[str, list[int]], draining: list[bool]) -> str:
    """Why ECS moves a service's tasks now ("" when it keeps still)."""
    if rev.midway or rev.forced_midway:
        return "a deployment in progress"
    if "newPlacement" in place:
        return "tasks missing"
    if any(n and d for n, d in zip(place["placement"], draining, strict=True)):
        return "tasks on a draining instance"
    return ""


def placements(
    name: str,
    out: dict[str, Any],
    rev: Revisions,
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


def static_load(
    found: Tasks, exported: set[str], ctx: Context
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
