"""planner/inputs/change/terraform.py and detect.py: Terraform plans read field by field.

The plans are in tests/data/change/terraform/ (NOTES.md: where each comes from)."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import PlannerError
from planner.inputs.change.detect import detect, read_change
from planner.inputs.change.model import Change, Origin, ServiceChange, TaskDefinitionChange
from planner.inputs.change.terraform import read_terraform

DATA = Path(__file__).parent / "data" / "change" / "terraform"


def test_checkov_plan_a_task_definition_with_its_network_mode_unknown():
    """bridgecrewio/checkov's ECS plan: one task definition created, two containers with
    fixed host ports 80 and 443; network_mode unknown until apply → ECS's default bridge,
    said in the assumptions; no service in the plan → task_definitions."""
    file = str(DATA / "checkov-ecs_tfplan.json")
    assert read_terraform(file) == Change(
        file=file,
        format="terraform",
        task_definitions=[
            TaskDefinitionChange(
                "service",
                {
                    "family": "service",
                    "networkMode": "bridge",
                    "containerDefinitions": [
                        {
                            "name": "first",
                            "cpu": 10,
                            "memory": 512,
                            "portMappings": [{"containerPort": 80, "hostPort": 80}],
                        },
                        {
                            "name": "second",
                            "cpu": 10,
                            "memory": 256,
                            "portMappings": [{"containerPort": 443, "hostPort": 443}],
                        },
                    ],
                },
                Origin(file, None, "aws_ecs_task_definition.service"),
            )
        ],
        assumptions=[
            "aws_ecs_task_definition.service: network_mode unknown until apply; ECS's "
            "default, bridge (EC2 Linux)"
        ],
    )


def test_a_service_in_a_module_whose_task_definition_is_unknown_until_apply():
    """The service's task_definition is unknown (the revision is registered by the same
    apply): resolved through configuration.module_calls.app to the task definition
    replaced (create before delete); the cluster's ARN gives its name; the deleted and the
    unchanged service are skipped and listed; the data source read is ignored."""
    file = str(DATA / "own-module-service-update.json")
    change = read_terraform(file)
    web = TaskDefinitionChange(
        "web",
        {
            "family": "web",
            "networkMode": "bridge",
            "containerDefinitions": [
                {
                    "name": "web",
                    "cpu": 512,
                    "memory": 512,
                    "portMappings": [{"containerPort": 8080, "hostPort": 80, "protocol": "tcp"}],
                }
            ],
            "placementConstraints": [
                {"type": "memberOf", "expression": "attribute:ecs.instance-type =~ t3.*"}
            ],
        },
        Origin(file, None, "module.app.aws_ecs_task_definition.web"),
    )
    assert change == Change(
        file=file,
        format="terraform",
        services=[
            ServiceChange(
                "web",
                {
                    "desiredCount": 4,
                    "deploymentConfiguration": {
                        "minimumHealthyPercent": 100,
                        "maximumPercent": 200,
                        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
                    },
                    "deploymentController": "ECS",
                    "placementStrategy": [
                        {"type": "spread", "field": "attribute:ecs.availability-zone"},
                        {"type": "binpack", "field": "memory"},
                    ],
                    # the plan's after is the whole desired state: empty lists say "none"
                    "placementConstraints": [],
                    "capacityProviderStrategy": None,
                    "launchType": "EC2",
                },
                web,
                "update",
                Origin(file, None, "module.app.aws_ecs_service.web"),
                cluster="demo",
            )
        ],
        skipped=[
            "module.app.aws_ecs_service.legacy: deleted, not a rollout",
            "module.app.aws_ecs_service.worker: no change",
        ],
    )


def test_a_new_service_on_a_new_capacity_provider():
    """A service created with its task definition (awsvpc, with a network configuration),
    a capacity provider whose Auto Scaling group (ARN unknown until apply) is found through
    the configuration's reference, its mixed-instances overrides as the instance types, and
    the cluster's default strategy; the group's subnets give no zones (said)."""
    file = str(DATA / "own-new-service-capacity.json")
    change = read_terraform(file)
    assert change.services == [
        ServiceChange(
            "api",
            {
                "desiredCount": 3,
                "deploymentConfiguration": {"minimumHealthyPercent": 50, "maximumPercent": 200},
                "placementStrategy": [{"type": "spread", "field": "instanceId"}],
                "placementConstraints": [{"type": "distinctInstance"}],
                "capacityProviderStrategy": [
                    {"capacityProvider": "general", "weight": 1, "base": 1}
                ],
                "loadBalancers": [{"containerName": "api", "containerPort": 8080}],
            },
            TaskDefinitionChange(
                "api",
                {
                    "family": "api",
                    "cpu": "1024",
                    "memory": "2048",
                    "networkMode": "awsvpc",
                    "containerDefinitions": [
                        {
                            "name": "api",
                            "cpu": 1024,
                            "memoryReservation": 1024,
                            "portMappings": [
                                {"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}
                            ],
                        }
                    ],
                },
                Origin(file, None, "aws_ecs_task_definition.api"),
            ),
            "create",
            Origin(file, None, "aws_ecs_service.api"),
            cluster="demo",
            network_configuration="network_configuration",
        )
    ]
    assert change.task_definitions == []
    assert change.capacity_providers == [
        {
            "name": "general",
            "autoScalingGroup": {
                "instanceTypes": ["m5.large", "m5.xlarge"],
                "minSize": 2,
                "maxSize": 6,
                "instances": 2,
            },
            "managedScaling": {
                "status": "ENABLED",
                "targetCapacity": 100,
                "minimumScalingStepSize": 1,
                "maximumScalingStepSize": 4,
                "instanceWarmupPeriod": 300,
            },
        }
    ]
    assert change.default_strategy == [{"capacityProvider": "general", "weight": 1, "base": 0}]
    assert change.origins == {"general": Origin(file, None, "aws_ecs_capacity_provider.general")}
    assert change.assumptions == [
        "aws_autoscaling_group.general: vpc_zone_identifier gives subnets, not zones: the "
        "group's zones are left unknown (zone rules see them as one)"
    ]
    assert change.skipped == []


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("checkov-ecs_tfplan.json", "terraform"),
        ("own-module-service-update.json", "terraform"),
        ("own-new-service-capacity.json", "terraform"),
    ],
)
def test_detected_from_the_content(name, kind):
    assert detect(DATA / name) == kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ('{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}', "cloudformation"),
        (
            "Resources:\n  Web:\n    Type: AWS::ECS::Service\n    Properties:\n"
            "      Cluster: !Ref Cluster\n",
            "cloudformation",
        ),
        (
            "region: us-east-1\ncluster: demo\nservice: web\nservice_definition: svc.json\n"
            "task_definition: td.json\n",
            "ecspresso",
        ),
        ('{"family": "web", "containerDefinitions": []}', "ecspresso"),
        ('{"serviceName": "web", "desiredCount": 2}', "ecspresso"),
    ],
)
def test_other_kinds_detected_on_text(tmp_path, text, kind):
    """Short-form tags (!Ref) are not constructed: the text alone tells."""
    file = tmp_path / "change.txt"
    file.write_text(text)
    assert detect(file) == kind


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("bad-state-show.json", "is a Terraform state, not a plan"),
        ("bad-terraform.tfstate", "is a Terraform state, not a plan"),
        ("bad-binary.tfplan", "is a binary Terraform plan"),
    ],
)
def test_states_and_binary_plans_are_refused_naming_the_command(name, words):
    with pytest.raises(PlannerError) as exc:
        read_change(DATA / name)
    assert words in exc.value.message
    assert "terraform show -json PLANFILE > plan.json" in exc.value.message
    assert exc.value.file == str(DATA / name)


def test_bad_container_definitions_names_the_address_and_field():
    with pytest.raises(PlannerError) as exc:
        read_change(DATA / "bad-container-definitions.json")
    assert exc.value.field == "aws_ecs_task_definition.service.container_definitions"
    assert exc.value.message.startswith("is not valid JSON")


def test_unknown_format_says_what_is_read(tmp_path):
    file = tmp_path / "notes.yaml"
    file.write_text("hello: world\n")
    with pytest.raises(PlannerError) as exc:
        read_change(file)
    assert "--change-format terraform|cloudformation|ecspresso" in exc.value.message


def test_a_format_version_after_1x_is_refused(tmp_path):
    file = tmp_path / "plan.json"
    file.write_text('{"format_version": "2.0", "resource_changes": []}')
    with pytest.raises(PlannerError) as exc:
        read_terraform(file)
    assert exc.value.field == "format_version"


def test_format_0_1_is_read(tmp_path):
    """Terraform 0.12's plans say format_version 0.1: the same resource_changes."""
    text = (DATA / "checkov-ecs_tfplan.json").read_text().replace('"1.0"', '"0.1"', 1)
    file = tmp_path / "plan.json"
    file.write_text(text)
    assert read_terraform(file).task_definitions[0].family == "service"


def test_a_task_definition_whose_containers_are_unknown_is_refused(tmp_path):
    text = (DATA / "checkov-ecs_tfplan.json").read_text()
    text = text.replace(
        '"network_mode": true', '"network_mode": true, "container_definitions": true'
    )
    file = tmp_path / "plan.json"
    file.write_text(text)
    with pytest.raises(PlannerError) as exc:
        read_terraform(file)
    assert exc.value.field == "aws_ecs_task_definition.service.container_definitions"
    assert "unknown until apply" in exc.value.message


def test_a_fargate_service_is_skipped(tmp_path):
    import json

    plan = json.loads((DATA / "own-new-service-capacity.json").read_text())
    for rc in plan["resource_changes"]:
        if rc["type"] == "aws_ecs_service":
            rc["change"]["after"]["capacity_provider_strategy"] = [
                {"capacity_provider": "FARGATE", "weight": 1, "base": 0}
            ]
    file = tmp_path / "plan.json"
    file.write_text(json.dumps(plan))
    change = read_terraform(file)
    assert change.services == []
    assert change.skipped == [
        "aws_ecs_service.api: runs on Fargate, which takes no room on container instances"
    ]
    # its task definition is the Fargate service's: not rolled out by family on EC2
    assert change.task_definitions == []


def test_a_format_whose_reader_is_missing_is_named(monkeypatch):
    """The readers are imported by name when needed: one this planner lacks is a
    PlannerError naming the formats it reads, not an ImportError."""
    import planner.inputs.change.detect as detect_module

    monkeypatch.setitem(detect_module.READERS, "ecspresso", ("no_such_reader", "read"))
    with pytest.raises(PlannerError) as exc:
        read_change(DATA / "checkov-ecs_tfplan.json", "ecspresso")
    assert exc.value.message.startswith("this planner has no ecspresso reader yet; it reads")
    assert "terraform" in exc.value.message


def test_service_values_unknown_until_apply_keep_the_clusters_and_say_so(tmp_path):
    import json

    plan = json.loads((DATA / "own-module-service-update.json").read_text())
    web = plan["resource_changes"][1]["change"]
    del web["after"]["desired_count"]
    web["after_unknown"]["desired_count"] = True
    file = tmp_path / "plan.json"
    file.write_text(json.dumps(plan))
    change = read_terraform(file)
    assert "desiredCount" not in change.services[0].fields
    assert change.assumptions == [
        "module.app.aws_ecs_service.web: desired_count unknown until apply; planner keeps "
        "the cluster's (0 for a new service)"
    ]


def test_a_task_size_unknown_until_apply_is_refused(tmp_path):
    text = (DATA / "checkov-ecs_tfplan.json").read_text()
    text = text.replace('"network_mode": true', '"network_mode": true, "memory": true')
    file = tmp_path / "plan.json"
    file.write_text(text)
    with pytest.raises(PlannerError) as exc:
        read_terraform(file)
    assert exc.value.field == "aws_ecs_task_definition.service.memory"
