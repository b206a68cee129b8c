"""The verdict on a cluster that reacts (ROLLOUT.md §10): §4's three verdicts over runs in
which a capacity provider's group grows after a wave that left tasks PROVISIONING.

The proofs, cheapest first:

1. Runs by ECS rules with the scale-out step (ECS's scheduler as configured, the
   adversary's and randomised runs): a run that completes proves the rollout possible, a
   run that dies proves ECS can hang; both: ``at-risk``. One of the two is always known
   (ECS's default run ends one way or the other), so what follows looks for the other.
2. A run completes, none died so far:

   a. the volume proofs and the count sets (:mod:`planner.solvers.volume`,
      :mod:`planner.solvers.counts`) on the fleet at the start, where the instances not
      yet launched are closed and count as blocked: a start left unplaced on the
      reacting cluster fits no open instance, so none of those open from the start, and
      the tasks on launched instances only take from the volumes those have. So "no
      dead state", "never blocked" and settled complete counts hold here too: ``safe``;
      and every run's counts keep to the sets, which narrow CP-SAT's model below;
   b. every run by ECS rules (:mod:`planner.solvers.exhaustive`), exact and
      exponential, on rollouts whose first wave it can list
      (:func:`~planner.solvers.exhaustive.too_big`), for a quarter of what is left
      (:data:`~planner.running.clock.REACTING_SEARCH`): none dies: ``safe``; one dies:
      ``at-risk``;
   c. CP-SAT's count model with the groups' growth
      (:mod:`planner.solvers.cpsat_reacting`, which says why its answers are proofs),
      at growing horizons: no run by ECS rules unfinished after ``H`` waves: ``safe``; a
      run that dies and replays through the plain model: ``at-risk``. Its growth is exact
      where each service's strategy names one provider and the estimate's table is
      small, over-approximated otherwise; a witness that does not replay proves nothing
      (``unknown``).
3. A run dies, none completed so far:

   a. on small rollouts, every run by ECS rules (for the shortest run that dies) and
      every plan by the general rules (:func:`~planner.solvers.exhaustive.plan_search`):
      none completes: ``hangs``; one does: ``at-risk``;
   b. ``hangs`` by the fixed fleet that holds every instance the groups may launch,
      open from the start (:func:`relaxed`): every run on the reacting cluster is a plan
      there (its instances are a subset, opened in time; its waves keep the same
      bounds), so if no plan completes there, none completes here. Its other answers
      prove nothing here. Cheap where the new tasks do not fit even that fleet, so it
      goes before CP-SAT, with half (:data:`~planner.running.clock.REACTING_FLEET`).
   c. CP-SAT's model under the general rules, any stops the bound allows, at growing
      horizons up to :func:`~planner.solvers.reacting_search.plan_bound`: a plan that
      replays: ``at-risk``; none within the bound: ``hangs``.

Counting (one service, old and new tasks alike: ECS's run decides) stands aside: runs
that free and fill the same slots may still launch different instances, as the growth
counts the instances that run a task.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from planner.deciding import phases, scheduler
from planner.deciding.analysis import Analysis, at_risk, attach_dead, hangs
from planner.deciding.ecs_runs import other_runs
from planner.deciding.scheduler import Summary
from planner.deciding.verdicts import Verdict
from planner.errors import OutOfTime
from planner.model.horizon import max_waves
from planner.model.problem import Problem
from planner.model.rollout import Run, initial_state, is_complete, simulate
from planner.running import clock, progress
from planner.running.clock import Deadline
from planner.solvers import exhaustive

if TYPE_CHECKING:  # counts imports ortools, which is slow to load
    from planner.solvers.counts import CountSets


def relaxed(problem: Problem) -> Problem:
    """The fixed fleet with every instance the groups may launch open from the start,
    and no scale-out (step 3b of this module's proofs)."""
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
        default = simulate(problem, deadline=deadline)
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
    if complete is not None:
        found = _when_one_completes(problem, deadline, workers, seed, complete, default)
    else:
        assert dead is not None  # ECS's default run ended one way or the other
        found = _when_one_dies(problem, deadline, workers, seed, dead)
    if found is not None:
        return found
    a = Analysis(
        Verdict.UNKNOWN,
        "time limit or size: "
        + ("a run completes" if complete else "no run that completes was found")
        + (", and a run by ECS rules dies" if dead else ", and no run by ECS rules died")
        + "; on a cluster that reacts planner proves safe by volumes, every run (small "
        "rollouts) or CP-SAT's model of the growth, and hangs by every plan (small "
        "rollouts), the fleet with every instance the groups may launch, or CP-SAT's model",
        plan=complete.waves if complete else None,
    )
    attach_dead(problem, a, dead)
    return a


def _when_one_completes(
    problem: Problem, deadline: Deadline, workers: int, seed: int, complete: Run, default: Run
) -> Analysis | None:
    """Step 2: ``safe``, or ``at-risk`` with a run that dies; None: not decided."""
    found, sets = _by_volumes(problem, deadline, complete)
    if found is None:
        found, _ = _exhaustive(problem, deadline.share(clock.REACTING_SEARCH), complete, None)
    if found is None:
        found = _dead_run_by_cp_sat(problem, deadline, workers, seed, complete, default, sets)
    return found


def _when_one_dies(
    problem: Problem, deadline: Deadline, workers: int, seed: int, dead: Run
) -> Analysis | None:
    """Step 3: ``hangs``, or ``at-risk`` with a plan that completes; None: not decided."""
    found, dead_ = _exhaustive(problem, deadline.share(clock.REACTING_SEARCH), None, dead)
    dead = dead_ or dead
    if found is None:  # (with a run that dies, a plan found is at-risk: an Analysis)
        planned = _plans(problem, deadline.share(clock.REACTING_SEARCH), dead)
        found = planned if isinstance(planned, Analysis) else None
    if found is None:
        found = _relaxed_hangs(problem, deadline.share(clock.REACTING_FLEET), workers, seed, dead)
    if found is None:
        found = _plan_by_cp_sat(problem, deadline, workers, seed, dead)
    return found


def _by_volumes(
    problem: Problem, deadline: Deadline, complete: Run
) -> tuple[Analysis | None, CountSets | None]:
    """The volume proofs and the count sets on the fleet at the start (step 2a): ``safe``,
    or None and the count sets for CP-SAT (those of the waves computed in time)."""
    from planner.solvers import volume
    from planner.solvers.counts import count_sets

    progress.phase("proofs from volumes and counts, on the fleet at the start")
    volumes = deadline.share(clock.VOLUME)
    if volume.no_dead_state(problem, volumes):
        a = Analysis(Verdict.SAFE, _NO_DEAD_STATE, plan=complete.waves)
        if volume.never_blocked(problem, volumes):  # and no task ever waits: none launched
            a.most_added = problem.added_at_start
        return a, None
    if volume.never_blocked(problem, volumes):
        a = Analysis(Verdict.SAFE, _NEVER, plan=complete.waves)
        a.most_added = problem.added_at_start  # nothing PROVISIONING: no run launches
        return a, None
    sets = count_sets(problem, max_waves(problem), deadline.share(clock.COUNT_SETS))
    if sets.all_complete():
        return Analysis(Verdict.SAFE, _COUNTS, plan=complete.waves), sets
    return None, sets


_NO_DEAD_STATE = (
    "volume: the tasks cannot fill every instance running at the start enough to block any "
    "service, so no dead state exists, whatever the groups launch, and every run by ECS "
    "rules completes"
)
_NEVER = (
    "volume: in no wave can the tasks fill every instance running at the start enough to "
    "leave a start unplaced, so no task is ever PROVISIONING and every run by ECS rules "
    "has the counts of a completing run"
)
_COUNTS = (
    "counts: a service can be left with a start unplaced only in waves where the tasks "
    "could fill every instance running at the start for it; past those, every run by ECS "
    "rules has all its counts complete, whatever the groups launch"
)


def _exhaustive(
    problem: Problem, deadline: Deadline, complete: Run | None, dead: Run | None
) -> tuple[Analysis | None, Run | None]:
    """Every run by ECS rules, on small problems: none dies: ``safe``; one dies beside a
    run that completes: ``at-risk``; else the shortest run that dies, if any."""
    if exhaustive.too_big(problem):
        return None, dead  # it could not list the first state's waves, let alone all
    progress.phase("every run by ECS rules with scale-out")
    try:
        status, path, states, seen = exhaustive.search(problem, deadline)
    except OutOfTime:
        return None, dead
    if status == "none":
        plan = complete.waves if complete else simulate(problem).waves
        a = Analysis(
            Verdict.SAFE,
            f"every run by ECS rules completes, scale-out included: all {seen} states they "
            "reach were visited, none dead",
            plan=plan,
        )
        a.most_added = exhaustive.most_added(states or [])
        return a, dead
    if status == "found" and path is not None and states is not None:
        run = Run(path, states)
        if complete is not None:
            return at_risk(
                problem,
                complete.waves,
                run,
                f"a run completes, and a run by ECS rules dies (found among {seen} states)",
                0.0,
            ), run
        if dead is None or len(run.waves) < len(dead.waves):
            dead = run  # (the shortest: the search goes wave by wave)
    return None, dead


def _plans(problem: Problem, deadline: Deadline, dead: Run | None) -> Analysis | Run | None:
    """Every plan by the general rules, on small problems: none completes: ``hangs``; a
    plan that completes beside a run that dies: ``at-risk``; a plan alone: the plan."""
    if exhaustive.too_big(problem):
        return None
    progress.phase("every plan with scale-out")
    try:
        status, path, states, seen = exhaustive.plan_search(problem, deadline)
    except OutOfTime:
        return None
    if status == "found" and path is not None and states is not None:
        plan = Run(path, states, complete=True)
        if dead is not None:
            return at_risk(
                problem, plan.waves, dead, "a plan completes, and a run by ECS rules dies", 0.0
            )
        return plan
    if status == "none":
        if dead is None:
            dead = simulate(problem, deadline=deadline)
        return hangs(
            problem,
            dead,
            f"no plan completes, scale-out included: all {seen} states the general rules "
            "reach were visited",
        )
    return None


def _dead_run_by_cp_sat(
    problem: Problem,
    deadline: Deadline,
    workers: int,
    seed: int,
    complete: Run,
    default: Run,
    sets: CountSets | None,
) -> Analysis | None:
    """A run completes: CP-SAT's model with the growth proves that every run by ECS
    rules completes within a horizon (``safe``), or finds one that dies (``at-risk``);
    None when the time runs out or its witness does not replay. ``sets``: the count
    sets, which every run's counts keep to (step 2a)."""
    from planner.solvers import reacting_search

    until = deadline.share(clock.REACTING_CP_SAT)
    found = reacting_search.dead_run(problem, until, workers, seed, default, sets)
    if found.status == "none":
        return Analysis(
            Verdict.SAFE,
            f"CP-SAT, scale-out included: no run by ECS rules is unfinished after "
            f"{found.horizon} waves, so every run completes",
            plan=complete.waves,
            solver_seconds=found.seconds,
        )
    if found.run is not None:
        return at_risk(
            problem,
            complete.waves,
            found.run,
            "a run completes, and CP-SAT found a run by ECS rules that dies, scale-out included",
            found.seconds,
        )
    return None


def _plan_by_cp_sat(
    problem: Problem, deadline: Deadline, workers: int, seed: int, dead: Run
) -> Analysis | None:
    """A run dies, none completed so far: CP-SAT looks for a completing plan with the
    growth at growing horizons (``at-risk``), up to the bound (``hangs``)."""
    from planner.solvers import reacting_search

    until = deadline.share(clock.REACTING_CP_SAT)
    first = 2 * len(dead.waves) + 2
    found = reacting_search.completing_plan(problem, until, workers, seed, first)
    if found.run is not None:
        return at_risk(
            problem,
            found.run.waves,
            dead,
            "CP-SAT found a completing plan, scale-out included; a run by ECS rules dies",
            found.seconds,
        )
    if found.status == "none":
        a = hangs(
            problem,
            dead,
            f"CP-SAT, scale-out included: no plan completes within {found.horizon} waves, "
            "the most any plan needs (each wave stops, starts or launches something)",
        )
        a.solver_seconds = found.seconds
        return a
    return None


def _relaxed_hangs(
    problem: Problem, deadline: Deadline, workers: int, seed: int, dead: Run
) -> Analysis | None:
    """``hangs`` if no plan completes even with every launchable instance open."""
    fixed = relaxed(problem)
    progress.phase("the fleet with every instance the groups may launch")
    try:
        first = scheduler.summarise(fixed, seed=seed, most=1, deadline=deadline)
        if first.default_run is not None and first.default_run.complete:
            return None  # a plan completes there: it proves nothing here
        a = phases.decide(fixed, deadline, workers, seed, None, True, first, {})
    except OutOfTime:
        return None
    if a.verdict != Verdict.HANGS:
        return None
    return hangs(
        problem,
        dead,
        "no plan completes even on the fleet with every instance the groups may launch "
        f"open from the start ({a.proof}), and every run here is a plan there",
        final_state="final-state" in a.notes,
    )
