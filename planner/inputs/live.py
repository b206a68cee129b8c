"""The export folder of :mod:`planner.inputs.importing`, read live from ECS with boto3 (issue 11).

:func:`fetch_export` makes the read-only calls of the README's export script (``list_*``
paginated, then ``describe_*`` in chunks the API accepts) and returns what the AWS CLI
would print, as plain JSON types; :func:`write_export` writes it as the files
:func:`planner.inputs.importing.import_folder` reads. boto3 is optional
(``pip install 'planner[aws]'``); AWS errors become one :class:`PlannerError` sentence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.running.clock import Deadline

#: describe_services takes at most 10 services, describe_container_instances and
#: describe_tasks at most 100 of theirs per call.
SERVICES_PER_CALL = 10
ITEMS_PER_CALL = 100


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    """Consecutive slices of ``items`` of at most ``size`` each (none for no items)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def plain(value: Any) -> Any:
    """``value`` with datetimes as ISO 8601 strings (as the AWS CLI prints them) and
    boto3's ``ResponseMetadata`` dropped: JSON types only."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _listed(client: Any, operation: str, key: str, cluster: str) -> list[str]:
    arns: list[str] = []
    for page in client.get_paginator(operation).paginate(cluster=cluster):
        arns.extend(page.get(key) or [])
    return arns


def _described(
    client: Any, operation: str, param: str, key: str, cluster: str, arns: list[str], size: int
) -> dict[str, Any]:
    out: dict[str, Any] = {key: [], "failures": []}
    call = getattr(client, operation)
    for chunk in chunks(arns, size):
        page = plain(call(cluster=cluster, **{param: chunk}))
        out[key].extend(page.get(key) or [])
        out["failures"].extend(page.get("failures") or [])
    return out


def _fetch(client: Any, cluster: str) -> dict[str, Any]:
    services = _described(
        client,
        "describe_services",
        "services",
        "services",
        cluster,
        _listed(client, "list_services", "serviceArns", cluster),
        SERVICES_PER_CALL,
    )
    instances = _described(
        client,
        "describe_container_instances",
        "containerInstances",
        "containerInstances",
        cluster,
        _listed(client, "list_container_instances", "containerInstanceArns", cluster),
        ITEMS_PER_CALL,
    )
    # desiredStatus RUNNING (the default) lists PENDING tasks too
    tasks = _described(
        client,
        "describe_tasks",
        "tasks",
        "tasks",
        cluster,
        _listed(client, "list_tasks", "taskArns", cluster),
        ITEMS_PER_CALL,
    )
    wanted: dict[str, None] = {}  # distinct, in order met
    for t in tasks["tasks"]:
        wanted.setdefault(t.get("taskDefinitionArn") or "")
    for s in services["services"]:
        wanted.setdefault(s.get("taskDefinition") or "")
        for d in s.get("deployments") or []:
            wanted.setdefault(d.get("taskDefinition") or "")
    taskdefs = [plain(client.describe_task_definition(taskDefinition=arn)) for arn in wanted if arn]
    return {
        "services": services,
        "containerInstances": instances,
        "tasks": tasks,
        "taskDefinitions": taskdefs,
    }


def fetch_export(
    cluster: str,
    *,
    session: Any = None,
    region: str | None = None,
    profile: str | None = None,
    deadline: Deadline | None = None,
) -> dict[str, Any]:
    """What the README's export script reads about ``cluster``, with read-only calls.

    Parameters
    ----------
    cluster
        The cluster's name or ARN.
    session
        A ``boto3.Session``; default: one for ``region`` and ``profile``.
    region, profile
        The AWS region and named profile (default: boto3's: ``AWS_DEFAULT_REGION``,
        ``AWS_PROFILE``, ``~/.aws/config``).
    deadline
        A command's (:class:`~planner.running.clock.Deadline`): each call to AWS waits
        no longer than it had left when the client was made (:func:`_timeouts`), and no
        call starts once it has passed (:func:`_keep_to`).

    Returns
    -------
    dict
        ``{"services": {"services": [...], "failures": [...]},
        "containerInstances": {"containerInstances": [...], "failures": [...]},
        "tasks": {"tasks": [...], "failures": [...]},
        "taskDefinitions": [{"taskDefinition": {...}}, ...]}``: the outputs of
        ``aws ecs describe-*`` (failures of the chunks merged), one task definition per
        revision that a task, a service or a deployment names; JSON types only.

    Raises
    ------
    PlannerError
        Without boto3, or when AWS refuses (no credentials or region, unknown profile or
        cluster, access denied, no network): one sentence naming what to do.
    """
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        raise PlannerError("live import needs boto3: pip install 'planner[aws]'") from None

    where = f"cluster {cluster}"
    try:
        if session is None:
            session = boto3.Session(region_name=region, profile_name=profile)
        config = _timeouts(deadline)
        client = (
            session.client("ecs", region_name=region, config=config)
            if region
            else session.client("ecs", config=config)
        )
        where += f" in {client.meta.region_name}"
        if deadline is not None:
            _keep_to(client, deadline, where)
        return _fetch(client, cluster)
    except (BotoCoreError, ClientError) as exc:
        raise _refusal(exc, where, profile) from None


def _refusal(exc: Exception, where: str, profile: str | None) -> PlannerError:
    """What AWS's refusal to read ``where`` means, in one sentence naming what to do."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        ProfileNotFound,
    )

    says = {
        ProfileNotFound: "AWS profile {profile!r} is not configured: name one that "
        "`aws configure list-profiles` shows",
        NoRegionError: "no AWS region to read {where} in: pass a region, set "
        "AWS_DEFAULT_REGION or give the profile a region (`aws configure`)",
        NoCredentialsError: "no AWS credentials to read {where}: run `aws configure` (or "
        "`aws sso login`), set AWS_PROFILE, or pass a profile",
        EndpointConnectionError: "cannot reach ECS to read {where} ({endpoint}): check the "
        "region's name and the network",
    }
    for kind, text in says.items():
        if isinstance(exc, kind):
            kwargs = getattr(exc, "kwargs", {})
            return PlannerError(
                text.format(
                    where=where,
                    profile=kwargs.get("profile", profile),
                    endpoint=kwargs.get("endpoint_url", "no endpoint"),
                )
            )
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "?"), error.get("Message", "")
        if code == "ClusterNotFoundException":
            return PlannerError(
                f"{where} does not exist: check its name, the region and the account "
                "(`aws ecs list-clusters`)"
            )
        if code in ("AccessDeniedException", "UnauthorizedOperation", "AccessDenied"):
            return PlannerError(
                f"AWS denied {exc.operation_name} on {where}: the credentials need "
                "ecs:List* and ecs:Describe* (read-only)"
            )
        return PlannerError(f"AWS refused {exc.operation_name} on {where}: {code}: {message}")
    return PlannerError(f"could not read {where} from AWS: {exc}")


def _keep_to(client: Any, deadline: Deadline, where: str) -> None:
    """Before each call of ``client`` (a listing page, a describe, a task definition), stop
    if ``deadline`` has passed: a cluster of thousands of tasks takes many calls, each
    within its timeout, and all of them within the command's limit."""

    def in_time(**_: Any) -> None:
        if deadline.expired:
            raise PlannerError(f"the time limit came before {where} was read from AWS")

    client.meta.events.register("before-call.ecs", in_time)


def _timeouts(deadline: Deadline | None) -> Any:
    """botocore's client settings that keep a live read within ``deadline``: connect and
    read timeouts of what it has left (at least 1 s: botocore takes whole seconds
    poorly below that), and no retries past it. None: botocore's defaults."""
    if deadline is None:
        return None
    from botocore.config import Config

    if deadline.expired:
        raise PlannerError("the time limit came before the cluster could be read from AWS")
    left = max(1.0, deadline.left())
    return Config(connect_timeout=left, read_timeout=left, retries={"max_attempts": 1})


def write_export(export: dict[str, Any], folder: str | Path) -> Path:
    """Write ``export`` (:func:`fetch_export`) as an export folder, creating it.

    Writes ``services.json``, ``container-instances.json``, ``tasks.json`` and
    ``task-definitions/<family>-<revision>.json``, as ``--output json`` prints them: the
    files :func:`planner.inputs.importing.import_folder` reads.

    Returns
    -------
    Path
        The folder.
    """
    root = Path(folder)
    (root / "task-definitions").mkdir(parents=True, exist_ok=True)

    def dump(doc: Any, path: Path) -> None:
        path.write_text(json.dumps(doc, indent=4, default=str) + "\n", encoding="utf-8")

    dump(export["services"], root / "services.json")
    dump(export["containerInstances"], root / "container-instances.json")
    dump(export["tasks"], root / "tasks.json")
    for doc in export["taskDefinitions"]:
        td = doc["taskDefinition"]
        dump(doc, root / "task-definitions" / f"{td['family']}-{td['revision']}.json")
    return root
