"""planner.inputs.loading: scenario files (CONTRACT.md) into Scenario, or one clear PlannerError."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import catalog_group, paths, replaced

from planner.errors import PlannerError
from planner.inputs.loading import load_scenario, scenario_from_data
from planner.inputs.yamlsafe import load_yaml_text
from planner.model.providers import CircuitBreaker
from planner.model.scenario import Agent, InstanceGroup, Scenario, Service, TaskDefinition, Timing

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"
REPO = Path(__file__).parent.parent


def test_full_scenario() -> None:
    path = DATA / "full.yaml"
    scenario = load_scenario(path)
    api_old = TaskDefinition(256, 256, "bridge", (8080,), 1)  # memoryReservation wins
    api_new = TaskDefinition(
        640, 1280, "bridge", (8080,), 2, str(DATA / "taskdefs" / "api-describe.json"), "api:7"
    )
    checkout = TaskDefinition(512, 1024)
    promo = TaskDefinition(128, 128, "awsvpc")
    metrics = TaskDefinition(64, 64, "host", (9100,))
    assert scenario == Scenario(
        name="every field",
        instance_groups=(
            catalog_group(
                "t3.medium",
                2,
                zones=("us-east-1a", "us-east-1b"),
                attributes=(("team", "payments"), ("generation", "3")),
                instance_ids=("i-0a1", "i-0b1"),
            ),
            InstanceGroup("on-prem-box", 8 * 1024, 30000, 1, None, 4, 12, 0.5, zones=("dc-1",)),
            InstanceGroup("spare", 2048, 4096, 1),
        ),
        services=(
            Service(
                "api",
                4,
                api_old,
                api_new,
                minimum_healthy_percent=50,
                maximum_percent=150,
                distinct_instance=True,
                placement=(1, 1, 1, 1),
                load_balanced=True,
                member_of=(
                    "attribute:team == payments or attribute:ecs.availability-zone == dc-1",
                ),
                placement_strategy=(("spread", "instanceId"), ("binpack", "memory")),
            ),
            Service(
                "checkout",
                2,
                checkout,
                checkout,
                strategy="LINEAR",
                step_percent=25,
                step_bake_minutes=2.0,
                bake_minutes=5.0,
            ),
            Service(
                "promo",
                1,
                promo,
                promo,
                strategy="CANARY",
                canary_percent=10,
                canary_bake_minutes=3.5,
            ),
            Service("metrics", 4, metrics, metrics, deploy=False),
        ),
        agent=Agent(128, 256, (22, 2375, 2376, 51678, 51679, 8000), (32768, 60999), True),
        timing=Timing(
            deregistration_delay=60,
            health_check_grace_period=30,
            health_check_interval=10,
            healthy_threshold=3,
            stop_timeout=20,
            task_start=45,
        ),
        path=str(path),
    )
    assert scenario.services[2].all_at_once and not scenario.services[0].all_at_once


def test_minimal_scenario_defaults() -> None:
    scenario = load_scenario(str(DATA / "minimal.yaml"))
    td = TaskDefinition(256, 512)
    assert scenario == Scenario(
        name="minimal",  # the file's stem
        instance_groups=(catalog_group("t3.medium", None),),
        services=(Service("web", 2, td, td),),
        path=str(DATA / "minimal.yaml"),
    )
    assert scenario.open_groups == (0,)
    web = scenario.services[0]
    assert (web.minimum_healthy_percent, web.maximum_percent, web.strategy) == (100, 200, "ROLLING")
    assert (web.deployment_controller, web.scheduling_strategy) == ("ECS", "REPLICA")
    assert web.new_task_definition is web.task_definition
    assert scenario.agent == Agent() and scenario.timing == Timing()


def test_daemon_defaults() -> None:
    daemon, web = load_scenario(DATA / "daemon.yaml").services
    assert daemon.scheduling_strategy == "DAEMON"
    assert (daemon.desired_count, daemon.minimum_healthy_percent, daemon.maximum_percent) == (
        0,
        0,
        100,
    )
    assert daemon.placement == (1, 1, 1)  # adds up to the instance count
    assert (web.minimum_healthy_percent, web.maximum_percent) == (100, 200)


def test_code_deploy_forces_defaults() -> None:
    (web,) = load_scenario(DATA / "code-deploy.yaml").services
    # The file says 0 / 100; ECS uses 100 / 200 with CodeDeploy, and so does planner.
    assert (web.minimum_healthy_percent, web.maximum_percent) == (100, 200)
    assert web.deployment_controller == "CODE_DEPLOY" and web.all_at_once


def test_taskdef_path_is_relative_to_the_scenario_file(tmp_path: Path, monkeypatch) -> None:
    # Loaded from another working directory, the path still resolves beside full.yaml.
    monkeypatch.chdir(tmp_path)
    scenario = load_scenario(DATA / "full.yaml")
    assert scenario.services[0].new_task_definition.family == "api:7"


def test_same_json_twice_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "td.json").write_text('{"containerDefinitions": [{"memory": 300}]}')
    text = (
        "cluster: {instances: [{type: t3.medium, count: 1}]}\n"
        "services:\n"
        "  - {name: a, desiredCount: 1, taskDefinition: td.json}\n"
        "  - {name: b, desiredCount: 1, taskDefinition: ./td.json, newTaskDefinition: td.json}\n"
    )
    doc = load_yaml_text(text, file=str(tmp_path / "s.yaml"))
    a, b = scenario_from_data(doc).services
    assert a.task_definition is b.task_definition is b.new_task_definition
    assert a.task_definition.memory == 300


@pytest.mark.parametrize("path", sorted((REPO / "scenarios").glob("*/*.yaml")), ids=str)
def test_shipped_scenarios_load(path: Path) -> None:
    assert isinstance(load_scenario(path), Scenario)


def text_case(text: str) -> Scenario:
    return scenario_from_data(load_yaml_text(text, file="t.yaml"))


def test_accepts_ecs_spellings_and_odd_but_legal_values() -> None:
    s = text_case(
        "cluster:\n"
        "  instances: [{name: box, cpu: 4096, memory: '15 GB', count: null}]\n"
        "services:\n"
        "  - name: a\n"
        "    desiredCount: 0\n"  # a scaled-down service is fine
        "    taskDefinition: {cpu: 0, memory: 128}\n"
        "    deploymentController: {type: CODE_DEPLOY}\n"
        "  - name: b\n"
        "    desiredCount: 1\n"
        "    taskDefinition: {memory: 128}\n"
        "    deploymentConfiguration: {minimumHealthyPercent: 100, maximumPercent: 134}\n"
        "  - name: c\n"
        "    desiredCount: 1\n"
        "    taskDefinition: {memory: 128}\n"
        "    deploymentConfiguration: {maximumPercent: 50, strategy: BLUE_GREEN}\n"
        "    placementStrategy: [{type: random}]\n"
        "    loadBalancers: []\n"
    )
    assert s.instance_groups == (InstanceGroup("box", 4096, 15360, None),)
    a, b, c = s.services
    assert a.deployment_controller == "CODE_DEPLOY" and a.desired_count == 0
    assert b.maximum_percent == 134  # the ECS API does not check max ≥ 100
    assert c.maximum_percent == 50 and c.strategy == "BLUE_GREEN" and not c.load_balanced
    assert s.name == "t"


def bad(name: str) -> Path:
    return BAD / f"{name}.yaml"


JSON = BAD / "taskdefs"

# (file, "file:line: field: " the message starts with, text it contains)
BAD_CASES = [
    # the top level is a list
    ("top-level-list", ":1: must be a mapping", "got a list"),
    # unknown field at the top level
    ("unknown-top-field", ":4: service: unknown field", "did you mean services?"),
    # unknown field in a service
    ("unknown-service-field", ":8: services[0].desiredCont: ", "did you mean desiredCount?"),
    # unknown field in a short-form task definition
    (
        "unknown-taskdef-field",
        ":11: services[0].taskDefinition.memroy: ",
        "did you mean memory?",
    ),
    # a string for a count
    (
        "count-string",
        ":8: services[0].desiredCount: ",
        'must be a whole number ≥ 0, got "four"',
    ),
    # a boolean for a count
    ("count-bool", ":8: services[0].desiredCount: ", "got true"),
    # a fraction for a count
    ("count-float", ":8: services[0].desiredCount: ", "got 2.5"),
    # a list for a mapping
    (
        "deployment-configuration-list",
        ":10: services[0].deploymentConfiguration: ",
        "must be a mapping, got a list",
    ),
    # an instance type the catalog does not know, with the closest one
    (
        "unknown-instance-type",
        ":4: cluster.instances[0].type: ",
        'unknown instance type "t3.mediun"; did you mean t3.medium?',
    ),
    # a negative reservation
    ("negative-reserved-memory", ":5: cluster.agent.reservedMemory: ", "≥ 0, got -256"),
    # a negative desiredCount
    ("negative-desired-count", ":8: services[0].desiredCount: ", "got -1"),
    # an instance count of 0
    ("instance-count-zero", ":5: cluster.instances[0].count: ", "≥ 1, got 0"),
    # container port 0
    (
        "container-port-zero",
        ":13: services[0].taskDefinition.portMappings[0].containerPort: ",
        "from 1 to 65535, got 0",
    ),
    # host port 70000
    (
        "host-port-70000",
        ":14: services[0].taskDefinition.portMappings[0].hostPort: ",
        "got 70000",
    ),
    # reserved port 70000
    ("reserved-port-70000", ":5: cluster.agent.reservedPorts[1]: ", "got 70000"),
    # minimumHealthyPercent above 100
    (
        "min-healthy-150",
        ":11: services[0].deploymentConfiguration.minimumHealthyPercent: ",
        "from 0 to 100, got 150",
    ),
    # a fractional percent
    (
        "max-percent-fraction",
        ":11: services[0].deploymentConfiguration.maximumPercent: ",
        "whole percent ≥ 0, got 150.5",
    ),
    # two services with one name
    (
        "duplicate-service-names",
        ":10: services[1].name: ",
        'duplicate service name "web"; also services[0].name (line 7)',
    ),
    # an empty service name
    ("empty-service-name", ":7: services[0].name: ", "must not be empty"),
    # a number as the scenario name
    ("name-number", ":2: name: ", 'must be text, got 2024; write "2024" in quotes'),
    # placement with too many entries
    ("placement-length", ":10: services[0].placement: ", "one count per instance, 2"),
    # placement adding up to the wrong count
    ("placement-sum", ":10: services[0].placement: ", "add up to desiredCount, 2, got 3"),
    # placement while a group's count is omitted
    (
        "placement-without-count",
        ":9: services[0].placement: ",
        "needs every instance group's count",
    ),
    # a negative placement entry
    ("placement-negative", ":10: services[0].placement[1]: ", "got -1"),
    # missing desiredCount: reported at the service's line
    ("missing-desired-count", ":7: services[0].desiredCount: ", "is required but missing"),
    # missing taskDefinition
    ("missing-task-definition", ":7: services[0].taskDefinition: ", "is required"),
    # missing cluster
    ("missing-cluster", ":1: cluster: ", "is required but missing"),
    # missing cluster.instances
    ("missing-instances", ":2: cluster.instances: ", "is required but missing"),
    # an empty instance list
    ("empty-instances", ":3: cluster.instances: ", "at least one entry"),
    # an empty service list
    ("empty-services", ":4: services: ", "at least one entry, got an empty list"),
    # short form without memory
    ("short-taskdef-without-memory", ":9: services[0].taskDefinition.memory: ", "is required"),
    # 0.3 vCPU is not a whole number of units
    ("cpu-fraction-of-unit", ":9: services[0].taskDefinition.cpu: ", "307.2 CPU units"),
    # an unknown memory unit
    ("memory-unit", ":9: services[0].taskDefinition.memory: ", "unknown unit 'tb'"),
    # one task taking host port 80 twice
    (
        "duplicate-host-port",
        ":14: services[0].taskDefinition.portMappings[1]: ",
        "host port 80/tcp is already mapped",
    ),
    # awsvpc with a host port other than the container port
    (
        "awsvpc-host-port",
        ":14: services[0].taskDefinition.portMappings[0].hostPort: ",
        "in awsvpc mode must be absent or equal containerPort (8080), got 80",
    ),
    # a network mode ECS does not have
    ("network-mode", ":9: services[0].taskDefinition.networkMode: ", 'got "nat"'),
    # a task definition file that does not exist
    (
        "taskdef-json-missing",
        ":10: services[0].newTaskDefinition: ",
        'no such task-definition file "taskdefs/no-such-file.json"',
    ),
    # a number for a task definition
    ("taskdef-number", ":9: services[0].taskDefinition: ", "or the path of a JSON file, got 3"),
    # memberOf on a task group
    (
        "member-of",
        ":12: services[0].placementConstraints[0].expression: ",
        "uses task:group, which is not supported",
    ),
    # a misspelt strategy
    (
        "strategy-unknown",
        ":10: services[0].deploymentConfiguration.strategy: ",
        "did you mean BLUE_GREEN?",
    ),
    # stepPercent without LINEAR
    (
        "step-percent-rolling",
        ":12: services[0].deploymentConfiguration.stepPercent: ",
        "applies only to strategy LINEAR",
    ),
    # the EXTERNAL controller
    (
        "controller-external",
        ":10: services[0].deploymentController.type: ",
        "must be one of ECS, CODE_DEPLOY",
    ),
    # DAEMON with CODE_DEPLOY
    ("daemon-code-deploy", ":10: services[0].deploymentController: ", "does not support"),
    # a placement strategy ECS does not have
    (
        "placement-strategy-type",
        ":10: services[0].placementStrategy[0].type: ",
        "did you mean binpack?",
    ),
    # a reversed dynamic port range
    ("dynamic-range-reversed", ":5: cluster.agent.dynamicPortRange: ", "first ≤ last"),
    # 101 reserved ports
    ("too-many-reserved-ports", ":5: cluster.agent.reservedPorts: ", "at most 100"),
    # an inline type without memory
    ("inline-group-without-memory", ":4: cluster.instances[0].memory: ", "is required"),
    # an inline type with both vcpu and cpu
    ("inline-group-vcpu-and-cpu", ":5: cluster.instances[0].vcpu: ", "exactly one"),
    # a catalog type with an inline size
    ("typed-group-with-vcpu", ":5: cluster.instances[0].vcpu: ", "not allowed beside type"),
    # a group with neither type nor name
    ("group-without-type-or-name", ":4: cluster.instances[0]: ", "needs type"),
    # a negative timing value
    ("timing-negative", ":11: timing.deregistrationDelay: ", "got -5"),
    # an unknown timing field
    (
        "timing-unknown-field",
        ":11: timing.deregistrationDelaySeconds: ",
        "did you mean deregistrationDelay?",
    ),
    # a string for a boolean ("no" quoted is text)
    ("deploy-string", ":9: services[0].deploy: ", 'must be true or false, got "no"'),
    # a memberOf expression that does not parse: its column
    (
        "member-of-syntax",
        ":11: services[0].placementConstraints[0].expression: ",
        "cannot read the cluster query 'attribute:ecs.instance-type ==' at column 29",
    ),
    # one zone and a list of zones
    ("zone-and-zones", ":7: cluster.instances[0].availabilityZones: ", "not both"),
    # ecs.* attributes come from the instance
    (
        "ecs-attribute",
        ':6: cluster.instances[0].attributes["ecs.instance-type"]: ',
        "custom attributes take other names",
    ),
    # more ids than instances
    ("instance-ids-count", ":6: cluster.instances[0].instanceIds: ", "must name 2 instances"),
    # binpack on an attribute
    (
        "binpack-field",
        ":10: services[0].placementStrategy[0].field: ",
        "binpack takes field cpu or memory",
    ),
    # one id for two instances
    ("instance-id-twice", ":9: cluster.instances[1].instanceIds[0]: ", '"i-1" is used twice'),
    # new tasks running, but no old tasks listed (ROLLOUT.md §9)
    ("new-placement-without-placement", ":10: services[0].newPlacement: ", "needs placement"),
    # more new tasks than desired
    ("new-placement-over-desired", ":11: services[0].newPlacement: ", "at most desiredCount, 2"),
    # new tasks for a service that does not deploy
    ("new-placement-static", ":12: services[0].newPlacement: ", "deploy is false here"),
    # a status other than ACTIVE and DRAINING
    (
        "status-unknown",
        ":6: cluster.instances[0].status: ",
        'ACTIVE, DRAINING, got "DEREGISTERING"',
    ),
    # agentConnected as text
    ("agent-connected-string", ":6: cluster.instances[0].agentConnected: ", "true or false"),
]


@pytest.mark.parametrize(("name", "where", "message"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_scenario(name: str, where: str, message: str) -> None:
    path = bad(f"scenario-{name}")
    with pytest.raises(PlannerError) as info:
        load_scenario(path)
    shown = str(info.value)
    assert shown.startswith(f"{path}{where}"), shown
    assert message in shown, shown


def test_every_bad_file_has_a_case() -> None:
    names = {p.stem.removeprefix("scenario-") for p in BAD.glob("scenario-*.yaml")}
    assert names == {c[0] for c in BAD_CASES} | {
        "taskdef-json-malformed",
        "taskdef-json-no-memory",
    }


@pytest.mark.parametrize(
    ("name", "json_where", "message", "referrer"),
    [
        # malformed JSON: the JSON's own line, and which field referred to it
        (
            "taskdef-json-malformed",
            "malformed.json:4: ",
            "not valid JSON",
            "services[0].taskDefinition, {scenario}:9",
        ),
        # a container with neither memory nor memoryReservation
        (
            "taskdef-json-no-memory",
            "container-without-memory.json:4: containerDefinitions[0]: ",
            "needs memory or memoryReservation",
            "services[0].newTaskDefinition, {scenario}:10",
        ),
    ],
)
def test_bad_taskdef_json(name: str, json_where: str, message: str, referrer: str) -> None:
    path = bad(f"scenario-{name}")
    with pytest.raises(PlannerError) as info:
        load_scenario(path)
    shown = str(info.value)
    assert shown.startswith(str(JSON / json_where)), shown
    assert message in shown
    assert referrer.format(scenario=path) in shown


def test_errors_are_planner_errors_with_parts() -> None:
    with pytest.raises(PlannerError) as info:
        load_scenario(bad("scenario-count-string"))
    err = info.value
    assert (err.file, err.line, err.field) == (
        str(bad("scenario-count-string")),
        8,
        "services[0].desiredCount",
    )


def test_yaml_level_errors_pass_through() -> None:
    with pytest.raises(PlannerError, match="duplicate key"):
        load_scenario(BAD / "yaml-duplicate-key.yaml")
    with pytest.raises(PlannerError, match="no such file"):
        load_scenario(BAD / "no-such-scenario.yaml")


def test_any_wrong_value_anywhere_gives_a_planner_error() -> None:
    """Every value of full.yaml replaced by each odd value: a Scenario or a PlannerError."""
    from planner.inputs.yamlsafe import Located

    good = load_yaml_text((DATA / "full.yaml").read_text(), file=str(DATA / "full.yaml"))
    odd = [None, True, -1, 0, 1.5, 70000, "", "x", [], [1], {}, {"type": "x"}]
    errors = 0
    for path in paths(good.data):
        for value in odd:
            doc = Located(replaced(good.data, path, value), good.lines, good.file)
            try:
                scenario_from_data(doc)
            except PlannerError as exc:
                errors += 1
                assert exc.file and exc.line, (path, value, exc)
    assert errors > 500


def test_new_revision_tasks_on_a_draining_instance_are_refused_when_compiled():
    """Loading reads the file; compiling sees where the tasks run against the instances'
    status: new-revision tasks on a draining instance cannot be replaced (exit 2)."""
    from typer.testing import CliRunner

    from planner.cli import app

    path = DATA / "new-tasks-on-draining.yaml"
    load_scenario(path)  # a well-formed file
    res = CliRunner().invoke(app, ["solve", str(path)])
    assert res.exit_code == 2
    assert f"{path}: services[0].newPlacement: new tasks of web run on the DRAINING" in (
        " ".join(res.stderr.split())
    )


# --- the ECS API's own shapes, pasted into a scenario ---------------------------------


def _botocore_example(operation: str) -> dict:
    """The output of botocore's first ECS example of ``operation`` (examples-1.json,
    Apache-2.0: what the AWS CLI prints)."""
    import json
    import os

    botocore = pytest.importorskip("botocore")
    path = os.path.join(os.path.dirname(botocore.__file__), "data/ecs/2014-11-13/examples-1.json")
    if not os.path.exists(path):
        pytest.skip("botocore without its ECS examples")
    with open(path) as fh:
        return json.load(fh)["examples"][operation][0]["output"]


def _with_service(**fields: object) -> str:
    import json

    service = {"name": "web", "desiredCount": 1, "taskDefinition": {"cpu": 10, "memory": 500}}
    service.update(fields)
    cluster = {"instances": [{"type": "t3.medium", "count": 2}]}
    return json.dumps({"cluster": cluster, "services": [service]}, indent=1)


def test_a_task_definition_pasted_from_describe_task_definition_loads(tmp_path: Path) -> None:
    """The README invites pasting a task definition: describe-task-definition's output,
    wrapper and all, reads as the same JSON in a file does; its other fields are listed."""
    import json

    printed = _botocore_example("DescribeTaskDefinition")
    file = tmp_path / "hello.json"
    file.write_text(json.dumps(printed))
    from_file = load_scenario(
        _write(tmp_path / "f.yaml", _with_service(newTaskDefinition=str(file)))
    ).services[0]
    pasted = _write(tmp_path / "p.yaml", _with_service(newTaskDefinition=printed))
    scenario = load_scenario(pasted)
    got = scenario.services[0].new_task_definition
    want = from_file.new_task_definition
    assert (got.cpu, got.memory, got.host_ports, got.family) == (20, 1000, (80,), "hello_world:8")
    assert (got.cpu, got.memory, got.network_mode, got.host_ports, got.dynamic_ports) == (
        want.cpu,
        want.memory,
        want.network_mode,
        want.host_ports,
        want.dynamic_ports,
    )
    shown = " ".join(scenario.ignored)
    assert "services[0].newTaskDefinition.taskDefinition.taskDefinitionArn" in shown
    assert "newTaskDefinition.taskDefinition.containerDefinitions[0].image" in shown
    assert scenario.ignored[0].startswith(f"{pasted}:")  # file:line: field
    # the bare object, as register-task-definition takes it
    bare = load_scenario(
        _write(tmp_path / "b.yaml", _with_service(taskDefinition=printed["taskDefinition"]))
    )
    assert bare.services[0].task_definition == got


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_service_and_deployment_configuration_pasted_from_describe_services_load(
    tmp_path: Path,
) -> None:
    printed = _botocore_example("DescribeServices")["services"][0]
    service = {k: v for k, v in printed.items() if k != "taskDefinition"}  # an ARN there
    config = {
        **printed["deploymentConfiguration"],
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "alarms": {"alarmNames": [], "enable": False, "rollback": False},
    }
    service["deploymentConfiguration"] = config
    path = _write(tmp_path / "s.yaml", _with_service(**service))
    scenario = load_scenario(path)
    svc = scenario.services[0]
    assert (svc.minimum_healthy_percent, svc.maximum_percent, svc.desired_count) == (100, 200, 1)
    assert svc.circuit_breaker == CircuitBreaker(enable=True, rollback=True)  # read (§10)
    fields = [shown.rsplit(": ", 1)[1] for shown in scenario.ignored]
    assert "services[0].serviceArn" in fields and "services[0].events" in fields
    assert not any("deploymentCircuitBreaker" in f for f in fields)
    assert "services[0].deploymentConfiguration.alarms" in fields
    assert load_scenario(DATA / "full.yaml").ignored == ()


@pytest.mark.parametrize(
    ("fields", "field", "hint"),
    [
        (
            {"deploymentConfiguration": {"maximumPercnt": 150}},
            "deploymentConfiguration.maximumPercnt",
            "maximumPercent",
        ),
        ({"desiredCont": 1}, "desiredCont", "desiredCount"),
        ({"taskDefinition": {"cpu": 10, "memroy": 500}}, "taskDefinition.memroy", "memory"),
        (
            {"taskDefinition": {"family": "x", "containerDefinitions": [{"memroy": 5}]}},
            "taskDefinition.containerDefinitions[0].memroy",
            "memory",
        ),
        (
            {"taskDefinition": {"famly": "x", "containerDefinitions": [{"memory": 5}]}},
            "taskDefinition.famly",
            "family",
        ),
    ],
)
def test_a_field_in_neither_planners_model_nor_the_ecs_shape_is_refused(
    fields: dict, field: str, hint: str
) -> None:
    with pytest.raises(PlannerError) as info:
        scenario_from_data(load_yaml_text(_with_service(**fields), file="s.yaml"))
    assert info.value.field == f"services[0].{field}"
    assert f"unknown field; did you mean {hint}?" in info.value.message
    assert info.value.line


def test_solve_verbose_lists_the_ignored_fields(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from planner.cli import app

    config = {"alarms": {"alarmNames": [], "enable": False, "rollback": False}}
    path = _write(tmp_path / "s.yaml", _with_service(deploymentConfiguration=config))
    quiet = CliRunner().invoke(app, ["solve", str(path), "--time-limit", "10"])
    loud = CliRunner().invoke(app, ["solve", str(path), "--time-limit", "10", "--verbose"])
    assert quiet.exit_code == loud.exit_code == 0, loud.output
    assert "alarms" not in quiet.stderr
    assert f"{path}:" in loud.stderr
    assert "services[0].deploymentConfiguration.alarms" in loud.stderr


def test_a_task_definition_arn_says_what_planner_needs(tmp_path: Path) -> None:
    """describe-services prints the task definition's ARN: planner asks for its content."""
    printed = _botocore_example("DescribeServices")["services"][0]
    path = _write(tmp_path / "s.yaml", _with_service(taskDefinition=printed["taskDefinition"]))
    with pytest.raises(PlannerError) as info:
        load_scenario(path)
    assert info.value.field == "services[0].taskDefinition" and info.value.line
    assert "is a task definition's ARN" in info.value.message
    assert "describe-task-definition --task-definition hello_world:6" in info.value.message


def test_a_service_named_as_the_ecs_api_names_it_is_told_to_say_name() -> None:
    printed = _botocore_example("DescribeServices")["services"][0]
    text = _with_service(serviceName=printed["serviceName"]).replace('"name": "web",', "")
    with pytest.raises(PlannerError) as info:
        scenario_from_data(load_yaml_text(text, file="s.yaml"))
    assert info.value.field == "services[0].name"
    assert "write name: ecs-simple-service" in info.value.message


# --- LINEAR's and CANARY's settings, flat or nested as the ECS API nests them -----------


def _config_scenario(config: dict) -> Scenario:
    return scenario_from_data(
        load_yaml_text(_with_service(deploymentConfiguration=config), file="s.yaml")
    )


def _config_case(config: dict) -> Service:
    return _config_scenario(config).services[0]


@pytest.mark.parametrize(
    ("nested", "flat"),
    [
        (
            {
                "strategy": "LINEAR",
                "bakeTimeInMinutes": 5,
                "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 2},
            },
            {
                "strategy": "LINEAR",
                "bakeTimeInMinutes": 5,
                "stepPercent": 25,
                "stepBakeTimeInMinutes": 2,
            },
        ),
        (
            {
                "strategy": "CANARY",
                "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 3.5},
            },
            {"strategy": "CANARY", "canaryPercent": 10, "canaryBakeTimeInMinutes": 3.5},
        ),
        # one of the pair nested: the other keeps its default
        (
            {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 12.5}},
            {"strategy": "LINEAR", "stepPercent": 12.5},
        ),
    ],
)
def test_a_nested_ecs_form_gives_the_same_service_as_its_flat_twin(
    nested: dict, flat: dict
) -> None:
    got = _config_scenario(nested)
    assert got == _config_scenario(flat)
    svc = got.services[0]
    assert (svc.step_percent or svc.canary_percent) is not None


def test_the_nested_settings_reach_the_scenario() -> None:
    svc = _config_case(
        {
            "strategy": "LINEAR",
            "linearConfiguration": {"stepPercent": 12.5, "stepBakeTimeInMinutes": 6},
        }
    )
    assert (svc.step_percent, svc.step_bake_minutes) == (12.5, 6)
    svc = _config_case({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 0.5}})
    assert svc.canary_percent == 0.5


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        (
            {"strategy": "LINEAR", "stepPercent": 25, "linearConfiguration": {"stepPercent": 25.0}},
            "linearConfiguration",
            "give linearConfiguration (as the ECS API nests it) or stepPercent (flat), not both",
        ),
        (
            {
                "strategy": "CANARY",
                "canaryBakeTimeInMinutes": 3,
                "canaryPercent": 5,
                "canaryConfiguration": {},
            },
            "canaryConfiguration",
            "give canaryConfiguration (as the ECS API nests it) or canaryPercent and "
            "canaryBakeTimeInMinutes (flat), not both",
        ),
        (
            {"strategy": "CANARY", "linearConfiguration": {"stepPercent": 10.0}},
            "linearConfiguration",
            "applies only to strategy LINEAR, and the strategy is CANARY",
        ),
        (
            {"linearConfiguration": {"stepPercent": 10.0}},
            "linearConfiguration",
            "applies only to strategy LINEAR, and the strategy is ROLLING",
        ),
        (
            {"strategy": "LINEAR", "canaryConfiguration": {"canaryPercent": 5.0}},
            "canaryConfiguration",
            "applies only to strategy CANARY, and the strategy is LINEAR",
        ),
        (
            {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 2.5}},
            "linearConfiguration.stepPercent",
            "must be a percent from 3 to 100 in steps of 0.1, got 2.5",
        ),
        (
            {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 12.25}},
            "linearConfiguration.stepPercent",
            "must be a percent from 3 to 100 in steps of 0.1, got 12.25",
        ),
        (
            {"strategy": "LINEAR", "linearConfiguration": {"stepPercnt": 10.0}},
            "linearConfiguration.stepPercnt",
            "unknown field; did you mean stepPercent? allowed here: stepPercent, "
            "stepBakeTimeInMinutes",
        ),
        (
            {"strategy": "LINEAR", "linearConfiguration": 10},
            "linearConfiguration",
            "must be a mapping, got 10",
        ),
    ],
)
def test_the_nested_forms_are_checked(config: dict, field: str, message: str) -> None:
    with pytest.raises(PlannerError) as info:
        _config_case(config)
    assert info.value.field == f"services[0].deploymentConfiguration.{field}"
    assert info.value.message == message
    assert info.value.line


def test_a_linear_deployment_configuration_pasted_from_describe_services_loads(
    tmp_path: Path,
) -> None:
    """botocore's DescribeServices example (real output), its deploymentConfiguration as
    describe-services prints a LINEAR service's (written here from the API's shapes:
    DeploymentConfiguration, LinearConfiguration; botocore has no example of one)."""
    printed = _botocore_example("DescribeServices")["services"][0]
    service = {k: v for k, v in printed.items() if k != "taskDefinition"}  # an ARN there
    service["deploymentConfiguration"] = {
        "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
        "alarms": {"alarmNames": [], "rollback": False, "enable": False},
        "strategy": "LINEAR",
        "bakeTimeInMinutes": 10,
        "lifecycleHooks": [],
        "linearConfiguration": {"stepPercent": 10.0, "stepBakeTimeInMinutes": 6},
    }
    path = _write(tmp_path / "s.yaml", _with_service(**service))
    scenario = load_scenario(path)
    svc = scenario.services[0]
    assert (svc.strategy, svc.step_percent, svc.step_bake_minutes, svc.bake_minutes) == (
        "LINEAR",
        10.0,
        6,
        10,
    )
    fields = [shown.rsplit(": ", 1)[1] for shown in scenario.ignored]
    assert "services[0].deploymentConfiguration.lifecycleHooks" in fields
    assert not any("linearConfiguration" in f for f in fields)
