"""Deciding safe / at-risk / hangs for one compiled problem, each verdict with its proof.

The order is cheapest proof first:

1. ECS's scheduler as configured (:mod:`planner.deciding.scheduler`: its default run and the
   extreme orders), ECS's own default run (:func:`planner.model.rollout.simulate`) and a few
   randomised runs: a run that completes proves the rollout possible; a run that dies
   proves ECS can hang, and a scheduler run that dies is the witness shown.
2. Proofs of "hangs" that need no search: the percent bounds alone stop the rollout
   (arithmetic: the run that stops and starts all the bounds allow in every wave, with room
   everywhere, never completes, and every run stops at most and starts at most as much,
   wave by wave), the first wave can do nothing, or the end state (every new task, plus
   the static load) does not fit the cluster.
3. One deploying service whose old and new tasks have the same footprint: every stop
   frees exactly one task slot and every start takes one, wherever they happen, so all
   runs by ECS rules have the same counts and the default run decides (ROLLOUT.md §4).
4. Volumes and count sets (:mod:`planner.solvers.volume`, :mod:`planner.solvers.counts`):
   no dead state can exist, or none can be reached.
5. CP-SAT (:mod:`planner.solvers.cpsat`), at growing horizons up to the bound of
   :mod:`planner.model.horizon`: whether ECS rules can end unfinished, and whether any
   plan completes.

With ``placement_mode == "ecs"`` (``--placement ecs``) the verdict is then narrowed to
the scheduler (:func:`_narrow_to_scheduler`). Every plan and dead path is replayed before
it leaves (:func:`check_evidence`).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from planner.deciding import scheduler
from planner.deciding.scheduler import Summary
from planner.errors import InternalError, OutOfTime
from planner.model.horizon import max_waves, next_horizon
from planner.model.problem import Problem
from planner.model.rollout import (
    InvalidWave,
    Policy,
    Run,
    State,
    Wave,
    explain,
    initial_state,
    is_complete,
    is_dead,
    replay,
    simulate,
)
from planner.running import clock, progress
from planner.running.clock import Deadline

if TYPE_CHECKING:  # counts imports ortools, which is slow to load
    from planner.solvers.counts import CountSets
    from planner.solvers.cpsat import RolloutModel


@dataclass
class Analysis:
    """A verdict on a compiled problem with its evidence."""

    verdict: str
    proof: str
    plan: list[Wave] | None = None
    dead_path: list[Wave] | None = None
    dead_end: State | None = None
    solver_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    #: ECS as configured (:mod:`planner.deciding.scheduler`): its runs, and how the first hang ends.
    scheduler: Summary | None = None
    #: Whether the dead path is one the scheduler could take (None: not decided).
    follows_strategy: bool | None = None


def uniform(problem: Problem) -> bool:
    """One deploying service whose old and new tasks take the same from every instance
    that runs old ones: every placement row loads them alike (a memberOf or a closed
    instance that admits old tasks but no new ones breaks this: a stop there frees no
    slot a new task can use)."""
    if problem.n_services != 1:
        return False
    return all(
        r.old[0] == r.new[0]
        for rows, old in zip(problem.rows, problem.initial, strict=True)
        if old[0]
        for r in rows
    )


def analyse(
    problem: Problem,
    *,
    time_limit: float = 60.0,
    workers: int = 1,
    seed: int = 0,
    tries: int | None = None,
    shortcuts: bool = True,
    deadline: Deadline | None = None,
) -> Analysis:
    """The verdict of ROLLOUT.md §4 for ``problem``; ``unknown`` if time runs out.

    ``deadline`` (:class:`~planner.running.clock.Deadline`): when the answer is due;
    None: ``time_limit`` seconds from now. ``tries``: randomised ECS runs to try before
    any solver (default: by size). ``shortcuts=False`` skips counting and the volume
    argument, so that every verdict beyond ECS's own runs comes from CP-SAT (for
    cross-checks).

    Every plan and dead path in the answer has been replayed through the plain model
    (:func:`check_evidence`); one that does not replay raises :class:`InternalError`.
    """
    if deadline is None:
        deadline = Deadline(time_limit)
    # ECS as configured first: its default run and the extreme orders are cheap, and a
    # hang among them is the most plausible witness (tries=0: the default run only)
    S = problem.n_services
    progress.phase("ECS's scheduler as configured: first runs")
    summary = scheduler.summarise(
        problem,
        seed=seed,
        most=1 + 2 * S if tries is None else 1,
        deadline=deadline.share(clock.FIRST_RUNS),
    )
    ecs = problem.placement_mode == "ecs"
    # replaying the evidence (check_evidence) takes a while on thousands of instances
    replay = _REPLAY_SECONDS * problem.n_instances * problem.n_services
    whole, deadline = deadline, deadline.less(min(replay, clock.REPLAY.seconds(deadline)))
    budget = deadline.share(clock.SCHEDULER_SEARCH) if ecs else deadline
    known: dict[str, Run | None] = {}
    try:
        a = _decide(problem, budget, workers, seed, tries, shortcuts, summary, known)
    except OutOfTime:
        a = _unknown_in_time(problem, known)
    if a.verdict != "safe" and tries is None:
        a = _report_runs(problem, a, summary, deadline, clock.REPORT_RUNS.seconds(whole))
    summary.source = None
    a.scheduler = summary
    if a.dead_path is not None:
        hang = summary.first_hang
        if hang is not None and a.dead_path == hang.waves:
            a.follows_strategy = True
        else:  # it colours the report, not the verdict
            until = deadline.within(clock.FOLLOWS.seconds(whole))
            a.follows_strategy = scheduler.follows(problem, a.dead_path, deadline=until)
    if ecs:
        a = _narrow_to_scheduler(problem, a, deadline)
    progress.phase("replaying the evidence")
    check_evidence(problem, a)
    return a


def _report_runs(
    problem: Problem, a: Analysis, summary: Summary, deadline: Deadline, seconds: float
) -> Analysis:
    """More of the scheduler's runs, for the report, up to ``seconds`` of them in all (a
    safe rollout needs none: no run by ECS rules, the scheduler's included, can hang);
    they may settle an ``unknown``."""
    if deadline.left() > 0.5:
        progress.phase("ECS's scheduler as configured: more runs, for the report")
        spend = seconds - summary.seconds
        scheduler.summarise(
            problem, most=100, deadline=deadline.within(max(0.0, spend)), summary=summary
        )
    return _with_scheduler_evidence(a, summary)


def _narrow_to_scheduler(problem: Problem, a: Analysis, deadline: Deadline) -> Analysis:
    """ROLLOUT.md §8's ``--placement ecs``: §4's verdicts with ECS rules narrowed to the
    scheduler as configured (ties and turns free).

    A hang (no plan completes) and a safe rollout (no run by ECS rules dies) stay what
    they are: the scheduler's runs are runs by ECS rules. A dead run that follows the
    strategies keeps at-risk. Otherwise the states the scheduler can reach are searched.
    """
    if a.verdict in ("hangs", "safe") or (a.verdict == "at-risk" and a.follows_strategy):
        a.proof += "; so with ECS's scheduler as configured too"
        return a
    status, path, seen = scheduler.search_dead(problem, deadline)
    was = f"under any placement: {a.verdict} ({a.proof})"
    if status == "found" and path is not None:
        from planner.solvers.cpsat import plan_of

        waves = plan_of(path)
        if a.plan is None:
            out = Analysis(
                "unknown",
                "time limit: ECS's scheduler as configured can reach a dead state, and no "
                f"completing plan was found in time; at-risk or hangs ({was})",
                dead_path=waves,
                dead_end=path[-1],
            )
        else:
            out = Analysis(
                "at-risk",
                f"ECS's scheduler as configured reaches a dead state (searched {seen} of its "
                f"states); {was}",
                plan=a.plan,
                dead_path=waves,
                dead_end=path[-1],
            )
        out.follows_strategy = True
    elif status == "none":
        plan = a.plan if a.plan is not None else _scheduler_plan(a)
        if plan is None:  # no dead state is reachable: its default run completes
            plan = scheduler.scheduler_run(problem).waves
        out = Analysis(
            "safe",
            f"ECS's scheduler as configured: none of the {seen} states it can reach is "
            f"dead, so every run it makes completes; {was}",
            plan=plan,
        )
    else:
        out = Analysis(
            "unknown",
            f"time limit: the scheduler's states were not all searched ({seen} seen, none "
            f"dead); {was}",
            plan=a.plan,
            dead_path=a.dead_path,
            dead_end=a.dead_end,
        )
        out.follows_strategy = a.follows_strategy
    out.scheduler, out.solver_seconds, out.notes = a.scheduler, a.solver_seconds, a.notes
    return out


def _scheduler_plan(a: Analysis) -> list[Wave] | None:
    run = a.scheduler.complete_run if a.scheduler else None
    return run.waves if run else None


def _with_scheduler_evidence(a: Analysis, summary: Summary) -> Analysis:
    """An ``unknown`` that the scheduler's runs settle: a completing run beside a known
    dead run, or a hanging run beside a known plan, proves ``at-risk``."""
    if a.verdict != "unknown":
        return a
    if a.dead_path is not None and summary.complete_run is not None:
        plan = summary.complete_run.waves
        dead_path, dead_end = a.dead_path, a.dead_end
    elif a.plan is not None and summary.first_hang is not None:
        plan, hang = a.plan, summary.first_hang
        dead_path, dead_end = hang.waves, hang.states[-1]
    else:
        return a
    out = Analysis(
        "at-risk",
        "a run completes, and a run by ECS rules dies (ECS's scheduler as configured "
        "settled what the time limit left open)",
        plan=plan,
        dead_path=dead_path,
        dead_end=dead_end,
        solver_seconds=a.solver_seconds,
        notes=a.notes,
    )
    return out


def check_evidence(problem: Problem, a: Analysis) -> None:
    """Replay the evidence of ``a`` through :mod:`planner.model.rollout` before it is reported.

    The plan must complete under the general rules; the dead path must be a run by ECS
    rules ending in ``a.dead_end``, a dead state. A verdict must carry the evidence it
    claims: ``hangs`` no plan, ``safe`` no dead path, ``at-risk`` both.

    Raises
    ------
    InternalError
        If any of it does not hold: a bug, never a verdict.
    """
    if a.plan is not None:
        try:
            end = replay(problem, a.plan)[-1]
        except InvalidWave as exc:
            raise InternalError(f"the plan behind '{a.verdict}' does not replay: {exc}") from None
        if not is_complete(problem, end):
            raise InternalError(f"the plan behind '{a.verdict}' does not complete the rollout")
    if a.dead_path is not None:
        try:
            end = replay(problem, a.dead_path, ecs_rules=True)[-1]
        except InvalidWave as exc:
            raise InternalError(
                f"the dead path behind '{a.verdict}' is not a run by ECS rules: {exc}"
            ) from None
        if end != a.dead_end or not is_dead(problem, end):
            raise InternalError(f"the dead path behind '{a.verdict}' does not end dead")
    wrong = (
        (a.verdict == "hangs" and a.plan is not None)
        or (a.verdict == "safe" and (a.dead_path is not None or a.plan is None))
        or (a.verdict == "at-risk" and (a.plan is None or a.dead_path is None))
    )
    if wrong:
        raise InternalError(f"the verdict '{a.verdict}' lacks its evidence ({a.proof})")


def _unknown_in_time(problem: Problem, known: dict[str, Run | None]) -> Analysis:
    """``unknown`` with what the runs found before the deadline (a phase ran out)."""
    complete, dead = known.get("complete"), known.get("dead")
    a = Analysis(
        "unknown",
        "time limit: "
        + ("a run completes" if complete else "no run that completes was found")
        + (", and a run by ECS rules dies" if dead else "")
        + "; the time limit came before a proof (while a run was made or a CP-SAT model "
        "built)",
        plan=complete.waves if complete else None,
    )
    _attach_dead(problem, a, dead)
    return a


@dataclass
class _Search:
    """What :func:`_decide`'s phases know so far, and what they share."""

    problem: Problem
    deadline: Deadline
    workers: int
    seed: int
    tries: int | None
    shortcuts: bool
    known: dict[str, Run | None]
    default: Run
    complete_run: Run | None = None
    dead_run: Run | None = None
    #: The count sets, if the proofs from counts made them.
    early_sets: CountSets | None = None
    #: Runs by ECS rules tried (the default one included).
    runs: int = 1
    #: Seconds CP-SAT spent.
    spent: float = 0.0

    def found(self, complete: Run | None, dead: Run | None) -> None:
        self.complete_run, self.dead_run = complete, dead
        self.known["complete"], self.known["dead"] = complete, dead


def _decide(
    problem: Problem,
    deadline: Deadline,
    workers: int,
    seed: int,
    tries: int | None,
    shortcuts: bool,
    summary: Summary,
    known: dict[str, Run | None] | None = None,
) -> Analysis:
    """The verdict, phase by phase (cheapest proof first, the module's list); ``known``
    keeps the runs found so far, for an answer if a phase runs out of time
    (:class:`OutOfTime`)."""
    known = {} if known is None else known
    if is_complete(problem, initial_state(problem)):
        return Analysis(
            "safe", "nothing to replace: every service already runs its new tasks", plan=[]
        )
    progress.phase("ECS's default run")
    default = simulate(problem, deadline=deadline.perf_counter())
    s = _Search(problem, deadline, workers, seed, tries, shortcuts, known, default)
    # a hang of ECS as configured is the witness, else ECS's default run if it dies
    dead: Run | None = summary.first_hang if summary.first_hang is not None else default
    if dead is not None and dead.complete:
        dead = None
    s.found(default if default.complete else summary.complete_run, dead)
    for phase in (_by_counting, _by_arithmetic, _by_volumes, _other_runs_phase, _end_state):
        if (a := phase(s)) is not None:
            return a
    if s.dead_run is None and (a := _dead_run_by_cp_sat(s)) is not None:
        return a
    if s.complete_run is not None:
        assert s.dead_run is not None
        return _at_risk(
            problem,
            s.complete_run.waves,
            s.dead_run,
            "a run completes, and a run by ECS rules dies",
            s.spent,
        )
    return _plan_by_cp_sat(s)


def _by_counting(s: _Search) -> Analysis | None:
    """One service, old and new tasks alike: ECS's default run decides."""
    if not (s.shortcuts and uniform(s.problem)):
        return None
    if s.complete_run:
        return Analysis(
            "safe",
            "counting: one service, old and new tasks alike, so every run by ECS rules "
            "frees and fills the same number of task slots; ECS's run completes",
            plan=s.complete_run.waves,
        )
    return _hangs(
        s.problem,
        s.dead_run,
        "counting: one service, old and new tasks alike; "
        "the most any run can do is what ECS's run does, and it stops here",
    )


def _by_arithmetic(s: _Search) -> Analysis | None:
    """The percent bounds alone stop the rollout (no run completes so far)."""
    if s.complete_run is not None or not s.shortcuts:
        return None
    from planner.solvers import volume  # here: ortools is slow to load

    if volume.trajectory(s.problem) is None:
        return _hangs(
            s.problem,
            s.dead_run,
            "arithmetic: the percent bounds alone stop the rollout; even with room "
            "everywhere, stopping and starting all they allow in every wave never "
            "completes, and no run can stop or start more",
        )
    return None


def _by_volumes(s: _Search) -> Analysis | None:
    """A run completes: the volumes or the count sets may prove that none dies."""
    if s.complete_run is None or not s.shortcuts:
        return None
    from planner.solvers import volume  # here: ortools is slow to load
    from planner.solvers.counts import count_sets

    problem, plan = s.problem, s.complete_run.waves
    progress.phase("proofs from volumes and counts")
    volumes = s.deadline.share(clock.VOLUME)
    if volume.no_dead_state(problem, volumes):
        return Analysis(
            "safe",
            "volume: the tasks cannot fill every instance enough to block any service, "
            "so no dead state exists and every run by ECS rules completes",
            plan=plan,
        )
    if volume.never_blocked(problem, volumes):
        return Analysis(
            "safe",
            "volume: in no wave can the tasks fill every instance enough to leave a start "
            "unplaced, so every run by ECS rules has the counts of a completing run",
            plan=plan,
        )
    s.early_sets = count_sets(problem, max_waves(problem), s.deadline.share(clock.COUNT_SETS))
    if s.early_sets.all_complete():
        return Analysis(
            "safe",
            "counts: a service can be left with a start unplaced only in waves where the "
            "tasks could fill every instance for it; past those, every run by ECS rules "
            "has all its counts complete, and a dead state's counts would stay",
            plan=plan,
        )
    return None


def _other_runs_phase(s: _Search) -> None:
    """The adversary's and random runs, until one completes and one dies."""
    if s.dead_run is not None and s.complete_run is not None:
        return
    progress.phase("runs by ECS rules: adversarial and random")
    # only services a run can leave unfinished are worth an adversary's runs
    targets = s.early_sets.at_stake() if s.early_sets is not None else None
    for run in _other_runs(s.problem, s.seed, s.tries, s.deadline, targets):
        s.runs += 1
        s.found(
            s.complete_run or (run if run.complete else None),
            s.dead_run or (run if run.dead else None),
        )
        if s.complete_run and s.dead_run:
            break


def _end_state(s: _Search) -> Analysis | None:
    """No run completes so far: the first wave can do nothing, or the end state does not
    fit the cluster."""
    if s.complete_run is not None:
        return None
    if is_dead(s.problem, initial_state(s.problem)):
        return _hangs(s.problem, s.dead_run, "the first wave can neither stop nor start a task")
    from planner.solvers import cpsat

    fits = cpsat.final_state_fits(
        s.problem, s.deadline.left(), s.workers, s.seed, deadline=s.deadline
    )
    if fits is False:
        return _hangs(
            s.problem,
            s.dead_run,
            "the end state (every new task) does not fit the cluster",
            final_state=True,
        )
    return None


def _dead_run_by_cp_sat(s: _Search) -> Analysis | None:
    """No run by ECS rules died so far: CP-SAT proves none can (safe), or finds one
    (kept in ``s.dead_run``: None returned), or the time runs out (unknown)."""
    from planner.solvers import cpsat
    from planner.solvers.counts import count_sets

    problem, deadline = s.problem, s.deadline
    plan = s.complete_run.waves if s.complete_run else s.default.waves
    # A dead state ECS could rest in, reachable or not? None at all: safe, no waves
    # needed.
    progress.phase("CP-SAT: is there any dead state")
    ans = cpsat.dead_state_exists(
        problem,
        clock.DEAD_STATE.seconds(deadline),
        s.workers,
        s.seed,
        deadline=deadline,
    )
    s.spent += ans.seconds
    if ans.status == "none":
        return Analysis(
            "safe",
            "CP-SAT: no dead state exists that ECS rules could reach or rest in, so "
            "every run completes",
            plan=plan,
            solver_seconds=s.spent,
        )
    sets = s.early_sets or count_sets(
        problem, max_waves(problem), deadline.share(clock.COUNT_SETS)
    )
    # A run that dies soon is found far sooner in a model of a few waves than in one
    # as long as the slowest run: a dead state stays, so dead at wave h is dead later.
    progress.phase("CP-SAT: a run by ECS rules that dies within a few waves")
    short, secs = _short_dead_run(
        problem, sets, s.default, deadline.share(clock.SHORT_RUNS), s.workers, s.seed
    )
    s.spent += secs
    if short is None:
        short, a = _dead_run_at_full_horizon(s, sets)
        if a is not None:
            return a
    s.found(s.complete_run, short)
    return None


def _dead_run_at_full_horizon(s: _Search, sets: CountSets) -> tuple[Run | None, Analysis | None]:
    """Can ECS rules end anywhere but complete? The horizon grows until every run ends:
    a run that dies, or the answer (safe, or unknown when the time runs out)."""
    from planner.solvers import cpsat

    problem, deadline, workers, seed = s.problem, s.deadline, s.workers, s.seed
    horizon = len(s.default.waves) + 1
    while True:
        progress.phase(f"CP-SAT: can runs by ECS rules be unfinished after {horizon} waves")
        model = _model(problem, horizon, True, deadline)
        model.restrict_counts(sets)
        model.target_unfinished()
        model.hint(s.default.states)
        # local search first: it finds a run that dies far sooner than the complete
        # search, which is left the rest of the time (and alone can prove "none");
        # with two workers or more, feasibility jump runs beside the complete searches
        # from the start (it found a run of an unseen M scenario: benchmarks/README.md)
        ans = cpsat.Answer("unknown")
        if workers == 1:
            ans = model.solve(clock.LOCAL_SEARCH.seconds(deadline), workers, seed, True)
            s.spent += ans.seconds
        if not (ans.status == "found" and ans.dead):
            ans = model.solve(deadline.left(), workers, seed, portfolio=True)
            s.spent += ans.seconds
        if ans.status == "none":
            return None, Analysis(
                "safe",
                f"CP-SAT: no run by ECS rules is unfinished after {horizon} waves, so every "
                f"run completes (bound {max_waves(problem)} waves)",
                plan=s.complete_run.waves if s.complete_run else s.default.waves,
                solver_seconds=s.spent,
            )
        if ans.status == "unknown":
            return None, Analysis(
                "unknown",
                f"time limit: a run completes, and none of the {s.runs} runs by ECS rules "
                "tried (default, adversarial, random) hangs, but CP-SAT could not prove "
                f"that none can (searching runs of {horizon} waves); at-risk or safe"
                + _at_stake(problem, sets),
                plan=s.complete_run.waves if s.complete_run else None,
                solver_seconds=s.spent,
            )
        if ans.dead:
            return _run_of(ans), None
        if horizon >= max_waves(problem):  # cannot happen: runs end by then
            raise AssertionError("an ECS run outlived the wave bound")
        horizon = next_horizon(horizon, problem)


def _plan_by_cp_sat(s: _Search) -> Analysis:
    """A run by ECS rules dies and none completes so far: CP-SAT looks for a completing
    plan at growing horizons (at-risk), up to the bound (hangs)."""
    problem, deadline, dead_run = s.problem, s.deadline, s.dead_run
    assert dead_run is not None
    horizon = max(2 * len(dead_run.waves) + 2, 2)
    while True:
        horizon = min(horizon, max_waves(problem))
        progress.phase(f"CP-SAT: does a plan of {horizon} waves complete")
        model = _model(problem, horizon, False, deadline)
        model.target_complete()
        ans = model.solve(deadline.left(), s.workers, s.seed)
        s.spent += ans.seconds
        if ans.status == "found":
            return _at_risk(
                problem,
                ans.plan,
                dead_run,
                "CP-SAT found a completing plan; a run by ECS rules dies",
                s.spent,
            )
        if ans.status == "unknown":
            a = Analysis(
                "unknown",
                f"time limit: a run by ECS rules hangs, and no completing plan was found "
                f"in time (searching plans of {horizon} waves); at-risk or hangs",
                solver_seconds=s.spent,
            )
            _attach_dead(problem, a, dead_run)
            return a
        if horizon >= max_waves(problem):
            a = _hangs(
                problem,
                dead_run,
                f"CP-SAT: no plan completes within {horizon} waves, the most any plan needs",
            )
            a.solver_seconds = s.spent
            return a
        horizon = next_horizon(horizon, problem)


#: The most waves that search unrolls; later deaths are left to the full horizon.
SHORT_RUNS_WAVES = 8
#: At how many unsettled horizons local search takes turns, and its shortest first turn.
SHORT_RUNS_TURNS = 2


def _short_dead_run(
    problem: Problem,
    sets: CountSets,
    start: Run,
    until: Deadline,
    workers: int,
    seed: int,
) -> tuple[Run | None, float]:
    """A run by ECS rules dead after at most :data:`SHORT_RUNS_WAVES` waves, if one is
    found by ``until`` (:data:`~planner.running.clock.SHORT_RUNS` of the analysis'
    time); and the seconds CP-SAT spent.

    Dead at an earlier wave is dead at every later one (nothing can stop or start, so the
    state stays), so each horizon includes the ones before; but local search finds a run
    far sooner in the shortest model that has one. So the complete search goes first,
    one wave more at a time, for a sixth of what is left at each
    (:data:`~planner.running.clock.SHORT_HORIZON`): it proves "no run is
    dead by then" in moments where there is none, which local search can never do. At
    the first two horizons it cannot settle, local search then takes turns, the first a
    quarter of what is left, each next one twice as long and with another seed, until the
    budget is spent; with two workers or more, the turns of a round run side by side, a
    thread each, and a run found stops the others (an unseen-family run was found sooner
    so: the horizon that has it got its turn at once). Local search starts from ``start``
    (ECS's default run): it found runs sooner from there, whatever the seed; the complete
    search runs without it (:meth:`~planner.solvers.cpsat.RolloutModel.solve`).

    On the scale family's at-risk scenarios the runs that die did so within a few waves,
    far fewer than ECS's default run took. Local search found them at the first unsettled
    horizon, and not a wave or two later, nor at the length of ECS's run; on an
    unseen-family scenario the first unsettled horizon had none (the complete search
    proved it) and local search found one a wave later. (Measured in
    benchmarks/README.md.)
    """
    spent = 0.0
    unsettled: list[RolloutModel] = []
    for h in range(1, min(SHORT_RUNS_WAVES, max_waves(problem)) + 1):
        if until.left() < 0.05 or len(unsettled) == SHORT_RUNS_TURNS:
            break
        try:
            model = _model(problem, h, True, until)
        except OutOfTime:
            break
        model.restrict_counts(sets)
        model.target_dead()
        ans = model.solve(clock.SHORT_HORIZON.seconds(until), workers, seed, portfolio=True)
        spent += ans.seconds
        if ans.status == "found" and ans.dead:
            return _run_of(ans), spent
        if ans.status == "unknown":
            model.hint(start.states)  # for local search (the complete search runs without)
            unsettled.append(model)
    # the first turn: a quarter of what is left (restarting costs local search its way)
    turn = clock.FIRST_TURN.seconds(until)
    for k in itertools.count():
        if not unsettled or until.left() < 0.05:
            break
        # with two workers or more, a round's turns run side by side, a core each
        groups = [list(unsettled)] if workers > 1 else [[m] for m in unsettled]
        for group in groups:
            left = until.left()
            built = max(m.build_seconds for m in group)
            if left < 0.05 + 1.5 * built:  # CP-SAT would not even start
                return None, spent
            asked = min(turn, left)
            answers = _side_by_side(group, asked, seed + k)
            spent += max(ans.seconds for ans in answers)
            for model, ans in zip(group, answers, strict=True):
                if ans.status == "found" and ans.dead:
                    return _run_of(ans), spent
                if ans.seconds + model.build_seconds < asked / 2:
                    unsettled.remove(model)  # stopped early (presolve): it will find nothing
        turn *= 2
    return None, spent


def _side_by_side(models: list[RolloutModel], seconds: float, seed: int) -> list:
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


def _run_of(ans) -> Run:
    """The run of a CP-SAT answer, up to its last move."""
    states = ans.states or []
    return Run(waves=ans.plan, states=states[: len(ans.plan) + 1])


def _other_runs(
    problem: Problem,
    seed: int,
    tries: int | None,
    deadline: Deadline,
    targets: list[int] | None = None,
) -> Iterator[Run]:
    """Runs by ECS rules other than the default one, each a legal choice of ECS's.

    The adversary's runs, per service: every other service starts first (packed tight,
    spread, or levelled: each task where most room is left, so that little is left
    anywhere), the service itself last; or the service first, spread thin (on a fixed
    host port it then blocks an instance per task), the others packed into what is left.
    And randomised runs: every other one with its choices at random, the others levelled
    with the services in a random order. All stop at a quarter of ``deadline``'s length
    (:data:`~planner.running.clock.OTHER_RUNS`).

    ``tries`` caps the randomised runs; None: 24 after the adversary's on problems of up
    to 40 tasks (CP-SAT decides those soon after), and on larger ones taking turns with
    the adversary's, then alone for an eighth of it (:data:`~planner.running.clock.RANDOM_RUNS`;
    at 350 instances the adversary's alone filled the quarter; levelled runs in a random
    order found fleet-wide dead ends there and at 50 instances, after tens to hundreds of
    runs: benchmarks/README.md). ``targets``: the
    services worth the adversary's runs (None: every one), as the count sets say which
    services a run can leave unfinished at all.
    """
    budget = deadline.share(clock.OTHER_RUNS)
    S = problem.n_services
    adversary: list[Policy] = []
    if tries != 0 and S > 1:
        for s in range(S) if targets is None else targets:
            others = tuple(x for x in range(S) if x != s)
            adversary += [
                Policy(order=(*others, s), pack=True),
                Policy(order=(*others, s)),
                Policy(order=(*others, s), level=True),
                # s first, spread thin, the others packed into the instances it left
                Policy(order=(s, *others), pack=True, levelled=(s,)),
            ]
    rng = random.Random(seed)

    def randomised(k: int) -> Policy:
        if k % 2 and S > 1:  # the services in a random order, each task levelled
            order = list(range(S))
            rng.shuffle(order)
            return Policy(order=tuple(order), level=True)
        return Policy(rng=rng)  # every choice at random

    n_tries = tries if tries is not None else (24 if problem.total_desired <= 40 else None)
    policies: Iterator[Policy]
    if n_tries is not None:  # the adversary's, then the randomised ones
        policies = itertools.chain(adversary, (randomised(k) for k in range(n_tries)))
    else:  # taking turns, the randomised ones going on once the adversary's are done
        policies = (
            p
            for k in itertools.count()
            for p in ((adversary[k],) if k < len(adversary) else ()) + (randomised(k),)
        )
    # once the adversary's are done, randomised runs go on for an eighth of the limit
    eighth = deadline.share(clock.RANDOM_RUNS)
    for k, policy in enumerate(policies):
        if n_tries is None and k >= 2 * len(adversary) and eighth.end < budget.end:
            budget = eighth
        if budget.expired:
            return
        try:
            yield simulate(problem, policy=policy, deadline=budget.perf_counter())
        except OutOfTime:
            return


def _at_stake(problem: Problem, sets: CountSets) -> str:
    """A sentence naming the only services a run could leave unfinished (empty when the
    count sets do not narrow them down)."""
    stake = sets.at_stake()
    if not stake or len(stake) == problem.n_services:
        return ""
    names = [problem.services[s].name for s in stake]
    listed = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
    return (
        f". Only {listed} can be left unfinished: every other service completes in every run "
        "by ECS rules (counts)"
    )


#: Seconds per instance and service that replaying a plan and a dead path takes (measured
#: on the XL scale scenarios, 2,800 instances × 320 services), kept out of the analysis'
#: budget.
_REPLAY_SECONDS = 3e-6


def _model(problem: Problem, horizon: int, ecs_rules: bool, deadline: Deadline):
    """A CP-SAT rollout model, built only while the deadline allows."""
    from planner.solvers import cpsat

    return cpsat.RolloutModel(problem, horizon, ecs_rules=ecs_rules, deadline=deadline)


def _attach_dead(problem: Problem, a: Analysis, run: Run | None) -> None:
    if run is not None:  # check_evidence replays the path before it is reported
        a.dead_path = run.waves
        a.dead_end = run.states[-1] if run.states else initial_state(problem)


def _hangs(problem: Problem, run: Run | None, proof: str, final_state: bool = False) -> Analysis:
    a = Analysis("hangs", proof)
    if final_state:
        a.notes.append("final-state")
    _attach_dead(problem, a, run)
    return a


def _at_risk(problem: Problem, plan: list[Wave], dead: Run, proof: str, spent: float) -> Analysis:
    a = Analysis("at-risk", proof, plan=plan, solver_seconds=spent)
    _attach_dead(problem, a, dead)
    return a


def blocked(problem: Problem, a: Analysis):
    """Why the dead end of ``a`` is dead, per service."""
    return explain(problem, a.dead_end) if a.dead_end is not None else []
