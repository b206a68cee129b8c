"""The minimum instance count: the scan, its two passes, and what it says it proved."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import scenario, svc, td

from planner.deciding import minimum
from planner.deciding.minimum import lower_bound, minimum_instances
from planner.deciding.verdict import Analysis
from planner.inputs.loading import load_scenario
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
