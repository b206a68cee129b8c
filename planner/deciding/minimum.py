"""The least instance counts for a possible and for a safe rollout.

A group whose ``count`` is omitted is scanned upward from a lower bound that no smaller
count can beat: the running tasks and the end state must each fit the group's summed
capacity. More instances are not always better for ECS (the old tasks spread differently),
so the scan reports the first count at which the rollout is possible and the first at which
it is safe, not a count beyond which everything works. With several groups omitted, count
vectors are tried in order of hourly price (then total instances).

On a cluster that reacts (ROLLOUT.md §10) the same scan answers two questions:

- a group's count omitted: the least running instances, each count judged with scale-out
  (the verdict on the reacting cluster); the lower bound counts the instances the
  capacity providers may launch toward the end state, and a group that is a capacity
  provider's stops at its maxSize;
- :func:`scan_max_sizes` (``planner solve --least-max-size``): the least ``maxSize`` of
  each capacity provider whose group scales, from the running instances (or minSize) up
  to the size past which a larger maxSize changes no run (:func:`max_size_range`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any, TypedDict, Unpack

from planner.deciding.verdict import Analysis, analyse
from planner.deciding.verdicts import Verdict
from planner.errors import PlannerError
from planner.model.problem import DoesNotFit, Footprint, compile_problem
from planner.model.scenario import Scenario
from planner.running import clock
from planner.running.clock import Deadline

#: How far past the lower bound a single group is scanned.
SCAN = 64
#: How many count vectors are tried when several groups are open.
COMBINATIONS = 400


def lower_bound(scenario: Scenario, group: int) -> int:
    """Fewest instances of ``group`` (others as given, open ones absent) that can hold
    the running tasks and the end state, by summed CPU units and memory (two dimensions:
    ENIs and ports are left to the search, which starts from this count)."""
    g = scenario.instance_groups[group]
    ag = scenario.agent
    per = [g.cpu - ag.reserved_cpu, g.memory - ag.reserved_memory]
    fixed = [0, 0]
    for h in scenario.instance_groups:
        if h.count:
            fixed[0] += h.count * (h.cpu - ag.reserved_cpu)
            fixed[1] += h.count * (h.memory - ag.reserved_memory)
    best = 0
    for side in ("old", "new"):
        if side == "new":  # the end state may also use what the groups launch
            fixed = [a + b for a, b in zip(fixed, _launchable_capacity(scenario), strict=True)]
        need = [0, 0]
        for svc in scenario.services:
            td = svc.task_definition if side == "old" or not svc.deploy else svc.new_task_definition
            fp = Footprint.of(td)
            need[0] += svc.desired_count * fp.cpu
            need[1] += svc.desired_count * fp.memory
        for d in range(2):
            if per[d] <= 0:
                if need[d] > fixed[d]:
                    return 0
                continue
            best = max(best, math.ceil(max(0, need[d] - fixed[d]) / per[d]))
    return best


def _launchable_capacity(scenario: Scenario) -> list[int]:
    """CPU units and MiB of every instance the capacity providers may launch, at most
    (maxSize less the running instances of known count, each of the type planner launches,
    ROLLOUT.md §10): an upper bound, so that :func:`lower_bound` stays one."""
    ag = scenario.agent
    out = [0, 0]
    for cp in scenario.capacity_providers:
        if not cp.scales:
            continue
        running = sum(scenario.instance_groups[k].count or 0 for k in cp.groups)
        room = max(0, cp.max_size - running)
        out[0] += room * max(0, cp.smallest.cpu - ag.reserved_cpu)
        out[1] += room * max(0, cp.smallest.memory - ag.reserved_memory)
    return out


# The shares of the scan (planner.running.clock): each count of the first pass gets
# MINIMUM_QUICK of the time limit, the first pass MINIMUM_SCAN at most, each count of the
# second pass MINIMUM_COUNT at most.


def _analyse(scenario: Scenario, deadline: Deadline, workers: int, seed: int) -> Analysis | None:
    """The analysis at these counts, due by ``deadline``; None where the running tasks do
    not fit."""
    try:
        problem = compile_problem(scenario)
    except DoesNotFit:
        return None
    return analyse(problem, workers=workers, seed=seed, deadline=deadline)


def _possible(a: Analysis | None) -> bool:
    """Some plan completes: at-risk, safe, or unknown with a completing run found."""
    return a is not None and (
        a.verdict in (Verdict.SAFE, Verdict.AT_RISK)
        or (a.verdict == Verdict.UNKNOWN and bool(a.plan))
    )


def _candidates(scenario: Scenario) -> list[dict[int, int]]:
    open_groups = scenario.open_groups
    if len(open_groups) == 1:
        k = open_groups[0]
        lo = max(lower_bound(scenario, k), 0 if _has_fixed(scenario) else 1)
        return [c for c in ({k: n} for n in range(lo, lo + SCAN + 1)) if _within(scenario, c)]
    caps = {k: max(lower_bound(scenario, k), 1) * 2 + 2 for k in open_groups}
    combos = []
    for counts in itertools.product(*(range(caps[k] + 1) for k in open_groups)):
        if sum(counts) == 0 and not _has_fixed(scenario):
            continue
        c = dict(zip(open_groups, counts, strict=True))
        if not _within(scenario, c):
            continue
        price = sum((scenario.instance_groups[k].hourly_usd or 0.0) * n for k, n in c.items())
        combos.append((price, sum(counts), counts, c))
    combos.sort(key=lambda t: t[:3])
    return [c for *_, c in combos[:COMBINATIONS]]


def _within(scenario: Scenario, counts: dict[int, int]) -> bool:
    """Whether the counts keep every capacity provider's group within its maxSize (the
    ECS API refuses a group that runs more)."""
    for cp in scenario.capacity_providers:
        running = sum(counts.get(k, scenario.instance_groups[k].count or 0) for k in cp.groups)
        if running > cp.max_size:
            return False
    return True


def _has_fixed(scenario: Scenario) -> bool:
    return any(g.count for g in scenario.instance_groups)


def _describe(scenario: Scenario, counts: dict[int, int]) -> list[dict[str, Any]]:
    return [
        {"type": g.name, "count": counts.get(k, g.count)}
        for k, g in enumerate(scenario.instance_groups)
    ]


class ScanOptions(TypedDict, total=False):
    """:func:`scan`'s options, which :func:`minimum_instances` passes on as they are."""

    time_limit: float
    workers: int
    seed: int
    deadline: Deadline | None


def minimum_instances(
    scenario: Scenario, **options: Unpack[ScanOptions]
) -> tuple[dict[str, Any], Scenario]:
    """Least counts of the open groups for a possible and for a safe rollout.

    :func:`scan` (the same options) without the analysis of the chosen counts.
    """
    minimum, chosen, _ = scan(scenario, **options)
    return minimum, chosen


def scan(
    scenario: Scenario,
    *,
    time_limit: float = 60.0,
    workers: int = 1,
    seed: int = 0,
    deadline: Deadline | None = None,
) -> tuple[dict[str, Any], Scenario, Analysis | None]:
    """Least counts of the open groups for a possible and for a safe rollout.

    Two passes over the candidate counts (cheapest first): a quick one that stops at the
    first count proven safe, then, with the time left, the counts it left undecided below
    that one, least first. A count is "possible" when a completing plan is known (also
    when the verdict is unknown because no proof of safe or at-risk came in time).
    All of it by ``deadline`` (None: ``time_limit`` seconds from now).

    Returns
    -------
    (minimum, scenario, analysis)
        ``minimum`` as in CONTRACT.md (``possible`` and ``safe``, each a list of
        ``{"type", "count"}`` or None when none was found in the scan), with ``proven``
        (for each, whether every cheaper candidate was decided against it), ``undecided``
        (for each, the cheaper candidates left without a verdict, as in ``tried``) and
        ``tried`` (every candidate's verdict, None where the running tasks do not fit);
        the scenario with the safe counts filled in (else the possible ones, else the
        last tried); and the analysis made at those counts (None if they do not hold the
        running tasks), so that the caller need not repeat it with whatever time is left.
    """
    candidates = _candidates(scenario)
    if not candidates:
        capped = " within the capacity providers' maxSize" if scenario.capacity_providers else ""
        raise PlannerError(f"no instance count to try{capped}", file=scenario.path)
    names = [
        ", ".join(f"{scenario.instance_groups[g].name}={n}" for g, n in c.items())
        for c in candidates
    ]
    found, minimum, pick = _scan(
        [partial(scenario.with_counts, c) for c in candidates],
        names,
        lambda k: _describe(scenario, candidates[k]),
        Deadline(time_limit) if deadline is None else deadline,
        workers,
        seed,
    )
    return minimum, scenario.with_counts(candidates[pick]), found[pick]


def _scan(
    makers: list[Callable[[], Scenario]],
    names: list[str],
    describe: Callable[[int], list[dict[str, Any]]],
    deadline: Deadline,
    workers: int,
    seed: int,
) -> tuple[dict[int, Analysis | None], dict[str, Any], int]:
    """:func:`scan`'s two passes over candidates (cheapest first), each made by its maker:
    every analysis made (by candidate), the minimum as :func:`scan` describes it, and the
    candidate picked (the least safe, else the least possible, else the last tried)."""
    found: dict[int, Analysis | None] = {}  # candidate index → its latest analysis

    def run(k: int, until: Deadline) -> None:
        found[k] = _analyse(makers[k](), until, workers, seed)

    first_pass = deadline.share(clock.MINIMUM_SCAN)
    for k in range(len(makers)):
        if first_pass.expired and found:
            break
        run(k, first_pass.within(clock.MINIMUM_QUICK.seconds(deadline)))
        if (a := found[k]) is not None and a.verdict == Verdict.SAFE:
            break
    for k in sorted(found):
        least_safe = _first(found, "safe")
        if least_safe is not None and k >= least_safe:
            break
        a = found[k]
        if a is None or a.verdict != Verdict.UNKNOWN:
            continue
        if deadline.expired:
            break
        run(k, deadline.share(clock.MINIMUM_COUNT))

    tried = {names[k]: (a.verdict if a else None) for k, a in sorted(found.items())}
    possible = _first(found, "possible")
    safe = _first(found, "safe")
    minimum: dict[str, Any] = {
        "possible": describe(possible) if possible is not None else None,
        "safe": describe(safe) if safe is not None else None,
        "proven": {},
        "undecided": {},
        "tried": tried,
    }
    for key, first in (("possible", possible), ("safe", safe)):
        # Below the first possible count: only "possible" is in doubt when the verdict is
        # unknown without a plan; below the first safe one, any unknown.
        open_ = [
            names[j]
            for j, a in sorted(found.items())
            if (first is None or j < first) and a is not None and a.verdict == Verdict.UNKNOWN
        ]
        minimum["undecided"][key] = open_
        minimum["proven"][key] = not open_
    pick = safe if safe is not None else possible if possible is not None else max(found)
    return found, minimum, pick


# ---------------------------------------------------------------- the least maxSize


def max_size_range(scenario: Scenario, k: int) -> range:
    """The maxSizes of capacity provider ``k`` worth trying, least first.

    From its running instances (or its minSize, if more: the ECS API refuses a maxSize
    below it) up to the size past which no run can tell a larger maxSize apart: a
    scale-out grows the group to ceil(M × 100 / targetCapacity) at most, M = the
    instances running a task + the empty ones the PROVISIONING tasks need, at most the
    running instances + twice the deploying tasks on the provider (each runs on at most
    one launched instance and needs at most one more). At most :data:`SCAN` past the
    first.
    """
    cp = scenario.capacity_providers[k]
    running = sum(scenario.instance_groups[g].count or 0 for g in cp.groups)
    lo = max(running, cp.min_size)
    tasks = sum(
        svc.desired_count
        for svc in scenario.services
        if svc.deploy
        and any(item.capacity_provider == cp.name for item in scenario.strategy_of(svc))
    )
    target = cp.scaling.target_capacity if cp.scaling is not None else 100
    hi = max(lo, math.ceil((running + 2 * tasks) * 100 / target))
    return range(lo, min(hi, lo + SCAN) + 1)


def _with_max_sizes(scenario: Scenario, sizes: dict[int, int]) -> Scenario:
    cps = tuple(
        replace(cp, max_size=sizes[k]) if k in sizes else cp
        for k, cp in enumerate(scenario.capacity_providers)
    )
    return replace(scenario, capacity_providers=cps)


def _max_size_candidates(scenario: Scenario) -> list[dict[int, int]]:
    """maxSize vectors of the providers whose group scales, cheapest first: the price of
    the instances each may launch (its launched type's hourly price), then their number."""
    open_ = [k for k, cp in enumerate(scenario.capacity_providers) if cp.scales]
    if not open_:
        return []
    ranges = [max_size_range(scenario, k) for k in open_]
    combos = []
    for sizes in itertools.product(*ranges):
        extra = [m - r.start for m, r in zip(sizes, ranges, strict=True)]
        price = sum(
            (scenario.capacity_providers[k].smallest.hourly_usd or 0.0) * n
            for k, n in zip(open_, extra, strict=True)
        )
        combos.append((price, sum(extra), sizes))
        if len(combos) > 50 * COMBINATIONS:
            break
    combos.sort()
    return [dict(zip(open_, sizes, strict=True)) for *_, sizes in combos[:COMBINATIONS]]


def scan_max_sizes(
    scenario: Scenario,
    *,
    time_limit: float = 60.0,
    workers: int = 1,
    seed: int = 0,
    deadline: Deadline | None = None,
) -> tuple[dict[str, Any], Scenario, Analysis | None]:
    """The least ``maxSize`` of each capacity provider whose group scales, for a possible
    and for a safe rollout on the cluster that reacts (ROLLOUT.md §10).

    :func:`scan`'s two passes over :func:`max_size_range` (several providers: vectors
    cheapest first), the instance counts as given (fill omitted ones first, with
    :func:`scan`). Returns ``(minimum, scenario, analysis)`` as :func:`scan` does, the
    lists of ``minimum`` holding ``{"capacityProvider", "maxSize"}`` and ``tried`` named
    ``provider=maxSize``; the scenario with those maxSizes and its analysis.

    Raises
    ------
    PlannerError
        If no capacity provider's group scales (none, or managed scaling off), or a
        group's count is omitted.
    """
    if scenario.open_groups:
        raise PlannerError(
            "the least maxSize needs every instance count: fill the omitted ones first",
            file=scenario.path,
        )
    candidates = _max_size_candidates(scenario)
    if not candidates:
        raise PlannerError(
            "no capacity provider's group scales (managed scaling ENABLED), so there is no "
            "maxSize to find",
            file=scenario.path,
        )
    cps = scenario.capacity_providers
    names = [", ".join(f"{cps[k].name}={m}" for k, m in c.items()) for c in candidates]

    def describe(j: int) -> list[dict[str, Any]]:
        return [
            {"capacityProvider": cp.name, "maxSize": candidates[j].get(k, cp.max_size)}
            for k, cp in enumerate(cps)
        ]

    found, minimum, pick = _scan(
        [partial(_with_max_sizes, scenario, c) for c in candidates],
        names,
        describe,
        Deadline(time_limit) if deadline is None else deadline,
        workers,
        seed,
    )
    return minimum, _with_max_sizes(scenario, candidates[pick]), found[pick]


def least_max_sizes(
    scenario: Scenario, **options: Unpack[ScanOptions]
) -> tuple[dict[str, Any], Scenario]:
    """The least maxSize of each capacity provider for a possible and for a safe rollout
    (``minimum["possible"]``, ``["safe"]``: lists of ``{"capacityProvider", "maxSize"}``),
    and the scenario with the safe ones (else the possible ones, else the last tried).

    :func:`scan_max_sizes` (the same options) without the analysis of the chosen sizes.

    Examples
    --------
    >>> import planner
    >>> from planner.model.providers import CapacityProvider
    >>> tiny = planner.InstanceGroup("m", 2048, 4096, 2)
    >>> group = CapacityProvider("cp", (planner.InstanceGroup("m", 2048, 4096, None),),
    ...                          (), 0, 2, groups=(0,))
    >>> from planner.model.providers import StrategyItem
    >>> api = planner.Service("api", 4, planner.TaskDefinition(1024, 1024),
    ...     planner.TaskDefinition(1024, 1500),
    ...     capacity_provider_strategy=(StrategyItem("cp", weight=1),))
    >>> s = planner.Scenario("t", (tiny,), (api,), capacity_providers=(group,))
    >>> m, _ = planner.least_max_sizes(s, time_limit=20)
    >>> m["possible"], m["safe"]  # doctest: +NORMALIZE_WHITESPACE
    ([{'capacityProvider': 'cp', 'maxSize': 3}], [{'capacityProvider': 'cp', 'maxSize': 3}])
    """
    minimum, chosen, _ = scan_max_sizes(scenario, **options)
    return minimum, chosen


def _first(found: dict[int, Analysis | None], what: str) -> int | None:
    """The first candidate that is safe (``what`` "safe") or possible ("possible")."""
    for k in sorted(found):
        a = found[k]
        if (a is not None and a.verdict == Verdict.SAFE) if what == "safe" else _possible(a):
            return k
    return None
