"""Deploying in two steps (planner/deciding/steps.py): a second step proven wherever ECS
put the first step's tasks, checked against the oracle (ROLLOUT.md alone) from every end
of the first step."""

from __future__ import annotations

import random
from dataclasses import replace

from oracle import Oracle, oracle_verdict
from tiny import tiny_scenario

from planner.deciding import steps
from planner.model.problem import DoesNotFit, compile_problem
from planner.running.clock import Deadline


def _placed(scenario):
    """The scenario with every service's old tasks where ROLLOUT.md's rule puts them, given
    (so that a step keeping a service still keeps it there)."""
    start = Oracle(scenario).m.start
    return replace(scenario, services=tuple(
        replace(svc, placement=tuple(old for old, _ in start[k]))
        for k, svc in enumerate(scenario.services)
    ))  # fmt: skip


def _second_steps(scenario, first: set[str]):
    """Per end of the first step (``first`` deploying, the others keeping still) that the
    oracle reaches by any rules: the second step's scenario, from there."""
    step = replace(scenario, services=tuple(
        replace(svc, deploy=svc.name in first) for svc in scenario.services
    ))  # fmt: skip
    oracle = Oracle(step)
    for state in sorted(oracle.reachable(ecs=False)):
        if not oracle.complete(state):
            continue
        new = {name: tuple(nw for _, nw in state[k]) for k, name in enumerate(oracle.names)}
        yield replace(scenario, services=tuple(
            replace(svc, placement=tuple(0 for _ in new[svc.name]), new_placement=new[svc.name])
            if svc.name in new else svc
            for svc in scenario.services
        ))  # fmt: skip


def test_a_proven_second_step_is_safe_from_every_end_of_the_first():
    """Tiny scenarios of two services, both deploying: where a service can go second by a
    proof that never asks where new tasks run, the oracle finds the second step safe from
    every end state of the first that it reaches, by ECS rules or any others."""
    rng = random.Random(20261205)
    cases = ends = 0
    for _ in range(3000):
        scenario = tiny_scenario(rng)
        if len(scenario.services) < 2 or not all(s.deploy for s in scenario.services):
            continue
        try:
            problem = compile_problem(scenario)
        except DoesNotFit:
            continue
        later, _ = steps.later_services(problem, Deadline(5))
        if not later:
            continue
        names = [svc.name for svc in problem.services]
        first = {names[s] for s in range(len(names)) if s not in later}
        placed = _placed(scenario)
        for second in _second_steps(placed, first):
            assert oracle_verdict(second) == "safe", (scenario, first)
            ends += 1
        cases += 1
        if cases == 40:
            break
    assert cases == 40 and ends >= cases  # reached: every case had an end to check


def _after(scenario, state, oracle, done: set[str]):
    """``scenario`` once the services ``done`` reached ``state`` (the oracle's): they keep
    still from then on, as their new revision where the state has it; the others keep
    their old tasks where they run."""
    new = {name: tuple(nw for _, nw in state[k]) for k, name in enumerate(oracle.names)}
    return replace(scenario, services=tuple(
        replace(svc, task_definition=svc.new_task_definition, placement=new[svc.name],
                deploy=False)
        if svc.name in done else svc
        for svc in scenario.services
    ))  # fmt: skip


def _steps_safe(scenario, steps_left: list[list[str]]) -> int:
    """Every step after the first, from every end of the ones before that the oracle
    reaches by any rules, checked safe by the oracle; how many such steps it checked."""
    first, *rest = steps_left
    step = replace(scenario, services=tuple(
        replace(svc, deploy=svc.name in first) for svc in scenario.services
    ))  # fmt: skip
    oracle = Oracle(step)
    if not rest:
        assert oracle.verdict == "safe", (scenario, first)
        return 1
    checked = 0
    for state in sorted(oracle.reachable(ecs=False)):
        if oracle.complete(state):
            checked += _steps_safe(_after(step, state, oracle, set(first)), rest)
    return checked


def _three_services(rng: random.Random):
    """Two tiny scenarios' services on the first one's cluster, where that makes three."""
    a, b = tiny_scenario(rng), tiny_scenario(rng)
    services = [replace(s, name=f"a{k}") for k, s in enumerate(a.services)]
    services += [replace(s, name=f"b{k}") for k, s in enumerate(b.services)]
    return replace(a, services=tuple(services)) if len(services) == 3 else None


def test_every_later_step_is_safe_from_every_end_of_the_steps_before():
    """Three services on up to three instances: where planner splits the rollout into
    steps, each after the first proven wherever the earlier steps' tasks landed, the
    oracle checks every later step from every end state of the steps before it that it
    reaches, by ECS rules or any others. Every split is checked (two steps, then three)
    where the first step can end; where it cannot, the later steps' proofs hold for no
    end at all, and the oracle finds the first step unsafe, so the full solve that
    :func:`planner.deciding.fixes.in_steps` makes of it turns the split down."""
    rng = random.Random(1)
    ended = unended = chains = 0
    for _ in range(6000):
        scenario = _three_services(rng)
        if scenario is None or not all(s.deploy for s in scenario.services):
            continue
        try:
            problem = compile_problem(scenario)
        except DoesNotFit:
            continue
        placed = _placed(scenario)
        for first, later in steps.later_steps(scenario, problem, Deadline(5)):
            head = [svc.name for svc in first.services if svc.deploy]
            if _steps_safe(placed, [head, *(names for names, _ in later)]):
                ended += 1
                chains += len(later) == 2
            else:  # no end of the first step: it never completes
                step = replace(placed, services=tuple(
                    replace(svc, deploy=svc.name in head) for svc in placed.services
                ))  # fmt: skip
                assert Oracle(step).verdict != "safe", (placed, head)
                unended += 1
        if chains == 12:
            break
    assert chains == 12 and ended >= 30 and unended >= 1, (ended, unended)  # reached


def test_no_split_is_compiled_where_compiling_would_overrun():
    """A split compiles the step before it (as long as the scenario's compile took, with
    no look at the clock): with less than twice that left, none is made."""
    from pathlib import Path

    from planner import load_scenario

    sc = load_scenario(Path(__file__).resolve().parents[1] / "data/roomy-at-risk.yaml")
    problem = compile_problem(sc)
    assert list(steps.later_steps(sc, problem, Deadline(5), compile_seconds=3)) == []
    first, later = next(steps.later_steps(sc, problem, Deadline(5), compile_seconds=0.01))
    assert [s.name for s in first.services if s.deploy] == ["svc006", "svc007"]
    assert later == [([f"svc00{k}" for k in (0, 1, 2, 3, 4, 5, 8, 9)], "counts")]


def test_a_service_kept_still_keeps_its_tasks_where_they_ran():
    """What a step's problem rests on: a deploying service made to keep still
    (``deploy: false``) is static load where its old tasks ran, and the services that
    still deploy have their old tasks where they had them (placement by ROLLOUT.md §3's
    rule, no placement given)."""
    from pathlib import Path

    from planner import load_scenario

    sc = load_scenario(Path(__file__).resolve().parents[1] / "data/roomy-at-risk.yaml")
    whole = compile_problem(sc)
    names = [svc.name for svc in whole.services]
    still = set(names[::2])
    step = compile_problem(replace(sc, services=tuple(
        replace(svc, deploy=False) if svc.name in still else svc for svc in sc.services
    )))  # fmt: skip
    assert [svc.name for svc in step.services] == names[1::2]
    for i in range(whole.n_instances):
        load = list(whole.instances[i].static)
        for s, name in enumerate(names):
            if name in still:
                load = [
                    a + whole.initial[i][s] * b
                    for a, b in zip(load, whole.services[s].old.vector, strict=True)
                ]
        assert tuple(load) == tuple(step.instances[i].static)
        assert step.initial[i] == whole.initial[i][1::2]
