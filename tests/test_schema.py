"""The scenario file's JSON Schema (planner.inputs.schema, `planner schema`).

Checked with an independent JSON Schema validator (jsonschema), as editors and CI use the
schema: every shipped scenario validates; every malformed file of the tests that a schema
can describe is refused; the fields are the reader's.
"""

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import PlannerError
from planner.inputs import loading
from planner.inputs.schema import ScenarioFile, check_document, scenario_schema
from planner.inputs.yamlsafe import load_yaml, load_yaml_text

ROOT = Path(__file__).resolve().parent.parent
BAD = Path(__file__).parent / "data" / "bad"
SHIPPED = sorted(ROOT.glob("scenarios/*/*.yaml")) + sorted((ROOT / "tests/data").glob("*.yaml"))

#: Malformed files whose fault no schema can see: cross-field rules, sums, catalog names,
#: files, units inside a size string, constraints planner does not model yet.
BEYOND_A_SCHEMA = {
    "awsvpc-host-port",  # a hostPort that differs from containerPort in awsvpc mode
    "cpu-fraction-of-unit",  # "0.0001 vCPU": below one unit once converted
    "daemon-code-deploy",  # two fields that ECS refuses together
    "duplicate-host-port",  # the same host port twice in one task
    "duplicate-service-names",
    "dynamic-range-reversed",  # first > last
    "inline-group-vcpu-and-cpu",  # exactly one of two fields
    "member-of",  # a memberOf expression planner cannot evaluate (task:group)
    "member-of-syntax",  # the expression's own grammar
    "zone-and-zones",  # one of two fields
    "ecs-attribute",  # a rule on attribute names
    "instance-ids-count",  # one id per instance (count)
    "instance-id-twice",  # ids unique across groups
    "binpack-field",  # the field allowed depends on the type
    "memory-unit",  # "2 TB": a unit planner does not read
    "missing-desired-count",  # required unless schedulingStrategy is DAEMON
    "placement-length",  # one count per instance
    "placement-sum",  # adds up to desiredCount
    "new-placement-without-placement",  # needs placement beside it
    "new-placement-over-desired",  # at most desiredCount
    "new-placement-static",  # only for a deploying service
    "placement-without-count",
    "step-percent-rolling",  # stepPercent needs strategy LINEAR
    "taskdef-json-malformed",  # the JSON file's content
    "taskdef-json-missing",
    "taskdef-json-no-memory",
    "unknown-instance-type",  # the catalog's names
    "short-taskdef-without-memory",  # memory or memoryReservation
}


@pytest.fixture(scope="module")
def validator():
    schema = scenario_schema()
    Draft202012Validator.check_schema(schema)  # a valid draft 2020-12 schema itself
    return Draft202012Validator(schema)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_scenario_validates(path, validator):
    errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
    assert not errors, [e.message for e in errors]


BAD_SCENARIOS = sorted(BAD.glob("scenario-*.yaml"))


@pytest.mark.parametrize("path", BAD_SCENARIOS, ids=lambda p: p.stem)
def test_malformed_files_are_refused(path, validator):
    """Refused by the schema, unless the fault is one no schema can see; by planner always."""
    with pytest.raises(PlannerError):
        loading.load_scenario(path)
    data = yaml.safe_load(path.read_text())
    refused = not validator.is_valid(data)
    name = path.stem.removeprefix("scenario-")
    # exactly the faults no schema can see get through (the loader's tests word those)
    assert refused != (name in BEYOND_A_SCHEMA), path.name


def test_the_schema_refuses_most_malformed_files(validator):
    refused = [p for p in BAD_SCENARIOS if not validator.is_valid(yaml.safe_load(p.read_text()))]
    assert len(refused) >= len(BAD_SCENARIOS) - len(BEYOND_A_SCHEMA)
    assert len(refused) >= 30


def test_the_reader_has_no_field_list_of_its_own():
    """One set of field names: the models'. The reader keeps none beside them (adding a
    field means touching one model), and the task-definition reader takes the short form's
    from its model."""
    from planner.inputs import schema, taskdef
    from planner.inputs.schema import reacting

    for name in (
        "TOP_FIELDS",
        "CLUSTER_FIELDS",
        "SERVICE_FIELDS",
        "AGENT_FIELDS",
        "DEPLOYMENT_FIELDS",
        "TYPED_GROUP_FIELDS",
        "INLINE_GROUP_FIELDS",
        "LOAD_BALANCER_FIELDS",
    ):
        assert not hasattr(loading, name), name
    assert tuple(loading.TIMING_FIELDS) == tuple(schema.Timing.model_fields)
    flat = set(schema.DeploymentConfiguration.model_fields) - set(schema.NESTED_FORMS)
    assert set(loading.DEPLOYMENT_SETTINGS) == flat
    for model in schema.NESTED_FORMS.values():
        assert set(model.model_fields) <= flat, model
    assert tuple(schema.TaskDefinitionShort.model_fields) == taskdef.SHORT_FORM_FIELDS
    assert tuple(schema.PortMapping.model_fields) == taskdef.PORT_MAPPING_FIELDS
    assert tuple(ScenarioFile.model_fields) == (
        "name",
        "cluster",
        "services",
        "timing",
        "reacting",
        "expect",
    )
    assert tuple(schema.Reacting.model_fields) == tuple(reacting.REACTING_FIELDS)


def test_the_ecs_shapes_are_botocores():
    """The ECS API's fields planner ignores are botocore's, shape by shape."""
    import gzip
    import os

    botocore = pytest.importorskip("botocore")
    from planner.inputs import ecs_shapes

    path = os.path.join(os.path.dirname(botocore.__file__), "data/ecs/2014-11-13")
    found = [f for f in ("service-2.json.gz", "service-2.json") if os.path.exists(f"{path}/{f}")]
    if not found:
        pytest.skip("botocore without its ECS model")
    opener = gzip.open if found[0].endswith(".gz") else open
    with opener(f"{path}/{found[0]}", "rt") as fh:
        shapes = json.load(fh)["shapes"]
    for name, fields in ecs_shapes.SHAPES.items():
        assert set(fields) <= set(shapes[name]["members"]), name


def test_the_gate_reports_file_line_and_field():
    doc = load_yaml_text(
        "cluster:\n  instances: [{type: t3.small, count: 1}]\nservices:\n"
        "  - name: a\n    desiredCount: 1\n    taskDefinition: {cpu: 256, memory: 512}\n"
        "    deploy: 'yes'\n",
        file="s.yaml",
    )
    with pytest.raises(PlannerError) as caught:
        check_document(doc)
    err = caught.value
    assert (err.file, err.line, err.field) == ("s.yaml", 7, "services[0].deploy")
    assert 'got "yes"' in err.message
    doc = load_yaml_text("cluster: {instances: [{type: t3.small}], agnt: {}}\nservices: []\n")
    with pytest.raises(PlannerError, match="unknown field; did you mean agent"):
        check_document(doc)


def test_cli_prints_the_schema(tmp_path):
    res = CliRunner().invoke(app, ["schema"])
    assert res.exit_code == 0
    assert json.loads(res.stdout) == scenario_schema()
    out = tmp_path / "planner-scenario.json"
    assert CliRunner().invoke(app, ["schema", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text())["title"] == "planner scenario"


def test_the_schema_reads_yaml_with_lines():
    doc = load_yaml(ROOT / "scenarios/seed/port-conflict.yaml")
    check_document(doc)  # no error


def test_the_schema_allows_the_readers_words():
    from planner.inputs import schema
    from planner.model import scenario

    def words(model, field):
        prop = model.model_json_schema()["properties"][field]
        for option in prop.get("anyOf", [prop]):
            if "enum" in option:
                return tuple(option["enum"])
        return ()

    assert words(schema.DeploymentConfiguration, "strategy") == scenario.STRATEGIES
    assert words(schema.Service, "schedulingStrategy") == scenario.SCHEDULING
    assert words(schema.Service, "deploymentController") == scenario.CONTROLLERS
    assert words(schema.TaskDefinitionShort, "networkMode") == scenario.NETWORK_MODES
    assert words(schema.PlacementConstraint, "type") == schema.CONSTRAINT_TYPES
    assert words(schema.PlacementStrategy, "type") == scenario.STRATEGY_TYPES


def test_the_schema_allows_the_ecs_apis_own_fields(validator):
    """Editors accept what the loader accepts: an ECS task definition and service pasted
    as the AWS CLI prints them (botocore's examples), but not a typo."""
    import os

    botocore = pytest.importorskip("botocore")
    path = os.path.join(os.path.dirname(botocore.__file__), "data/ecs/2014-11-13/examples-1.json")
    if not os.path.exists(path):
        pytest.skip("botocore without its ECS examples")
    examples = json.loads(Path(path).read_text())["examples"]
    printed = examples["DescribeTaskDefinition"][0]["output"]
    service = examples["DescribeServices"][0]["output"]["services"][0]
    service = {**service, "name": "web", "taskDefinition": printed["taskDefinition"]}
    service["deploymentConfiguration"]["deploymentCircuitBreaker"] = {"enable": True}
    doc = {"cluster": {"instances": [{"type": "t3.medium", "count": 2}]}, "services": [service]}
    errors = [e.message for e in validator.iter_errors(doc)]
    assert not errors
    loading.scenario_from_data(load_yaml_text(json.dumps(doc)))
    service["deploymentConfiguration"]["maximumPercnt"] = 150
    assert not validator.is_valid(doc)


def test_the_schema_describes_the_ecs_nested_strategy_settings(validator):
    """``linearConfiguration`` and ``canaryConfiguration`` as the ECS API nests them: their
    fields, a fractional percent allowed, a typo inside refused."""
    from planner.inputs import schema

    props = schema.DeploymentConfiguration.model_json_schema()
    linear = props["$defs"]["LinearConfiguration"]
    canary = props["$defs"]["CanaryConfiguration"]
    assert tuple(linear["properties"]) == ("stepPercent", "stepBakeTimeInMinutes")
    assert tuple(canary["properties"]) == ("canaryPercent", "canaryBakeTimeInMinutes")
    step = linear["properties"]["stepPercent"]["anyOf"][0]
    assert (step["type"], step["minimum"], step["maximum"]) == ("number", 3, 100)

    def scenario(config):
        service = {"name": "web", "desiredCount": 1, "taskDefinition": {"cpu": 1, "memory": 1}}
        service["deploymentConfiguration"] = config
        return {"cluster": {"instances": [{"type": "t3.small"}]}, "services": [service]}

    nested = {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 12.5}}
    assert not list(validator.iter_errors(scenario(nested)))
    typo = {"strategy": "LINEAR", "linearConfiguration": {"stepPercnt": 12.5}}
    assert list(validator.iter_errors(scenario(typo)))
    low = {"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 0}}
    assert list(validator.iter_errors(scenario(low)))


def test_planner_schema_includes_the_cluster_that_reacts():
    """`planner schema` describes capacity providers, strategies, launchType, the breaker
    and the reacting: settings (ROLLOUT.md §10), each setting said to be one."""
    res = CliRunner().invoke(app, ["schema"])
    printed = json.loads(res.stdout)
    defs = printed["$defs"]
    cluster = defs["Cluster"]["properties"]
    assert {"capacityProviders", "defaultCapacityProviderStrategy"} <= set(cluster)
    assert "clusterArn" in cluster  # describe-clusters' own fields: allowed, ignored
    asg = defs["AutoScalingGroup"]["properties"]
    assert tuple(asg) == (
        "instanceTypes",
        "availabilityZones",
        "minSize",
        "maxSize",
        "instances",
        "group",
    )
    assert defs["AutoScalingGroup"]["required"] == ["instanceTypes", "maxSize"]
    scaling = defs["ManagedScaling"]["properties"]
    assert scaling["targetCapacity"]["anyOf"][0] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
    }
    service = defs["Service"]["properties"]
    assert {"launchType", "capacityProviderStrategy"} <= set(service)
    breaker = defs["CircuitBreaker"]["properties"]
    assert tuple(breaker) == ("enable", "rollback", "thresholdConfiguration", "resetOnHealthyTask")
    read = defs["DeploymentConfiguration"]["properties"]["deploymentCircuitBreaker"]
    assert "ignores" not in json.dumps(read) and "$ref" in json.dumps(read)  # read, not ignored
    assert "ignores" in json.dumps(cluster["clusterArn"])
    reacting = defs["Reacting"]["properties"]
    assert tuple(reacting) == (
        "placementFailuresCount",
        "provisioningWait",
        "placementRetry",
        "instanceLaunch",
    )
    for name, prop in reacting.items():
        assert prop["description"].startswith(("an assumption", "a setting")), name
    assert "reacting" in printed["properties"]


def test_the_schema_allows_the_readers_words_of_the_cluster_that_reacts():
    from planner.inputs import schema
    from planner.model import providers, scenario

    def words(model, field):
        prop = model.model_json_schema()["properties"][field]
        return next(tuple(o["enum"]) for o in prop.get("anyOf", [prop]) if "enum" in o)

    assert words(schema.Service, "launchType") == scenario.LAUNCH_TYPES
    assert words(schema.ManagedScaling, "status") == providers.SCALING_STATUSES
    assert words(schema.ThresholdConfiguration, "type") == providers.THRESHOLD_TYPES


REACTING_SERVICE = {"name": "api", "desiredCount": 1, "taskDefinition": {"cpu": 1, "memory": 1}}
GENERAL = {
    "name": "general",
    "autoScalingGroup": {"instanceTypes": ["m5.large"], "maxSize": 4, "instances": 2},
}


@pytest.mark.parametrize(
    ("cluster", "service", "valid"),
    [
        ({"capacityProviders": [GENERAL]}, {}, True),  # no instances: the provider's
        ({"instances": [], "capacityProviders": [GENERAL]}, {}, True),
        ({}, {}, False),  # neither
        ({"instances": []}, {}, False),
        ({"capacityProviders": ["general"]}, {}, False),  # describe-clusters' names
        ({"capacityProviders": [{**GENERAL, "managedScaling": {"targetCapacity": 0}}]}, {}, False),
        ({"capacityProviders": [{"name": "general"}]}, {}, False),  # no autoScalingGroup
        ({"capacityProviders": [GENERAL]}, {"launchType": "FARGATE"}, False),
        ({"capacityProviders": [GENERAL]}, {"launchType": "EXTERNAL"}, True),
        (
            {"capacityProviders": [GENERAL]},
            {"capacityProviderStrategy": [{"capacityProvider": "general", "wieght": 1}]},
            False,
        ),
        (
            {"capacityProviders": [GENERAL]},
            {
                "deploymentConfiguration": {
                    "deploymentCircuitBreaker": {
                        "enable": True,
                        "thresholdConfiguration": {"type": "COUNT", "value": 5},
                        "resetOnHealthyTask": False,
                    }
                }
            },
            True,
        ),
    ],
)
def test_the_schema_judges_the_cluster_that_reacts_as_the_reader_does(
    cluster, service, valid, validator
):
    doc = {"cluster": cluster, "services": [{**REACTING_SERVICE, **service}]}
    assert validator.is_valid(doc) == valid, list(validator.iter_errors(doc))
    if valid:
        loading.load_scenario(doc)
    else:
        with pytest.raises(PlannerError):
            loading.load_scenario(doc)


def test_the_schema_allows_the_aws_cli_outputs_of_the_cluster_that_reacts(validator):
    """The AWS CLI's own example outputs (tests/data/aws-cli-examples), pasted: a service
    with a strategy and a breaker, a cluster, a capacity provider (its group added)."""
    examples = ROOT / "tests" / "data" / "aws-cli-examples"
    service = json.loads((examples / "update-service-capacity-provider-strategy.json").read_text())
    service = {**service["service"], **REACTING_SERVICE}
    service["capacityProviderStrategy"][0]["capacityProvider"] = "general"
    [cluster] = json.loads((examples / "describe-clusters-capacity-providers.json").read_text())[
        "clusters"
    ]
    provider = json.loads((examples / "describe-capacity-providers.json").read_text())
    provider = {**provider["capacityProviders"][0], "name": "general"}
    provider["autoScalingGroup"] = GENERAL["autoScalingGroup"]
    cluster["capacityProviders"] = [provider]
    doc = {"cluster": cluster, "services": [service]}
    assert not [e.message for e in validator.iter_errors(doc)]
    loading.load_scenario(doc)
