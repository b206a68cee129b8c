"""The least instance counts for a possible and for a safe rollout.

A group whose ``count`` is omitted is scanned upward from a lower bound that no smaller
count can beat: the running tasks and the end state must each fit the group's summed
capacity. More instances are not always better for ECS (the old tasks spread differently),
so the scan reports the first count at which the rollout is possible and the first at which
it is safe, not a count beyond which everything works. With several groups omitted, count
vectors are tried in order of hourly price (then total instances).
"""

from __future__ import annotations

import itertools
import math
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
        return [{k: c} for c in range(lo, lo + SCAN + 1)]
    caps = {k: max(lower_bound(scenario, k), 1) * 2 + 2 for k in open_groups}
    combos = []
    for counts in itertools.product(*(range(caps[k] + 1) for k in open_groups)):
        if sum(counts) == 0 and not _has_fixed(scenario):
            continue
        c = dict(zip(open_groups, counts, strict=True))
        price = sum((scenario.instance_groups[k].hourly_usd or 0.0) * n for k, n in c.items())
        combos.append((price, sum(counts), counts, c))
    combos.sort(key=lambda t: t[:3])
    return [c for *_, c in combos[:COMBINATIONS]]


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
    if deadline is None:
        deadline = Deadline(time_limit)
    candidates = _candidates(scenario)
    if not candidates:
        raise PlannerError("no instance count to try", file=scenario.path)
    found: dict[int, Analysis | None] = {}  # candidate index → its latest analysis

    def run(k: int, until: Deadline) -> None:
        found[k] = _analyse(scenario.with_counts(candidates[k]), until, workers, seed)

    first_pass = deadline.share(clock.MINIMUM_SCAN)
    for k in range(len(candidates)):
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

    names = [
        ", ".join(f"{scenario.instance_groups[g].name}={n}" for g, n in candidates[k].items())
        for k in range(len(candidates))
    ]
    tried = {names[k]: (a.verdict if a else None) for k, a in sorted(found.items())}
    possible = _first(found, "possible")
    safe = _first(found, "safe")
    minimum: dict[str, Any] = {
        "possible": _describe(scenario, candidates[possible]) if possible is not None else None,
        "safe": _describe(scenario, candidates[safe]) if safe is not None else None,
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
    return minimum, scenario.with_counts(candidates[pick]), found[pick]


def _first(found: dict[int, Analysis | None], what: str) -> int | None:
    """The first candidate that is safe (``what`` "safe") or possible ("possible")."""
    for k in sorted(found):
        a = found[k]
        if (a is not None and a.verdict == Verdict.SAFE) if what == "safe" else _possible(a):
            return k
    return None
