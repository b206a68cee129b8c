"""The live import with boto3 (planner.inputs.live), against moto and botocore's Stubber:
never AWS."""

import json
import sys
from datetime import UTC, datetime

import pytest

pytest.importorskip("boto3", reason="the live import needs boto3: pip install -e '.[dev]'")
pytest.importorskip("moto", reason="the live import's tests need moto: pip install 'moto[ecs,ec2]'")

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.stub import Stubber  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.ec2.utils import generate_instance_identity_document  # noqa: E402
from moto.moto_api import state_manager  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

import planner  # noqa: E402
from planner.cli import app  # noqa: E402
from planner.errors import PlannerError  # noqa: E402
from planner.inputs.importing import import_folder  # noqa: E402
from planner.inputs.live import chunks, fetch_export, write_export  # noqa: E402

REGION = "us-east-1"
CLUSTER = "prod"
ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
IDLE = [f"idle-{k}" for k in range(9)]  # 2 + 9 = 11 services: two describe_services calls
ARN = "arn:aws:ecs:us-east-1:123456789012"


@pytest.fixture(autouse=True)
def fake_aws(monkeypatch, tmp_path):
    """Fake credentials, no profile or config of the machine, and ECS at a dead local port,
    so that nothing a test does can reach AWS."""
    for name in (
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "empty-aws-config"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL_ECS", "http://127.0.0.1:9")  # a net; unset under moto
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")


@pytest.fixture
def cluster(monkeypatch):
    """A moto cluster: 3 c5.xlarge instances (one per zone, the first with a custom
    attribute), services api (2 tasks, static port 8080) and worker (1 task) and 9 idle
    services of a revision no task runs. Yields the instances' EC2 ids."""
    monkeypatch.delenv("AWS_ENDPOINT_URL_ECS")  # moto answers AWS's own endpoints only
    # moto moves a task RUNNING -> DEACTIVATING -> STOPPING at each describe_tasks by default
    state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})
    try:
        with mock_aws():
            yield _build()
    finally:
        state_manager.unset_transition("ecs::task")


def _build() -> list[str]:
    ecs, ec2 = boto3.client("ecs"), boto3.client("ec2")
    ecs.create_cluster(clusterName=CLUSTER)
    ami = next(i for i in ec2.describe_images()["Images"] if i.get("Platform") != "windows")
    ids, arns = [], []
    for zone in ZONES:
        [inst] = boto3.resource("ec2").create_instances(
            ImageId=ami["ImageId"],
            MinCount=1,
            MaxCount=1,
            InstanceType="c5.xlarge",
            Placement={"AvailabilityZone": zone},
        )
        ci = ecs.register_container_instance(
            cluster=CLUSTER,
            instanceIdentityDocument=json.dumps(generate_instance_identity_document(inst)),
            totalResources=[  # moto ignores these: it registers 4096 CPU, 7482 MiB
                {"name": "CPU", "type": "INTEGER", "integerValue": 4096},
                {"name": "MEMORY", "type": "INTEGER", "integerValue": 7000},
                {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ["22"]},
            ],
        )["containerInstance"]
        ids.append(inst.id)
        arns.append(ci["containerInstanceArn"])
    # a full ARN without targetType: moto wants the bare id when targetType is given
    ecs.put_attributes(
        cluster=CLUSTER, attributes=[{"name": "team", "value": "rj", "targetId": arns[0]}]
    )

    def taskdef(family: str, cpu: int, memory: int, host_port: int | None = None) -> str:
        ports = [{"containerPort": 80, "hostPort": host_port}] if host_port is not None else []
        container = {"name": family, "image": "nginx", "cpu": cpu, "memory": memory}
        return ecs.register_task_definition(
            family=family,
            networkMode="bridge",
            containerDefinitions=[{**container, "portMappings": ports}],
        )["taskDefinition"]["taskDefinitionArn"]

    api, worker = taskdef("api", 256, 512, 8080), taskdef("worker", 1024, 2048)
    idle = taskdef("idle", 128, 128)
    for name, td, count in [("api", api, 2), ("worker", worker, 1)] + [(n, idle, 0) for n in IDLE]:
        ecs.create_service(cluster=CLUSTER, serviceName=name, taskDefinition=td, desiredCount=count)
    for name, td, where in [
        ("api", api, arns[0]),
        ("api", api, arns[1]),
        ("worker", worker, arns[2]),
    ]:
        ecs.start_task(
            cluster=CLUSTER,
            taskDefinition=td,
            containerInstances=[where],
            group=f"service:{name}",  # what ECS sets on a service's tasks; moto takes it
            startedBy="ecs-svc/1234567890",
        )
    return ids


def _recording_session() -> tuple[boto3.Session, list[str]]:
    session = boto3.Session(region_name=REGION)
    calls: list[str] = []
    session.events.register("before-call.ecs", lambda model, **_: calls.append(model.name))
    return session, calls


def test_fetch_export_reads_every_service_instance_task_and_revision(cluster):
    session, calls = _recording_session()
    export = fetch_export(CLUSTER, session=session)
    assert set(export) == {
        "services",
        "containerInstances",
        "tasks",
        "taskDefinitions",
        "clusters",  # the cluster that reacts: none here, so empty lists
        "capacityProviders",
        "autoScalingGroups",
        "launchTemplateVersions",
        "launchConfigurations",
    }
    assert [c["clusterName"] for c in export["clusters"]["clusters"]] == [CLUSTER]
    assert export["capacityProviders"] == {"capacityProviders": [], "failures": []}
    assert export["autoScalingGroups"] == {"AutoScalingGroups": []}
    services = export["services"]
    assert services["failures"] == []
    names = sorted(s["serviceName"] for s in services["services"])
    assert names == sorted(["api", "worker", *IDLE])
    instances = export["containerInstances"]
    assert instances["failures"] == []
    assert sorted(ci["ec2InstanceId"] for ci in instances["containerInstances"]) == sorted(cluster)
    tasks = export["tasks"]
    assert tasks["failures"] == [] and len(tasks["tasks"]) == 3
    assert sorted(t["group"] for t in tasks["tasks"]) == ["service:api"] * 2 + ["service:worker"]
    # idle:1 is named by services and deployments only, not by a task
    revisions = [td["taskDefinition"]["taskDefinitionArn"] for td in export["taskDefinitions"]]
    assert sorted(revisions) == [f"{ARN}:task-definition/{f}:1" for f in ("api", "idle", "worker")]
    assert json.loads(json.dumps(export)) == export  # plain JSON types, datetimes as strings
    assert isinstance(instances["containerInstances"][0]["registeredAt"], str)
    assert calls == [
        "ListServices",
        "DescribeServices",  # 10
        "DescribeServices",  # 1
        "ListContainerInstances",
        "DescribeContainerInstances",
        "ListTasks",
        "DescribeTasks",
        *["DescribeTaskDefinition"] * 3,
        "DescribeClusters",  # no capacity provider: no other call
    ]


def test_only_list_and_describe_operations_are_called(cluster):
    session, calls = _recording_session()
    fetch_export(CLUSTER, session=session)
    assert calls and all(name.startswith(("List", "Describe")) for name in calls), calls


def test_chunks_stay_within_the_api_limits():
    assert [len(c) for c in chunks([str(k) for k in range(250)], 100)] == [100, 100, 50]
    assert [len(c) for c in chunks([str(k) for k in range(21)], 10)] == [10, 10, 1]
    assert [len(c) for c in chunks([str(k) for k in range(100)], 100)] == [100]
    assert list(chunks([], 10)) == []
    items = [str(k) for k in range(23)]
    assert [x for c in chunks(items, 10) for x in c] == items


class _OneClient:
    """A session whose every client is the stubbed one."""

    def __init__(self, client):
        self.client_ = client

    def client(self, name, **kwargs):
        return self.client_


def test_pages_are_followed_and_chunks_merged_with_their_failures():
    client = boto3.client("ecs", region_name=REGION)
    stub = Stubber(client)
    td = f"{ARN}:task-definition/api:3"
    svcs = [f"{ARN}:service/{CLUSTER}/s{k}" for k in range(25)]
    tasks = [f"{ARN}:task/{CLUSTER}/t{k}" for k in range(150)]
    when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    def expect(operation: str, response: dict, **params) -> None:
        stub.add_response(operation, response, {"cluster": CLUSTER, **params})

    def service(arn: str) -> dict:
        deployment = {"status": "PRIMARY", "taskDefinition": td}
        name = arn.rsplit("/", 1)[1]
        return {"serviceArn": arn, "serviceName": name, "taskDefinition": td, "createdAt": when,
                "deployments": [deployment]}  # fmt: skip

    expect("list_services", {"serviceArns": svcs[:12], "nextToken": "p2"})
    expect("list_services", {"serviceArns": svcs[12:]}, nextToken="p2")
    for chunk in (svcs[:10], svcs[10:20], svcs[20:]):
        missing = [{"arn": chunk[0], "reason": "MISSING"}] if chunk[0] == svcs[10] else []
        found = [service(a) for a in chunk if not missing or a != chunk[0]]
        expect("describe_services", {"services": found, "failures": missing}, services=chunk)
    expect("list_container_instances", {"containerInstanceArns": []})
    expect("list_tasks", {"taskArns": tasks[:100], "nextToken": "q"})
    expect("list_tasks", {"taskArns": tasks[100:]}, nextToken="q")
    for chunk in (tasks[:100], tasks[100:]):
        described = [{"taskArn": a, "taskDefinitionArn": td} for a in chunk]
        expect("describe_tasks", {"tasks": described, "failures": []}, tasks=chunk)
    stub.add_response(
        "describe_task_definition",
        {"taskDefinition": {"taskDefinitionArn": td, "family": "api", "revision": 3}},
        {"taskDefinition": td},
    )
    stub.add_response(
        "describe_clusters",
        {"clusters": [{"clusterName": CLUSTER}], "failures": []},
        {"clusters": [CLUSTER]},
    )
    with stub:
        export = fetch_export(CLUSTER, session=_OneClient(client))
    stub.assert_no_pending_responses()
    assert len(export["services"]["services"]) == 24
    assert export["services"]["failures"] == [{"arn": svcs[10], "reason": "MISSING"}]
    assert export["services"]["services"][0]["createdAt"] == "2024-05-01T12:00:00+00:00"
    assert [t["taskArn"] for t in export["tasks"]["tasks"]] == tasks
    assert export["containerInstances"] == {"containerInstances": [], "failures": []}
    assert len(export["taskDefinitions"]) == 1  # asked once though named 175 times


def test_an_export_written_imports_and_solves(cluster, tmp_path):
    folder = write_export(fetch_export(CLUSTER, region=REGION), tmp_path / "export")
    assert folder == tmp_path / "export"
    assert sorted(p.name for p in (folder / "task-definitions").iterdir()) == [
        "api-1.json",
        "idle-1.json",
        "worker-1.json",
    ]
    mapping, warnings = import_folder(folder)
    assert warnings == []
    groups = mapping["cluster"]["instances"]  # in ListContainerInstances' order
    order = [g["instanceIds"][0] for g in groups]  # one per zone: a group each
    assert sorted(order) == sorted(cluster)
    for group in groups:
        zone = ZONES[cluster.index(group["instanceIds"][0])]
        assert group == {
            "name": f"c5.xlarge in {zone}",
            "cpu": 4096,  # moto's registration, whatever totalResources says
            "memory": 7482,
            "count": 1,
            "instanceType": "c5.xlarge",
            "enis": 4,  # the catalog's
            "trunkEnis": 20,
            "availabilityZone": zone,
            **({"attributes": {"team": "rj"}} if zone == ZONES[0] else {}),
            "instanceIds": [cluster[ZONES.index(zone)]],
        }
    assert mapping["cluster"]["agent"] == {"reservedPorts": [22, 2375, 2376, 51678, 51679]}
    services = {s["name"]: s for s in mapping["services"]}
    assert sorted(services) == sorted(["api", "worker", *IDLE])
    assert (
        services["api"]
        == {
            "name": "api",
            "desiredCount": 2,
            "taskDefinition": "task-definitions/api-1.json",
            "launchType": "EC2",  # moto's for every service
            "placement": [int(i in cluster[:2]) for i in order],
        }
    )
    assert services["worker"]["placement"] == [int(i == cluster[2]) for i in order]
    assert services["idle-0"]["desiredCount"] == 0

    result = planner.solve(planner.import_cluster(folder))
    # api moves on port 8080 through the third instance: one new task there, one old stops
    assert result.verdict == "safe", (result.verdict, result.reasons)

    out = tmp_path / "cluster.yaml"
    runner = CliRunner()
    imported = runner.invoke(app, ["import", str(folder), "-o", str(out)])
    assert imported.exit_code == 0, imported.output
    solved = runner.invoke(app, ["solve", str(out), "--format", "json"])
    assert json.loads(solved.stdout)["verdict"] == "safe", solved.output


def test_the_live_path_end_to_end(cluster, tmp_path, monkeypatch):
    """`planner import --cluster` and `planner.import_cluster(session)`: the same scenario
    as the folder path, and the same verdict."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    out = tmp_path / "live.yaml"
    res = runner.invoke(app, ["import", "--cluster", CLUSTER, "--region", REGION, "-o", str(out)])
    assert res.exit_code == 0, res.output
    export = tmp_path / f"ecs-export-{CLUSTER}"
    assert (export / "services.json").is_file()
    assert "exports written to" in res.stderr
    from_folder, _ = import_folder(export, relative_to=tmp_path)
    import yaml

    assert yaml.safe_load(out.read_text()) == from_folder
    solved = runner.invoke(app, ["solve", str(out), "--format", "json"])
    assert json.loads(solved.stdout)["verdict"] == "safe", solved.output

    scenario = planner.import_cluster(boto3.Session(region_name=REGION), cluster=CLUSTER)
    assert [s.name for s in scenario.services] == [s["name"] for s in from_folder["services"]]
    assert planner.solve(scenario).verdict == "safe"
    with pytest.raises(PlannerError, match="needs cluster=NAME"):
        planner.import_cluster(boto3.Session(region_name=REGION))
    both = runner.invoke(app, ["import", str(export), "--cluster", CLUSTER])
    assert both.exit_code == 2 and "one of them" in both.stderr


def test_a_cluster_that_does_not_exist_is_named(cluster):
    with pytest.raises(PlannerError, match=r"cluster nope in us-east-1 does not exist"):
        fetch_export("nope", region=REGION)


def test_no_credentials_says_how_to_get_some(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    with pytest.raises(PlannerError, match=r"no AWS credentials to read cluster prod in us-east-1"):
        fetch_export(CLUSTER)


def test_no_region_and_an_unknown_profile_are_named(monkeypatch):
    with pytest.raises(PlannerError, match="AWS profile 'ghost' is not configured"):
        fetch_export(CLUSTER, profile="ghost")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(PlannerError, match="no AWS region to read cluster prod"):
        fetch_export(CLUSTER)


def test_an_unreachable_endpoint_and_a_denied_call_are_one_sentence():
    dead = boto3.client(  # a closed local port
        "ecs",
        region_name=REGION,
        endpoint_url="http://127.0.0.1:9",
        config=Config(retries={"total_max_attempts": 1}),
    )
    with pytest.raises(PlannerError, match=r"cannot reach ECS to read cluster prod in us-east-1"):
        fetch_export(CLUSTER, session=_OneClient(dead))
    client = boto3.client("ecs", region_name=REGION)
    with Stubber(client) as stub:
        stub.add_client_error("list_services", "AccessDeniedException", "not authorized")
        denied = r"AWS denied ListServices on cluster prod in us-east-1.*ecs:List"
        with pytest.raises(PlannerError, match=denied):
            fetch_export(CLUSTER, session=_OneClient(client))


def test_without_boto3_the_extra_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(PlannerError, match=r"pip install 'ecs-rollout-planner\[aws\]'"):
        fetch_export(CLUSTER)


def test_a_task_fetched_without_group_is_its_deployments_service(cluster, tmp_path):
    """A task whose `group` does not name its service (started without one: ECS and moto
    then set `family:NAME`) belongs to the service whose deployment started it (startedBy
    = the deployment's id): not static load, and the service does not run 0 of 1."""
    ecs = boto3.client("ecs")
    arn = ecs.register_task_definition(
        family="cron",
        containerDefinitions=[{"name": "cron", "image": "busybox", "cpu": 128, "memory": 128}],
    )["taskDefinition"]["taskDefinitionArn"]
    service = ecs.create_service(
        cluster=CLUSTER, serviceName="cron", taskDefinition=arn, desiredCount=1
    )["service"]
    [deployment] = service["deployments"]
    instance = ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"][0]
    ecs.start_task(
        cluster=CLUSTER,
        taskDefinition=arn,
        containerInstances=[instance],
        startedBy=deployment["id"],  # no group given
    )
    folder = write_export(fetch_export(CLUSTER, region=REGION), tmp_path / "export")
    tasks = json.loads((folder / "tasks.json").read_text())["tasks"]
    assert [t.get("group") for t in tasks if t["startedBy"] == deployment["id"]] == ["family:cron"]
    mapping, warnings = import_folder(folder)
    assert warnings == []
    cron = next(s for s in mapping["services"] if s["name"] == "cron")
    assert sum(cron["placement"]) == 1 and "newPlacement" not in cron


def test_no_call_to_aws_starts_once_the_deadline_has_passed(cluster):
    """A scripted clock that moves a second a call: with 5 s, the reading stops at the
    call that would start past them, and says so (ECS's many calls all within the limit)."""
    from planner.running.clock import Deadline

    now = [0.0]
    deadline = Deadline(5.0, clock=lambda: now[0])
    calls: list[str] = []
    session = boto3.Session(region_name=REGION)
    real_client = session.client

    def counting_client(*args, **kwargs):
        client = real_client(*args, **kwargs)

        def tick(event_name: str, **_):
            calls.append(event_name)
            now[0] += 1.0

        client.meta.events.register("after-call.ecs", tick)
        return client

    session.client = counting_client  # type: ignore[method-assign]
    with pytest.raises(PlannerError, match="the time limit came before cluster prod"):
        fetch_export(CLUSTER, session=session, deadline=deadline)
    assert len(calls) == 5  # the sixth call would have started at 5 s: it did not
    assert fetch_export(CLUSTER, session=session, deadline=Deadline(10**6))["services"]
