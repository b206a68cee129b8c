"""The export folder of :mod:`planner.inputs.importing`, read live from AWS with boto3
(issue 11; issue 22 for the cluster that reacts).

:func:`fetch_export` makes the read-only calls of the README's export script (``list_*``
paginated, then ``describe_*`` in chunks the API accepts; for the capacity providers, EC2
Auto Scaling's and EC2's ``describe_*`` too) and returns what the AWS CLI would print, as
plain JSON types; :func:`write_export` writes it as the files
:func:`planner.inputs.importing.import_folder` reads. boto3 is optional
(``pip install 'ecs-rollout-planner[aws]'``); AWS errors become one :class:`PlannerError`
sentence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.running.clock import Deadline
from planner.running.install import pip_install

#: describe_services takes at most 10 services, describe_container_instances and
#: describe_tasks at most 100 of theirs per call (describe_capacity_providers too);
#: describe_auto_scaling_groups and describe_launch_configurations at most 50 names.
SERVICES_PER_CALL = 10
ITEMS_PER_CALL = 100
GROUPS_PER_CALL = 50
#: The operations of other services than ECS that the read makes, and their services.
OPERATIONS = {
    "DescribeAutoScalingGroups": "Auto Scaling",
    "DescribeLaunchConfigurations": "Auto Scaling",
    "DescribeLaunchTemplateVersions": "EC2",
}
#: :func:`fetch_export`'s keys of the cluster that reacts, and their files.
CAPACITY_KEYS = {
    "clusters": "clusters.json",
    "capacityProviders": "capacity-providers.json",
    "autoScalingGroups": "auto-scaling-groups.json",
    "launchTemplateVersions": "launch-template-versions.json",
    "launchConfigurations": "launch-configurations.json",
}
#: What each service's calls need, for the sentence when AWS denies one.
PERMISSIONS = {
    "ECS": "ecs:List* and ecs:Describe*",
    "Auto Scaling": "autoscaling:DescribeAutoScalingGroups and "
    "autoscaling:DescribeLaunchConfigurations",
    "EC2": "ec2:DescribeLaunchTemplateVersions",
}


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


def _capacity(clients: dict[str, Any], cluster: str, services: list[Any]) -> dict[str, Any]:
    """The cluster (its capacity providers and default strategy), the providers that it
    lists or its services use (Fargate's aside), their Auto Scaling groups, and the launch
    template versions and launch configurations those launch: what
    :mod:`planner.inputs.aws.capacity` reads."""
    from planner.inputs.aws.capacity import FARGATE, asg_name, launched_from

    ecs = clients["ecs"]
    answer = plain(ecs.describe_clusters(clusters=[cluster]))
    clusters = {"clusters": answer.get("clusters") or [], "failures": answer.get("failures") or []}
    named: dict[str, None] = {}
    for c in clusters["clusters"]:
        named.update(dict.fromkeys(c.get("capacityProviders") or []))
        for item in c.get("defaultCapacityProviderStrategy") or []:
            named.setdefault(item.get("capacityProvider") or "")
    for svc in services:
        for item in svc.get("capacityProviderStrategy") or []:
            named.setdefault(item.get("capacityProvider") or "")
    providers: dict[str, Any] = {"capacityProviders": [], "failures": []}
    for chunk in chunks([n for n in named if n and n not in FARGATE], ITEMS_PER_CALL):
        token: dict[str, str] = {}
        while True:  # no paginator in botocore: nextToken by hand
            page = plain(ecs.describe_capacity_providers(capacityProviders=chunk, **token))
            providers["capacityProviders"].extend(page.get("capacityProviders") or [])
            providers["failures"].extend(page.get("failures") or [])
            if not page.get("nextToken"):
                break
            token = {"nextToken": page["nextToken"]}
    refs = [
        (cp.get("autoScalingGroupProvider") or {}).get("autoScalingGroupArn")
        for cp in providers["capacityProviders"]
    ]
    names = list(dict.fromkeys(asg_name(str(r)) for r in refs if r))
    groups = _pages(
        clients["autoscaling"], "describe_auto_scaling_groups", "AutoScalingGroups",
        "AutoScalingGroupNames", names,
    )  # fmt: skip
    templates: dict[tuple[str, str], dict[str, None]] = {}  # (id or name) -> versions
    configurations: dict[str, None] = {}
    for group in groups["AutoScalingGroups"]:
        _, spec, configuration = launched_from(group)
        if spec is not None:
            key = (
                ("LaunchTemplateId", spec["LaunchTemplateId"])
                if spec.get("LaunchTemplateId")
                else ("LaunchTemplateName", str(spec.get("LaunchTemplateName")))
            )
            templates.setdefault(key, {})[str(spec.get("Version") or "$Default")] = None
        elif configuration is not None:
            configurations[configuration] = None
    versions: list[Any] = []
    for (param, value), wanted in templates.items():
        paginator = clients["ec2"].get_paginator("describe_launch_template_versions")
        for page in paginator.paginate(**{param: value, "Versions": list(wanted)}):
            versions.extend(plain(page).get("LaunchTemplateVersions") or [])
    return {
        "clusters": clusters,
        "capacityProviders": providers,
        "autoScalingGroups": groups,
        "launchTemplateVersions": {"LaunchTemplateVersions": versions},
        "launchConfigurations": _pages(
            clients["autoscaling"],
            "describe_launch_configurations",
            "LaunchConfigurations",
            "LaunchConfigurationNames",
            list(configurations),
        ),  # fmt: skip
    }


def _pages(client: Any, operation: str, key: str, param: str, names: list[str]) -> dict[str, Any]:
    """``{key: [...]}`` of ``operation`` on ``names``, in chunks the API takes, every page."""
    out: list[Any] = []
    for chunk in chunks(names, GROUPS_PER_CALL):
        for page in client.get_paginator(operation).paginate(**{param: chunk}):
            out.extend(plain(page).get(key) or [])
    return {key: out}


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
        "taskDefinitions": [{"taskDefinition": {...}}, ...],
        "clusters": {"clusters": [...], "failures": [...]},
        "capacityProviders": {"capacityProviders": [...], "failures": [...]},
        "autoScalingGroups": {"AutoScalingGroups": [...]},
        "launchTemplateVersions": {"LaunchTemplateVersions": [...]},
        "launchConfigurations": {"LaunchConfigurations": [...]}}``: the outputs of
        ``aws ecs describe-*`` (failures of the chunks merged), one task definition per
        revision that a task, a service or a deployment names, and for the capacity
        providers that the cluster lists or a service uses (Fargate's aside), their Auto
        Scaling groups and the launch template versions or launch configurations these
        launch (empty lists for a cluster without them); JSON types only.

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
        raise PlannerError(f"live import needs boto3: {pip_install('aws')}") from None

    where = f"cluster {cluster}"
    calling = ["ECS"]  # the service of the call under way, for the sentence on a refusal
    try:
        if session is None:
            session = boto3.Session(region_name=region, profile_name=profile)
        config = _timeouts(deadline)
        clients = {
            name: session.client(name, region_name=region, config=config)
            if region
            else session.client(name, config=config)
            for name in ("ecs", "autoscaling", "ec2")
        }
        where += f" in {clients['ecs'].meta.region_name}"
        for client in clients.values():
            _note_service(client, calling)
            if deadline is not None:
                _keep_to(client, deadline, where)
        export = _fetch(clients["ecs"], cluster)
        export.update(_capacity(clients, cluster, export["services"]["services"]))
        return export
    except (BotoCoreError, ClientError) as exc:
        raise _refusal(exc, where, profile, calling[0]) from None


def _note_service(client: Any, calling: list[str]) -> None:
    """Before each call of ``client``, note its service ("ECS", "Auto Scaling", "EC2") in
    ``calling``: a connection error does not say which endpoint's call it was."""

    def note(model: Any, **_: Any) -> None:
        calling[0] = model.service_model.service_id

    client.meta.events.register("before-call", note, unique_id=f"planner-note-{id(calling)}")


def _refusal(exc: Exception, where: str, profile: str | None, service: str = "ECS") -> PlannerError:
    """What AWS's refusal to read ``where`` means, in one sentence naming what to do;
    ``service``: the one whose call failed."""
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
        EndpointConnectionError: "cannot reach {service} to read {where} ({endpoint}): check "
        "the region's name and the network",
    }
    for kind, text in says.items():
        if isinstance(exc, kind):
            kwargs = getattr(exc, "kwargs", {})
            return PlannerError(
                text.format(
                    where=where,
                    profile=kwargs.get("profile", profile),
                    endpoint=kwargs.get("endpoint_url", "no endpoint"),
                    service=service,
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
            service = OPERATIONS.get(exc.operation_name, "ECS")
            return PlannerError(
                f"AWS denied {exc.operation_name} on {where}: the credentials need "
                f"{PERMISSIONS[service]} (read-only)"
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

    # every service's calls (ECS, Auto Scaling, EC2); once per client
    client.meta.events.register(
        "before-call", in_time, unique_id=f"planner-deadline-{id(deadline)}"
    )


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

    Writes ``services.json``, ``container-instances.json``, ``tasks.json``,
    ``task-definitions/<family>-<revision>.json`` and, when ``export`` has them,
    ``clusters.json``, ``capacity-providers.json``, ``auto-scaling-groups.json``,
    ``launch-template-versions.json`` and ``launch-configurations.json``, as
    ``--output json`` prints them: the files
    :func:`planner.inputs.importing.import_folder` reads.

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
    for key, name in CAPACITY_KEYS.items():
        if key in export:
            dump(export[key], root / name)
    for doc in export["taskDefinitions"]:
        td = doc["taskDefinition"]
        dump(doc, root / "task-definitions" / f"{td['family']}-{td['revision']}.json")
    return root
