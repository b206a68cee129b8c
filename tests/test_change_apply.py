"""planner/inputs/change/apply.py and loading.py: which services a change deploys, and the
verdicts of the Terraform plans of tests/data/change/terraform/ on small clusters, worked
out by hand."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

import planner
from planner.errors import PlannerError
from planner.inputs.change.apply import apply_changes
from planner.inputs.change.model import Change, Origin, ServiceChange, TaskDefinitionChange

DATA = Path(__file__).parent / "data" / "change"
PLANS = DATA / "terraform"
TWO = DATA / "cluster-two-t3-medium.yaml"
DEMO = DATA / "cluster-demo-web.yaml"


def cluster(path: Path = TWO) -> dict:
    return yaml.safe_load(path.read_text())


def taskdef(family: str, *, mode: str = "bridge", host_port: int = 80) -> TaskDefinitionChange:
    return TaskDefinitionChange(
        family,
        {
            "family": family,
            "networkMode": mode,
            "containerDefinitions": [
                {
                    "name": family,
                    "cpu": 256,
                    "memory": 256,
                    "portMappings": [{"containerPort": 80, "hostPort": host_port}],
                }
            ],
        },
        Origin("change.json", None, f"aws_ecs_task_definition.{family}"),
    )


def service(name: str, td: TaskDefinitionChange | None, **kw) -> ServiceChange:
    fields = kw.pop("fields", {"desiredCount": 2})
    return ServiceChange(
        name, fields, td, kw.pop("action", "update"), Origin("change.json", None, name), **kw
    )


def test_checkov_plan_rolls_out_by_family_and_hangs_on_the_port():
    """checkov's plan registers family `service` (two containers, 20 CPU units, 768 MiB,
    fixed host ports 80 and 443, network mode unknown → bridge). No service in the plan:
    it rolls out on the cluster's service of that family, `service`, 2 tasks on 2 ×
    t3.medium, one on each, holding port 80; minimum 100 %, maximum 200 %.

    By hand: 2 must stay running while a new task starts; a new task needs ports 80 and
    443 free on an instance; each instance has an old task on port 80, and none may stop
    first (2 × 100 % = 2 = all of them) → no first wave: hangs (port). `worker` keeps
    still."""
    scenario, applied = planner.load_change(TWO, PLANS / "checkov-ecs_tfplan.json")
    assert applied.deploying == ["service"]
    assert applied.origins == {
        "service": Origin(
            str(PLANS / "checkov-ecs_tfplan.json"), None, "aws_ecs_task_definition.service"
        )
    }
    assert [s.deploy for s in scenario.services] == [True, False]
    new = scenario.services[0].new_task_definition
    assert (new.cpu, new.memory, new.network_mode, set(new.host_ports)) == (
        20,
        768,
        "bridge",
        {80, 443},
    )
    result = planner.solve(scenario, time_limit=30, workers=1)
    assert (result.verdict, result.reasons) == ("hangs", ["port"])


def test_module_plan_hangs_at_its_final_state():
    """own-module-service-update.json rolls `web` of cluster demo out to a revision with
    fixed host port 80 (512 CPU units, 512 MiB), desired 4, minimum 100 %, maximum 200 %.
    The cluster: 2 × t3.medium (2048 units, 3884 MiB), web's 4 old tasks on dynamic ports,
    2 on each, and worker (256 / 256) on each.

    By hand: port 80 fits once per instance, so at most 2 new tasks ever run on 2
    instances; 4 are wanted → the end state cannot be reached: hangs (final-state, port).
    The circuit breaker (enable, rollback) rolls it back."""
    scenario, applied = planner.load_change(DEMO, PLANS / "own-module-service-update.json")
    assert applied.deploying == ["web"]
    assert applied.skipped == [
        "module.app.aws_ecs_service.legacy: deleted, not a rollout",
        "module.app.aws_ecs_service.worker: no change",
    ]
    assert scenario.name == "demo + own-module-service-update.json"
    web = scenario.services[0]
    assert (web.new_task_definition.host_ports, web.new_task_definition.dynamic_ports) == ((80,), 0)
    assert web.circuit_breaker is not None
    result = planner.solve(scenario, time_limit=30, workers=1)
    assert result.verdict == "hangs"
    assert set(result.reasons) == {"final-state", "port"}
    assert result.outcome["kind"] == "rolls-back"


def test_a_service_on_another_cluster_is_not_this_clusters():
    _, applied = planner.load_change(
        DEMO, PLANS / "own-module-service-update.json", cluster_name="prod"
    )
    assert applied.deploying == []
    assert applied.nothing == "the change touches no service of cluster prod: nothing to deploy"
    assert any("is on cluster demo, not prod" in n for n in applied.notes)


def test_a_new_service_starts_from_zero_tasks():
    td = taskdef("fresh", host_port=8081)
    applied = apply_changes(cluster(), [Change("c.json", "terraform", [service("fresh", td)])])
    fresh = applied.mapping["services"][-1]
    assert fresh["placement"] == [0, 0]
    assert fresh["newPlacement"] == [0, 0]
    assert fresh["desiredCount"] == 2
    assert applied.deploying == ["fresh"]
    # the others keep still
    assert [s.get("deploy") for s in applied.mapping["services"][:2]] == [False, False]
    scenario = planner.load_scenario(applied.mapping)
    assert planner.solve(scenario, time_limit=30, workers=1).verdict == "safe"


def test_a_new_service_needs_its_task_definition_in_the_change():
    with pytest.raises(PlannerError) as exc:
        apply_changes(cluster(), [Change("c.json", "terraform", [service("fresh", None)])])
    assert exc.value.file == "change.json"
    assert "new to the cluster" in exc.value.message


def test_settings_only_change_keeps_the_running_revision():
    sc = service(
        "worker",
        None,
        fields={"desiredCount": 3, "deploymentConfiguration": {"maximumPercent": 150}},
    )
    mapping = cluster()
    mapping["services"][1]["deploymentConfiguration"] = {"minimumHealthyPercent": 50}
    applied = apply_changes(mapping, [Change("c.json", "terraform", [sc])])
    worker = applied.mapping["services"][1]
    assert "newTaskDefinition" not in worker
    assert worker["desiredCount"] == 3
    assert worker["deploymentConfiguration"] == {
        "minimumHealthyPercent": 50,
        "maximumPercent": 150,
    }
    assert applied.mapping["services"][0]["deploy"] is False


def test_network_configuration_on_a_bridge_task_is_refused_naming_the_field():
    sc = service("fresh", taskdef("fresh"), network_configuration="network_configuration")
    with pytest.raises(PlannerError) as exc:
        apply_changes(cluster(), [Change("c.json", "terraform", [sc])])
    assert exc.value.file == "change.json"
    assert exc.value.field == "fresh.network_configuration"
    assert "bridge" in exc.value.message


def test_network_configuration_checked_against_the_running_revision_too():
    """A settings-only change keeps the revision the cluster runs (bridge)."""
    sc = service("worker", None, network_configuration="Properties.NetworkConfiguration")
    with pytest.raises(PlannerError) as exc:
        apply_changes(cluster(), [Change("c.json", "terraform", [sc])], base_dir=DATA)
    assert exc.value.field == "worker.Properties.NetworkConfiguration"


def test_a_bad_task_definition_names_the_change_file():
    td = taskdef("fresh")
    del td.definition["containerDefinitions"][0]["memory"]
    with pytest.raises(PlannerError) as exc:
        apply_changes(cluster(), [Change("c.json", "terraform", [service("fresh", td)])])
    assert exc.value.file == "change.json"
    assert exc.value.field.startswith("aws_ecs_task_definition.fresh.containerDefinitions[0]")


def test_a_family_no_service_runs_is_a_note():
    change = Change("c.json", "terraform", task_definitions=[taskdef("nobody")])
    applied = apply_changes(cluster(), [change])
    assert applied.deploying == []
    assert applied.notes == [
        "change.json (aws_ecs_task_definition.nobody): task definition family nobody: no "
        "service of the cluster runs it"
    ]
    assert applied.nothing is not None


def test_a_service_mid_deployment_is_refused():
    mapping = cluster()
    mapping["services"][0]["newPlacement"] = [1, 0]
    mapping["services"][0]["placement"] = [0, 1]
    with pytest.raises(PlannerError) as exc:
        apply_changes(mapping, [Change("c.json", "terraform", [service("service", taskdef("s"))])])
    assert "mid-deployment" in exc.value.message


def test_capacity_provider_updated_keeps_what_runs_and_a_new_one_adds_instances():
    mapping = cluster()
    mapping["cluster"]["capacityProviders"] = [
        {
            "name": "general",
            "autoScalingGroup": {
                "instanceTypes": ["t3.medium"],
                "maxSize": 4,
                "group": "t3.medium",
            },
        }
    ]
    update = {
        "name": "general",
        "autoScalingGroup": {"instanceTypes": ["t3.large"], "minSize": 1, "maxSize": 8},
        "managedScaling": {"targetCapacity": 90},
    }
    new = {
        "name": "spare",
        "autoScalingGroup": {"instanceTypes": ["m5.large"], "maxSize": 3, "instances": 1},
    }
    change = Change(
        "c.json",
        "terraform",
        capacity_providers=[update, new],
        default_strategy=[{"capacityProvider": "general", "weight": 1}],
    )
    applied = apply_changes(copy.deepcopy(mapping), [change])
    providers = applied.mapping["cluster"]["capacityProviders"]
    assert providers[0] == {
        "name": "general",
        "autoScalingGroup": {
            "instanceTypes": ["t3.large"],
            "minSize": 1,
            "maxSize": 8,
            "group": "t3.medium",
        },
        "managedScaling": {"targetCapacity": 90},
    }
    assert providers[1] == new
    assert applied.mapping["cluster"]["defaultCapacityProviderStrategy"] == [
        {"capacityProvider": "general", "weight": 1}
    ]
    # the new provider's running instance comes after the others: one more zero each
    assert [s["placement"] for s in applied.mapping["services"]] == [[1, 1, 0], [1, 1, 0]]


def test_the_new_service_and_capacity_plan_solves_on_the_small_cluster():
    """own-new-service-capacity.json on 2 × t3.medium: `general` (2 m5.large now, up to
    6, m5.large / m5.xlarge) is added, and `api` (awsvpc, 1024 units / 2048 MiB, 3 tasks,
    distinctInstance, strategy general) starts from zero. By hand: an m5.large takes one
    api task (distinctInstance), 2 run now: the third needs a third instance, which
    managed scaling launches (maxSize 6) → completes after scale-out: safe."""
    scenario, applied = planner.load_change(TWO, PLANS / "own-new-service-capacity.json")
    assert applied.deploying == ["api"]
    assert [p.name for p in scenario.capacity_providers] == ["general"]
    result = planner.solve(scenario, time_limit=60, workers=1)
    assert result.verdict == "safe"
    assert result.outcome["kind"] == "completes-after-scale-out"


EXPORTS = Path(__file__).parent / "data" / "exports"


def _plan_for_rj_api(tmp_path: Path, host_port: int) -> Path:
    """checkov's plan, its task definition made family rj-api (one container: 256 units,
    512 MiB, containerPort 8080 on ``host_port``)."""
    import json

    plan = json.loads((PLANS / "checkov-ecs_tfplan.json").read_text())
    after = plan["resource_changes"][0]["change"]["after"]
    after["family"] = "rj-api"
    after["container_definitions"] = json.dumps(
        [
            {
                "name": "rj-api",
                "cpu": 256,
                "memory": 512,
                "portMappings": [{"containerPort": 8080, "hostPort": host_port}],
            }
        ]
    )
    file = tmp_path / "plan.json"
    file.write_text(json.dumps(plan))
    return file


@pytest.mark.parametrize(("host_port", "verdict"), [(80, "hangs"), (0, "safe")])
def test_an_import_folder_as_the_cluster(tmp_path, host_port, verdict):
    """The seed-port-conflict export: one t3.small (2048 units, 1907 MiB registered),
    rj-api's one task (256 / 512) on fixed host port 80, minimum 100 %, maximum 200 %.
    A revision of family rj-api rolls out on it. By hand: on port 80 the new task cannot
    start beside the old one, which may not stop first → hangs (port); on a dynamic port
    both fit (512 units, 1024 MiB) → the new one starts, then the old one stops: safe."""
    scenario, applied = planner.load_change(
        EXPORTS / "seed-port-conflict", _plan_for_rj_api(tmp_path, host_port)
    )
    assert applied.deploying == ["rj-api"]
    result = planner.solve(scenario, time_limit=30, workers=1)
    assert result.verdict == verdict


def test_the_import_folders_cluster_name_is_checked(tmp_path):
    """The capacity-provider export's clusters.json names cluster payments: a service the
    plan puts on cluster staging is not its."""
    import json

    plan = json.loads((PLANS / "own-module-service-update.json").read_text())
    service = plan["resource_changes"][1]["change"]["after"]
    service["name"] = "payments-api"
    service["cluster"] = "arn:aws:ecs:us-east-1:123456789012:cluster/staging"
    file = tmp_path / "plan.json"
    file.write_text(json.dumps(plan))
    _, applied = planner.load_change(EXPORTS / "capacity-provider", file)
    assert applied.cluster_name == "payments"
    assert applied.deploying == []
    assert applied.nothing == (
        "the change touches no service of cluster payments: nothing to deploy"
    )
    assert (
        f"{file} (module.app.aws_ecs_service.web): service payments-api is on cluster "
        "staging, not payments: not this cluster's"
    ) in applied.notes


def test_a_service_without_a_name_updates_the_one_running_its_family():
    """A CloudFormation service without ServiceName (CDK's usual): CloudFormation generates
    the name, so the change calls it by its logical id; the cluster's service running the
    task definition's family is the one it updates (not a new one started from zero)."""
    sc = service("WebService", taskdef("service", host_port=0), name_generated=True)
    applied = apply_changes(cluster(), [Change("t.yaml", "cloudformation", services=[sc])])
    assert applied.deploying == ["service"]
    assert [s["name"] for s in applied.mapping["services"]] == ["service", "worker"]
    assert any("taken as the cluster's service service" in n for n in applied.notes)


def test_a_service_without_a_name_and_two_of_its_family_is_refused():
    mapping = cluster()
    twin = copy.deepcopy(mapping["services"][0]) | {"name": "service-b"}
    mapping["services"].append(twin)
    sc = service("WebService", taskdef("service"), name_generated=True)
    with pytest.raises(PlannerError, match="service, service-b of the cluster all run task family"):
        apply_changes(mapping, [Change("t.yaml", "cloudformation", services=[sc])])


def test_a_new_service_without_a_count_starts_the_changes_default():
    """CloudFormation starts a new service without DesiredCount at 1 task; Terraform's
    provider at 0."""
    sc = service("api", taskdef("api"), fields={}, new_desired_count=1)
    applied = apply_changes(cluster(), [Change("t.yaml", "cloudformation", services=[sc])])
    assert applied.mapping["services"][-1]["desiredCount"] == 1
    sc = service("api", taskdef("api"), fields={})
    applied = apply_changes(cluster(), [Change("p.json", "terraform", services=[sc])])
    assert applied.mapping["services"][-1]["desiredCount"] == 0


def test_a_new_desired_count_keeps_the_old_tasks_where_they_run():
    """own-desired-count-3.json: service (2 tasks, one per t3.medium, fixed port 80) to 3,
    its new revision on a dynamic port (20 units, 768 MiB). By hand: the 2 old tasks stay
    where they run (no error about placement adding up), bounds 3–6. Each instance has
    3884 − 768 (old service) − 512 (worker, keeping still) = 2604 MiB free: 3 new tasks
    of 768 per instance; 3 start in the first wave, then the old 2 stop: safe."""
    scenario, applied = planner.load_change(TWO, PLANS / "own-desired-count-3.json")
    svc = scenario.services[0]
    assert (svc.desired_count, svc.placement, svc.new_placement) == (3, (1, 1), (0, 0))
    assert planner.solve(scenario, time_limit=30, workers=1).verdict == "safe"


def test_for_each_module_instances_each_roll_out_their_own_task_definition():
    """own-for-each-modules.json: module x["a"] holds service `service` and a small
    revision, x["b"] `worker` and a revision of 1500 units / 3000 MiB. Before the fix both
    services rolled out the first instance's revision (safe). By hand: a t3.medium holds
    768 (service) + 512 (worker) MiB of old tasks, so 3884 − 1280 = 2604 MiB are free, less
    than 3000, and worker (minimum 100 %) may not stop first: hangs."""
    scenario, applied = planner.load_change(TWO, PLANS / "own-for-each-modules.json")
    by_name = {s.name: s for s in scenario.services}
    assert by_name["worker"].new_task_definition.memory == 3000
    assert by_name["service"].new_task_definition.memory != 3000
    assert planner.solve(scenario, time_limit=30, workers=1).verdict == "hangs"


def test_an_empty_list_in_the_plan_removes_what_the_cluster_has():
    """own-constraints-removed.json: the running service's memberOf m5.* (no such instance:
    the cluster alone hangs) is removed by placement_constraints = []: safe."""
    cluster = DATA / "cluster-member-of-m5.yaml"
    assert planner.solve(planner.load_scenario(cluster), time_limit=30).verdict == "hangs"
    scenario, _ = planner.load_change(cluster, PLANS / "own-constraints-removed.json")
    assert scenario.services[0].member_of == ()
    assert planner.solve(scenario, time_limit=30, workers=1).verdict == "safe"


def test_the_cluster_files_expectation_is_not_the_changes():
    mapping = cluster() | {"expect": "hangs"}
    applied = apply_changes(mapping, [Change("p.json", "terraform")])
    assert "expect" not in applied.mapping


def test_a_bad_field_the_change_sets_is_said_at_the_change_not_the_cluster():
    """A strategy naming a capacity provider the cluster does not have: the loader finds it
    in the laid-over mapping; the message names the change file and the service's
    resource, not the cluster file's line."""
    sc = service(
        "service", None, fields={"capacityProviderStrategy": [{"capacityProvider": "nope"}]}
    )
    applied = apply_changes(cluster(), [Change("p.json", "terraform", services=[sc])])
    from planner.inputs.change.loading import apply_read
    from planner.inputs.located import Located

    with pytest.raises(PlannerError) as caught:
        apply_read(
            Located(cluster(), {}, str(TWO)),
            TWO.parent,
            [Change("p.json", "terraform", services=[sc])],
            None,
        )
    err = caught.value
    assert (err.file, err.field) == (
        "change.json",
        "service.capacityProviderStrategy[0].capacityProvider",
    )
    assert "as the change sets it" in err.message
    assert applied.fields_set == {"service": {"capacityProviderStrategy"}}


def test_a_replacement_destroyed_first_frees_the_old_services_tasks():
    """own-replace-destroy-first.json: `service` (2 tasks on port 80, one per instance) is
    replaced by `service-v2`, same task on port 80, Terraform destroying first. By hand:
    once `service` is deleted its tasks are gone, and `service-v2` starts 2 tasks from zero
    on the two free ports: safe. (Kept, the old tasks would hold port 80 on both
    instances: hangs.)"""
    scenario, applied = planner.load_change(TWO, PLANS / "own-replace-destroy-first.json")
    assert [s.name for s in scenario.services] == ["worker", "service-v2"]
    assert any(
        "service service is deleted before service-v2 is created" in n for n in applied.notes
    )
    assert planner.solve(scenario, time_limit=30, workers=1).verdict == "safe"


def test_a_count_alone_scales_the_running_tasks_without_a_new_deployment():
    """own-scale-only.json: only desired_count changes (2 → 3; the plan's other attributes
    are what the cluster has). ECS starts no new deployment: the 2 running tasks stay as
    they are and 1 more starts (the snapshot's pending start, ROLLOUT.md §9). By hand: it
    needs port 80, held on both instances by the running tasks, which do not stop:
    hangs (port). With a new revision (own-desired-count-3.json) the old tasks are
    replaced instead."""
    scenario, _ = planner.load_change(TWO, PLANS / "own-scale-only.json")
    svc = scenario.services[0]
    assert (svc.desired_count, svc.placement, svc.new_placement) == (3, (0, 0), (1, 1))
    result = planner.solve(scenario, time_limit=30, workers=1)
    assert (result.verdict, result.reasons) == ("hangs", ["port"])
