"""Deploying in steps, every step proven (:func:`later_steps`).

A fleet-wide rollout that is at-risk or ``unknown`` may be safe in steps: first some
services (the others keeping still), then others. The first step is a rollout like any
other, and a full solve can prove it safe. A later step starts where ECS put the earlier
steps' new tasks, which no solve can know in advance. It is proven here only by arguments
that never ask where a new task runs:

- the volumes (:func:`planner.solvers.volume.no_dead_state`,
  :func:`~planner.solvers.volume.never_blocked`) count every task of a service as a type
  with a total, and old tasks in the class of instances where they ran; a new task may be
  on any instance whose rows hold it;
- the count sets (:func:`planner.solvers.counts.count_sets`) are made of the volumes and
  of each service's own counts.

So a proof of a later step's problem with the earlier steps' services done (no old task,
every new one, :func:`after_first`) holds wherever their new tasks are. Those services
are still services of that problem, done, not static load: static load would put them on
given instances, and the proof would hold for those instances only. The services of the
steps after it keep still, where their old tasks run, as static load.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import replace

from planner.model.horizon import max_waves
from planner.model.problem import DoesNotFit, Problem, compile_problem
from planner.model.scenario import Scenario
from planner.running.clock import Deadline

#: The proof line of a second step, per argument (:func:`proof`).
PROOFS = {
    "no-dead-state": "the volumes leave no dead state",
    "never-blocked": "the volumes leave no start unplaced in any wave",
    "counts": "the count sets complete every service",
}


def after_first(problem: Problem, first: Collection[int]) -> Problem:
    """``problem`` once the services ``first`` are done: no old task, every new one. Their
    new tasks are put where their old ones ran, a stand-in: :func:`proof` never asks
    where they are. The others as at the start."""
    initial = [list(row) for row in problem.initial]
    start = [list(row) for row in problem.start_new]
    for s in first:
        if problem.old_totals[s] != problem.services[s].desired:
            raise ValueError("the stand-in needs as many old tasks as new ones")
        for i in range(problem.n_instances):
            start[i][s], initial[i][s] = problem.initial[i][s], 0
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


def later_services(problem: Problem, deadline: Deadline) -> tuple[list[int], str | None]:
    """The services of a last step that a proof covers (with every other service done
    first), as many as it can, and the proof's key in :data:`PROOFS`: those the count sets
    of the whole rollout never leave unfinished (where that proof holds), else one at a
    time, the ones whose new tasks fit most instances first. Every service but one at
    most; ([], None) where none can go last."""
    from planner.deciding.ecs_runs import hardest_first
    from planner.solvers.counts import count_sets

    S = problem.n_services
    if S < 2 or any(problem.old_totals[s] != svc.desired for s, svc in enumerate(problem.services)):
        return [], None
    stake = count_sets(problem, max_waves(problem), deadline).at_stake()
    if stake is not None and 0 < len(stake) < S:
        how = proof(after_first(problem, stake), deadline)
        if how is not None:
            return [s for s in range(S) if s not in stake], how
    later: list[int] = []
    how = None
    for s in reversed(hardest_first(problem, range(S))):
        if deadline.expired or len(later) == S - 1:
            break
        step = [*later, s]
        found = proof(after_first(problem, [t for t in range(S) if t not in step]), deadline)
        if found is not None:
            later, how = step, found
    return later, how


def later_steps(
    scenario: Scenario, problem: Problem, deadline: Deadline, compile_seconds: float = 0.0
) -> Iterator[tuple[Scenario, list[tuple[list[str], str]]]]:
    """The rollout in ever more steps, every step after the first proven
    (:func:`later_services`): after each split, the first step's scenario (the others
    keeping still) and the later steps in order, each its services (in file order) and
    its proof's key.

    Found from the last: the most services a proof lets go last, then, of the rest, the
    most that may go just before them, and so on. Step ``k``'s proof has the steps before
    it done and the steps after it keeping still, as they are when it runs. No split is
    compiled with less than twice ``compile_seconds`` left (what compiling the scenario
    took: compiling a step takes as long, and cannot look at the clock).
    """
    out: list[tuple[list[str], str]] = []
    while not deadline.expired:
        later, how = later_services(problem, deadline)
        if not later or how is None:
            return
        if deadline.left() < 2 * compile_seconds:
            return
        names = [svc.name for s, svc in enumerate(problem.services) if s in later]
        earlier = replace(scenario, services=tuple(
            replace(svc, deploy=False) if svc.deploy and svc.name in names else svc
            for svc in scenario.services
        ))  # fmt: skip
        try:
            problem = compile_problem(earlier)
        except DoesNotFit:  # (not expected: the services kept still run as they did)
            return
        scenario = earlier
        out.insert(0, (names, how))
        yield scenario, list(out)
