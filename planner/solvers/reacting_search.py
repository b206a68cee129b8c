"""The two questions of §4 asked of CP-SAT's model with the groups' growth
(:class:`~planner.solvers.cpsat_reacting.ScaleOutModel`), horizon by horizon, and its
answers replayed through the plain model:

- :func:`dead_run`: can a run by ECS rules die? "none" (no run is unfinished after the
  horizon: every run completes) or a run that dies;
- :func:`completing_plan`: does any plan complete? A plan, or "none" within
  :func:`plan_bound` waves (no plan completes at all).

Why those answers are proofs: :mod:`planner.solvers.cpsat_reacting`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.errors import OutOfTime
from planner.model.horizon import max_waves, next_horizon
from planner.model.problem import Problem
from planner.model.rollout import (
    InvalidWave,
    Run,
    State,
    Wave,
    is_complete,
    is_dead,
    moves_of,
    replay,
)
from planner.running import progress
from planner.running.clock import Deadline

if TYPE_CHECKING:  # ortools is slow to load
    from planner.solvers.counts import CountSets

__all__ = ["Found", "completing_plan", "dead_run", "plan_bound", "run_of", "waves_of"]


@dataclass(frozen=True)
class Found:
    """What a search answered: ``none`` (proved: no such run within ``horizon`` waves,
    which covers every run), ``found`` (``run``, replayed), or ``unknown`` (the time ran
    out, or the model's answer did not replay: an over-approximated growth)."""

    status: str
    run: Run | None = None
    horizon: int = 0
    seconds: float = 0.0


def plan_bound(problem: Problem) -> int:
    """The most waves a completing plan needs once waves that change nothing are cut:
    each other wave stops an old task, starts a new one or launches an instance."""
    start = problem.added_at_start
    return (
        sum(map(sum, problem.initial))
        + sum(svc.desired for svc in problem.services)
        - sum(map(sum, problem.start_new))
        + sum(len(g.launchable) - start[k] for k, g in enumerate(problem.groups))
    )


def dead_run(
    problem: Problem,
    until: Deadline,
    workers: int = 1,
    seed: int = 0,
    start: Run | None = None,
    sets: CountSets | None = None,
) -> Found:
    """Can a run by ECS rules die? Horizons from one more wave than ``start`` (a run by
    ECS rules, the search's hint: ECS's default run) took, doubling up to
    :func:`~planner.model.horizon.max_waves`. At each, first: is any run unfinished after
    it (all the time left: its "no" is the proof)? If one is, and it is not dead: does any
    run die within it (a quarter of what is left)? Then the next horizon, where a run
    still going here goes on. ``sets``: count sets every run keeps to
    (:mod:`planner.solvers.counts`, on the fleet at the start), added to the model."""
    horizon = min(len(start.waves) + 1 if start else 1, max_waves(problem))
    spent = 0.0
    while True:
        progress.phase(f"CP-SAT with scale-out: runs by ECS rules unfinished after {horizon} waves")
        status, run, secs = _at(problem, horizon, until, workers, seed, start, sets)
        spent += secs
        if status != "going" or horizon >= max_waves(problem):
            return Found("unknown" if status == "going" else status, run, horizon, spent)
        horizon = next_horizon(horizon, problem)


def _at(
    problem: Problem,
    horizon: int,
    until: Deadline,
    workers: int,
    seed: int,
    start: Run | None,
    sets: CountSets | None,
) -> tuple[str, Run | None, float]:
    """One horizon of :func:`dead_run`: ``none``, ``found`` (a run that dies), ``going``
    (a run is unfinished, none found dead) or ``unknown``; and CP-SAT's seconds."""
    from planner.solvers.cpsat_reacting import ScaleOutModel

    spent = 0.0
    for target, seconds in (("unfinished", until.left()), ("dead", until.left() / 4)):
        try:
            model = ScaleOutModel(problem, horizon, ecs_rules=True, deadline=until)
        except OutOfTime:
            return "unknown", None, spent
        if sets is not None:
            model.restrict_counts(sets)
        if target == "dead":
            model.target_dead()
        else:  # a plain question of feasibility: the proof of safe is its "no"
            model.target_unfinished()
            model.m.clear_objective()
        if start is not None:
            model.hint(start.states)
        ans = model.solve(seconds, workers, seed)
        spent += ans.seconds
        if ans.status == "none":
            return ("none" if target == "unfinished" else "going"), None, spent
        if ans.status != "found":
            return ("unknown" if target == "unfinished" else "going"), None, spent
        run = run_of(problem, ans.states or [], ecs_rules=True)
        if run is not None and not run.complete and is_dead(problem, run.states[-1]):
            return "found", run, spent
        if target == "dead":  # an over-approximated growth: no witness, and it stays
            return "unknown", None, spent
    return "going", None, spent


def completing_plan(
    problem: Problem, until: Deadline, workers: int = 1, seed: int = 0, first: int = 2
) -> Found:
    """Does a plan complete, under the general rules with any stops the bound allows?
    Horizons from ``first``, doubling up to :func:`plan_bound`: a plan (replayed), or
    "none" at the bound."""
    from planner.solvers.cpsat_reacting import ScaleOutModel

    bound, spent = plan_bound(problem), 0.0
    horizon = max(1, min(first, bound))
    while True:
        progress.phase(f"CP-SAT with scale-out: does a plan of {horizon} waves complete")
        try:
            model = ScaleOutModel(
                problem, horizon, ecs_rules=False, free_stops=True, deadline=until
            )
        except OutOfTime:
            return Found("unknown", None, horizon, spent)
        model.target_complete()
        model.m.clear_objective()  # any plan: fewer waves would cost the time of a proof
        ans = model.solve(until.left(), workers, seed)
        spent += ans.seconds
        if ans.status == "found":
            run = run_of(problem, ans.states or [], ecs_rules=False)
            ok = run is not None and run.complete  # else an over-approximated growth
            return Found("found" if ok else "unknown", run if ok else None, horizon, spent)
        if ans.status == "unknown" or horizon >= bound:
            return Found(ans.status, None, horizon, spent)
        horizon = min(2 * horizon, bound)


def waves_of(states: list[State]) -> list[Wave]:
    """The waves between consecutive states, launches included; waves that change
    nothing are dropped (what follows a state depends on it alone)."""
    waves: list[Wave] = []
    for a, b in zip(states, states[1:], strict=False):
        if a == b:
            continue
        stops: dict[tuple[int, int], int] = {}
        starts: dict[tuple[int, int], int] = {}
        for i, (oa, ob, na, nb) in enumerate(zip(a.old, b.old, a.new, b.new, strict=True)):
            for s in range(len(oa)):
                if oa[s] > ob[s]:
                    stops[s, i] = oa[s] - ob[s]
                if nb[s] > na[s]:
                    starts[s, i] = nb[s] - na[s]
        launch = tuple(y - x for x, y in zip(a.added, b.added, strict=True))
        waves.append(Wave(moves_of(stops), moves_of(starts), launch if any(launch) else ()))
    return waves


def run_of(problem: Problem, states: list[State], *, ecs_rules: bool) -> Run | None:
    """The model's run as the plain model replays it (with ECS rules or not), or None
    where it does not replay or its states differ from the model's (an over-approximated
    growth). Whether it completes, dies or goes on is the caller's to ask."""
    waves = waves_of(states)
    try:
        replayed = replay(problem, waves, ecs_rules=ecs_rules)
    except InvalidWave:
        return None
    kept = [states[0]] + [b for a, b in zip(states, states[1:], strict=False) if a != b]
    if replayed != kept:
        return None
    return Run(waves, replayed, is_complete(problem, replayed[-1]))
