"""Scenario files read the cluster that reacts (ROLLOUT.md §10; CONTRACT.md "A cluster
that reacts"): capacity providers and their Auto Scaling groups, capacity provider
strategies, launchType, the deployment circuit breaker and the ``reacting:`` settings;
each refusal of the ECS API as one message with its file, line and field.

The pasted shapes are the AWS CLI's own example outputs (tests/data/aws-cli-examples,
Apache-2.0, see its README). The small scenarios written inline here are self-written:
no public scenario file with capacity providers exists to take them from.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import catalog_group

from planner.errors import PlannerError
from planner.inputs.loading import load_scenario, scenario_from_data
from planner.inputs.yamlsafe import load_yaml_text
from planner.model.providers import (
    CapacityProvider,
    CircuitBreaker,
    ManagedScaling,
    Reacting,
    StrategyItem,
)
from planner.model.scenario import InstanceGroup

REPO = Path(__file__).parent.parent
EXAMPLES = Path(__file__).parent / "data" / "aws-cli-examples"
TD = "{cpu: 256, memory: 512}"


def load(text: str):  # noqa: ANN201
    return scenario_from_data(load_yaml_text(text, file="s.yaml"), base_dir=REPO)


FULL = f"""\
cluster:
  instances:
    - type: m5.large
      count: 2
      availabilityZones: [us-east-1a, us-east-1b]
    - type: c5.large
      count: 1
  capacityProviders:
    - name: general
      autoScalingGroup:
        instanceTypes: [m5.large, m5.xlarge]
        availabilityZones: [us-east-1a, us-east-1b, us-east-1c]
        minSize: 1
        maxSize: 10
        instances: 3
      managedScaling:
        status: ENABLED
        targetCapacity: 90
        minimumScalingStepSize: 2
        maximumScalingStepSize: 5
        instanceWarmupPeriod: 60
    - name: linked
      autoScalingGroup: {{instanceTypes: [m5.large], maxSize: 4, group: m5.large}}
      managedScaling: {{status: DISABLED}}
    - name: listed
      autoScalingGroup: {{instanceTypes: [c5.large], maxSize: 1, group: [c5.large]}}
  defaultCapacityProviderStrategy:
    - {{capacityProvider: general, base: 2, weight: 1}}
    - {{capacityProvider: linked, weight: 3}}
services:
  - name: api
    desiredCount: 2
    taskDefinition: {TD}
    capacityProviderStrategy: [{{capacityProvider: linked, weight: 1}}]
    deploymentConfiguration:
      deploymentCircuitBreaker:
        enable: true
        rollback: true
        thresholdConfiguration: {{type: BOUNDED_PERCENT, value: 25}}
        resetOnHealthyTask: false
  - name: batch
    desiredCount: 1
    taskDefinition: {TD}
    launchType: EC2
  - name: web
    desiredCount: 1
    taskDefinition: {TD}
    capacityProviderStrategy: []
reacting:
  placementFailuresCount: false
  provisioningWait: 600
  placementRetry: 30
  instanceLaunch: 90
"""


def test_every_field_of_the_cluster_that_reacts_is_read() -> None:
    s = load(FULL)
    zones3 = ("us-east-1a", "us-east-1b", "us-east-1c")
    m5 = catalog_group("m5.large", 2, zones=("us-east-1a", "us-east-1b"))
    # instances: 3 adds a group of the first type, named after the provider, last
    added = InstanceGroup(
        "general", m5.cpu, m5.memory, 3, "m5.large", m5.enis, m5.trunk_enis, m5.hourly_usd,
        arch="x86_64", zones=zones3,
    )  # fmt: skip
    assert s.instance_groups == (m5, catalog_group("c5.large", 1), added)
    assert s.capacity_providers == (
        CapacityProvider(
            "general",
            (catalog_group("m5.large", 0), catalog_group("m5.xlarge", 0)),
            zones3,
            1,
            10,
            (2,),
            ManagedScaling("ENABLED", 90, 2, 5, 60),
        ),
        # zones left out: those of the groups it links
        CapacityProvider(
            "linked",
            (catalog_group("m5.large", 0),),
            ("us-east-1a", "us-east-1b"),
            0,
            4,
            (0,),
            ManagedScaling(status="DISABLED"),
        ),
        CapacityProvider("listed", (catalog_group("c5.large", 0),), (), 0, 1, (1,)),
    )
    assert s.default_strategy == (
        StrategyItem("general", base=2, weight=1),
        StrategyItem("linked", base=0, weight=3),
    )
    api, batch, web = s.services
    assert api.capacity_provider_strategy == (StrategyItem("linked", 0, 1),)
    assert api.circuit_breaker == CircuitBreaker(True, True, "BOUNDED_PERCENT", 25, False)
    assert (batch.launch_type, batch.capacity_provider_strategy) == ("EC2", None)
    assert web.capacity_provider_strategy is None  # []: the cluster's default
    assert s.strategy_of(api) == api.capacity_provider_strategy
    assert s.strategy_of(batch) == ()  # a launch type: no strategy
    assert s.strategy_of(web) == s.default_strategy
    assert s.reacting == Reacting(False, 600, 30, 90)
    assert s.reacts


def test_the_defaults_are_the_apis() -> None:
    s = load(
        "cluster:\n  capacityProviders:\n    - name: cp\n"
        "      autoScalingGroup: {instanceTypes: [t3.small], maxSize: 3, instances: 1}\n"
        "services:\n  - name: a\n    desiredCount: 1\n"
        f"    taskDefinition: {TD}\n"
        "    capacityProviderStrategy: [{capacityProvider: cp, weight: 1}]\n"
        "    deploymentConfiguration: {deploymentCircuitBreaker: {enable: true}}\n"
    )
    [cp] = s.capacity_providers
    # managedScaling absent: ENABLED, target 100, steps 1 and 10000, warm-up 300
    assert cp.scaling == ManagedScaling("ENABLED", 100, 1, 10_000, 300)
    assert (cp.min_size, cp.zones) == (0, ())
    assert [(g.name, g.count) for g in s.instance_groups] == [("cp", 1)]  # no cluster.instances
    [svc] = s.services
    # base 0 (the API's default; weight's, 0 too, in the next test)
    assert svc.capacity_provider_strategy == (StrategyItem("cp", 0, 1),)
    assert svc.circuit_breaker == CircuitBreaker(enable=True, rollback=False)
    assert s.reacting == Reacting() and s.default_strategy == ()


def test_without_a_strategy_item_of_weight_the_default_weight_is_refused() -> None:
    """Weight defaults to 0 as in the API, so a strategy of one item without a weight is
    refused: it would take no task."""
    text = (
        "cluster:\n  capacityProviders:\n    - name: cp\n"
        "      autoScalingGroup: {instanceTypes: [t3.small], maxSize: 3, instances: 1}\n"
        f"services:\n  - name: a\n    desiredCount: 1\n    taskDefinition: {TD}\n"
        "    capacityProviderStrategy: [{capacityProvider: cp}]\n"
    )
    with pytest.raises(PlannerError) as info:
        load(text)
    assert info.value.field == "services[0].capacityProviderStrategy"
    assert info.value.message == "at least one item must have a weight greater than 0"
    assert info.value.line == 9


def test_shipped_reacting_scenarios_load() -> None:
    grows = load_scenario(REPO / "scenarios/reacting/full-group-grows.yaml")
    [cp] = grows.capacity_providers
    assert (cp.max_size, cp.groups, cp.types, cp.scales) == (6, (0,), ("m5.large",), True)
    assert grows.instance_groups[0].count == 2
    assert grows.services[0].circuit_breaker == CircuitBreaker(False, False)
    at_max = load_scenario(REPO / "scenarios/reacting/at-max-size.yaml")
    assert at_max.capacity_providers[0].max_size == 2
    assert at_max.services[0].circuit_breaker == CircuitBreaker(True, True)
    zones = load_scenario(REPO / "scenarios/reacting/three-zones.yaml")
    [cp] = zones.capacity_providers
    assert (cp.groups, cp.zones, cp.max_size) == (
        (0,),
        ("us-east-1a", "us-east-1b", "us-east-1c"),
        6,
    )
    assert zones.instance_groups[0].count == 6
    for s in (grows, at_max, zones):
        assert s.strategy_of(s.services[0]) == (StrategyItem("general", 0, 1),)


def test_placement_counts_a_providers_instances_after_cluster_instances() -> None:
    base = (
        "cluster:\n  instances: [{type: t3.small, count: 1}]\n  capacityProviders:\n"
        "    - name: cp\n"
        "      autoScalingGroup: {instanceTypes: [t3.small], maxSize: 3, instances: 2}\n"
        f"services:\n  - name: a\n    desiredCount: 3\n    taskDefinition: {TD}\n"
    )
    s = load(base + "    placement: [1, 1, 1]\n")
    assert s.services[0].placement == (1, 1, 1)
    assert [g.name for g in s.instance_groups] == ["t3.small", "cp"]
    with pytest.raises(PlannerError, match="one count per instance, 3 in file order, got 1"):
        load(base + "    placement: [3]\n")


# --- refusals: one message each, its line marked "#<" -----------------------------------


def _cluster(providers: str, instances: str = "", default: str = "") -> str:
    out = "cluster:\n"
    if instances:
        out += "  instances:\n" + instances
    out += "  capacityProviders:\n" + providers
    if default:
        out += "  defaultCapacityProviderStrategy:\n" + default
    return out


CP = (
    "    - name: general\n"
    "      autoScalingGroup: {instanceTypes: [m5.large], maxSize: 4, instances: 2}\n"
)
ONE_SERVICE = f"services:\n  - name: api\n    desiredCount: 2\n    taskDefinition: {TD}\n"
M5 = "    - {type: m5.large, count: 2}\n"


def _asg(body: str, scaling: str = "") -> str:
    text = "    - name: general\n      autoScalingGroup:\n" + body
    return text + (f"      managedScaling:\n{scaling}" if scaling else "")


ASG = "        instanceTypes: [m5.large]\n        instances: 2\n"


REFUSALS = [
    # a strategy naming a provider the cluster does not have
    (
        _cluster(CP)
        + ONE_SERVICE
        + "    capacityProviderStrategy:\n      - {capacityProvider: spot, weight: 1} #<\n",
        "services[0].capacityProviderStrategy[0].capacityProvider",
        'names capacity provider "spot", which the cluster does not have (it has: general)',
    ),
    (
        _cluster(CP, default="    - {capacityProvider: genral, weight: 1} #<\n") + ONE_SERVICE,
        "cluster.defaultCapacityProviderStrategy[0].capacityProvider",
        'names capacity provider "genral", which the cluster does not have (it has: general)',
    ),
    (  # a name that holds "base": still the name at fault
        _cluster(CP)
        + ONE_SERVICE
        + "    capacityProviderStrategy:\n"
        + "      - {capacityProvider: database, base: 1, weight: 1} #<\n",
        "services[0].capacityProviderStrategy[0].capacityProvider",
        'names capacity provider "database", which the cluster does not have',
    ),
    (
        _cluster(CP)
        + ONE_SERVICE
        + "    capacityProviderStrategy: [{capacityProvider: FARGATE, weight: 1}] #<\n",
        "services[0].capacityProviderStrategy[0].capacityProvider",
        "names capacity provider FARGATE: planner models EC2 container instances only "
        "(Fargate tasks take no room on them)",
    ),
    # every weight 0
    (
        _cluster(CP) + ONE_SERVICE + "    capacityProviderStrategy: #<\n"
        "      - {capacityProvider: general, base: 1, weight: 0}\n",
        "services[0].capacityProviderStrategy",
        "at least one item must have a weight greater than 0",
    ),
    # base on two items
    (
        _cluster(
            CP + "    - name: spare\n      autoScalingGroup: {instanceTypes: [m5.large],"
            " maxSize: 1}\n",
            default="    - {capacityProvider: general, base: 1, weight: 1}\n"
            "    - {capacityProvider: spare, base: 1, weight: 1} #<\n",
        )
        + ONE_SERVICE,
        "cluster.defaultCapacityProviderStrategy[1].base",
        "only one item of a capacity provider strategy may set base",
    ),
    (
        _cluster(CP) + ONE_SERVICE + "    capacityProviderStrategy:\n"
        "      - {capacityProvider: general, weight: 1}\n"
        "      - {capacityProvider: general, weight: 2} #<\n",
        "services[0].capacityProviderStrategy[1].capacityProvider",
        'names capacity provider "general" twice',
    ),
    (
        _cluster(CP)
        + ONE_SERVICE
        + "    capacityProviderStrategy: [{capacityProvider: general, weight: 1001}] #<\n",
        "services[0].capacityProviderStrategy[0].weight",
        "must be a whole number from 0 to 1000, got 1001",
    ),
    # launchType beside capacityProviderStrategy; FARGATE
    (
        _cluster(CP) + ONE_SERVICE + "    launchType: EC2 #<\n"
        "    capacityProviderStrategy: [{capacityProvider: general, weight: 1}]\n",
        "services[0].launchType",
        "launchType and capacityProviderStrategy cannot both be given (the ECS API refuses it)",
    ),
    (
        _cluster(CP) + ONE_SERVICE + "    launchType: FARGATE #<\n",
        "services[0].launchType",
        "FARGATE: planner models EC2 container instances only (Fargate tasks take no room on "
        "them); give EC2 or EXTERNAL, or leave the service out",
    ),
    (
        _cluster(CP) + ONE_SERVICE + "    launchType: ec2 #<\n",
        "services[0].launchType",
        'must be one of EC2, EXTERNAL, got "ec2" (did you mean EC2?)',
    ),
    # a breaker on a deployment it does not apply to
    *[
        (
            _cluster(CP) + ONE_SERVICE + "    deploymentConfiguration:\n"
            f"      strategy: {strategy}\n"
            "      deploymentCircuitBreaker: {enable: true, rollback: true} #<\n",
            "services[0].deploymentConfiguration.deploymentCircuitBreaker.enable",
            "the deployment circuit breaker applies only to ROLLING deployments (BLUE_GREEN, "
            "LINEAR and CANARY roll back on their own; ROLLOUT.md §10)",
        )
        for strategy in ("BLUE_GREEN", "LINEAR", "CANARY")
    ],
    (
        _cluster(CP) + ONE_SERVICE + "    deploymentController: CODE_DEPLOY\n"
        "    deploymentConfiguration:\n"
        "      deploymentCircuitBreaker: {enable: true} #<\n",
        "services[0].deploymentConfiguration.deploymentCircuitBreaker.enable",
        "the deployment circuit breaker applies only to the ECS deployment controller",
    ),
    (
        _cluster(CP) + ONE_SERVICE + "    deploymentConfiguration:\n"
        "      deploymentCircuitBreaker:\n"
        "        enable: true\n"
        "        thresholdConfiguration: {type: COUNT, value: 0.5} #<\n",
        "services[0].deploymentConfiguration.deploymentCircuitBreaker.thresholdConfiguration.value",
        "a COUNT threshold must be a whole number ≥ 1, got 0.5",
    ),
    (
        _cluster(CP) + ONE_SERVICE + "    deploymentConfiguration:\n"
        "      deploymentCircuitBreaker:\n"
        "        thresholdConfiguration: {type: UNBOUNDED_PERCENT, value: 150} #<\n",
        "services[0].deploymentConfiguration.deploymentCircuitBreaker.thresholdConfiguration.value",
        "a percent threshold must be more than 0 and at most 100, got 150",
    ),
    (
        _cluster(CP) + ONE_SERVICE + "    deploymentConfiguration:\n"
        "      deploymentCircuitBreaker:\n"
        "        thresholdConfiguration: {type: PERCENT, value: 10} #<\n",
        "services[0].deploymentConfiguration.deploymentCircuitBreaker.thresholdConfiguration.type",
        'must be one of COUNT, BOUNDED_PERCENT, UNBOUNDED_PERCENT, got "PERCENT"',
    ),
    # the Auto Scaling group's sizes
    (
        _cluster(_asg(ASG + "        minSize: 3\n        maxSize: 2 #<\n")) + ONE_SERVICE,
        "cluster.capacityProviders[0].autoScalingGroup.maxSize",
        "maxSize (2) must be at least minSize (3)",
    ),
    (
        _cluster(
            _asg("        instanceTypes: [m5.large]\n        maxSize: 4\n        instances: 5 #<\n")
        )
        + ONE_SERVICE,
        "cluster.capacityProviders[0].autoScalingGroup.instances",
        "the group runs 5 instances, more than its maxSize 4",
    ),
    (
        _cluster(
            _asg(
                "        instanceTypes: [m5.large]\n        maxSize: 3\n"
                "        group: m5.large #<\n"
            ),
            instances="    - {type: m5.large, count: 4}\n",
        )
        + ONE_SERVICE,
        "cluster.capacityProviders[0].autoScalingGroup.group",
        "the group runs 4 instances, more than its maxSize 3",
    ),
    (  # a field left out: the line of the mapping that lacks it
        _cluster(_asg(ASG).replace("autoScalingGroup:", "autoScalingGroup: #<")) + ONE_SERVICE,
        "cluster.capacityProviders[0].autoScalingGroup.maxSize",
        "is required: the group's MaxSize, which managed scaling never exceeds",
    ),
    # managed scaling
    *[
        (
            _cluster(_asg(ASG + "        maxSize: 4\n", f"        targetCapacity: {v} #<\n"))
            + ONE_SERVICE,
            "cluster.capacityProviders[0].managedScaling.targetCapacity",
            f"must be a whole percent from 1 to 100, got {v}",
        )
        for v in (0, 101)
    ],
    *[
        (
            _cluster(_asg(ASG + "        maxSize: 4\n", f"        {key}: {v} #<\n")) + ONE_SERVICE,
            f"cluster.capacityProviders[0].managedScaling.{key}",
            f"must be a whole number from 1 to 10000, got {v}",
        )
        for key, v in (("minimumScalingStepSize", 0), ("maximumScalingStepSize", 10001))
    ],
    (
        _cluster(
            _asg(
                ASG + "        maxSize: 4\n",
                "        minimumScalingStepSize: 5\n        maximumScalingStepSize: 2 #<\n",
            )
        )
        + ONE_SERVICE,
        "cluster.capacityProviders[0].managedScaling.maximumScalingStepSize",
        "maximumScalingStepSize (2) must be at least minimumScalingStepSize (5)",
    ),
    (
        _cluster(_asg(ASG + "        maxSize: 4\n", "        status: ENABLE #<\n")) + ONE_SERVICE,
        "cluster.capacityProviders[0].managedScaling.status",
        'must be one of ENABLED, DISABLED, got "ENABLE" (did you mean ENABLED?)',
    ),
    # an instance group claimed by two providers; a name no group has
    (
        _cluster(
            "    - name: a\n      autoScalingGroup: {instanceTypes: [m5.large], maxSize: 4,"
            " group: m5.large}\n"
            "    - name: b\n      autoScalingGroup: {instanceTypes: [m5.large], maxSize: 4,\n"
            "                         group: [m5.large]} #<\n",
            instances=M5,
        )
        + ONE_SERVICE,
        "cluster.capacityProviders[1].autoScalingGroup.group[0]",
        'instance group "m5.large" is already the group of capacity provider "a"',
    ),
    (
        _cluster(
            _asg(
                "        instanceTypes: [m5.large]\n        maxSize: 4\n"
                "        group: m5.xlarge #<\n"
            ),
            instances=M5,
        )
        + ONE_SERVICE,
        "cluster.capacityProviders[0].autoScalingGroup.group",
        'no group of cluster.instances is named "m5.xlarge" (its groups: m5.large)',
    ),
    (
        _cluster(_asg(ASG + "        maxSize: 4\n        group: m5.large #<\n"), instances=M5)
        + ONE_SERVICE,
        "cluster.capacityProviders[0].autoScalingGroup.group",
        "give instances (planner adds a group of them) or group (groups of "
        "cluster.instances), not both",
    ),
    # an unknown instance type
    (
        _cluster(_asg("        instanceTypes: [m5.large, m5.larg] #<\n        maxSize: 4\n"))
        + "  instances: [{type: m5.large, count: 1}]\n"
        + ONE_SERVICE,
        "cluster.capacityProviders[0].autoScalingGroup.instanceTypes[1]",
        'unknown instance type "m5.larg"; did you mean m5.large? (`planner instance-types` '
        "lists the",
    ),
    # the providers' names
    (
        _cluster(CP + CP.replace("    - name: general", "    - name: general #<")) + ONE_SERVICE,
        "cluster.capacityProviders[1].name",
        'duplicate capacity provider name "general"; also capacityProviders[0].name (line 3)',
    ),
    (
        _cluster("    - sampleCapacityProvider #<\n", instances=M5) + ONE_SERVICE,
        "cluster.capacityProviders[0]",
        '"sampleCapacityProvider" is a capacity provider\'s name, as describe-clusters prints '
        "it; planner needs the provider: {name: sampleCapacityProvider, autoScalingGroup: "
        "{instanceTypes, maxSize, instances or group}}",
    ),
    (
        _cluster(
            CP + "      autoScalingGroupProvider:\n        managedScaling: {} #<\n"
            "      managedScaling: {}\n"
        )
        + ONE_SERVICE,
        "cluster.capacityProviders[0].autoScalingGroupProvider.managedScaling",
        "give managedScaling or autoScalingGroupProvider.managedScaling (as the ECS API nests "
        "it), not both",
    ),
    # cluster.instances: optional only where a provider runs instances
    (
        _cluster(_asg("        instanceTypes: [m5.large]\n        maxSize: 4\n")).replace(
            "cluster:\n", "cluster: #<\n"
        )
        + ONE_SERVICE,
        "cluster.instances",
        "is required unless a capacity provider runs instances (autoScalingGroup.instances), "
        "and none does",
    ),
    (
        _cluster(
            _asg("        instanceTypes: [m5.large]\n        maxSize: 4\n        instances: 0\n"),
            instances="    [] #<\n",
        ).replace("  instances:\n    [] #<", "  instances: [] #<")
        + ONE_SERVICE,
        "cluster.instances",
        "must list at least one entry unless a capacity provider runs instances "
        "(autoScalingGroup.instances), and none does",
    ),
    # reacting:
    (
        _cluster(CP) + ONE_SERVICE + "reacting:\n  provisioningWait: 0 #<\n",
        "reacting.provisioningWait",
        "must be a whole number ≥ 1, got 0",
    ),
    (
        _cluster(CP) + ONE_SERVICE + "reacting:\n  placementFailuresCount: 'yes' #<\n",
        "reacting.placementFailuresCount",
        'must be true or false, got "yes"',
    ),
    (
        _cluster(CP) + ONE_SERVICE + "reacting:\n  provisioningWiat: 600 #<\n",
        "reacting.provisioningWiat",
        "unknown field; did you mean provisioningWait? allowed here: placementFailuresCount, "
        "provisioningWait, placementRetry, instanceLaunch",
    ),
]


@pytest.mark.parametrize(
    ("text", "field", "message"),
    REFUSALS,
    ids=[f"{k}:{field}" for k, (_, field, _) in enumerate(REFUSALS)],
)
def test_each_refusal_has_its_message_and_line(text: str, field: str, message: str) -> None:
    [line] = [k for k, t in enumerate(text.splitlines(), 1) if t.endswith("#<")]
    with pytest.raises(PlannerError) as info:
        load(text)
    err = info.value
    assert (err.file, err.field) == ("s.yaml", field)
    assert err.message.startswith(message), err.message
    assert err.line == line, text


def test_the_refusals_are_worded_once_in_model_providers() -> None:
    """The file's messages are the dataclasses' (ROLLOUT.md §10's rules, written once in
    planner.model.providers): a provider built in Python gets the same sentence."""
    from planner.model.providers import sizes_problem, step_sizes_problem

    with pytest.raises(PlannerError) as built:
        CapacityProvider("cp", (catalog_group("m5.large", 0),), (), 3, 2)
    assert built.value.message == sizes_problem(3, 2)
    with pytest.raises(PlannerError) as built:
        ManagedScaling(minimum_step=5, maximum_step=2)
    assert built.value.message == step_sizes_problem(5, 2)


# --- pasted as the AWS CLI prints them -----------------------------------------------


def _example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


def _pasted(service: dict, cluster: dict | None = None) -> str:
    service = {**service, "name": service["serviceName"], "taskDefinition": {"cpu": 256,
               "memory": 512}}  # fmt: skip
    cluster = cluster or {
        "capacityProviders": [
            {
                "name": "general",
                "autoScalingGroup": {"instanceTypes": ["m5.large"], "maxSize": 4, "instances": 2},
            }
        ]
    }
    return json.dumps({"cluster": cluster, "services": [service]}, indent=1)


def test_describe_services_strategy_and_breaker_are_read_not_ignored() -> None:
    """update-service's output (real, the AWS CLI's example): its strategy names FARGATE,
    refused with the sentence; on an EC2 provider of the same name it is read, with its
    breaker."""
    service = _example("update-service-capacity-provider-strategy.json")["service"]
    with pytest.raises(PlannerError) as info:
        load(_pasted(service))
    assert info.value.field == "services[0].capacityProviderStrategy[0].capacityProvider"
    assert "planner models EC2 container instances only" in info.value.message
    assert info.value.line
    service["capacityProviderStrategy"][0]["capacityProvider"] = "general"
    s = load(_pasted(service))
    [svc] = s.services
    assert svc.capacity_provider_strategy == (StrategyItem("general", base=0, weight=1),)
    assert svc.circuit_breaker == CircuitBreaker(enable=True, rollback=True)
    ignored = [shown.rsplit(": ", 1)[1] for shown in s.ignored]
    assert "services[0].deployments" in ignored and "services[0].platformVersion" in ignored
    for read in ("capacityProviderStrategy", "deploymentCircuitBreaker", "launchType"):
        assert not any(read in f for f in ignored), read


def test_describe_services_launch_types() -> None:
    ec2 = _example("create-service-ec2-circuit-breaker.json")["service"]
    s = load(_pasted(ec2))
    [svc] = s.services
    assert (svc.launch_type, svc.circuit_breaker) == ("EC2", CircuitBreaker(False, False))
    assert s.strategy_of(svc) == ()
    fargate = _example("update-service-launch-type-fargate.json")["service"]
    with pytest.raises(PlannerError) as info:
        load(_pasted(fargate))
    assert info.value.field == "services[0].launchType"
    assert info.value.message.startswith("FARGATE: planner models EC2 container instances only")


def test_describe_clusters_pasted_as_the_cluster() -> None:
    """describe-clusters prints capacityProviders as names: refused, saying what planner
    needs; with the providers written out, defaultCapacityProviderStrategy ([] there) is
    read and the cluster's other fields are ignored and listed."""
    [printed] = _example("describe-clusters-capacity-providers.json")["clusters"]
    service = {"serviceName": "api", "desiredCount": 1}
    with pytest.raises(PlannerError) as info:
        load(_pasted(service, cluster=printed))
    assert info.value.field == "cluster.capacityProviders[0]"
    assert "is a capacity provider's name, as describe-clusters prints it" in info.value.message
    printed["capacityProviders"] = [
        {
            "name": "sampleCapacityProvider",
            "autoScalingGroup": {"instanceTypes": ["t3.medium"], "maxSize": 3, "instances": 1},
        }
    ]
    s = load(_pasted(service, cluster=printed))
    assert s.default_strategy == () and s.capacity_providers[0].name == "sampleCapacityProvider"
    ignored = [shown.rsplit(": ", 1)[1] for shown in s.ignored]
    assert "cluster.clusterArn" in ignored and "cluster.attachments" in ignored
    printed["defaultCapacityProviderStrategy"] = [
        {"capacityProvider": "sampleCapacityProvider", "weight": 1, "base": 0}
    ]
    s = load(_pasted(service, cluster=printed))
    assert s.default_strategy == (StrategyItem("sampleCapacityProvider", 0, 1),)


def test_describe_capacity_providers_pasted_with_the_group_added() -> None:
    """describe-capacity-providers nests managedScaling in autoScalingGroupProvider: read
    there; the Auto Scaling group (which ECS does not print) is asked for."""
    mine, fargate, _ = _example("describe-capacity-providers.json")["capacityProviders"]
    service = {"serviceName": "api", "desiredCount": 1}
    with pytest.raises(PlannerError) as info:
        load(_pasted(service, cluster={"capacityProviders": [mine]}))
    assert info.value.field == "cluster.capacityProviders[0].autoScalingGroup"
    assert info.value.message.startswith("is required: the Auto Scaling group's instance types")
    mine["autoScalingGroup"] = {"instanceTypes": ["c5.large"], "maxSize": 8, "instances": 2}
    s = load(_pasted(service, cluster={"capacityProviders": [mine]}))
    [cp] = s.capacity_providers
    assert (cp.name, cp.scaling) == ("MyCapacityProvider", ManagedScaling("ENABLED", 100, 1, 1000))
    ignored = [shown.rsplit(": ", 1)[1] for shown in s.ignored]
    assert "cluster.capacityProviders[0].capacityProviderArn" in ignored
    assert "cluster.capacityProviders[0].autoScalingGroupProvider.autoScalingGroupArn" in ignored
    assert fargate["name"] == "FARGATE"  # Fargate's own providers: not an Auto Scaling group
    with pytest.raises(PlannerError, match="is required: the Auto Scaling group's"):
        load(_pasted(service, cluster={"capacityProviders": [fargate]}))
