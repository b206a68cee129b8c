"""Importing a cluster from AWS CLI exports (planner.importing, ROLLOUT.md §9)."""

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import planner
from planner.cli import app
from planner.errors import PlannerError
from planner.importing import import_folder

SEED = Path(__file__).parent / "data" / "exports" / "seed-port-conflict"
runner = CliRunner()


def test_the_seed_case_as_a_real_export_imports_field_by_field():
    mapping, warnings = import_folder(SEED)
    assert warnings == []
    assert mapping["cluster"] == {
        "instances": [
            {
                "name": "i-0123456789abcdef0",
                "cpu": 2048,  # registered, not the catalog's
                "memory": 1907,
                "count": 1,
                "instanceType": "t3.small",
                "enis": 3,  # EC2's limit for the type (catalog): not in the export
                "availabilityZone": "us-east-1a",
                "attributes": {"team": "rj"},  # ecs.* come from the instance itself
                "instanceIds": ["i-0123456789abcdef0"],
            }
        ],
        "agent": {"reservedPorts": [22, 2375, 2376, 51678, 51679]},
    }
    [svc] = mapping["services"]
    assert svc == {
        "name": "rj-api",
        "desiredCount": 1,
        "taskDefinition": "task-definitions/rj-api-1.json",
        "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 200},
        "placementStrategy": [
            {"type": "spread", "field": "attribute:ecs.availability-zone"},
            {"type": "spread", "field": "instanceId"},
        ],
        "placement": [1],
    }


def test_the_seed_case_hangs_on_its_port_as_the_hand_written_one_does():
    imported = planner.solve(planner.import_cluster(SEED))
    written = planner.solve(planner.load_scenario(Path("scenarios/seed/port-conflict.yaml")))
    assert (imported.verdict, imported.reasons) == ("hangs", ["port"])
    assert (written.verdict, written.reasons) == ("hangs", ["port"])
    instances = planner.import_cluster(SEED).instance_groups
    assert instances[0].instance_type == "t3.small" and instances[0].arch == "x86_64"


def test_import_round_trips_through_a_scenario_file(tmp_path):
    out = tmp_path / "s.yaml"
    res = runner.invoke(app, ["import", str(SEED), "-o", str(out)])
    assert res.exit_code == 0, res.output
    from_file = runner.invoke(app, ["solve", str(out), "--format", "json"])
    from_dir = runner.invoke(app, ["solve", str(SEED), "--format", "json"])
    assert from_file.exit_code == from_dir.exit_code == 1
    a, b = json.loads(from_file.stdout), json.loads(from_dir.stdout)
    for key in ("verdict", "reasons", "deadState", "initial", "services", "zones", "instanceIds"):
        assert a.get(key) == b.get(key), key
    written = yaml.safe_load(out.read_text())["services"][0]["taskDefinition"]
    assert not Path(written).is_absolute()  # relative to the scenario file
    assert (tmp_path / written).resolve() == (SEED / "task-definitions/rj-api-1.json").resolve()


def test_deploy_names_the_revision_to_roll_out(tmp_path):
    bigger = tmp_path / "rj-api-2.json"
    td = json.loads((SEED / "task-definitions/rj-api-1.json").read_text())
    td["taskDefinition"]["containerDefinitions"][0]["portMappings"][0]["hostPort"] = 0
    bigger.write_text(json.dumps(td))
    scenario = planner.import_cluster(SEED, {"rj-api": str(bigger)})
    assert planner.solve(scenario).verdict == "safe"  # a dynamic port: the seed's fix
    with pytest.raises(PlannerError, match="--deploy names web"):
        import_folder(SEED, {"web": str(bigger)})


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(SEED, folder)
    return folder


def _edit(folder: Path, name: str, change) -> None:
    data = json.loads((folder / name).read_text())
    change(data)
    (folder / name).write_text(json.dumps(data))


def test_fields_of_newer_api_versions_are_ignored(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "services.json", lambda d: d["services"][0].update(fancyNewField={"x": 1}))
    _edit(folder, "tasks.json", lambda d: d["tasks"][0].update(anotherNewField=[1, 2]))
    new, old = import_folder(folder)[0], import_folder(SEED)[0]
    assert {**new, "name": ""} == {**old, "name": ""}


def test_stopping_tasks_are_gone_and_pending_ones_count(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "tasks.json", lambda d: d["tasks"][0].update(lastStatus="STOPPING"))
    mapping, warnings = import_folder(folder)
    assert mapping["services"][0]["placement"] == [0]
    assert warnings == [
        "service rj-api: 0 tasks run, desiredCount is 1; planner starts from the tasks that run"
    ]
    _edit(folder, "tasks.json", lambda d: d["tasks"][0].update(lastStatus="PENDING"))
    assert import_folder(folder)[0]["services"][0]["placement"] == [1]


def test_tasks_of_services_not_exported_are_static_load(tmp_path):
    folder = _copy(tmp_path)

    def another(d):
        extra = dict(d["tasks"][0], group="service:cron", taskArn="arn:...:task/seed/2")
        d["tasks"].append(extra)

    _edit(folder, "tasks.json", another)
    mapping, warnings = import_folder(folder)
    assert mapping["services"][1] == {
        "name": "cron (not exported)",
        "desiredCount": 1,
        "taskDefinition": "task-definitions/rj-api-1.json",
        "deploy": False,
        "placement": [1],
    }
    assert "they count as static load" in warnings[0]
    with pytest.raises(PlannerError, match="do not fit"):  # both hold host port 80
        planner.solve(planner.import_cluster(folder))


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        # a truncated file
        ("tasks.json", None, "not valid JSON"),
        # describe-services could not find a service
        (
            "services.json",
            lambda d: d["failures"].append(
                {"arn": "arn:...:service/seed/web", "reason": "MISSING"}
            ),
            "the export lists failures: arn:...:service/seed/web: MISSING",
        ),
        # a task on an instance the export does not list
        (
            "tasks.json",
            lambda d: d["tasks"][0].update(containerInstanceArn="arn:...:container-instance/x"),
            "which container-instances.json does not list",
        ),
        # a deployment in progress
        (
            "services.json",
            lambda d: d["services"][0]["deployments"].append(
                dict(d["services"][0]["deployments"][0], status="ACTIVE")
            ),
            "is mid-deployment (PRIMARY and ACTIVE deployments)",
        ),
        # a draining instance
        (
            "container-instances.json",
            lambda d: d["containerInstances"][0].update(status="DRAINING"),
            "is DRAINING: instances that take no new tasks are not modelled yet",
        ),
        # Fargate
        (
            "services.json",
            lambda d: d["services"][0].update(launchType="FARGATE"),
            "runs on FARGATE: planner models EC2 container instances only",
        ),
        # tasks of another revision beside the service's
        (
            "services.json",
            lambda d: d["services"][0].update(taskDefinition="arn:...:task-definition/rj-api:9"),
            "a deployment in progress is not modelled yet",
        ),
    ],
)
def test_malformed_exports_get_one_clear_message(tmp_path, name, change, message):
    folder = _copy(tmp_path)
    if change is None:
        text = (folder / name).read_text()
        (folder / name).write_text(text[: len(text) // 2])
    else:
        _edit(folder, name, change)
    res = runner.invoke(app, ["solve", str(folder)])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output
    # the file the fault is in: the one edited, or the one that shows the conflict
    assert any(f in res.output for f in (name, "tasks.json", "task-definitions"))


def test_a_task_definition_not_exported_is_named(tmp_path):
    folder = _copy(tmp_path)
    (folder / "task-definitions" / "rj-api-1.json").unlink()
    res = runner.invoke(app, ["solve", str(folder)])
    assert res.exit_code == 2
    assert "whose task definition is not exported" in res.output
    assert "aws ecs describe-task-definition --task-definition" in res.output


def test_a_missing_file_is_named(tmp_path):
    folder = _copy(tmp_path)
    (folder / "tasks.json").unlink()
    res = runner.invoke(app, ["import", str(folder)])
    assert res.exit_code == 2 and "tasks.json: is missing" in res.output


def test_awsvpc_tasks_take_the_enis_of_the_instance_type(tmp_path):
    """ENI limits are EC2's, not in the export: they come from the catalog by type. A
    c5.large has 3 ENIs, the primary one serving the instance: two awsvpc tasks fit."""
    folder = _copy(tmp_path)

    def c5(d):
        ci = d["containerInstances"][0]
        for a in ci["attributes"]:
            if a["name"] == "ecs.instance-type":
                a["value"] = "c5.large"

    def awsvpc(d):
        body = d["taskDefinition"]
        body["networkMode"] = "awsvpc"
        body["containerDefinitions"][0]["portMappings"] = [{"containerPort": 8080}]

    _edit(folder, "container-instances.json", c5)
    _edit(folder, "task-definitions/rj-api-1.json", awsvpc)
    mapping, _ = import_folder(folder)
    assert mapping["cluster"]["instances"][0]["enis"] == 3
    result = planner.solve(planner.import_cluster(folder))
    assert result.verdict == "safe"  # the second ENI takes the new task, then the old stops
