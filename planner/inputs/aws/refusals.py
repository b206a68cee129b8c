"""What planner cannot model in an export, refused before anything is built (an
EXTERNAL launch type or deployment controller, two old revisions, ``--deploy`` of a service
mid-deployment), and the Fargate services and tasks, set aside with one warning."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs.aws.export import need, on_fargate
from planner.inputs.aws.tasks import Tasks


@dataclass(frozen=True)
class Revisions:
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


def read_revisions(svc: dict[str, Any], path: Path, where: str) -> Revisions:
    deployments = [d for d in svc.get("deployments") or [] if isinstance(d, dict)]
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    current = (primary or {}).get("taskDefinition") or need(svc, "taskDefinition", path, where)
    active = [d for d in deployments if d.get("status") == "ACTIVE"]
    olds = sorted({str(d["taskDefinition"]) for d in active if d.get("taskDefinition")} - {current})
    return Revisions(
        current,
        tuple(olds),
        (primary or {}).get("id"),
        any(d.get("taskDefinition") == current for d in active),
    )


def check_services(
    services: list[dict[str, Any]], path: Path, deploy: dict[str, str]
) -> tuple[list[tuple[int, dict[str, Any], Revisions]], list[dict[str, Any]]]:
    """The EC2 services (index, service, revisions) and the Fargate ones, after refusing,
    before any other file is read, what planner cannot model in ``services.json``: the
    user acts on these first, whatever else the export lacks."""
    if not services:
        raise PlannerError(
            "lists no services: export the services to deploy (README: Importing a cluster)",
            file=str(path),
            field="services",
        )
    ec2: list[tuple[int, dict[str, Any], Revisions]] = []
    fargate: list[dict[str, Any]] = []
    for k, svc in enumerate(services):
        where = f"services[{k}]"
        name = need(svc, "serviceName", path, where)
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
        if on_fargate(svc):
            if name in deploy:
                raise PlannerError(
                    f"--deploy names {name}, which runs on Fargate: planner models EC2 "
                    "container instances only"
                )
            fargate.append(svc)
            continue
        rev = read_revisions(svc, path, where)
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


def fargate_by_tasks(
    ec2: list[tuple[int, dict[str, Any], Revisions]],
    fargate: list[dict[str, Any]],
    found: Tasks,
    deploy: dict[str, str],
    path: Path,
) -> list[tuple[int, dict[str, Any], Revisions]]:
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


def set_aside(fargate: list[dict[str, Any]], tasks: Counter[str]) -> list[str]:
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
