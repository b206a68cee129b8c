"""The placement rows: one owner of "does it fit, and if not, why" (planner.model.placement)."""

import random
from collections import Counter
from pathlib import Path

import pytest

from planner.model import placement
from planner.model.placement import Row, closest, failures, holds, most_new, rows_for
from planner.model.problem import Footprint

WEB = Footprint(256, 512, 0, 1, frozenset())  # a dynamic host port
API = Footprint(512, 1024, 1, 0, frozenset({8080}))  # awsvpc-like ENI and a fixed port
FREE = (2048, 4000, 2, 10)


def test_rows_of_an_instance():
    rows = rows_for(FREE, frozenset({22}), [WEB, API], [WEB, Footprint(1024, 1024)], [False, True])
    assert [(r.what, r.reason, r.limit) for r in rows] == [
        ("cpu", "cpu", 2048),
        ("memory", "memory", 4000),
        ("eni", "eni", 2),
        ("dynamic-port", "port", 10),
        ("port 8080", "port", 1),
        ("distinctInstance", "placement-constraint", 1),
    ]
    assert rows[0].old == (256, 512) and rows[0].new == (256, 1024)
    assert rows[4].old == (0, 1) and rows[4].new == (0, 0)  # only the old API task holds it
    assert rows[5].old == rows[5].new == (0, 1)


def test_a_reserved_or_statically_held_port_has_limit_zero():
    rows = rows_for(FREE, frozenset({8080}), [API], [API], [False])
    assert [r.limit for r in rows if r.reason == "port" and r.what.startswith("port ")] == [0]
    assert most_new(rows, 0, 5) == 0 and not placement.could_ever_fit(rows, 0)


def test_failures_in_ecs_reason_order_each_once():
    rows = rows_for((512, 1000, 0, 0), frozenset(), [API], [API], [True])
    # beside an old task, everything fails: CPU, memory, its port, ENIs, distinctInstance
    assert failures(rows, (1,), (0,), 0) == ("cpu", "memory", "port", "eni", "placement-constraint")
    assert failures(rows, (0,), (0,), 0) == ("memory", "eni")  # 1024 > 1000 MiB; no ENI
    assert holds(rows, (0,), (0,)) and not holds(rows, (0,), (1,))


def test_most_new_is_the_tightest_row():
    rows = rows_for(FREE, frozenset(), [WEB], [WEB], [False])
    assert most_new(rows, 0, 100) == 7  # 4000 // 512
    assert most_new(rows, 0, 3) == 3  # capped by the caller
    assert most_new(rows_for(FREE, frozenset(), [API], [API], [False]), 0, 9) == 1  # the port


def test_closest_fails_fewest_then_first():
    assert closest([("cpu", "port"), ("memory",), ("eni",)]) == (1, "memory")


def test_messages_are_ecs_words():
    assert placement.placement_message("web", 3, "eni", "eni").endswith(
        "The closest matching container-instance 3 has insufficient ENIs available (RESOURCE:ENI)."
    )
    assert placement.configuration_message("web").startswith(
        "service web was unable to stop or start tasks during a deployment"
    )


def test_array_loads_follow_every_change_as_a_recount_would():
    """ArrayLoads kept up to date by change() agree with the rows recounted from scratch:
    loads, fits (:func:`failures`), fits of a running task, the instances over a limit
    (:func:`holds`) and the room left."""
    import numpy as np

    rng = random.Random(5)
    fps = [WEB, API, Footprint(128, 256)]
    rows = [rows_for(FREE, frozenset({22}), fps, fps, [False, True, False]) for _ in range(3)]
    old = [[rng.randint(0, 1) for _ in fps] for _ in rows]
    new = [[0 for _ in fps] for _ in rows]
    loads = placement.ArrayLoads(placement.layout(rows), old, new)
    every = np.arange(3)
    checked = overs = 0
    for _ in range(400):
        i, s = rng.randrange(3), rng.randrange(3)
        if rng.random() < 0.3 and old[i][s]:
            old[i][s] -= 1
            loads.change(i, s, False, -1)
        elif loads.fits(s)[i]:
            new[i][s] += 1
            loads.change(i, s, True, +1)
        for j in range(3):
            assert loads.load[j].tolist() == [r.load(old[j], new[j]) for r in rows[j]]
            for t in range(3):
                assert bool(loads.fits(t)[j]) == (not failures(rows[j], old[j], new[j], t))
                one_more = [o + (k == t) for k, o in enumerate(old[j])]
                assert loads.fits_old(j, t) == holds(rows[j], one_more, new[j])
                # over(): the instances whose tasks do not fit, here with one more new task
                forced = loads.copy()
                forced.change(j, t, True, +1)
                plus = [n + (k == t) for k, n in enumerate(new[j])]
                over = j in forced.over(every)
                assert over == (not holds(rows[j], old[j], plus))
                overs += over
                assert not loads.over(every).size
                checked += 1
        assert [tuple(map(int, r)) for r in loads.room(every)] == [
            tuple(r.limit - r.load(old[j], new[j]) for r in rows[j][:4]) for j in range(3)
        ]
    assert checked == 400 * 9 and 0 < overs < checked  # both sides of over() reached


@pytest.mark.parametrize("row", [Row("cpu", "cpu", 10, (1, 2), (3, 4))])
def test_row_load(row):
    assert row.load((1, 1), (2, 0)) == 1 + 2 + 6


def test_the_failing_row_is_the_one_that_fails_not_the_first_of_its_kind():
    """distinctInstance holds (no task of the service here) but memberOf excludes the
    instance: the message must name memberOf, although distinctInstance comes first."""
    rows = rows_for(FREE, frozenset(), [WEB], [WEB], [True], ["attribute:team == blue"])
    assert [r.what for r in rows][-2:] == ["distinctInstance", "memberOf(attribute:team == blue)"]
    assert failures(rows, (0,), (0,), 0) == ("placement-constraint",)
    row = placement.failing_row(rows, (0,), (0,), 0, "placement-constraint")
    assert row.what == "memberOf(attribute:team == blue)"
    message = placement.placement_message("web", 0, "placement-constraint", row.what)
    assert message.endswith(
        'container-instance 0 encountered error "MemberOf placement constraint unsatisfied."'
    )
    # beside a task of the service, distinctInstance fails first and is named
    assert placement.failing_row(rows, (1,), (0,), 0, "placement-constraint").what == (
        "distinctInstance"
    )


def test_a_task_running_where_memberof_now_excludes_it_stays():
    """memberOf judges new placements: fits_old (a task already running) ignores it,
    fits (a new placement) does not."""
    rows = [rows_for(FREE, frozenset(), [WEB], [WEB], [False], ["attribute:team == blue"])]
    loads = placement.ArrayLoads(placement.layout(rows), [[0]], [[0]])
    assert loads.fits_old(0, 0) and not loads.fits(0)[0]


def test_array_loads_agree_with_the_rows_on_instances_with_different_rows():
    """The arrays give each instance its own rows (a memberOf that excludes one of them, a
    reserved port on another): fits and what is left agree with :func:`failures` and the
    rows' loads, task by task."""
    import numpy as np

    fps = [WEB, API, Footprint(128, 256)]
    rows = [
        rows_for(FREE, frozenset(), fps, fps, [False, True, False]),
        rows_for(FREE, frozenset({8080}), fps, fps, [False, True, False]),
        rows_for(FREE, frozenset(), fps, fps, [False, True, False], [None, None, "x == y"]),
    ]
    rng = random.Random(9)
    old = [[rng.randint(0, 1), 0, rng.randint(0, 2)] for _ in rows]
    new = [[0, 0, 0] for _ in rows]
    arrays = placement.ArrayLoads(placement.layout(rows), old, new)
    checked = Counter()
    for _ in range(300):
        i, s = rng.randrange(3), rng.randrange(3)
        if rng.random() < 0.3 and old[i][s]:
            old[i][s] -= 1
            arrays.change(i, s, False, -1)
        elif not failures(rows[i], old[i], new[i], s):
            new[i][s] += 1
            arrays.change(i, s, True, +1)
        for t in range(3):
            fit = arrays.fits(t)
            for j in range(3):
                assert bool(fit[j]) == (not failures(rows[j], old[j], new[j], t))
                checked[bool(fit[j])] += 1
        every = np.arange(3)
        assert [
            tuple(int(v) for v in pair)
            for pair in zip(arrays.left(every, 0), arrays.left(every, 1), strict=True)
        ] == [tuple(r.limit - r.load(old[j], new[j]) for r in rows[j][:2]) for j in range(3)]
    assert checked[True] >= 100 and checked[False] >= 100, checked


def test_closest_is_in_ecs_filter_order_an_instance_failing_only_a_constraint_first():
    """ECS filters by resources and ports, then checks the constraints on the instances
    left: one that has room and fails only memberOf is closer than a full one listed
    before it (ROLLOUT.md §5), and beats even one failing fewer filters."""
    assert closest([("cpu",), ("placement-constraint",)]) == (1, "placement-constraint")
    assert closest([("port",), ("cpu",), ("placement-constraint",)])[0] == 2
    assert closest([("cpu", "memory"), ("port",)]) == (1, "port")  # filters: fewest first


def test_a_constraint_is_named_in_ecs_words():
    say = placement.placement_message
    assert say("api", 2, "placement-constraint", "memberOf(attribute:x == y)").endswith(
        'container-instance 2 encountered error "MemberOf placement constraint unsatisfied."'
    )
    assert say("api", 2, "placement-constraint", "distinctInstance").endswith(
        'encountered error "DistinctInstance placement constraint unsatisfied."'
    )


# ---- the dead states of scenarios written for these tests (tests/data/reasons-*.yaml)

DATA = Path(__file__).resolve().parent / "data"


def _blocked(name: str):
    import planner

    result = planner.solve(planner.load_scenario(DATA / name), time_limit=20)
    assert result.verdict == "hangs"
    return result.dead_state.blocked


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("reasons-member-of-last.yaml", "MemberOf"),
        ("reasons-distinct-last.yaml", "DistinctInstance"),
    ],  # fmt: skip
)
def test_only_a_constraint_excludes_the_instance_with_room(name, kind):
    """The instance with room comes last in the file; the full ones before it fail one
    requirement each, as it does. ECS names the one with room and the constraint."""
    [b] = _blocked(name)
    assert (b.reason, b.instance) == ("placement-constraint", 2)
    assert b.message.endswith(
        f'The closest matching container-instance 2 encountered error "{kind} placement '
        'constraint unsatisfied."'
    )
    assert b.detail.startswith("container-instance 2 passes the resource and port filters, but")
    # and the full instance, which passes the constraint, is said beside it
    assert "instance 0 " in b.detail and "has no CPU units left" in b.detail


def test_instances_that_fail_for_another_reason_are_said_beside_ecs_words():
    """ECS names instance 0 and the port; instance 3 has the port free, but worker (which
    does not deploy) took its CPU: said, with what is left and who took it."""
    [b] = _blocked("reasons-port-and-cpu.yaml")
    assert (b.reason, b.instance) == ("port", 0)
    assert b.message.endswith("instance 0 is already using a port required by your task.")
    assert b.detail == (
        "instance 3 has port 80 free but has only 256 CPU units left, taken by worker "
        "(a new api task needs 512)"
    )


def test_no_other_reason_where_every_instance_fails_alike():
    [b] = _blocked("../../scenarios/seed/port-conflict.yaml")  # one instance, port held
    assert b.reason == "port" and b.detail == ""


def test_how_many_is_the_count_that_fits_one_by_one():
    """ArrayLoads.how_many against placing new tasks one at a time while they fit."""
    from tiny import broad_problems

    from planner.model.rollout import Cluster, initial_state

    checked = full = 0
    for p in broad_problems(3, 150, max_tasks=24):
        c = Cluster(p, initial_state(p))
        for s in range(p.n_services):
            for i in range(p.n_instances):
                loads = c.loads.copy()
                n = 0
                while loads.fits(s)[i] and n < 64:
                    loads.change(i, s, True, +1)
                    n += 1
                assert c.loads.how_many(i, s) == n or (n == 64 and c.loads.how_many(i, s) >= 64)
                checked += 1
                full += n == 0
    assert checked > 300
    assert 0 < full < checked  # both: instances with room for none, and for some
