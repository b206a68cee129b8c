"""The adversary's runs (planner.deciding.ecs_runs): the orders its spoiling runs take,
and that the order decides whether one dies, read by the oracle."""

from __future__ import annotations

from builders import scenario, svc, td
from oracle import Oracle
from tiny import named

from planner.deciding.ecs_runs import _spoilers
from planner.model.problem import compile_problem
from planner.model.rollout import Policy, simulate


def test_spoilers_take_the_largest_first_then_the_most_tasks_then_the_listed_order():
    """a: 2 tasks of 2,048 units (the largest share of the cluster), c: 3 of 1,024, b: 10
    of 128 (the most tasks), d: 1 of 512; d and a spoiled, the others in three orders."""
    p = compile_problem(
        scenario(
            [(8192, 16000, 4)],
            [
                svc("a", 2, td(2048)),
                svc("b", 10, td(128)),
                svc("c", 3, td(1024)),
                svc("d", 1, td(512)),
            ],
        )  # fmt: skip
    )
    got = [(q.spoil, q.order) for q in _spoilers(p, [3, 0])]
    assert got == [
        (3, (0, 2, 1, 3)), (0, (2, 1, 3, 0)),  # largest: a 4,096, c 3,072, b 1,280, d 512
        (3, (1, 2, 0, 3)), (0, (1, 2, 3, 0)),  # most tasks: b 10, c 3, a 2, d 1
        (3, (0, 1, 2, 3)), (0, (1, 2, 3, 0)),  # as listed
    ]  # fmt: skip


def test_the_order_of_the_spoilers_decides_whether_the_run_dies():
    """Three instances of 3,072 units; c (4 tasks of 256, 50–200 %) spoiled by a (1 task
    of 1,536, 50–200 %) and b (4 of 1,536, 0–100 %). With a first the run completes;
    with b first (the largest) it dies, and the oracle replays it as a run by ECS rules
    that ends dead. So the adversary tries both."""
    s = scenario(
        [(3072, 8000, 3)],
        [svc("a", 1, td(1536), mn=50, mx=200), svc("b", 4, td(1536), mn=0, mx=100),
         svc("c", 4, td(256), mn=50, mx=200)],
    )  # fmt: skip
    p, oracle = compile_problem(s), Oracle(s)
    listed = simulate(p, policy=Policy(order=(0, 1, 2), spoil=2))
    assert listed.complete
    largest = _spoilers(p, [2])[0]
    assert largest.order == (1, 0, 2)
    run = simulate(p, policy=largest)
    assert run.dead
    assert oracle.dead(oracle.replay(named(p, run.waves), ecs=True))
