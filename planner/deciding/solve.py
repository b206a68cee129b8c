"""The facade: a scenario in, a :class:`~planner.deciding.result.Result` out."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import replace

from planner.deciding import outcome
from planner.deciding.fixes import batch_fixes, find_fixes, may_batch
from planner.deciding.gate import expectation_check
from planner.deciding.minimum import scan, scan_max_sizes
from planner.deciding.result import DeadState, Result
from planner.deciding.verdict import Analysis, analyse, blocked
from planner.deciding.verdicts import Verdict
from planner.errors import PlannerError
from planner.model.problem import DoesNotFit, Problem, compile_problem
from planner.model.scenario import Scenario
from planner.model.timing import estimate, timing_parameters
from planner.running import clock, progress, work
from planner.running.clock import Deadline
from planner.running.machine import default_workers


def compile_checked(scenario: Scenario) -> Problem:
    """:func:`compile_problem`, its errors naming the scenario file."""
    try:
        return compile_problem(scenario)
    except DoesNotFit as exc:
        raise PlannerError(exc.message, file=scenario.path, field=exc.field) from None


def solve(
    scenario: Scenario,
    *,
    time_limit: float = 60.0,
    workers: int | None = None,
    seed: int = 0,
    fixes: bool = True,
    placement: str | None = None,
    deadline: Deadline | None = None,
    least_max_size: bool = False,
    repeatable: bool = False,
) -> Result:
    """Decide whether the deployment of ``scenario`` completes (ROLLOUT.md §4).

    Parameters
    ----------
    scenario
        From :func:`planner.load_scenario`.
    time_limit
        Seconds for the whole solve; past it the verdict is ``unknown``.
    deadline
        When the answer is due, on its own clock (:class:`~planner.running.clock.Deadline`,
        a command's: what it spent before, an import say, is gone); None: ``time_limit``
        seconds from now. Every phase below asks it how much is left.
    workers, seed
        CP-SAT's worker count (None: one per core, at most
        :data:`~planner.running.machine.MOST_DEFAULT_WORKERS`) and random seed; one worker is
        deterministic.
    fixes
        Look for changes that make a hanging or at-risk rollout safe (each one checked).
    placement
        ``any`` (ROLLOUT.md §4 as written: ECS may place a task wherever it fits) or
        ``ecs`` (§8: the scheduler as configured); None keeps the scenario's.
    least_max_size
        Also find the least ``maxSize`` of each capacity provider whose group scales, for
        a possible and for a safe rollout (``minimum["maxSize"]``,
        :func:`~planner.deciding.minimum.scan_max_sizes`), within
        :data:`~planner.running.clock.LEAST_MAX_SIZE` of the time; the verdict stays the
        one at the scenario's own maxSize.
    repeatable
        Cut the phases by counted work instead of the clock
        (:func:`planner.running.work.budget`), so that one worker gives the same answer
        on any machine fast enough (with more, CP-SAT's search is not repeatable anyway).
        The time limit stays the cut-off, and an answer it cut short says so in its
        assumptions. Off by default: the budget is 80 % of the limit, and on honest2 XL
        70 % fleet-wide the dying run by ECS rules, found with the clock's shares, lies
        past a budget's share of runs (benchmarks/README.md, issue 24's fifth session).

    Returns
    -------
    Result
        The verdict, why, where, the plan and its estimated duration; with a group's
        ``count`` omitted, ``minimum`` and the result for the safe (else possible) count;
        with ``least_max_size``, ``minimum["maxSize"]``.
    """
    if deadline is None:
        deadline = Deadline(time_limit)
    wall, t0 = deadline, deadline.clock()
    if workers is None:
        workers = default_workers()
    with work.budget(wall) if repeatable else nullcontext(wall) as deadline:
        with work.keeping(clock.RESERVE.seconds(wall)):  # for printing, on the real clock
            result = _solve(scenario, deadline, workers, seed, fixes, placement, least_max_size)
        spent = work.active()  # the budget's clock (None: the real one)
    if spent is not None:
        result.assumptions.append(work.words(spent))
        result.work = spent
    result.wall_seconds = wall.clock() - t0
    result.time_limit = wall.limit
    return result


def _solve(
    scenario: Scenario,
    deadline: Deadline,
    workers: int,
    seed: int,
    fixes: bool,
    placement: str | None,
    least_max_size: bool,
) -> Result:
    """:func:`solve` on ``deadline``'s clock (the real one, or a work budget's)."""
    # what follows the analysis and the fixes (the result, printing it) keeps a reserve
    usable = deadline.less(clock.RESERVE.seconds(deadline))
    if placement is not None:
        scenario = replace(scenario, placement_mode=placement)
    minimum = None
    analysis = None
    if scenario.open_groups:  # the scan's own analysis of the counts it chose is reused
        until = usable.share(clock.LEAST_MAX_SIZE) if least_max_size else usable
        minimum, scenario, analysis = scan(scenario, workers=workers, seed=seed, deadline=until)
    if least_max_size:  # at the counts as given or found; the verdict at the file's maxSize
        sizes, _, _ = scan_max_sizes(
            scenario, workers=workers, seed=seed, deadline=usable.share(clock.LEAST_MAX_SIZE)
        )
        minimum = {**(minimum or {}), "maxSize": sizes}
    compiled_at = deadline.clock()
    problem = compile_checked(scenario)
    compile_seconds = deadline.clock() - compiled_at
    batches = fixes and analysis is None and _keeps_for_batches(problem, usable, compile_seconds)
    if analysis is None:
        until = usable.less(clock.BATCHES.seconds(usable)) if batches else usable
        analysis = analyse(problem, workers=workers, seed=seed, deadline=until)
    result = build_result(scenario, problem, analysis)
    result.minimum = minimum
    if outcome.applies(scenario):
        result.outcome = outcome.outcome(
            scenario, problem, analysis, result.estimated_duration, usable
        )
    if fixes and result.verdict in (Verdict.HANGS, Verdict.AT_RISK):
        progress.phase("checking fixes")
        result.fixes = find_fixes(
            scenario, problem, result, seed=seed, deadline=usable, compile_seconds=compile_seconds
        )
    elif batches and result.verdict == Verdict.UNKNOWN:
        progress.phase("checking fixes: deploying in two steps")
        until = usable.share(clock.FIXES)
        result.fixes = batch_fixes(scenario, problem, result, until, seed, compile_seconds)
    result.source = scenario.path
    result.expectation = expectation_check(scenario.expect, result)
    result.workers = workers
    result.problem = problem
    return result


def _keeps_for_batches(problem: Problem, work: Deadline, compile_seconds: float) -> bool:
    """Whether the analysis keeps a share back so that an unknown verdict still gets a
    checked first step (:func:`~planner.deciding.fixes.batch_fixes`): where several
    services deploy and that share has room for a few steps (each compiles a candidate:
    at 2,800 instances 3.7 s, a third of the share)."""
    return may_batch(problem) and clock.BATCHES.seconds(work) >= 4 * compile_seconds


def build_result(scenario: Scenario, problem: Problem, a: Analysis) -> Result:
    """Turn an analysis into the result that CLI and JSON show."""
    labels = [inst.label for inst in problem.instances]
    names = [svc.name for svc in problem.services]
    r = Result(
        scenario=scenario.name,
        verdict=a.verdict,
        instances=[{"type": g.name, "count": g.count} for g in scenario.instance_groups],
        instance_labels=labels,
        services=[
            {
                "name": svc.name,
                "desiredCount": svc.desired,
                "lower": svc.lower,
                "upper": svc.upper,
                "strategy": scenario.services[k].strategy
                if scenario.services[k].deployment_controller != "CODE_DEPLOY"
                else "CODE_DEPLOY",
            }
            for svc, k in zip(problem.services, problem.service_index, strict=True)
        ],
        service_names=names,
        initial=[
            {"service": names[s], "instance": i, "count": n}
            for i, row in enumerate(problem.initial)
            for s, n in enumerate(row)
            if n
        ],
        plan=a.plan,
        proof=a.proof,
        solver_seconds=a.solver_seconds,
        timing=timing_parameters(scenario.timing),
        assumptions=assumptions(scenario),
    )
    r.placement = problem.placement_mode
    if problem.snapshot:
        from planner.model.rollout import initial_state, is_dead

        r.initial_new = [
            {"service": names[s], "instance": i, "count": n}
            for i, row in enumerate(problem.start_new)
            for s, n in enumerate(row)
            if n
        ]
        r.closed = [
            {"instance": i, "status": inst.closed}
            for i, inst in enumerate(problem.instances)
            if inst.closed
        ]
        r.stuck_now = is_dead(problem, initial_state(problem))
    if any(g.instance_ids for g in scenario.instance_groups):
        r.instance_ids = [inst.label for inst in problem.instances]
    if any(g.zones for g in scenario.instance_groups):
        r.zones = [inst.zone for inst in problem.instances]
    if a.scheduler is not None:
        r.scheduler = a.scheduler.to_json(problem)
    if a.plan is not None:
        r.duration_parts = estimate(scenario, problem, a.plan)
        r.estimated_duration = sum(r.duration_parts)
    if a.dead_path is not None and a.verdict in (Verdict.HANGS, Verdict.AT_RISK, Verdict.UNKNOWN):
        why = blocked(problem, a)
        r.dead_state = DeadState(len(a.dead_path) + 1, why, a.dead_path, a.follows_strategy)
        codes = {b.reason for b in why}
        if "final-state" in a.notes:
            codes.add("final-state")
        if a.verdict != Verdict.UNKNOWN:
            r.reasons = sorted(codes)
    return r


def assumptions(scenario: Scenario) -> list[str]:
    """What the figures rest on, for the output."""
    from planner.model.catalog import FIELD_WORDS, catalog_info

    out: list[str] = []
    info = catalog_info()
    for g in scenario.instance_groups:
        if g.type:
            words = ", ".join(FIELD_WORDS.get(f, f) for f in g.estimated)
            est = f" ({words} estimated)" if g.estimated else ""
            out.append(
                f"{g.name}: {g.cpu} CPU units, {g.memory} MiB as ECS registers it, from "
                f"data/instance_types.yaml{est}"
            )
        else:
            out.append(f"{g.name}: {g.cpu} CPU units, {g.memory} MiB, given in the scenario")
    ag = scenario.agent
    out.append(
        f"agent keeps {ag.reserved_cpu} CPU units and {ag.reserved_memory} MiB per instance; "
        f"reserved ports {list(ag.reserved_ports)}; dynamic ports {ag.dynamic_port_range[0]}–"
        f"{ag.dynamic_port_range[1]}" + ("; awsvpc ENI trunking on" if ag.awsvpc_trunking else "")
    )
    out.append(
        "a stopping task's resources are free at once (agent ≥ 1.73.0); new tasks count as "
        "healthy at the end of the wave they start in"
    )
    if any(s.new_placement is not None for s in scenario.services):
        out.append(
            "a snapshot taken mid-deployment: the new tasks running (RUNNING or PENDING) count "
            "as healthy; STOPPING tasks are gone"
        )
    if any(g.closed for g in scenario.instance_groups):
        out.append(
            "DRAINING instances and instances whose agent is disconnected take no new task; "
            "ECS replaces the tasks on draining ones within each service's percent bounds, "
            "by the same revision unless a new one deploys (docs/ROLLOUT.md §10)"
        )
    from planner.deciding.outcome import assumptions as reacting_assumptions

    out += reacting_assumptions(scenario)
    if any(g.hourly_usd is not None and g.type for g in scenario.instance_groups):
        out.append(f"prices: on-demand, {info.region}, {info.price_date}")
    return out
