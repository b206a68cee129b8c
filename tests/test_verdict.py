"""Verdicts agree with the exhaustive search on hundreds of tiny scenarios.

The exhaustive search (planner.exhaustive) walks every wave the rules allow, with none of
the solvers' shortcuts (maximal stops, the horizon bound, counting for one uniform
service), so agreement here checks those shortcuts too. Every plan is replayed through the
plain-Python model and every dead path is replayed under ECS rules.
"""

import pytest
from builders import at_risk_example
from tiny import tiny_problems

from planner.exhaustive import exhaustive
from planner.rollout import is_complete, is_dead, replay
from planner.verdict import analyse, uniform

MIXED = tiny_problems(seed=20261127, n=300)
UNIFORM = tiny_problems(seed=7, n=100, uniform=True)


def _check(problem, tries):
    expected = exhaustive(problem).verdict
    a = analyse(problem, tries=tries, time_limit=30)
    assert a.verdict == expected, a.proof
    if a.plan is not None:
        assert is_complete(problem, replay(problem, a.plan)[-1])
    if a.verdict in ("hangs", "at-risk"):
        end = replay(problem, a.dead_path, ecs_rules=True)[-1]
        assert is_dead(problem, end)
    else:
        assert a.dead_path is None
    return a


@pytest.mark.parametrize("k", range(len(MIXED)))
def test_agrees_with_exhaustive_search(k):
    _check(MIXED[k], tries=None)


@pytest.mark.parametrize("k", range(0, len(MIXED), 2))
def test_agrees_without_random_runs(k):
    """Without randomised ECS runs every non-trivial verdict comes from CP-SAT."""
    _check(MIXED[k], tries=0)


@pytest.mark.parametrize("k", range(len(UNIFORM)))
def test_counting_shortcut_agrees(k):
    assert uniform(UNIFORM[k])
    _check(UNIFORM[k], tries=0)


def test_the_sample_covers_every_verdict_and_proof():
    verdicts = {exhaustive(p).verdict for p in MIXED}
    assert verdicts == {"safe", "at-risk", "hangs"}
    proofs = {analyse(p, tries=0).proof.split(":")[0] for p in MIXED}
    assert {"CP-SAT", "counting"} <= proofs


def test_at_risk_example():
    a = _check(at_risk_example(), tries=0)
    assert a.verdict == "at-risk"
