"""A scenario from what the AWS CLI prints about a cluster (ROLLOUT.md §9).

A folder holds, as ``aws ... --output json`` prints them:

- ``services.json`` — ``aws ecs describe-services --cluster C --services ...``
- ``container-instances.json`` — ``aws ecs describe-container-instances ...``
- ``tasks.json`` — ``aws ecs describe-tasks --cluster C --tasks ...``
- ``task-definitions/*.json`` — ``aws ecs describe-task-definition --task-definition ...``,
  one per revision in use (and per revision named in ``--deploy``);
- for a cluster that reacts (ROLLOUT.md §10), each when the files before it name what it
  holds: ``clusters.json`` (``aws ecs describe-clusters``), ``capacity-providers.json``
  (``describe-capacity-providers``), ``auto-scaling-groups.json`` (``aws autoscaling
  describe-auto-scaling-groups``), ``launch-template-versions.json`` (``aws ec2
  describe-launch-template-versions``) and ``launch-configurations.json`` (``aws
  autoscaling describe-launch-configurations``).

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
- The capacity providers that the cluster lists or a service uses, with their Auto
  Scaling groups (:mod:`planner.inputs.aws.capacity`): the group's container instances are
  instance groups of their own, which the provider's ``group`` names.

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

This module runs the steps in order; each lives in :mod:`planner.inputs.aws`:
``export`` (reading and checking the files), ``refusals`` (what planner cannot model;
Fargate set aside), ``instances``, ``tasks``, ``services`` and ``capacity`` (building the
scenario) and ``writing`` (the scenario file's YAML).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs.aws.capacity import capacity_yaml, read_capacity
from planner.inputs.aws.export import (
    CAPACITY_FILES,
    FILES,
    MAX_BYTES,
    TaskDefs,
    export_list,
    read_export,
)
from planner.inputs.aws.instances import (
    agent_ports,
    group_alike,
    one_instance,
    remaining_mismatches,
)
from planner.inputs.aws.refusals import check_services, fargate_by_tasks, set_aside
from planner.inputs.aws.services import Context, one_service, static_load
from planner.inputs.aws.tasks import deployment_ids, find_tasks
from planner.inputs.aws.writing import import_notes, scenario_yaml
from planner.model.scenario import Scenario
from planner.running.clock import Deadline

__all__ = [
    "CAPACITY_FILES",
    "FILES",
    "MAX_BYTES",
    "import_cluster",
    "import_folder",
    "import_notes",
    "scenario_yaml",
]


def _read(path: Path) -> Any:
    """One export file, refused past :data:`MAX_BYTES` as this module holds it at the call
    (the one limit for every file :func:`import_folder` reads)."""
    return read_export(path, MAX_BYTES)


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
    from planner.model.catalog import shipped_types

    root = Path(folder)
    if not root.is_dir():
        raise PlannerError("is not a folder of AWS CLI exports", file=str(root))
    deploy = dict(deploy or {})
    services_path, instances_path, tasks_path = (root / f for f in FILES)
    services = export_list(_read(services_path), "services", services_path)
    ec2, fargate = check_services(services, services_path, deploy)
    instances = export_list(_read(instances_path), "containerInstances", instances_path)
    tasks = export_list(_read(tasks_path), "tasks", tasks_path)
    base = Path(relative_to) if relative_to is not None else root
    taskdefs = TaskDefs(root, base, MAX_BYTES)

    catalog = shipped_types()  # the types met are parsed, not the thousand others
    singles = [one_instance(ci, k, instances_path, catalog) for k, ci in enumerate(instances)]
    warnings: list[str] = []
    agent = agent_ports(instances, warnings)
    index = {ci["containerInstanceArn"]: k for k, ci in enumerate(instances)}
    draining = [g.get("status") == "DRAINING" for g in singles]
    ctx = Context(taskdefs, deploy, base, draining, [g["instanceIds"][0] for g in singles])
    found = find_tasks(
        tasks, tasks_path, index, deployment_ids(services), {s["serviceName"] for s in fargate}
    )
    ec2 = fargate_by_tasks(ec2, fargate, found, deploy, services_path)
    warnings = set_aside(fargate, found.fargate) + warnings
    capacity = read_capacity(root, [(k, svc) for k, svc, _ in ec2], MAX_BYTES, set(catalog))
    warnings += capacity.warnings
    out_services = []
    for _, svc, rev in ec2:
        out, said = one_service(svc, rev, found, ctx, tasks_path)
        out_services.append(out)
        warnings += said
    static, said = static_load(found, {s["serviceName"] for s in services}, ctx)
    out_services += static
    warnings += said
    warnings += remaining_mismatches(instances, singles, found.running, taskdefs.files)

    owners = capacity.owners()  # no group mixes instances of two providers, or of none
    tags = [owners.get(str(ci.get("ec2InstanceId"))) for ci in instances]
    groups, order = group_alike(singles, tags)
    providers, said = capacity_yaml(capacity, groups, order, tags)
    warnings += said
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
    if providers:
        scenario["cluster"]["capacityProviders"] = providers
    written = {p["name"] for p in providers}
    if capacity.default and all(i["capacityProvider"] in written for i in capacity.default):
        scenario["cluster"]["defaultCapacityProviderStrategy"] = capacity.default
    return scenario, warnings


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
