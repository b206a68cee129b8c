"""The command line: exit codes, JSON fields, errors (CONTRACT.md)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import planner
from planner.cli import app

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "scenarios" / "seed"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize(
    ("name", "code", "verdict"),
    [
        ("port-conflict.yaml", 1, "hangs"),
        ("port-conflict-two-instances.yaml", 0, "safe"),
        ("../examples/at-risk.yaml", 1, "at-risk"),
    ],
)
def test_exit_code_follows_the_verdict(name, code, verdict):
    res = run("solve", SEED / name, "--format", "json")
    assert res.exit_code == code, res.output
    assert json.loads(res.stdout)["verdict"] == verdict


def test_json_has_the_contract_fields():
    res = run("solve", SEED / "port-conflict-two-instances.yaml", "--format", "json")
    data = json.loads(res.stdout)
    for key in (
        "scenario",
        "verdict",
        "instances",
        "services",
        "reasons",
        "initial",
        "plan",
        "estimatedDurationSeconds",
    ):
        assert key in data
    assert data["instances"] == [{"type": "t3.small", "count": 2}]
    assert (
        data["services"][0] | {"name": "rj-api", "desiredCount": 1, "lower": 1, "upper": 2}
        == data["services"][0]
    )
    assert data["initial"] == [{"service": "rj-api", "instance": 0, "count": 1}]
    wave = data["plan"][0]
    assert set(wave) == {"wave", "stop", "start"}
    assert wave["start"] == [{"service": "rj-api", "instance": 1, "count": 1}]


def test_json_of_a_hang_has_the_dead_state():
    res = run("solve", SEED / "port-conflict.yaml", "--format", "json")
    data = json.loads(res.stdout)
    assert "plan" not in data
    assert data["reasons"] == ["port"]
    [svc] = data["deadState"]["services"]
    assert svc["name"] == "rj-api" and svc["reason"] == "port"
    assert data["deadState"]["wave"] == 1


def test_minimum_in_json():
    res = run("solve", SEED / "cpu-units-minimum.yaml", "--format", "json")
    data = json.loads(res.stdout)
    assert data["minimum"]["safe"] == [{"type": "t2.micro", "count": 2}]
    assert data["minimum"]["possible"] == [{"type": "t2.micro", "count": 2}]


def test_text_output_leads_with_the_verdict(tmp_path):
    out = tmp_path / "out.txt"
    res = run("solve", SEED / "cpu-units.yaml", "--output", out)
    assert res.exit_code == 1
    text = out.read_text()
    assert text.lstrip().startswith("HANGS")
    assert "insufficient CPU units" in text
    assert "one more t2.micro" in text


def test_bad_input_exits_2_with_one_located_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "cluster:\n  instances: [{type: t3.medium, count: 1}]\nservices:\n"
        "  - name: api\n    desiredCount: four\n    taskDefinition: {cpu: 256, memory: 512}\n"
    )
    res = run("solve", bad)
    assert res.exit_code == 2
    assert "bad.yaml:5: services[0].desiredCount" in res.stderr
    assert "Traceback" not in res.output


def test_missing_file_and_usage_errors_exit_2(tmp_path):
    assert run("solve", tmp_path / "nope.yaml").exit_code == 2
    assert run("solve").exit_code == 2
    assert run("solve", SEED / "port-conflict.yaml", "--format", "xml").exit_code == 2


def test_a_proof_that_needs_no_search_holds_at_the_shortest_time_limit():
    # one service, old and new alike: counting decides before any deadline is looked at
    res = run("solve", SEED / "port-conflict.yaml", "--time-limit", "0.1", "--format", "json")
    assert res.exit_code == 1, res.output
    assert json.loads(res.stdout)["verdict"] == "hangs"


def test_a_solver_out_of_time_gives_unknown_and_exit_3(monkeypatch, volumes_alone, no_first_wave):
    """Every CP-SAT call answers "time limit": the verdict is unknown, with what is known."""
    from planner.solvers import cpsat

    def out_of_time(self, time_limit, workers=1, seed=0, local_search=False, portfolio=False):
        return cpsat.Answer("unknown", seconds=time_limit)

    monkeypatch.setattr(cpsat.RolloutModel, "solve", out_of_time)
    monkeypatch.setattr(cpsat, "dead_state_exists", lambda *a, **k: cpsat.Answer("unknown"))
    # safe, and without the sums a row can carry only CP-SAT proves it (ECS's runs all
    # complete; no volume proof holds)
    scenario = ROOT / "scenarios/examples/bigger-revision-four-instances.yaml"
    res = run("solve", scenario, "--format", "json")
    data = json.loads(res.stdout)
    assert (res.exit_code, data["verdict"]) == (3, "unknown"), res.output
    assert data["plan"]  # a run completes: known, and said
    assert data["timeLimitSeconds"] == 60
    text = run("solve", scenario, "--time-limit", "7").stdout
    known = text[text.index("What is known") :]
    assert "ECS's scheduler as configured:" in known and "complete, 0 hang" in known
    assert "a completing plan exists" in known
    # the tests run one worker unless they ask (conftest)
    assert "ran out of its 7 s with 1 CP-SAT worker; a longer --time-limit (say 28)" in known
    text = run("solve", scenario, "--time-limit", "7", "--workers", "2").stdout
    assert "ran out of its 7 s with 2 CP-SAT workers; a longer --time-limit (say 28) " in text
    # each point wraps under its own text, nothing padded
    lines = known.split("\n\n")[0].splitlines()[1:]
    assert len(lines) > 4 and any(line.startswith("    ") for line in lines)
    assert all(line.startswith(("  • ", "    ")) and line == line.rstrip() for line in lines)


def test_instance_types():
    res = run("instance-types", "--format", "json")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    names = {t["type"] for t in data["types"]}
    assert {"t2.micro", "m5.large", "c7g.4xlarge"} <= names
    # issue 23: types the 58-type catalog refused
    teams_run = {"t4g.small", "c7i.large", "m6a.large", "r7g.xlarge", "m5.8xlarge", "c6g.16xlarge"}
    assert teams_run <= names
    assert {t["arch"] for t in data["types"] if t["type"] in teams_run} == {"x86_64", "arm64"}
    assert data["priceDate"].startswith("2026-07-20")
    res = run("instance-types")
    assert "t3.medium" in res.stdout
    assert all(f"{n} " in res.stdout for n in teams_run)


BAD = sorted((ROOT / "tests" / "data" / "bad").glob("*.yaml"))


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_every_broken_file_exits_2_with_one_message(path):
    res = run("solve", path)
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert path.name in lines[0]
    assert "Traceback" not in res.output


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01\x02binary\xff\xfe",  # a binary file
        b"",  # an empty file
        b"cluster: [unclosed",  # a YAML syntax error
        b"!!python/object/apply:os.system ['true']",  # code in a tag
    ],
)
def test_hostile_files_exit_2(tmp_path, content):
    f = tmp_path / "s.yaml"
    f.write_bytes(content)
    res = run("solve", f)
    assert res.exit_code == 2
    assert "s.yaml" in res.stderr and "Traceback" not in res.output


def test_running_tasks_that_do_not_fit_is_bad_input(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(
        "cluster:\n  instances: [{type: t2.micro, count: 1}]\nservices:\n"
        "  - {name: a, desiredCount: 9, taskDefinition: {cpu: 256, memory: 128}}\n"
    )
    res = run("solve", f)
    assert res.exit_code == 2
    assert "does not fit the cluster" in res.stderr


def test_version_completion_and_exit_codes_in_help():
    res = run("--version")
    assert res.exit_code == 0 and res.stdout.startswith("planner ")
    top = run("--help").stdout
    assert "--install-completion" in top
    for text in ("Exit codes: 0 safe; 1 at-risk or hangs", "3 unknown", "docs/ROLLOUT.md"):
        assert text in " ".join(top.split()), text
    assert "Exit codes" in " ".join(run("solve", "--help").stdout.split())


def test_version_is_a_plain_flag_in_the_help():
    """typer shows a bool option as ``--version <bool>``, as if it took a value."""
    [line] = [ln for ln in run("--help").stdout.splitlines() if "--version" in ln]
    assert "Print planner's version." in line
    assert "<bool>" not in line and "bool" not in line.lower()


def test_no_help_names_a_spec_file_the_user_does_not_have():
    """docs/ holds the spec: every reference in help and output points there."""
    for cmd in ((), ("solve",), ("percents",), ("table",), ("import",)):
        text = run(*cmd, "--help").stdout
        assert "CONTRACT.md" not in text.replace("docs/CONTRACT.md", "")
        assert "ROLLOUT.md" not in text.replace("docs/ROLLOUT.md", "")
    assert (ROOT / "docs/ROLLOUT.md").is_file() and (ROOT / "docs/CONTRACT.md").is_file()


def test_instance_types_star_what_is_estimated_in_the_catalogs_words():
    data = json.loads(run("instance-types", "--format", "json").stdout)
    by_type = {t["type"]: t for t in data["types"]}
    assert by_type["m6i.large"]["estimated"] == ["ecsMemoryMiB"]  # the file's name
    assert by_type["m5.large"]["estimated"] == []
    text = run("instance-types").stdout
    line = next(x for x in text.splitlines() if "m6i.large" in x)
    registered = by_type["m6i.large"]["memoryMiB"]
    assert f"{registered}*" in line  # the star the footnote promises
    assert "*" not in next(x for x in text.splitlines() if "m5.large " in x)
    stars = sum(1 for t in data["types"] if t["estimated"])
    assert stars >= 40 and text.count("*") >= stars


def test_assumptions_say_in_words_what_is_estimated():
    from planner.deciding.solve import assumptions

    small = {"cpu": 256, "memory": 256}
    s = planner.load_scenario(
        {
            "cluster": {"instances": [{"type": "m6i.large", "count": 1}]},
            "services": [{"name": "a", "desiredCount": 1, "taskDefinition": small}],
        }
    )
    said = assumptions(s)[0]
    assert "(registered memory estimated)" in said and "memory_mib" not in said


# ---------------------------------------------------------------- planner zones

EXAMPLES = ROOT / "scenarios" / "examples"


@pytest.mark.parametrize(
    ("name", "code", "statuses"),
    [
        # memberOf keeps api on m5.*: losing either zone leaves it a task short
        ("member-of-excludes-room.yaml", 1, ["short", "short"]),
        # two m5.large in two zones with room for the other's tasks
        ("zone-spread-keeps-no-instance-whole.yaml", 0, ["whole", "whole"]),
    ],
)
def test_zones_exit_code_says_whether_a_loss_leaves_a_service_short(name, code, statuses, tmp_path):
    out = tmp_path / "zones.json"
    res = run("zones", EXAMPLES / name, "--format", "json", "--output", out, "--time-limit", 30)
    assert res.exit_code == code, res.output
    data = json.loads(out.read_text())
    assert [z["status"] for z in data["zones"]] == statuses
    for z in data["zones"]:  # CONTRACT.md's fields
        assert {"zone", "lostInstances", "short"} <= set(z)
        for s in z["short"]:
            assert {"service", "tasks", "reason", "message"} <= set(s)
    assert all("type" in g and "count" in g for g in data["leastFleet"])


def test_zones_text_names_the_short_service_and_the_least_fleet():
    res = run("zones", EXAMPLES / "member-of-excludes-room.yaml", "--time-limit", 30)
    assert res.exit_code == 1, res.output
    words = " ".join(res.stdout.split())  # the text wraps at the console's width
    assert "api" in words and "MemberOf placement constraint unsatisfied" in words
    assert "Least fleet that survives the loss of any one zone" in words


def test_zones_without_zones_is_bad_input():
    res = run("zones", SEED / "port-conflict.yaml")
    assert res.exit_code == 2
    assert "no availability zone" in res.output


def test_zones_on_a_group_that_relaunches_in_its_other_zones():
    """scenarios/reacting/three-zones.yaml: 6 m5.large at maxSize 6 over three zones, one
    api task each. Each zone's loss takes 2 instances and 2 tasks; the group relaunches 2
    in its other zones: nothing short. Without the capacity provider, 2 short (cpu)."""
    path = ROOT / "scenarios" / "reacting" / "three-zones.yaml"
    res = run("zones", path, "--format", "json", "--time-limit", 30)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    for z in data["zones"]:
        assert (z["lostInstances"], z["status"], z["short"]) == (2, "whole", [])
        assert z["relaunched"] == [{"capacityProvider": "general", "type": "m5.large", "count": 2}]
    assert data["leastFleet"] == [{"type": "m5.large", "count": 6}]
    from dataclasses import replace

    fixed = planner.load_scenario(path)
    fixed = replace(
        fixed,
        capacity_providers=(),
        services=tuple(replace(s, capacity_provider_strategy=None) for s in fixed.services),
    )
    losses = planner.zone_losses(fixed, time_limit=30, fleet=False)
    assert [(s.service, s.tasks, s.reason) for z in losses.zones for s in z.short] == [
        ("api", 2, "cpu")
    ] * 3
