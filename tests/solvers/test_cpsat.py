"""The CP-SAT count model answers both questions as the exhaustive search does.

Asked directly at the horizon bound of planner.solvers.horizon, with no simulation
in front of it: "does some plan complete?" and "can a run by ECS rules die?".
"""

import pytest
from tiny import tiny_problems

from planner.exhaustive import exhaustive
from planner.rollout import initial_state, is_complete, is_dead, replay
from planner.solvers.cpsat import RolloutModel, final_state_fits, plan_of
from planner.solvers.horizon import max_waves

PROBLEMS = tiny_problems(seed=4242, n=120)


@pytest.mark.parametrize("k", range(len(PROBLEMS)))
def test_general_model_finds_a_plan_iff_one_exists(k):
    p = PROBLEMS[k]
    model = RolloutModel(p, max_waves(p), ecs_rules=False)
    model.target_complete()
    ans = model.solve(30)
    assert ans.status in ("found", "none")
    assert (ans.status == "found") == exhaustive(p).possible
    if ans.status == "found":
        assert is_complete(p, replay(p, ans.plan)[-1])


@pytest.mark.parametrize("k", range(len(PROBLEMS)))
def test_ecs_model_finds_a_dead_run_iff_one_exists(k):
    p = PROBLEMS[k]
    model = RolloutModel(p, max_waves(p), ecs_rules=True)
    model.target_unfinished()
    ans = model.solve(30)
    ex = exhaustive(p)
    if ans.status == "none":  # every ECS run completes
        assert not ex.ecs_dead_reachable
        return
    assert ans.status == "found"
    # at the bound no run is still going, so an unfinished run is a dead one
    assert ans.dead
    assert ex.ecs_dead_reachable
    end = replay(p, ans.plan, ecs_rules=True)[-1]
    assert is_dead(p, end)


@pytest.mark.parametrize("k", range(0, len(PROBLEMS), 3))
def test_final_state_check_is_necessary(k):
    p = PROBLEMS[k]
    if final_state_fits(p, 10) is False:
        assert not exhaustive(p).possible


def test_plan_of_drops_trailing_empty_waves():
    p = PROBLEMS[0]
    st = initial_state(p)
    assert plan_of([st, st, st]) == []
