"""The phases of a verdict (:func:`decide`), cheapest proof first (the list in
:mod:`planner.deciding.verdict`), as small functions sharing one :class:`Search`: by
counting, by arithmetic, by volumes, the other runs by ECS rules, the end state, a dead
run by CP-SAT (:mod:`planner.deciding.short_runs` first, then the full horizon), and a
completing plan by CP-SAT. With two workers, the other runs go on beside the search for a
dead run (:func:`_beside_cp_sat`). Each returns an :class:`~planner.deciding.analysis.Analysis`
once it decides, None to hand over to the next."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.deciding import short_runs
from planner.deciding.analysis import Analysis, at_risk, attach_dead, hangs
from planner.deciding.beside import RunsBeside, cores, died
from planner.deciding.ecs_runs import FIRST_SPOILED, other_runs
from planner.deciding.scheduler import Summary
from planner.deciding.short_runs import run_of, short_dead_run
from planner.deciding.verdicts import Verdict
from planner.errors import InternalError, OutOfTime
from planner.model.horizon import max_waves, next_horizon
from planner.model.problem import Problem
from planner.model.rollout import Run, initial_state, is_complete, is_dead, simulate
from planner.model.state import State
from planner.running import clock, progress, work
from planner.running.clock import Deadline

if TYPE_CHECKING:  # counts imports ortools, which is slow to load
    from planner.solvers.counts import CountSets


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


def unknown_in_time(problem: Problem, known: dict[str, Run | None]) -> Analysis:
    """``unknown`` with what the runs found before the deadline (a phase ran out)."""
    complete, dead = known.get("complete"), known.get("dead")
    a = Analysis(
        Verdict.UNKNOWN,
        "time limit: "
        + ("a run completes" if complete else "no run that completes was found")
        + (", and a run by ECS rules dies" if dead else "")
        + "; the time limit came before a proof (while a run was made or a CP-SAT model "
        "built)",
        plan=complete.waves if complete else None,
    )
    attach_dead(problem, a, dead)
    return a


@dataclass
class Search:
    """What :func:`decide`'s phases know so far, and what they share."""

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
    #: The runs by ECS rules going on beside CP-SAT, if they are (:func:`_beside_cp_sat`).
    beside: RunsBeside | None = None

    def tried(self) -> int:
        """The runs by ECS rules tried so far, beside CP-SAT included."""
        return self.runs + (self.beside.runs if self.beside is not None else 0)

    def cores(self) -> int:
        """CP-SAT's workers now: one fewer while the runs go on beside it."""
        return cores(self.beside, self.workers)

    def found(self, complete: Run | None, dead: Run | None) -> None:
        self.complete_run, self.dead_run = complete, dead
        self.known["complete"], self.known["dead"] = complete, dead


def decide(
    problem: Problem,
    deadline: Deadline,
    workers: int,
    seed: int,
    tries: int | None,
    shortcuts: bool,
    summary: Summary,
    known: dict[str, Run | None] | None = None,
) -> Analysis:
    """The verdict, phase by phase (cheapest proof first: the list in
    :mod:`planner.deciding.verdict`); ``known`` keeps the runs found so far, for an answer
    if a phase runs out of time (:class:`~planner.errors.OutOfTime`)."""
    known = {} if known is None else known
    if is_complete(problem, initial_state(problem)):
        return Analysis(
            Verdict.SAFE, "nothing to replace: every service already runs its new tasks", plan=[]
        )
    default = summary.default_run  # the scheduler's first run is ECS's default run
    if default is None:  # the first runs' share ran out before it was made
        progress.phase("ECS's default run")
        default = simulate(problem, deadline=deadline)
    s = Search(problem, deadline, workers, seed, tries, shortcuts, known, default)
    # a hang of ECS as configured is the witness, else ECS's default run if it dies
    dead: Run | None = summary.first_hang if summary.first_hang is not None else default
    if dead is not None and dead.complete:
        dead = None
    s.found(default if default.complete else summary.complete_run, dead)
    for phase in (_by_counting, _by_arithmetic, _by_volumes):
        if (a := phase(s)) is not None:
            return a
    if _runs_beside(s):
        if (a := _beside_cp_sat(s)) is not None:
            return a
    else:
        for phase in (_other_runs_phase, _end_state):
            if (a := phase(s)) is not None:
                return a
        if s.dead_run is None and (a := _dead_run_by_cp_sat(s)) is not None:
            return a
    if s.complete_run is not None:
        assert s.dead_run is not None
        return at_risk(
            problem,
            s.complete_run.waves,
            s.dead_run,
            "a run completes, and a run by ECS rules dies",
            s.spent,
        )
    return _plan_by_cp_sat(s)


def _by_counting(s: Search) -> Analysis | None:
    """One service, old and new tasks alike: ECS's default run decides."""
    if not (s.shortcuts and uniform(s.problem)):
        return None
    if s.complete_run:
        return Analysis(
            Verdict.SAFE,
            "counting: one service, old and new tasks alike, so every run by ECS rules "
            "frees and fills the same number of task slots; ECS's run completes",
            plan=s.complete_run.waves,
        )
    return hangs(
        s.problem,
        s.dead_run,
        "counting: one service, old and new tasks alike; "
        "the most any run can do is what ECS's run does, and it stops here",
    )


def _by_arithmetic(s: Search) -> Analysis | None:
    """The percent bounds alone stop the rollout (no run completes so far)."""
    if s.complete_run is not None or not s.shortcuts:
        return None
    from planner.solvers import volume  # here: ortools is slow to load

    if volume.trajectory(s.problem) is None:
        return hangs(
            s.problem,
            s.dead_run,
            "arithmetic: the percent bounds alone stop the rollout; even with room "
            "everywhere, stopping and starting all they allow in every wave never "
            "completes, and no run can stop or start more",
        )
    return None


_NO_DEAD_STATE = (
    "volume: the tasks cannot fill every instance enough to block any service, "
    "so no dead state exists and every run by ECS rules completes"
)
_NEVER_BLOCKED = (
    "volume: in no wave can the tasks fill every instance enough to leave a start "
    "unplaced, so every run by ECS rules has the counts of a completing run"
)


_FIRST_WAVE = (
    "first wave: new tasks never stop, so a dead state would keep the new tasks of some "
    "end of wave 1 by ECS rules; listing every pattern of tasks per kind of instance, "
    "no dead state does, so every run by ECS rules completes"
)


def _by_volumes(s: Search) -> Analysis | None:
    """A run completes: the volumes or the count sets may prove that none dies."""
    if s.complete_run is None or not s.shortcuts:
        return None
    from planner.solvers import first_wave, volume  # here: ortools is slow to load
    from planner.solvers.counts import count_sets

    problem, plan = s.problem, s.complete_run.waves
    progress.phase("proofs from volumes and counts")
    volumes = s.deadline.share(clock.VOLUME)
    for proved, why in (
        (volume.no_dead_state, _NO_DEAD_STATE),
        (volume.never_blocked, _NEVER_BLOCKED),
    ):
        if proved(problem, volumes):
            return Analysis(Verdict.SAFE, why, plan=plan)
    s.early_sets = count_sets(problem, max_waves(problem), s.deadline.share(clock.COUNT_SETS))
    if s.early_sets.all_complete():
        return Analysis(
            Verdict.SAFE,
            "counts: a service can be left with a start unplaced only in waves where the "
            "tasks could fill every instance for it; past those, every run by ECS rules "
            "has all its counts complete, and a dead state's counts would stay",
            plan=plan,
        )
    if first_wave.applies(problem):
        progress.phase("proof from the first wave")
        if first_wave.no_dead_state_after_first_wave(problem, s.deadline.share(clock.FIRST_WAVE)):
            return Analysis(Verdict.SAFE, _FIRST_WAVE, plan=plan)
    return None


def _other_runs_phase(s: Search) -> None:
    """The adversary's and random runs, until one completes and one dies."""
    if s.dead_run is not None and s.complete_run is not None:
        return
    progress.phase("runs by ECS rules: adversarial and random")
    # only services a run can leave unfinished are worth an adversary's runs
    targets = s.early_sets.at_stake() if s.early_sets is not None else None
    for run in other_runs(s.problem, s.seed, s.tries, s.deadline, targets):
        s.runs += 1
        s.found(
            s.complete_run or (run if run.complete else None),
            s.dead_run or (run if run.dead else None),
        )
        if s.complete_run and s.dead_run:
            break


#: The runs made in turn before the rest go on beside CP-SAT: the spoiling runs of the
#: :data:`~planner.deciding.ecs_runs.FIRST_SPOILED` hardest services, in three orders each.
FIRST_SPOILING_RUNS = 3 * FIRST_SPOILED


#: The most instances × services where the runs go on beside CP-SAT. Building CP-SAT's
#: models is Python too, and the runs crawl beside it: at 350 instances × 40 services
#: two fleet-wide dying runs were found in 26 and 39 s instead of 24 and 31 s, and at
#: 2,800 × 320 one was not found in 60 s (benchmarks/README.md, issue 24's tenth
#: session). At 50 × 10 a model builds in about a tenth of a second.
BESIDE_MOST = 2_000


def _runs_beside(s: Search) -> bool:
    """Whether the runs by ECS rules go on beside CP-SAT (:mod:`planner.deciding.beside`):
    with two workers or more, on a problem of at most :data:`BESIDE_MOST` instances ×
    services, where a run completes and none has died yet, on the clock (not under a
    work budget) and with the runs not fixed by ``tries``."""
    return (
        s.workers > 1
        and s.problem.n_instances * s.problem.n_services <= BESIDE_MOST
        and s.tries is None
        and work.active() is None
        and s.complete_run is not None
        and s.dead_run is None
    )


def _beside_cp_sat(s: Search) -> Analysis | None:
    """The runs by ECS rules in a thread of their own while CP-SAT searches for a run
    that dies (:func:`_dead_run_by_cp_sat`); whichever finds one first stops the other.
    CP-SAT's safe means no run can die, so the runs never find one then; if they do, the
    model and the rules disagree: :class:`~planner.errors.InternalError`."""
    progress.phase("runs by ECS rules: adversarial and random, beside CP-SAT")
    targets = s.early_sets.at_stake() if s.early_sets is not None else None
    runs = other_runs(s.problem, s.seed, None, s.deadline, targets)
    # the hardest services' spoiling runs first, alone, as in turn (at 2,800 instances
    # they were the runs that died; here they take moments), the rest beside CP-SAT
    for run in itertools.islice(runs, FIRST_SPOILING_RUNS):
        s.runs += 1
        if run.dead:
            s.found(s.complete_run, run)
            return None
    s.beside = RunsBeside(runs)
    a: Analysis | None = None
    try:
        a = _dead_run_by_cp_sat(s)
    finally:  # the runs stopped, and a run that died kept, even when time ran out
        dead = s.beside.close()
        s.runs += s.beside.runs
        s.beside = None
        if dead is not None and s.dead_run is None:
            s.found(s.complete_run, dead)
        else:
            dead = None
    if dead is None:
        return a
    if a is not None and a.verdict == Verdict.SAFE:
        raise InternalError(
            "CP-SAT proved that no run by ECS rules dies, and one died: "
            + " / ".join(str(w) for w in dead.waves)
        )
    return None  # the run that died beside, with the run that completes: at-risk


def _end_state(s: Search) -> Analysis | None:
    """No run completes so far: the first wave can do nothing, or the end state does not
    fit the cluster."""
    if s.complete_run is not None:
        return None
    if is_dead(s.problem, initial_state(s.problem)):
        return hangs(s.problem, s.dead_run, "the first wave can neither stop nor start a task")
    from planner.solvers import cpsat

    fits = cpsat.final_state_fits(
        s.problem, s.deadline.left(), s.workers, s.seed, deadline=s.deadline
    )
    if fits is False:
        return hangs(
            s.problem,
            s.dead_run,
            "the end state (every new task) does not fit the cluster",
            final_state=True,
        )
    return None


def _dead_run_by_cp_sat(s: Search) -> Analysis | None:
    """No run by ECS rules died so far: CP-SAT proves none can (safe), or finds one
    (kept in ``s.dead_run``: None returned), or the time runs out (unknown)."""
    from planner.solvers import cpsat
    from planner.solvers.counts import count_sets

    problem, deadline = s.problem, s.deadline
    plan = s.complete_run.waves if s.complete_run else s.default.waves
    # A dead state ECS could rest in, reachable or not? None at all: safe, no waves
    # needed.
    progress.phase("CP-SAT: is there any dead state")
    # built within its share too: at 2,800 instances building it alone took 16 s of
    # 60 (benchmarks/README.md); a model not built in time is skipped
    share = deadline.share(clock.DEAD_STATE)
    try:
        ans = cpsat.dead_state_exists(problem, share.left(), s.cores(), s.seed, deadline=share)
    except OutOfTime:
        ans = cpsat.Answer("unknown")
    s.spent += ans.seconds
    if ans.status == "none":
        return Analysis(
            Verdict.SAFE,
            "CP-SAT: no dead state exists that ECS rules could reach or rest in, so "
            "every run completes",
            plan=plan,
            solver_seconds=s.spent,
        )
    sets = s.early_sets or count_sets(problem, max_waves(problem), deadline.share(clock.COUNT_SETS))
    # A run that dies soon is found far sooner in a model of a few waves than in one
    # as long as the slowest run: a dead state stays, so dead at wave h is dead later.
    progress.phase("CP-SAT: a run by ECS rules that dies within a few waves")
    # a dead state found above is where local search is pointed (short_runs.hint_towards)
    end = ans.states[-1] if ans.status == "found" and ans.states else None
    short, secs = short_dead_run(
        problem,
        sets,
        s.default,
        deadline.share(clock.SHORT_RUNS),
        s.workers,
        s.seed,
        s.beside,
        end,
    )
    s.spent += secs
    if short is None and died(s.beside):
        return None  # a run beside died: the caller takes it
    if short is None:
        short, a = _dead_run_at_full_horizon(s, sets, end)
        if a is not None:
            return a
    s.found(s.complete_run, short)
    return None


def _dead_run_at_full_horizon(
    s: Search, sets: CountSets, end: State | None
) -> tuple[Run | None, Analysis | None]:
    """Can ECS rules end anywhere but complete? The horizon grows until every run ends:
    a run that dies, or the answer (safe, or unknown when the time runs out). Local
    search starts from ECS's default run, ending in ``end`` if a dead state was found
    (:func:`~planner.deciding.short_runs.hint_towards`)."""
    from planner.solvers import cpsat

    problem, deadline, seed = s.problem, s.deadline, s.seed
    horizon = len(s.default.waves) + 1
    while True:
        progress.phase(f"CP-SAT: can runs by ECS rules be unfinished after {horizon} waves")
        model = short_runs.rollout_model(problem, horizon, True, deadline, s.beside)
        workers = s.cores()
        model.restrict_counts(sets)
        model.target_unfinished()
        short_runs.hint_towards(model, s.default, end)
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
        if died(s.beside) and ans.status != "none":
            return None, None  # a run beside died (it stopped the search)
        if ans.status == "none":
            return None, Analysis(
                Verdict.SAFE,
                f"CP-SAT: no run by ECS rules is unfinished after {horizon} waves, so every "
                f"run completes (bound {max_waves(problem)} waves)",
                plan=s.complete_run.waves if s.complete_run else s.default.waves,
                solver_seconds=s.spent,
            )
        if ans.status == "unknown":
            return None, Analysis(
                Verdict.UNKNOWN,
                f"time limit: a run completes, and none of the {s.tried()} runs by ECS rules "
                "tried (default, adversarial, random) hangs, but CP-SAT could not prove "
                f"that none can (searching runs of {horizon} waves); at-risk or safe"
                + at_stake(problem, sets),
                plan=s.complete_run.waves if s.complete_run else None,
                solver_seconds=s.spent,
            )
        if ans.dead:
            return run_of(ans), None
        if horizon >= max_waves(problem):  # cannot happen: runs end by then
            raise AssertionError("an ECS run outlived the wave bound")
        horizon = next_horizon(horizon, problem)


def _plan_by_cp_sat(s: Search) -> Analysis:
    """A run by ECS rules dies and none completes so far: CP-SAT looks for a completing
    plan at growing horizons (at-risk), up to the bound (hangs)."""
    problem, deadline, dead_run = s.problem, s.deadline, s.dead_run
    assert dead_run is not None
    horizon = max(2 * len(dead_run.waves) + 2, 2)
    while True:
        horizon = min(horizon, max_waves(problem))
        progress.phase(f"CP-SAT: does a plan of {horizon} waves complete")
        model = short_runs.rollout_model(problem, horizon, False, deadline)
        model.target_complete()
        ans = model.solve(deadline.left(), s.workers, s.seed)
        s.spent += ans.seconds
        if ans.status == "found":
            return at_risk(
                problem,
                ans.plan,
                dead_run,
                "CP-SAT found a completing plan; a run by ECS rules dies",
                s.spent,
            )
        if ans.status == "unknown":
            a = Analysis(
                Verdict.UNKNOWN,
                f"time limit: a run by ECS rules hangs, and no completing plan was found "
                f"in time (searching plans of {horizon} waves); at-risk or hangs",
                solver_seconds=s.spent,
            )
            attach_dead(problem, a, dead_run)
            return a
        if horizon >= max_waves(problem):
            a = hangs(
                problem,
                dead_run,
                f"CP-SAT: no plan completes within {horizon} waves, the most any plan needs",
            )
            a.solver_seconds = s.spent
            return a
        horizon = next_horizon(horizon, problem)


def at_stake(problem: Problem, sets: CountSets) -> str:
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
