"""Values of the duration estimate (planner/model/timing.py), worked by hand from ROLLOUT.md.

§7: "A wave lasts about: start (image pull + start) + time to healthy (40 s, or the load
balancer's interval × healthy threshold, at least the grace period) and, where old tasks
behind a load balancer stop, the deregistration delay (300 s) + stop timeout (30 s)."
§6 adds the bake times of the strategies that start the green set whole (BLUE_GREEN,
LINEAR, CANARY, CODE_DEPLOY); they pass before the blue set stops.

Each expected value below is the arithmetic of those rules, written out, with the defaults
of §2 (deregistration 300 s, health check 30 s × 5, stop timeout 30 s) and planner's own
task-start estimate of 30 s (``Timing.task_start``, README "What the figures assume").
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from builders import scenario, svc, td

import planner
from planner.model.problem import compile_problem
from planner.model.rollout import Wave
from planner.model.scenario import Scenario, Timing
from planner.model.timing import estimate, timing_parameters, wave_seconds

START = 30  # planner's estimate of image pull + start (README: "the last is planner's estimate")
HEALTHY_NO_LB = 40  # §2/§7: healthy 40 s after RUNNING without a load balancer
HEALTHY_LB = 30 * 5  # §2/§7: health check interval 30 s × healthy threshold 5
DEREGISTRATION = 300  # §2/§7: deregistration delay default
STOP_TIMEOUT = 30  # §2/§7: stop timeout default


def _one(service, count: int = 2, timing: Timing | None = None) -> Scenario:
    """``service`` alone on ``count`` instances of 4 vCPU (room for both sets)."""
    sc = scenario([(4096, 16000, count)], [service])
    return replace(sc, timing=timing) if timing is not None else sc


def _estimate(sc: Scenario, plan: list[Wave]) -> list[int]:
    return estimate(sc, compile_problem(sc), plan)


# ------------------------------------------------------------------ rolling


def test_rolling_without_a_load_balancer():
    sc = _one(svc("api", 2, td(512)))
    plan = [
        Wave(starts=((0, 1, 1),)),  # a start only
        Wave(stops=((0, 0, 1),), starts=((0, 0, 1),)),  # a stop and a start
        Wave(stops=((0, 1, 1),)),  # a stop only
    ]
    assert _estimate(sc, plan) == [
        # §7: start + time to healthy (40 s without a load balancer)
        START + HEALTHY_NO_LB,
        # §7: the deregistration delay and stop timeout count only where old tasks behind a
        # load balancer stop; these are not behind one (and §2: their resources are free at
        # once), so the wave is its start
        START + HEALTHY_NO_LB,
        # §7: a stop without a load balancer adds nothing
        0,
    ]


def test_rolling_behind_a_load_balancer():
    sc = _one(svc("api", 2, td(512), load_balanced=True))
    plan = [
        Wave(starts=((0, 1, 1),)),
        Wave(stops=((0, 0, 1),), starts=((0, 0, 1),)),
        Wave(stops=((0, 1, 1),)),
    ]
    assert _estimate(sc, plan) == [
        # §7: start + the load balancer's interval × healthy threshold
        START + HEALTHY_LB,  # 180
        # §7: old tasks behind a load balancer stop: deregistration delay + stop timeout,
        # then the start and its time to healthy
        DEREGISTRATION + STOP_TIMEOUT + START + HEALTHY_LB,  # 510
        DEREGISTRATION + STOP_TIMEOUT,  # 330
    ]


def test_a_wave_lasts_as_long_as_its_slowest_service():
    """Services in one wave move side by side: the wave is the longest stop, then the longest
    start (not their sum). The first service does not deploy, so the deploying ones are
    found through the problem's service index."""
    static = svc("db", 1, td(256), deploy=False)
    plain = svc("worker", 1, td(256))
    behind = svc("api", 1, td(256), load_balanced=True)
    sc = scenario([(4096, 16000, 2)], [static, plain, behind])
    problem = compile_problem(sc)
    assert [sc.services[k].name for k in problem.service_index] == ["worker", "api"]
    both = Wave(stops=((0, 0, 1), (1, 0, 1)), starts=((0, 1, 1), (1, 1, 1)))
    # §7: the stop behind a load balancer (300 + 30) outlasts the plain one (0); the start
    # behind it (30 + 150) outlasts the plain one (30 + 40)
    assert wave_seconds(sc, problem, both) == DEREGISTRATION + STOP_TIMEOUT + START + HEALTHY_LB
    plain_only = Wave(stops=((0, 0, 1),), starts=((0, 1, 1),))
    assert wave_seconds(sc, problem, plain_only) == START + HEALTHY_NO_LB
    behind_stop_plain_start = Wave(stops=((1, 0, 1),), starts=((0, 1, 1),))
    assert (
        wave_seconds(sc, problem, behind_stop_plain_start)
        == DEREGISTRATION + STOP_TIMEOUT + START + HEALTHY_NO_LB
    )
    assert wave_seconds(sc, problem, Wave()) == 0


# ------------------------------------------------------------------ the grace period


def test_the_grace_period_is_a_floor_on_the_time_to_healthy():
    lb = svc("api", 1, td(512), load_balanced=True)
    # §7: "interval × healthy threshold, at least the grace period": 150 s < 200 s
    sc = _one(lb, timing=Timing(health_check_grace_period=200))
    assert _estimate(sc, [Wave(starts=((0, 0, 1),))]) == [START + 200]
    # a grace period shorter than the health checks changes nothing: 150 s > 100 s
    sc = _one(lb, timing=Timing(health_check_grace_period=100))
    assert _estimate(sc, [Wave(starts=((0, 0, 1),))]) == [START + HEALTHY_LB]
    # equal: either is the answer
    sc = _one(lb, timing=Timing(health_check_grace_period=150))
    assert _estimate(sc, [Wave(starts=((0, 0, 1),))]) == [START + 150]
    # the floor is read as applying to the time to healthy as a whole (§7's parenthesis):
    # without a load balancer, 40 s < 60 s
    plain = svc("api", 1, td(512))
    sc = _one(plain, timing=Timing(health_check_grace_period=60))
    assert _estimate(sc, [Wave(starts=((0, 0, 1),))]) == [START + 60]


# ------------------------------------------------------------------ all at once (§6)


def _green_then_blue(n: int = 2) -> list[Wave]:
    """§6: the green set starts whole beside the blue set, then the blue set stops."""
    return [
        Wave(starts=tuple((0, i, 1) for i in range(n))),
        Wave(stops=tuple((0, i, 1) for i in range(n))),
    ]


def test_blue_green_with_bake_time():
    bg = svc("api", 2, td(512), strategy="BLUE_GREEN", bake_minutes=5, load_balanced=True)
    assert _estimate(_one(bg), _green_then_blue()) == [
        # §7: start + load balancer health checks
        START + HEALTHY_LB,  # 180
        # §6: bakeTimeInMinutes (5 min) passes before the blue set stops; then §7: the blue
        # set, behind a load balancer, deregisters and stops
        5 * 60 + DEREGISTRATION + STOP_TIMEOUT,  # 630
    ]


def test_blue_green_bake_time_without_a_load_balancer():
    bg = svc("api", 2, td(512), strategy="BLUE_GREEN", bake_minutes=2.5)
    # §6: the bake time (2.5 min = 150 s) still passes; §7: the stop adds nothing without a
    # load balancer
    assert _estimate(_one(bg), _green_then_blue()) == [START + HEALTHY_NO_LB, 150]


def test_code_deploy_bakes_like_blue_green():
    cd = svc(
        "api", 2, td(512), deployment_controller="CODE_DEPLOY", bake_minutes=1, load_balanced=True
    )
    # §6: CODE_DEPLOY starts the green set whole too; 1 min bake, then §7's stop
    assert _estimate(_one(cd), _green_then_blue())[1] == 60 + DEREGISTRATION + STOP_TIMEOUT


def test_a_rolling_service_has_no_bake_time():
    # bake time is an all-at-once setting (§6): a rolling service's stop is §7's alone
    rolling = svc("api", 1, td(512), bake_minutes=5, load_balanced=True)
    assert _estimate(_one(rolling), [Wave(stops=((0, 0, 1),))]) == [DEREGISTRATION + STOP_TIMEOUT]


@pytest.mark.parametrize(
    ("step_percent", "step_bake", "bake", "waits"),
    [
        # 10 % steps: 10 shifts, a step bake after each but the last (ECS's
        # LinearConfiguration: "not applied after reaching 100 percent traffic"): 9 waits
        (10, 2, 3, 9),
        # 30 % steps: 30, 60, 90, 100: 4 shifts, 3 waits
        (30, 1, 0, 3),
        # 11 % steps: 9 shifts of 11 and a last one to 100: 10 shifts, 9 waits (as
        # CloudFormation counts them: floor(100 / 11) = 9)
        (11, 1, 1, 9),
        # one step of 100 %: no wait between steps, only the final bake
        (100, 7, 2, 0),
        # 3 %: the smallest step ECS takes: 34 shifts, 33 waits
        (3, 1, 0, 33),
    ],
)
def test_linear_steps(step_percent, step_bake, bake, waits):
    lin = svc(
        "api",
        2,
        td(512),
        strategy="LINEAR",
        step_percent=step_percent,
        step_bake_minutes=step_bake,
        bake_minutes=bake,
        load_balanced=True,
    )
    expected_stop = waits * step_bake * 60 + bake * 60 + DEREGISTRATION + STOP_TIMEOUT
    assert _estimate(_one(lin), _green_then_blue()) == [START + HEALTHY_LB, expected_stop]


def test_linear_steps_worked_out():
    """The first case above in full: 10 % steps, 2 min between steps, 3 min final bake."""
    lin = svc(
        "api",
        2,
        td(512),
        strategy="LINEAR",
        step_percent=10,
        step_bake_minutes=2,
        bake_minutes=3,
        load_balanced=True,
    )
    # 9 × 120 s + 180 s + 300 s + 30 s
    assert _estimate(_one(lin), _green_then_blue())[1] == 1590


def test_linear_without_step_bake_has_only_the_final_bake():
    lin = svc("api", 2, td(512), strategy="LINEAR", step_percent=25, bake_minutes=1)
    # no stepBakeTimeInMinutes given: the steps add nothing; 1 min bake; no load balancer
    assert _estimate(_one(lin), _green_then_blue())[1] == 60


def test_linear_without_a_step_percent_bakes_once():
    lin = svc("api", 2, td(512), strategy="LINEAR", step_bake_minutes=4, bake_minutes=1)
    # no stepPercent: no steps to wait between; the final bake alone
    assert _estimate(_one(lin), _green_then_blue())[1] == 60


def test_canary():
    can = svc(
        "api",
        2,
        td(512),
        strategy="CANARY",
        canary_percent=10,
        canary_bake_minutes=5,
        bake_minutes=2,
        load_balanced=True,
    )
    # §6: canaryPercent moves first, canaryBakeTimeInMinutes (5 min) passes, the rest moves,
    # then bakeTimeInMinutes (2 min); then §7's stop behind a load balancer
    assert _estimate(_one(can), _green_then_blue()) == [
        START + HEALTHY_LB,
        5 * 60 + 2 * 60 + DEREGISTRATION + STOP_TIMEOUT,  # 750
    ]


def test_canary_without_canary_bake():
    can = svc("api", 2, td(512), strategy="CANARY", canary_percent=10, bake_minutes=2)
    # no canary bake given: only the final 2 min; no load balancer: nothing for the stop
    assert _estimate(_one(can), _green_then_blue())[1] == 120


# ------------------------------------------------------------------ the scenario's timing


def test_the_scenario_timing_overrides_every_figure():
    timing = Timing(
        deregistration_delay=10,
        health_check_grace_period=0,
        health_check_interval=7,
        healthy_threshold=3,
        healthy_without_lb=11,
        stop_timeout=5,
        task_start=13,
    )
    lb = _one(svc("api", 2, td(512), load_balanced=True), timing=timing)
    plain = _one(svc("api", 2, td(512)), timing=timing)
    wave = [Wave(stops=((0, 0, 1),), starts=((0, 0, 1),))]
    # §7 with the scenario's own figures: deregistration 10 + stop 5 + start 13 + 7 × 3
    assert _estimate(lb, wave) == [10 + 5 + 13 + 7 * 3]
    # without a load balancer: start 13 + healthy 11
    assert _estimate(plain, wave) == [13 + 11]


def test_timing_parameters_name_each_figure():
    timing = Timing(1, 2, 3, 4, 5, 6, 7)
    assert timing_parameters(timing) == {
        "deregistrationDelay": 1,
        "healthCheckGracePeriod": 2,
        "healthCheckIntervalSeconds": 3,
        "healthyThresholdCount": 4,
        "healthyWithoutLoadBalancerSeconds": 5,
        "stopTimeout": 6,
        "taskStartSeconds": 7,
    }


# ------------------------------------------------------------------ the contract field


def _yaml_scenario(service: dict, timing: dict | None = None) -> Scenario:
    doc = {
        "name": "timing",
        "cluster": {"instances": [{"type": "m5.large", "count": 1}]},
        "services": [service],
    }
    if timing is not None:
        doc["timing"] = timing
    return planner.load_scenario(doc)


LB = [
    {
        "targetGroupArn": "arn:aws:elasticloadbalancing:tg",
        "containerName": "api",
        "containerPort": 8080,
    }
]


@pytest.mark.parametrize(
    ("extra", "timing", "expected"),
    [
        # §7: one wave, stop then start; no load balancer: start 30 + healthy 40
        ({}, None, START + HEALTHY_NO_LB),
        # §7: behind a load balancer: 300 + 30, then 30 + 30 × 5
        ({"loadBalancers": LB}, None, DEREGISTRATION + STOP_TIMEOUT + START + HEALTHY_LB),
        # the scenario's timing: 60 + 10, then 20 + max(10 × 2, grace 45)
        (
            {"loadBalancers": LB},
            {
                "deregistrationDelay": 60,
                "stopTimeout": 10,
                "taskStartSeconds": 20,
                "healthCheckIntervalSeconds": 10,
                "healthyThresholdCount": 2,
                "healthCheckGracePeriod": 45,
            },
            60 + 10 + 20 + 45,
        ),
    ],
)
def test_estimated_duration_seconds_of_a_solve(extra, timing, expected):
    """One task, minimum 0 / maximum 100 on one instance: the only plan is one wave that stops
    the old task and starts the new one; ``estimatedDurationSeconds`` is that wave."""
    service = {
        "name": "api",
        "desiredCount": 1,
        "taskDefinition": {"cpu": 512, "memory": 512},
        "deploymentConfiguration": {"minimumHealthyPercent": 0, "maximumPercent": 100},
        **extra,
    }
    result = planner.solve(_yaml_scenario(service, timing), fixes=False, workers=1)
    assert result.verdict == "safe"
    assert [(len(w.stops), len(w.starts)) for w in result.plan] == [(1, 1)]
    assert result.to_json()["estimatedDurationSeconds"] == expected
    assert result.duration_parts == [expected]
