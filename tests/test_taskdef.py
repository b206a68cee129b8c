"""planner.inputs.taskdef: ECS task-definition JSON and the scenario's short form, same rules."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from planner.errors import PlannerError
from planner.inputs.taskdef import MAX_JSON_BYTES, task_definition_from_json, taskdef_from_mapping
from planner.inputs.yamlsafe import load_yaml_text
from planner.model.scenario import TaskDefinition

DATA = Path(__file__).parent / "data"
TASKDEFS = DATA / "taskdefs"
BAD = DATA / "bad" / "taskdefs"


def short(text: str) -> TaskDefinition:
    """The short form written in YAML, as a scenario's ``taskDefinition`` would be."""
    doc = load_yaml_text(text, file="short.yaml")
    return taskdef_from_mapping(doc.data, doc, ())


def test_describe_task_definition_shape() -> None:
    td = task_definition_from_json(TASKDEFS / "api-describe.json")
    # No task-level sizes: containers add up. api: cpu 512, memoryReservation 1024 (not
    # its memory 2048); log-router: cpu 128, memory 256.
    assert td == TaskDefinition(
        cpu=640,
        memory=1280,
        network_mode="bridge",
        host_ports=(8080,),  # hostPort 8080 is fixed
        dynamic_ports=2,  # hostPort 0 and an absent hostPort
        source=str(TASKDEFS / "api-describe.json"),
        family="api:7",
    )


def test_bare_shape_with_unit_strings() -> None:
    td = task_definition_from_json(TASKDEFS / "api-bare.json")
    # Task-level "1 vCPU" and "2 GB" win over the containers (which give none here).
    assert (td.cpu, td.memory, td.host_ports, td.dynamic_ports) == (1024, 2048, (80,), 1)
    assert td.family == "api"


def test_awsvpc_takes_an_eni_and_no_host_port() -> None:
    td = task_definition_from_json(TASKDEFS / "awsvpc.json")
    assert (td.network_mode, td.host_ports, td.dynamic_ports, td.enis) == ("awsvpc", (), 0, 1)
    assert (td.cpu, td.memory) == (256, 512)


def test_host_mode_ports_are_container_ports() -> None:
    td = task_definition_from_json(TASKDEFS / "host.json")
    # 443/tcp and 443/udp are one port number; the range 9100-9102 is three fixed ports.
    assert td.host_ports == (80, 443, 9100, 9101, 9102)
    assert (td.dynamic_ports, td.enis) == (0, 0)
    # memoryReservation 128 for proxy, memory 64 for metrics.
    assert (td.cpu, td.memory) == (320, 192)


def test_container_port_range_in_bridge_mode_is_dynamic() -> None:
    td = task_definition_from_json(TASKDEFS / "port-range.json")
    assert (td.host_ports, td.dynamic_ports) == ((80,), 10)
    assert (td.cpu, td.memory) == (0, 256)  # no cpu anywhere: 0 units


def test_short_form_equals_json_form() -> None:
    from_json = task_definition_from_json(TASKDEFS / "short-equivalent.json")
    from_yaml = short(
        "cpu: 256\nmemory: 1024\nmemoryReservation: 512\nnetworkMode: bridge\n"
        "portMappings:\n  - {containerPort: 8080, hostPort: 8080}\n  - {containerPort: 9000}\n"
    )
    assert dataclasses.replace(from_json, source="inline") == from_yaml
    assert from_yaml == TaskDefinition(256, 512, "bridge", (8080,), 1)


def test_short_form_units_and_defaults() -> None:
    assert short('cpu: "0.5 vCPU"\nmemory: "2 GB"\n') == TaskDefinition(512, 2048)
    assert short("memory: 512\n") == TaskDefinition(0, 512)  # cpu defaults to 0
    assert short("memoryReservation: 256\n").memory == 256
    td = short("cpu: 256\nmemory: 512\nnetworkMode: host\nportMappings: [{containerPort: 53}]\n")
    assert td.host_ports == (53,)


def test_task_level_memory_wins_over_containers(tmp_path: Path) -> None:
    file = tmp_path / "td.json"
    file.write_text(
        '{"memory": "1 GB", "cpu": 512, "containerDefinitions": '
        '[{"name": "a", "cpu": 100}, {"name": "b", "memoryReservation": 64}]}'
    )
    td = task_definition_from_json(file)
    # Task-level values given: the containers' sums (100, 64) do not count, and a
    # container without memory is fine.
    assert (td.cpu, td.memory) == (512, 1024)


@pytest.mark.parametrize(
    ("name", "where", "message"),
    [
        # a trailing comma: the JSON parser's line
        ("malformed.json", "malformed.json:4: ", "not valid JSON"),
        # neither memory nor memoryReservation, and no task-level memory
        (
            "container-without-memory.json",
            "container-without-memory.json:4: containerDefinitions[0]: ",
            "needs memory or memoryReservation",
        ),
        # host port 80 in two containers of one task
        (
            "duplicate-host-port.json",
            "duplicate-host-port.json:6: containerDefinitions[1].portMappings[0]: ",
            "host port 80/tcp is already mapped at containerDefinitions[0].portMappings[0]",
        ),
    ],
)
def test_bad_json(name: str, where: str, message: str) -> None:
    with pytest.raises(PlannerError) as info:
        task_definition_from_json(BAD / name)
    assert str(info.value).startswith(str(BAD / where))
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # not an object
        ("[1, 2]", "must be a task definition"),
        # describe-services output instead of a task definition
        ('{"services": []}', "containerDefinitions: is required but missing"),
        # an empty container list
        ('{"containerDefinitions": []}', "must list at least one entry"),
        # memoryReservation above memory, which ECS refuses
        (
            '{"containerDefinitions": [{"memory": 256, "memoryReservation": 512}]}',
            "memoryReservation: must not exceed memory (256 MiB)",
        ),
        # container cpu is a whole number in the ECS API
        ('{"containerDefinitions": [{"memory": 256, "cpu": "1 vCPU"}]}', ".cpu: must be a whole"),
        # NaN is not JSON
        ('{"cpu": NaN, "containerDefinitions": []}', "NaN is not a number JSON allows"),
        # task-definition placement constraints: memberOf with an expression planner reads
        (
            '{"containerDefinitions": [{"memory": 256}], "placementConstraints": '
            '[{"type": "memberOf", "expression": "x"}]}',
            "placementConstraints[0].expression: cannot read the cluster query 'x'",
        ),
        (
            '{"containerDefinitions": [{"memory": 256}], "placementConstraints": '
            '[{"type": "distinctInstance"}]}',
            'placementConstraints[0].type: must be one of memberOf, got "distinctInstance"',
        ),
        # hostPort with a containerPortRange
        (
            '{"containerDefinitions": [{"memory": 256, "portMappings": '
            '[{"containerPortRange": "80-90", "hostPort": 80}]}]}',
            "must not be set with containerPortRange",
        ),
        # a range must be first-last with first < last
        (
            '{"containerDefinitions": [{"memory": 256, "portMappings": '
            '[{"containerPortRange": "90-80"}]}]}',
            'must be a range of ports "first-last"',
        ),
        # network mode none has no ports
        (
            '{"networkMode": "none", "containerDefinitions": [{"memory": 256, "portMappings": '
            '[{"containerPort": 80}]}]}',
            'networkMode "none" has no port mappings',
        ),
    ],
)
def test_bad_json_content(tmp_path: Path, content: str, expected: str) -> None:
    file = tmp_path / "td.json"
    file.write_text(content)
    with pytest.raises(PlannerError) as info:
        task_definition_from_json(file)
    assert expected in str(info.value)
    assert info.value.file == str(file)


def test_json_field_lines(tmp_path: Path) -> None:
    file = tmp_path / "td.json"
    file.write_text(
        '{\n  "containerDefinitions": [\n    {\n      "memory": "lots"\n    }\n  ]\n}\n'
    )
    with pytest.raises(PlannerError) as info:
        task_definition_from_json(file)
    assert (info.value.line, info.value.field) == (4, "containerDefinitions[0].memory")


def test_missing_large_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(PlannerError, match="no such task-definition file"):
        task_definition_from_json(tmp_path / "nope.json")
    with pytest.raises(PlannerError, match="is a directory"):
        task_definition_from_json(tmp_path)
    big = tmp_path / "big.json"
    big.write_text('{"family": "' + "x" * MAX_JSON_BYTES + '"}')
    with pytest.raises(PlannerError, match="larger than 1,000,000 bytes"):
        task_definition_from_json(big)
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"{\n\xff\xfe}")
    with pytest.raises(PlannerError) as info:
        task_definition_from_json(binary)
    assert info.value.line == 2


def test_source_is_the_path_as_given(tmp_path: Path) -> None:
    copy = tmp_path / "api.json"
    shutil.copy(TASKDEFS / "api-bare.json", copy)
    assert task_definition_from_json(str(copy)).source == str(copy)


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        # a typo
        ("cpu: 256\nmemroy: 512\n", "memroy", "did you mean memory?"),
        # nothing to place it by
        ("cpu: 256\n", "memory", "is required"),
        # a port mapping field that does not exist
        (
            "memory: 1\nportMappings: [{containerPort: 80, hostport: 80}]\n",
            "portMappings[0].hostport",
            "did you mean hostPort?",
        ),
        # awsvpc: host port must be the container port
        (
            "memory: 1\nnetworkMode: awsvpc\nportMappings: [{containerPort: 80, hostPort: 81}]\n",
            "portMappings[0].hostPort",
            "must be absent or equal containerPort (80)",
        ),
        # a protocol ECS does not have
        (
            "memory: 1\nportMappings: [{containerPort: 80, protocol: http}]\n",
            "portMappings[0].protocol",
            "must be one of tcp, udp",
        ),
        # no container port
        (
            "memory: 1\nportMappings: [{hostPort: 80}]\n",
            "portMappings[0].containerPort",
            "is required",
        ),
    ],
)
def test_short_form_errors(text: str, field: str, message: str) -> None:
    with pytest.raises(PlannerError) as info:
        short(text)
    assert info.value.field == field
    assert message in info.value.message


def test_task_definition_member_of_binds_its_revision(tmp_path: Path) -> None:
    """The new revision's memberOf (in its JSON) keeps its tasks off the t3 instance; the
    old revision had none, so the old task may run there."""
    import planner
    from planner.model.problem import compile_problem

    (tmp_path / "v2.json").write_text(
        '{"taskDefinition": {"family": "api", "revision": 2, "cpu": "512", "memory": "512",'
        ' "containerDefinitions": [{"name": "api", "memory": 512}],'
        ' "placementConstraints": [{"type": "memberOf",'
        ' "expression": "attribute:ecs.instance-type =~ m5.*"}]}}'
    )
    (tmp_path / "s.yaml").write_text(
        "cluster:\n  instances:\n    - {type: t3.medium, count: 1}\n"
        "    - {type: m5.large, count: 1}\n"
        "services:\n  - name: api\n    desiredCount: 1\n"
        "    taskDefinition: {cpu: 512, memory: 512}\n    newTaskDefinition: v2.json\n"
    )
    scenario = planner.load_scenario(tmp_path / "s.yaml")
    assert scenario.services[0].new_task_definition.member_of == (
        "attribute:ecs.instance-type =~ m5.*",
    )
    p = compile_problem(scenario)
    assert p.initial == ((1,), (0,))  # the old task runs on the t3 (spread: first)
    assert [r.what for r in p.rows[0] if r.reason == "placement-constraint"] == [
        "memberOf(attribute:ecs.instance-type =~ m5.*)"
    ]
    assert not [r for r in p.rows[1] if r.reason == "placement-constraint"]
    result = planner.solve(scenario, fixes=False)
    assert result.verdict == "safe"
    assert [(m["instance"]) for w in result.to_json()["plan"] for m in w["start"]] == [1]


def test_a_huge_file_is_refused_having_read_the_limit_and_one_byte(tmp_path: Path) -> None:
    """The size guard reads no more than MAX_JSON_BYTES + 1 bytes (files.read_limited)."""
    from builders import make_sparse, refused_within

    huge = tmp_path / "huge.json"
    make_sparse(huge)
    refused_within(
        lambda: task_definition_from_json(huge), "larger than 1,000,000 bytes", 8_000_000
    )
