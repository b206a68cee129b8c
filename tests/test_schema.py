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
    assert tuple(ScenarioFile.model_fields) == ("name", "cluster", "services", "timing", "reacting")
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
