"""Scale-out as a step of the wave model (ROLLOUT.md §10), worked by hand."""

from __future__ import annotations

import pytest

import planner
from planner import InstanceGroup, Scenario, Service, TaskDefinition
from planner.model import scaling
from planner.model.placement import Footprint, rows_for
from planner.model.problem import NOT_LAUNCHED, compile_problem
from planner.model.providers import CapacityProvider, CircuitBreaker, ManagedScaling, StrategyItem
from planner.model.rollout import (
    InvalidWave,
    Wave,
    apply_wave,
    grown,
    initial_state,
    is_dead,
    launched,
    simulate,
)

M5 = dict(cpu=2048, memory=7680, type="m5.large")


def group_scenario(
    max_size: int = 6,
    *,
    new_cpu: int = 1024,
    running: int = 2,
    target: int = 100,
    steps: tuple[int, int] = (1, 10_000),
    breaker: CircuitBreaker | None = None,
    launch: tuple[InstanceGroup, ...] | None = None,
    ports: tuple[int, ...] = (),
    strategy: bool = True,
    desired: int = 4,
) -> Scenario:
    """``running`` m5.large full of 1,024-unit tasks (two each) behind a capacity provider
    over two zones; the new revision needs ``new_cpu`` units."""
    fleet = InstanceGroup("m5.large", count=running, zones=("a", "b"), **M5)
    launch = launch or (InstanceGroup("m5.large", count=None, **M5),)
    cp = CapacityProvider(
        "general",
        launch,
        ("a", "b"),
        0,
        max_size,
        (0,),
        ManagedScaling(target_capacity=target, minimum_step=steps[0], maximum_step=steps[1]),
    )
    svc = Service(
        "api",
        desired,
        TaskDefinition(1024, 1024, host_ports=ports),
        TaskDefinition(new_cpu, 2048, host_ports=ports),
        100,
        200,
        capacity_provider_strategy=(StrategyItem("general", 0, 1),) if strategy else None,
        circuit_breaker=breaker,
    )
    return Scenario("t", (fleet,), (svc,), capacity_providers=(cp,))


# ---------------------------------------------------------------- the step itself


def test_provisioning_splits_base_then_weight():
    shares = (scaling.Share(0, base=2, weight=1), scaling.Share(1, weight=3))
    assert scaling.provisioning(shares, 6, [0, 0]) == {0: 3, 1: 3}
    assert scaling.provisioning(shares, 2, [0, 0]) == {0: 2}
    assert scaling.provisioning((scaling.Share(1, weight=1),), 3, [0, 0]) == {1: 3}
    assert scaling.provisioning(shares, 0, [0, 0]) == {}


def test_pack_first_fit_leaves_out_what_fits_no_empty_instance():
    small, big = Footprint(1024, 1024, 0, 0), Footprint(4096, 1024, 0, 0)
    rows = rows_for((2048, 4096, 0, 100), frozenset(), [small, big], [small, big], [False, False])
    assert scaling.pack(rows, [0, 0, 0]) == 2  # two to an instance
    assert scaling.pack(rows, [1, 1]) == 0  # too big for the smallest type: left out
    assert scaling.pack(rows, [0, 1, 0]) == 1


@pytest.mark.parametrize(
    "busy, estimate, size, target, steps, max_size, want",
    [
        (2, 2, 2, 100, (1, 10_000), 6, 4),  # ceil(4 × 100 / 100) = 4
        (2, 2, 2, 100, (1, 10_000), 3, 3),  # clamped by maxSize
        (2, 1, 2, 50, (1, 10_000), 10, 6),  # ceil(3 × 100 / 50) = 6
        (2, 1, 2, 100, (3, 10_000), 10, 5),  # at least the minimum step
        (2, 4, 2, 100, (1, 2), 10, 4),  # at most the maximum step
        (0, 1, 0, 100, (1, 10_000), 5, 1),  # N = 0, M > 0 (ECS's 200 %)
        (2, 0, 2, 100, (1, 10_000), 6, 2),  # nothing in the estimate: no growth
        (1, 1, 3, 100, (1, 10_000), 6, 3),  # M ≤ N: the reservation stays at target
    ],
)
def test_target_size(busy, estimate, size, target, steps, max_size, want):
    g = scaling.Group("g", (), (), max_size, target, *steps)
    assert scaling.target_size(busy, estimate, size, g) == want


# ---------------------------------------------------------------- in the wave model


def test_launchable_instances_are_closed_until_launched():
    p = compile_problem(group_scenario(6))
    assert p.n_instances == 6 and p.reacts
    (g,) = p.groups
    assert g.running == (0, 1) and g.launchable == (2, 3, 4, 5) and g.type == "m5.large"
    assert [p.instances[i].closed for i in g.launchable] == [NOT_LAUNCHED] * 4
    # zones continue the group's rotation after the two running instances
    assert [p.instances[i].zone for i in g.launchable] == ["a", "b", "a", "b"]
    two = p.at((2,))
    assert [two.instances[i].closed for i in g.launchable] == [
        None,
        None,
        NOT_LAUNCHED,
        NOT_LAUNCHED,
    ]
    assert p.at((2,)) is two  # views are kept


def test_full_group_grows_by_two_then_completes():
    """Two m5.large, four 1,024-unit tasks: full. The new tasks take 1,024 units too, min
    100 / max 200: nothing stops, four may start, none fits: four PROVISIONING, two to an
    empty m5.large: M = 2 busy + 2 = 4 → the group grows to 4. Then the four start on the
    two new instances, and the old four stop."""
    p = compile_problem(group_scenario(6))
    start = initial_state(p)
    assert launched(p, start) == (0,) and not is_dead(p, start)
    assert grown(p, start) == (2,)
    run = simulate(p)
    assert run.complete
    assert run.waves[0] == Wave((), (), (2,))
    assert run.states[-1].added == (2,)


def test_a_wave_that_claims_another_launch_does_not_replay():
    p = compile_problem(group_scenario(6))
    with pytest.raises(InvalidWave, match="launch"):
        apply_wave(p, initial_state(p), Wave((), (), (3,)))


def test_tasks_may_not_start_on_an_instance_not_launched():
    p = compile_problem(group_scenario(6))
    with pytest.raises(InvalidWave, match="do not fit"):
        apply_wave(p, initial_state(p), Wave((), ((0, 2, 1),)))


def test_at_max_size_the_state_is_dead():
    p = compile_problem(group_scenario(2))
    assert not p.reacts  # nothing left to launch: the fixed fleet
    assert is_dead(p, initial_state(p))


def test_too_big_for_the_smallest_type_grows_nothing():
    """A mixed group of m5.large and m5.xlarge: ECS's estimate packs onto the smallest
    type; the 4,096-unit task fits none, so it is left out and nothing grows."""
    xl = InstanceGroup("m5.xlarge", cpu=4096, memory=15_576, count=None, type="m5.xlarge")
    small = InstanceGroup("m5.large", count=None, **M5)
    p = compile_problem(group_scenario(6, new_cpu=4096, launch=(xl, small)))
    assert p.groups[0].type == "m5.large"
    assert grown(p, initial_state(p)) == (0,)
    assert is_dead(p, initial_state(p))


def test_target_capacity_below_100_keeps_spare_instances():
    """targetCapacity 50: M = 2 + 2 → ceil(400 / 50) = 8, clamped by maxSize 6."""
    p = compile_problem(group_scenario(6, target=50))
    assert grown(p, initial_state(p)) == (4,)


def test_step_sizes_clamp_each_scale_out():
    p = compile_problem(group_scenario(6, steps=(1, 1)))
    run = simulate(p)
    assert run.complete
    assert [w.launch for w in run.waves if w.launch] == [(1,), (1,)]


def test_a_service_without_a_strategy_never_provisions():
    """Launch type EC2: a task that fits nowhere fails, nothing grows (§10)."""
    p = compile_problem(group_scenario(6, strategy=False))
    assert grown(p, initial_state(p)) == (0,)
    assert is_dead(p, initial_state(p))


def test_a_strategy_keeps_tasks_off_other_instances():
    other = InstanceGroup("spare", cpu=8192, memory=30_000, count=1)
    s = group_scenario(2)
    s = Scenario(
        "t", (*s.instance_groups, other), s.services, capacity_providers=s.capacity_providers
    )
    p = compile_problem(s)
    # the spare instance has room, but api's strategy names only general
    assert is_dead(p, initial_state(p))
    from planner.model.rollout import explain

    (b,) = explain(p, initial_state(p))
    assert b.reason == "cpu"  # the closest instance is general's, full


def test_fixed_port_with_room_for_one_more_instance():
    """A fixed host port: one task per instance. Two instances run the two old tasks;
    maxSize 3: one new task is PROVISIONING... each needs its own instance: the estimate
    packs two onto two empty instances, the group grows to 3 (maxSize): one starts, an
    old one stops, its instance takes the next, and so on: it completes."""
    p = compile_problem(group_scenario(3, ports=(8080,), desired=2))
    run = simulate(p)
    assert run.complete
    assert run.states[-1].added == (1,)


def test_horizon_counts_the_launches():
    from planner.model.horizon import max_waves

    p = compile_problem(group_scenario(6))
    assert max_waves(p) == 2 * 4 + 1 + 4


def test_solve_reports_the_outcome_of_each_kind():
    safe = planner.solve(group_scenario(6), time_limit=20, fixes=False)
    assert safe.verdict == "safe"
    assert safe.outcome["kind"] == "completes-after-scale-out"
    assert safe.outcome["added"] == [
        {"capacityProvider": "general", "type": "m5.large", "count": 2}
    ]
    assert safe.outcome["mostAdded"] == 2
    # the plan's duration, plus one launch (120 s)
    assert safe.outcome["estimatedSeconds"] == safe.estimated_duration + 120

    stuck = planner.solve(group_scenario(2), time_limit=20, fixes=False)
    assert stuck.verdict == "hangs" and stuck.outcome["kind"] == "stuck"
    (svc,) = stuck.outcome["services"]
    assert svc["scaleOut"] == "max-size"

    back = planner.solve(
        group_scenario(2, breaker=CircuitBreaker(True, True)), time_limit=20, fixes=False
    )
    assert back.outcome["kind"] == "rolls-back"
    assert back.outcome["failedPlacements"] == 3  # ceil(0.5 × 4) = 2, at least 3
    # the rollback: nothing stopped yet, the old tasks are the rollback's own: it completes
    assert back.outcome["rollback"]["verdict"] == "safe"

    fails = planner.solve(
        group_scenario(2, breaker=CircuitBreaker(True, False)), time_limit=20, fixes=False
    )
    assert fails.outcome["kind"] == "fails"

    big = planner.solve(group_scenario(6, new_cpu=4096), time_limit=20, fixes=False)
    assert big.verdict == "hangs"
    assert big.outcome["services"][0]["scaleOut"] == "too-big-for-smallest-type"


def test_placement_failures_not_counted_leave_it_stuck():
    from dataclasses import replace

    from planner.model.providers import Reacting

    s = group_scenario(2, breaker=CircuitBreaker(True, True))
    s = replace(s, reacting=Reacting(placement_failures_count=False))
    r = planner.solve(s, time_limit=20, fixes=False)
    assert r.outcome["kind"] == "stuck"
    assert "placementFailuresCount" in r.outcome["services"][0]["why"]
    assert any("do not count" in a for a in r.assumptions)


def test_native_blue_green_whose_green_set_does_not_fit_keeps_blue():
    from dataclasses import replace

    s = group_scenario(2)
    s = replace(s, services=(replace(s.services[0], strategy="BLUE_GREEN"),))
    r = planner.solve(s, time_limit=20, fixes=False)
    assert r.verdict == "hangs"
    assert r.outcome["kind"] == "rolls-back"
    assert r.outcome["estimatedSeconds"] == 24 * 3600
    assert "failedPlacements" not in r.outcome


def test_raise_max_size_is_a_checked_fix():
    assert planner.solve(group_scenario(3), time_limit=30, fixes=False).verdict == "safe"
    r = planner.solve(group_scenario(2), time_limit=30)
    assert r.verdict == "hangs"
    assert "raise maxSize of general's Auto Scaling group to 3" in r.fixes


def test_the_scheduler_as_configured_grows_the_group_too():
    """--placement ecs (§8): the scheduler's own states include the scale-out."""
    from planner.deciding import scheduler
    from planner.running.clock import Deadline

    p = compile_problem(group_scenario(6))
    status, _, seen = scheduler.search_dead(p, Deadline(20))
    assert status == "none" and seen > 1
    r = planner.solve(group_scenario(6), time_limit=20, fixes=False, placement="ecs")
    assert r.verdict == "safe" and r.outcome["kind"] == "completes-after-scale-out"
