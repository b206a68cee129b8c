"""Text output that fits: the plan as waves × services at scale, the grid where it fits,
and the width of a terminal, of COLUMNS, or 100 columns into a pipe."""

import json
from pathlib import Path

from typer.testing import CliRunner

from planner.cli import app

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
