"""How long a plan takes, estimated wave by wave (ROLLOUT.md §7).

A wave first stops, then starts. Where old tasks behind a load balancer stop, stopping costs
the deregistration delay and then the stop timeout; elsewhere a stop costs nothing, since a
stopping task's resources are free at once (ROLLOUT.md §2). Starting costs the task start
(image pull and start: planner's estimate) and the time to healthy: 40 s without a load
balancer, or the health check interval × healthy threshold with one, at least the grace
period. All-at-once strategies add their bake times before the blue set stops.
"""

from __future__ import annotations

import math

from planner.model.problem import Problem
from planner.model.rollout import Wave
from planner.model.scenario import Scenario, Timing


def timing_parameters(t: Timing) -> dict[str, int]:
    """The figures the estimate uses, under the scenario's own names."""
    return {
        "taskStartSeconds": t.task_start,
        "healthyWithoutLoadBalancerSeconds": t.healthy_without_lb,
        "healthCheckIntervalSeconds": t.health_check_interval,
        "healthyThresholdCount": t.healthy_threshold,
        "healthCheckGracePeriod": t.health_check_grace_period,
        "deregistrationDelay": t.deregistration_delay,
        "stopTimeout": t.stop_timeout,
    }


def _bake_seconds(scenario: Scenario, k: int) -> int:
    svc = scenario.services[k]
    if svc.strategy == "LINEAR" and svc.step_percent:
        steps = math.ceil(100 / svc.step_percent)
        return int((steps - 1) * 60 * (svc.step_bake_minutes or 0) + 60 * svc.bake_minutes)
    if svc.strategy == "CANARY":
        return int(60 * ((svc.canary_bake_minutes or 0) + svc.bake_minutes))
    return int(60 * svc.bake_minutes)


def wave_seconds(scenario: Scenario, problem: Problem, wave: Wave) -> int:
    """The estimated length of one wave."""
    t = scenario.timing
    stop = 0
    for s, _, _ in wave.stops:
        svc = scenario.services[problem.service_index[s]]
        here = t.deregistration_delay + t.stop_timeout if svc.load_balanced else 0
        if svc.all_at_once:
            here += _bake_seconds(scenario, problem.service_index[s])
        stop = max(stop, here)
    start = 0
    for s, _, _ in wave.starts:
        svc = scenario.services[problem.service_index[s]]
        healthy = (
            t.health_check_interval * t.healthy_threshold
            if svc.load_balanced
            else t.healthy_without_lb
        )
        start = max(start, t.task_start + max(healthy, t.health_check_grace_period))
    return stop + start


def estimate(scenario: Scenario, problem: Problem, plan: list[Wave]) -> list[int]:
    """Seconds per wave of ``plan``."""
    return [wave_seconds(scenario, problem, w) for w in plan]
