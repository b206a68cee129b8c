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


def _randomised_kinds(p, monkeypatch, runs: int) -> list[str]:
    """The kinds of the randomised runs :func:`other_runs` makes, in order (every run's
    policy recorded; the adversary's are those with no random choice and no shuffled
    order among the first ones)."""
    from planner.deciding import ecs_runs
    from planner.running.clock import Deadline

    seen: list[Policy] = []
    real = ecs_runs.simulate

    def recording(problem, policy=None, deadline=None):
        seen.append(policy)
        return real(problem, policy=policy, deadline=deadline)

    monkeypatch.setattr(ecs_runs, "simulate", recording)
    for k, _ in enumerate(ecs_runs.other_runs(p, 0, runs, Deadline(600.0), None)):
        if k + 1 == runs:
            break
    kinds = []
    for q in seen:
        if q.rng is not None:
            kinds.append("random")
        elif q.level and q.order is not None:
            kinds.append("levelled")
        elif q.spoil is not None:
            kinds.append("spoiling")
    return kinds


def test_randomised_runs_on_larger_problems_are_mostly_levelled(monkeypatch):
    """Over 40 tasks, of every six randomised runs one has every choice at random, three
    are levelled in a random order and two spoil a service; up to 40, a third each."""
    services = [svc(n, 15, td(256)) for n in "abc"]
    large = compile_problem(scenario([(4096, 16000, 6)], services))
    assert large.total_desired > 40
    small = compile_problem(scenario([(4096, 16000, 6)], [svc(n, 4, td(256)) for n in "abc"]))
    # tries given: the adversary's runs first, then exactly that many randomised ones
    for p, want in ((large, {"random": 2, "levelled": 6, "spoiling": 4}),
                    (small, {"random": 4, "levelled": 4, "spoiling": 4})):  # fmt: skip
        adversary = 3 * 3 + 4 * 3  # per service: three spoilers and four other runs
        kinds = _randomised_kinds(p, monkeypatch, adversary + 12)
        randomised = kinds[-12:]
        assert {k: randomised.count(k) for k in set(randomised)} == want
