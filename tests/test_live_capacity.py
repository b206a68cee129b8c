"""The live import of a cluster that reacts (planner.inputs.live, ROLLOUT.md §10) against a
moto cluster with a capacity provider: what it reads, that it reads no more, and that it
gives the scenario that the README's AWS CLI export of the same cluster gives. Never AWS.

moto 5 serves EC2 launch templates, Auto Scaling groups, ECS capacity providers and the
cluster's default strategy; it drops a service's ``capacityProviderStrategy`` and
``deploymentConfiguration`` (and gives every service ``launchType: EC2``), so the fixture
sets them on moto's service as ECS keeps them (:func:`_as_ecs_keeps`)."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("boto3", reason="the live import needs boto3: pip install -e '.[dev]'")
pytest.importorskip("moto", reason="the live import's tests need moto: pip install 'moto[ecs,ec2]'")

import boto3  # noqa: E402
import yaml  # noqa: E402
from botocore.stub import Stubber  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.ec2.utils import generate_instance_identity_document  # noqa: E402
from moto.ecs.models import ecs_backends  # noqa: E402
from moto.moto_api import state_manager  # noqa: E402
from test_live import fake_aws  # noqa: E402, F401  (autouse: nothing reaches AWS)
from typer.testing import CliRunner  # noqa: E402

from planner.cli import app  # noqa: E402
from planner.errors import PlannerError  # noqa: E402
from planner.inputs.importing import import_folder  # noqa: E402
from planner.inputs.live import fetch_export, write_export  # noqa: E402

REGION = "us-east-1"
CLUSTER = "prod"
STRATEGY = [{"capacityProvider": "cp-c5", "base": 0, "weight": 1}]
SCALING = {
    "status": "ENABLED",
    "targetCapacity": 100,
    "minimumScalingStepSize": 1,
    "maximumScalingStepSize": 2,
    "instanceWarmupPeriod": 120,
}
BREAKER = {"enable": True, "rollback": True}
README = Path(__file__).resolve().parents[1] / "README.md"
runner = CliRunner()


@pytest.fixture(scope="module")
def moto_cluster():
    """A moto cluster: an Auto Scaling group (launch template ``ecs``, version ``$Latest``
    = 2, c5.xlarge; version 1, the default, c5.large) of 2 instances, MaxSize 4, behind
    capacity provider cp-c5, the cluster's default strategy; one m5.large outside it. api
    (2 tasks, on the group's instances) uses cp-c5 with the circuit breaker on; worker (1
    task, on the m5.large) runs with launch type EC2. Built once (moto takes seconds to
    start EC2): the tests only read it. Yields the group's EC2 ids and the m5.large's."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in [("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY",
                            "testing"), ("AWS_DEFAULT_REGION", REGION)]:  # fmt: skip
            env.setenv(name, value)
        env.delenv("AWS_ENDPOINT_URL_ECS", raising=False)
        env.delenv("AWS_PROFILE", raising=False)
        # moto moves a task RUNNING -> DEACTIVATING -> STOPPING at each describe_tasks
        state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})
        try:
            with mock_aws():
                yield _build()
        finally:
            state_manager.unset_transition("ecs::task")


@pytest.fixture
def reacting(moto_cluster, monkeypatch):
    """:func:`moto_cluster`, with the fake endpoint of ``fake_aws`` lifted: moto answers
    AWS's own endpoints only."""
    monkeypatch.delenv("AWS_ENDPOINT_URL_ECS")
    return moto_cluster


def _register(ecs, instance_id: str) -> str:
    inst = boto3.resource("ec2").Instance(instance_id)
    doc = json.dumps(generate_instance_identity_document(inst))
    answer = ecs.register_container_instance(cluster=CLUSTER, instanceIdentityDocument=doc)
    return answer["containerInstance"]["containerInstanceArn"]


def _build() -> tuple[list[str], str]:
    ec2, asg, ecs = boto3.client("ec2"), boto3.client("autoscaling"), boto3.client("ecs")
    ami = next(i for i in ec2.describe_images()["Images"] if i.get("Platform") != "windows")
    template = ec2.create_launch_template(
        LaunchTemplateName="ecs",
        LaunchTemplateData={"ImageId": ami["ImageId"], "InstanceType": "c5.large"},
    )["LaunchTemplate"]
    ec2.create_launch_template_version(
        LaunchTemplateId=template["LaunchTemplateId"],
        LaunchTemplateData={"ImageId": ami["ImageId"], "InstanceType": "c5.xlarge"},
    )
    asg.create_auto_scaling_group(
        AutoScalingGroupName="ecs-asg",
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"], "Version": "$Latest"},
        MinSize=0,
        MaxSize=4,
        DesiredCapacity=2,
        AvailabilityZones=["us-east-1a", "us-east-1b"],
    )
    [group] = asg.describe_auto_scaling_groups()["AutoScalingGroups"]
    ecs.create_cluster(clusterName=CLUSTER)
    ecs.create_capacity_provider(
        name="cp-c5",
        autoScalingGroupProvider={
            "autoScalingGroupArn": group["AutoScalingGroupARN"],
            "managedScaling": SCALING,
            "managedTerminationProtection": "DISABLED",
        },
    )
    ecs.put_cluster_capacity_providers(
        cluster=CLUSTER, capacityProviders=["cp-c5"], defaultCapacityProviderStrategy=STRATEGY
    )
    in_group = [i["InstanceId"] for i in group["Instances"]]
    [fixed] = boto3.resource("ec2").create_instances(
        ImageId=ami["ImageId"],
        MinCount=1,
        MaxCount=1,
        InstanceType="m5.large",
        Placement={"AvailabilityZone": "us-east-1c"},
    )
    arns = [_register(ecs, i) for i in [*in_group, fixed.id]]

    def taskdef(family: str, cpu: int, memory: int) -> str:
        container = {"name": family, "image": "nginx", "cpu": cpu, "memory": memory}
        return ecs.register_task_definition(
            family=family, networkMode="bridge", containerDefinitions=[container]
        )["taskDefinition"]["taskDefinitionArn"]

    api, worker = taskdef("api", 1024, 2048), taskdef("worker", 512, 1024)
    ecs.create_service(cluster=CLUSTER, serviceName="api", taskDefinition=api, desiredCount=2)
    _as_ecs_keeps("api", capacityProviderStrategy=STRATEGY, deploymentCircuitBreaker=BREAKER)
    ecs.create_service(
        cluster=CLUSTER,
        serviceName="worker",
        taskDefinition=worker,
        desiredCount=1,
        launchType="EC2",
    )
    for name, td, where in [
        ("api", api, arns[0]),
        ("api", api, arns[1]),
        ("worker", worker, arns[2]),
    ]:
        ecs.start_task(
            cluster=CLUSTER,
            taskDefinition=td,
            containerInstances=[where],
            group=f"service:{name}",
            startedBy="ecs-svc/1234567890",
        )
    return in_group, fixed.id


def _as_ecs_keeps(name: str, capacityProviderStrategy, deploymentCircuitBreaker) -> None:
    """What ECS's describe_services gives for a service created with a strategy and a
    breaker, set on moto's service (moto 5.2 drops both): the strategy and no launch type,
    the breaker beside ECS's default percents."""
    service = ecs_backends[DEFAULT_ACCOUNT_ID][REGION].services[f"{CLUSTER}:{name}"]
    service.capacity_provider_strategy = capacityProviderStrategy
    service.launch_type = None
    service.deployment_configuration = {
        "deploymentCircuitBreaker": deploymentCircuitBreaker,
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
    }


def _calls() -> tuple[boto3.Session, list[str]]:
    session = boto3.Session(region_name=REGION)
    calls: list[str] = []
    session.events.register("before-call", lambda model, **_: calls.append(model.name))
    return session, calls


def test_fetch_reads_the_provider_its_group_and_the_version_it_launches(reacting):
    in_group, _ = reacting
    session, calls = _calls()
    export = fetch_export(CLUSTER, session=session)
    [cluster] = export["clusters"]["clusters"]
    assert cluster["capacityProviders"] == ["cp-c5"]
    [provider] = export["capacityProviders"]["capacityProviders"]
    assert provider["autoScalingGroupProvider"]["managedScaling"] == SCALING
    [group] = export["autoScalingGroups"]["AutoScalingGroups"]
    assert sorted(i["InstanceId"] for i in group["Instances"]) == sorted(in_group)
    # only the version the group names ($Latest), not the template's every version
    [version] = export["launchTemplateVersions"]["LaunchTemplateVersions"]
    assert (version["VersionNumber"], version["LaunchTemplateData"]["InstanceType"]) == (
        2,
        "c5.xlarge",
    )
    assert export["launchConfigurations"] == {"LaunchConfigurations": []}
    assert json.loads(json.dumps(export)) == export  # JSON types only
    assert calls[-4:] == [
        "DescribeClusters",
        "DescribeCapacityProviders",
        "DescribeAutoScalingGroups",
        "DescribeLaunchTemplateVersions",  # no launch configuration: no call for one
    ]
    assert all(name.startswith(("List", "Describe")) for name in calls), calls


def test_the_live_import_writes_the_provider_with_the_groups_it_runs(reacting, tmp_path):
    in_group, fixed = reacting
    folder = write_export(fetch_export(CLUSTER, region=REGION), tmp_path / "export")
    mapping, warnings = import_folder(folder)
    assert warnings == []
    groups = mapping["cluster"]["instances"]
    mine = [g for g in groups if set(g["instanceIds"]) <= set(in_group)]
    assert sorted(i for g in mine for i in g["instanceIds"]) == sorted(in_group)
    assert all(g["instanceType"] == "c5.xlarge" for g in mine)
    [other] = [g for g in groups if g not in mine]
    assert other["instanceIds"] == [fixed] and other["instanceType"] == "m5.large"
    assert mapping["cluster"]["capacityProviders"] == [
        {
            "name": "cp-c5",
            "autoScalingGroup": {
                "instanceTypes": ["c5.xlarge"],  # version $Latest's, not the default's
                "availabilityZones": ["us-east-1a", "us-east-1b"],
                "minSize": 0,
                "maxSize": 4,
                "group": [g["name"] for g in mine],
            },
            "managedScaling": SCALING,
        }
    ]
    assert mapping["cluster"]["defaultCapacityProviderStrategy"] == STRATEGY
    services = {s["name"]: s for s in mapping["services"]}
    assert services["api"]["capacityProviderStrategy"] == STRATEGY
    assert "launchType" not in services["api"]
    assert services["api"]["deploymentConfiguration"] == {
        "minimumHealthyPercent": 100,
        "maximumPercent": 200,
        "deploymentCircuitBreaker": BREAKER,
    }
    assert services["worker"]["launchType"] == "EC2"
    assert "capacityProviderStrategy" not in services["worker"]
    order = [i for g in groups for i in g["instanceIds"]]
    assert services["api"]["placement"] == [int(i in in_group) for i in order]


def test_describe_capacity_providers_is_followed_by_its_next_token():
    """botocore has no paginator for it: planner follows nextToken by hand; the chunks'
    failures are merged. A group launched from a launch configuration asks for that."""
    client = boto3.client("ecs", region_name=REGION)
    stub = Stubber(client)
    for op in ("list_services", "list_container_instances", "list_tasks"):
        key = {"list_services": "serviceArns", "list_container_instances":
               "containerInstanceArns", "list_tasks": "taskArns"}[op]  # fmt: skip
        stub.add_response(op, {key: []}, {"cluster": CLUSTER})
    names = [f"cp{k}" for k in range(3)]
    stub.add_response(
        "describe_clusters",
        {"clusters": [{"clusterName": CLUSTER, "capacityProviders": names}], "failures": []},
        {"clusters": [CLUSTER]},
    )
    arn = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/g"
    provider = {"name": "cp0", "autoScalingGroupProvider": {"autoScalingGroupArn": arn}}
    stub.add_response(
        "describe_capacity_providers",
        {"capacityProviders": [provider], "failures": [], "nextToken": "t2"},
        {"capacityProviders": names},
    )
    stub.add_response(
        "describe_capacity_providers",
        {"capacityProviders": [], "failures": [{"arn": "cp2", "reason": "MISSING"}]},
        {"capacityProviders": names, "nextToken": "t2"},
    )
    autoscaling = boto3.client("autoscaling", region_name=REGION)
    asg_stub = Stubber(autoscaling)
    group = {
        "AutoScalingGroupName": "g",
        "MinSize": 0,
        "MaxSize": 2,
        "DesiredCapacity": 0,
        "DefaultCooldown": 300,
        "AvailabilityZones": ["us-east-1a"],
        "HealthCheckType": "EC2",
        "CreatedTime": "2026-01-01T00:00:00Z",
        "LaunchConfigurationName": "lc",
    }
    asg_stub.add_response(
        "describe_auto_scaling_groups", {"AutoScalingGroups": [group]},
        {"AutoScalingGroupNames": ["g"]},
    )  # fmt: skip
    configuration = {
        "LaunchConfigurationName": "lc",
        "ImageId": "ami-1",
        "InstanceType": "m5.large",
        "CreatedTime": "2026-01-01T00:00:00Z",
    }
    asg_stub.add_response(
        "describe_launch_configurations", {"LaunchConfigurations": [configuration]},
        {"LaunchConfigurationNames": ["lc"]},
    )  # fmt: skip

    class Session:
        def client(self, name, **_):
            return {"ecs": client, "autoscaling": autoscaling}.get(name) or boto3.client(
                name, region_name=REGION
            )

    with stub, asg_stub:
        export = fetch_export(CLUSTER, session=Session())
    stub.assert_no_pending_responses()
    asg_stub.assert_no_pending_responses()
    assert export["capacityProviders"] == {
        "capacityProviders": [provider],
        "failures": [{"arn": "cp2", "reason": "MISSING"}],
    }
    assert export["launchConfigurations"]["LaunchConfigurations"][0]["InstanceType"] == "m5.large"
    assert export["launchTemplateVersions"] == {"LaunchTemplateVersions": []}


def test_a_denied_auto_scaling_call_names_its_permission(reacting):
    session = boto3.Session(region_name=REGION)
    real = session.client

    def client(name, **kwargs):
        made = real(name, **kwargs)
        if name == "autoscaling":
            stub = Stubber(made)
            stub.add_client_error("describe_auto_scaling_groups", "AccessDenied", "no")
            stub.activate()
        return made

    session.client = client  # type: ignore[method-assign]
    with pytest.raises(
        PlannerError,
        match=r"AWS denied DescribeAutoScalingGroups on cluster prod in us-east-1: the "
        r"credentials need autoscaling:DescribeAutoScalingGroups",
    ):
        fetch_export(CLUSTER, session=session)


def test_an_unreachable_auto_scaling_endpoint_is_named(reacting, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_AUTO_SCALING", "http://127.0.0.1:9")  # closed
    with pytest.raises(
        PlannerError, match=r"cannot reach Auto Scaling to read cluster prod in us-east-1"
    ):
        fetch_export(CLUSTER, region=REGION)


def test_the_deadline_holds_for_the_auto_scaling_and_ec2_calls_too(reacting):
    """A scripted clock that moves a second a call, with as many seconds as the ECS calls
    take: the read stops at the first call to Auto Scaling, before it is sent."""
    from planner.running.clock import Deadline

    session, calls = _calls()
    fetch_export(CLUSTER, session=session)
    ecs_calls = calls.index("DescribeAutoScalingGroups")
    now = [0.0]
    deadline = Deadline(float(ecs_calls), clock=lambda: now[0])
    session = boto3.Session(region_name=REGION)
    real = session.client
    done: list[str] = []

    def ticking(*args, **kwargs):
        made = real(*args, **kwargs)

        def tick(model, **_):
            done.append(model.name)
            now[0] += 1.0

        made.meta.events.register("after-call", tick)
        return made

    session.client = ticking  # type: ignore[method-assign]
    with pytest.raises(PlannerError, match="the time limit came before cluster prod"):
        fetch_export(CLUSTER, session=session, deadline=deadline)
    assert done == calls[:ecs_calls]  # DescribeAutoScalingGroups was not made


def _readme_script() -> str:
    """The README's AWS CLI export, for cluster prod."""
    text = README.read_text(encoding="utf-8")
    start = text.index("Or export with the AWS CLI into one folder")
    [script] = re.findall(r"```sh\n(.*?)```", text[start:], re.S)[:1]
    assert script.startswith("C=my-cluster;")
    return script.replace("C=my-cluster;", f"C={CLUSTER};", 1)


@pytest.mark.skipif(
    not (shutil.which("aws") and shutil.which("jq") and shutil.which("bash")),
    reason="the README's export needs the AWS CLI, jq and bash",
)
def test_the_readmes_cli_export_gives_the_live_imports_scenario(reacting, tmp_path):
    """The README's export script, run with the AWS CLI against moto's server holding the
    same cluster, and the live read: one scenario (the task definitions' files are named
    alike)."""
    from moto.server import ThreadedMotoServer

    live = write_export(fetch_export(CLUSTER, region=REGION), tmp_path / "live" / "export")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")} | {
            "AWS_ENDPOINT_URL": f"http://{host}:{port}",
            "AWS_PAGER": "",
        }
        (tmp_path / "cli").mkdir()
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", _readme_script()],
            cwd=tmp_path / "cli",
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    cli = tmp_path / "cli" / "export"
    assert sorted(p.name for p in cli.iterdir()) == sorted(p.name for p in live.iterdir())
    from_cli, cli_warnings = import_folder(cli)
    from_live, live_warnings = import_folder(live)
    assert cli_warnings == live_warnings == []
    assert from_cli == from_live  # both folders are named export
    assert from_cli["cluster"]["capacityProviders"][0]["autoScalingGroup"]["instanceTypes"] == [
        "c5.xlarge"
    ]
    # the CLI exports every version of the template; planner takes the one named
    versions = json.loads((cli / "launch-template-versions.json").read_text())
    assert sorted(v["VersionNumber"] for v in versions["LaunchTemplateVersions"]) == [1, 2]


def test_live_import_and_the_folder_export_solve_alike(reacting, tmp_path, monkeypatch):
    """The issue's done-when: `planner import --cluster` of a moto cluster with a capacity
    provider, then `planner solve` of the scenario written, answers as `planner solve DIR`
    on the folder export of the same cluster."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "live.yaml"
    res = runner.invoke(app, ["import", "--cluster", CLUSTER, "--region", REGION, "-o", str(out)])
    assert res.exit_code == 0, res.output
    export = tmp_path / f"ecs-export-{CLUSTER}"
    from_folder, _ = import_folder(export, relative_to=tmp_path)
    assert yaml.safe_load(out.read_text()) == from_folder
    assert from_folder["cluster"]["capacityProviders"]
    solved = runner.invoke(app, ["solve", str(out), "--format", "json"])
    direct = runner.invoke(app, ["solve", str(export), "--format", "json"])
    assert solved.exit_code == direct.exit_code, (solved.output, direct.output)
    a, b = json.loads(solved.stdout), json.loads(direct.stdout)
    for key in ("verdict", "reasons", "outcome", "deadState", "initial", "services", "plan"):
        assert a.get(key) == b.get(key), key
    assert "outcome" in a  # the cluster reacts: the answer says how the rollout ends
