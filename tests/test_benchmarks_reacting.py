"""The reacting variant of the benchmark families (benchmarks/reacting.py) on small inputs.

Nothing is timed here; the one solve is of a tiny scenario through the harness's stand-in
for ``planner solve``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ sits beside planner/, not inside it
    sys.path.insert(0, str(ROOT))

import planner  # noqa: E402
from benchmarks import reacting, scale  # noqa: E402
from planner.model.problem import compile_problem  # noqa: E402


def test_max_size_by_mode():
    assert [reacting.max_size(n, "room") for n in (4, 8, 50, 350)] == [5, 10, 63, 438]
    assert [reacting.max_size(n, "max") for n in (4, 50)] == [4, 50]
    with pytest.raises(ValueError, match="unknown mode"):
        reacting.max_size(4, "half")


@pytest.mark.parametrize("mode", reacting.MODES)
def test_react_puts_the_fleet_behind_one_provider(mode):
    plain = scale.generate("M", 0.7, "three", 1)
    before = json.dumps(plain, sort_keys=True)
    out = reacting.react(plain, mode)
    assert json.dumps(plain, sort_keys=True) == before  # the family's mapping is untouched
    assert out["name"] == f"{plain['name']}-{mode}"
    groups = out["cluster"]["instances"]
    assert groups == plain["cluster"]["instances"]
    (cp,) = out["cluster"]["capacityProviders"]
    asg = cp["autoScalingGroup"]
    names = [g["type"] for g in groups]
    assert asg["group"] == names and asg["instanceTypes"] == names
    assert sorted(asg["availabilityZones"]) == sorted(scale.ZONES)
    assert asg["maxSize"] == {"room": 63, "max": 50}[mode]
    assert cp["managedScaling"] == {"status": "ENABLED", "targetCapacity": 100}
    for svc in out["services"]:
        assert svc["capacityProviderStrategy"] == [{"capacityProvider": "fleet", "weight": 1}]


@pytest.mark.parametrize("mode", reacting.MODES)
def test_the_reacting_scenario_compiles_with_the_group_and_its_room(mode):
    found, _ = scale.fitting("tiny", 0.7, "three", 2, mode=mode)
    for _seed, mapping in found:
        scenario = reacting.to_scenario(mapping)
        (cp,) = scenario.capacity_providers
        assert cp.groups == tuple(range(len(scenario.instance_groups)))
        assert cp.max_size == {"room": 5, "max": 4}[mode]
        assert all(cp.launch[k].count is None for k in range(len(cp.launch)))
        assert all(not g.zones and not g.attributes for g in cp.launch)
        problem = compile_problem(scenario)
        (group,) = problem.groups
        assert len(group.running) == 4
        assert len(group.launchable) == {"room": 1, "max": 0}[mode]
        assert problem.reacts == (mode == "room")
        assert all(problem.shares), "every deploying service is on the provider"


def test_unseen_daemons_get_no_strategy_and_new_instances_no_pool():
    """seed 2 of the unseen M three-service cell has a DAEMON log router and custom
    ``pool`` attributes on its groups."""
    found, _ = scale.fitting("M", 0.7, "three", 2, family="unseen", mode="room")
    _, mapping = found[1]
    (daemon,) = [s for s in mapping["services"] if s.get("schedulingStrategy") == "DAEMON"]
    assert "capacityProviderStrategy" not in daemon
    scenario = reacting.to_scenario(mapping)
    assert any(g.attributes for g in scenario.instance_groups)
    (cp,) = scenario.capacity_providers
    assert all(not g.attributes for g in cp.launch)
    k = [s.name for s in scenario.services].index(daemon["name"])
    assert scenario.services[k].capacity_provider_strategy is None
    problem = compile_problem(scenario)
    assert len(problem.groups[0].launchable) == 13  # 50 running, maxSize 63


def test_fitting_names_the_mode_and_stays_deterministic():
    a, _ = scale.fitting("tiny", 0.5, "one", 2, mode="room")
    b, _ = scale.fitting("tiny", 0.5, "one", 2, mode="room")
    assert a == b
    assert [m["name"] for _, m in a] == ["tiny-u50-one-s1-room", "tiny-u50-one-s2-room"]
    assert reacting.mapping_max_size(a[0][1]) == 5
    plain, _ = scale.fitting("tiny", 0.5, "one", 1)
    assert reacting.mapping_max_size(plain[0][1]) is None


def test_the_loader_is_used_once_it_reads_capacity_providers(monkeypatch):
    """Until planner's loader reads ``capacityProviders`` the harness builds the scenario
    itself and solves through its stand-in; after, through ``planner solve``."""
    (_, mapping), *_ = scale.fitting("tiny", 0.5, "one", 1, mode="room")[0]
    if not reacting.loader_reads_providers():
        assert reacting.solve_command()[1:] == ["-m", "benchmarks.reacting", "solve"]
        assert reacting.solved_by() == "python -m benchmarks.reacting solve"
    monkeypatch.setattr(reacting, "loader_reads_providers", lambda: True)
    monkeypatch.setattr(scale, "planner_command", lambda: ["planner"])
    assert reacting.solve_command() == ["planner", "solve"]
    assert reacting.solved_by() == "planner solve"


def test_the_stand_in_is_planner_solve_with_the_file_read_here(tmp_path, capsys):
    (_, mapping), *_ = scale.fitting("tiny", 0.5, "one", 1, mode="room")[0]
    path = tmp_path / "x.yaml"
    path.write_text(scale.yaml.dump(mapping, Dumper=scale._NoAliases, sort_keys=False))
    argv = ["solve", str(path), "--format", "json", "--time-limit", "20", "--workers", "1"]
    own = planner.load_scenario
    with pytest.raises(SystemExit) as done:
        reacting.main(argv)
    assert planner.load_scenario is own  # the stand-in leaves planner's loader as it was
    data = json.loads(capsys.readouterr().out)
    assert data["scenario"] == mapping["name"]
    assert done.value.code == {"safe": 0, "at-risk": 1, "hangs": 1, "unknown": 3}[data["verdict"]]
    assert "outcome" in data  # a cluster that reacts: the JSON says how it ends
    with pytest.raises(SystemExit, match="usage"):
        reacting.main(["percents", str(path)])


def _run(name, mode, verdict="unknown", outcome="unknown", code=3):
    run = scale.Run("M", 0.7, "one", name, 10.0, 4.0, verdict, "a proof", code, 200, 50, 0.7)
    run.outcome, run.max_size = outcome, {"room": 63, "max": 50}[mode]
    return run


def test_report_of_the_reacting_variant():
    room = scale.Cell("M", 0.7, "one", mode="room")
    room.runs = [_run("M-u70-one-s1-room", "room")]
    full = scale.Cell("M", 0.7, "one", mode="max")
    full.runs = [_run("M-u70-one-s1-max", "max", "at-risk", "stuck", 1)]
    text = scale.render(
        [room, full],
        command="python -m benchmarks.scale --reacting room,max --sizes M",
        commit="`abc1234`",
        cores=2,
        load_before=(0.5, 0.4, 0.3),
        load_after=(1.5, 1.2, 0.9),
        startup_walls=(0.66, 0.70),
        solved_by="python -m benchmarks.reacting solve",
    )
    assert text.startswith("# Scale family, reacting variant: wall time")
    assert "| size | CPU used | deploying | cluster | scenarios |" in text
    assert "| M | 70 % | one | room | 1 |" in text and "| M | 70 % | one | max | 1 |" in text
    assert "| M-u70-one-s1-room | 200 | 50 | 63 | 70 % | unknown | unknown | 3 |" in text
    assert "| M-u70-one-s1-max | 200 | 50 | 50 | 70 % | at-risk | stuck | 1 |" in text
    assert "left `unknown` (no proof within the limit): M 70 % one room." in text
    assert "`python -m benchmarks.reacting solve FILE`" in text
    assert scale.report_name("scale", True) == "REACTING.md"
    assert scale.report_name("unseen", True) == "REACTING-UNSEEN.md"
    assert scale.report_name("unseen", False) == "UNSEEN.md"


def test_main_refuses_an_unknown_mode():
    with pytest.raises(SystemExit):
        scale.main(["--reacting", "half", "--sizes", "M"])
