"""Importing the cluster that reacts (planner.inputs.aws.capacity, ROLLOUT.md §10): capacity
providers, their Auto Scaling groups and the instance types these launch, from the AWS CLI's
exports. The fixture is tests/data/exports/capacity-provider (the AWS CLI's published
examples made one cluster; its NOTES.md says how); the variations below edit a copy of it."""

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import PlannerError
from planner.inputs.aws.export import CAPACITY_FILES
from planner.inputs.importing import import_folder, import_notes, scenario_yaml
from planner.inputs.live import CAPACITY_KEYS

EXPORTS = Path(__file__).parent / "data" / "exports"
CP = EXPORTS / "capacity-provider"
IDS = ["i-059ce688e382fedce", "i-08b2483e4af9ed190"]  # us-east-1a, us-east-1b
STRATEGY = [{"capacityProvider": "MyCapacityProvider", "base": 0, "weight": 1}]
PROVIDER = {
    "name": "MyCapacityProvider",
    "autoScalingGroup": {
        "instanceTypes": ["c5.large"],  # launch template Webservers, $Latest = version 3
        "availabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"],
        "minSize": 0,
        "maxSize": 4,
        "group": ["c5.large in us-east-1a", "c5.large in us-east-1b"],
    },
    # as published: no instanceWarmupPeriod (the reader's default, 300 s)
    "managedScaling": {
        "status": "ENABLED",
        "targetCapacity": 100,
        "minimumScalingStepSize": 1,
        "maximumScalingStepSize": 1000,
    },
}
runner = CliRunner()


def _copy(tmp_path: Path, source: Path = CP) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(source, folder)
    return folder


def _edit(folder: Path, name: str, change) -> None:
    data = json.loads((folder / name).read_text())
    change(data)
    (folder / name).write_text(json.dumps(data))


def _group(d) -> dict:
    """auto-scaling-groups.json's MyAutoScalingGroup."""
    return d["AutoScalingGroups"][0]


def _types(folder: Path) -> list[str]:
    [provider] = import_folder(folder)[0]["cluster"]["capacityProviders"]
    return provider["autoScalingGroup"]["instanceTypes"]


def test_the_fixture_imports_field_by_field():
    mapping, warnings = import_folder(CP)
    assert warnings == []
    stuck, _ = import_folder(EXPORTS / "stuck-deployment")
    cluster = mapping["cluster"]
    assert cluster["instances"] == stuck["cluster"]["instances"]  # the same two c5.large
    assert [g["instanceIds"] for g in cluster["instances"]] == [[IDS[0]], [IDS[1]]]
    # the FARGATE providers, the group of launch configuration my-lc and the launch
    # template's other versions are not written
    assert cluster["capacityProviders"] == [PROVIDER]
    assert cluster["defaultCapacityProviderStrategy"] == STRATEGY
    [svc] = mapping["services"]
    assert svc["capacityProviderStrategy"] == STRATEGY
    assert "launchType" not in svc  # a service on a strategy has none (ECS's answer)
    assert svc["deploymentConfiguration"] == {
        "minimumHealthyPercent": 100,
        "maximumPercent": 125,
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
    }
    # everything else as stuck-deployment's
    drop = ("capacityProviderStrategy", "deploymentConfiguration", "launchType")
    assert {k: v for k, v in svc.items() if k not in drop} == {
        k: v for k, v in stuck["services"][0].items() if k not in drop
    }


def test_the_scenario_written_holds_the_providers_in_the_contracts_shape():
    mapping, _ = import_folder(CP)
    notes = import_notes(mapping, None)
    text = scenario_yaml(mapping, notes)
    assert notes[1] == (
        "capacity provider MyCapacityProvider: Auto Scaling group of c5.large in "
        "us-east-1a, us-east-1b, us-east-1c, 2 instances running, at most 4"
    )
    doc = yaml.safe_load(text)
    assert doc == mapping
    assert list(doc["cluster"]) == [
        "instances",
        "agent",
        "capacityProviders",
        "defaultCapacityProviderStrategy",
    ]
    groups = {g["name"] for g in doc["cluster"]["instances"]}
    for provider in doc["cluster"]["capacityProviders"]:
        assert set(provider["autoScalingGroup"]["group"]) <= groups
    assert "&" not in text and "*id" not in text  # no anchors


def test_fields_of_newer_api_versions_are_ignored(tmp_path):
    """The fixture carries someNewField2027 in the cluster, the provider and its
    managedScaling, the group and its instances, the template version: without them, the
    same scenario."""
    folder = _copy(tmp_path)
    for name in CAPACITY_FILES:
        text = (folder / name).read_text()
        doc = json.loads(text)

        def scrub(x):
            if isinstance(x, dict):
                return {k: scrub(v) for k, v in x.items() if k != "someNewField2027"}
            if isinstance(x, list):
                return [scrub(v) for v in x]
            return x

        (folder / name).write_text(json.dumps(scrub(doc)))
    assert "someNewField2027" in (CP / "capacity-providers.json").read_text()
    assert "someNewField2027" not in (folder / "capacity-providers.json").read_text()
    assert import_folder(folder)[0]["cluster"] == import_folder(CP)[0]["cluster"]


def test_a_cluster_without_capacity_providers_needs_none_of_the_files():
    for fixture in ("stuck-deployment", "three-zones-mixed", "mixed-fargate"):
        assert not any((EXPORTS / fixture / f).exists() for f in CAPACITY_FILES)
        mapping, _ = import_folder(EXPORTS / fixture)
        assert set(mapping["cluster"]) == {"instances", "agent"}


def test_a_cluster_that_lists_no_provider_reads_no_other_file(tmp_path):
    """clusters.json without capacity providers: the other files are not read, even
    garbled."""
    folder = _copy(tmp_path)
    _edit(folder, "clusters.json", lambda d: d["clusters"][0].update(
        capacityProviders=[], defaultCapacityProviderStrategy=[]))  # fmt: skip
    _edit(folder, "services.json", lambda d: d["services"][0].pop("capacityProviderStrategy"))
    (folder / "capacity-providers.json").write_text("{not json")
    mapping, warnings = import_folder(folder)
    assert "capacityProviders" not in mapping["cluster"] and warnings == []


def test_without_clusters_json_the_providers_exported_are_written(tmp_path):
    folder = _copy(tmp_path)
    (folder / "clusters.json").unlink()
    mapping, warnings = import_folder(folder)
    assert mapping["cluster"]["capacityProviders"] == [PROVIDER]
    assert "defaultCapacityProviderStrategy" not in mapping["cluster"]
    assert warnings == []  # payments-api names its strategy: the default is not needed
    _edit(folder, "services.json", lambda d: d["services"][0].pop("capacityProviderStrategy"))
    mapping, warnings = import_folder(folder)
    assert mapping["cluster"]["capacityProviders"] == [PROVIDER]
    assert warnings == [
        "clusters.json is missing: the cluster's default capacity provider strategy, which "
        "payments-api takes, is unknown; export `aws ecs describe-clusters` to model it"
    ]


def test_the_launch_template_version_is_the_one_the_group_names(tmp_path):
    folder = _copy(tmp_path)
    assert _types(folder) == ["c5.large"]  # $Latest: version 3, the highest
    for version, kind in (("$Default", "t2.medium"), ("2", "t2.medium"), ("3", "c5.large")):
        _edit(folder, "auto-scaling-groups.json",
              lambda d, v=version: _group(d)["LaunchTemplate"].update(Version=v))  # fmt: skip
        assert _types(folder) == [kind], version
    # no Version: the group launches the default one
    _edit(folder, "auto-scaling-groups.json", lambda d: _group(d)["LaunchTemplate"].pop("Version"))
    assert _types(folder) == ["t2.medium"]
    # named by name alone
    _edit(folder, "auto-scaling-groups.json",
          lambda d: _group(d).update(LaunchTemplate={"LaunchTemplateName": "Webservers",
                                                     "Version": "3"}))  # fmt: skip
    assert _types(folder) == ["c5.large"]


def test_mixed_instances_overrides_give_the_types_in_their_order(tmp_path):
    """The MixedInstancesPolicy of the AWS CLI's update-auto-scaling-group.rst example 3
    (its config.json), as describe-auto-scaling-groups prints it: the overrides' types, each
    in planner's catalog (two of the published ones are not: then replaced by two that
    are)."""
    folder = _copy(tmp_path)
    policy = {
        "LaunchTemplate": {
            "LaunchTemplateSpecification": {
                "LaunchTemplateName": "my-launch-template-for-x86",
                "Version": "$Latest",
            },
            "Overrides": [
                {
                    "InstanceType": "c6g.large",
                    "LaunchTemplateSpecification": {
                        "LaunchTemplateName": "my-launch-template-for-arm",
                        "Version": "$Latest",
                    },
                },
                {"InstanceType": "c5.large"},
                {"InstanceType": "c5a.large"},
            ],
        },
        "InstancesDistribution": {
            "OnDemandPercentageAboveBaseCapacity": 50,
            "SpotAllocationStrategy": "capacity-optimized",
        },
    }

    def mixed(d):
        _group(d).pop("LaunchTemplate", None)
        _group(d)["MixedInstancesPolicy"] = policy

    _edit(folder, "auto-scaling-groups.json", mixed)
    (folder / "launch-template-versions.json").unlink()  # not needed: the overrides say
    # as published: c6g.large, c5.large and c5a.large, all in the catalog
    assert _types(folder) == ["c6g.large", "c5.large", "c5a.large"]
    # a type the catalog lacks (c6gn: a previous generation now) is refused, with the
    # closest type of its own architecture (arm64)
    overrides = policy["LaunchTemplate"]["Overrides"]
    overrides[0]["InstanceType"] = "c6gn.large"
    _edit(folder, "auto-scaling-groups.json", mixed)
    with pytest.raises(PlannerError) as caught:
        import_folder(folder)
    assert str(caught.value).endswith(
        "auto-scaling-groups.json: AutoScalingGroups[0].MixedInstancesPolicy.LaunchTemplate."
        "Overrides[0].InstanceType: the Auto Scaling group MyAutoScalingGroup launches "
        "c6gn.large, which planner's catalog does not list (did you mean c6g.large?): planner "
        "needs each type's CPU units, memory and ENIs (`planner instance-types` lists the "
        "known ones)"
    )
    overrides[0]["InstanceType"], overrides[2]["InstanceType"] = "c7g.large", "c6i.large"
    _edit(folder, "auto-scaling-groups.json", mixed)
    assert _types(folder) == ["c7g.large", "c5.large", "c6i.large"]
    # without overrides, the policy's launch template: Webservers, as the group's own
    policy["LaunchTemplate"] = {
        "LaunchTemplateSpecification": {"LaunchTemplateId": "lt-068f72b72934aff71",
                                        "Version": "2"}}  # fmt: skip
    _edit(folder, "auto-scaling-groups.json", mixed)
    shutil.copy(CP / "launch-template-versions.json", folder)
    assert _types(folder) == ["t2.medium"]


def test_a_launch_configuration_gives_its_type(tmp_path):
    folder = _copy(tmp_path)

    def configured(d):
        del _group(d)["LaunchTemplate"]
        _group(d)["LaunchConfigurationName"] = "my-lc"

    _edit(folder, "auto-scaling-groups.json", configured)
    (folder / "launch-template-versions.json").unlink()
    assert _types(folder) == ["t2.micro"]  # describe-launch-configurations.rst's


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        # a truncated file
        ("clusters.json", None, "not valid JSON"),
        ("auto-scaling-groups.json", None, "not valid JSON"),
        # a missing file that what came before names
        (
            "capacity-providers.json",
            "delete",
            "capacity-providers.json: is missing: service payments-api uses capacity provider "
            "MyCapacityProvider: export `aws ecs describe-capacity-providers "
            "--capacity-providers MyCapacityProvider` (README: Importing a cluster)",
        ),
        (
            "auto-scaling-groups.json",
            "delete",
            "auto-scaling-groups.json: is missing: capacity provider MyCapacityProvider "
            "scales the Auto Scaling group MyAutoScalingGroup: export `aws autoscaling "
            "describe-auto-scaling-groups --auto-scaling-group-names MyAutoScalingGroup`",
        ),
        (
            "launch-template-versions.json",
            "delete",
            "launch-template-versions.json: is missing: the Auto Scaling group "
            "MyAutoScalingGroup launches launch template Webservers (version $Latest): "
            "export `aws ec2 describe-launch-template-versions --launch-template-id "
            "lt-068f72b72934aff71`",
        ),
        # a file that does not hold what is named
        (
            "capacity-providers.json",
            lambda d: d["capacityProviders"][0].update(name="Other"),
            "capacity-providers.json: capacityProviders: does not describe capacity provider "
            "MyCapacityProvider, which service payments-api uses",
        ),
        (
            "auto-scaling-groups.json",
            lambda d: d["AutoScalingGroups"].pop(0),
            "auto-scaling-groups.json: AutoScalingGroups: does not describe the Auto Scaling "
            "group MyAutoScalingGroup of capacity provider MyCapacityProvider",
        ),
        (
            "launch-template-versions.json",
            lambda d: [v.update(LaunchTemplateId="lt-other") for v in d["LaunchTemplateVersions"]],
            "launch-template-versions.json: LaunchTemplateVersions: does not hold version "
            "$Latest of launch template Webservers, which the Auto Scaling group "
            "MyAutoScalingGroup launches: export it with `aws ec2 "
            "describe-launch-template-versions --launch-template-id lt-068f72b72934aff71`",
        ),
        # describe-* could not find one
        (
            "capacity-providers.json",
            lambda d: d.update(
                failures=[{"arn": "arn:...:capacity-provider/x", "reason": "MISSING"}]
            ),  # fmt: skip
            "capacity-providers.json: failures[0]: the export lists failures: "
            "arn:...:capacity-provider/x: MISSING",
        ),
        # garbled values
        (
            "auto-scaling-groups.json",
            lambda d: _group(d).update(MaxSize="four"),
            "auto-scaling-groups.json: AutoScalingGroups[0].MaxSize: expected a whole number "
            "≥ 0, got 'four'",
        ),
        (
            "auto-scaling-groups.json",
            lambda d: _group(d).pop("AvailabilityZones"),
            "auto-scaling-groups.json: AutoScalingGroups[0].AvailabilityZones: is required",
        ),
        (
            "clusters.json",
            lambda d: d["clusters"].append(d["clusters"][0]),
            "clusters.json: clusters: lists 2 clusters: export the one imported",
        ),
        (
            "services.json",
            lambda d: d["services"][0].update(capacityProviderStrategy=["MyCapacityProvider"]),
            "services.json: services[0].capacityProviderStrategy[0]: expected "
            "{capacityProvider, base, weight}",
        ),
        (
            "capacity-providers.json",
            lambda d: d["capacityProviders"][0].pop("autoScalingGroupProvider"),
            "capacity provider MyCapacityProvider, which service payments-api uses, has no "
            "Auto Scaling group",
        ),
        (
            "auto-scaling-groups.json",
            lambda d: _group(d).update(
                LaunchTemplate=None,
                MixedInstancesPolicy={
                    "LaunchTemplate": {
                        "Overrides": [{"InstanceRequirements": {"VCpuCount": {"Min": 2}}}]
                    }
                },
            ),  # fmt: skip
            "AutoScalingGroups[0].MixedInstancesPolicy.LaunchTemplate.Overrides[0]: the Auto "
            "Scaling group MyAutoScalingGroup chooses instance types by attributes",
        ),
        (
            "launch-template-versions.json",
            lambda d: d["LaunchTemplateVersions"][0]["LaunchTemplateData"].update(
                InstanceType="c5.lorge"
            ),
            "LaunchTemplateVersions[0].LaunchTemplateData.InstanceType: the Auto Scaling group "
            "MyAutoScalingGroup launches c5.lorge, which planner's catalog does not list (did "
            "you mean c5.large?)",
        ),
        (
            "launch-template-versions.json",
            lambda d: d["LaunchTemplateVersions"][0]["LaunchTemplateData"].pop("InstanceType"),
            "LaunchTemplateVersions[0].LaunchTemplateData.InstanceType: launch template "
            "Webservers version 3 names no instance type",
        ),
    ],
)
def test_a_missing_or_garbled_file_is_one_sentence(tmp_path, name, change, message):
    folder = _copy(tmp_path)
    if change == "delete":
        (folder / name).unlink()
    elif change is None:
        text = (folder / name).read_text()
        (folder / name).write_text(text[: len(text) // 2])
    else:
        _edit(folder, name, change)
    with pytest.raises(PlannerError) as caught:
        import_folder(folder)
    assert message in str(caught.value)
    assert caught.value.file is not None and Path(caught.value.file).name == name
    res = runner.invoke(app, ["import", str(folder)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert " ".join(message.split()[:4]) in " ".join(res.output.split())


def test_a_missing_launch_configurations_file_is_named(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "auto-scaling-groups.json", lambda d: _group(d).update(
        LaunchTemplate=None, LaunchConfigurationName="my-lc"))  # fmt: skip
    (folder / "launch-configurations.json").unlink()
    with pytest.raises(PlannerError, match=r"launch-configurations.json: is missing: the Auto "
                       r"Scaling group MyAutoScalingGroup launches launch configuration my-lc: "
                       r"export `aws autoscaling describe-launch-configurations "
                       r"--launch-configuration-names my-lc`"):  # fmt: skip
        import_folder(folder)


def test_a_provider_the_cluster_lists_and_no_service_uses_is_left_out_when_unmodelled(tmp_path):
    folder = _copy(tmp_path)

    def second(d):
        d["capacityProviders"].append({"name": "Managed", "status": "ACTIVE"})

    _edit(folder, "capacity-providers.json", second)
    _edit(folder, "clusters.json",
          lambda d: d["clusters"][0]["capacityProviders"].append("Managed"))  # fmt: skip
    mapping, warnings = import_folder(folder)
    assert mapping["cluster"]["capacityProviders"] == [PROVIDER]
    assert warnings == [
        "capacity provider Managed has no Auto Scaling group and no service uses it: left out"
    ]


def test_a_default_strategy_on_fargate_is_not_written(tmp_path):
    folder = _copy(tmp_path)
    fargate = [{"capacityProvider": "FARGATE", "weight": 1}]
    _edit(folder, "clusters.json",
          lambda d: d["clusters"][0].update(defaultCapacityProviderStrategy=fargate))  # fmt: skip
    mapping, warnings = import_folder(folder)
    assert "defaultCapacityProviderStrategy" not in mapping["cluster"]
    assert mapping["cluster"]["capacityProviders"] == [PROVIDER]  # the cluster lists it
    assert warnings == []  # payments-api has its own strategy
    _edit(folder, "services.json", lambda d: d["services"][0].pop("capacityProviderStrategy"))
    _, warnings = import_folder(folder)
    assert warnings == [
        "the cluster's default capacity provider strategy names FARGATE: it is not written, "
        "and payments-api (no strategy or launch type of their own) are judged by where "
        "their tasks run"
    ]


def _add_instance(d, arn_tail: str, ec2_id: str, memory_delta: int = 0) -> None:
    """A copy of the first container instance (c5.large in us-east-1a), named anew."""
    one = json.loads(json.dumps(d["containerInstances"][0]))
    one["containerInstanceArn"] = one["containerInstanceArn"].rsplit("/", 1)[0] + "/" + arn_tail
    one["ec2InstanceId"] = ec2_id
    for r in one["registeredResources"] + one["remainingResources"]:
        if r["name"] == "MEMORY":
            r["integerValue"] += memory_delta
    for r in one["remainingResources"]:
        if r["name"] == "CPU":
            r["integerValue"] = 2048  # no task on it
        if r["name"] == "MEMORY":
            r["integerValue"] = one["registeredResources"][1]["integerValue"]
    d["containerInstances"].append(one)


def test_groups_never_mix_a_providers_instances_with_others(tmp_path):
    """An instance alike in all but its Auto Scaling group is a group of its own; the
    provider's group keeps a name no other group has (a name links every group so named);
    the provider's instances a MiB apart keep one name, listed once."""
    folder = _copy(tmp_path)

    def more(d):
        _add_instance(d, "fixed", "i-0fixed")  # no Auto Scaling group's
        _add_instance(d, "twin", "i-0twin", memory_delta=-1)  # MyAutoScalingGroup's

    _edit(folder, "container-instances.json", more)

    def join(d):
        twin = dict(_group(d)["Instances"][0], InstanceId="i-0twin")
        _group(d)["Instances"].append(twin)

    _edit(folder, "auto-scaling-groups.json", join)
    mapping, _ = import_folder(folder)
    groups = [(g["name"], g["memory"], g["instanceIds"]) for g in mapping["cluster"]["instances"]]
    assert groups == [
        ("c5.large in us-east-1a (2)", 3704, [IDS[0]]),
        ("c5.large in us-east-1b", 3703, [IDS[1]]),
        ("c5.large in us-east-1a", 3704, ["i-0fixed"]),
        ("c5.large in us-east-1a (2)", 3703, ["i-0twin"]),
    ]
    [provider] = mapping["cluster"]["capacityProviders"]
    assert provider["autoScalingGroup"]["group"] == [
        "c5.large in us-east-1a (2)",
        "c5.large in us-east-1b",
    ]
    # placements follow the groups' order
    assert mapping["services"][0]["placement"] == [1, 1, 0, 0]
    # the header counts by type and zone, whatever the names
    notes = import_notes(mapping, None)
    assert (
        notes[0] == "4 container instances: 3 × c5.large in us-east-1a, 1 × c5.large in us-east-1b"
    )


def test_instances_of_the_group_that_are_not_container_instances_are_said(tmp_path):
    folder = _copy(tmp_path)

    def more(d):
        for k, state in enumerate(("InService", "Pending", "Terminating")):
            _group(d)["Instances"].append(
                dict(_group(d)["Instances"][0], InstanceId=f"i-0new{k}", LifecycleState=state)
            )

    _edit(folder, "auto-scaling-groups.json", more)
    mapping, warnings = import_folder(folder)
    assert warnings == [
        "the Auto Scaling group MyAutoScalingGroup (capacity provider MyCapacityProvider) has "
        "2 instances that container-instances.json does not list (i-0new0, i-0new1): they "
        "hold places toward MaxSize 4 but planner counts only the container instances (not "
        "yet registered?)"
    ]
    assert mapping["cluster"]["capacityProviders"] == [PROVIDER]


def test_a_group_with_no_container_instance_runs_none(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "auto-scaling-groups.json", lambda d: _group(d).update(Instances=[]))
    [provider] = import_folder(folder)[0]["cluster"]["capacityProviders"]
    assert provider["autoScalingGroup"] == {
        **{k: v for k, v in PROVIDER["autoScalingGroup"].items() if k != "group"},
        "instances": 0,
    }


def test_live_writes_the_files_the_folder_import_reads():
    assert tuple(CAPACITY_KEYS.values()) == CAPACITY_FILES


# ------------------------------------------------------------------ the scenario written, loaded


def test_the_scenario_written_loads_as_a_cluster_that_reacts(tmp_path):
    """`planner import DIR -o s.yaml` writes what the scenario reader takes: the provider
    with its two running groups, the launch types as groups of count 0, the scaling as
    exported (the warm-up ECS's default), the strategies and the breaker."""
    import planner
    from planner.model.providers import CircuitBreaker, ManagedScaling, StrategyItem

    out = tmp_path / "s.yaml"
    res = runner.invoke(app, ["import", str(CP), "-o", str(out)])
    assert res.exit_code == 0, res.output
    scenario = planner.load_scenario(out)
    [cp] = scenario.capacity_providers
    assert cp.name == "MyCapacityProvider"
    assert [scenario.instance_groups[g].instance_ids for g in cp.groups] == [(IDS[0],), (IDS[1],)]
    assert cp.types == ("c5.large",)
    assert (cp.zones, cp.min_size, cp.max_size) == (
        ("us-east-1a", "us-east-1b", "us-east-1c"), 0, 4)  # fmt: skip
    assert cp.scaling == ManagedScaling("ENABLED", 100, 1, 1000, 300)
    assert scenario.default_strategy == (StrategyItem("MyCapacityProvider", 0, 1),)
    [svc] = scenario.services
    assert svc.capacity_provider_strategy == (StrategyItem("MyCapacityProvider", 0, 1),)
    assert svc.launch_type is None
    assert svc.circuit_breaker == CircuitBreaker(enable=True, rollback=True)
    # the library's path gives the same scenario
    assert planner.import_cluster(CP).capacity_providers == scenario.capacity_providers


def test_the_stuck_deployment_completes_after_one_scale_out():
    """stuck-deployment is stuck on CPU units (each c5.large has 512 of the 1,024 a new task
    needs, and old 2 + new 2 = lower 4: nothing may stop). Behind MyCapacityProvider
    (maxSize 4, two running), ECS grows the group by one c5.large: the rollout completes."""
    import planner

    result = planner.solve(planner.import_cluster(CP), time_limit=20)
    assert (result.verdict, result.reasons) == ("safe", [])
    outcome = result.to_json()["outcome"]
    assert outcome["kind"] == "completes-after-scale-out"
    assert outcome["added"] == [
        {"capacityProvider": "MyCapacityProvider", "type": "c5.large", "count": 1}
    ]
    fixed = planner.solve(planner.import_cluster(EXPORTS / "stuck-deployment"), time_limit=20)
    assert (fixed.verdict, fixed.reasons) == ("hangs", ["cpu"])
