"""GitHub Actions annotations (planner/outputs/github.py): where, which level, the exact
text for a shipped hang, and the Actions toolkit's escaping."""

import shutil
from pathlib import Path

import pytest

import planner
from planner.deciding.batch import batch
from planner.inputs.change.model import Origin
from planner.outputs.github import (
    command,
    escape_data,
    escape_property,
    github_annotations,
    service_origins,
)

ROOT = Path(__file__).resolve().parent.parent
PORT = "scenarios/seed/port-conflict.yaml"
#: ECS's words for seed 2's hang (ROLLOUT.md §5).
PORT_MESSAGE = (
    "[port] service rj-api was unable to place a task because no container instance met all "
    "of its requirements. The closest matching container-instance 0 is already using a port "
    "required by your task."
)


@pytest.fixture(scope="module")
def port_hang():
    import os

    here = os.getcwd()
    os.chdir(ROOT)  # the file as a workflow names it: relative to the checkout
    try:
        return planner.solve(planner.load_scenario(PORT), time_limit=30)
    finally:
        os.chdir(here)


def test_a_shipped_hang_is_one_error_at_the_line_of_its_service(port_hang, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert (ROOT / PORT).read_text().splitlines()[9] == "  - name: rj-api"  # line 10
    assert github_annotations(port_hang) == (
        f"::error file={PORT},line=10,title=planner%3A rj-api hangs [port]::{PORT_MESSAGE}"
        "%0Achecked fix: dynamic host port for rj-api (hostPort 0)\n"
    )


def test_a_verdict_the_gate_lets_through_is_a_warning(port_hang, monkeypatch):
    monkeypatch.chdir(ROOT)
    said = github_annotations(port_hang, fail_on=frozenset({"at-risk"}))
    assert said.startswith(f"::warning file={PORT},line=10,title=")


def test_an_at_risk_names_the_sampled_runs_and_a_safe_one_says_nothing(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = planner.solve(planner.load_scenario("scenarios/examples/at-risk.yaml"))
    [line] = github_annotations(result).splitlines()
    assert line.startswith(
        "::error file=scenarios/examples/at-risk.yaml,line=11,title=planner%3A a can hang "
        "(at-risk) [cpu]::[cpu] service a was unable to place a task"
    )
    assert line.endswith(
        "%0Achecked fix: minimumHealthyPercent 0 (a short outage) for a%0A2 of 100 sampled runs "
        "of ECS's scheduler as configured hang (a sample, not a proof)"
    )
    safe = planner.solve(planner.load_scenario("scenarios/seed/port-conflict-two-instances.yaml"))
    assert github_annotations(safe) == ""


def test_a_changes_origins_win_and_a_plan_without_lines_leads_with_the_address(port_hang):
    at = {"rj-api": Origin("infra/web.template.yaml", 42, "WebService")}
    assert github_annotations(port_hang, at).startswith(
        "::error file=infra/web.template.yaml,line=42,title=planner%3A rj-api hangs [port]::[port]"
    )
    plan = {"rj-api": Origin("plan.json", None, "aws_ecs_service.web")}
    assert github_annotations(port_hang, plan).startswith(
        "::error file=plan.json,title=planner%3A rj-api hangs [port]::aws_ecs_service.web: [port]"
    )


def test_escaping_follows_the_actions_toolkit():
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("a,b: 50%\n") == "a%2Cb%3A 50%25%0A"
    assert command("warning", "x:y,z%", file="dir/a,b.yaml", line=3, title="t: u, v") == (
        "::warning file=dir/a%2Cb.yaml,line=3,title=t%3A u%2C v::x:y,z%25\n"
    )
    assert command("error", "no file") == "::error::no file\n"


def test_origins_of_a_scenario_and_of_an_import_folder():
    found = service_origins(ROOT / "scenarios/examples/at-risk.yaml")
    assert {k: v.line for k, v in found.items()} == {"a": 11, "b": 15}
    export = ROOT / "tests/data/exports/stuck-deployment"
    found = service_origins(export)
    assert found and all(o.file == str(export / "services.json") for o in found.values())
    lines = (export / "services.json").read_text().splitlines()
    for name, origin in found.items():
        assert origin.line is not None and f'"serviceName": "{name}"' in lines[origin.line - 1]
    assert service_origins(None) == {} and service_origins(ROOT / "nope.yaml") == {}


def test_a_batch_annotates_bad_input_and_missed_expectations_not_met_ones(tmp_path):
    from planner.outputs.github import batch_annotations

    shutil.copy(ROOT / PORT, tmp_path / "as-expected.yaml")
    wrong = (ROOT / PORT).read_text().replace("expect: {verdict: hangs", "expect: {verdict: safe")
    (tmp_path / "missed.yaml").write_text(wrong)
    (tmp_path / "bad.yaml").write_text("name: bad\ncluster: {instances: []}\nservices: 4\n")
    result = batch([tmp_path], time_limit=30, jobs=1)
    lines = batch_annotations(result).splitlines()
    assert lines == [
        f"::error file={tmp_path / 'bad.yaml'},line=2,title=planner%3A bad input::"
        f"{tmp_path / 'bad.yaml'}:2: cluster.instances: must list at least one entry, got an "
        "empty list",
        f"::error file={tmp_path / 'missed.yaml'},line=3,title=planner%3A hangs%2C not as the "
        f"file expects::not as the file expects: verdict hangs, expected safe%0A{PORT_MESSAGE}",
    ]
    assert result.exit_code == 2
