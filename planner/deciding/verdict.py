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

Before 2 to 5, deploying services that share no instance (memberOf, types too small,
:mod:`planner.model.parts`) are decided group by group, each by all of the above
(:mod:`planner.deciding.parts`), and the verdicts put together.

With two workers or more, on problems of up to
:data:`~planner.deciding.phases.BESIDE_MOST` instances × services, the randomised and
adversary's runs of 1 go on in a thread of their own beside the CP-SAT searches of 4 and 5
for a run that dies (:mod:`planner.deciding.beside`), CP-SAT a worker fewer while they do.

With ``placement_mode == "ecs"`` (``--placement ecs``) the verdict is then narrowed to
the scheduler (:func:`_narrow_to_scheduler`). Every plan and dead path is replayed before
it leaves (:func:`check_evidence`).

Where each part lives: this module drives the analysis (:func:`analyse`) and narrows it to
the scheduler; :mod:`planner.deciding.phases` holds the phases of steps 1 to 5 (sharing one
search state); :mod:`planner.deciding.ecs_runs` the adversary's and randomised runs (and
:mod:`planner.deciding.beside` the thread they run in beside CP-SAT);
:mod:`planner.deciding.short_runs` CP-SAT's search for runs that die within a few waves;
:mod:`planner.deciding.analysis` the :class:`Analysis` type and its evidence check.
"""

from __future__ import annotations

from planner.deciding import reacting, scheduler
from planner.deciding.analysis import Analysis, blocked, check_evidence
from planner.deciding.parts import decide_parts
from planner.deciding.phases import decide, uniform, unknown_in_time
from planner.deciding.scheduler import Summary
from planner.deciding.verdicts import Verdict
from planner.errors import OutOfTime
from planner.model.parts import independent_parts
from planner.model.problem import Problem
from planner.model.rollout import Run, Wave
from planner.running import clock, progress, work
from planner.running.clock import Deadline

__all__ = ["Analysis", "analyse", "blocked", "check_evidence", "uniform"]

#: Seconds per instance and service that replaying a plan and a dead path takes (measured
#: on the XL scale scenarios, 2,800 instances × 320 services: 2.5 s, about 3 µs), kept out
#: of the analysis' budget, with a third more for what a large model's search runs past
#: its deadline (an XL any-dead-state model ended 0.9 s late, and one XL solve missed
#: limit + 1.5 s by 0.7 s: benchmarks/README.md, issue 24's second session).
_REPLAY_SECONDS = 4e-6


def analyse(
    problem: Problem,
    *,
    time_limit: float = 60.0,
    workers: int = 1,
    seed: int = 0,
    tries: int | None = None,
    shortcuts: bool = True,
    deadline: Deadline | None = None,
    split: bool = True,
    report: bool = True,
) -> Analysis:
    """The verdict of ROLLOUT.md §4 for ``problem``; ``unknown`` if time runs out.

    ``deadline`` (:class:`~planner.running.clock.Deadline`): when the answer is due;
    None: ``time_limit`` seconds from now. ``tries``: randomised ECS runs to try before
    any solver (default: by size). ``shortcuts=False`` skips counting and the volume
    argument, so that every verdict beyond ECS's own runs comes from CP-SAT (for
    cross-checks). ``split=False`` decides the services together even where they form
    groups that share no instance (:mod:`planner.deciding.parts`; off with ``shortcuts``).
    ``report=False``: not the scheduler's further runs for the report, nor whether it
    could take the dead path (for a check that only asks whether the rollout is safe:
    neither can make it so; in a fix's check, the search whether the scheduler follows a
    dead path took most of a 10 s solve of an honest M scenario).

    Every plan and dead path in the answer has been replayed through the plain model
    (:func:`check_evidence`); one that does not replay raises :class:`InternalError`.
    """
    if deadline is None:
        deadline = Deadline(time_limit)
    # replaying the evidence (check_evidence) takes a while on thousands of instances
    replay = _REPLAY_SECONDS * problem.n_instances * problem.n_services
    whole, deadline = deadline, deadline.less(min(replay, clock.REPLAY.seconds(deadline)))
    # on a work budget, its wall-clock cut-off leaves the replay its time too
    with work.keeping(replay):
        a = _unchecked(problem, whole, deadline, workers, seed, tries, shortcuts, split, report)
    progress.phase("replaying the evidence")
    check_evidence(problem, a)
    return a


def _unchecked(
    problem: Problem,
    whole: Deadline,
    deadline: Deadline,
    workers: int,
    seed: int,
    tries: int | None,
    shortcuts: bool,
    split: bool,
    report: bool = True,
) -> Analysis:
    """:func:`analyse` up to the replay of its evidence (``deadline``: ``whole`` less the
    time the replay is due)."""
    # ECS as configured first: its default run and the extreme orders are cheap, and a
    # hang among them is the most plausible witness (tries=0: the default run only)
    S = problem.n_services
    progress.phase("ECS's scheduler as configured: first runs")
    summary = scheduler.summarise(
        problem,
        seed=seed,
        most=1 + 2 * S if tries is None else 1,
        deadline=whole.share(clock.FIRST_RUNS),
        first=deadline,  # ECS's default run: every analysis needs it (replay kept back)
    )
    ecs = problem.placement_mode == "ecs"
    budget = deadline.share(clock.SCHEDULER_SEARCH) if ecs else deadline
    known: dict[str, Run | None] = {}
    # a cluster that reacts grows for every service at once (§10): never split
    splits = split and shortcuts and not ecs and not problem.groups
    groups = independent_parts(problem) if splits else []

    def part(sub: Problem, until: Deadline) -> Analysis:
        return analyse(sub, workers=workers, seed=seed, tries=tries, deadline=until, split=False)

    try:
        if problem.reacts:
            a = reacting.decide(problem, budget, workers, seed, tries, summary, known)
        elif len(groups) > 1:
            progress.phase(f"decomposition: {len(groups)} groups of services")
            a = decide_parts(problem, groups, budget, part)
        else:
            a = decide(problem, budget, workers, seed, tries, shortcuts, summary, known)
    except OutOfTime:
        a = unknown_in_time(problem, known)
    if a.verdict != Verdict.SAFE and tries is None and report:
        a = _report_runs(problem, a, summary, deadline, clock.REPORT_RUNS.seconds(whole))
    summary.source = None
    a.scheduler = summary
    if a.dead_path is not None and report:
        hang = summary.first_hang
        if hang is not None and a.dead_path == hang.waves:
            a.follows_strategy = True
        else:  # it colours the report, not the verdict
            until = deadline.within(clock.FOLLOWS.seconds(whole))
            a.follows_strategy = scheduler.follows(problem, a.dead_path, deadline=until)
    if ecs:
        a = _narrow_to_scheduler(problem, a, deadline)
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
    if a.verdict in (Verdict.HANGS, Verdict.SAFE) or (
        a.verdict == Verdict.AT_RISK and a.follows_strategy
    ):
        a.proof += "; so with ECS's scheduler as configured too"
        return a
    status, path, seen = scheduler.search_dead(problem, deadline)
    was = f"under any placement: {a.verdict} ({a.proof})"
    if status == "found" and path is not None:
        from planner.solvers.cpsat import plan_of

        waves = plan_of(path)
        if a.plan is None:
            out = Analysis(
                Verdict.UNKNOWN,
                "time limit: ECS's scheduler as configured can reach a dead state, and no "
                f"completing plan was found in time; at-risk or hangs ({was})",
                dead_path=waves,
                dead_end=path[-1],
            )
        else:
            out = Analysis(
                Verdict.AT_RISK,
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
            Verdict.SAFE,
            f"ECS's scheduler as configured: none of the {seen} states it can reach is "
            f"dead, so every run it makes completes; {was}",
            plan=plan,
        )
    else:
        out = Analysis(
            Verdict.UNKNOWN,
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
    if a.verdict != Verdict.UNKNOWN:
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
        Verdict.AT_RISK,
        "a run completes, and a run by ECS rules dies (ECS's scheduler as configured "
        "settled what the time limit left open)",
        plan=plan,
        dead_path=dead_path,
        dead_end=dead_end,
        solver_seconds=a.solver_seconds,
        notes=a.notes,
    )
    return out
