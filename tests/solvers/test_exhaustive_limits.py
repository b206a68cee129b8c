"""The exhaustive search of runs by ECS rules keeps its deadline while it lists one
state's waves, and says beforehand when a rollout is too big for it."""

from __future__ import annotations

import time

import pytest
from builders import reacting, svc, td

from planner.errors import OutOfTime
from planner.model.problem import compile_problem
from planner.model.rollout import Wave, initial_state
from planner.solvers import exhaustive


def _big():
    """40 instances, a service of 60 tasks that may stop half at once: the first state
    alone has more ways to stop than the search could list."""
    return compile_problem(
        reacting([(2048, 4096, 40)], [svc("a", 60, td(512), td(768), 50, 200)], 50)
    )


def _small(max_size: int = 3):
    """Two full instances (two tasks each), a new revision as big: the group must grow
    before any new task starts (maxSize 2: it cannot, and the first state is dead)."""
    return compile_problem(
        reacting([(2048, 4096, 2)], [svc("a", 4, td(1024, 1024), td(1024, 1500))], max_size)
    )


def test_listing_a_states_waves_stops_at_the_deadline():
    problem = _big()
    past = time.perf_counter() - 1
    with pytest.raises(OutOfTime):
        next(exhaustive.ecs_waves(problem, initial_state(problem), past))
    with pytest.raises(OutOfTime):
        exhaustive.search(problem, past)


def test_waves_are_listed_without_a_deadline():
    problem = _small()
    # nothing fits before the group grows: the one wave by ECS rules does nothing
    assert list(exhaustive.ecs_waves(problem, initial_state(problem))) == [Wave()]


def test_too_big_says_which_rollouts_the_search_cannot_list():
    assert exhaustive.too_big(_big())
    assert not exhaustive.too_big(_small())
    status, _path, _states, _seen = exhaustive.search(_small(), time.perf_counter() + 60)
    assert status == "none"  # and the small one is searched to the end
    status, path, _states, _seen = exhaustive.search(_small(2), time.perf_counter() + 60)
    assert status == "found" and path == []
