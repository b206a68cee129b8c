"""Losing a zone (ROLLOUT.md §10; planner/deciding/zones.py, planner/model/zone_loss.py),
worked by hand. The scenarios are self-written (no public one loses a zone), built in
Python so that each case's numbers sit beside its assertions (the shipped
scenarios/reacting/three-zones.yaml is checked over the CLI in test_cli.py)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

import planner
from planner import InstanceGroup, PlannerError, Scenario, Service, TaskDefinition
from planner.deciding.verdict import analyse
from planner.deciding.verdicts import Verdict
from planner.deciding.zones import (
    counted_zone_safe,
    fleets,
    lose_zone,
    too_small,
    zone_losses,
)
from planner.model.providers import CapacityProvider, ManagedScaling, StrategyItem
from planner.model.rollout import initial_state, is_complete, is_dead
from planner.model.zone_loss import at_rest, folded, lose, unfolded, zones_of
from planner.outputs.zones_text import render_zones
from planner.running.clock import Deadline

ZONES = ("a", "b", "c")
M5 = dict(cpu=2048, memory=7680, type="m5.large", hourly_usd=0.096)


def full_cluster(
    max_size: int | None = None,
    *,
    task_cpu: int = 2048,
    launch: InstanceGroup | None = None,
    provider_zones: tuple[str, ...] = ZONES,
    scaling: ManagedScaling | None = None,
) -> Scenario:
    """Six m5.large over three zones (two each), full: one service whose tasks take all
    their CPU (one 2,048-unit task each, or two of 1,024). With ``max_size``, the fleet is
    a capacity provider's group, the service on its strategy."""
    fleet = InstanceGroup("m5.large", count=6, zones=ZONES, **M5)
    td = TaskDefinition(task_cpu, 1024)
    desired = 6 * (2048 // task_cpu)
    if max_size is None:
        return Scenario("full", (fleet,), (Service("api", desired, td, td),))
    cp = CapacityProvider(
        "general",
        (launch or InstanceGroup("m5.large", count=None, **M5),),
        provider_zones,
        0,
        max_size,
        (0,),
        scaling or ManagedScaling(),
    )
    svc = Service(
        "api", desired, td, td, capacity_provider_strategy=(StrategyItem("general", 0, 1),)
    )
    return Scenario("full", (fleet,), (svc,), capacity_providers=(cp,))


def one_zone(scenario: Scenario, zone: str = "a"):
    return lose_zone(at_rest(scenario), zone, Deadline(30))


# ---------------------------------------------------------------- the restart problem


def test_the_lost_zone_closes_its_instances_and_keeps_the_others_tasks_as_new():
    problem, lost = lose(at_rest(full_cluster()), "a")
    assert lost.instances == 2 and lost.tasks == {"api": 2}
    # instances 0 and 3 were in zone a (round-robin): closed, empty, numbered as in the file
    assert [i for i, inst in enumerate(problem.instances) if inst.closed] == [0, 3]
    assert problem.instances[0].closed == "lost with its zone a"
    (svc,) = problem.services
    assert (svc.desired, svc.lower, svc.upper) == (6, 0, 6)
    assert [row[0] for row in problem.start_new] == [0, 1, 1, 0, 1, 1]
    assert not any(map(any, problem.initial))
    assert not is_complete(problem, initial_state(problem))


def test_the_zones_named_are_the_instances_then_the_providers():
    assert zones_of(full_cluster()) == ["a", "b", "c"]
    extra = full_cluster(8, provider_zones=("a", "b", "c", "d"))
    assert zones_of(extra) == ["a", "b", "c", "d"]


# ---------------------------------------------------------------- the hand-worked cases


def test_a_full_cluster_loses_two_tasks_with_each_zone():
    """6 × m5.large over 3 zones, 6 tasks of 2,048 units: each zone takes 2 instances and
    2 tasks, and no survivor has room: 2 short, reason cpu."""
    result = zone_losses(full_cluster(), time_limit=30)
    assert [z.zone for z in result.zones] == ["a", "b", "c"]
    for z in result.zones:
        assert z.lost_instances == 2 and z.status == "short"
        assert z.verdict == Verdict.HANGS
        (short,) = z.short
        assert (short.service, short.tasks, short.fewest, short.reason) == ("api", 2, 2, "cpu")
        assert "insufficient CPU units" in short.message
    assert result.exit_code == 1
    # 9 over 3 zones: 6 left after any loss, one task each; 7 and 8 leave 4 and 5
    assert result.least_fleet == [{"type": "m5.large", "count": 9}]
    assert result.search["proven"] and result.search["tried"] == 4
    assert counted_zone_safe(6, [1], 3) == 9


def test_a_capacity_provider_relaunches_the_lost_instances_in_its_other_zones():
    """maxSize 8: the group relaunches its 2 lost instances in b and c; nothing short."""
    z = one_zone(full_cluster(8))
    assert z.status == "whole" and z.verdict == Verdict.SAFE and not z.short
    assert z.relaunched == [{"capacityProvider": "general", "type": "m5.large", "count": 2}]
    assert z.grown == []
    problem, _ = lose(at_rest(full_cluster(8)), "a")
    launched = [i for i in problem.groups[0].launchable if not problem.instances[i].closed]
    assert len(launched) == 2 and {problem.instances[i].zone for i in launched} <= {"b", "c"}


def test_the_lost_instances_no_longer_count_toward_max_size():
    """maxSize 6, the group at it: the lost two leave room for two (EC2 Auto Scaling keeps
    its desired capacity), so the zone's loss is whole. (The issue's "maxSize 6 → short 2"
    counts the lost instances toward maxSize; ROLLOUT.md §10 regrows "up to MaxSize".)"""
    z = one_zone(full_cluster(6))
    assert z.status == "whole"
    assert z.relaunched[0]["count"] == 2


@pytest.mark.parametrize(
    ("max_size", "short"),
    [
        (8, 0),  # 4 survivors + 2 relaunched + 2 grown half-size instances: 4 tasks
        (6, 2),  # 4 survivors + 2 relaunched: 2 of the 4 lost tasks
        (7, 1),  # one grown
    ],
)
def test_max_size_binds_when_the_group_launches_a_smaller_type(max_size, short):
    """Tasks of 1,024 units, two to an m5.large (12 in all); the group launches a type of
    half the size: a lost instance's two tasks need two new ones."""
    half = InstanceGroup("half", 1024, 3840, None)
    z = one_zone(full_cluster(max_size, task_cpu=1024, launch=half))
    assert z.lost_tasks == {"api": 4}
    assert z.relaunched == [{"capacityProvider": "general", "type": "half", "count": 2}]
    if short:
        assert z.status == "short" and z.short[0].tasks == short
        assert z.short[0].reason == "cpu"
    else:
        assert z.status == "whole"
        assert z.grown == [{"capacityProvider": "general", "type": "half", "count": 2}]


def test_managed_scaling_off_still_relaunches_but_does_not_grow():
    half = InstanceGroup("half", 1024, 3840, None)
    off = ManagedScaling(status="DISABLED")
    z = one_zone(full_cluster(8, task_cpu=1024, launch=half, scaling=off))
    assert z.relaunched[0]["count"] == 2 and z.grown == []
    assert z.short[0].tasks == 2


def test_a_group_whose_zones_are_all_lost_relaunches_nothing():
    fleet = InstanceGroup("m5.large", count=2, zones=("a",), **M5)
    other = InstanceGroup("spare", count=1, zones=("b",), **M5)
    cp = CapacityProvider(
        "only-a", (InstanceGroup("m5.large", count=None, **M5),), ("a",), 0, 4, (0,)
    )
    td = TaskDefinition(2048, 1024)
    svc = Service("api", 2, td, td)
    z = one_zone(Scenario("a only", (fleet, other), (svc,), capacity_providers=(cp,)))
    assert z.relaunched == [] and z.short[0].tasks == 1  # the spare in b takes one


def distinct() -> Scenario:
    """3 instances, one per zone, a service of 3 with distinctInstance and room to spare."""
    fleet = InstanceGroup("m5.large", count=3, zones=ZONES, **M5)
    td = TaskDefinition(256, 256)
    return Scenario("distinct", (fleet,), (Service("api", 3, td, td, distinct_instance=True),))


def test_distinct_instance_over_three_zones_is_short_one():
    """The two instances left hold one task each."""
    result = zone_losses(distinct(), time_limit=30)
    for z in result.zones:
        (short,) = z.short
        assert (short.tasks, short.reason) == (1, "placement-constraint")
        assert "DistinctInstance" in short.message
    # five: a zone holds at most two, three are left
    assert result.least_fleet == [{"type": "m5.large", "count": 5}]
    assert counted_zone_safe(3, [1], 3) == 5


def test_a_member_of_zone_constraint_binds_the_restart():
    """web may run only in zones a and b: losing a leaves its tasks there nowhere to go
    but b, which is full; losing c costs it nothing."""
    fleet = InstanceGroup("m5.large", count=3, zones=ZONES, **M5)
    td = TaskDefinition(1024, 512)
    web = Service(
        "web",
        2,
        td,
        td,
        member_of=("attribute:ecs.availability-zone in [a, b]",),
        distinct_instance=True,
    )
    result = zone_losses(Scenario("member", (fleet,), (web,)), time_limit=30, fleet=False)
    by_zone = {z.zone: z for z in result.zones}
    (short,) = by_zone["a"].short
    assert short.tasks == 1 and short.reason == "placement-constraint"
    assert by_zone["b"].status == "short"
    assert by_zone["c"].status == "whole" and by_zone["c"].lost_tasks == {"web": 0}
    assert result.least_fleet is None and result.search == {}


def competing() -> Scenario:
    """Two boxes in two zones, each running one task of a and one of b with room for one
    more: after a zone's loss, the survivor takes whichever service goes first."""
    box = InstanceGroup("box", 3072, 8192, 2, zones=("a", "b"))
    td = TaskDefinition(1024, 512)
    return Scenario("compete", (box,), (Service("a", 2, td, td), Service("b", 2, td, td)))


def test_competing_services_report_the_range_over_orders():
    z = one_zone(competing())
    runs = dict(z.runs)
    assert runs["a first"] == {"b": 1} and runs["b first"] == {"a": 1}
    assert runs["a last"] == {"a": 1} and runs["b last"] == {"b": 1}
    assert [(s.service, s.fewest, s.tasks) for s in z.short] == [("a", 0, 1), ("b", 0, 1)]
    assert z.verdict == Verdict.HANGS  # no plan restores both


def test_daemon_tasks_go_with_their_instances():
    fleet = InstanceGroup("m5.large", count=3, zones=ZONES, **M5)
    agent = TaskDefinition(128, 128)
    td = TaskDefinition(512, 512)
    daemon = Service("agent", 0, agent, agent, scheduling_strategy="DAEMON")
    z = one_zone(Scenario("d", (fleet,), (daemon, Service("api", 3, td, td))))
    assert z.status == "whole" and "agent" not in z.lost_tasks


def fixed_port() -> Scenario:
    """A fixed host port, one task per instance, three instances in three zones, and a
    second service with room to spare."""
    fleet = InstanceGroup("m5.large", count=3, zones=ZONES, **M5)
    web = TaskDefinition(256, 256, host_ports=(80,))
    api = TaskDefinition(256, 256, dynamic_ports=1)
    return Scenario("port", (fleet,), (Service("web", 3, web, web), Service("api", 3, api, api)))


def test_a_fixed_host_port_is_short_by_the_port():
    z = one_zone(fixed_port())
    assert [(s.service, s.tasks, s.reason) for s in z.short] == [("web", 1, "port")]
    assert "already using a port" in z.short[0].message


@pytest.mark.parametrize(
    "make", [full_cluster, competing, fixed_port, distinct], ids=lambda f: f.__name__
)
@pytest.mark.parametrize("zone", ZONES[:2])
def test_the_folded_restart_has_the_same_verdict(make, zone):
    """The verdict engine is asked of the restart with the running tasks folded into static
    load (model/zone_loss.folded); on small cases it agrees with the restart itself, and a
    dead end it finds is a dead end there."""
    problem, _ = lose(at_rest(make()), zone)
    if not any(inst.zone == zone for inst in problem.instances):
        pytest.skip("no such zone")
    flat = folded(problem)
    assert sum(s.desired for s in flat.services) == sum(s.desired for s in problem.services) - sum(
        map(sum, problem.start_new)
    )
    here = analyse(problem, time_limit=30, workers=1)
    there = analyse(flat, time_limit=30, workers=1)
    assert here.verdict == there.verdict != Verdict.UNKNOWN
    if there.dead_end is not None:
        assert is_dead(problem, unfolded(problem, there.dead_end))


# ---------------------------------------------------------------- the fleet, the table


def test_fleets_go_cheapest_first_from_the_current_counts():
    cheap = InstanceGroup("t3", 2048, 3800, 2, hourly_usd=0.04)
    dear = InstanceGroup("m5", 2048, 7680, 1, hourly_usd=0.1)
    td = TaskDefinition(256, 256)
    found = fleets(Scenario("f", (cheap, dear), (Service("s", 1, td, td),)))
    assert found[:4] == [{0: 2, 1: 1}, {0: 3, 1: 1}, {0: 4, 1: 1}, {0: 2, 1: 2}]
    assert all(c[0] <= 6 and c[1] <= 4 for c in found)  # 2 × count + 2


@pytest.mark.parametrize(
    ("desired", "per", "zones"), [(6, 1, 3), (4, 2, 2), (5, 2, 3), (7, 3, 3), (2, 1, 2)]
)
def test_counting_agrees_with_the_search(desired, per, zones):
    """``zoneSafeInstances``'s counting against the least fleet that zone_losses finds,
    from the steady count up."""
    names = tuple("abc"[:zones])
    steady = -(-desired // per)
    fleet = InstanceGroup("box", 1024 * per, 8192, steady, zones=names)
    td = TaskDefinition(1024, 512)
    result = zone_losses(Scenario("c", (fleet,), (Service("s", desired, td, td),)), time_limit=60)
    assert result.least_fleet == [
        {"type": "box", "count": counted_zone_safe(desired, [per], zones)}
    ]


def test_a_fleet_too_small_for_a_zone_loss_is_rejected_without_a_run():
    rest = at_rest(full_cluster())
    zones = ["a", "b", "c"]
    # 12,288 CPU units of tasks: 8 instances leave 5 (10,240) after losing a; 9 leave 6
    assert too_small(rest, {0: 8}, zones) and not too_small(rest, {0: 9}, zones)
    # never below what the search itself finds (it is a shortcut, not a verdict)
    for n in range(6, 12):
        if not too_small(rest, {0: n}, zones):
            assert n >= 9
    assert not too_small(at_rest(full_cluster(8)), {0: 6}, zones)  # providers regrow


def test_placement_ecs_asks_the_scheduler_as_configured():
    result = zone_losses(competing(), time_limit=30, fleet=False, placement="ecs")
    assert [z.status for z in result.zones] == ["short", "short"]
    assert result.exit_code == 1


def test_counting_edge_cases():
    assert counted_zone_safe(0, [1], 3) == 0
    assert counted_zone_safe(3, [2], 1) is None  # one zone: nothing is left
    assert counted_zone_safe(3, [0], 3) is None  # the task fits no instance
    assert counted_zone_safe(4, [4, 2], 2) == 4  # the new size binds


# ---------------------------------------------------------------- input, time, output


def test_a_cluster_mid_deployment_or_without_zones_or_counts_is_refused():
    snap = full_cluster()
    svc = snap.services[0]
    mid = Scenario(
        "mid",
        snap.instance_groups,
        (
            Service(
                "api", 6, svc.task_definition, svc.task_definition,
                placement=(1, 1, 1, 1, 1, 0), new_placement=(0, 0, 0, 0, 0, 1),
            ),
        ),
    )  # fmt: skip
    with pytest.raises(PlannerError, match="newPlacement"):
        zone_losses(mid)
    flat = Scenario("flat", (InstanceGroup("box", 2048, 4096, 2),), snap.services)
    with pytest.raises(PlannerError, match="no availability zone"):
        zone_losses(flat)
    open_ = Scenario("open", (InstanceGroup("box", 2048, 4096, None, zones=ZONES),), snap.services)
    with pytest.raises(PlannerError, match="count"):
        zone_losses(open_)


def test_a_deadline_already_past_leaves_the_losses_unknown_not_whole():
    now = [0.0]
    gone = Deadline(1.0, clock=lambda: now[0])
    now[0] = 5.0
    result = zone_losses(competing(), deadline=gone)
    assert [z.status for z in result.zones] == ["unknown", "unknown"]
    assert result.exit_code == 3
    assert result.least_fleet is None and "time limit" in result.search["bound"]


def test_the_library_exports_zone_losses():
    assert planner.zone_losses is zone_losses
    data = planner.zone_losses(full_cluster(), time_limit=30, fleet=False).to_json()
    assert set(data["zones"][0]) >= {"zone", "lostInstances", "short"}
    assert (
        data["zones"][0]["short"][0] | {"service": "api", "tasks": 2, "reason": "cpu"}
        == (data["zones"][0]["short"][0])
    )
    assert data["leastFleet"] is None


@pytest.mark.parametrize("width", [40, 100])
def test_the_text_never_cuts_a_word(width):
    result = zone_losses(competing(), time_limit=30)
    buf = io.StringIO()
    render_zones(result, Console(file=buf, width=width, no_color=True))
    out = buf.getvalue()
    assert max(len(line) for line in out.splitlines()) <= width
    words = " ".join(out.split())
    for z in result.zones:
        for s in z.short:
            assert " ".join(s.message.split()) in words
    assert "4 × box" in words and "exit 1" in words
