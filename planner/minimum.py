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
import time
from typing import Any

from planner.errors import PlannerError
from planner.problem import DoesNotFit, Footprint, compile_problem
from planner.scenario import Scenario
from planner.verdict import analyse

#: How far past the lower bound a single group is scanned.
SCAN = 64
#: How many count vectors are tried when several groups are open.
COMBINATIONS = 400


def lower_bound(scenario: Scenario, group: int) -> int:
    """Fewest instances of ``group`` (others as given, open ones absent) that can hold
    the running tasks and the end state, by summed CPU, memory and ENIs."""
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


#: Share of the time limit one count may use, so that one ``unknown`` count does not
#: use up the whole scan: the next count may well be proven quickly.
PER_COUNT = 0.25


def _verdict(
    scenario: Scenario, deadline: float, per_count: float, workers: int, seed: int
) -> str | None:
    """The verdict at these counts; None where the running tasks do not fit."""
    try:
        problem = compile_problem(scenario)
    except DoesNotFit:
        return None
    left = max(0.05, min(per_count, deadline - time.perf_counter()))
    return analyse(problem, time_limit=left, workers=workers, seed=seed).verdict


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


def minimum_instances(
    scenario: Scenario, *, time_limit: float = 60.0, workers: int = 1, seed: int = 0
) -> tuple[dict[str, Any], Scenario]:
    """Least counts of the open groups for a possible and for a safe rollout.

    Returns
    -------
    (minimum, scenario)
        ``minimum`` as in CONTRACT.md (``possible`` and ``safe``, each a list of
        ``{"type", "count"}`` or None when none was found in the scan), and the scenario
        with the safe counts filled in (else the possible ones, else the last tried).
    """
    deadline = time.perf_counter() + time_limit
    possible = safe = None
    tried: dict[str, str | None] = {}
    last: dict[int, int] | None = None
    for counts in _candidates(scenario):
        if time.perf_counter() > deadline:
            break
        last = counts
        verdict = _verdict(
            scenario.with_counts(counts), deadline, time_limit * PER_COUNT, workers, seed
        )
        tried[", ".join(f"{scenario.instance_groups[k].name}={n}" for k, n in counts.items())] = (
            verdict
        )
        if verdict in ("safe", "at-risk") and possible is None:
            possible = counts
        if verdict == "safe":
            safe = counts
            break
    if last is None:
        raise PlannerError("no instance count to try", file=scenario.path)
    chosen = safe or possible or last
    minimum = {
        "possible": _describe(scenario, possible) if possible else None,
        "safe": _describe(scenario, safe) if safe else None,
        "tried": tried,
    }
    return minimum, scenario.with_counts(chosen)
