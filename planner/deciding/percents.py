"""Which percent settings work: every pair of bounds a service's percents can give.

ECS turns ``minimumHealthyPercent`` p and ``maximumPercent`` q into the bounds of
ROLLOUT.md §2: lower = ceil(d·p/100), upper = floor(d·q/100), for d desired tasks. Many
percents give the same bounds, so the sweep runs over the distinct pairs of bounds — lower
0..d, upper 1..2d (a larger upper never helps: old and new tasks together are at most 2d)
— each with the ranges of whole percents that produce it, and solves each pair with the
verdict engine, the other services as in the file.

One pair is recommended: safe, then the highest lower bound (availability during the
rollout), then the lowest upper bound (surge: fewest extra tasks at once), then the fewest
waves. If no pair is safe, none is recommended.

Decisions beyond the contract's text
------------------------------------
* Pairs that no whole percent produces (d > 100) do not appear; upper 0 (maximumPercent
  below 100/d: no new task can ever start) does not appear either.
* All-at-once strategies (BLUE_GREEN, LINEAR, CANARY, the CODE_DEPLOY controller) ignore
  the percents: asking for them is a :class:`PlannerError`.
* DAEMON services: ECS wants maximumPercent to stay 100, so only upper = d is listed.
* A group whose ``count`` is omitted is first filled with the least safe count for the
  file's own percents (else the least possible one, else the last tried), and the output
  says so.
* On a cluster that reacts (ROLLOUT.md §10) each setting is judged with scale-out: the
  verdict engine's own (:mod:`planner.deciding.reacting`) on the problem with that
  setting's bounds, the capacity providers' groups as the file gives them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypedDict, Unpack

from planner.deciding.verdicts import Verdict
from planner.errors import PlannerError
from planner.model.problem import Problem, lower_bound, upper_bound
from planner.model.scenario import Scenario
from planner.model.timing import estimate
from planner.running.sweep import Failed, run_cells

#: A pair of bounds with the whole-percent ranges that give it.
Range = tuple[int, int | None]


# ---------------------------------------------------------------- percent ranges


def minimum_percent_ranges(desired: int) -> dict[int, tuple[int, int]]:
    """Lower bound → the whole minimumHealthyPercent values [lo, hi] that give it.

    >>> minimum_percent_ranges(3)
    {0: (0, 0), 1: (1, 33), 2: (34, 66), 3: (67, 100)}
    """
    out: dict[int, tuple[int, int]] = {}
    for p in range(0, 101):  # ECS accepts 0..100
        lo = lower_bound(desired, p)
        first, _ = out.get(lo, (p, p))
        out[lo] = (first, p)
    return out


def maximum_percent_ranges(desired: int) -> dict[int, Range]:
    """Upper bound (1..2d) → the whole maximumPercent values [lo, hi] that give it.

    The last range is open (``hi`` None): every maximumPercent from 200 up gives an
    upper bound of at least 2d, which behaves as 2d.

    >>> maximum_percent_ranges(2)
    {1: (50, 99), 2: (100, 149), 3: (150, 199), 4: (200, None)}
    """
    out: dict[int, Range] = {}
    for q in range(0, 201):
        up = upper_bound(desired, q)
        if up == 0:
            continue
        first = out[up][0] if up in out else q
        out[up] = (first, None if q == 200 else q)
    return out


# ---------------------------------------------------------------- the sweep


@dataclass
class PercentOptions:
    """Every distinct percent setting of one service, solved.

    ``rows`` are as in CONTRACT.md (``planner percents --format json``); ``current`` is
    the index of the row the file's own setting gives (None when its upper bound is 0),
    ``recommended`` the index of the recommended row (None when no row is safe).
    """

    scenario: str
    service: str
    desired: int
    current_percents: tuple[int, int]
    current_bounds: tuple[int, int]
    fleet: str
    rows: list[dict[str, Any]]
    current: int | None
    recommended: int | None
    notes: list[str] = field(default_factory=list)


def _pick_service(scenario: Scenario, name: str | None) -> int:
    deploying = [k for k, s in enumerate(scenario.services) if s.deploy]
    if name is None:
        if not deploying:
            raise PlannerError("no service deploys (every service has deploy: false)")
        # the first that deploys by its percents: a rolling REPLICA service, if any
        rolling = [
            k
            for k in deploying
            if scenario.services[k].scheduling_strategy == "REPLICA"
            and not scenario.services[k].all_at_once
        ]
        return (rolling or deploying)[0]
    for k, s in enumerate(scenario.services):
        if s.name == name:
            if not s.deploy:
                raise PlannerError(
                    f"service {name!r} has deploy: false; its percents do not apply",
                    file=scenario.path,
                )
            return k
    names = ", ".join(s.name for s in scenario.services)
    raise PlannerError(f"no service named {name!r}; services: {names}", file=scenario.path)


@dataclass(frozen=True)
class _Shared:
    """What every setting's solve needs, sent once to each worker."""

    scenario: Scenario
    problem: Problem
    service: int  # the swept service's index in ``problem.services``
    time_limit: float
    workers: int
    seed: int
    #: The whole sweep's deadline (``time.time()``: settings run in other processes), or None.
    deadline: float | None


def _solve_row(shared: _Shared, bounds: tuple[int, int]) -> tuple[str, int | None, int | None]:
    """Verdict, waves and estimated seconds of one pair of bounds (module level: it runs
    in a pool or on a Dask worker)."""
    from planner.deciding.verdict import analyse

    time_limit = shared.time_limit
    if shared.deadline is not None:
        time_limit = min(time_limit, shared.deadline - time.time())
        if time_limit <= 0.05:
            return "unknown", None, None  # the sweep's time limit came first
    services = list(shared.problem.services)
    lo, up = bounds
    services[shared.service] = replace(services[shared.service], lower=lo, upper=up)
    problem = replace(shared.problem, services=tuple(services))
    a = analyse(problem, time_limit=time_limit, workers=shared.workers, seed=shared.seed)
    if a.plan is None:
        return a.verdict, None, None
    return a.verdict, len(a.plan), sum(estimate(shared.scenario, problem, a.plan))


def preference(row: dict[str, Any]) -> tuple[int, int, int]:
    """How a safe row ranks, best least: highest lower, lowest upper, fewest waves."""
    return -row["lower"], row["upper"], row["waves"] or 0


def recommend(rows: Sequence[dict[str, Any]]) -> int | None:
    """Index of the recommended row: safe, highest lower, lowest upper, fewest waves."""
    safe = [k for k, r in enumerate(rows) if r["verdict"] == Verdict.SAFE]
    if not safe:
        return None
    return min(safe, key=lambda k: preference(rows[k]))


class SweepOptions(TypedDict, total=False):
    """How each setting is solved (:func:`percent_options`, :func:`sweep_percents`)."""

    time_limit: float
    workers: int
    seed: int
    jobs: int | None
    client: Any


def _refuse_all_at_once(scenario: Scenario, k: int) -> None:
    svc = scenario.services[k]
    if not svc.all_at_once:
        return
    how = (
        "the CODE_DEPLOY controller"
        if svc.deployment_controller == "CODE_DEPLOY"
        else f"strategy {svc.strategy}"
    )
    raise PlannerError(
        f"service {svc.name!r} deploys with {how}, which starts the whole new set beside "
        "the old one (2 × desired at once) whatever the percents say, so there are no "
        "percent settings to compare; `planner solve` checks it, or set strategy ROLLING",
        file=scenario.path,
    )


def _fill_open_groups(
    scenario: Scenario, time_limit: float, workers: int, seed: int
) -> tuple[Scenario, str]:
    """The scenario with its omitted instance counts filled (module docstring), and the
    note that says so."""
    from planner.deciding.minimum import minimum_instances

    minimum, scenario = minimum_instances(
        scenario, time_limit=time_limit, workers=workers, seed=seed
    )
    which = "safe" if minimum["safe"] else "possible" if minimum["possible"] else None
    counts = ", ".join(f"{g.count} × {g.name}" for g in scenario.instance_groups)
    if which:
        return scenario, (
            f"instance counts omitted: using {counts}, the least {which} count for the file's "
            "own percents"
        )
    return scenario, (
        f"instance counts omitted and no count worked for the file's percents: using {counts}"
    )


def _settings(d: int, daemon: bool) -> tuple[dict[int, tuple[int, int]], dict[int, Range]]:
    """The lower and upper bounds to sweep, each with its whole-percent range."""
    lowers = minimum_percent_ranges(d)
    if d == 0:
        return lowers, {0: (0, None)}
    if daemon:
        return lowers, {d: (100, 100)}
    return lowers, maximum_percent_ranges(d)


def _row(
    service: str, lower: Range, upper: Range, bounds: tuple[int, int], answer: Any, mode: str
) -> dict[str, Any]:
    """One setting's row, as in CONTRACT.md; a failed solve keeps its row, with the error."""
    failed = answer if isinstance(answer, Failed) else None
    verdict, waves, secs = ("failed", None, None) if failed else answer
    return {
        "service": service,
        "lower": bounds[0],
        "upper": bounds[1],
        "minimumHealthyPercent": list(lower),
        "maximumPercent": list(upper),
        "verdict": verdict,
        "waves": waves,
        "estimatedDurationSeconds": secs,
        "placement": mode,  # which ECS rules (ROLLOUT.md §8)
        **({"error": failed.error} if failed else {}),
    }


def sweep_percents(
    scenario: Scenario,
    service: str | None = None,
    *,
    time_limit: float = 10.0,
    workers: int = 1,
    seed: int = 0,
    jobs: int | None = 1,
    progress: bool = False,
    total_time_limit: float | None = None,
    client: Any = None,
) -> PercentOptions:
    """Solve every distinct percent setting of one service; see :func:`percent_options`.

    ``time_limit`` bounds each setting's solve; ``total_time_limit`` the whole sweep:
    settings not decided by then are ``unknown``, and say nothing more. ``client``: a
    ``dask.distributed.Client`` to solve the settings on (:mod:`planner.running.sweep`); a
    setting whose cell failed there is ``failed``, with its ``error``."""
    from planner.deciding.solve import compile_checked
    from planner.deciding.verdict import uniform

    deadline = None if total_time_limit is None else time.time() + total_time_limit
    k = _pick_service(scenario, service)
    _refuse_all_at_once(scenario, k)
    svc = scenario.services[k]
    notes: list[str] = []
    if service is None and sum(1 for x in scenario.services if x.deploy) > 1:
        notes.append(
            f"service {svc.name}: the first rolling REPLICA service that deploys (--service "
            "NAME for another)"
        )
    if scenario.open_groups:
        from planner.running.clock import PERCENTS_SCAN, PERCENTS_SCAN_SETTINGS

        scan_limit = time_limit * PERCENTS_SCAN_SETTINGS
        if total_time_limit is not None:
            scan_limit = min(scan_limit, total_time_limit * PERCENTS_SCAN.fraction)
        scenario, note = _fill_open_groups(scenario, scan_limit, workers, seed)
        notes.append(note)
    problem = compile_checked(scenario)
    s = problem.service_index.index(k)
    d = problem.services[s].desired
    lowers, uppers = _settings(d, svc.scheduling_strategy == "DAEMON")
    if svc.scheduling_strategy == "DAEMON":
        notes.append(
            "a DAEMON service: ECS wants maximumPercent to stay 100, so only that is listed"
        )
    pairs = [(0, 0)] if d == 0 else [(lo, up) for lo in lowers for up in uppers]
    if uniform(problem):  # counting answers every row at once: no pool needed
        jobs, client = 1, None
    shared = _Shared(scenario, problem, s, time_limit, workers, seed, deadline)
    solved = run_cells(
        _solve_row, pairs, shared, jobs=jobs, client=client, progress=progress,
        label="percents", deadline=deadline,
    )  # fmt: skip
    rows = [
        _row(svc.name, lowers[lo], uppers[up], (lo, up), answer, problem.placement_mode)
        for (lo, up), answer in zip(pairs, solved, strict=True)
    ]
    best = recommend(rows)
    if best is not None:
        rows[best]["recommended"] = True
    cur = (lower_bound(d, svc.minimum_healthy_percent), upper_bound(d, svc.maximum_percent))
    cur = (cur[0], min(cur[1], 2 * d))
    current = next((i for i, r in enumerate(rows) if (r["lower"], r["upper"]) == cur), None)
    if current is None and cur[1] == 0 and d:
        notes.append(
            f"the file's maximumPercent {svc.maximum_percent} gives upper bound 0: no new "
            "task can ever start, so the rollout hangs"
        )
    return PercentOptions(
        scenario=scenario.name,
        service=svc.name,
        desired=d,
        current_percents=(svc.minimum_healthy_percent, svc.maximum_percent),
        current_bounds=cur,
        fleet=", ".join(f"{g.count} × {g.name}" for g in scenario.instance_groups),
        rows=rows,
        current=current,
        recommended=best,
        notes=notes,
    )


def percent_options(
    scenario: Scenario, service: str | None = None, **options: Unpack[SweepOptions]
) -> list[dict[str, Any]]:
    """Every distinct (minimumHealthyPercent, maximumPercent) setting of a service, solved.

    Parameters
    ----------
    scenario
        From :func:`planner.load_scenario`; the other services deploy as the file says.
    service
        The service's name; default the first service that deploys.
    time_limit
        Seconds for each setting's solve (default 10); past it that row is ``unknown``.
    workers, seed
        CP-SAT's worker count and seed for each solve (default 1 and 0: one worker is
        deterministic).
    jobs
        Processes to solve settings side by side (default 1); None for every core.
    client
        A ``dask.distributed.Client``: solve the settings on its cluster instead
        (:mod:`planner.running.sweep`); ``jobs`` is then unused.

    Returns
    -------
    list of dict
        One row per distinct pair of bounds, as in CONTRACT.md: ``service, lower, upper,
        minimumHealthyPercent: [lo, hi], maximumPercent: [lo, hi or None], verdict,
        waves, estimatedDurationSeconds``; the recommended row also has
        ``recommended: True``. A setting whose solve failed (it raised, or a cluster lost
        it) has verdict ``failed`` and an ``error``; it is never left out.

    Raises
    ------
    PlannerError
        For an unknown service, one that does not deploy, or an all-at-once strategy.

    Examples
    --------
    >>> import planner
    >>> s = planner.load_scenario("scenarios/seed/deployment-configuration.yaml")
    >>> [(r["minimumHealthyPercent"], r["maximumPercent"], r["verdict"])
    ...  for r in planner.percent_options(s)]  # doctest: +NORMALIZE_WHITESPACE
    [([0, 0], [100, 199], 'safe'), ([0, 0], [200, None], 'safe'),
     ([1, 100], [100, 199], 'hangs'), ([1, 100], [200, None], 'safe')]
    """
    return sweep_percents(scenario, service, **options).rows
