"""Importing a cluster from AWS CLI exports (planner.inputs.importing, ROLLOUT.md §9)."""

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import planner
from planner.cli import app
from planner.errors import PlannerError
from planner.inputs.importing import import_folder

SEED = Path(__file__).parent / "data" / "exports" / "seed-port-conflict"
runner = CliRunner()


def test_the_seed_case_as_a_real_export_imports_field_by_field():
    mapping, warnings = import_folder(SEED)
    assert warnings == []
    assert mapping["cluster"] == {
        "instances": [
            {
                "name": "t3.small in us-east-1a",  # type and zone; the id below
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
        "deploymentConfiguration": {
            "minimumHealthyPercent": 100,
            "maximumPercent": 200,
            "deploymentCircuitBreaker": {"enable": False, "rollback": False},  # ECS's default
        },
        "launchType": "EC2",
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
    svc = mapping["services"][0]
    # the missing task is a pending start (newPlacement: none runs yet)
    assert (svc["placement"], svc["newPlacement"], svc["desiredCount"]) == ([0], [0], 1)
    assert warnings == [
        "service rj-api: 0 of 1 tasks run; planner starts the 1 missing as part of the rollout",
        # the export's remainingResources still count the task: two moments
        "instance i-0123456789abcdef0: remainingResources says 1792 CPU units and 1395 MiB "
        "left, the tasks found on it leave 2048 and 1907; planner goes by the tasks found "
        "(tasks outside the export, or an export taken at two moments?)",
    ]
    assert planner.solve(planner.import_cluster(folder)).verdict == "safe"  # it starts
    _edit(folder, "tasks.json", lambda d: d["tasks"][0].update(lastStatus="PENDING"))
    mapping, warnings = import_folder(folder)
    assert mapping["services"][0]["placement"] == [1] and warnings == []


RJ_1 = "arn:aws:ecs:us-east-1:123456789012:task-definition/rj-api:1"
RJ_2 = "arn:aws:ecs:us-east-1:123456789012:task-definition/rj-api:2"


def _mid_deployment(folder: Path, new_running: bool, host_port: int = 80) -> None:
    """The seed's export, rj-api:2 (PRIMARY) rolling out beside rj-api:1 (ACTIVE)."""
    td = json.loads((folder / "task-definitions/rj-api-1.json").read_text())
    td["taskDefinition"]["taskDefinitionArn"] = RJ_2
    td["taskDefinition"]["revision"] = 2
    td["taskDefinition"]["containerDefinitions"][0]["portMappings"][0]["hostPort"] = host_port
    (folder / "task-definitions/rj-api-2.json").write_text(json.dumps(td))

    def deployments(d):
        svc = d["services"][0]
        svc["taskDefinition"] = RJ_2
        old = dict(svc["deployments"][0], status="ACTIVE", id="ecs-svc/1")
        new = dict(old, status="PRIMARY", id="ecs-svc/2", taskDefinition=RJ_2)
        new["rolloutState"] = "IN_PROGRESS"
        svc["deployments"] = [new, old]

    _edit(folder, "services.json", deployments)
    if new_running:

        def two(d):
            d["tasks"].append(dict(d["tasks"][0], taskDefinitionArn=RJ_2, taskArn="t/2"))
            d["tasks"][-1]["lastStatus"] = "PENDING"  # PENDING counts as started (§9)

        _edit(folder, "tasks.json", two)

        def remaining(d):  # the new task holds what the old one does
            for r in d["containerInstances"][0]["remainingResources"]:
                if r["name"] in ("CPU", "MEMORY"):
                    r["integerValue"] -= {"CPU": 256, "MEMORY": 512}[r["name"]]

        _edit(folder, "container-instances.json", remaining)


def test_a_deployment_in_progress_is_a_snapshot(tmp_path):
    """PRIMARY's revision is new, ACTIVE's old; tasks of each where they run."""
    folder = _copy(tmp_path)
    _mid_deployment(folder, new_running=True, host_port=0)
    mapping, warnings = import_folder(folder)
    svc = mapping["services"][0]
    assert svc["taskDefinition"] == "task-definitions/rj-api-1.json"
    assert svc["newTaskDefinition"] == "task-definitions/rj-api-2.json"
    assert (svc["placement"], svc["newPlacement"], svc["desiredCount"]) == ([1], [1], 1)
    assert warnings == []  # the PENDING task is in remainingResources too
    result = planner.solve(planner.import_cluster(folder))
    assert (result.verdict, result.stuck_now) == ("safe", False)  # the old one stops
    with pytest.raises(PlannerError, match="mid-deployment"):
        import_folder(folder, {"rj-api": str(folder / "task-definitions/rj-api-2.json")})


def test_a_stuck_deployment_says_stuck_now_why_and_a_checked_fix(tmp_path):
    """The seed's case caught mid-way: rj-api:2 wants port 80, which rj-api:1 holds on
    the only instance, and minimumHealthyPercent 100 lets no old task stop."""
    folder = _copy(tmp_path)
    _mid_deployment(folder, new_running=False)
    result = planner.solve(planner.import_cluster(folder))
    assert (result.verdict, result.reasons, result.stuck_now) == ("hangs", ["port"], True)
    assert any(f.startswith("one more t3.small in us-east-1a") for f in result.fixes), result.fixes
    res = runner.invoke(app, ["solve", str(folder)])
    assert res.exit_code == 1
    lines = res.stdout.splitlines()
    assert "HANGS" in lines[0] and "stuck now:" in lines[1]
    data = json.loads(runner.invoke(app, ["solve", str(folder), "--format", "json"]).stdout)
    assert data["stuckNow"] is True and data["initialNew"] == []
    assert data["deadState"]["services"][0]["reason"] == "port"


def test_a_stop_by_hand_unsticks_when_nothing_else_is_tried(tmp_path):
    """minimumHealthyPercent 100 on one task: stopping the old task by hand frees the
    port; planner checks it and says the service dips below its lower bound."""
    folder = _copy(tmp_path)
    _mid_deployment(folder, new_running=False)
    scenario = planner.import_cluster(folder)
    result = planner.solve(scenario)
    stops = [f for f in result.fixes if f.startswith("stop one old task")]
    assert stops == [
        "stop one old task of rj-api on i-0123456789abcdef0 by hand (aws ecs stop-task); "
        "rj-api runs 0 tasks until a new one is healthy, below its lower bound 1"
    ]


def test_draining_and_disconnected_instances_take_no_new_task(tmp_path):
    folder = _copy(tmp_path)

    def second(d):
        one = d["containerInstances"][0]
        two = json.loads(json.dumps(one))
        two["containerInstanceArn"] += "2"
        two["ec2InstanceId"] = "i-0second"
        two["remainingResources"] = two["registeredResources"]
        d["containerInstances"].append(two)
        one["status"] = "DRAINING"

    _edit(folder, "container-instances.json", second)
    mapping, warnings = import_folder(folder)
    first, other = mapping["cluster"]["instances"]
    assert first["status"] == "DRAINING" and "status" not in other
    assert mapping["services"][0]["placement"] == [1, 0] and warnings == []
    result = planner.solve(planner.import_cluster(folder))
    assert result.verdict == "safe"  # the task moves to the second instance (§10)
    assert result.closed == [{"instance": 0, "status": "DRAINING"}]
    assert result.plan[0].starts == ((0, 1, 1),)

    def disconnected(d):
        d["containerInstances"][1]["agentConnected"] = False

    _edit(folder, "container-instances.json", disconnected)
    mapping, _ = import_folder(folder)
    assert mapping["cluster"]["instances"][1]["agentConnected"] is False
    result = planner.solve(planner.import_cluster(folder))
    assert (result.verdict, result.stuck_now) == ("hangs", True)  # nowhere to go

    def registering(d):
        d["containerInstances"][1]["status"] = "REGISTERING"

    _edit(folder, "container-instances.json", registering)
    with pytest.raises(PlannerError, match="i-0second is REGISTERING"):
        import_folder(folder)


def test_revisions_no_deployment_names_are_refused(tmp_path):
    folder = _copy(tmp_path)
    _mid_deployment(folder, new_running=True)

    def third(d):
        d["tasks"].append(dict(d["tasks"][0], taskDefinitionArn=RJ_1[:-1] + "7"))

    _edit(folder, "tasks.json", third)
    with pytest.raises(PlannerError, match="none of its deployments names"):
        import_folder(folder)

    def two_old(d):
        svc = d["services"][0]
        svc["deployments"].append(dict(svc["deployments"][1], taskDefinition=RJ_1[:-1] + "7"))

    _edit(folder, "services.json", two_old)
    with pytest.raises(PlannerError, match="ACTIVE deployments of"):
        import_folder(folder)


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
        # an old revision whose task definition is not exported
        (
            "services.json",
            lambda d: d["services"][0]["deployments"].append(
                dict(
                    d["services"][0]["deployments"][0],
                    status="ACTIVE",
                    taskDefinition="arn:...:task-definition/rj-api:0",
                )
            ),
            "service rj-api runs arn:...:task-definition/rj-api:0, whose task definition is "
            "not exported",
        ),
        # an instance being deregistered
        (
            "container-instances.json",
            lambda d: d["containerInstances"][0].update(status="DEREGISTERING"),
            "is DEREGISTERING: planner models ACTIVE and DRAINING instances",
        ),
        # only Fargate: nothing on the container instances to deploy
        (
            "services.json",
            lambda d: d["services"][0].update(launchType="FARGATE"),
            "lists only Fargate services (rj-api): planner models EC2 container instances",
        ),
        # tasks of a revision no deployment names
        (
            "tasks.json",
            lambda d: d["tasks"][0].update(taskDefinitionArn="arn:...:task-definition/rj-api:9"),
            "runs tasks of arn:...:task-definition/rj-api:9, which none of its deployments names",
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


def test_a_forced_new_deployment_caught_mid_way_is_told_apart_by_startedBy(tmp_path):
    """PRIMARY and ACTIVE on the same revision (update-service --force-new-deployment):
    the tasks the PRIMARY deployment started are the new ones."""
    folder = tmp_path / "export"
    shutil.copytree(Path(__file__).parent / "data/exports/deployment-in-progress", folder)
    old = "task-definition/cart:14"

    def same(d):
        for svc in d["services"]:
            svc["taskDefinition"] = svc["taskDefinition"].replace("cart:15", "cart:14")
            for dep in svc["deployments"]:
                dep["taskDefinition"] = dep["taskDefinition"].replace("cart:15", "cart:14")

    _edit(folder, "services.json", same)
    _edit(
        folder,
        "tasks.json",
        lambda d: [
            t.update(taskDefinitionArn=t["taskDefinitionArn"].replace("cart:15", "cart:14"))
            for t in d["tasks"]
        ],
    )
    mapping, _ = import_folder(folder)
    cart = next(s for s in mapping["services"] if s["name"] == "cart")
    assert old.split("/")[1].replace(":", "-") in cart["taskDefinition"]
    assert "newTaskDefinition" not in cart  # the same revision
    assert sum(cart["newPlacement"]) == 2 and sum(cart["placement"]) == 2
    assert planner.solve(planner.import_cluster(folder)).verdict == "safe"
    with pytest.raises(PlannerError, match="forced new deployment"):
        import_folder(folder, {"cart": str(folder / "task-definitions/cart-15.json")})


def test_a_daemon_wants_no_task_on_a_draining_instance(tmp_path):
    """ECS runs no daemon task on a draining instance: its stopped one is no pending start."""
    folder = tmp_path / "export"
    shutil.copytree(Path(__file__).parent / "data/exports/daemon", folder)
    _edit(
        folder,
        "container-instances.json",
        lambda d: d["containerInstances"][2].update(status="DRAINING"),
    )

    def stop_daemon_there(d):
        arn = json.loads((folder / "container-instances.json").read_text())
        third = arn["containerInstances"][2]["containerInstanceArn"]
        for t in d["tasks"]:
            if t["group"] == "service:node-exporter" and t["containerInstanceArn"] == third:
                t["lastStatus"] = "STOPPED"

    _edit(folder, "tasks.json", stop_daemon_there)
    _, warnings = import_folder(folder)
    assert not any("node-exporter" in w for w in warnings), warnings


def test_more_tasks_running_than_desired_are_taken_as_desired_and_said(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "services.json", lambda d: d["services"][0].update(desiredCount=0))
    mapping, warnings = import_folder(folder)
    assert mapping["services"][0]["desiredCount"] == 1
    assert warnings == [
        "service rj-api: 1 tasks of the revision to roll out run, desiredCount is 0; planner "
        "takes the tasks that run as desired"
    ]
    _mid_deployment(folder, new_running=True, host_port=0)  # counted: the new tasks alone
    _edit(folder, "services.json", lambda d: d["services"][0].update(desiredCount=0))
    mapping, warnings = import_folder(folder)
    svc = mapping["services"][0]
    assert (svc["desiredCount"], svc["placement"], svc["newPlacement"]) == (1, [1], [1])
    assert "1 tasks of the revision to roll out run, desiredCount is 0" in warnings[0]


# ------------------------------------------------------------------ the defects


def test_a_steady_service_without_group_fields_stays_steady(tmp_path):
    """The seed's rj-api runs 1 of 1. Without `group` its task is still rj-api's (its
    startedBy is rj-api's deployment id): no static load, no missing task to start, the
    same verdict (hangs on its port, as a redeploy), and not stuck now."""
    folder = _copy(tmp_path)
    _edit(folder, "tasks.json", lambda d: d["tasks"][0].pop("group"))
    mapping, warnings = import_folder(folder)
    assert warnings == []
    assert mapping["services"] == import_folder(SEED)[0]["services"]
    result = planner.solve(planner.import_cluster(folder))
    assert (result.verdict, result.reasons, result.stuck_now) == ("hangs", ["port"], None)


def test_a_task_of_no_known_service_without_group_is_static_load(tmp_path):
    """startedBy names no exported deployment (a task run by hand): static load, said."""
    folder = _copy(tmp_path)

    def by_hand(d):
        d["tasks"].append(dict(d["tasks"][0], taskArn="t/2", startedBy="alice"))
        d["tasks"][-1].pop("group")

    _edit(folder, "tasks.json", by_hand)
    mapping, warnings = import_folder(folder)
    assert mapping["services"][1]["name"] == "task (not exported)"
    assert mapping["services"][1]["deploy"] is False
    assert "1 tasks of no service" in warnings[0]


def _external(d):
    """rj-api as the AWS CLI's create-service Example 3 shows a service with an EXTERNAL
    deployment controller: no deployments, no taskDefinition."""
    svc = d["services"][0]
    svc["deploymentController"] = {"type": "EXTERNAL"}
    svc["deployments"] = []
    svc["taskSets"] = []
    del svc["taskDefinition"]


@pytest.mark.parametrize("missing", ["task-definitions/rj-api-1.json", "tasks.json", None])
def test_an_external_controller_is_refused_first_for_what_it_is(tmp_path, missing):
    """What planner cannot model is said before what the export lacks: exporting the
    missing file would not help."""
    folder = _copy(tmp_path)
    _edit(folder, "services.json", _external)
    if missing:
        (folder / missing).unlink()
    res = runner.invoke(app, ["import", str(folder)])
    assert res.exit_code == 2, res.output
    assert "service rj-api has an EXTERNAL deployment controller" in res.output
    assert "services.json: services[0].deploymentController" in res.output


def test_deploy_of_a_service_mid_deployment_is_refused_before_a_missing_task_definition(
    tmp_path,
):
    folder = _copy(tmp_path)
    _mid_deployment(folder, new_running=True)
    (folder / "task-definitions/rj-api-1.json").unlink()
    with pytest.raises(PlannerError, match="mid-deployment"):
        import_folder(folder, {"rj-api": str(folder / "task-definitions/rj-api-2.json")})


def test_import_of_the_current_folder_names_the_scenario_after_it(tmp_path, monkeypatch):
    folder = _copy(tmp_path)
    monkeypatch.chdir(folder)
    res = runner.invoke(app, ["import", "."])
    assert res.exit_code == 0, res.output
    assert yaml.safe_load(res.stdout)["name"] == "cluster export export"


def test_an_export_with_no_services_is_refused_naming_services_json(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "services.json", lambda d: d.update(services=[]))
    _edit(folder, "tasks.json", lambda d: d.update(tasks=[]))
    res = runner.invoke(app, ["import", str(folder)])
    assert res.exit_code == 2
    assert "services.json: services: lists no services" in res.output


def test_the_yaml_written_has_no_anchors_when_both_placements_are_empty(tmp_path):
    """--deploy of a service whose only task is STOPPING: no old task, no new one."""
    folder = _copy(tmp_path)
    _edit(folder, "tasks.json", lambda d: d["tasks"][0].update(lastStatus="STOPPING"))
    new = folder / "task-definitions/rj-api-1.json"
    res = runner.invoke(app, ["import", str(folder), "--deploy", f"rj-api={new}"])
    assert res.exit_code == 0, res.output
    assert "&id" not in res.stdout and "*id" not in res.stdout
    svc = yaml.safe_load(res.stdout)["services"][0]
    assert svc["placement"] == svc["newPlacement"] == [0]


def test_deploy_keeps_the_other_services_still(tmp_path):
    """--deploy names one service: the others are written deploy: false (their tasks are
    static load); a service ECS is moving already (here a deployment in progress) keeps
    moving, and the warning says why."""
    folder = tmp_path / "in-progress"
    shutil.copytree(Path(__file__).parent / "data/exports/deployment-in-progress", folder)
    new = folder / "task-definitions/frontend-9.json"
    mapping, warnings = import_folder(folder, {"frontend": str(new)})
    cart, frontend = mapping["services"]
    assert "deploy" not in frontend and "newTaskDefinition" in frontend
    assert "deploy" not in cart and cart["newPlacement"] == [1, 0, 1]
    assert warnings == [
        "service cart is not named in --deploy, but ECS is moving it already (a deployment "
        "in progress): planner models that to its end"
    ]
    steady = _copy(tmp_path)

    def more(d):
        d["services"].append(dict(d["services"][0], serviceName="idle", desiredCount=0))
        d["services"].append(dict(d["services"][0], serviceName="short"))  # runs 0 of 1

    _edit(steady, "services.json", more)
    new = steady / "task-definitions/rj-api-1.json"
    mapping, warnings = import_folder(steady, {"rj-api": str(new)})
    rj, idle, short = mapping["services"]
    assert "deploy" not in rj and idle["deploy"] is False and "deploy" not in short
    assert warnings[-1].startswith(
        "service short is not named in --deploy, but ECS is moving it already (tasks missing)"
    )


def test_without_deploy_the_output_says_every_service_is_force_redeployed(tmp_path):
    folder = _copy(tmp_path)
    res = runner.invoke(app, ["import", str(folder)])
    assert res.exit_code == 0, res.output
    header = [line for line in res.stdout.splitlines() if line.startswith("#")]
    assert header == [
        "# 1 container instance: 1 × t3.small in us-east-1a",
        "# no --deploy: every service is force-redeployed with the revision it runs (as `aws "
        "ecs update-service --force-new-deployment` does), and a deployment in progress runs "
        "to its end; --deploy SERVICE=TASKDEF.json names a revision to roll out instead",
    ]
    assert "note: no --deploy: every service is force-redeployed" in res.stderr
    new = folder / "task-definitions/rj-api-1.json"
    res = runner.invoke(app, ["import", str(folder), "--deploy", f"rj-api={new}"])
    assert "# --deploy: rj-api rolls out the revision given; the other services keep " in (
        res.stdout
    )
    helped = runner.invoke(app, ["import", "--help"], env={"COLUMNS": "200"})
    assert "force-redeployed" in helped.stdout


def _three_instances(d):
    """The seed's instance, a c5.large beside it, and a second t3.small registered as the
    first: the two t3.small are one group."""
    one = d["containerInstances"][0]
    c5, twin = json.loads(json.dumps(one)), json.loads(json.dumps(one))
    c5["containerInstanceArn"] += "c5"
    c5["ec2InstanceId"] = "i-0c5"
    for a in c5["attributes"]:
        if a["name"] == "ecs.instance-type":
            a["value"] = "c5.large"
    twin["containerInstanceArn"] += "twin"
    twin["ec2InstanceId"] = "i-0twin"
    d["containerInstances"] += [c5, twin]


def test_instances_registered_alike_are_one_group_named_by_type_and_zone(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "container-instances.json", _three_instances)
    arn = json.loads((folder / "container-instances.json").read_text())
    twin = arn["containerInstances"][2]["containerInstanceArn"]
    _edit(folder, "tasks.json", lambda d: d["tasks"][0].update(containerInstanceArn=twin))
    mapping, _ = import_folder(folder)
    groups = mapping["cluster"]["instances"]
    assert [(g["name"], g["count"], g["instanceIds"]) for g in groups] == [
        ("t3.small in us-east-1a", 2, ["i-0123456789abcdef0", "i-0twin"]),
        ("c5.large in us-east-1a", 1, ["i-0c5"]),
    ]
    # per instance, in the groups' order: the twin is the second instance now
    assert mapping["services"][0]["placement"] == [0, 1, 0]
    res = runner.invoke(app, ["solve", str(folder)], env={"COLUMNS": "200"})
    assert "cluster: 2 × t3.small in us-east-1a, 1 × c5.large in us-east-1a;" in res.stdout
    assert "i-0twin" not in res.stdout.splitlines()[1]
    data = json.loads(runner.invoke(app, ["solve", str(folder), "--format", "json"]).stdout)
    assert data["instanceIds"] == ["i-0123456789abcdef0", "i-0twin", "i-0c5"]
    assert data["initial"] == [{"service": "rj-api", "instance": 1, "count": 1}]


def test_read_takes_no_more_than_the_limit_and_one_byte(tmp_path, monkeypatch):
    """A huge file is refused having read the limit and one byte, not the whole file."""
    from builders import make_sparse, refused_within

    from planner.inputs import importing

    folder = _copy(tmp_path)
    make_sparse(folder / "tasks.json")
    monkeypatch.setattr(importing, "MAX_BYTES", 1_000)
    tasks = folder / "tasks.json"
    refused_within(lambda: importing._read(tasks), "larger than 1,000 bytes", 1_000_000)


def test_a_task_off_any_instance_that_is_not_on_fargate_is_refused_naming_fargate(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "tasks.json", lambda d: d["tasks"][0].pop("containerInstanceArn"))
    with pytest.raises(PlannerError, match="a task on Fargate says launchType FARGATE"):
        import_folder(folder)
    spot = json.loads((folder / "tasks.json").read_text())["tasks"][0]
    spot.update(capacityProviderName="FARGATE_SPOT", group="service:batch", taskArn="t/2")
    again = _copy(tmp_path / "again")
    _edit(again, "tasks.json", lambda d: d["tasks"].append(spot))
    mapping, warnings = import_folder(again)
    assert warnings == [
        "set aside: 1 Fargate task (of batch): planner models the EC2 container instances, "
        "where Fargate tasks take no room"
    ]
    assert mapping["services"] == import_folder(SEED)[0]["services"]


def test_deploy_of_a_fargate_service_is_refused(tmp_path):
    folder = _copy(tmp_path)

    def fargate(d):
        d["services"].append(
            dict(
                d["services"][0],
                serviceName="spot",
                capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
            )
        )

    _edit(folder, "services.json", fargate)
    with pytest.raises(PlannerError, match="--deploy names spot, which runs on Fargate"):
        import_folder(folder, {"spot": "x.json"})
    _, warnings = import_folder(folder)
    assert warnings == ["set aside: 1 Fargate service (spot): planner models the EC2 container "
                        "instances, where Fargate tasks take no room"]  # fmt: skip


def test_an_external_controller_is_refused_before_its_missing_task_definition(tmp_path):
    """The issue's order: an EXTERNAL service that names its task definition, which the
    export lacks, is refused for the controller, not for the file."""
    folder = _copy(tmp_path)
    _edit(
        folder,
        "services.json",
        lambda d: d["services"][0].update(deploymentController={"type": "EXTERNAL"}),
    )
    (folder / "task-definitions/rj-api-1.json").unlink()
    with pytest.raises(PlannerError, match="EXTERNAL deployment controller"):
        import_folder(folder)


def test_a_plan_at_scale_says_an_imported_groups_zone_once():
    """Plans with many services name where tasks go by type and zone; an imported group's
    name holds its zone already."""
    from types import SimpleNamespace

    from planner.outputs.render import _instance_groups

    result = SimpleNamespace(
        instances=[
            {"type": "m5.large in us-east-1a", "count": 2},
            {"type": "c5.large", "count": 1},
        ],
        zones=["us-east-1a", "us-east-1a", "us-east-1b"],
    )
    assert _instance_groups(result) == [
        "m5.large in us-east-1a",
        "m5.large in us-east-1a",
        "c5.large in us-east-1b",
    ]


def test_instances_of_one_type_and_zone_that_register_a_mib_apart_are_counted_together(
    tmp_path,
):
    """Instances of one type register a few MiB apart (three-zones-mixed shows 7,680 and
    7,681): each keeps its registered memory in its own group, and the header counts
    them together by type and zone."""
    folder = _copy(tmp_path)

    def twin(d):
        one = d["containerInstances"][0]
        two = json.loads(json.dumps(one))
        two["containerInstanceArn"] += "twin"
        two["ec2InstanceId"] = "i-0twin"
        for r in two["registeredResources"]:
            if r["name"] == "MEMORY":
                r["integerValue"] -= 1
        d["containerInstances"].append(two)

    _edit(folder, "container-instances.json", twin)
    groups = import_folder(folder)[0]["cluster"]["instances"]
    assert [(g["name"], g["memory"]) for g in groups] == [
        ("t3.small in us-east-1a", 1907),
        ("t3.small in us-east-1a", 1906),
    ]
    res = runner.invoke(app, ["solve", str(folder)], env={"COLUMNS": "200"})
    assert "cluster: 2 × t3.small in us-east-1a;" in res.stdout
    imported = runner.invoke(app, ["import", str(folder)])
    assert imported.stdout.startswith("# 2 container instances: 2 × t3.small in us-east-1a\n")
