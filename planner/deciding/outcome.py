"""How the deployment ends on a cluster that reacts (ROLLOUT.md §10): CONTRACT.md's
``outcome``, under the verdict that proves it.

- ``completes``: every run completes (safe) without a group growing on the plan shown;
- ``completes-after-scale-out``: the same, after the groups launch instances: how many of
  which type on the plan (ECS's default run where it completes), the most any run
  launches (exact where every run was seen, else ``maxSize`` less the running ones, named
  as a bound), and about how long, launch and warm-up included;
- ``rolls-back``: a dead state that the circuit breaker ends: after its threshold of
  failed placements (an assumption: placement failures count, a setting), the rollback
  solved as a rollout of its own from the dead state, the old revision as the new one;
  a native blue/green whose green set cannot be placed fails after 24 h and keeps blue;
- ``fails``: the breaker without ``rollback``: the deployment is FAILED and the tasks
  stay as they are (a kind beside CONTRACT.md's, for this case);
- ``stuck``: IN_PROGRESS forever, why;
- ``unknown``: the verdict is unknown.

For ``at-risk`` the outcome is the dead path's (``someRuns``: others complete).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from planner.deciding.analysis import Analysis
from planner.deciding.verdicts import Verdict
from planner.model.problem import Problem
from planner.model.rollout import (
    Blocked,
    State,
    explain,
    launched,
    replay,
    start_room,
)
from planner.model.scenario import Scenario
from planner.running import clock
from planner.running.clock import Deadline

#: A native blue/green lifecycle stage fails after this long (ROLLOUT.md §10).
NATIVE_STAGE_SECONDS = 24 * 3600


def applies(scenario: Scenario) -> bool:
    """Whether the scenario's result carries an ``outcome``: a capacity provider, a
    breaker, or a native blue/green (LINEAR, CANARY) deployment."""
    return bool(scenario.capacity_providers) or any(
        (s.circuit_breaker is not None and s.circuit_breaker.enable)
        or (s.all_at_once and s.deployment_controller == "ECS")
        for s in scenario.services
        if s.deploy
    )


def assumptions(scenario: Scenario) -> list[str]:
    """What the outcome rests on, named in the output."""
    r = scenario.reacting
    out: list[str] = []
    if any(cp.scales for cp in scenario.capacity_providers):
        out.append(
            "scale-out as ECS estimates it: PROVISIONING tasks packed first-fit onto the "
            "group's smallest type, the group grown to ceil(M × 100 / targetCapacity) within "
            "its step sizes and maxSize; new instances of the smallest type, their zones in "
            f"turn; no scale-in during the rollout; launch {r.instance_launch} s, then the "
            "warm-up before the next scale-out (docs/ROLLOUT.md §10)"
        )
    if any(s.circuit_breaker and s.circuit_breaker.enable for s in scenario.services):
        counts = "count" if r.placement_failures_count else "do not count"
        out.append(
            f"tasks that cannot be placed {counts} toward the circuit breaker's threshold "
            f"(reacting.placementFailuresCount); a PROVISIONING task waits "
            f"{r.provisioning_wait} s, else ECS tries to place a task every "
            f"{r.placement_retry} s (estimates)"
        )
    return out


def outcome(
    scenario: Scenario,
    problem: Problem,
    a: Analysis,
    duration: int | None,
    deadline: Deadline,
) -> dict[str, Any]:
    """CONTRACT.md's ``outcome`` for the analysis ``a`` of ``problem``."""
    if a.verdict == Verdict.UNKNOWN:
        return {"kind": "unknown", "assumptions": assumptions(scenario)}
    if a.verdict == Verdict.SAFE:
        return _completes(scenario, problem, a, duration)
    assert a.dead_end is not None
    out = _ends(scenario, problem, a.dead_end, len(a.dead_path or []), deadline)
    if a.verdict == Verdict.AT_RISK:
        out["someRuns"] = True
    return out


def _completes(
    scenario: Scenario, problem: Problem, a: Analysis, duration: int | None
) -> dict[str, Any]:
    states = replay(problem, a.plan or [])
    start, end = launched(problem, states[0]), launched(problem, states[-1])
    added = [
        {"capacityProvider": g.name, "type": g.type, "count": end[k] - start[k]}
        for k, g in enumerate(problem.groups)
        if end[k] > start[k]
    ]
    out: dict[str, Any] = {"kind": "completes"}
    if added:
        out["kind"] = "completes-after-scale-out"
        out["added"] = added
    if problem.groups:
        if a.most_added is not None:
            out["mostAdded"] = sum(a.most_added) - sum(start)
        else:
            out["mostAdded"] = sum(len(g.launchable) for g in problem.groups) - sum(start)
            out["mostAddedIsBound"] = True
    if duration is not None:
        out["estimatedSeconds"] = duration + scale_out_seconds(scenario, problem, states)
    out["assumptions"] = assumptions(scenario)
    return out


def scale_out_seconds(scenario: Scenario, problem: Problem, states: list[State]) -> int:
    """What the scale-outs along ``states`` add to the plan's duration: the first one an
    instance's launch, each later one the warm-up the group waits before it grows again,
    then a launch."""
    total = 0
    grew: set[int] = set()
    for before, after in zip(states, states[1:], strict=False):
        b, c = launched(problem, before), launched(problem, after)
        for k, g in enumerate(problem.groups):
            if c[k] > b[k]:
                total += scenario.reacting.instance_launch + (g.warmup if k in grew else 0)
                grew.add(k)
    return total


def _ends(
    scenario: Scenario, problem: Problem, dead: State, waves: int, deadline: Deadline
) -> dict[str, Any]:
    """How a dead state ends: the breaker rolls back, a native blue/green keeps blue, or
    it waits forever."""
    why = explain(problem, dead)
    by_name = {s.name: s for s in scenario.services}
    ending: list[dict[str, Any]] = []
    for b in why:
        svc = by_name[b.service]
        s = [x.name for x in problem.services].index(b.service)
        item: dict[str, Any] = {"service": b.service, "reason": b.reason}
        item |= scale_out_reason(problem, dead, s, b)
        breaker = svc.circuit_breaker
        if svc.all_at_once and svc.deployment_controller == "ECS":
            item |= {
                "kind": "rolls-back",
                "after": "a lifecycle stage that lasts 24 h fails the deployment; blue still runs",
                "estimatedSeconds": NATIVE_STAGE_SECONDS,
                "rollback": {"verdict": "safe", "note": "blue never stopped: nothing to place"},
            }
        elif breaker is not None and breaker.enable and _counts(scenario, b):
            threshold = breaker.threshold(problem.services[s].desired)
            pending = max(1, start_room(problem, dead, s))
            wait = (
                scenario.reacting.provisioning_wait
                if problem.shares and problem.shares[s]
                else scenario.reacting.placement_retry
            )
            item |= {
                "kind": "rolls-back" if breaker.rollback else "fails",
                "failedPlacements": threshold,
                "estimatedSeconds": math.ceil(threshold / pending) * wait,
            }
        else:
            item["kind"] = "stuck"
            item["why"] = _stuck_words(svc, breaker, b)
        ending.append(item)
    kinds = {e["kind"] for e in ending}
    kind = next(k for k in ("stuck", "rolls-back", "fails") if k in kinds)
    out: dict[str, Any] = {"kind": kind, "wave": waves + 1, "services": ending}
    if kind == "stuck":
        out["reasons"] = sorted({b.reason for b in why})
    rolling_back = [
        e["service"] for e in ending if e["kind"] == "rolls-back" and "rollback" not in e
    ]
    if rolling_back:
        out["rollback"] = rollback(problem, dead, rolling_back, deadline)
        placements = [e["failedPlacements"] for e in ending if "failedPlacements" in e]
        if placements:
            out["failedPlacements"] = max(placements)
    seconds = [e["estimatedSeconds"] for e in ending if "estimatedSeconds" in e]
    if seconds and kind != "stuck":
        out["estimatedSeconds"] = max(seconds)
    out["assumptions"] = assumptions(scenario)
    return out


def _counts(scenario: Scenario, b: Blocked) -> bool:
    """Whether the breaker sees this dead state's failures: placement failures count
    only by the setting; the bounds (deployment-configuration) fail no task."""
    return scenario.reacting.placement_failures_count and b.reason != "deployment-configuration"


def _stuck_words(svc, breaker, b: Blocked) -> str:
    if breaker is None or not breaker.enable:
        return "no circuit breaker: ECS keeps trying to place the task (IN_PROGRESS)"
    if b.reason == "deployment-configuration":
        return "the bounds stop and start nothing, so no task fails and the breaker never trips"
    return (
        "tasks that cannot be placed do not count toward the breaker here "
        "(reacting.placementFailuresCount: false)"
    )


def scale_out_reason(problem: Problem, state: State, s: int, b: Blocked) -> dict[str, Any]:
    """Why no scale-out opens this dead state for service ``s`` (ROLLOUT.md §10): the
    group at maxSize, the task too big for the group's smallest type (ECS leaves it out of
    its estimate), a constraint new instances cannot meet, managed scaling off; {} where
    the service has no capacity provider."""
    if not problem.shares or not problem.shares[s]:
        return {}
    if b.reason == "deployment-configuration":
        return {
            "scaleOut": "bounds",
            "scaleOutWhy": "the bounds start nothing, so nothing is PROVISIONING",
        }
    added = launched(problem, state)
    full = problem.at(tuple(len(g.launchable) for g in problem.groups))
    words: list[str] = []
    code = ""
    for share in problem.shares[s]:
        g = problem.groups[share.group]
        if not g.scales:
            code = code or "scaling-off"
            words.append(f"{g.name}: managed scaling is off")
        elif added[share.group] >= len(g.launchable):
            code = code or "max-size"
            words.append(f"{g.name}: the group is at its maxSize {g.max_size}")
        else:
            from planner.model import placement

            rows = full.rows[g.launchable[added[share.group]]]
            zero = [0] * problem.n_services
            fails = placement.failures(rows, zero, zero, s)
            if any(f != "placement-constraint" for f in fails):
                code = code or "too-big-for-smallest-type"
                words.append(
                    f"{g.name}: the task does not fit an empty {g.type} (the group's smallest "
                    "type), so ECS leaves it out of its estimate and the group does not grow"
                )
            elif fails:
                code = code or "constraint-on-new-instances"
                words.append(
                    f"{g.name}: a placement constraint keeps it off the instances the group "
                    "would launch"
                )
            else:
                code = code or "reservation"
                words.append(
                    f"{g.name}: the group's reservation stays at or below its targetCapacity"
                )
    return {"scaleOut": code, "scaleOutWhy": "; ".join(words)}


def rollback(
    problem: Problem, dead: State, services: list[str], deadline: Deadline
) -> dict[str, Any]:
    """The rollback, solved as a rollout of its own from ``dead``: for ``services`` the
    old revision deploys again, its tasks still running counting as its own; the others
    go on as they were. Its verdict, reasons and dead state."""
    from planner.deciding.verdict import analyse

    names = [svc.name for svc in problem.services]
    back = [names.index(n) for n in services]
    svcs = list(problem.services)
    old = [list(r) for r in dead.old]
    new = [list(r) for r in dead.new]
    for s in back:
        svcs[s] = replace(svcs[s], old=svcs[s].new, new=svcs[s].old)
        for i in range(problem.n_instances):
            old[i][s], new[i][s] = new[i][s], old[i][s]
    rolled = replace(
        problem.at(launched(problem, dead)),  # the instances launched stay
        services=tuple(svcs),
        initial=tuple(map(tuple, old)),
        initial_new=tuple(map(tuple, new)),
        snapshot=True,
    )
    a = analyse(rolled, deadline=deadline.share(clock.ROLLBACK))
    out: dict[str, Any] = {"verdict": str(a.verdict), "services": services}
    if a.dead_end is not None and a.verdict != Verdict.SAFE:
        why = explain(rolled, a.dead_end)
        out["reasons"] = sorted({b.reason for b in why})
        out["deadState"] = {
            "services": [
                {
                    "name": b.service,
                    "reason": b.reason,
                    "message": b.message,
                    "short": svcs[names.index(b.service)].desired
                    - a.dead_end.new_total(names.index(b.service)),
                }
                for b in why
            ]
        }
    return out
