"""ecspresso's files read as a change (planner.inputs.change.ecspresso).

The public files are ecspresso's own test definitions (tests/data/change/ecspresso/NOTES.md:
kayac/ecspresso at a4e6e32, MIT). Bad input is written in each test from those files, with
one thing broken; no self-written fixture is kept.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

import planner
from planner.deciding.verdicts import Verdict
from planner.errors import PlannerError
from planner.inputs.change.ecspresso import read_ecspresso
from planner.inputs.change.gotemplate import json_escape, render
from planner.inputs.change.model import Change, Origin, ServiceChange, TaskDefinitionChange

DATA = Path(__file__).resolve().parent / "data" / "change" / "ecspresso"
ENV = {"AWS_REGION": "ap-northeast-1", "TAG": "v1", "AWS_ACCOUNT_ID": "123456789012"}


def _copy(tmp_path: Path, *names: str) -> Path:
    for name in names:
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / name, target)
    return tmp_path


def _error(path: Path | str, env: dict[str, str] | None = None) -> PlannerError:
    with pytest.raises(PlannerError) as info:
        read_ecspresso(path, ENV if env is None else env)
    return info.value


# --- the public files, field by field ---------------------------------------------------


def test_tests_ecspresso_yml_is_the_service_with_its_task_definition():
    """tests/ecspresso.yml: service test on cluster default. The subnets and security groups
    come from tfstate (not needed for the verdict: kept out of the fields, networkConfiguration
    only noted); the image from tfstate and must_env TAG (opaque, TAG rendered); env JSON is
    unset, so go-config's env gives its key, "JSON"."""
    config = DATA / "ecspresso.yml"
    change = read_ecspresso(config, ENV)
    td_file = str(DATA / "ecs-task-def.json")
    image = "{{ tfstate `aws_ecr_repository.all['app'].repository_url` }}:v1"
    definition = {
        "containerDefinitions": [
            {
                "cpu": 1024,
                "essential": True,
                "image": image,
                "memory": 1024,
                "name": "app",
                "environment": [{"name": "JSON", "value": "JSON"}],
                "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
            }
        ],
        "family": "app",
        "requiresCompatibilities": ["EC2"],
    }
    td = TaskDefinitionChange("app", definition, Origin(td_file, 1, "ecs-task-def.json"))
    fields = {
        "desiredCount": 1,
        "deploymentConfiguration": {
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        },
        "schedulingStrategy": "REPLICA",
        "placementConstraints": [],
        "placementStrategy": [],
        "launchType": "EC2",
        "loadBalancers": [],
    }
    service = ServiceChange(
        "test",
        fields,
        td,
        "update",
        Origin(str(DATA / "ecs-service-def.json"), 1, "test"),
        "default",
        "networkConfiguration",
    )
    assert change == Change(
        file=str(config),
        format="ecspresso",
        services=[service],
        assumptions=[
            f"task definition app ({td_file}): networkMode not set; ECS's default bridge "
            "on EC2 Linux"
        ],
    )
    assert list(change.services[0].fields) == list(fields)  # in the file's order
    # JSON's "JSON" came through json_escape; the definition is ready for newTaskDefinition
    assert "networkMode" not in change.services[0].task_definition.definition  # type: ignore[union-attr]


def test_the_json_config_reads_as_the_yaml_one():
    """tests/ecspresso.json is tests/ecspresso.yml in JSON."""
    yml = read_ecspresso(DATA / "ecspresso.yml", ENV)
    js = read_ecspresso(DATA / "ecspresso.json", ENV)
    assert js.file.endswith("ecspresso.json")
    assert (js.services, js.assumptions) == (yml.services, yml.assumptions)


KATSUBUSHI = {
    "networkMode": "awsvpc",
    "family": "katsubushi",
    "placementConstraints": [],
    "requiresCompatibilities": ["FARGATE"],
    "volumes": [],
    "taskRoleArn": "arn:aws:iam::999999999999:role/ecsTaskRole",
    "executionRoleArn": "arn:aws:iam::999999999999:role/ecsTaskRole",
    "ephemeralStorage": {"sizeInGiB": 25},
    "containerDefinitions": [
        {
            "environment": [{"name": "worker_id", "value": "3"}],
            "name": "katsubushi",
            "mountPoints": [],
            "portMappings": [{"protocol": "tcp", "containerPort": 11212, "hostPort": 11212}],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": "fargate",
                    "awslogs-region": "us-east-1",
                    "awslogs-stream-prefix": "katsubushi",
                },
            },
            "image": "katsubushi/katsubushi:v1",
            "dockerLabels": {"name": "katsubushi"},
            "cpu": 256,
            "ulimits": [{"softLimit": 100000, "name": "nofile", "hardLimit": 100000}],
            "memory": 16,
            "essential": True,
            "volumesFrom": [],
        }
    ],
    "cpu": "1024",
    "memory": "2048",
    "proxyConfiguration": {
        "type": "APPMESH",
        "containerName": "envoy",
        "properties": [
            {"name": "IgnoredUID", "value": "1337"},
            {"name": "IgnoredGID", "value": ""},
            {"name": "AppPorts", "value": "26571"},
            {"name": "ProxyIngressPort", "value": "15000"},
            {"name": "ProxyEgressPort", "value": "15001"},
            {"name": "EgressIgnoredIPs", "value": "169.254.170.2,169.254.169.254"},
            {"name": "EgressIgnoredPorts", "value": ""},
        ],
    },
    "tags": [],
}


def test_run_with_sv_is_service_test_on_default2():
    """tests/run-with-sv.yaml: sv.json's settings, td.json unwrapped from describe's
    {"taskDefinition": ...}; alarms kept (the scenario ignores them), tags and
    propagateTags not service fields planner reads."""
    change = read_ecspresso(DATA / "run-with-sv.yaml", ENV)
    td = TaskDefinitionChange("katsubushi", KATSUBUSHI, Origin(str(DATA / "td.json"), 1, "td.json"))
    fields = {
        "desiredCount": 2,
        "deploymentConfiguration": {
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "maximumPercent": 200,
            "minimumHealthyPercent": 50,
            "alarms": {
                "alarmNames": ["HighResponseLatencyAlarm"],
                "enable": True,
                "rollback": True,
            },
        },
        "schedulingStrategy": "REPLICA",
        "launchType": "EC2",
        "loadBalancers": [
            {
                "containerName": "test",
                "containerPort": 9999,
                "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:1111111111:"
                "targetgroup/test/12345678",
            }
        ],
    }
    origin = Origin(str(DATA / "sv.json"), 1, "test")
    service = ServiceChange(
        "test", fields, td, "update", origin, "default2", "networkConfiguration"
    )
    assert change == Change(
        file=str(DATA / "run-with-sv.yaml"), format="ecspresso", services=[service]
    )


def test_run_without_sv_registers_the_task_definition_only():
    """tests/run-without-sv.yaml has no service (ecspresso run's config): the task definition
    rolls out on the cluster's services of family katsubushi."""
    change = read_ecspresso(DATA / "run-without-sv.yaml", {"TAG": "v1"})
    td = TaskDefinitionChange("katsubushi", KATSUBUSHI, Origin(str(DATA / "td.json"), 1, "td.json"))
    assert change == Change(
        file=str(DATA / "run-without-sv.yaml"), format="ecspresso", task_definitions=[td]
    )


def test_env_default_when_unset():
    """td.json's image is {{ env `TAG` `latest` }}: latest without TAG."""
    change = read_ecspresso(DATA / "run-without-sv.yaml", {})
    container = change.task_definitions[0].definition["containerDefinitions"][0]
    assert container["image"] == "katsubushi/katsubushi:latest"


def test_a_task_definition_file_alone_wrapped_or_bare():
    """td.json (describe's wrapper) and td-plain.json (bare, with status and revision, which
    RegisterTaskDefinition does not take) give one definition."""
    wrapped = read_ecspresso(DATA / "td.json", ENV)
    bare = read_ecspresso(DATA / "td-plain.json", ENV)
    assert wrapped.task_definitions[0].definition == KATSUBUSHI
    assert bare.task_definitions[0].definition == KATSUBUSHI
    assert bare.task_definitions[0].origin == Origin(
        str(DATA / "td-plain.json"), 1, str(DATA / "td-plain.json")
    )
    assert (wrapped.services, bare.services) == ([], [])


def test_the_daemon_config():
    """tests/ci/config-daemon.yaml: the service definition is {"schedulingStrategy": "DAEMON"}
    only; host mode, port 80, 256 CPU units, 512 MiB; must_env AWS_ACCOUNT_ID in ARNs."""
    change = read_ecspresso(DATA / "ci" / "config-daemon.yaml", ENV)
    (service,) = change.services
    assert (service.name, service.cluster, service.fields) == (
        "nginx-local-daemon",
        "ecspresso-test-ec2",
        {"schedulingStrategy": "DAEMON"},
    )
    assert service.network_configuration is None
    td = service.task_definition
    assert td is not None and td.family == "ecspresso-test"
    assert td.origin == Origin(
        str(DATA / "ci" / "ecs-task-def-daemon.json"), 1, "ecs-task-def-daemon.json"
    )
    d = td.definition
    assert (d["cpu"], d["memory"], d["networkMode"]) == ("256", "512", "host")
    assert d["taskRoleArn"] == "arn:aws:iam::123456789012:role/ecsTaskRole"
    (container,) = d["containerDefinitions"]
    assert container["portMappings"] == [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}]
    assert container["secrets"][2]["valueFrom"] == (
        "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:ecspresso-test/baz-06XQOH"
    )
    assert change.assumptions == []


# --- verdicts on a small cluster ----------------------------------------------------------


def _scenario(change: Change, instances: list[dict[str, Any]], old: dict[str, Any]) -> Any:
    """The cluster mapping the apply step would build: the change's service, running
    ``old`` now, rolling out the change's task definition with the change's fields."""
    (sc,) = change.services
    assert sc.task_definition is not None
    service = {
        "name": sc.name,
        "taskDefinition": old,
        "newTaskDefinition": copy.deepcopy(sc.task_definition.definition),
        **copy.deepcopy(sc.fields),
    }
    mapping = {"name": sc.name, "cluster": {"instances": instances}, "services": [service]}
    return planner.load_scenario(mapping)


def test_run_with_sv_rolls_out_on_two_t3_medium():
    """Built from the Change directly (the apply step was not in main when this was written).

    By hand: t3.medium registers 2048 CPU units and 3884 MiB, 3 ENIs (2 for awsvpc tasks).
    The new task (td.json) takes 1024 units, 2048 MiB, one ENI; the old revision running
    now the same. One task per instance (2 × 2048 MiB > 3884), so no new task fits beside
    an old one. sv.json: desiredCount 2, minimumHealthyPercent 50 → at least 1 running:
    stop the old task on instance 0, start a new one there; then instance 1. Safe, 2 waves.
    """
    change = read_ecspresso(DATA / "run-with-sv.yaml", ENV)
    old = {"cpu": 1024, "memory": 2048, "networkMode": "awsvpc"}
    result = planner.solve(_scenario(change, [{"type": "t3.medium", "count": 2}], old))
    assert result.verdict is Verdict.SAFE
    waves = result.to_json()["plan"]
    assert [(w["stop"], w["start"]) for w in waves] == [
        ([{"service": "test", "instance": i, "count": 1}],) * 2 for i in (0, 1)
    ]


def test_run_with_sv_hangs_on_one_t3_medium():
    """By hand: one t3.medium runs 2 old tasks of 1024 units and 1024 MiB (2048 units, 2048
    MiB, both task ENIs). The change's 2 new tasks need 2 × 2048 = 4096 MiB > 3884
    registered: the final state does not fit, whatever the order. Hangs (memory)."""
    change = read_ecspresso(DATA / "run-with-sv.yaml", ENV)
    old = {"cpu": 1024, "memory": 1024, "networkMode": "awsvpc"}
    result = planner.solve(_scenario(change, [{"type": "t3.medium", "count": 1}], old))
    assert result.verdict is Verdict.HANGS
    assert "memory" in result.to_json()["reasons"]


def test_the_daemon_rolls_out_on_two_t3_small():
    """By hand: a daemon runs one task per instance and deploys with 0 / 100 % (ROLLOUT.md
    §6): each instance stops its task (host port 80, 256 units, 512 MiB), then starts the
    new one; both instances at once. Safe, one wave."""
    change = read_ecspresso(DATA / "ci" / "config-daemon.yaml", ENV)
    old = {
        "cpu": 256,
        "memory": 512,
        "networkMode": "host",
        "portMappings": [{"containerPort": 80}],
    }
    result = planner.solve(_scenario(change, [{"type": "t3.small", "count": 2}], old))
    assert result.verdict is Verdict.SAFE
    (wave,) = result.to_json()["plan"]
    one = [{"service": "nginx-local-daemon", "instance": i, "count": 1} for i in (0, 1)]
    assert (wave["stop"], wave["start"]) == (one, one)


# --- keys and templates as ecspresso reads them -------------------------------------------


def test_keys_in_any_case_as_go_decodes_them(tmp_path: Path):
    """Go's encoding/json matches ecspresso's struct fields case-insensitively: sv.json in
    PascalCase (as the Go SDK prints it) reads as in camelCase; dockerLabels and
    logConfiguration options keep their keys (ecspresso's walkMap leaves them)."""
    folder = _copy(tmp_path, "run-with-sv.yaml", "sv.json", "td.json")
    sv = (folder / "sv.json").read_text()
    for key in ("deploymentConfiguration", "desiredCount", "minimumHealthyPercent", "launchType"):
        sv = sv.replace(f'"{key}"', f'"{key[0].upper()}{key[1:]}"')
    (folder / "sv.json").write_text(sv.replace('"maximumPercent"', '"MAXIMUMPERCENT"'))
    td = (
        (folder / "td.json").read_text().replace('"containerDefinitions"', '"ContainerDefinitions"')
    )
    (folder / "td.json").write_text(td.replace('"awslogs-group"', '"Awslogs-group"'))
    pascal = read_ecspresso(folder / "run-with-sv.yaml", ENV).services[0]
    camel = read_ecspresso(DATA / "run-with-sv.yaml", ENV).services[0]
    assert pascal.fields == camel.fields
    container = pascal.task_definition.definition["containerDefinitions"][0]  # type: ignore[union-attr]
    assert container["logConfiguration"]["options"]["Awslogs-group"] == "fargate"


def test_snake_case_is_not_ecspressos_and_is_refused_as_a_typo(tmp_path: Path):
    folder = _copy(tmp_path, "run-with-sv.yaml", "sv.json", "td.json")
    sv = (folder / "sv.json").read_text().replace('"desiredCount"', '"desired_count"')
    (folder / "sv.json").write_text(sv)
    err = _error(folder / "run-with-sv.yaml")
    assert (err.file, err.line, err.field) == (str(folder / "sv.json"), 17, "desired_count")
    assert "did you mean desiredCount?" in err.message


def test_a_key_given_twice_in_two_cases_is_refused(tmp_path: Path):
    folder = _copy(tmp_path, "run-with-sv.yaml", "sv.json", "td.json")
    sv = (
        (folder / "sv.json")
        .read_text()
        .replace('"desiredCount": 2,', '"desiredCount": 2, "DesiredCount": 3,')
    )
    (folder / "sv.json").write_text(sv)
    err = _error(folder / "run-with-sv.yaml")
    assert (err.line, err.field) == (17, "DesiredCount")
    assert "again" in err.message


def test_rendering_keeps_every_line_where_it_is():
    text = 'a: "{{ must_env `X` }}"\nb: {{ env `N` `3` }} {{/* note\nover two lines */}}\nc: 1\n'
    rendered = render(text, file="f", env={"X": "x"}, json_text=False, token="__t_")
    assert rendered.text == 'a: "x"\nb: 3 \n\nc: 1\n'
    assert rendered.actions == {}


def test_env_reads_every_argument_as_go_config_does():
    """go-config's env returns the first set, non-empty variable among its arguments, else
    the last argument as written; must_env takes a set, empty variable."""
    env = {"A": "", "B": "b", "E": ""}
    cases = {
        "{{ env `A` `B` }}": "b",  # B is a variable here: go-config looks it up
        "{{ env `A` `dflt` }}": "dflt",
        '{{ env "Z" }}': "Z",
        "{{ must_env `E` }}": "",
        "{{ must_env `B` | json_escape }}": "b",
        '{{ env `Q` "a\\"<b>" | json_escape }}': 'a\\"\\u003cb\\u003e',
    }
    for text, want in cases.items():
        assert render(text, file="f", env=env, json_text=True, token="__t_").text == want, text
    assert json_escape('x\n"\t\x01&') == 'x\\n\\"\\t\\u0001\\u0026'


def test_other_functions_stay_opaque_quoted_where_json_needs_it():
    text = '{"a": {{ tfstate `x.y` }}, "b": "s-{{ ssm `/p` }}", "c": {{ must_env `N` }}}'
    rendered = render(text, file="f", env={"N": "4"}, json_text=True, token="__t_")
    assert rendered.text == '{"a": "__t_0__", "b": "s-__t_1__", "c": 4}'
    assert [(a.text, a.function, a.line) for a in rendered.actions.values()] == [
        ("{{ tfstate `x.y` }}", "tfstate", 1),
        ("{{ ssm `/p` }}", "ssm", 1),
    ]
    assert rendered.restore("s-__t_1__") == "s-{{ ssm `/p` }}"


# --- bad input: file, line, field; never a traceback -------------------------------------


def test_a_missing_must_env_names_the_file_line_field_and_variable():
    err = _error(DATA / "ecspresso.yml", {"AWS_REGION": "x"})
    assert (err.file, err.line, err.field) == (
        str(DATA / "ecs-task-def.json"),
        6,
        "containerDefinitions[0].image",
    )
    assert "must_env" in err.message and "set TAG" in err.message
    err = _error(DATA / "ecspresso.yml", {"TAG": "v1"})
    assert (err.file, err.line, err.field) == (str(DATA / "ecspresso.yml"), 1, "region")
    assert "set AWS_REGION" in err.message


def test_tfstate_in_cpu_is_refused_where_the_verdict_needs_it(tmp_path: Path):
    """The same tfstate call that is fine in the subnets is refused in cpu (quoted) and in
    the task's memory (bare, as JSON needs no quotes around a rendered number)."""
    folder = _copy(tmp_path, "ecspresso.yml", "ecs-service-def.json", "ecs-task-def.json")
    td = folder / "ecs-task-def.json"
    text = td.read_text()
    td.write_text(text.replace('"cpu": 1024,', '"cpu": "{{ tfstate `aws_ssm.cpu.value` }}",'))
    err = _error(folder / "ecspresso.yml")
    assert (err.file, err.line, err.field) == (str(td), 4, "containerDefinitions[0].cpu")
    assert "{{ tfstate `aws_ssm.cpu.value` }}" in err.message
    td.write_text(text.replace('"family": "app",', '"family": "app", "memory": {{ tfstate `m` }},'))
    err = _error(folder / "ecspresso.yml")
    assert (err.file, err.line, err.field) == (str(td), 24, "memory")


def test_tfstate_in_desired_count_is_refused(tmp_path: Path):
    folder = _copy(tmp_path, "ecspresso.yml", "ecs-service-def.json", "ecs-task-def.json")
    sv = folder / "ecs-service-def.json"
    sv.write_text(sv.read_text().replace('"desiredCount": 1', '"desiredCount": {{ tfstate `n` }}'))
    err = _error(folder / "ecspresso.yml")
    assert (err.file, err.line, err.field) == (str(sv), 10, "desiredCount")
    assert "tfstate" in err.message


def test_a_function_no_plugin_defines_is_refused_as_ecspresso_refuses_it():
    """tests/config_codedeploy.json configures no tfstate plugin, and its task definition
    calls tfstate: ecspresso's template parser stops there too."""
    err = _error(DATA / "config_codedeploy.json")
    assert (err.file, err.line) == (str(DATA / "ecs-task-def.json"), 6)
    assert "function tfstate is not defined" in err.message


def test_garbage_yaml_is_refused_with_its_line(tmp_path: Path):
    config = tmp_path / "ecspresso.yml"
    config.write_text("cluster: default\nservice: [test\ntask_definition: td.json\n")
    err = _error(config)
    assert err.file == str(config) and err.line in (2, 3)


def test_a_missing_task_definition_file_names_the_configs_line(tmp_path: Path):
    folder = _copy(tmp_path, "ecspresso.yml", "ecs-service-def.json")
    err = _error(folder / "ecspresso.yml")
    assert (err.file, err.line, err.field) == (str(folder / "ecspresso.yml"), 5, "task_definition")
    assert "does not exist" in err.message and "ecs-task-def.json" in err.message


def test_a_network_mode_typo_is_refused(tmp_path: Path):
    folder = _copy(tmp_path, "run-with-sv.yaml", "sv.json", "td.json")
    td = folder / "td.json"
    text = td.read_text()
    td.write_text(text.replace('"networkMode": "awsvpc"', '"networkMode": "awsvcp"'))
    err = _error(folder / "run-with-sv.yaml")
    assert (err.file, err.line, err.field) == (str(td), 3, "taskDefinition.networkMode")
    assert "awsvpc" in err.message
    td.write_text(text.replace('"networkMode": "awsvpc"', '"netwrokMode": "awsvpc"'))
    err = _error(folder / "run-with-sv.yaml")
    assert (err.file, err.line, err.field) == (str(td), 3, "taskDefinition.netwrokMode")
    assert "did you mean networkMode?" in err.message


def test_a_bad_service_value_names_the_service_definition(tmp_path: Path):
    folder = _copy(tmp_path, "run-with-sv.yaml", "sv.json", "td.json")
    sv = folder / "sv.json"
    sv.write_text(sv.read_text().replace('"launchType": "EC2"', '"launchType": "FARGATE"'))
    err = _error(folder / "run-with-sv.yaml")
    assert (err.file, err.line, err.field) == (str(sv), 25, "launchType")
    assert "FARGATE" in err.message


def test_jsonnet_is_refused_with_the_command_that_renders_it():
    for name in ("ecspresso.jsonnet", "ci/ecs-task-def.jsonnet"):
        err = _error(DATA / name)
        assert err.file == str(DATA / name)
        assert "jsonnet" in err.message and "ecspresso render" in err.message


def test_a_template_if_is_refused():
    """tests/ci/ecspresso.yml wraps its plugins in {{ if }}: planner runs no template."""
    err = _error(DATA / "ci" / "ecspresso.yml", {**ENV, "SERVICE": "s"})
    assert (err.file, err.line) == (str(DATA / "ci" / "ecspresso.yml"), 8)
    assert "ecspresso render" in err.message


def test_a_service_definition_alone_needs_its_name():
    err = _error(DATA / "sv.json")
    assert (err.file, err.line) == (str(DATA / "sv.json"), 1)
    assert "serviceName" in err.message


# --- through the apply step, where it is there -------------------------------------------


def _apply() -> Any:
    return pytest.importorskip("planner.inputs.change.apply").apply_changes


def test_the_apply_step_refuses_tests_ecspresso_yml_as_ecs_would():
    """tests/ecs-service-def.json gives a networkConfiguration (awsvpc subnets from tfstate),
    and tests/ecs-task-def.json no networkMode: bridge on EC2, which ECS refuses to take a
    network configuration for. Named at the service definition."""
    apply_changes = _apply()
    cluster = {
        "cluster": {"instances": [{"type": "t3.medium", "count": 1}]},
        "services": [
            {"name": "test", "desiredCount": 1, "taskDefinition": {"cpu": 1024, "memory": 1024}}
        ],
    }
    change = read_ecspresso(DATA / "ecspresso.yml", ENV)
    with pytest.raises(PlannerError) as info:
        apply_changes(cluster, [change], cluster_name="default")
    err = info.value
    assert (err.file, err.line) == (str(DATA / "ecs-service-def.json"), 1)
    assert "networkConfiguration" in str(err) and "bridge" in err.message


def test_run_with_sv_through_the_apply_step():
    """The same hand working as test_run_with_sv_rolls_out_on_two_t3_medium, with the cluster
    running service test (cluster default2) and the apply step laying the change over it."""
    apply_changes = _apply()
    old = {"cpu": 1024, "memory": 2048, "networkMode": "awsvpc"}
    cluster = {
        "name": "default2",
        "cluster": {"instances": [{"type": "t3.medium", "count": 2}]},
        "services": [{"name": "test", "desiredCount": 2, "taskDefinition": old}],
    }
    change = read_ecspresso(DATA / "run-with-sv.yaml", ENV)
    applied = apply_changes(cluster, [change], cluster_name="default2")
    result = planner.solve(planner.load_scenario(applied.mapping))
    assert result.verdict is Verdict.SAFE
    assert len(result.to_json()["plan"]) == 2


def test_an_unclosed_action_is_refused():
    with pytest.raises(PlannerError) as info:
        render('{"a": 1,\n "b": "{{ must_env `X`"}\n', file="f", env={}, json_text=True, token="_t")
    assert (info.value.file, info.value.line) == ("f", 2)


def test_a_service_definition_alone_with_its_name(tmp_path: Path):
    """sv.json with a serviceName (in PascalCase, as the Go SDK prints it) read alone: the
    service, settings only, no cluster."""
    sv = tmp_path / "sv.json"
    sv.write_text((DATA / "sv.json").read_text().replace("{", '{"ServiceName": "test",', 1))
    (service,) = read_ecspresso(sv, ENV).services
    camel = read_ecspresso(DATA / "run-with-sv.yaml", ENV).services[0]
    assert (service.name, service.fields, service.task_definition) == ("test", camel.fields, None)
    assert (service.origin, service.cluster) == (Origin(str(sv), 1, "test"), None)
