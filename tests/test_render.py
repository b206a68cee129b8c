"""Text output that fits: the plan as waves × services at scale, the grid where it fits,
and the width of a terminal, of COLUMNS, or 100 columns into a pipe."""

import io
import json
from pathlib import Path

import pytest
from builders import reacting_api, solved
from rich.console import Console
from typer.testing import CliRunner

import planner
from planner.cli import app
from planner.outputs.reacting_text import about, outcome_line
from planner.outputs.render import print_matrix, print_waves, render_text

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "scenarios" / "seed" / "port-conflict.yaml"

BIG = """
name: sixty instances
cluster:
  instances:
    - type: m5.large
      count: 40
      availabilityZones: [us-east-1a, us-east-1b, us-east-1c]
    - type: c5.large
      count: 20
      availabilityZones: [us-east-1a, us-east-1b]
services:
  - name: a-service-with-a-rather-long-name
    desiredCount: 50
    taskDefinition: {cpu: 512, memory: 1024}
    newTaskDefinition: {cpu: 1024, memory: 1024}
    deploymentConfiguration: {minimumHealthyPercent: 50, maximumPercent: 150}
  - name: web
    desiredCount: 30
    taskDefinition: {cpu: 256, memory: 512, portMappings: [{containerPort: 80, hostPort: 80}]}
"""


def _solve(path: Path, env: dict[str, str] | None = None) -> list[str]:
    res = CliRunner().invoke(app, ["solve", str(path), "--time-limit", "20"], env=env or {})
    assert res.exit_code in (0, 1, 3), res.output
    return res.stdout.splitlines()


def test_a_plan_on_sixty_instances_is_waves_by_services_within_100_columns(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(BIG)
    lines = _solve(path, {"COLUMNS": ""})
    assert max(len(line) for line in lines) <= 100
    text = "\n".join(lines)
    assert "wave 1" in text and "old +" in text and "inst 0" not in text
    assert "a-service-with-a-rather-long-name" in text  # a name is never cut
    assert "× m5.large in us-east-1a" in text  # instances grouped by type and zone


def test_columns_is_respected_when_piped(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(BIG)
    assert max(len(line) for line in _solve(path, {"COLUMNS": "80"})) <= 80


def test_a_small_plan_keeps_the_instance_grid():
    text = "\n".join(_solve(ROOT / "scenarios/examples/bigger-revision.yaml"))
    assert "inst 0" in text


def test_services_sharing_their_strategy_are_named_once():
    from planner.outputs.render import scheduler_line

    rules = [{"type": "spread", "field": "instanceId"}]
    sched = {"runs": 3, "hung": 0, "strategies": {f"s{k}": rules for k in range(40)}}
    assert scheduler_line(sched) == (
        "3 runs of the scheduler (every service: spread(instanceId)): every one completes."
    )
    sched["strategies"]["odd"] = [{"type": "binpack", "field": "memory"}]
    line = scheduler_line(sched)
    assert "s0, s1," in line and "s39: spread(instanceId); odd: binpack(memory)" in line


def test_the_instance_ecs_names_by_number_is_named_by_id_type_and_zone(tmp_path):
    stuck = ROOT / "tests/data/exports/stuck-deployment"
    text = "\n".join(_solve(stuck))
    said = "(container-instance 0 is i-059ce688e382fedce c5.large in us-east-1a)"
    assert said in text
    page = tmp_path / "r.html"
    res = CliRunner().invoke(app, ["solve", str(stuck), "-f", "html", "-o", str(page)])
    assert res.exit_code == 1 and said in page.read_text()


def _many(services: int, m5: int = 40, c5: int = 20) -> str:
    """``m5 + c5`` instances (sixty by default) and ``services`` deploying services."""
    lines = [
        "name: many services",
        "cluster:",
        "  instances:",
        f"    - {{type: m5.large, count: {m5}, availabilityZones: [us-east-1a, us-east-1b]}}",
        f"    - {{type: c5.large, count: {c5}, availabilityZones: [us-east-1a, us-east-1b]}}",
        "services:",
    ]
    for k in range(services):
        lines.append(
            f"  - {{name: service-{k:02d}, desiredCount: {6 + k}, taskDefinition: "
            "{cpu: 256, memory: 512}, newTaskDefinition: {cpu: 512, memory: 512}}"
        )
    return "\n".join(lines) + "\n"


def test_many_services_make_one_table_of_services_by_waves(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text(_many(9))
    lines = _solve(path, {"COLUMNS": ""})
    assert max(len(line) for line in lines) <= 100
    assert all(line == line.rstrip() for line in lines)  # no padding to the width
    text = "\n".join(lines)
    flowing = " ".join(line.strip() for line in lines)  # wrapped paragraphs as one line
    assert "deploying: 9 services, 90 tasks (each with its bounds below)" in flowing
    head = next(line for line in lines if line.split()[:2] == ["service", "wanted"])
    assert head.split()[:3] == ["service", "wanted", "bounds"] and head.endswith("old + new")
    rows = [line.split() for line in lines if line.lstrip().startswith("service-")]
    assert [r[0] for r in rows] == [f"service-{k:02d}" for k in range(9)]  # every one, once
    for k, r in enumerate(rows):  # wanted, bounds, and all new at the end of the plan
        assert r[1] == str(6 + k) and r[-3:] == ["0", "+", str(6 + k)]
    assert "≈ min:s (estimated)" in text and "where, per wave" in text
    assert "× m5.large in us-east-1a" in text


def test_a_narrow_console_splits_the_waves_into_blocks(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text(_many(9))
    lines = _solve(path, {"COLUMNS": "45"})
    assert max(len(line) for line in lines) <= 45
    heads = [line for line in lines if line.split()[:2] == ["service", "wanted"]]
    assert len(heads) >= 2 and heads[-1].endswith("old + new")
    assert not any(h.endswith("old + new") for h in heads[:-1])


def test_too_narrow_for_the_table_the_plan_is_lines(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text(_many(9))
    lines = _solve(path, {"COLUMNS": "40"})
    assert max(len(line) for line in lines) <= 40
    assert not any(line.split()[:2] == ["service", "wanted"] for line in lines)
    assert any(line.strip().startswith("service-08: +14") for line in lines)


def test_at_350_instances_every_line_fits_100_columns(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text(_many(9, m5=300, c5=50))
    lines = _solve(path, {"COLUMNS": ""})
    assert max(len(line) for line in lines) <= 100
    assert sum(line.lstrip().startswith("service-") for line in lines) == 9
    text = " ".join(line.strip() for line in lines)
    assert "300 × m5.large, 50 × c5.large" in text and "instances 0–299: m5.large" in text


DATA = ROOT / "tests" / "data"


def test_a_service_stuck_from_wave_1_is_not_said_to_hang_at_the_runs_last_wave():
    """api can neither stop nor start from the first wave; worker rolls on for four waves
    (tests/data/reasons-stuck-from-wave-1.yaml): the run can do nothing from wave 5, but
    api stopped moving at wave 1, and the text says so; the JSON carries both."""
    text = " ".join(" ".join(_solve(DATA / "reasons-stuck-from-wave-1.yaml")).split())
    assert "Why — hangs (the run can do nothing from wave 5 on):" in text
    assert "[deployment-configuration] api, stuck from wave 1 (it never moved):" in text
    assert "at wave 5" not in text.split("ECS as configured")[0]
    res = CliRunner().invoke(
        app, ["solve", str(DATA / "reasons-stuck-from-wave-1.yaml"), "-f", "json"]
    )
    dead = json.loads(res.stdout)["deadState"]
    assert dead["wave"] == 5 and dead["services"][0]["stuckFromWave"] == 1


def test_the_instances_that_fail_otherwise_are_said_under_ecs_words():
    text = " ".join(" ".join(_solve(DATA / "reasons-port-and-cpu.yaml")).split())
    ecs = "The closest matching container-instance 0 is already using a port required by your task."
    ours = (
        "Instance 3 has port 80 free but has only 256 CPU units left, taken by worker "
        "(a new api task needs 512)."
    )
    assert ecs in text and ours in text and text.index(ecs) < text.index(ours)


# ---------------------------------------------------------------- how it ends (§10)
# The outcome line, right under the verdict, for each kind; cases built in Python
# (tests/builders.py: no scenario file holds capacity providers yet).


def text_of(result: planner.Result, width: int = 300) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    render_text(result, console)
    return console.file.getvalue().splitlines()  # type: ignore[attr-defined]


OUTCOME_LINES = {
    "completes": ("safe", "completes (no instance launched on any run; about 2 min 20 s)"),
    "after-scale-out": (
        "safe",
        "completes after scale-out (+2 m5.large in general; at most 2 on any run; about 3 min "
        "10 s)",
    ),
    "rolls-back": (
        "hangs",
        "rolls back after about 3 failed placements (about 30 min); the rollback completes",
    ),
    "fails": (
        "hangs",
        "fails after about 3 failed placements (about 30 min; breaker on, rollback off): the "
        "deployment is FAILED, tasks stay as they are",
    ),
    "stuck": (
        "hangs",
        "stuck (IN_PROGRESS): api — general is at its maxSize 2; no circuit breaker",
    ),
    "too-big": (
        "hangs",
        "stuck (IN_PROGRESS): api — general does not grow: the task does not fit an empty "
        "m5.large, its smallest type; no circuit breaker",
    ),
    "rollback-stuck": (
        "hangs",
        "rolls back after about 3 failed placements (about 2 min): s0 rolls back, s1 fails "
        "(breaker on, rollback off); the rollback is stuck: s1 ends 2 tasks short (cpu)",
    ),
    "rollback-short": (
        "hangs",
        "rolls back after about 3 failed placements (about 2 min); the rollback is stuck: s0 "
        "ends 1 task short (cpu)",
    ),
    "may-roll-back": (
        "at-risk",
        "may roll back (on some runs; others complete) after about 3 failed placements (about "
        "2 min); the rollback completes",
    ),
    "may-fail": (
        "at-risk",
        "may fail (on some runs; others complete) after about 3 failed placements (about 3 min; "
        "breaker on, rollback off): the deployment is FAILED, tasks stay as they are",
    ),
    "may-get-stuck": (
        "at-risk",
        "may get stuck (IN_PROGRESS, on some runs; others complete): s1 — no instance takes its "
        "task (cpu); no circuit breaker",
    ),
    "native": (
        "hangs",
        "rolls back (a lifecycle stage that lasts 24 h fails the deployment; blue still runs); "
        "the rollback completes (blue never stopped: nothing to place)",
    ),
}


@pytest.mark.parametrize("name", OUTCOME_LINES)
def test_the_outcome_line_is_right_under_the_verdict(name):
    verdict, line = OUTCOME_LINES[name]
    result = solved(name)
    assert result.verdict == verdict
    assert outcome_line(result.outcome) == f"outcome: {line}"
    lines = text_of(result)
    assert lines[0].split()[0] == verdict.upper()
    assert lines[1] == f"  outcome: {line}"


def test_the_outcome_fields_behind_the_lines():
    grows = solved("after-scale-out").to_json()
    assert grows["outcome"]["kind"] == "completes-after-scale-out"
    assert grows["outcome"]["added"] == [
        {"capacityProvider": "general", "type": "m5.large", "count": 2}
    ]
    assert grows["plan"][0]["launch"] == [2]  # the wave after which the group grows
    stuck = solved("stuck").outcome
    assert stuck["kind"] == "stuck" and stuck["services"][0]["scaleOut"] == "max-size"
    assert solved("too-big").outcome["services"][0]["scaleOut"] == "too-big-for-smallest-type"
    assert solved("fails").outcome["kind"] == "fails"
    assert solved("rollback-stuck").outcome["rollback"]["verdict"] == "hangs"
    assert solved("may-roll-back").outcome["someRuns"] is True


def test_a_hang_that_ends_is_not_said_to_wait_forever():
    assert "waits forever" not in text_of(solved("rolls-back"))[0]
    assert "no run completes: the deployment waits forever" in text_of(solved("stuck"))[0]


def test_no_outcome_line_where_the_cluster_does_not_react():
    s = planner.load_scenario(SEED)
    assert not any("outcome:" in line for line in text_of(planner.solve(s, time_limit=20)))


def test_unknown_and_a_bound_on_what_runs_launch_are_said_as_such():
    assert outcome_line({"kind": "unknown"}) == (
        "outcome: unknown (the time limit came before a proof)"
    )
    bound = {"kind": "completes-after-scale-out", "mostAdded": 4, "mostAddedIsBound": True,
             "added": [{"capacityProvider": "web", "type": "c5.large", "count": 1}]}  # fmt: skip
    assert outcome_line(bound) == (
        "outcome: completes after scale-out (+1 c5.large in web; at most 4 on any run (a "
        "bound: every instance up to maxSize))"
    )
    assert [about(s) for s in (40, 60, 190, 1800, 86400)] == [
        "40 s", "1 min", "3 min 10 s", "30 min", "24 h",
    ]  # fmt: skip


def test_a_wave_that_launches_says_so_in_the_grid_and_the_legend():
    text = "\n".join(text_of(solved("after-scale-out"), 120))
    assert "instances 0–1: m5.large; 2–5: m5.large that general may launch" in text
    row = next(line for line in text.splitlines() if line.startswith("│   1 "))
    assert "+2 m5.large launched in general" in row
    assert "Plan: 3 waves, about 3 min 10 s with the scale-out (2 min 00 s)" in text


def test_a_wave_that_launches_says_so_as_lines_and_in_the_table_of_services():
    result = solved("after-scale-out")
    console = Console(width=40, file=io.StringIO(), color_system=None)
    print_waves(console, result, result.plan, "Plan")
    lines = console.file.getvalue().splitlines()
    assert lines[1:3] == ["  wave 1 (≈ 0 s)", "    +2 m5.large launched in general"]
    assert "(launched m5.large in a)" in " ".join(" ".join(lines).split())  # where tasks go
    console = Console(width=100, file=io.StringIO(), color_system=None)
    assert print_matrix(console, result, result.plan, "Plan")
    assert "    wave 1: +2 m5.large launched in general" in console.file.getvalue()


def test_at_350_instances_the_outcome_and_the_launchable_fit_100_columns():
    """340 m5.large running, their group may grow to 350; nine services whose new task
    fits no m5.large: stuck, said once for all nine, every name whole."""
    from dataclasses import replace

    base = reacting_api(350, None, 4096)
    m5 = replace(base.instance_groups[0], count=340, zones=("a", "b", "c"))
    svcs = tuple(replace(base.services[0], name=f"service-{k:02d}", desired_count=30)
                 for k in range(9))  # fmt: skip
    s = replace(base, instance_groups=(m5,), services=svcs)
    result = planner.solve(s, time_limit=30, workers=1, fixes=False)
    lines = text_of(result, 100)
    assert max(len(line) for line in lines) <= 100
    flowing = " ".join(line.strip() for line in lines)
    names = ", ".join(f"service-{k:02d}" for k in range(9))
    assert f"outcome: stuck (IN_PROGRESS): {names} — general does not grow" in flowing
    assert "instances 0–339: m5.large; 340–349: m5.large that general may launch" in flowing


@pytest.mark.parametrize(
    ("name", "line"),
    [("full-group-grows", OUTCOME_LINES["after-scale-out"][1]),
     ("three-zones", "completes (no instance launched on any run; about 2 min 20 s)"),
     ("at-max-size", OUTCOME_LINES["rolls-back"][1]),
     ("rollback-ends-short", "rolls back after about 3 failed placements (about 2 min); the "
      "rollback is stuck: api ends 1 task short (cpu)"),
     ("gives-up-without-rollback", OUTCOME_LINES["fails"][1]),
     ("stuck-without-breaker", OUTCOME_LINES["stuck"][1]),
     ("too-big-for-the-group", OUTCOME_LINES["too-big"][1])],
)  # fmt: skip
def test_the_outcome_line_of_each_reacting_scenario_file(name, line):
    lines = _solve(ROOT / "scenarios" / "reacting" / f"{name}.yaml", {"COLUMNS": "300"})
    assert lines[1] == f"  outcome: {line}"


def test_the_readmes_outcome_examples_are_real_runs():
    """README's "How it ends" shows the first lines of `planner solve` on each file in
    scenarios/reacting/ at 100 columns: they are what planner prints."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## How it ends: the outcome line") :]
    block = section[section.index("```text\n") + 8 : section.index("```\n", 10)]
    examples = [chunk.splitlines() for chunk in block.strip().split("\n\n")]
    assert len(examples) == 7
    for command, *shown in examples:
        path = command.removeprefix("$ planner solve ")
        assert _solve(ROOT / path, {"COLUMNS": "100"})[: len(shown)] == shown, path
