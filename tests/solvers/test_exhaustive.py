"""The exhaustive search of runs by ECS rules (planner.solvers.exhaustive) against the
independent oracle (tests/oracle.py, from ROLLOUT.md alone) on tiny fixed fleets, where
both see every run: no dead state reachable ⇔ safe."""

from __future__ import annotations

import time

import pytest
from tiny import sample

from planner.model.rollout import replay
from planner.solvers import exhaustive

STREAMS = ("mixed", "broad", "snapshot")


@pytest.mark.parametrize(
    "case", [c for name in STREAMS for c in sample(name)], ids=lambda c: c.name
)
def test_exhaustive_search_agrees_with_the_oracle(case):
    status, path, states, _ = exhaustive.search(case.problem, time.perf_counter() + 60)
    assert status in ("none", "found")  # tiny: every state seen
    if case.label == "safe":
        assert status == "none"
    else:
        assert status == "found"
        end = replay(case.problem, path, ecs_rules=True)[-1]
        assert end == states[-1]


@pytest.mark.parametrize("name", STREAMS)
def test_every_verdict_was_reached(name):
    assert {c.label for c in sample(name)} == {"safe", "at-risk", "hangs"}


def test_it_stops_at_most_states():
    case = next(c for c in sample("mixed") if c.label == "safe" and c.problem.total_desired > 2)
    status, *_ = exhaustive.search(case.problem, time.perf_counter() + 60, most=1)
    assert status == "open"
