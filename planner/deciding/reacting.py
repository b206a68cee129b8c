"""The verdict on a cluster that reacts (ROLLOUT.md §10): §4's three verdicts over runs in
which a capacity provider's group grows after a wave that left tasks PROVISIONING.

The proofs, cheapest first:

1. Runs by ECS rules with the scale-out step (ECS's scheduler as configured, the
   adversary's and randomised runs): a run that completes proves the rollout possible, a
   run that dies proves ECS can hang; both: ``at-risk``.
2. Every run by ECS rules (:mod:`planner.solvers.exhaustive`), on problems small enough:
   none dies: ``safe``; one dies: the witness.
3. ``hangs`` by the fixed fleet that holds every instance the groups may launch, open
   from the start (:func:`relaxed`): every run on the reacting cluster is a plan there
   (its instances are a subset, opened in time; its waves keep the same bounds), so if
   no plan completes there, none completes here. Its other answers prove nothing here.

Counting and the volume argument stand aside: they reason over a fixed set of instances,
and a group that grows changes the set between waves. CP-SAT answers here only through
the fixed fleet of step 3.
"""

from __future__ import annotations

from dataclasses import replace

from planner.deciding import phases, scheduler
from planner.deciding.analysis import Analysis, at_risk, attach_dead, hangs
from planner.deciding.ecs_runs import other_runs
from planner.deciding.scheduler import Summary
from planner.deciding.verdicts import Verdict
from planner.errors import OutOfTime
from planner.model.problem import Problem
from planner.model.rollout import Run, initial_state, is_complete, simulate
from planner.running import clock, progress
from planner.running.clock import Deadline
from planner.solvers import exhaustive


def relaxed(problem: Problem) -> Problem:
    """The fixed fleet with every instance the groups may launch open from the start,
    and no scale-out (step 3 of this module's proofs)."""
    full = problem.at(tuple(len(g.launchable) for g in problem.groups))
    return replace(full, groups=(), shares=(), start_added=())


def decide(
    problem: Problem,
    deadline: Deadline,
    workers: int,
    seed: int,
    tries: int | None,
    summary: Summary,
    known: dict[str, Run | None],
) -> Analysis:
    """The verdict on a reacting cluster (this module's list of proofs)."""
    if is_complete(problem, initial_state(problem)):
        return Analysis(
            Verdict.SAFE, "nothing to replace: every service already runs its new tasks", plan=[]
        )
    default = summary.default_run
    if default is None:
        default = simulate(problem, deadline=deadline.perf_counter())
    complete = default if default.complete else summary.complete_run
    dead = summary.first_hang or (None if default.complete else default)
    known.update(complete=complete, dead=dead)
    if complete is None or dead is None:
        progress.phase("runs by ECS rules with scale-out")
        for run in other_runs(problem, seed, tries, deadline):
            if run.complete and complete is None:
                complete = run
            elif not run.complete and dead is None:
                dead = run
            known.update(complete=complete, dead=dead)
            if complete is not None and dead is not None:
                break
    if complete is not None and dead is not None:
        return at_risk(
            problem, complete.waves, dead, "a run completes, and a run by ECS rules dies", 0.0
        )
    found = _exhaustive(problem, deadline.share(clock.REACTING_SEARCH), complete, dead)
    if found is not None:
        return found
    if complete is None:
        found = _relaxed_hangs(problem, deadline, workers, seed, dead)
        if found is not None:
            return found
    a = Analysis(
        Verdict.UNKNOWN,
        "time limit or size: "
        + ("a run completes" if complete else "no run that completes was found")
        + (", and a run by ECS rules dies" if dead else ", and no run by ECS rules died")
        + "; on a cluster that reacts planner proves safe by visiting every run (small "
        "rollouts only) and hangs on the fleet with every instance the groups may launch",
        plan=complete.waves if complete else None,
    )
    attach_dead(problem, a, dead)
    return a


def _exhaustive(
    problem: Problem, deadline: Deadline, complete: Run | None, dead: Run | None
) -> Analysis | None:
    progress.phase("every run by ECS rules with scale-out")
    try:
        status, path, states, seen = exhaustive.search(problem, deadline.perf_counter())
    except OutOfTime:
        return None
    if status == "none":
        plan = complete.waves if complete else simulate(problem).waves
        a = Analysis(
            Verdict.SAFE,
            f"every run by ECS rules completes, scale-out included: all {seen} states they "
            "reach were visited, none dead",
            plan=plan,
        )
        a.most_added = exhaustive.most_added(states or [])
        return a
    if status == "found" and path is not None and states is not None:
        run = Run(path, states)
        if complete is not None:
            return at_risk(
                problem,
                complete.waves,
                run,
                f"a run completes, and a run by ECS rules dies (found among {seen} states)",
                0.0,
            )
        if dead is None:
            dead = run
    return None


def _relaxed_hangs(
    problem: Problem, deadline: Deadline, workers: int, seed: int, dead: Run | None
) -> Analysis | None:
    """``hangs`` if no plan completes even with every launchable instance open."""
    fixed = relaxed(problem)
    progress.phase("the fleet with every instance the groups may launch")
    try:
        first = scheduler.summarise(fixed, seed=seed, most=1, deadline=deadline)
        a = phases.decide(fixed, deadline, workers, seed, None, True, first, {})
    except OutOfTime:
        return None
    if a.verdict != Verdict.HANGS:
        return None
    if dead is None:
        dead = simulate(problem, deadline=deadline.perf_counter())
        if dead.complete:  # cannot be: a run here is a plan there
            return None
    out = hangs(
        problem,
        dead,
        "no plan completes even on the fleet with every instance the groups may launch "
        f"open from the start ({a.proof}), and every run here is a plan there",
        final_state="final-state" in a.notes,
    )
    return out
