"""The adversary's runs (planner.deciding.ecs_runs): the orders its spoiling runs take,
and that the order decides whether one dies, read by the oracle."""

from __future__ import annotations

from builders import at_risk_example, scenario, spoiled_example, svc, td
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
    s = spoiled_example()
    p, oracle = compile_problem(s), Oracle(s)
    listed = simulate(p, policy=Policy(order=(0, 1, 2), spoil=2))
    assert listed.complete
    largest = _spoilers(p, [2])[0]
    assert largest.order == (1, 0, 2)
    run = simulate(p, policy=largest)
    assert run.dead
    assert oracle.dead(oracle.replay(named(p, run.waves), ecs=True))


def _randomised_kinds(p, runs: int) -> list[str]:
    """The kinds of the first ``runs`` randomised runs :func:`other_runs` draws on ``p``,
    every service spoilable (drawn: a draw that repeats a run already made is skipped,
    test_a_run_with_no_random_choice_is_made_once)."""
    import random

    from planner.deciding.ecs_runs import _randomised

    rng, S = random.Random(0), p.n_services
    kinds = []
    for k in range(runs):
        q = _randomised(k, S, list(range(S)), p.total_desired <= 40, rng)
        if q.rng is not None:
            kinds.append("random")
        elif q.level and q.order is not None:
            kinds.append("levelled")
        elif q.spoil is not None:
            kinds.append("spoiling")
    return kinds


def test_randomised_runs_on_larger_problems_are_mostly_levelled():
    """Over 40 tasks, of every six randomised runs one has every choice at random, three
    are levelled in a random order and two spoil a service; up to 40, a third each."""
    services = [svc(n, 15, td(256)) for n in "abc"]
    large = compile_problem(scenario([(4096, 16000, 6)], services))
    assert large.total_desired > 40
    small = compile_problem(scenario([(4096, 16000, 6)], [svc(n, 4, td(256)) for n in "abc"]))
    for p, want in ((large, {"random": 2, "levelled": 6, "spoiling": 4}),
                    (small, {"random": 4, "levelled": 4, "spoiling": 4})):  # fmt: skip
        randomised = _randomised_kinds(p, 12)
        assert {k: randomised.count(k) for k in set(randomised)} == want


def test_a_run_with_no_random_choice_is_made_once(monkeypatch):
    """A policy with no random choice makes the same run each time: other_runs makes it
    once. On up to FEW_SERVICES services the runs end once every such policy has been
    made (only runs with every choice at random are left); on more, or on one service
    (every run random), they go on; where the randomised runs are counted (up to 40
    tasks: 24), they end at that count, the random ones all made."""
    import itertools

    from planner.deciding import ecs_runs
    from planner.running.clock import Deadline

    made: list[Policy] = []
    real = ecs_runs.simulate

    def recording(problem, policy=None, deadline=None):
        made.append(policy)
        return real(problem, policy=policy, deadline=deadline)

    monkeypatch.setattr(ecs_runs, "simulate", recording)

    def runs(n_services: int, limit: int) -> int:
        made.clear()
        tasks = 45 // n_services
        services = [svc(f"s{k}", tasks, td(256), td(384)) for k in range(n_services)]
        p = compile_problem(scenario([(4096, 16000, 10)], services))
        assert p.total_desired > 40  # no cap on the randomised runs (tries None)
        made_runs = ecs_runs.other_runs(p, 0, None, Deadline(1e9))
        return sum(1 for _ in itertools.islice(made_runs, limit))

    assert runs(3, 2000) < 2000  # ended by itself
    fixed = [q for q in made if q.rng is None]
    assert len(fixed) == len(set(fixed))
    spoilers = [q for q in fixed if q.spoil is not None and q.order[-1] == q.spoil]
    assert {q.order for q in fixed if q.level and not q.levelled} == set(
        itertools.permutations(range(3))
    )  # every levelled order, made once
    assert {(q.spoil, q.order[:2]) for q in spoilers} == {
        (s, o) for s in range(3) for o in itertools.permutations(set(range(3)) - {s})
    }  # every service spoiled by the others in both orders, made once
    assert any(q.rng is not None for q in made)  # random ones made on the way
    assert ecs_runs.FEW_SERVICES < 6
    assert runs(6, 300) == 300  # six services: 720 levelled orders, not all listed
    assert len([q for q in made if q.rng is None]) == len({q for q in made if q.rng is None})
    assert runs(1, 50) == 50 and all(q.rng is not None for q in made)  # one: all random
    # up to 40 tasks the randomised runs are counted (24), and all the random ones made
    made.clear()
    small = compile_problem(scenario([(4096, 16000, 4)], [svc(n, 3, td(256)) for n in "ab"]))
    assert small.total_desired <= 40
    list(ecs_runs.other_runs(small, 0, None, Deadline(1e9)))
    assert sum(q.rng is not None for q in made) == 8  # a third of 24


def test_nearness_keeps_the_least_sum_of_fits_and_stoppers_for_the_last_service():
    """ROLLOUT.md §4's example: a run leaving a (1 task of 1,024 on 1,024-unit instances)
    last dies with a fitting nowhere and nothing left to stop: a came as near as can be
    (0). The sum (instances its new task fits on, plus services that may stop a task) is
    kept per service, the least over runs, only for the service a run without random
    choices leaves last, and only for services at stake."""
    import random

    from planner.deciding.ecs_runs import Nearness
    from planner.model.rollout import Cluster, stop_allowance

    p = at_risk_example()
    near = Nearness(p, [0, 1])
    assert near.draw(random.Random(0)) is None  # nothing seen yet
    a_last = Policy(order=(1, 0), level=True)
    run = simulate(p, policy=a_last)
    assert run.dead
    near.saw(a_last, run)
    assert near.nearest == {0: 0}
    near.saw(Policy(rng=random.Random(0)), simulate(p, rng=random.Random(0)))
    assert near.nearest == {0: 0}  # random choices: no service is left last on purpose

    # on roomier instances, the least over the states where b is unfinished, and over runs
    s = spoiled_example()
    q = compile_problem(s)
    near = Nearness(q, [1, 2])
    seen: dict[int, int] = {}
    stoppers_seen = 0
    for order in ((0, 2, 1), (2, 0, 1), (1, 2, 0), (0, 1, 2)):
        policy = Policy(order=order, level=True)
        run = simulate(q, policy=policy)
        near.saw(policy, run)
        t = order[-1]
        for st in run.states[1:]:
            if st.old_total(t) or st.new_total(t) != q.services[t].desired:
                stoppers = sum(stop_allowance(q, st, x) > 0 for x in range(3))
                stoppers_seen += stoppers
                v = int(Cluster(q, st).loads.fits(t).sum()) + stoppers
                if t in (1, 2):
                    seen[t] = min(seen.get(t, v), v)
    assert seen and near.nearest == seen and 0 not in near.nearest  # a is off stake
    assert stoppers_seen  # the stoppers counted, not only the instances


def test_guided_runs_leave_the_nearest_service_last():
    """The second, fourth and sixth of every six randomised runs leave last a service
    drawn by Nearness, the nearer the likelier: one at a dead end (0) 100 times as often
    as one at 9. Up to 40 tasks the fourth is at random, and draws none."""
    import random

    from planner.deciding.ecs_runs import Nearness, _randomised

    p = compile_problem(scenario([(4096, 16000, 6)], [svc(n, 15, td(256)) for n in "abcd"]))
    near = Nearness(p, [0, 1, 2, 3])
    near.nearest = {2: 0, 3: 9}
    rng = random.Random(0)
    drawn = [near.draw(rng) for _ in range(1010)]
    assert drawn.count(2) > 900 and drawn.count(3) > 0
    near.nearest = {2: 0}
    for k in range(12):
        q = _randomised(k, 4, [0, 1, 2, 3], False, random.Random(k), near)
        if k % 6 in (1, 3):
            assert q.level and q.order[-1] == 2 and sorted(q.order) == [0, 1, 2, 3]
        if k % 6 == 5:
            assert q.spoil == 2 and q.order[-1] == 2
        if k % 6 == 0:
            assert q.rng is not None

    # up to 40 tasks the fourth of six is at random: nothing drawn, nothing aimed
    class Undrawn(Nearness):
        def draw(self, rng: random.Random) -> int | None:
            raise AssertionError("drawn for a run with every choice at random")

    for k in (3, 9):
        rng = random.Random(k)
        assert _randomised(k, 4, [0, 1, 2, 3], True, rng, Undrawn(p, [0])).rng is rng
