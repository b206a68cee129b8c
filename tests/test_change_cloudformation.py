"""The CloudFormation and CDK reader (planner/inputs/change/cloudformation.py).

Real templates first (tests/data/change/cloudformation/, sources and licences in its
NOTES.md), each read field by field and given a verdict worked out by hand on a small
cluster. The apply step (planner/inputs/change/apply.py) was not in main when these were
written, so the verdict tests here lay the change over the cluster's scenario mapping by
hand: the service's fields, the template's task definition as ``newTaskDefinition`` (the
ECS shape, inline), and the running revision written out. The same verdicts through the
apply step and the command line are in tests/test_change_cloudformation_apply.py; the
intrinsic functions, the refusals and the guards against hostile files, on small
templates written for them, in tests/test_change_cloudformation_values.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import planner
from planner.errors import PlannerError
from planner.inputs.change.cloudformation import read_cloudformation
from planner.inputs.change.model import Change, Origin, ServiceChange, TaskDefinitionChange

DATA = Path(__file__).parent / "data" / "change" / "cloudformation"
REFARCH = str(DATA / "refarch-product-service.yaml")
PATTERNS = str(DATA / "container-patterns-service-capacity-provider.yml")

NO_SERVICE_NAME = (
    "service Service: no ServiceName; CloudFormation generates one (stack name, logical id "
    "and a random suffix), so planner calls it Service: the cluster's service of that name, "
    "else the one running its task definition's family, else a new one"
)


def write(tmp_path: Path, text: str, name: str = "t.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def refused(path: str, parameters: dict[str, str] | None = None) -> PlannerError:
    with pytest.raises(PlannerError) as caught:
        read_cloudformation(path, parameters)
    return caught.value


# -- real templates, field by field -----------------------------------------------------


def test_refarch_product_service_read_field_by_field() -> None:
    """aws-samples/ecs-refarch-cloudformation: bridge (by ECS's default), a dynamic host
    port behind an ALB, DesiredCount from a parameter's Default, Cluster a parameter
    without Default (not needed: left unchecked), no ServiceName."""
    task = TaskDefinitionChange(
        family="product-service",
        definition={
            "family": "product-service",
            "networkMode": "bridge",
            "containerDefinitions": [
                {
                    "name": "product-service",
                    "memory": 128,
                    "portMappings": [{"containerPort": 8001}],
                }
            ],
        },
        origin=Origin(REFARCH, 43, "TaskDefinition"),
    )
    assert read_cloudformation(REFARCH) == Change(
        file=REFARCH,
        format="cloudformation",
        services=[
            ServiceChange(
                name="Service",
                fields={
                    "desiredCount": 2,
                    "loadBalancers": [{"containerName": "product-service", "containerPort": 8001}],
                },
                task_definition=task,
                action="update",
                origin=Origin(REFARCH, 30, "Service"),
                cluster=None,
                network_configuration=None,
                name_generated=True,
                new_desired_count=1,
            )
        ],
        assumptions=[
            NO_SERVICE_NAME,
            "task definition product-service: no NetworkMode; ECS's default bridge on EC2 Linux",
        ],
    )


def test_refarch_parameter_overrides_default_and_names_the_cluster() -> None:
    change = read_cloudformation(REFARCH, {"DesiredCount": "6", "Cluster": "prod"})
    assert change.services[0].fields["desiredCount"] == 6
    assert change.services[0].cluster == "prod"
    arn = "arn:aws:ecs:us-east-1:123456789012:cluster/staging"
    assert read_cloudformation(REFARCH, {"Cluster": arn}).services[0].cluster == "staging"


def test_container_patterns_service_needs_its_capacity_provider() -> None:
    """aws-samples/container-patterns: the strategy names a parameter without Default,
    which the verdict needs: refused at its line, naming resource, property and the flag."""
    error = refused(PATTERNS)
    assert error.file == PATTERNS
    assert error.line == 93
    assert (
        error.field == "Resources.Service.Properties.CapacityProviderStrategy[0].CapacityProvider"
    )
    assert "parameter CapacityProvider has no Default" in error.message
    assert "pass --parameter CapacityProvider=VALUE" in error.message


def test_container_patterns_service_read_field_by_field() -> None:
    """awsvpc on EC2, Cpu and Memory from Number parameters, placement strategies under
    CloudFormation's name, NetworkConfiguration kept as its field path; images, roles,
    subnets and the log group (ImportValue-free but unknowable) are not read."""
    change = read_cloudformation(PATTERNS, {"CapacityProvider": "cp-a"})
    task = TaskDefinitionChange(
        family="example-service",
        definition={
            "family": "example-service",
            "cpu": "256",
            "memory": "512",
            "networkMode": "awsvpc",
            "containerDefinitions": [{"name": "example-service", "cpu": 256, "memory": 512}],
        },
        origin=Origin(PATTERNS, 53, "TaskDefinition"),
    )
    assert change == Change(
        file=PATTERNS,
        format="cloudformation",
        services=[
            ServiceChange(
                name="example-service",
                fields={
                    "desiredCount": 1,
                    "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 75},
                    "placementStrategy": [
                        {"field": "attribute:ecs.availability-zone", "type": "spread"},
                        {"field": "cpu", "type": "binpack"},
                    ],
                    "capacityProviderStrategy": [
                        {"capacityProvider": "cp-a", "base": 0, "weight": 1}
                    ],
                },
                task_definition=task,
                action="update",
                origin=Origin(PATTERNS, 81, "Service"),
                cluster=None,
                network_configuration="Properties.NetworkConfiguration",
                new_desired_count=1,
            )
        ],
    )


# -- verdicts worked out by hand --------------------------------------------------------


def _laid_over(change: Change, cluster: dict[str, Any], running: dict[str, Any]) -> dict[str, Any]:
    """The scenario mapping the apply step would make: the cluster, and the change's one
    service with its running revision ``running`` and the template's as the new one."""
    service = change.services[0]
    assert service.task_definition is not None
    return {
        "name": Path(change.file).stem,
        "cluster": cluster,
        "services": [
            {
                "name": service.name,
                **service.fields,
                "taskDefinition": running,
                "newTaskDefinition": service.task_definition.definition,
            }
        ],
    }


def _verdict(mapping: dict[str, Any]) -> str:
    result = planner.solve(planner.load_scenario(mapping), time_limit=30, workers=1)
    return str(result.verdict.value)


REFARCH_RUNNING = {
    "memory": 128,
    "networkMode": "bridge",
    "portMappings": [{"containerPort": 8001}],
}


def test_refarch_verdict_safe_on_one_t3_medium() -> None:
    """By hand: 2 tasks of 128 MiB, no CPU, a dynamic host port each; ECS's defaults
    100 % / 200 % let 2 new tasks start beside them: 4 x 128 = 512 MiB of the 3,884 a
    t3.medium registers, 4 ports of the dynamic range: every wave fits. Safe."""
    change = read_cloudformation(REFARCH)
    cluster = {"instances": [{"type": "t3.medium", "count": 1}]}
    assert _verdict(_laid_over(change, cluster, REFARCH_RUNNING)) == "safe"


def test_refarch_verdict_hangs_on_a_300_mib_instance() -> None:
    """By hand: the 2 running tasks take 256 of 300 MiB; 100 % minimum healthy stops none
    before a new one is healthy, and a new one needs 128 MiB of the 44 left: no wave can
    start. Hangs."""
    change = read_cloudformation(REFARCH)
    cluster = {"instances": [{"name": "tiny", "vcpu": 1, "memory": 300, "count": 1}]}
    assert _verdict(_laid_over(change, cluster, REFARCH_RUNNING)) == "hangs"


PATTERNS_RUNNING = {"cpu": 256, "memory": 512, "networkMode": "awsvpc"}


def _provider(instances: int, max_size: int) -> dict[str, Any]:
    group = {"instanceTypes": ["c5.xlarge"], "maxSize": max_size, "instances": instances}
    return {"instances": [], "capacityProviders": [{"name": "cp-a", "autoScalingGroup": group}]}


def test_container_patterns_verdict_safe_with_a_free_eni() -> None:
    """By hand: 1 awsvpc task on one c5.xlarge (4 ENIs: 3 for tasks, no trunking); 200 %
    lets a new task start beside the old one on a free ENI (256 of 4,096 units, 512 of
    7,624 MiB), then the old one stops. Safe."""
    change = read_cloudformation(PATTERNS, {"CapacityProvider": "cp-a"})
    assert _verdict(_laid_over(change, _provider(1, 2), PATTERNS_RUNNING)) == "safe"


def test_container_patterns_verdict_hangs_when_enis_run_out() -> None:
    """By hand, with --parameter DesiredCount=3: 3 tasks hold the c5.xlarge's 3 task ENIs;
    75 % of 3 rounds up to 3 healthy, so none stops first; a new task needs an ENI and
    the group may not grow (maxSize 1). Hangs."""
    change = read_cloudformation(PATTERNS, {"CapacityProvider": "cp-a", "DesiredCount": "3"})
    assert change.services[0].fields["desiredCount"] == 3
    assert _verdict(_laid_over(change, _provider(1, 1), PATTERNS_RUNNING)) == "hangs"


# -- cdk synth output -------------------------------------------------------------------

CDK = str(DATA / "cdk-task-definition-without-container-level-memory.template.json")


def test_cdk_snapshot_read_field_by_field() -> None:
    """aws/aws-cdk's integ snapshot (JSON as ``cdk synth`` writes it): a task definition
    and its role, CDK's bootstrap parameter (an SSM parameter, never needed) and Rules
    (Fn::Contains, not read). No service uses the task definition: it rolls out on the
    cluster's services of family ``app``."""
    assert read_cloudformation(CDK) == Change(
        file=CDK,
        format="cloudformation",
        task_definitions=[
            TaskDefinitionChange(
                family="app",
                definition={
                    "family": "app",
                    "cpu": "256",
                    "memory": "512",
                    "networkMode": "bridge",
                    "containerDefinitions": [{"name": "Container"}],
                },
                origin=Origin(CDK, 20, "TaskDef54694570"),
            )
        ],
    )


def _cdk_verdict(instance_type: str, desired: int) -> str:
    (task,) = read_cloudformation(CDK).task_definitions
    running = {"cpu": 256, "memory": 512, "networkMode": "bridge"}
    service = {
        "name": "app",
        "desiredCount": desired,
        "taskDefinition": running,
        "newTaskDefinition": task.definition,
    }
    cluster = {"instances": [{"type": instance_type, "count": 1}]}
    return _verdict({"name": "cdk", "cluster": cluster, "services": [service]})


def test_cdk_verdict_safe_with_room_for_one_more() -> None:
    """By hand: 2 tasks of 512 MiB on a t3.small (1,895 MiB registered) leave 871: one
    new task starts, then an old one stops, then the second new one starts. Safe."""
    assert _cdk_verdict("t3.small", 2) == "safe"


def test_cdk_verdict_hangs_without_room() -> None:
    """By hand: 3 tasks take 1,536 of 1,895 MiB; the 359 left hold no 512 MiB task and
    100 % minimum healthy stops none first. Hangs."""
    assert _cdk_verdict("t3.small", 3) == "hangs"


# -- bridge behind an ALB, on a capacity provider ---------------------------------------

WEB = str(DATA / "container-patterns-web-service-bridge.yml")


def test_container_patterns_bridge_web_service_read_field_by_field() -> None:
    """aws-samples/container-patterns' public web service on EC2: bridge with an explicit
    dynamic host port (HostPort 0), the load balancer's container and port from
    parameters, a capacity provider strategy (the provider passed as a parameter)."""
    change = read_cloudformation(WEB, {"CapacityProvider": "cp-a"})
    task = TaskDefinitionChange(
        family="web",
        definition={
            "family": "web",
            "cpu": "256",
            "memory": "512",
            "networkMode": "bridge",
            "containerDefinitions": [
                {
                    "name": "web",
                    "cpu": 256,
                    "memory": 512,
                    "portMappings": [{"containerPort": 80, "hostPort": 0}],
                }
            ],
        },
        origin=Origin(WEB, 58, "TaskDefinition"),
    )
    assert change == Change(
        file=WEB,
        format="cloudformation",
        services=[
            ServiceChange(
                name="web",
                fields={
                    "desiredCount": 2,
                    "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 75},
                    "placementStrategy": [
                        {"field": "attribute:ecs.availability-zone", "type": "spread"},
                        {"field": "cpu", "type": "binpack"},
                    ],
                    "capacityProviderStrategy": [
                        {"capacityProvider": "cp-a", "base": 0, "weight": 1}
                    ],
                    "loadBalancers": [{"containerName": "web", "containerPort": 80}],
                },
                task_definition=task,
                action="update",
                origin=Origin(WEB, 88, "Service"),
                new_desired_count=1,
            )
        ],
    )


def _web_verdict(desired: int, max_size: int) -> str:
    change = read_cloudformation(WEB, {"CapacityProvider": "cp-a", "DesiredCount": str(desired)})
    group = {"instanceTypes": ["t3.small"], "maxSize": max_size, "instances": 1}
    cluster = {"instances": [], "capacityProviders": [{"name": "cp-a", "autoScalingGroup": group}]}
    running = {
        "cpu": 256,
        "memory": 512,
        "networkMode": "bridge",
        "portMappings": [{"containerPort": 80}],
    }
    return _verdict(_laid_over(change, cluster, running))


def test_container_patterns_bridge_verdict_completes_after_scale_out() -> None:
    """By hand, with --parameter DesiredCount=3: 3 tasks take 1,536 of the t3.small's
    1,895 MiB; 75 % of 3 rounds up to 3, so none stops first and no new task fits; the
    provider launches a second t3.small (maxSize 2) where the new tasks start. Safe."""
    assert _web_verdict(3, 2) == "safe"


def test_container_patterns_bridge_verdict_hangs_at_max_size() -> None:
    """The same with maxSize 1: the group cannot grow, no task fits. Hangs."""
    assert _web_verdict(3, 1) == "hangs"
