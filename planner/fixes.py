"""Changes that make a hanging or at-risk rollout safe, each one checked by a solve.

Tried in this order, cheapest to the team first: more instances of a group already in the
cluster, a dynamic host port for a service whose fixed port blocks it, then percent
settings (maximumPercent 200, then minimumHealthyPercent 50 and 0 — the last means a
short outage).
"""

from __future__ import annotations

import time
from dataclasses import replace

from planner.problem import DoesNotFit, Problem, compile_problem
from planner.result import Result
from planner.scenario import Scenario
from planner.verdict import analyse

#: Largest rollout (sum of desired counts) for which fixes are searched.
MAX_TASKS = 400


def _safe(scenario: Scenario, deadline: float, seed: int) -> bool:
    try:
        problem = compile_problem(scenario)
    except DoesNotFit:
        return False
    left = deadline - time.perf_counter()
    if left <= 0:
        return False
    return analyse(problem, time_limit=min(left, 10.0), seed=seed).verdict == "safe"


def find_fixes(
    scenario: Scenario, problem: Problem, result: Result, *, time_limit: float, seed: int = 0
) -> list[str]:
    """Verified fixes, each a short sentence."""
    if problem.total_desired > MAX_TASKS:
        return []
    deadline = time.perf_counter() + min(time_limit, 20.0)
    found: list[str] = []
    groups = scenario.instance_groups
    for k, g in enumerate(groups):
        for extra in (1, 2, 3):
            cand = scenario.with_counts({k: (g.count or 0) + extra})
            if _safe(cand, deadline, seed):
                what = "one more" if extra == 1 else f"{extra} more"
                zones = _added_zones(g, extra)
                where = f" in {', '.join(zones)}" if zones else ""
                found.append(f"{what} {g.name}{where} (placement by ECS's spread)")
                break
    blocked = {b.service for b in (result.dead_state.blocked if result.dead_state else [])}
    for idx, svc in enumerate(scenario.services):
        if not svc.deploy or (blocked and svc.name not in blocked):
            continue
        td = svc.new_task_definition
        if td.host_ports and td.network_mode == "bridge":
            dyn = replace(td, host_ports=(), dynamic_ports=td.dynamic_ports + len(td.host_ports))
            if _safe(_set_service(scenario, idx, new_task_definition=dyn), deadline, seed):
                found.append(f"dynamic host port for {svc.name} (hostPort 0)")
        if svc.all_at_once:
            continue
        for mn, mx, text in (
            (svc.minimum_healthy_percent, 200, "maximumPercent 200"),
            (50, max(svc.maximum_percent, 100), "minimumHealthyPercent 50"),
            (0, max(svc.maximum_percent, 100), "minimumHealthyPercent 0 (a short outage)"),
        ):
            if (mn, mx) == (svc.minimum_healthy_percent, svc.maximum_percent):
                continue
            if mx < svc.maximum_percent and mn >= svc.minimum_healthy_percent:
                continue
            cand = _set_service(scenario, idx, minimum_healthy_percent=mn, maximum_percent=mx)
            if _safe(cand, deadline, seed):
                found.append(f"{text} for {svc.name}")
                break
    return found


def _added_zones(group, extra: int) -> list[str]:
    """The zones ``extra`` more instances of ``group`` land in (round-robin, ROLLOUT.md §8),
    each named once, in order."""
    if not group.zones:
        return []
    n = group.count or 0
    return list(dict.fromkeys(group.zones[(n + k) % len(group.zones)] for k in range(extra)))


def _set_service(scenario: Scenario, idx: int, **changes) -> Scenario:
    services = list(scenario.services)
    services[idx] = replace(services[idx], **changes)
    return replace(scenario, services=tuple(services))
