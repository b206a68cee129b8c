"""CloudFormation and CDK templates laid over a small cluster by the apply step
(planner.load_change) and by ``planner solve --change``: the verdicts worked out by hand
in tests/test_change_cloudformation.py, now through the path a user takes. The clusters
are scenario mappings written here; the templates are the public ones of
tests/data/change/cloudformation/ (NOTES.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import planner
from planner.cli import app
from planner.errors import PlannerError

DATA = Path(__file__).parent / "data" / "change" / "cloudformation"
REFARCH = DATA / "refarch-product-service.yaml"
PATTERNS = DATA / "container-patterns-service-capacity-provider.yml"
WEB = DATA / "container-patterns-web-service-bridge.yml"
CDK = DATA / "cdk-task-definition-without-container-level-memory.template.json"


def _verdict(cluster: dict[str, Any], change: Path, **parameters: str) -> str:
    scenario, applied = planner.load_change(cluster, [change], parameters=parameters)
    assert applied.deploying, applied.notes
    return str(planner.solve(scenario, time_limit=30, workers=1).verdict.value)


def _refarch_cluster(instance: dict[str, Any]) -> dict[str, Any]:
    """The product service as the stack runs it: named by its logical id (the template
    gives no ServiceName), 2 tasks on the one instance."""
    running = {
        "family": "product-service",
        "memory": 128,
        "networkMode": "bridge",
        "portMappings": [{"containerPort": 8001}],
    }
    service = {"name": "Service", "desiredCount": 2, "taskDefinition": running, "placement": [2]}
    return {"cluster": {"instances": [{**instance, "count": 1}]}, "services": [service]}


def test_refarch_through_the_apply_step() -> None:
    """As in test_change_cloudformation.py: safe on a t3.medium, hangs on 300 MiB."""
    assert _verdict(_refarch_cluster({"type": "t3.medium"}), REFARCH) == "safe"
    tiny = {"name": "tiny", "vcpu": 1, "memory": 300}
    assert _verdict(_refarch_cluster(tiny), REFARCH) == "hangs"


def test_cdk_task_definition_rolls_out_on_its_family() -> None:
    """No service in the template: the cluster's service running family ``app`` deploys
    it (the apply step matches the family), with the verdicts worked out by hand."""

    def cluster(desired: int) -> dict[str, Any]:
        running = {"family": "app", "cpu": 256, "memory": 512, "networkMode": "bridge"}
        service = {
            "name": "app-service",
            "desiredCount": desired,
            "taskDefinition": running,
            "placement": [desired],
        }
        return {"cluster": {"instances": [{"type": "t3.small", "count": 1}]}, "services": [service]}

    assert _verdict(cluster(2), CDK) == "safe"
    assert _verdict(cluster(3), CDK) == "hangs"


def _web_cluster(max_size: int) -> dict[str, Any]:
    running = {
        "family": "web",
        "cpu": 256,
        "memory": 512,
        "networkMode": "bridge",
        "portMappings": [{"containerPort": 80}],
    }
    group = {"instanceTypes": ["t3.small"], "maxSize": max_size, "instances": 1}
    return {
        "cluster": {
            "instances": [],
            "capacityProviders": [{"name": "cp-a", "autoScalingGroup": group}],
        },
        "services": [
            {
                "name": "web",
                "desiredCount": 3,
                "taskDefinition": running,
                "capacityProviderStrategy": [{"capacityProvider": "cp-a", "weight": 1}],
                "placement": [3],
            }
        ],
    }


def test_bridge_web_service_on_a_capacity_provider_through_the_apply_step() -> None:
    assert _verdict(_web_cluster(2), WEB, CapacityProvider="cp-a", DesiredCount="3") == "safe"
    assert _verdict(_web_cluster(1), WEB, CapacityProvider="cp-a", DesiredCount="3") == "hangs"


def test_network_configuration_on_bridge_refused_by_the_apply_step_at_the_template(
    tmp_path: Path,
) -> None:
    """ECS refuses a network configuration for a task that is not awsvpc: the
    container-patterns awsvpc service, its NetworkMode changed to bridge (a copy), is
    refused at the service's line, naming NetworkConfiguration."""
    copy = tmp_path / "patterns-bridge.yml"
    copy.write_text(PATTERNS.read_text().replace("NetworkMode: awsvpc", "NetworkMode: bridge"))
    running = {"cpu": 256, "memory": 512, "networkMode": "bridge"}
    service = {"name": "example-service", "desiredCount": 1, "taskDefinition": running}
    cluster = {
        "cluster": {"instances": [{"type": "c5.xlarge", "count": 1}]},
        "services": [{**service, "placement": [1]}],
    }
    with pytest.raises(PlannerError) as caught:
        planner.load_change(cluster, [copy], parameters={"CapacityProvider": "cp-a"})
    error = caught.value
    assert (error.file, error.line) == (str(copy), 81)
    assert error.field == "Service.Properties.NetworkConfiguration"
    assert "only awsvpc takes one" in error.message


# -- the command line ---------------------------------------------------------------------

runner = CliRunner()


def run(*args: object) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def test_solve_change_with_a_parameter_json(tmp_path: Path) -> None:
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(yaml.safe_dump(_web_cluster(1)))
    res = run(
        "solve", cluster, "--change", WEB, "--parameter", "CapacityProvider=cp-a",
        "--parameter", "DesiredCount=3", "--format", "json", "--workers", 1,
    )  # fmt: skip
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    assert data["verdict"] == "hangs"
    assert data["change"]["deploying"] == ["web"]
    assert data["change"]["origins"] == {
        "web": {"file": str(WEB), "line": 88, "address": "Service"}
    }


def test_solve_change_without_a_needed_parameter_exits_2_naming_it(tmp_path: Path) -> None:
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(yaml.safe_dump(_web_cluster(1)))
    res = run("solve", cluster, "--change", WEB, "--workers", 1)
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert f"{WEB}:103" in text
    assert "Resources.Service.Properties.CapacityProviderStrategy[0].CapacityProvider" in text
    assert "pass --parameter CapacityProvider=VALUE" in text
    assert "Traceback" not in res.output


def test_solve_change_github_annotation_at_the_services_line(tmp_path: Path) -> None:
    """What a reviewer sees on the pull request: the error at the line where the template
    declares the service that hangs."""
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(yaml.safe_dump(_web_cluster(1)))
    res = run(
        "solve", cluster, "--change", WEB, "--parameter", "CapacityProvider=cp-a",
        "--parameter", "DesiredCount=3", "--format", "github", "--workers", 1,
    )  # fmt: skip
    assert res.exit_code == 1, res.output
    first = res.stdout.splitlines()[0]
    assert first.startswith(f"::error file={WEB},line=88,title=planner%3A web hangs")
