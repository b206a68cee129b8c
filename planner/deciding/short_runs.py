"""The search for a run by ECS rules that dies within a few waves (:func:`short_dead_run`):
CP-SAT's complete search one horizon at a time, then local-search turns at the horizons
it could not settle, side by side with two workers or more (:func:`side_by_side`)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from planner.deciding.beside import cores, died
from planner.deciding.ecs_runs import hardest_first
from planner.errors import OutOfTime
from planner.model.horizon import max_waves
from planner.model.problem import Problem
from planner.model.rollout import Run
from planner.model.state import State
from planner.running import clock
from planner.running.clock import Deadline

if TYPE_CHECKING:  # counts imports ortools, which is slow to load
    from planner.deciding.beside import RunsBeside
    from planner.solvers.counts import CountSets
    from planner.solvers.cpsat import RolloutModel


#: The most waves that search unrolls; later deaths are left to the full horizon.
SHORT_RUNS_WAVES = 8
#: At how many unsettled horizons local search takes turns, and its shortest first turn.
SHORT_RUNS_TURNS = 3


def short_dead_run(
    problem: Problem,
    sets: CountSets,
    start: Run,
    until: Deadline,
    workers: int,
    seed: int,
    beside: RunsBeside | None = None,
    end: State | None = None,
) -> tuple[Run | None, float]:
    """A run by ECS rules dead after at most :data:`SHORT_RUNS_WAVES` waves, if one is
    found by ``until`` (:data:`~planner.running.clock.SHORT_RUNS` of the analysis'
    time); and the seconds CP-SAT spent.

    Dead at an earlier wave is dead at every later one (nothing can stop or start, so the
    state stays), so each horizon includes the ones before; but local search finds a run
    far sooner in the shortest model that has one. So the complete search goes first,
    one wave more at a time, for a twelfth of what is left at each
    (:data:`~planner.running.clock.SHORT_HORIZON`): it proves "no run is dead by then"
    in moments where there is none, which local search can never do. At the first
    :data:`SHORT_RUNS_TURNS` horizons it cannot settle, local search then takes turns
    until the budget is spent, each a quarter of what was left at first, twice as long
    after each cycle of aims, with another seed each; with two workers or more, the
    horizons' turns run side by side, a thread each, as many at once as CP-SAT has
    workers, and a run found stops the others
    (an unseen-family run was found sooner so: the horizon that has it got its turn at
    once). Local search starts from ``start`` (ECS's default run): it found runs sooner
    from there, whatever the seed; the complete search runs without it
    (:meth:`~planner.solvers.cpsat.RolloutModel.solve`), and, where ``end`` is given (a
    dead state CP-SAT found, reachable or not), that state as its last wave's
    (:func:`hint_towards`).

    **Aims.** The first round searches for any run that dies; the next ones each aim at
    one service the count sets leave at stake (:func:`_aims`, the hardest to place
    first): a run that dies leaving that service unfinished
    (:meth:`~planner.solvers.wave_rules.WaveRules.aim`). An aim only restricts the same
    model, so what it finds is the same proof. On the scale family's M 50 % fleet-wide
    s1, local search at 4 waves from ECS's default run found the run that dies in
    0.4–0.8 s aimed at svc006 (three seeds), 1.8–5.0 s untargeted. (Until the ninth
    session of issue 24 an aim was an assumption, which local search ignores: the aimed
    turns were untargeted turns with other seeds, and so was the figure once quoted
    here for the honest family's M 70 % fleet-wide s2.)

    On the scale family's at-risk scenarios the runs that die did so within a few waves,
    far fewer than ECS's default run took. Local search found them at the first unsettled
    horizon, and not a wave or two later, nor at the length of ECS's run; on an
    unseen-family scenario the first unsettled horizon had none (the complete search
    proved it) and local search found one a wave later. (Measured in
    benchmarks/README.md.)

    ``beside``: the runs by ECS rules going on in another thread
    (:class:`~planner.deciding.beside.RunsBeside`): while they do, CP-SAT gets a worker
    fewer, and once one of them dies the search stops (None returned: the run is
    ``beside``'s).
    """
    spent = 0.0
    unsettled: list[RolloutModel] = []
    for h in range(1, min(SHORT_RUNS_WAVES, max_waves(problem)) + 1):
        if until.left() < 0.05 or len(unsettled) == SHORT_RUNS_TURNS or died(beside):
            break
        try:
            model = rollout_model(problem, h, True, until, beside)
        except OutOfTime:
            break
        model.restrict_counts(sets)
        model.target_dead()
        ans = model.solve(
            clock.SHORT_HORIZON.seconds(until), cores(beside, workers), seed, portfolio=True
        )
        spent += ans.seconds
        if ans.status == "found" and ans.dead:
            return run_of(ans), spent
        if ans.status == "unknown":
            hint_towards(model, start, end)  # for local search (the complete search runs without)
            unsettled.append(model)
    try:
        found, searched = _local_search(problem, sets, unsettled, until, workers, seed, beside)
    finally:  # the models are left unaimed, whatever happened
        for m in unsettled:
            m.aim(None)
    return found, spent + searched


def _local_search(
    problem: Problem,
    sets: CountSets,
    unsettled: list[RolloutModel],
    until: Deadline,
    workers: int,
    seed: int,
    beside: RunsBeside | None,
) -> tuple[Run | None, float]:
    """Local search's turns at the ``unsettled`` horizons (:func:`short_dead_run`), each
    aiming the models it searches: a run that dies, if one is found by ``until``, and
    the seconds CP-SAT spent."""
    spent = 0.0
    # local search at the unsettled horizons, untargeted and aimed at each service that
    # can be left unfinished at all (the count sets'), when they are few
    aims: list[int | None] = [None, *_aims(problem, sets)]
    slots = [(m, a) for a in aims for m in unsettled]
    # the first turn: a quarter of what is left (restarting costs local search its way);
    # the aims take turns round by round, each cycle of them twice as long
    turn = clock.FIRST_TURN.seconds(until)
    for k in itertools.count():
        if not slots or until.left() < 0.05 or died(beside):
            break
        aim = aims[k % len(aims)]
        group = [m for m, a in slots if a == aim]
        if not group:
            continue
        left = until.left()
        built = max(m.build_seconds for m in group)
        if left < 0.05 + 1.5 * built:  # CP-SAT would not even start
            break
        asked = min(turn, left)
        for m in group:
            m.aim(aim)
        # with two workers or more, the horizons' turns run side by side, a core each,
        # as many at once as there are workers (three threads on two cores missed a
        # run that one worker found: benchmarks/README.md, issue 24's tenth session);
        # with one, one after another
        n = cores(beside, workers)
        batches = [group[i : i + n] for i in range(0, len(group), n)]
        for batch in batches:
            # CP-SAT is handed the model within its limit, which takes about as long as
            # building it: a turn shorter than that would search nothing (at 350
            # instances, every turn at 3 and 4 waves did; benchmarks/README.md), so a
            # turn is at least three times the build
            given = max(asked, 3 * max(m.build_seconds for m in batch))
            answers = side_by_side(batch, min(given, until.left()), seed + k)
            spent += max(ans.seconds for ans in answers)
            for model, ans in zip(batch, answers, strict=True):
                if ans.status == "found" and ans.dead:
                    return run_of(ans), spent
                if ans.seconds + model.build_seconds < given / 2:
                    # stopped early (presolve): it will find nothing with this aim
                    slots.remove((model, aim))
        if k % len(aims) == len(aims) - 1:
            turn *= 2
    return None, spent


def _aims(problem: Problem, sets: CountSets | None) -> list[int]:
    """The services local search is aimed at, one at a time: those the count sets leave
    at stake (every one if they do not say), the hardest to place first (where a new
    task fits on the fewest instances at the start)."""

    if sets is None:
        return []
    stake = sets.at_stake()
    chosen = list(range(problem.n_services)) if stake is None else list(stake)
    if len(chosen) < 2:
        return chosen  # one service at stake: the untargeted search is already aimed
    return hardest_first(problem, chosen)


def side_by_side(models: list[RolloutModel], seconds: float, seed: int) -> list:
    """Local search on each of ``models`` at once, one thread each (CP-SAT leaves Python
    while it solves), for ``seconds``; once one finds a run that dies, the others are
    stopped. Their answers, in the order of ``models`` (one model: solved here)."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    if len(models) == 1:
        return [models[0].solve(seconds, 1, seed, local_search=True)]

    with ThreadPoolExecutor(max_workers=len(models)) as pool:
        futures = {
            pool.submit(m.solve, seconds, 1, seed, local_search=True): k
            for k, m in enumerate(models)
        }
        answers: list = [None] * len(models)
        for done in as_completed(futures):
            ans = answers[futures[done]] = done.result()
            if ans.status == "found" and ans.dead:
                for m in models:
                    m.stop()
    return answers


def hint_towards(model: RolloutModel, start: Run, end: State | None) -> None:
    """Hint ``model`` with the run ``start`` (padded to the horizon), its last state
    replaced by ``end``, a dead state (None: ``start`` as it is). Local search starts
    from the hint: with a dead state from CP-SAT's dead-state model at the end, it found
    the honest family's M 70 % three-service s1 dying run at 3 waves in 10 of 24
    one-second turns, against 5 of 24 from ECS's default run alone (benchmarks/README.md,
    issue 24's twelfth session). A hint only chooses where the search starts: whatever
    it finds is a run of the model."""
    states = [start.states[min(w, len(start.states) - 1)] for w in range(model.H + 1)]
    if end is not None:
        states[-1] = end
    model.hint(states)


def run_of(ans) -> Run:
    """The run of a CP-SAT answer, up to its last move."""
    states = ans.states or []
    return Run(waves=ans.plan, states=states[: len(ans.plan) + 1])


def rollout_model(
    problem: Problem,
    horizon: int,
    ecs_rules: bool,
    deadline: Deadline,
    beside: RunsBeside | None = None,
):
    """A CP-SAT rollout model, built only while the deadline allows (its searches
    stopped once a run ``beside`` dies)."""
    from planner.solvers import cpsat

    model = cpsat.RolloutModel(problem, horizon, ecs_rules=ecs_rules, deadline=deadline)
    if beside is not None:
        beside.watch(model)
    return model
