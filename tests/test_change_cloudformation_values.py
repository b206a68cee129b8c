"""The CloudFormation reader's intrinsic functions, capacity resources, refusals and guards
against hostile files. Self-written templates: each shows one rule alone, which no public
template does (the public ones are in tests/test_change_cloudformation.py)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from builders import make_sparse, refused_within

from planner.errors import PlannerError
from planner.inputs.change.cfn_template import MAX_TEMPLATE_BYTES
from planner.inputs.change.cloudformation import read_cloudformation


def write(tmp_path: Path, text: str, name: str = "t.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return str(path)


def refused(path: str, parameters: dict[str, str] | None = None) -> PlannerError:
    with pytest.raises(PlannerError) as caught:
        read_cloudformation(path, parameters)
    return caught.value


FUNCTIONS = """
Parameters:
  Env: {Type: String, Default: prod, AllowedValues: [prod, dev]}
  Sizes: {Type: CommaDelimitedList, Default: "256,512,1024"}
Mappings:
  Counts: {prod: {web: 6}, dev: {web: 1}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Either: !Or [!Condition IsDev, !And [!Condition IsProd, !Equals [a, a]]]
Resources:
  Td:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: !Sub "${Env}-web"
      Cpu: !Select [1, !Ref Sizes]
      Memory: !Join ["", ["10", "24"]]
      NetworkMode: !If [IsProd, host, !Ref "AWS::NoValue"]
      ContainerDefinitions:
        - Name: web
          Image: !ImportValue shared-image
          Memory: !Select [2, !Split [",", "1,2,900"]]
          PortMappings:
            - ContainerPort: 80
              HostPort: !If [IsDev, 8080, 80]
  Web:
    Type: AWS::ECS::Service
    Properties:
      ServiceName: !Sub "${Env}-web${!Literal}"
      Cluster: !Ref Main
      DesiredCount: !FindInMap [Counts, !Ref Env, web]
      TaskDefinition: !Ref Td
      DeploymentConfiguration:
        MinimumHealthyPercent: 50
        MaximumPercent: 100
        DeploymentCircuitBreaker: {Enable: true, Rollback: true}
      DeploymentController: !If [Either, {Type: ECS}, {Type: CODE_DEPLOY}]
      PlacementConstraints: [{Type: distinctInstance}]
      LaunchType: EC2
      NetworkConfiguration: !If
        - IsProd
        - !Ref AWS::NoValue
        - {AwsvpcConfiguration: {Subnets: [!ImportValue subnet]}}
  Main:
    Type: AWS::ECS::Cluster
    Properties: {ClusterName: main}
  Extra:
    Type: AWS::ECS::TaskDefinition
    Condition: IsDev
    Properties:
      ContainerDefinitions: [{Name: x, Memory: 64}]
"""


def test_intrinsic_functions_resolved_with_defaults(tmp_path: Path) -> None:
    change = read_cloudformation(write(tmp_path, FUNCTIONS))
    (web,) = change.services
    assert web.name == "prod-web${Literal}"
    assert web.cluster == "main"
    assert web.fields == {
        "desiredCount": 6,
        "deploymentConfiguration": {
            "minimumHealthyPercent": 50,
            "maximumPercent": 100,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        },
        "deploymentController": {"type": "ECS"},
        "launchType": "EC2",
        "placementConstraints": [{"type": "distinctInstance"}],
    }
    assert web.network_configuration is None  # Fn::If gave AWS::NoValue
    assert web.task_definition is not None
    assert web.task_definition.definition == {
        "family": "prod-web",
        "cpu": "512",
        "memory": "1024",
        "networkMode": "host",
        "containerDefinitions": [
            {"name": "web", "memory": 900, "portMappings": [{"containerPort": 80, "hostPort": 80}]}
        ],
    }
    assert web.origin.line == 25 and web.origin.address == "Web"
    assert change.skipped == ["Extra: condition IsDev is false, not created"]
    assert change.task_definitions == []
    assert change.assumptions == []


def test_intrinsic_functions_resolved_with_a_parameter(tmp_path: Path) -> None:
    change = read_cloudformation(write(tmp_path, FUNCTIONS), {"Env": "dev"})
    (web,) = change.services
    assert web.name == "dev-web${Literal}"
    assert web.fields["desiredCount"] == 1
    assert web.network_configuration == "Properties.NetworkConfiguration"
    assert web.task_definition is not None
    definition = web.task_definition.definition
    assert definition["networkMode"] == "bridge"
    assert definition["containerDefinitions"][0]["portMappings"] == [
        {"containerPort": 80, "hostPort": 8080}
    ]
    (extra,) = change.task_definitions  # created now, and no service uses it
    assert extra.family == "Extra"
    assert extra.definition == {
        "family": "Extra",
        "networkMode": "bridge",
        "containerDefinitions": [{"name": "x", "memory": 64}],
    }
    assert change.assumptions == [
        "task definition dev-web: no NetworkMode; ECS's default bridge on EC2 Linux",
        "task definition Extra: no Family; CloudFormation generates one, so planner calls it Extra",
        "task definition Extra: no NetworkMode; ECS's default bridge on EC2 Linux",
    ]


def test_parameter_not_allowed_or_unknown_refused(tmp_path: Path) -> None:
    path = write(tmp_path, FUNCTIONS)
    error = refused(path, {"Env": "staging"})
    assert (error.line, error.field) == (2, "Parameters.Env")
    assert "not one of its AllowedValues (prod, dev)" in error.message
    error = refused(path, {"Envv": "dev"})
    assert "the template has no parameter Envv (its parameters: Env, Sizes)" in error.message


def test_import_value_for_cpu_refused_image_not(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Resources:
          Td:
            Type: AWS::ECS::TaskDefinition
            Properties:
              Family: web
              Cpu: !ImportValue shared-cpu
              Memory: 512
              ContainerDefinitions:
                - Name: web
                  Image: !ImportValue shared-image
        """,
    )
    error = refused(path)
    assert (error.file, error.line, error.field) == (path, 6, "Resources.Td.Properties.Cpu")
    assert error.message.startswith(
        "Fn::ImportValue shared-cpu: another stack's export, known only when the stack deploys; "
        "planner needs the task's Cpu for the verdict"
    )
    text = Path(path).read_text().replace("!ImportValue shared-cpu", "256")
    Path(path).write_text(text)
    (td,) = read_cloudformation(path).task_definitions
    assert td.definition["cpu"] == "256"


def test_parameter_without_default_for_desired_count_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Parameters:
          Count: {Type: Number}
        Resources:
          Web:
            Type: AWS::ECS::Service
            Properties:
              ServiceName: web
              DesiredCount: !Ref Count
        """,
    )
    error = refused(path)
    assert (error.line, error.field) == (8, "Resources.Web.Properties.DesiredCount")
    assert error.message == (
        "Ref Count: parameter Count has no Default; planner needs DesiredCount for the "
        "verdict: pass --parameter Count=VALUE"
    )
    assert read_cloudformation(path, {"Count": "3"}).services[0].fields == {"desiredCount": 3}
    error = refused(path, {"Count": "three"})
    assert 'DesiredCount must be a whole number, got "three"' in error.message


def test_region_refused_only_where_needed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Mappings:
          Types: {us-east-1: {cp: m5.large}}
        Resources:
          Web:
            Type: AWS::ECS::Service
            Properties:
              ServiceName: web
              CapacityProviderStrategy:
                - CapacityProvider: !FindInMap [Types, !Ref "AWS::Region", cp]
        """,
    )
    error = refused(path)
    assert error.line == 9
    assert "Ref AWS::Region: the stack's Region" in error.message
    assert "pass --parameter AWS::Region=VALUE" in error.message
    change = read_cloudformation(path, {"AWS::Region": "us-east-1"})
    assert change.services[0].fields == {
        "capacityProviderStrategy": [{"capacityProvider": "m5.large"}]
    }


def test_what_ecs_refuses_in_a_task_definition_named_at_the_template(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Resources:
          Td:
            Type: AWS::ECS::TaskDefinition
            Properties:
              NetworkMode: host
              ContainerDefinitions:
                - {Name: a, Memory: 64, PortMappings: [{ContainerPort: 80}]}
                - Name: b
                  Memory: 64
                  PortMappings:
                    - ContainerPort: 80
        """,
    )
    error = refused(path)
    assert (error.file, error.line) == (path, 11)
    assert error.field == (
        "Resources.Td.Properties (as ECS reads it: containerDefinitions[1].portMappings[0])"
    )
    assert "host port 80/tcp is already mapped" in error.message


CAPACITY = {
    "Parameters": {"Max": {"Type": "Number", "Default": 4}},
    "Resources": {
        "Cluster": {"Type": "AWS::ECS::Cluster"},
        "Lt": {
            "Type": "AWS::EC2::LaunchTemplate",
            "Properties": {"LaunchTemplateData": {"InstanceType": "m5.large"}},
        },
        "Asg": {
            "Type": "AWS::AutoScaling::AutoScalingGroup",
            "Properties": {
                "MinSize": "1",
                "MaxSize": {"Ref": "Max"},
                "AvailabilityZones": ["us-east-1a", "us-east-1b"],
                "LaunchTemplate": {
                    "LaunchTemplateId": {"Ref": "Lt"},
                    "Version": {"Fn::GetAtt": ["Lt", "LatestVersionNumber"]},
                },
            },
        },
        "Mixed": {
            "Type": "AWS::AutoScaling::AutoScalingGroup",
            "Properties": {
                "MinSize": 0,
                "MaxSize": 10,
                "DesiredCapacity": 2,
                "VPCZoneIdentifier": ["subnet-1"],
                "MixedInstancesPolicy": {
                    "LaunchTemplate": {
                        "LaunchTemplateSpecification": {"LaunchTemplateId": {"Ref": "Lt"}},
                        "Overrides": [{"InstanceType": "c5.large"}, {"InstanceType": "c5.xlarge"}],
                    }
                },
            },
        },
        "Cp": {
            "Type": "AWS::ECS::CapacityProvider",
            "Properties": {
                "Name": "general",
                "AutoScalingGroupProvider": {
                    "AutoScalingGroupArn": {"Ref": "Asg"},
                    "ManagedScaling": {"Status": "ENABLED", "TargetCapacity": 90},
                },
            },
        },
        "Spot": {
            "Type": "AWS::ECS::CapacityProvider",
            "Properties": {"AutoScalingGroupProvider": {"AutoScalingGroupArn": {"Ref": "Mixed"}}},
        },
        "Elsewhere": {
            "Type": "AWS::ECS::CapacityProvider",
            "Properties": {"AutoScalingGroupProvider": {"AutoScalingGroupArn": "arn:aws:asg"}},
        },
        "Assoc": {
            "Type": "AWS::ECS::ClusterCapacityProviderAssociations",
            "Properties": {
                "Cluster": {"Ref": "Cluster"},
                "CapacityProviders": [{"Ref": "Cp"}, {"Ref": "Spot"}],
                "DefaultCapacityProviderStrategy": [
                    {"CapacityProvider": {"Ref": "Cp"}, "Base": 1, "Weight": 1},
                    {"CapacityProvider": {"Ref": "Spot"}, "Weight": "3"},
                ],
            },
        },
    },
}


def test_capacity_providers_groups_and_launch_templates(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps(CAPACITY, indent=1), "t.template.json")
    change = read_cloudformation(path)
    assert change.capacity_providers == [
        {
            "name": "general",
            "autoScalingGroup": {
                "instanceTypes": ["m5.large"],
                "availabilityZones": ["us-east-1a", "us-east-1b"],
                "minSize": 1,
                "maxSize": 4,
                "instances": 1,
            },
            "managedScaling": {"status": "ENABLED", "targetCapacity": 90},
        },
        {
            "name": "Spot",
            "autoScalingGroup": {
                "instanceTypes": ["c5.large", "c5.xlarge"],
                "minSize": 0,
                "maxSize": 10,
                "instances": 2,
            },
        },
    ]
    assert change.default_strategy == [
        {"capacityProvider": "general", "base": 1, "weight": 1},
        {"capacityProvider": "Spot", "weight": 3},
    ]
    cp_line = Path(path).read_text().splitlines().index('  "Cp": {') + 1
    assert change.origins["general"].line == cp_line
    assert change.skipped == [
        "Elsewhere (AWS::ECS::CapacityProvider): its Auto Scaling group is not in the "
        "template; the cluster's description of the provider is used"
    ]
    assert change.assumptions == [
        "capacity provider Spot: no Name; CloudFormation generates one, so planner calls it Spot",
        "capacity provider Spot: its group Mixed names subnets (VPCZoneIdentifier) or zones "
        "planner cannot know; subnets give no zones, so the provider's zones are the cluster's",
    ]


def test_attribute_based_instance_types_refused(tmp_path: Path) -> None:
    data = json.loads(json.dumps(CAPACITY))
    data["Resources"]["Lt"]["Properties"]["LaunchTemplateData"] = {
        "InstanceRequirements": {"VCpuCount": {"Min": 2}}
    }
    error = refused(write(tmp_path, json.dumps(data, indent=1), "t.json"))
    assert error.field == "Resources.Lt.Properties.LaunchTemplateData.InstanceRequirements"
    assert error.line is not None and error.line > 1
    assert "attribute-based instance selection" in error.message


# -- hostile or broken files ------------------------------------------------------------


def test_unknown_tag_refused_with_its_line(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "Resources:\n  A:\n    Type: !Bogus x\n"))
    assert (error.line, error.field) == (3, "Resources.A.Type")
    assert error.message.startswith("unknown tag !Bogus")


def test_python_tag_refused_never_constructed(tmp_path: Path) -> None:
    flag = tmp_path / "ran"
    text = f'Resources:\n  A: !!python/object/apply:os.system ["touch {flag}"]\n'
    error = refused(write(tmp_path, text))
    assert error.line == 2
    assert not flag.exists()


def test_garbage_yaml_refused_with_its_line(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "Resources:\n  A: [1, 2\n  B: }\n"))
    assert error.message.startswith("YAML syntax error")
    assert error.line in (2, 3)


def test_garbage_json_refused_with_its_line(tmp_path: Path) -> None:
    error = refused(write(tmp_path, '{\n "Resources": {\n  "A": ,\n }\n}\n', "t.json"))
    assert error.message.startswith("not valid JSON")
    assert error.line == 3


def test_huge_file_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    make_sparse(path, MAX_TEMPLATE_BYTES + 1)
    refused_within(lambda: read_cloudformation(path), "larger than 1,048,576 bytes", 4_000_000)


def test_alias_bomb_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for k in range(1, 10):
        previous = f"*a{k - 1}"
        lines.append(f"a{k}: &a{k} [{', '.join([previous] * 10)}]")
    lines.append("Resources: {A: {Type: AWS::ECS::Cluster, Properties: *a9}}")
    path = write(tmp_path, "\n".join(lines) + "\n")
    refused_within(lambda: read_cloudformation(path), "expands to more than", 50_000_000)


def test_alias_cycle_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "a: &a [*a]\nResources: {}\n"))
    assert "alias is used inside its own anchor" in error.message
    assert error.line == 1


def test_deep_nesting_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "Resources: " + "[" * 5000 + "]" * 5000 + "\n"))
    assert "nested more than" in error.message


def test_duplicate_key_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "Resources:\n  A: {Type: x}\n  A: {Type: y}\n"))
    assert (error.line, error.field) == (3, "Resources.A")
    assert "duplicate key 'A'; first on line 2" in error.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", "is not a CloudFormation template"),
        ("Description: x\n", "Resources: is required"),
        ("", "the file is empty"),
    ],
)
def test_not_a_template_refused(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in str(refused(write(tmp_path, text)))


def test_missing_file_refused(tmp_path: Path) -> None:
    assert "no such template file" in str(refused(str(tmp_path / "none.yaml")))


def test_condition_of_a_resource_not_read_is_not_evaluated(tmp_path: Path) -> None:
    """A role's Condition names a parameter without Default: not needed, not refused;
    the same Condition on a service is."""
    text = """
        Parameters:
          Stage: {Type: String}
        Conditions:
          Prod: !Equals [!Ref Stage, prod]
        Transform: AWS::LanguageExtensions
        Resources:
          Fn::ForEach::Topics:
            - Name
            - [a, b]
            - Topic${Name}: {Type: AWS::SNS::Topic}
          Role:
            Type: AWS::IAM::Role
            Condition: Prod
          Web:
            Type: AWS::ECS::Service
            Properties: {ServiceName: web, DesiredCount: 2}
        """
    change = read_cloudformation(write(tmp_path, text))
    assert [s.name for s in change.services] == ["web"]
    assert change.skipped == [
        "Fn::ForEach::Topics: resources the AWS::LanguageExtensions transform makes; planner "
        "reads the template as written"
    ]
    assert change.assumptions == [
        'the template declares Transform "AWS::LanguageExtensions": planner reads it as '
        "written, before CloudFormation applies the transform"
    ]
    error = refused(
        write(tmp_path, text.replace("Type: AWS::IAM::Role", "Type: AWS::ECS::Service"))
    )
    assert (error.line, error.field) == (13, "Resources.Role.Condition")
    assert "pass --parameter Stage=VALUE" in error.message


def test_resource_without_type_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "Resources:\n  A: just text\n"))
    assert (error.line, error.field) == (2, "Resources.A")
    assert "must be a resource: a mapping with Type" in error.message


def test_duplicate_key_in_json_refused_with_its_line(tmp_path: Path) -> None:
    text = '{\n "Resources": {\n  "A": {"Type": "x"},\n  "A": {"Type": "y"}\n }\n}\n'
    error = refused(write(tmp_path, text, "t.json"))
    assert (error.line, error.field) == (4, "Resources.A")


def test_fargate_services_and_task_definitions_skipped(tmp_path: Path) -> None:
    """Fargate tasks take no room on the cluster's instances: skipped, with why, and not
    read at all (their DesiredCount's parameter has no Default, and is not refused)."""
    text = """
        Parameters:
          Count: {Type: Number}
        Resources:
          Td:
            Type: AWS::ECS::TaskDefinition
            Properties:
              RequiresCompatibilities: [FARGATE]
              NetworkMode: awsvpc
              Cpu: 256
              Memory: 512
              ContainerDefinitions: [{Name: a, Image: x}]
          Api:
            Type: AWS::ECS::Service
            Properties:
              LaunchType: FARGATE
              DesiredCount: !Ref Count
              TaskDefinition: !Ref Td
          Spot:
            Type: AWS::ECS::Service
            Properties:
              CapacityProviderStrategy: [{CapacityProvider: FARGATE_SPOT, Weight: 1}]
          Sets:
            Type: AWS::ECS::Service
            Properties:
              DeploymentController: {Type: EXTERNAL}
              DesiredCount: !Ref Count
          Alone:
            Type: AWS::ECS::TaskDefinition
            Properties:
              RequiresCompatibilities: [FARGATE]
              ContainerDefinitions: [{Name: a, Image: x}]
        """
    change = read_cloudformation(write(tmp_path, text))
    assert change.services == [] and change.task_definitions == []
    assert change.skipped == [
        "Api (AWS::ECS::Service): runs on Fargate, whose tasks take no room on the "
        "cluster's instances; not a rollout planner models",
        "Spot (AWS::ECS::Service): runs on Fargate, whose tasks take no room on the "
        "cluster's instances; not a rollout planner models",
        "Sets (AWS::ECS::Service): an EXTERNAL deployment controller deploys it (task sets); "
        "planner models ECS's rolling and blue/green deployments and CodeDeploy's",
        "Alone (AWS::ECS::TaskDefinition): Fargate only (RequiresCompatibilities), it runs "
        "on no instance of the cluster",
    ]


def test_launch_configuration_and_mixed_requirements(tmp_path: Path) -> None:
    data = json.loads(json.dumps(CAPACITY))
    resources = data["Resources"]
    resources["Lc"] = {
        "Type": "AWS::AutoScaling::LaunchConfiguration",
        "Properties": {"InstanceType": "t3.medium"},
    }
    asg = resources["Asg"]["Properties"]
    del asg["LaunchTemplate"]
    asg["LaunchConfigurationName"] = {"Ref": "Lc"}
    change = read_cloudformation(write(tmp_path, json.dumps(data, indent=1), "a.json"))
    assert change.capacity_providers[0]["autoScalingGroup"]["instanceTypes"] == ["t3.medium"]
    overrides = resources["Mixed"]["Properties"]["MixedInstancesPolicy"]["LaunchTemplate"]
    overrides["Overrides"] = [{"InstanceRequirements": {"VCpuCount": {"Min": 2}}}]
    error = refused(write(tmp_path, json.dumps(data, indent=1), "b.json"))
    assert error.field == (
        "Resources.Mixed.Properties.MixedInstancesPolicy.LaunchTemplate.Overrides[0]"
        ".InstanceRequirements"
    )
    asg["LaunchConfigurationName"] = "made-elsewhere"
    error = refused(write(tmp_path, json.dumps(data, indent=1), "c.json"))
    assert error.field == "Resources.Asg.Properties.LaunchConfigurationName"
    assert "put it in the template, or give the capacity provider" in error.message


_SNIPPETS = (
    "!Ref X",
    "!GetAtt [{Ref: a}, b]",
    "!Sub ${A.B}",
    "!If [C, 1]",
    "[",
    "}",
    "&a x",
    "*a",
    "!ImportValue z",
    "{Ref: AWS::NoValue}",
    "!Select [9, []]",
    "!Join [1, 2]",
    "!Split [1]",
    "!FindInMap [a]",
    "!!int x",
    "!!float y",
    "!!bool maybe",
    "!!timestamp nope",
    "!!binary x",
    "!Condition Q",
    "{Fn::Sub: [1, 2]}",
    "null",
    "[1, {a: b}]",
    "!Equals [1]",
    "- x",
    "\t",
)


def test_broken_public_templates_give_a_planner_error_never_a_traceback(tmp_path: Path) -> None:
    """The public templates with a few lines broken (a value replaced by a snippet of
    intrinsic functions, tags, YAML syntax): each is read or refused with a PlannerError."""
    import random

    rng = random.Random(20261204)
    data = Path(__file__).parent / "data" / "change" / "cloudformation"
    sources = sorted(data.glob("*.y*ml")) + sorted(data.glob("*.json"))
    outcomes = {"read": 0, "refused": 0}
    for case in range(400):
        source = rng.choice(sources)
        lines = source.read_text().split("\n")
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(lines))
            line, snippet = lines[i], rng.choice(_SNIPPETS)
            if ":" in line and rng.random() < 0.8:
                lines[i] = line[: line.index(":") + 1] + " " + snippet
            else:
                lines[i] = line[: rng.randrange(len(line) + 1)] + snippet
        path = tmp_path / f"{case}{source.suffix}"
        path.write_text("\n".join(lines))
        try:
            given = {"CapacityProvider": "cp"} if "container-patterns" in source.name else {}
            read_cloudformation(str(path), given)
            outcomes["read"] += 1
        except PlannerError:
            outcomes["refused"] += 1
        except Exception as exc:  # pragma: no cover - the failure names the case
            raise AssertionError(f"case {case} ({source.name}): {exc!r}") from exc
    assert outcomes["read"] >= 20 and outcomes["refused"] >= 100, outcomes  # both reached


_JUNK = (
    None,
    1,
    -1,
    "x",
    "",
    [],
    {},
    [1],
    True,
    {"a": {"b": 1}},
    {"Ref": "Nope"},
    {"Ref": "AWS::NoValue"},
    {"Ref": "Lt"},
    {"Ref": "Asg"},
    {"Ref": "Cp"},
    {"Ref": "Td"},
    [{"Ref": "Cp"}],
    "FARGATE",
    {"Fn::If": ["IsProd", 1, 2]},
    {"Fn::GetAtt": ["Lt", "X"]},
    {"Fn::Select": [0, {"Ref": "Sizes"}]},
    {"Fn::Split": ["", "a"]},
    {"Fn::Sub": ["${x}", {"x": {"Ref": "Td"}}]},
    {"Condition": "IsProd"},
)


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def test_templates_with_values_replaced_give_a_planner_error_never_a_traceback(
    tmp_path: Path,
) -> None:
    """The capacity template above and FUNCTIONS, a value anywhere replaced by another
    kind (a number for a list, a reference to the wrong resource, an empty Split): each
    read or refused with a PlannerError."""
    import copy
    import random

    from cfn_tools import load_yaml

    functions = json.loads(json.dumps(load_yaml(textwrap.dedent(FUNCTIONS)), default=str))
    sources = [CAPACITY, functions]
    rng = random.Random(1204)
    outcomes = {"read": 0, "refused": 0}
    for case in range(600):
        data = copy.deepcopy(rng.choice(sources))
        places = [p for p in _paths(data) if p]
        for _ in range(rng.randint(1, 3)):
            where = rng.choice(places)
            parent: Any = data
            try:
                for key in where[:-1]:
                    parent = parent[key]
                parent[where[-1]] = copy.deepcopy(rng.choice(_JUNK))
            except (KeyError, IndexError, TypeError):
                pass  # an earlier replacement removed the place
        path = tmp_path / f"{case}.json"
        path.write_text(json.dumps(data))
        try:
            read_cloudformation(str(path))
            outcomes["read"] += 1
        except PlannerError:
            outcomes["refused"] += 1
        except Exception as exc:  # pragma: no cover - the failure names the case
            raise AssertionError(f"case {case}: {exc!r}") from exc
    assert outcomes["read"] >= 20 and outcomes["refused"] >= 100, outcomes  # both reached


@pytest.mark.parametrize(
    ("prop", "value", "allowed"),
    [
        ("SchedulingStrategy", "SOMETIMES", "REPLICA, DAEMON"),
        ("LaunchType", "EC3", "EC2, EXTERNAL"),
        ("DeploymentController", "{Type: ECS2}", "ECS, CODE_DEPLOY"),
    ],
)
def test_words_ecs_does_not_know_refused_at_their_line(
    tmp_path: Path, prop: str, value: str, allowed: str
) -> None:
    text = (
        f"Resources:\n  W:\n    Type: AWS::ECS::Service\n    Properties:\n      {prop}: {value}\n"
    )
    error = refused(write(tmp_path, text))
    assert error.line == 5
    assert error.field is not None and error.field.startswith(f"Resources.W.Properties.{prop}")
    assert f"must be one of {allowed}" in error.message


def test_nested_stack_listed_as_skipped(tmp_path: Path) -> None:
    text = """
        Resources:
          Services:
            Type: AWS::CloudFormation::Stack
            Properties: {TemplateURL: https://example.com/services.yaml}
        """
    assert read_cloudformation(write(tmp_path, text)).skipped == [
        "Services (AWS::CloudFormation::Stack): a nested stack; planner reads this template "
        "only: give the nested template as its own --change, its Parameters as --parameter"
    ]


def test_json_indented_with_tabs_keeps_its_lines(tmp_path: Path) -> None:
    text = (
        '{\n\t"Resources": {\n\t\t"S": {"Type": "AWS::ECS::Service",\n'
        '\t\t\t"Properties": {"ServiceName": "a\\/b", "DesiredCount": "x"}}\n\t}\n}\n'
    )
    error = refused(write(tmp_path, text, "t.json"))
    assert (error.line, error.field) == (4, "Resources.S.Properties.DesiredCount")


def test_service_task_definition_through_get_att(tmp_path: Path) -> None:
    """``!GetAtt Td.TaskDefinitionArn`` names the template's task definition as ``!Ref``
    does; an ARN of a revision elsewhere leaves the service's running one, said."""
    text = """
        Resources:
          Td:
            Type: AWS::ECS::TaskDefinition
            Properties:
              Family: web
              ContainerDefinitions: [{Name: a, Memory: 64}]
          Web:
            Type: AWS::ECS::Service
            Properties:
              ServiceName: web
              TaskDefinition: !GetAtt Td.TaskDefinitionArn
          Other:
            Type: AWS::ECS::Service
            Properties:
              ServiceName: other
              TaskDefinition: arn:aws:ecs:us-east-1:123456789012:task-definition/other:7
        """
    change = read_cloudformation(write(tmp_path, text))
    web, other = change.services
    assert web.task_definition is not None and web.task_definition.family == "web"
    assert other.task_definition is None
    assert change.task_definitions == []
    assert (
        "service other: its TaskDefinition "
        "(arn:aws:ecs:us-east-1:123456789012:task-definition/other:7) is not a task "
        "definition of the template; planner takes the revision the service runs now"
    ) in change.assumptions


SERVICE_WITH = """
Parameters:
  UseBreaker: {Type: String, Default: "true"}
  Distinct: {Type: String, Default: "yes"}
Conditions:
  HasExpression: !Equals [!Ref Distinct, "no"]
Resources:
  Td:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: web
      ContainerDefinitions:
        - {Name: web, Memory: 256}
  Web:
    Type: AWS::ECS::Service
    Properties:
      ServiceName: web
      TaskDefinition: !Ref %s
      DeploymentConfiguration:
        DeploymentCircuitBreaker: {Enable: !Ref UseBreaker, Rollback: "False"}
      PlacementConstraints:
        - Type: distinctInstance
          Expression: !If [HasExpression, "attribute:x == y", !Ref "AWS::NoValue"]
"""


def test_string_booleans_and_no_value_inside_placement_items(tmp_path):
    """A parameter is always a string, and a quoted "False" is one too: the breaker's Enable
    and Rollback read as the API reads them; an item's key set to AWS::NoValue is absent."""
    change = read_cloudformation(write(tmp_path, SERVICE_WITH % "Td"))
    fields = change.services[0].fields
    breaker = fields["deploymentConfiguration"]["deploymentCircuitBreaker"]
    assert breaker == {"enable": True, "rollback": False}
    assert fields["placementConstraints"] == [{"type": "distinctInstance"}]


def test_a_ref_to_no_resource_for_the_task_definition_is_refused(tmp_path):
    """CloudFormation refuses a Ref to a name the template does not define; planner too,
    rather than judge the revision the service runs now."""
    err = refused(write(tmp_path, SERVICE_WITH % "Nope"))
    assert err.field == "Resources.Web.Properties.TaskDefinition"
    assert "Ref Nope: no parameter or resource of that name" in err.message
    assert err.line == 17  # the TaskDefinition line
