"""Values of the fixes planner offers (planner/deciding/fixes.py), one kind at a time.

Each case is a small scenario where the fix is the right one: the test names the fixes
expected (how many instances of which group; which percent), applies each to the scenario
itself and solves it again, so every fix offered is seen to give the verdict it claims
(safe), and where a smaller change was passed over, that it was not safe.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from builders import scenario, svc, td

import planner
from planner.deciding import fixes as fixes_module
from planner.deciding.fixes import find_fixes
from planner.model.problem import compile_problem
from planner.model.scenario import Agent, InstanceGroup, Scenario

SPREAD = "(placement by ECS's spread)"
ROOT = Path(__file__).resolve().parent.parent


def _deadline():
    from planner.running.clock import Deadline

    return Deadline(60)


def _solve(sc: Scenario):
    return planner.solve(sc, workers=1, time_limit=30)


def _verdict(sc: Scenario) -> str:
    return planner.solve(sc, workers=1, time_limit=30, fixes=False).verdict


def _text(result) -> str:
    import io

    from rich.console import Console

    from planner.outputs.render import render_text

    out = io.StringIO()
    render_text(result, Console(file=out, width=100))
    return out.getvalue()


def _set(sc: Scenario, k: int = 0, **changes) -> Scenario:
    services = list(sc.services)
    services[k] = replace(services[k], **changes)
    return replace(sc, services=tuple(services))


def _with_groups(sc: Scenario, *groups: InstanceGroup) -> Scenario:
    return replace(sc, instance_groups=tuple(groups))


# ------------------------------------------------------------------ more instances


def test_one_more_instance_and_minimum_50_for_a_full_cluster():
    """Two 1,024-unit tasks fill one 2,048-unit instance; minimum 100 / maximum 200 lets no
    old task stop and no new one start (cpu). One more instance gives the new tasks room;
    minimum 50 (lower 1) lets one old task stop first."""
    sc = scenario([(2048, 8000, 1)], [svc("api", 2, td(1024))])
    result = _solve(sc)
    assert (result.verdict, result.reasons) == ("hangs", ["cpu"])
    assert result.fixes == [f"one more g0 {SPREAD}", "minimumHealthyPercent 50 for api"]
    # each checked: the cluster with 2 instances, and minimum 50 (maximum kept at 200)
    assert _verdict(sc.with_counts({0: 2})) == "safe"
    assert _verdict(_set(sc, minimum_healthy_percent=50, maximum_percent=200)) == "safe"


def test_two_more_instances_for_blue_green():
    """Blue/green needs blue and green at once (ROLLOUT.md §6): 5 + 5 tasks of 1,024 units,
    2 per 2,048-unit instance: 5 instances, 2 more than the 3 there are. Percent settings
    do not apply to a strategy that starts the green set whole, so none is offered."""
    sc = scenario([(2048, 8000, 3)], [svc("api", 5, td(1024), strategy="BLUE_GREEN")])
    result = _solve(sc)
    assert result.verdict == "hangs"
    assert result.fixes == [f"2 more g0 {SPREAD}"]
    assert _verdict(sc.with_counts({0: 4})) == "hangs"  # one more is not enough: 8 slots
    assert _verdict(sc.with_counts({0: 5})) == "safe"  # 10 slots


def test_more_instances_name_the_zones_they_land_in():
    """Three instances over za, zb, zc: the 4th and 5th go to za and zb (round-robin)."""
    web = InstanceGroup("web", 2048, 8000, 3, zones=("za", "zb", "zc"))
    base = scenario([(2048, 8000, 3)], [svc("api", 5, td(1024), strategy="BLUE_GREEN")])
    sc = _with_groups(base, web)
    result = _solve(sc)
    assert result.fixes == [f"2 more web in za, zb {SPREAD}"]
    assert _verdict(sc.with_counts({0: 5})) == "safe"


def test_more_instances_of_an_imported_group_name_its_type_and_an_instance():
    """An imported instance is named by its id: the fix says what to add (its type) and
    which running instance it is like, not an id that would not exist."""
    imported = InstanceGroup(
        "imp", 2048, 8000, 1, instance_ids=("i-0abc",), instance_type="m5.large"
    )
    sc = _with_groups(scenario([(2048, 8000, 1)], [svc("api", 2, td(1024))]), imported)
    result = _solve(sc)
    assert result.fixes == [
        "one more m5.large (like i-0abc)",
        "minimumHealthyPercent 50 for api",
    ]
    assert _verdict(sc.with_counts({0: 2})) == "safe"


def test_groups_of_one_kind_are_tried_once_and_a_draining_one_never():
    """Groups ``a`` and ``b`` are alike (same type, size, zone, attributes): adding to ``b``
    is the same fix as adding to ``a``, so only ``a`` is named. ``old`` drains: an instance
    added to it would take no task."""
    a = InstanceGroup("a", 2048, 8000, 1)
    b = InstanceGroup("b", 2048, 8000, 1)
    base = scenario([(2048, 8000, 1)], [svc("api", 4, td(1024), mn=100)])
    sc = _with_groups(base, a, b)
    result = _solve(sc)
    assert result.verdict == "hangs"
    assert result.fixes == [f"one more a {SPREAD}", "minimumHealthyPercent 50 for api"]
    assert _verdict(sc.with_counts({0: 2})) == "safe"
    assert _verdict(sc.with_counts({1: 2})) == "safe"  # the same fix, not offered twice
    # a draining instance of the same kind first, empty: it is no kind to add to, and does
    # not stand for ``a`` (ROLLOUT.md §10: it takes no new task). A new revision (more
    # memory), so that this is a deployment, not the drain's replacement by the same one.
    draining = replace(a, name="old", status="DRAINING")
    sc = _set(
        _with_groups(base, draining, a, b), placement=(0, 2, 2), new_task_definition=td(1024, 256)
    )
    result = _solve(sc)
    assert result.verdict == "hangs"
    assert result.fixes == [f"one more a {SPREAD}", "minimumHealthyPercent 50 for api"]


def test_three_more_instances_for_blue_green():
    """6 + 6 tasks of 1,024 units, 2 per instance: 6 instances, 3 more than there are (the
    most planner tries)."""
    sc = scenario([(2048, 8000, 3)], [svc("api", 6, td(1024), strategy="BLUE_GREEN")])
    assert _solve(sc).fixes == [f"3 more g0 {SPREAD}"]
    assert _verdict(sc.with_counts({0: 5})) == "hangs"
    assert _verdict(sc.with_counts({0: 6})) == "safe"


def test_the_zone_after_the_last_instance():
    """Four instances over za, zb, zc (za, zb, zc, za): the fifth lands in zb."""
    web = InstanceGroup("web", 2048, 8000, 4, zones=("za", "zb", "zc"))
    base = scenario([(2048, 8000, 4)], [svc("api", 5, td(1024), strategy="BLUE_GREEN")])
    assert _solve(_with_groups(base, web)).fixes == [f"one more web in zb {SPREAD}"]


def test_groups_of_different_types_are_each_offered():
    """Two groups alike in size but of different instance types are two kinds: adding to
    either is a fix, and each is named."""
    a = InstanceGroup("a", 2048, 8000, 1, instance_type="m5.large")
    b = InstanceGroup("b", 2048, 8000, 1, instance_type="m6i.large")
    sc = _with_groups(scenario([(2048, 8000, 1)], [svc("api", 4, td(1024))]), a, b)
    assert _solve(sc).fixes == [
        f"one more a {SPREAD}",
        f"one more b {SPREAD}",
        "minimumHealthyPercent 50 for api",
    ]
    assert _verdict(sc.with_counts({0: 2})) == "safe"
    assert _verdict(sc.with_counts({1: 2})) == "safe"


# ------------------------------------------------------------------ host ports


def test_dynamic_host_port_for_a_fixed_port_on_one_instance():
    """The seed's second case (ROLLOUT.md §1): one instance, minimum 100 %, a fixed
    hostPort. Its fixes: more instances, dynamic port mapping, or minimum 0 % (a short
    outage); minimum 50 % of one task is still 1 task (lower = ceil(0.5) = 1)."""
    sc = scenario([(2048, 8000, 1)], [svc("api", 1, td(512, ports=(8080,)))])
    result = _solve(sc)
    assert (result.verdict, result.reasons) == ("hangs", ["port"])
    assert result.fixes == [
        f"one more g0 {SPREAD}",
        "dynamic host port for api (hostPort 0)",
        "minimumHealthyPercent 0 (a short outage) for api",
    ]
    assert _verdict(sc.with_counts({0: 2})) == "safe"
    new = sc.services[0].new_task_definition
    dynamic = replace(new, host_ports=(), dynamic_ports=new.dynamic_ports + 1)
    assert _verdict(_set(sc, new_task_definition=dynamic)) == "safe"
    assert _verdict(_set(sc, minimum_healthy_percent=50)) == "hangs"  # passed over
    assert _verdict(_set(sc, minimum_healthy_percent=0)) == "safe"


def test_no_dynamic_port_outside_bridge_mode():
    """In host network mode the host port is the container port (ROLLOUT.md §2): a dynamic
    host port is no option there."""
    sc = scenario([(2048, 8000, 1)], [svc("api", 1, td(512, ports=(8080,), network_mode="host"))])
    result = _solve(sc)
    assert result.verdict == "hangs"
    assert result.fixes == [
        f"one more g0 {SPREAD}",
        "minimumHealthyPercent 0 (a short outage) for api",
    ]


def test_no_dynamic_port_when_the_dynamic_range_is_taken():
    """The agent's dynamic range is one port, and a sidecar that does not deploy holds it on
    each instance: a new api task with a dynamic host port would find none free, so that fix
    is not offered (minimum 50 and one more instance are)."""
    sidecar = svc("sidecar", 2, td(128, dynamic_ports=1), deploy=False, placement=(1, 1))
    api = svc("api", 2, td(512, ports=(8080,)), placement=(1, 1))
    one_port = Agent(dynamic_port_range=(49153, 49153))
    sc = replace(scenario([(2048, 8000, 2)], [sidecar, api]), agent=one_port)
    result = _solve(sc)
    assert (result.verdict, result.reasons) == ("hangs", ["port"])
    assert result.fixes == [f"one more g0 {SPREAD}", "minimumHealthyPercent 50 for api"]
    new = api.new_task_definition
    dynamic = replace(new, host_ports=(), dynamic_ports=new.dynamic_ports + 1)
    assert _verdict(_set(sc, 1, new_task_definition=dynamic)) == "hangs"
    # without the sidecar the one dynamic port per instance is free, and the fix is offered
    alone = replace(scenario([(2048, 8000, 2)], [api]), agent=one_port)
    assert "dynamic host port for api (hostPort 0)" in _solve(alone).fixes


# ------------------------------------------------------------------ percent settings


def test_maximum_200_for_the_seed_percent_bounds():
    """The seed's first case: one task, minimum 100, maximum 150: a second task would be
    200 %, over the maximum, and the old one may not stop. Fixed by maximum 200; no number
    of instances helps."""
    sc = scenario([(2048, 8000, 1)], [svc("api", 1, td(512), mx=150)])
    result = _solve(sc)
    assert (result.verdict, result.reasons) == ("hangs", ["deployment-configuration"])
    assert result.fixes == ["maximumPercent 200 for api"]
    assert _verdict(_set(sc, maximum_percent=200)) == "safe"
    assert _verdict(sc.with_counts({0: 4})) == "hangs"  # 3 more instances: still hangs


def test_minimum_50_keeps_the_maximum_when_200_does_not_help():
    """Two 1,024-unit tasks fill the instance; maximum 150 (upper 3). Maximum 200 leaves the
    instance full, so it is passed over; minimum 50 with the maximum kept at 150 lets one
    old task stop first."""
    sc = scenario([(2048, 8000, 1)], [svc("api", 2, td(1024), mx=150)])
    result = _solve(sc)
    assert result.fixes == [f"one more g0 {SPREAD}", "minimumHealthyPercent 50 for api"]
    assert _verdict(_set(sc, maximum_percent=200)) == "hangs"
    assert _verdict(_set(sc, minimum_healthy_percent=50, maximum_percent=150)) == "safe"


def test_minimum_0_for_an_at_risk_rollout():
    """ROLLOUT.md §4's at-risk example: only service ``a`` is blocked at the dead end, so
    only its settings are tried. a has one task: minimum 50 is still one task (lower 1);
    minimum 0 lets it stop first."""
    sc = scenario(
        [(1024, 4000, 3)],
        [svc("a", 1, td(1024)), svc("b", 2, td(512), td(1024), 0, 100)],
    )
    result = _solve(sc)
    assert result.verdict == "at-risk"
    assert result.fixes == [
        f"one more g0 {SPREAD}",
        "minimumHealthyPercent 0 (a short outage) for a",
    ]
    assert _verdict(sc.with_counts({0: 4})) == "safe"
    assert _verdict(_set(sc, 0, minimum_healthy_percent=50)) == "at-risk"
    assert _verdict(_set(sc, 0, minimum_healthy_percent=0)) == "safe"


def test_a_maximum_above_200_keeps_it_for_minimum_50():
    """Maximum 300: maximum 200 would lower it (not tried); minimum 50 keeps 300."""
    sc = scenario([(2048, 8000, 1)], [svc("api", 2, td(1024), mx=300)])
    assert _solve(sc).fixes == [f"one more g0 {SPREAD}", "minimumHealthyPercent 50 for api"]
    assert _verdict(_set(sc, minimum_healthy_percent=50, maximum_percent=300)) == "safe"


def test_services_that_do_not_deploy_or_are_not_blocked_are_passed_over():
    """db does not deploy and bg (blue/green) is not blocked at the dead end: neither gets a
    fix, and the service after them, api (one task, maximum 150), gets its own."""
    sc = scenario(
        [(2048, 8000, 1)],
        [
            svc("db", 1, td(512), deploy=False),
            svc("bg", 1, td(256), strategy="BLUE_GREEN"),
            svc("api", 1, td(512), mx=150),
        ],
    )
    result = _solve(sc)
    assert (result.verdict, result.reasons) == ("hangs", ["deployment-configuration"])
    assert [b.service for b in result.dead_state.blocked] == ["api"]
    assert result.fixes == ["maximumPercent 200 for api"]
    assert _verdict(_set(sc, 2, maximum_percent=200)) == "safe"


# ------------------------------------------------------------------ a snapshot


def test_stop_one_old_task_by_hand_in_a_stuck_snapshot():
    """Mid-deployment (ROLLOUT.md §9): one old and one new 1,024-unit task fill the instance;
    lower 2 forbids the stop, no room for the start. Stopping the old task by hand leaves
    one task running (below the lower bound 2) until the new one is healthy."""
    api = svc("api", 2, td(1024), mx=150, placement=(1,), new_placement=(1,))
    sc = scenario([(2048, 8000, 1)], [api])
    result = _solve(sc)
    assert result.verdict == "hangs"
    assert result.fixes == [
        f"one more g0 {SPREAD}",
        "minimumHealthyPercent 50 for api",
        "stop one old task of api on g0 by hand (aws ecs stop-task); api runs 1 task "
        "until a new one is healthy, below its lower bound 2",
    ]
    # checked: with the old task gone, the rest of the rollout completes
    assert _verdict(_set(sc, placement=(0,))) == "safe"


def test_no_stop_by_hand_outside_a_snapshot():
    """The same cluster before the deployment began: stopping a task by hand is not offered
    (ECS has not started; the percent settings are the change to make)."""
    sc = scenario([(2048, 8000, 1)], [svc("api", 2, td(1024), mx=150)])
    assert not any("by hand" in f for f in _solve(sc).fixes)


def _zero_left() -> Scenario:
    """One old task left of one, minimum 50 / maximum 150 (lower 1, upper 1): it may not
    stop, and a second task is over the maximum."""
    api = svc("api", 1, td(512), td(1024), 50, 150, placement=(1,), new_placement=(0,))
    return scenario([(2048, 8000, 1)], [api])


def test_a_stop_by_hand_that_leaves_no_task_running():
    sc = _zero_left()
    result = _solve(sc)
    assert result.verdict == "hangs"
    assert result.fixes == [
        "maximumPercent 200 for api",
        "stop one old task of api on g0 by hand (aws ecs stop-task); api runs 0 tasks "
        "until a new one is healthy, below its lower bound 1",
    ]
    assert _verdict(_set(sc, placement=(0,))) == "safe"


@pytest.mark.parametrize(("most", "offered"), [(0, False), (1, True)])
def test_stops_by_hand_tried_at_most_max_stops(monkeypatch, most, offered):
    """MAX_STOPS bounds the old tasks tried: none with 0, the only one with 1."""
    sc = _zero_left()
    result = _solve(sc)
    monkeypatch.setattr(fixes_module, "MAX_STOPS", most)
    found = find_fixes(sc, compile_problem(sc), result, time_limit=30)
    assert any("by hand" in f for f in found) is offered


# ------------------------------------------------------------------ no fix


def test_no_fix_when_the_new_task_fits_no_instance():
    """The new revision needs 4,096 units; every instance registers 2,048: no count of
    instances, port or percent setting makes it fit, and planner offers nothing."""
    sc = scenario([(2048, 8000, 2)], [svc("api", 2, td(1024), td(4096))])
    result = _solve(sc)
    assert result.verdict == "hangs"
    assert result.fixes == []


def test_no_fix_for_a_safe_rollout():
    sc = scenario([(2048, 8000, 2)], [svc("api", 2, td(1024))])
    result = _solve(sc)
    assert (result.verdict, result.fixes) == ("safe", [])


def test_no_fixes_searched_past_max_tasks(monkeypatch):
    """Past MAX_TASKS tasks in all the search is not tried (its solves would take long)."""
    sc = scenario([(2048, 8000, 1)], [svc("api", 3, td(512), mx=100)])
    problem = compile_problem(sc)
    result = _solve(sc)
    assert result.fixes == ["maximumPercent 200 for api"]
    monkeypatch.setattr(fixes_module, "MAX_TASKS", 3)
    assert find_fixes(sc, problem, result, time_limit=30) == ["maximumPercent 200 for api"]
    monkeypatch.setattr(fixes_module, "MAX_TASKS", 2)
    assert find_fixes(sc, problem, result, time_limit=30) == []


@pytest.mark.parametrize("time_limit", [0.0, -1.0])
def test_no_time_left_offers_nothing(time_limit):
    """A fix is offered only once a solve has checked it: with no time, none is."""
    sc = scenario([(2048, 8000, 1)], [svc("api", 1, td(512), mx=150)])
    problem = compile_problem(sc)
    result = _solve(sc)
    assert find_fixes(sc, problem, result, time_limit=time_limit) == []


def _two_stuck(a_done: bool) -> Scenario:
    """One 2,560-unit instance, full: a's old task (512) and b's old and new (1,024 each);
    b (lower 2, upper 3) may not stop and finds no room. a (minimum 0) rolls on its own,
    or is already done (``a_done``: its new task runs where its old one did)."""
    a = svc(
        "a",
        1,
        td(512),
        td(512, 256),
        0,
        100,
        placement=(0,) if a_done else (1,),
        new_placement=(1,) if a_done else (0,),
    )
    b = svc("b", 2, td(1024), td(1024, 256), 100, 150, placement=(1,), new_placement=(1,))
    return scenario([(2560, 8000, 1)], [a, b])


def test_a_stop_by_hand_that_does_not_help_is_passed_over(monkeypatch):
    """a's old task is tried first (first service on the instance): with it gone a's new
    task takes its room and b is as stuck as before. b's is tried next and frees room for
    b's new task. With MAX_STOPS 1 only a's is tried, and no stop is offered."""
    sc = _two_stuck(a_done=False)
    result = _solve(sc)
    assert (result.verdict, [b.service for b in result.dead_state.blocked]) == ("hangs", ["b"])
    assert result.fixes == [
        f"one more g0 {SPREAD}",
        "minimumHealthyPercent 50 for b",
        "stop one old task of b on g0 by hand (aws ecs stop-task); b runs 1 task until a new "
        "one is healthy, below its lower bound 2",
    ]
    assert _verdict(_set(sc, 0, placement=(0,))) == "hangs"  # a's stop: no help
    assert _verdict(_set(sc, 1, placement=(0,))) == "safe"  # b's stop
    monkeypatch.setattr(fixes_module, "MAX_STOPS", 1)
    found = find_fixes(sc, compile_problem(sc), result, time_limit=30)
    assert not any("by hand" in f for f in found)


def test_a_service_with_no_old_task_left_is_not_a_stop_to_try(monkeypatch):
    """a is done (no old task): the first stop tried is b's, found even with MAX_STOPS 1."""
    sc = _two_stuck(a_done=True)
    monkeypatch.setattr(fixes_module, "MAX_STOPS", 1)
    found = find_fixes(sc, compile_problem(sc), _solve(sc), time_limit=30)
    assert found[-1].startswith("stop one old task of b on g0 by hand")


# ---------------------------------------------------------------- a cluster that reacts
# (ROLLOUT.md §10). Cases built in Python (tests/builders.py).


def test_a_group_at_its_max_size_is_allowed_to_grow():
    from builders import solved

    assert solved("stuck").fixes[0] == "raise maxSize of general's Auto Scaling group to 3"


LARGER = (
    "{bigger} instead of m5.large as the smallest type of general's Auto Scaling group (the "
    "task does not fit an empty m5.large, so the group does not grow)"
)


@pytest.mark.parametrize(("new_cpu", "bigger"), [(4096, "m5.xlarge"), (8192, "m5.2xlarge")])
def test_a_larger_smallest_type_where_the_task_does_not_fit_the_smallest(new_cpu, bigger):
    """api's new task needs 4096 (8192) CPU units; general launches m5.large (2048), so
    ECS leaves the task out of its estimate and the group never grows. The first larger
    m5 that the task fits is offered (m5.xlarge does not fit 8192), and checked: with it
    as the group's type, the rollout is safe."""
    from builders import reacting_api

    from planner.model.catalog import get_instance_type

    sc = reacting_api(6, None, new_cpu)
    result = _solve(sc)
    assert result.outcome["services"][0]["scaleOut"] == "too-big-for-smallest-type"
    assert result.fixes[0] == LARGER.format(bigger=bigger)
    t = get_instance_type(bigger)
    (general,) = sc.capacity_providers
    grown = replace(general, launch=(replace(general.launch[0], name=t.name, cpu=t.cpu_units,
                                             memory=t.memory_mib, type=t.name),))  # fmt: skip
    assert _verdict(replace(sc, capacity_providers=(grown,))) == "safe"


def test_no_larger_type_where_none_of_the_family_fits():
    from builders import reacting_api

    fixes = _solve(reacting_api(6, None, 1024 * 200)).fixes  # 200 vCPUs: no m5 has them
    assert not any("smallest type" in f for f in fixes)


BREAKER = (
    "circuit breaker on, with rollback, for api (the rollout still does not complete: it "
    "rolls back after about 3 failed placements, about 30 min, and the rollback completes)"
)


def test_the_breaker_where_stuck_for_want_of_one():
    """At maxSize with no breaker the rollout waits forever; with the breaker on (with
    rollback) it rolls back and the rollback completes: offered last, said not to make the
    rollout complete, and not counted as safe."""
    from builders import solved

    from planner.deciding.fixes import is_safe_fix

    fixes = solved("stuck").fixes
    assert fixes[-1] == BREAKER and not is_safe_fix(fixes[-1])
    assert all(is_safe_fix(f) for f in fixes[:-1])
    assert not any("circuit breaker" in f for f in solved("rolls-back").fixes)  # has one


def test_no_breaker_where_placement_failures_do_not_count():
    from builders import reacting_api

    from planner.model.providers import Reacting

    sc = replace(reacting_api(2), reacting=Reacting(placement_failures_count=False))
    assert not any("circuit breaker" in f for f in _solve(sc).fixes)


def test_no_breaker_where_its_rollback_would_be_stuck():
    """Without a breaker, s0 waits forever; with one, it would roll back, but the rollback
    ends a task short (tests/builders.py ``rollback-short``): not offered. (s1, which
    completes, has the breaker: the outcome is said only where some service has one.)"""
    from builders import breaker_only

    sc = breaker_only("rollback-short")
    s0, s1 = sc.services
    bare = replace(sc, services=(replace(s0, circuit_breaker=None), replace(
        s1, circuit_breaker=s0.circuit_breaker)))  # fmt: skip
    result = _solve(bare)
    assert result.outcome["kind"] == "stuck"
    assert not any("circuit breaker" in f for f in result.fixes)


def test_each_fix_carries_its_kind_field_value_and_the_verdict_it_was_checked_to_give():
    """JSON's fix objects (CONTRACT.md): a fix equals its sentence, and says what it sets."""
    from builders import solved

    from planner.deciding.result import Fix

    fixes = solved("stuck").fixes
    assert all(isinstance(f, Fix) for f in fixes)
    assert fixes[0].to_json() == {
        "kind": "max-size", "service": None, "field": "maxSize", "value": 3,
        "capacityProvider": "general", "verdict": "safe",
        "text": "raise maxSize of general's Auto Scaling group to 3",
    }  # fmt: skip
    breaker = fixes[-1].to_json()
    assert (breaker["kind"], breaker["service"], breaker["field"], breaker["value"]) == (
        "circuit-breaker", "api", "deploymentCircuitBreaker", {"enable": True, "rollback": True},
    )  # fmt: skip
    # it makes the rollout end, not complete: checked to leave the verdict, and roll back
    assert (breaker["verdict"], breaker["outcome"], breaker["text"]) == ("hangs", "rolls-back",
                                                                         BREAKER)  # fmt: skip


def test_a_fix_survives_the_trip_to_a_batch_worker_and_back():
    import pickle

    from planner.deciding.result import Fix, fix_json

    fix = Fix("maximumPercent 200 for api", "deployment-configuration", service="api",
              field="maximumPercent", value=200)  # fmt: skip
    back = pickle.loads(pickle.dumps(fix))
    assert back == "maximumPercent 200 for api" and back.to_json() == fix.to_json()
    assert fix_json("a sentence") == "a sentence"


def test_batches_first_step_is_as_large_as_is_safe_and_said_unchecked_beyond():
    """scenarios/examples/at-risk.yaml: a and b race for whole instances; a dead end leaves
    a stuck, so b goes first. The fix's first step (b alone, a keeping still) is solved
    again here and is safe; both at once (the scenario) is not. The fix is not counted safe:
    only its first step is checked."""
    sc = planner.load_scenario(ROOT / "scenarios/examples/at-risk.yaml")
    result = _solve(sc)
    assert result.verdict == "at-risk"
    found = fixes_module.batch_fixes(sc, compile_problem(sc), result, _deadline(), 0)
    assert [(f.kind, f.value, f.extra["then"], f.verdict) for f in found] == [
        ("batches", ["b"], ["a"], "safe")
    ]
    assert not fixes_module.is_safe_fix(found[0])
    assert fixes_module.checked_words(found[0]) == "its first step safe"
    assert fixes_module.checked_words(str(found[0])) == "its first step safe"
    first = replace(sc, services=tuple(
        replace(s, deploy=s.name == "b") for s in sc.services
    ))  # fmt: skip
    assert _verdict(first) == "safe"
    assert _verdict(sc) == "at-risk"


def test_batches_later_steps_are_checked_where_a_proof_holds_wherever_earlier_ones_land():
    """tests/data/roomy-at-risk.yaml (at-risk: svc006 and its fixed port): svc006 and
    svc007 first, proven safe on their own; the eight others second, proven by the count
    sets, which never ask where the first step's new tasks run (tests/deciding/test_steps.py
    checks such proofs against the oracle). So the fix is counted safe."""
    from planner.deciding import steps

    sc = planner.load_scenario(ROOT / "tests/data/roomy-at-risk.yaml")
    problem = compile_problem(sc)
    result = SimpleNamespace(verdict="at-risk", dead_state=None)
    [fix] = fixes_module.batch_fixes(sc, problem, result, _deadline(), 0)
    others = [f"svc00{k}" for k in (0, 1, 2, 3, 4, 5, 8, 9)]
    assert (fix.kind, fix.value, fix.extra["then"]) == ("batches", ["svc006", "svc007"], others)
    assert fix.extra == {"then": others, "checked": "every step", "steps": [others],
                         "proofs": ["counts"]}  # fmt: skip
    assert fixes_module.is_safe_fix(fix) and fixes_module.checked_words(fix) == "safe"
    assert fixes_module.checked_words(str(fix)) == "safe"
    assert "(checked: safe wherever ECS puts the first step's tasks, as the count sets" in fix
    first = replace(sc, services=tuple(replace(s, deploy=s.name in fix.value) for s in sc.services))
    assert _verdict(first) == "safe"
    # the second step's proof, from the first step's tasks where their old ones ran
    at = [k for k, s in enumerate(problem.services) if s.name in fix.value]
    assert steps.proof(steps.after_first(problem, at), _deadline()) == "counts"
    # and no such proof of the whole rollout: the steps are what makes it safe
    assert steps.proof(problem, _deadline()) is None


def test_batches_are_not_offered_for_one_service_or_a_hang():
    sc = planner.load_scenario(ROOT / "scenarios/seed/port-conflict.yaml")
    result = _solve(sc)
    assert result.verdict == "hangs"
    assert fixes_module.batch_fixes(sc, compile_problem(sc), result, _deadline(), 0) == []


def test_the_batches_first_step_grows_by_runs_and_keeps_what_is_safe(monkeypatch):
    """Sixteen services, safe together but for "s14" beside "s1" (a stand-in for the full
    solve): the first step takes runs of one, two, four..., halves a run that fails,
    passes over s14 and goes on with s15; every service but s14 (never all sixteen: that
    is the rollout asked about), in fewer solves than one per service."""
    names = [f"s{k}" for k in range(16)]
    sc = scenario([(8192, 32000, 4)], [svc(n, 1, td(256)) for n in names])
    calls = []

    def safe(cand, deadline, seed):
        step = {s.name for s in cand.services if s.deploy}
        calls.append(step)
        return not {"s1", "s14"} <= step

    monkeypatch.setattr(fixes_module, "_safe", safe)
    # the greedy first step, where no second step is proven (roomy: here one would be)
    monkeypatch.setattr(fixes_module, "in_steps", lambda *a: None)
    result = SimpleNamespace(verdict="unknown", dead_state=None)
    found = fixes_module.batch_fixes(sc, compile_problem(sc), result, _deadline(), 0)
    [fix] = found
    assert (fix.kind, fix.extra["then"]) == ("batches", ["s14"])
    assert fix.value == [n for n in names if n != "s14"]
    assert len(calls) < len(names) and calls[:3] == [{"s0"}, {"s0", "s1", "s2"}, {
        f"s{k}" for k in range(7)}]  # fmt: skip


def test_an_unknown_fleet_wide_rollout_gets_its_checked_first_step(monkeypatch):
    """Where several services deploy and the analysis ends unknown, the solve keeps
    a share of the time back from it (clock.BATCHES) and spends it on the batches fix;
    the first step it names is solved again here, and is safe. One service alone keeps
    the whole time and gets no such fix."""
    from planner.deciding import solve as solve_module
    from planner.deciding.verdict import Analysis
    from planner.model.rollout import simulate

    sc = planner.load_scenario(ROOT / "scenarios/examples/at-risk.yaml")
    lefts = []

    def unknown(problem, *, deadline, **kw):
        lefts.append(deadline.left())
        return Analysis("unknown", "time limit (stand-in)", plan=simulate(problem).waves)

    monkeypatch.setattr(solve_module, "analyse", unknown)
    result = planner.solve(sc, workers=1, time_limit=30, repeatable=False)  # clock's shares
    assert result.verdict == "unknown" and lefts[0] < 30 * (1 - 0.15) + 0.1
    [fix] = result.fixes
    assert (fix.kind, fix.value, fix.extra["then"]) == ("batches", ["b"], ["a"])
    text = _text(result)
    assert "What is proven instead (each checked by a solve):" in text
    assert "What would fix it" not in text and "deploy in two steps: first b" in text
    monkeypatch.undo()
    first = replace(sc, services=tuple(replace(s, deploy=s.name == "b") for s in sc.services))
    assert _verdict(first) == "safe"

    one = replace(sc, services=tuple(replace(s, deploy=s.name == "b") for s in sc.services))
    monkeypatch.setattr(solve_module, "analyse", unknown)
    result = planner.solve(one, workers=1, time_limit=30, repeatable=False)
    assert result.fixes == [] and lefts[-1] > 30 * (1 - 0.15)


def test_no_batches_step_is_compiled_where_compiling_would_overrun(monkeypatch):
    """A step's candidate takes as long to compile as the scenario did, before its solve
    can look at the clock: with less than twice that left, none is tried."""
    from planner.running.clock import Deadline

    sc = scenario([(8192, 32000, 4)], [svc(n, 1, td(256)) for n in ("a", "b", "c")])
    calls = []
    monkeypatch.setattr(fixes_module, "_safe", lambda c, d, s: calls.append(d) or True)
    monkeypatch.setattr(fixes_module, "in_steps", lambda *a: None)  # (the greedy's)
    result = SimpleNamespace(verdict="unknown", dead_state=None)
    p = compile_problem(sc)
    assert fixes_module.batch_fixes(sc, p, result, Deadline(20), 0, compile_seconds=15) == []
    assert calls == []
    [fix] = fixes_module.batch_fixes(sc, p, result, Deadline(20), 0, compile_seconds=1)
    assert fix.value == ["a", "b"] and all(d.limit >= 2 for d in calls)


def test_a_fixs_check_asks_only_whether_it_is_safe(monkeypatch):
    """A candidate fix is checked for safe only: its analysis makes no runs for a report
    and no search whether the scheduler follows its dead path (neither can make it safe;
    in an honest M scenario those searches took most of a 10 s solve). The solve's own
    analysis still does both."""
    from planner.deciding import scheduler

    calls = []
    real = scheduler.follows
    monkeypatch.setattr(scheduler, "follows", lambda *a, **k: calls.append(1) or real(*a, **k))
    seen = []
    real_analyse = fixes_module.analyse

    def spy(problem, **kwargs):
        seen.append(kwargs.get("report", True))
        return real_analyse(problem, **kwargs)

    monkeypatch.setattr(fixes_module, "analyse", spy)
    sc = planner.load_scenario(ROOT / "scenarios/examples/at-risk.yaml")
    result = planner.solve(sc, workers=1, time_limit=30)
    assert result.verdict == "at-risk" and result.fixes, "no fix was checked"
    assert seen and not any(seen), "a fix's check made a report"
    assert len(calls) <= 1  # the solve's own analysis, where its dead path is not ECS's
