"""Tasks: which service each running task belongs to (its ``group``, else its
``startedBy``) and on which instance it runs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs.aws.export import need, on_fargate

#: Task states that hold resources on an instance (ROLLOUT.md §9: PENDING counts as
#: started, STOPPING as gone).
RUNNING = ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING")


@dataclass
class Tasks:
    """Where the running tasks are, per instance in the export's order."""

    running: dict[str, dict[str, list[int]]]  #: service -> revision -> tasks per instance
    started: dict[tuple[str, str], list[int]]  #: (service, startedBy) -> tasks per instance
    fargate: Counter[str]  #: service ("" for none) -> its Fargate tasks, set aside


def deployment_ids(services: list[dict[str, Any]]) -> dict[str, str]:
    """Deployment id (``ecs-svc/...``, a task's ``startedBy``) -> its service's name."""
    return {
        str(d["id"]): svc["serviceName"]
        for svc in services
        for d in svc.get("deployments") or []
        if isinstance(d, dict) and d.get("id")
    }


def owner(task: dict[str, Any], by_deployment: dict[str, str]) -> str:
    """The service a task belongs to: the one its ``group`` names (``service:NAME``), else
    the one whose deployment started it (``startedBy``); else its group ("" for none)."""
    group = str(task.get("group") or "")
    if group.startswith("service:"):
        return group.removeprefix("service:")
    return by_deployment.get(str(task.get("startedBy") or ""), group)


def find_tasks(
    tasks: list[dict[str, Any]],
    path: Path,
    index: dict[str, int],
    by_deployment: dict[str, str],
    fargate_services: set[str],
) -> Tasks:
    found = Tasks({}, {}, Counter())
    for k, t in enumerate(tasks):
        if t.get("lastStatus") not in RUNNING:
            continue  # STOPPING and STOPPED tasks are gone (§9)
        where = f"tasks[{k}]"
        name = owner(t, by_deployment)
        if on_fargate(t) or name in fargate_services:
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
        revision = need(t, "taskDefinitionArn", path, where)
        per = found.running.setdefault(name, {}).setdefault(revision, [0] * len(index))
        per[index[ci]] += 1
        if t.get("startedBy"):  # the deployment that started it (ecs-svc/...)
            by = found.started.setdefault((name, t["startedBy"]), [0] * len(index))
            by[index[ci]] += 1
    return found
