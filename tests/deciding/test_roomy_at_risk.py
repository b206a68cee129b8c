"""A roomy rollout that can hang: half the cluster's CPU units free, every service
deploying, and a run by ECS rules that dies (``tests/data/roomy-at-risk.yaml``, the
scale family's M 50 % fleet-wide s1; its witness ``roomy-at-risk.witness.json``).

Issue 24 counted "roomy fleet-wide rollouts" among the cases a person calls safe at a
glance. This one is at-risk: svc006, on fixed host port 8006, is left with nine of its ten
new tasks, every m5.2xlarge without its port nearly full and every smaller instance just
too full. planner finds the run at its default limit (60 s) and not at 10 s. The oracle
(rules read from ROLLOUT.md alone) replays the witness to the same dead end; so no proof
of safety, present or to come, may claim this scenario, and these tests say so.
"""

import json
from pathlib import Path

import pytest
from oracle import Oracle

import planner
from planner.deciding.verdicts import Verdict
from planner.inputs.loading import load_scenario
from planner.model.horizon import max_waves
from planner.model.problem import compile_problem
from planner.model.rollout import Wave, explain, initial_state, is_dead, replay
from planner.solvers import volume
from planner.solvers.counts import count_sets

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(DATA / "roomy-at-risk.yaml")


@pytest.fixture(scope="module")
def problem(scenario):
    return compile_problem(scenario)


@pytest.fixture(scope="module")
def witness():
    return json.loads((DATA / "roomy-at-risk.witness.json").read_text())


def _named(witness) -> list:
    return [
        ([tuple(m) for m in w["stop"]], [tuple(m) for m in w["start"]]) for w in witness["waves"]
    ]


def _waves(problem, witness) -> list[Wave]:
    index = {svc.name: s for s, svc in enumerate(problem.services)}
    return [
        Wave(
            tuple((index[n], i, c) for n, i, c in w["stop"]),
            tuple((index[n], i, c) for n, i, c in w["start"]),
        )
        for w in witness["waves"]
    ]


def _cpu_share(problem, state) -> float:
    used = total = 0
    for i, rows in enumerate(problem.rows):
        (cpu,) = (r for r in rows if r.what == "cpu")
        total += cpu.limit
        used += sum(
            a * state.old[i][s] + b * state.new[i][s]
            for s, (a, b) in enumerate(zip(cpu.old, cpu.new, strict=True))
        )
    return used / total


def test_the_cluster_is_roomy(problem, witness):
    start = initial_state(problem)
    end = replay(problem, _waves(problem, witness), ecs_rules=True)[-1]
    assert _cpu_share(problem, start) <= 0.55
    assert _cpu_share(problem, end) <= 0.55  # the dead end too: room, in the wrong places


def test_the_oracle_replays_the_witness_to_a_dead_end(scenario, witness):
    oracle = Oracle(scenario)
    end = oracle.replay(_named(witness), ecs=True)  # AssertionError on any broken rule
    assert not oracle.complete(end)
    assert oracle.dead(end)
    assert {name: why for name, (why, _) in oracle.reasons(end).items()} == {"svc006": "port"}


def test_the_model_replays_it_to_the_same_dead_end(problem, witness):
    end = replay(problem, _waves(problem, witness), ecs_rules=True)[-1]
    assert is_dead(problem, end)
    assert [(b.service, b.reason) for b in explain(problem, end)] == [("svc006", "port")]


def test_the_count_sets_hold_every_state_of_the_witness(problem, witness):
    """The count sets are a proof method: they must contain every reachable count, and
    leave svc006 at stake."""
    sets = count_sets(problem, max_waves(problem), 30.0)
    states = replay(problem, _waves(problem, witness), ecs_rules=True)
    checked = 0
    for w, state in enumerate(states):
        pairs = sets.at(w)
        if pairs is None:
            continue
        for s in range(problem.n_services):
            assert (state.old_total(s), state.new_total(s)) in pairs[s], (w, s)
            checked += 1
    assert checked >= problem.n_services * 2  # the witness was reached, not skipped
    stake = sets.at_stake()
    assert stake is None or 6 in stake  # svc006


def test_no_proof_of_safety_claims_it(problem, scenario):
    assert not volume.no_dead_state(problem)
    assert not volume.never_blocked(problem)
    result = planner.solve(scenario, time_limit=5.0, workers=1)
    assert result.verdict in (Verdict.AT_RISK, Verdict.UNKNOWN)
