"""Where local search in the short models starts (planner.deciding.short_runs.hint_towards):
ECS's default run, ending in a dead state CP-SAT found; what it finds from there is a run
the oracle replays as dead."""

from __future__ import annotations

from builders import at_risk_example, spoiled_example
from oracle import Oracle
from tiny import named

from planner.deciding.short_runs import hint_towards, rollout_model, run_of
from planner.model.problem import compile_problem
from planner.model.rollout import simulate
from planner.running.clock import Deadline
from planner.solvers import cpsat


def _hinted(model) -> dict[int, int]:
    """The model's hint: variable index -> value."""
    h = model.m.proto.solution_hint
    return dict(zip(h.vars, h.values, strict=True))


def _counts(model, w: int, hint: dict[int, int]) -> tuple:
    """The (old, new) counts the hint gives wave ``w``, per instance and service
    (constants where the model fixed them)."""

    def val(x):
        return x if isinstance(x, int) else hint[x.index]

    p = model.p
    return tuple(
        tuple((val(model.old[w][i][s]), val(model.new[w][i][s])) for s in range(p.n_services))
        for i in range(p.n_instances)
    )


def _state_counts(state, p) -> tuple:
    return tuple(
        tuple((state.old[i][s], state.new[i][s]) for s in range(p.n_services))
        for i in range(p.n_instances)
    )


def test_the_hint_is_the_default_run_ending_in_the_dead_state():
    """ROLLOUT.md §4's example: ECS's default run completes in two waves; the dead-state
    model finds a dead state. At three waves the hint is the default run's states, padded
    with its last, except the third, which is the dead state; without one, the last
    state is the default run's."""
    p = at_risk_example()
    default = simulate(p)
    assert default.complete and len(default.waves) == 2
    ans = cpsat.dead_state_exists(p, 10.0, 1, 0)
    assert ans.status == "found"
    dead = ans.states[-1]
    model = rollout_model(p, 3, True, Deadline(60))
    hint_towards(model, default, dead)
    hint = _hinted(model)
    assert _counts(model, 1, hint) == _state_counts(default.states[1], p)
    assert _counts(model, 2, hint) == _state_counts(default.states[2], p)
    assert _counts(model, 3, hint) == _state_counts(dead, p)
    assert _state_counts(dead, p) != _state_counts(default.states[2], p)

    plain = rollout_model(p, 3, True, Deadline(60))
    hint_towards(plain, default, None)
    assert _counts(plain, 3, _hinted(plain)) == _state_counts(default.states[2], p)


def test_local_search_from_the_dead_state_finds_a_run_the_oracle_replays_as_dead():
    """c (4 tasks of 256, 50–200 %) spoiled by b (4 of 1,536, 0–100 %) on three
    instances of 3,072 units (tests/deciding/test_ecs_runs.py): local search at the
    horizon where a run dies, hinted towards a dead state, finds one; the oracle replays
    it as a run by ECS rules that ends dead."""
    s = spoiled_example()
    p, oracle = compile_problem(s), Oracle(s)
    default = simulate(p)
    ans = cpsat.dead_state_exists(p, 10.0, 1, 0)
    assert ans.status == "found"
    found = 0
    for h in range(1, 5):
        model = rollout_model(p, h, True, Deadline(60))
        model.target_dead()
        hint_towards(model, default, ans.states[-1])
        got = model.solve(5.0, 1, 0, local_search=True)
        if got.status == "found" and got.dead:
            run = run_of(got)
            assert oracle.dead(oracle.replay(named(p, run.waves), ecs=True))
            found += 1
    assert found >= 1
