"""Why honest2 M 85 % three s1 is safe: the hand argument behind planner's first-wave proof.

planner answered `unknown` on this rollout until issue 24's fourteenth session; it is now
safe by :mod:`planner.solvers.first_wave`, which finds the argument below by itself (a
model of the dead state per kind of instance, kept to what wave 1 leaves). This script
checks the argument by other means: its counts by hand, its one computed step with
planner's placement rules only (benchmarks/README.md, issue 24's fourteenth session).
With t = svc000 (47 tasks, awsvpc, 100/150 %), g = svc009 (20
tasks, 100/200 %), s = svc007 (103 tasks, 0/100 %):

1. t's 47 old tasks fill the 16 c5.xlarge of pool b they run on: each holds 3 t tasks
   (1 with a task of g there, none on the one with 2 old tasks), and t fits nowhere else
   but on the 17 c5.2xlarge. ECS rules never take t below 47, so in a dead state t has 47
   tasks, every instance full for t: the c5.2xlarge hold 2a + r of them, where a is g's
   tasks on those c5.xlarge and r at most s's tasks there (each takes at most one t place).
2. New tasks never stop: the t tasks started in wave 1 (j1, all on c5.2xlarge: the
   others are full) and g's (x1, likewise) are still there, and s's tasks started after
   wave 1 number at most 103 − s1. So j1 ≤ 2a + r ≤ 2 (20 − x1) + (103 − s1).
3. Every wave-1 outcome ECS rules allow has j1 + 2 x1 − (103 − s1) ≥ 46 > 40 (computed
   here, exhaustively, per instance over the counts that fit, a dynamic program over the
   13 c5.2xlarge where anything fits in wave 1). So no run reaches a dead state in which
   t is unfinished; and in none is g or s unfinished (planner's volume sums). Safe.

The script checks step 1's slot counts and step 3 with planner's own placement rules
(``fits``), and compares the dynamic program with random wave-1 runs by ECS rules.

    python -m benchmarks.first_wave
"""

from __future__ import annotations

import itertools
import random

from benchmarks import honest
from planner.inputs.loading import load_scenario
from planner.model.problem import compile_problem
from planner.model.rollout import fits, initial_state
from planner.model.state import State

T, G, S = 0, 1, 2  # svc000, svc009, svc007 in the compiled problem


def _state(old, new) -> State:
    return State(tuple(map(tuple, old)), tuple(map(tuple, new)))


def _capacity(problem, old, i: int) -> tuple[int, int]:
    """CPU units and memory left on ``i`` for new tasks after wave 1's stops."""
    inst = problem.instances[i]
    used = [inst.static[d] for d in (0, 1)]
    for s, svc in enumerate(problem.services):
        used[0] += old[i][s] * svc.old.cpu
        used[1] += old[i][s] * svc.old.memory
    return inst.capacity[0] - used[0], inst.capacity[1] - used[1]


def wave_one_outcomes(problem, old, places: list[int]) -> set[tuple[int, int, int]]:
    """Every (t, g, s) count of new tasks wave 1 can end with by ECS rules: starts
    maximal (each service at its allowance or fitting nowhere), on ``places``."""
    need = [(svc.new.cpu, svc.new.memory) for svc in problem.services]
    allow = [23, 20, 103]
    out = set()
    for blocked in itertools.product([True, False], repeat=3):
        sums = {(0, 0, 0)}
        for i in places:
            cpu, mem = _capacity(problem, old, i)
            inst = problem.instances[i]
            t_most = inst.capacity[2] - inst.static[2]  # free ENIs: t's tasks here
            # the dynamic port range never binds: g takes one port a task, s none
            assert inst.capacity[3] - inst.static[3] >= allow[G], inst.label
            options = []
            for t in range(t_most + 1):
                for g in range(allow[G] + 1):
                    for s in range(allow[S] + 1):
                        c = cpu - t * need[T][0] - g * need[G][0] - s * need[S][0]
                        m = mem - t * need[T][1] - g * need[G][1] - s * need[S][1]
                        if c < 0 or m < 0:
                            break
                        full = (
                            t == t_most or c < need[T][0] or m < need[T][1],
                            c < need[G][0] or m < need[G][1],
                            c < need[S][0] or m < need[S][1],
                        )
                        if all(f or not b for f, b in zip(full, blocked, strict=True)):
                            options.append((t, g, s))
            sums = {
                (a + t, b + g, c + s)
                for a, b, c in sums
                for t, g, s in options
                if a + t <= allow[T] and b + g <= allow[G] and c + s <= allow[S]
            }
        for counts in sums:  # not blocked everywhere: then at its allowance
            if all(b or counts[k] == allow[k] for k, b in enumerate(blocked)):
                out.add(counts)
    return out


def main(runs: int = 300) -> None:
    problem = compile_problem(load_scenario(honest.generate("M", 0.85, "three", 1, version=2)))
    names = [svc.name for svc in problem.services]
    assert names == ["svc000", "svc009", "svc007"], names
    start = initial_state(problem)
    old = [list(r) for r in start.old]
    new = [list(r) for r in start.new]
    for row in old:
        row[S] = 0  # wave 1 stops all of svc007 (0 %) and nothing else (100 %)
    after_stops = _state(old, new)
    xlarge = [i for i in range(problem.n_instances) if start.old[i][T]]
    places = [
        i
        for i in range(problem.n_instances)
        if any(fits(problem, after_stops, i, s) for s in (T, G, S))
    ]
    big = [
        i for i in range(problem.n_instances) if problem.instances[i].label.startswith("c5.2xlarge")
    ]
    ever = [i for i in range(problem.n_instances) if problem.could_ever_fit(i, T)]
    print(f"t's old tasks on {len(xlarge)} instances; wave 1 can place on {len(places)}: {places}")
    assert set(ever) <= set(xlarge) | set(big), ever  # t fits nowhere else
    assert set(places) <= set(big), places  # wave 1 starts on c5.2xlarge only
    for i in xlarge:  # step 1: t's places there, with and without a task of g
        assert _t_places(problem, i, 0) == start.old[i][T], i
        assert _t_places(problem, i, 1) == start.old[i][T] - 2, i
        for g, s in itertools.product(range(3), range(8)):  # each g, s takes at most 2, 1
            assert _t_places(problem, i, g, s) >= start.old[i][T] - 2 * g - s, (i, g, s)
    assert problem.services[G].new.enis == problem.services[S].new.enis == 0
    outcomes = wave_one_outcomes(problem, old, places)
    worst = min(outcomes, key=lambda o: o[0] + 2 * o[1] - (103 - o[2]))
    value = worst[0] + 2 * worst[1] - (103 - worst[2])
    print(f"{len(outcomes)} wave-1 outcomes (t, g, s)")
    print(f"least j1 + 2 x1 - (103 - s1): {value} at {worst}")
    seen = _random_wave_ones(problem, old, new, runs)
    print(f"random wave-1 runs by ECS rules: {len(seen)} outcomes")
    print(f"all among the program's: {seen <= outcomes}")
    print("a dead state needs at most 40:", "none reachable" if value > 40 else "NOT ruled out")


def _t_places(problem, i: int, g: int, s: int = 0) -> int:
    """How many tasks of t instance ``i`` holds with ``g`` tasks of g, ``s`` of s and
    nothing else."""
    n = problem.n_services
    old = [[0] * n for _ in range(problem.n_instances)]
    new = [[0] * n for _ in range(problem.n_instances)]
    new[i][G] = g
    new[i][S] = s
    k = 0
    while fits(problem, _state(old, new), i, T):
        new[i][T] += 1
        k += 1
    return k


def _random_wave_ones(problem, old, new, runs: int) -> set[tuple[int, int, int]]:
    """Wave 1 by ECS rules in random orders: one task at a time, a service drawn with
    weights of the run's own, on the first instance of the run's own order that fits."""
    seen = set()
    for seed in range(runs):
        rng = random.Random(seed)
        o = [list(r) for r in old]
        n = [list(r) for r in new]
        left = {T: 23, G: 20, S: 103}
        weight = {s: rng.random() ** 3 + 1e-9 for s in left}
        order = {s: rng.sample(range(problem.n_instances), problem.n_instances) for s in left}
        while True:
            state = _state(o, n)
            open_ = {
                s: [i for i in order[s] if fits(problem, state, i, s)] for s in left if left[s]
            }
            open_ = {s: v for s, v in open_.items() if v}
            if not open_:
                break
            s = rng.choices(list(open_), [weight[s] for s in open_])[0]
            n[open_[s][0]][s] += 1
            left[s] -= 1
        seen.add(tuple(sum(row[s] for row in n) for s in (T, G, S)))
    return seen


if __name__ == "__main__":
    main()
