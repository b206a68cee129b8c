"""The minimum instance count: the scan, its two passes, and what it says it proved."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from builders import reacting, scenario, svc, td

from planner.deciding import minimum
from planner.deciding.minimum import lower_bound, minimum_instances
from planner.deciding.verdict import Analysis
from planner.errors import PlannerError
from planner.inputs.loading import load_scenario
from planner.model.providers import StrategyItem
from planner.model.rollout import Wave
from planner.running import clock as shares
from planner.running.clock import Deadline

SEED = Path(__file__).resolve().parents[1] / "scenarios" / "seed"


def test_seed_minimum_is_two_and_proven():
    m, chosen = minimum_instances(load_scenario(SEED / "cpu-units-minimum.yaml"), time_limit=20)
    assert m["possible"] == m["safe"] == [{"type": "t2.micro", "count": 2}]
    assert m["proven"] == {"possible": True, "safe": True}
    assert m["undecided"] == {"possible": [], "safe": []}
    assert chosen.instance_groups[0].count == 2
    assert m["tried"]["t2.micro=1"] == "hangs"


def test_lower_bound_is_summed_capacity():
    # 5 tasks of 512 units going to 1,024: the end state needs 5 × 1,024 = 2.5 instances.
    sc = scenario([(2048, 8000, None)], [svc("a", 5, td(512), td(1024))])
    assert lower_bound(sc, 0) == 3


def _fake(verdicts: dict[int, list[Analysis]], calls: list[tuple[int, float]]):
    """An ``_analyse`` that answers from ``verdicts`` (count → answers, one per call)."""

    def analyse(sc, until, workers, seed):
        count = sc.instance_groups[0].count
        calls.append((count, until.left()))
        answers = verdicts.get(count, [Analysis("safe", "fake", plan=[])])
        return answers.pop(0) if len(answers) > 1 else answers[0]

    return analyse


def _unknown(plan: bool) -> Analysis:
    return Analysis("unknown", "fake", plan=[Wave()] if plan else None)


@pytest.fixture
def open_scenario():
    return scenario([(1024, 4000, None)], [svc("a", 2, td(512))])


def test_quick_pass_finds_an_easy_safe_count_above_hard_ones(monkeypatch, open_scenario):
    lo = lower_bound(open_scenario, 0)
    calls: list[tuple[int, float]] = []
    verdicts = {
        lo: [Analysis("hangs", "fake")],
        lo + 1: [_unknown(plan=False)],
        lo + 2: [_unknown(plan=True)],
        lo + 3: [Analysis("safe", "fake", plan=[])],
    }
    monkeypatch.setattr(minimum, "_analyse", _fake(verdicts, calls))
    frozen = Deadline(100, clock=lambda: 0.0)  # a clock that stands still
    m, _ = minimum_instances(open_scenario, deadline=frozen)
    assert m["safe"] == [{"type": "g0", "count": lo + 3}]
    # an unknown verdict with a completing run found is a possible rollout
    assert m["possible"] == [{"type": "g0", "count": lo + 2}]
    assert m["proven"] == {"possible": False, "safe": False}
    assert m["undecided"]["possible"] == [f"g0={lo + 1}"]
    assert m["undecided"]["safe"] == [f"g0={lo + 1}", f"g0={lo + 2}"]
    # first pass: short limits up to the first safe count; then the two undecided counts
    # again, least first, with the longer limit; nothing above the safe count
    quick = max(shares.MINIMUM_QUICK.least, 100 * shares.MINIMUM_QUICK.fraction)
    per_count = 100 * shares.MINIMUM_COUNT.fraction
    assert calls == [
        (lo, quick),
        (lo + 1, quick),
        (lo + 2, quick),
        (lo + 3, quick),
        (lo + 1, per_count),
        (lo + 2, per_count),
    ]


def test_second_pass_can_lower_both_minimums(monkeypatch, open_scenario):
    lo = lower_bound(open_scenario, 0)
    calls: list[tuple[int, float]] = []
    verdicts = {
        lo: [_unknown(plan=False), Analysis("safe", "fake", plan=[])],
        lo + 1: [Analysis("safe", "fake", plan=[])],
    }
    monkeypatch.setattr(minimum, "_analyse", _fake(verdicts, calls))
    m, chosen = minimum_instances(open_scenario, time_limit=100)
    assert m["safe"] == m["possible"] == [{"type": "g0", "count": lo}]
    assert m["proven"] == {"possible": True, "safe": True}
    assert m["tried"] == {f"g0={lo}": "safe", f"g0={lo + 1}": "safe"}
    assert chosen.instance_groups[0].count == lo


def test_at_risk_below_the_safe_count_is_decided(monkeypatch, open_scenario):
    lo = lower_bound(open_scenario, 0)
    verdicts = {
        lo: [Analysis("at-risk", "fake", plan=[])],
        lo + 1: [Analysis("safe", "fake", plan=[])],
    }
    monkeypatch.setattr(minimum, "_analyse", _fake(verdicts, []))
    m, _ = minimum_instances(open_scenario, time_limit=100)
    assert m["possible"] == [{"type": "g0", "count": lo}]
    assert m["safe"] == [{"type": "g0", "count": lo + 1}]
    assert m["proven"] == {"possible": True, "safe": True}


def test_the_first_pass_keeps_half_the_time_for_the_second(monkeypatch, open_scenario):
    clock = [0.0]
    calls: list[tuple[int, float]] = []

    def analyse(sc, until, workers, seed):
        seconds = until.left()
        calls.append((sc.instance_groups[0].count, seconds))
        clock[0] += seconds
        return _unknown(plan=False)

    monkeypatch.setattr(minimum, "_analyse", analyse)
    m, _ = minimum_instances(open_scenario, deadline=Deadline(10, clock=lambda: clock[0]))
    first_pass = [c for c in calls if c[1] <= shares.MINIMUM_QUICK.least]
    assert sum(s for _, s in first_pass) == pytest.approx(5)
    assert clock[0] == pytest.approx(10)
    assert m["possible"] is None and m["safe"] is None
    assert not m["proven"]["possible"] and not m["proven"]["safe"]


def test_scan_hands_back_the_analysis_of_the_counts_it_chose(monkeypatch, open_scenario):
    lo = lower_bound(open_scenario, 0)
    chosen_analysis = Analysis("safe", "fake", plan=[])
    verdicts = {lo: [Analysis("at-risk", "fake", plan=[])], lo + 1: [chosen_analysis]}
    monkeypatch.setattr(minimum, "_analyse", _fake(verdicts, []))
    m, chosen, analysis = minimum.scan(open_scenario, time_limit=100)
    assert chosen.instance_groups[0].count == lo + 1
    assert analysis is chosen_analysis


def test_solve_reports_the_verdict_of_the_minimum_it_found():
    from planner.deciding.solve import solve

    result = solve(load_scenario(SEED / "cpu-units-minimum.yaml"), time_limit=20, fixes=False)
    assert result.verdict == "safe"
    assert result.instances == [{"type": "t2.micro", "count": 2}]
    assert result.minimum["safe"] == result.instances


# ---------------------------------------------------------------- a cluster that reacts


def _grows(max_size: int | list[int], **kw):
    """Two instances full by CPU, a new revision that needs more memory: the group must
    grow by one before any new task starts (maxSize 2: it cannot, and the rollout hangs)."""
    return reacting(
        [(2048, 4096, 2)], [svc("a", 4, td(1024, 1024), td(1024, 1500))], max_size, **kw
    )


def test_least_max_size_for_a_possible_and_a_safe_rollout():
    m, chosen = minimum.least_max_sizes(_grows(2), time_limit=30)
    assert m["possible"] == m["safe"] == [{"capacityProvider": "cp0", "maxSize": 3}]
    assert m["proven"] == {"possible": True, "safe": True}
    assert m["tried"] == {"cp0=2": "hangs", "cp0=3": "safe"}
    assert chosen.capacity_providers[0].max_size == 3


def test_max_size_range_from_the_running_instances_to_where_none_binds():
    # 2 running, 4 deploying tasks: no scale-out takes the group past 2 + 2 × 4
    assert minimum.max_size_range(_grows(2), 0) == range(2, 11)
    # targetCapacity 50 keeps an empty instance per busy one: twice as far
    assert minimum.max_size_range(_grows(2, target=50), 0) == range(2, 21)
    # minSize above the running instances: the ECS API refuses a maxSize below it
    sc = _grows(6)
    cp = replace(sc.capacity_providers[0], min_size=5)
    assert minimum.max_size_range(replace(sc, capacity_providers=(cp,)), 0) == range(5, 11)
    big = reacting([(2048, 4096, 2)], [svc("a", 400, td(8), td(8))], 2)
    assert minimum.max_size_range(big, 0) == range(2, 2 + minimum.SCAN + 1)


def test_least_max_sizes_of_two_providers_cheapest_first(monkeypatch):
    """Vectors by the price of the instances the groups may launch, then their number:
    the first safe one is the cheapest, whatever the order of the providers."""
    both = (StrategyItem("cp0", weight=1), StrategyItem("cp1", weight=1))
    sc = reacting(
        [(2048, 4096, 1), (2048, 4096, 1)],
        [svc("a", 2, td(1024, 1024), td(1024, 1500), capacity_provider_strategy=both)],
        [1, 1],
        providers=[(0,), (1,)],
    )
    pricey = replace(sc.capacity_providers[0].launch[0], hourly_usd=1.0)
    cheap = replace(sc.capacity_providers[1].launch[0], hourly_usd=0.1)
    cps = (
        replace(sc.capacity_providers[0], launch=(pricey,)),
        replace(sc.capacity_providers[1], launch=(cheap,)),
    )
    sc = replace(sc, capacity_providers=cps)
    seen = []

    def analyse(s, until, workers, seed):
        sizes = tuple(cp.max_size for cp in s.capacity_providers)
        seen.append(sizes)
        ok = sum(sizes) >= 3  # any one more instance will do
        return Analysis("safe" if ok else "hangs", "fake", plan=[] if ok else None)

    monkeypatch.setattr(minimum, "_analyse", analyse)
    m, chosen = minimum.least_max_sizes(sc, time_limit=100)
    assert seen[:2] == [(1, 1), (1, 2)]  # the cheap provider's instance first
    assert m["safe"] == [
        {"capacityProvider": "cp0", "maxSize": 1},
        {"capacityProvider": "cp1", "maxSize": 2},
    ]
    assert m["tried"] == {"cp0=1, cp1=1": "hangs", "cp0=1, cp1=2": "safe"}


def test_least_max_size_needs_a_group_that_scales_and_every_count():
    from planner.model.providers import ManagedScaling

    sc = _grows(2)
    off = replace(sc.capacity_providers[0], scaling=ManagedScaling(status="DISABLED"))
    with pytest.raises(PlannerError, match="no capacity provider's group scales"):
        minimum.least_max_sizes(replace(sc, capacity_providers=(off,)), time_limit=5)
    with pytest.raises(PlannerError, match="no capacity provider's group scales"):
        minimum.least_max_sizes(scenario([(2048, 4096, 2)], [svc("a", 2, td(512))]))
    opened = reacting([(2048, 4096, None)], [svc("a", 4, td(1024, 1024))], 4)
    with pytest.raises(PlannerError, match="every instance count"):
        minimum.least_max_sizes(opened, time_limit=5)


def test_lower_bound_counts_what_the_groups_may_launch():
    """The end state may run on launched instances: only the running tasks bound the
    running count (four new tasks of a whole instance each, two old ones a instance)."""
    services = [svc("a", 4, td(1024), td(2048))]
    assert lower_bound(scenario([(2048, 4096, None)], services), 0) == 4
    assert lower_bound(reacting([(2048, 4096, None)], services, 6), 0) == 2
    # a group that cannot grow adds nothing
    assert lower_bound(reacting([(2048, 4096, None)], services, 0), 0) == 4


def test_counts_of_a_providers_group_stay_within_its_max_size():
    sc = reacting([(2048, 4096, None)], [svc("a", 4, td(1024, 1024), td(1024, 1500))], 3)
    m, chosen = minimum_instances(sc, time_limit=30)
    assert set(m["tried"]) <= {"g0=2", "g0=3"}  # from the lower bound 2, never past 3
    assert m["safe"] == [{"type": "g0", "count": 2}]  # with scale-out to 3
    assert chosen.instance_groups[0].count == 2
    tight = reacting([(2048, 4096, None)], [svc("a", 8, td(1024))], 3)  # needs 4 running
    with pytest.raises(PlannerError, match="within the capacity providers' maxSize"):
        minimum_instances(tight, time_limit=5)


def test_solve_with_least_max_size_keeps_the_files_verdict():
    from planner.deciding.solve import solve

    result = solve(_grows(2), time_limit=30, fixes=False, least_max_size=True)
    assert result.verdict == "hangs"  # at the file's maxSize 2
    assert result.outcome["kind"] == "stuck"
    assert set(result.minimum) == {"maxSize"}  # no count was omitted
    sizes = result.minimum["maxSize"]
    assert sizes["safe"] == [{"capacityProvider": "cp0", "maxSize": 3}]
    data = json.loads(json.dumps(result.to_json()))
    assert data["minimum"]["maxSize"]["possible"] == [{"capacityProvider": "cp0", "maxSize": 3}]
    from rich.console import Console

    from planner.outputs.formatting import minimum_text
    from planner.outputs.render import render_text

    console = Console(record=True, width=200)
    render_text(result, console)
    text = console.export_text()
    assert "least maxSize for a possible rollout: cp0 3" in text
    assert "least maxSize for a safe rollout: cp0 3" in text
    assert "minimum for a" not in text
    assert minimum_text(result.minimum) == "maxSize cp0 3"
    plain = solve(_grows(2), time_limit=30, fixes=False)
    assert plain.minimum is None and plain.verdict == result.verdict


def test_solve_with_counts_omitted_and_least_max_size_answers_both():
    from planner.deciding.solve import solve

    sc = reacting([(2048, 4096, None)], [svc("a", 4, td(1024, 1024), td(1024, 1500))], 3)
    result = solve(sc, time_limit=40, fixes=False, least_max_size=True)
    assert result.minimum["safe"] == [{"type": "g0", "count": 2}]
    assert result.minimum["maxSize"]["safe"] == [{"capacityProvider": "cp0", "maxSize": 3}]
    assert result.instances == [{"type": "g0", "count": 2}]
    assert result.verdict == "safe"


def test_cli_least_max_size(monkeypatch, tmp_path):
    """`planner solve --least-max-size` (the scenario built in Python: the loader's
    capacityProviders are another change's)."""
    from typer.testing import CliRunner

    import planner
    from planner.cli import app

    monkeypatch.setattr(planner, "load_scenario", lambda path: _grows(2))
    path = tmp_path / "x.yaml"
    path.write_text("name: x\n")
    args = ["solve", str(path), "--format", "json", "--time-limit", "30", "--workers", "1"]
    out = CliRunner().invoke(app, [*args, "--least-max-size"])
    assert out.exit_code == 1, out.output
    data = json.loads(out.stdout)
    assert data["verdict"] == "hangs"
    assert data["minimum"]["maxSize"]["safe"] == [{"capacityProvider": "cp0", "maxSize": 3}]
    out = CliRunner().invoke(app, args)
    assert "minimum" not in json.loads(out.stdout)
