"""The proof from what wave 1 leaves behind (:mod:`planner.solvers.first_wave`), against
the oracle (rules read from ROLLOUT.md alone) on the tiny samples, and on the few-service
rollout it was made for."""

from collections import Counter
from pathlib import Path

import pytest
from ortools.sat.python import cp_model
from tiny import sample

import planner
from planner.deciding.verdicts import Verdict
from planner.inputs.loading import load_scenario
from planner.model.problem import compile_problem
from planner.running.clock import Deadline
from planner.solvers import first_wave, volume

CASES = [c for c in sample("mixed") + sample("broad") if first_wave.applies(c.problem)]
#: zones, attributes, memberOf and every placement strategy (a third: its oracle is slower)
ZONED = [c for c in sample("zoned")[::3] if first_wave.applies(c.problem)]
DATA = Path(__file__).parents[1] / "data"


def _blockable(p):
    return [s for s in range(p.n_services) if volume.can_block_everywhere(p, s)]


def test_the_ends_of_wave_one_are_the_oracles():
    """Every count of new tasks wave 1 can end with by ECS rules, and no other: the
    dynamic program against the oracle's states after one wave."""
    compared = Counter()
    for c in CASES[::3]:
        p = c.problem
        classes = first_wave._classes(p)
        patterns = [first_wave._first_wave_patterns(p, insts[0], [10**6]) for insts in classes]
        ends = first_wave.first_wave_ends(p, classes, patterns)
        levels = c.oracle.levels()
        if len(levels) < 2:
            continue
        oracle = sorted(
            {tuple(c.oracle.totals(st, s)[1] for s in range(p.n_services)) for st in levels[1]}
        )
        assert ends == oracle, c.name
        compared["several" if len(oracle) > 1 else "one"] += 1
    assert compared["several"] >= 10 and compared["one"] >= 10, compared


def test_no_proof_where_a_run_by_ecs_rules_dies():
    """Where it proves no dead state follows wave 1, the oracle reaches none by ECS rules;
    it proves some that the volumes alone cannot, and none of the sample's at-risk or
    hanging rollouts."""
    seen = Counter()
    for c in CASES:
        p = c.problem
        if not first_wave.no_dead_state_after_first_wave(p):
            seen["no proof", c.label] += 1
            continue
        assert c.label == "safe" and not c.oracle.reaches(True, c.oracle.dead), c.name
        seen["proof", "beyond the volumes" if not volume.no_dead_state(p) else "volumes too"] += 1
    assert seen["proof", "beyond the volumes"] >= 2, seen  # 2 of this sample
    assert seen["no proof", "at-risk"] >= 20 and seen["no proof", "hangs"] >= 20, seen


def test_no_proof_where_a_run_by_ecs_rules_dies_with_zones_and_strategies():
    """The same on the zoned stream (memberOf rows, zones, strategies: "any" placement
    is what the proof is about)."""
    seen = Counter()
    for c in ZONED:
        if not first_wave.no_dead_state_after_first_wave(c.problem):
            seen["no proof", c.label] += 1
            continue
        assert c.label == "safe" and not c.oracle.reaches(True, c.oracle.dead), c.name
        seen["proof"] += 1
    assert seen["proof"] >= 20 and seen["no proof", "at-risk"] >= 20, seen


def test_the_first_wave_tells_its_proof_from_none():
    """The proof needs the link: a dead state with no first wave under it exists."""
    p = compile_problem(load_scenario(DATA / "few-service-first-wave.yaml"))
    blockable = _blockable(p)
    assert blockable == [0]  # svc000 alone: the volumes leave it blockable
    assert first_wave.no_dead_state_after_first_wave(p)
    classes = first_wave._classes(p)
    ends = [tuple(0 for _ in p.services)]  # as if wave 1 started nothing
    dead = [first_wave._dead_patterns(p, insts[0], 0, blockable, [10**6]) for insts in classes]
    where = [True] * len(classes)
    model = first_wave._model(p, classes, dead, where, ends, 0, blockable, True)
    assert cp_model.CpSolver().solve(model) in (cp_model.FEASIBLE, cp_model.OPTIMAL)


@pytest.mark.parametrize("workers", [1, 2])
def test_the_few_service_rollout_is_proven_safe(workers):
    """honest2 M 85 % three s1 (issue 24): `unknown` at 10 s in every session until the
    fourteenth; now safe, by this proof."""
    result = planner.solve(
        load_scenario(DATA / "few-service-first-wave.yaml"), time_limit=10.0, workers=workers
    )
    assert result.verdict is Verdict.SAFE
    assert result.proof.startswith("first wave:")


def test_it_does_not_apply_to_what_it_does_not_model():
    """Clusters that react, snapshots, closed instances and blue/green: each kind met."""
    root = Path(__file__).parents[2] / "scenarios"
    reacting = [compile_problem(load_scenario(f)) for f in sorted(root.glob("reacting/*.yaml"))]
    reacting = [p for p in reacting if p.reacts]
    snapshots = [c.problem for c in sample("snapshot")]
    closed = [compile_problem(load_scenario(root / "snapshots/draining-ami-refresh.yaml"))]
    blue_green = [
        c.problem for c in sample("mixed") if any(s.all_at_once for s in c.problem.services)
    ]
    assert reacting and snapshots and blue_green
    assert any(i.closed for i in closed[0].instances)
    for p in reacting + snapshots + closed + blue_green:
        assert not first_wave.applies(p)
        assert not first_wave.no_dead_state_after_first_wave(p)


def test_a_deadline_already_passed_proves_nothing():
    """The time limit is a promise: past its deadline the proof lists nothing and says
    it cannot tell (False), even where it would prove safety."""
    p = compile_problem(load_scenario(DATA / "few-service-first-wave.yaml"))
    assert first_wave.no_dead_state_after_first_wave(p, Deadline(10.0))
    assert not first_wave.no_dead_state_after_first_wave(p, Deadline(0.0))
