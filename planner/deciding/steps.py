"""Deploying in two steps, with the second step proven too (:func:`second_step`).

A fleet-wide rollout that is at-risk or ``unknown`` may be safe in two steps: first some
services (the others keeping still), then the rest. The first step is a rollout like any
other, and a full solve can prove it safe. The second step starts where ECS put the first
step's new tasks, which no solve can know in advance. It is proven here only by arguments
that never ask where a new task runs:

- the volumes (:func:`planner.solvers.volume.no_dead_state`,
  :func:`~planner.solvers.volume.never_blocked`) count every task of a service as a type
  with a total, and old tasks in the class of instances where they ran; a new task may be
  on any instance whose rows hold it;
- the count sets (:func:`planner.solvers.counts.count_sets`) are made of the volumes and
  of each service's own counts.

So a proof of the second step's problem with the first step's services done (no old task,
every new one, :func:`after_first`) holds wherever their new tasks are. The first step's
services are still services of that problem, done, not static load: static load would
put them on given instances, and the proof would hold for those instances only.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from planner.model.horizon import max_waves
from planner.model.problem import Problem
from planner.running.clock import Deadline

#: The proof line of a second step, per argument (:func:`proof`).
PROOFS = {
    "no-dead-state": "the volumes leave no dead state",
    "never-blocked": "the volumes leave no start unplaced in any wave",
    "counts": "the count sets complete every service",
}


def after_first(
    problem: Problem, first: Collection[int], end_new: Sequence[Sequence[int]] | None = None
) -> Problem:
    """``problem`` once the services ``first`` are done: no old task, every new one (on
    the instances ``end_new`` gives, per instance and service of ``problem``; None: where
    their old tasks ran, a stand-in, as :func:`proof` never asks). The others as at the
    start."""
    initial = [list(row) for row in problem.initial]
    start = [list(row) for row in problem.start_new]
    for s in first:
        if end_new is None and problem.old_totals[s] != problem.services[s].desired:
            raise ValueError("a stand-in needs as many old tasks as new ones")
        for i in range(problem.n_instances):
            start[i][s] = problem.initial[i][s] if end_new is None else end_new[i][s]
            initial[i][s] = 0
    return replace(
        problem,
        initial=tuple(map(tuple, initial)),
        initial_new=tuple(map(tuple, start)),
    )


def proof(problem: Problem, deadline: Deadline) -> str | None:
    """The key of :data:`PROOFS` of the first argument that proves every run by ECS rules
    of ``problem`` completes, whatever instances its new tasks run on; None: none does
    (or ``deadline`` came first)."""
    from planner.solvers import volume  # here: ortools is slow to load
    from planner.solvers.counts import count_sets

    if volume.no_dead_state(problem, deadline):
        return "no-dead-state"
    if volume.never_blocked(problem, deadline):
        return "never-blocked"
    if not deadline.expired and count_sets(problem, max_waves(problem), deadline).all_complete():
        return "counts"
    return None


def later_services(problem: Problem, deadline: Deadline) -> list[int]:
    """The services of a second step that a proof covers, as many as it can: those the
    count sets of the whole rollout never leave unfinished first (where that proof
    holds), then one at a time, the ones whose new tasks fit most instances first. Every
    service but one at most; [] where none can go second."""
    from planner.deciding.ecs_runs import hardest_first
    from planner.solvers.counts import count_sets

    S = problem.n_services
    if S < 2 or any(problem.old_totals[s] != svc.desired for s, svc in enumerate(problem.services)):
        return []
    stake = count_sets(problem, max_waves(problem), deadline).at_stake()
    later: list[int] = []
    if stake is not None and 0 < len(stake) < S:
        calm = [s for s in range(S) if s not in stake]
        if proof(after_first(problem, stake), deadline) is not None:
            return calm
    for s in reversed(hardest_first(problem, range(S))):
        if deadline.expired or len(later) == S - 1:
            break
        step = [*later, s]
        first = [t for t in range(S) if t not in step]
        if proof(after_first(problem, first), deadline) is not None:
            later = step
    return later
