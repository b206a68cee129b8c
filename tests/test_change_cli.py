"""``planner solve --change`` and ``planner batch --change``: exit codes, the JSON
``change`` object, the lines after the verdict, and bad input (exit 2, file and field, no
traceback)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app

DATA = Path(__file__).parent / "data" / "change"
PLANS = DATA / "terraform"
TWO = DATA / "cluster-two-t3-medium.yaml"
DEMO = DATA / "cluster-demo-web.yaml"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_solve_change_json_says_what_deploys_and_where_it_is_declared():
    plan = PLANS / "own-module-service-update.json"
    res = run("solve", DEMO, "--change", plan, "--format", "json", "--workers", 1)
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    assert data["verdict"] == "hangs"
    assert data["change"]["files"] == [str(plan)]
    assert data["change"]["deploying"] == ["web"]
    assert data["change"]["origins"] == {
        "web": {"file": str(plan), "line": None, "address": "module.app.aws_ecs_service.web"}
    }
    assert data["change"]["skipped"] == [
        "module.app.aws_ecs_service.legacy: deleted, not a rollout",
        "module.app.aws_ecs_service.worker: no change",
    ]
    assert data["change"]["assumptions"] == []


def test_solve_change_text_keeps_the_verdict_first_and_lists_the_notes():
    plan = PLANS / "checkov-ecs_tfplan.json"
    res = run("solve", TWO, "--change", plan, "--change-format", "terraform", "--workers", 1)
    assert res.exit_code == 1, res.output
    lines = res.stdout.splitlines()
    assert lines[0].lstrip().startswith("HANGS")
    text = " ".join(res.stdout.split())
    assert "deploys service, declared in" in text
    assert "note: aws_ecs_task_definition.service: network_mode unknown until apply" in text


def test_a_change_touching_no_service_exits_0_and_says_so():
    """Nothing to deploy is not a hang: checkov's plan registers family `service`, which
    no service of cluster demo runs (web, worker): exit 0, and the output says so."""
    res = run("solve", DEMO, "--change", PLANS / "checkov-ecs_tfplan.json", "--format", "json")
    assert res.exit_code == 0, res.output
    change = json.loads(res.stdout)["change"]
    assert change["deploying"] == []
    assert change["nothing"] == "the change touches no service of the cluster: nothing to deploy"
    res = run("solve", DEMO, "--change", PLANS / "checkov-ecs_tfplan.json")
    assert res.exit_code == 0
    assert "the change touches no service of the cluster" in " ".join(res.stdout.split())


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("bad-state-show.json", "is a Terraform state, not a plan"),
        ("bad-terraform.tfstate", "is a Terraform state, not a plan"),
        ("bad-binary.tfplan", "terraform show -json PLANFILE > plan.json"),
        (
            "bad-container-definitions.json",
            "aws_ecs_task_definition.service.container_definitions: is not valid JSON",
        ),
        (
            "bad-network-configuration-bridge.json",
            "aws_ecs_service.api.network_configuration: ECS refuses a network configuration",
        ),
    ],
)
def test_bad_changes_exit_2_naming_the_file_and_field(name, words):
    res = run("solve", TWO, "--change", PLANS / name)
    assert res.exit_code == 2, res.output
    said = " ".join(res.output.split())
    assert str(PLANS / name) in said
    assert words in said
    assert "Traceback" not in res.output


def test_an_unknown_change_exits_2_naming_change_format(tmp_path):
    file = tmp_path / "notes.json"
    file.write_text('{"hello": "world"}')
    res = run("solve", TWO, "--change", file)
    assert res.exit_code == 2
    assert "--change-format" in " ".join(res.output.split())


def test_cluster_and_scenario_are_one_or_the_other():
    res = run("solve", TWO, "--cluster", "demo", "--change", PLANS / "checkov-ecs_tfplan.json")
    assert res.exit_code == 2
    assert run("solve").exit_code == 2


def test_parameter_needs_change_and_takes_name_value():
    assert run("solve", TWO, "--parameter", "A=1").exit_code == 2
    res = run("solve", TWO, "--change", PLANS / "checkov-ecs_tfplan.json", "--parameter", "A")
    assert res.exit_code == 2
    assert "Name=Value" in res.output


def test_batch_change_folder_one_row_per_change(tmp_path):
    for name in ("checkov-ecs_tfplan.json", "own-module-service-update.json"):
        shutil.copy(PLANS / name, tmp_path / name)
    (tmp_path / "README.md").write_text("not a change")
    res = run("batch", DEMO, "--change", tmp_path, "--format", "json", "--jobs", 1)
    assert res.exit_code == 1, res.output
    rows = json.loads(res.stdout)["scenarios"]
    assert [Path(r["scenario"]).name for r in rows] == [
        "checkov-ecs_tfplan.json",
        "own-module-service-update.json",
    ]
    assert [r["status"] for r in rows] == ["safe", "hangs"]
    assert [r["change"]["deploying"] for r in rows] == [[], ["web"]]


def test_batch_change_bad_file_is_a_bad_input_row(tmp_path):
    shutil.copy(PLANS / "bad-terraform.tfstate", tmp_path / "state.json")
    res = run("batch", DEMO, "--change", tmp_path, "--format", "json", "--jobs", 1)
    assert res.exit_code == 2
    row = json.loads(res.stdout)["scenarios"][0]
    assert row["status"] == "bad-input"
    assert "is a Terraform state, not a plan" in row["error"]


def test_batch_change_takes_one_cluster():
    res = run("batch", DEMO, TWO, "--change", PLANS / "checkov-ecs_tfplan.json")
    assert res.exit_code == 2
    assert "one cluster" in res.output


def test_a_live_cluster_is_read_as_import_reads_it(monkeypatch):
    """--cluster NAME: the exports fetched (here: the seed-port-conflict export, copied
    where write_export would write; no AWS) and the change laid over them, the cluster's
    name taken from --cluster: a plan's service on another cluster is not its."""
    import planner.inputs.live as live

    seen = {}

    def fetch(cluster, **kw):
        seen["cluster"] = cluster
        return {}

    def write(export, target):
        shutil.copytree(
            Path(__file__).parent / "data" / "exports" / "seed-port-conflict",
            target,
            dirs_exist_ok=True,
        )
        return Path(target)

    monkeypatch.setattr(live, "fetch_export", fetch)
    monkeypatch.setattr(live, "write_export", write)
    plan = PLANS / "own-module-service-update.json"  # service web on cluster demo
    res = run(
        "solve",
        "--cluster",
        "arn:aws:ecs:us-east-1:1:cluster/seed",
        "--change",
        plan,
        "--format",
        "json",
    )
    assert seen == {"cluster": "arn:aws:ecs:us-east-1:1:cluster/seed"}
    assert res.exit_code == 0, res.output
    change = json.loads(res.stdout)["change"]
    assert change["cluster"] == "seed"
    assert change["nothing"] == "the change touches no service of cluster seed: nothing to deploy"


def test_batch_change_text_says_when_a_change_touches_nothing():
    res = run("batch", DEMO, "--change", PLANS / "checkov-ecs_tfplan.json", "--jobs", 1)
    assert res.exit_code == 0, res.output
    assert "the change touches no service of the cluster" in " ".join(res.stdout.split())


def test_a_folder_of_changes_reads_ecspresso_definitions_with_their_config():
    """batch --change FOLDER: the service and task definition files an ecspresso config
    names are part of its change, not rows of their own."""
    from planner.deciding.batch import discover_changes

    folder = DATA / "ecspresso"
    names = {p.name for p in discover_changes([folder])}
    assert "ecspresso.yml" in names
    # tests/data/change/ecspresso/ecspresso.yml names these two; run-with-sv.yaml sv.json, td.json
    assert not names & {"ecs-service-def.json", "ecs-task-def.json", "sv.json", "td.json"}
    assert "td-plain.json" in names  # named by no config: a change of its own


def test_bad_input_in_github_format_is_an_annotation_at_the_change_files_line(tmp_path):
    """--format github: a change ECS would refuse (a network configuration on a bridge-mode
    task) is an ::error at the template's line, so the pull request shows it; exit 2."""
    template = tmp_path / "service.yaml"
    template.write_text(
        "Resources:\n"
        "  TD:\n"
        "    Type: AWS::ECS::TaskDefinition\n"
        "    Properties:\n"
        "      Family: service\n"
        "      NetworkMode: bridge\n"
        "      ContainerDefinitions:\n"
        "        - {Name: web, Memory: 256, PortMappings: [{ContainerPort: 80}]}\n"
        "  Svc:\n"
        "    Type: AWS::ECS::Service\n"
        "    Properties:\n"
        "      ServiceName: service\n"
        "      TaskDefinition: !Ref TD\n"
        "      NetworkConfiguration:\n"
        "        AwsvpcConfiguration: {Subnets: [subnet-1]}\n"
    )
    res = run("solve", TWO, "--change", template, "--format", "github")
    assert res.exit_code == 2
    first = res.stdout.splitlines()[0]
    assert first.startswith(f"::error file={template},line=9,title=planner%3A bad input::")
    assert "ECS refuses a network configuration" in first
