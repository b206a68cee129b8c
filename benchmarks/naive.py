"""The rollout as a first attempt would model it: one boolean per task × instance × wave.

``old[s][t][i][w]``: old task ``t`` of service ``s`` runs on instance ``i`` after wave
``w``; ``new[s][t][i][w]`` likewise for new tasks. The rules are those of ROLLOUT.md §3/§4
and of :mod:`planner.solvers.cpsat` (stops at the most the lower bound allows, starts
within the upper bound, capacity, fixed host ports, distinctInstance, maximal starts under
ECS rules), and the horizon argument of :mod:`planner.model.horizon` is the same, so the
verdicts must agree with planner's. What differs is only the encoding: booleans per task
instead of counts per instance, and no symmetry breaking, as a first model would have it.
Identical tasks are interchangeable, so every solution comes in (tasks!)-fold copies;
this is what planner's count model avoids.

:func:`naive_verdict` mirrors the order of :func:`planner.deciding.verdict.analyse`: ECS's own
default run and the same randomised runs first (model-free evidence), then the two
questions at growing horizons. It does not use planner's counting, volume or static
dead-state proofs. Every plan and dead path it returns is replayed through
:mod:`planner.model.rollout`.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from planner.model.horizon import max_waves, next_horizon
from planner.model.problem import Problem
from planner.model.rollout import (
    Run,
    State,
    Wave,
    initial_state,
    is_complete,
    is_dead,
    replay,
    simulate,
)
from planner.solvers.cpsat import WaveRules

FEASIBLE = (cp_model.OPTIMAL, cp_model.FEASIBLE)


@dataclass
class NaiveVerdict:
    """The naive model's verdict, with what it cost."""

    verdict: str
    proof: str
    wall_seconds: float = 0.0
    solver_seconds: float = 0.0
    booleans: int = 0  # the largest model built, in boolean variables
    horizons: list[int] = field(default_factory=list)
    plan: list[Wave] | None = None
    dead_path: list[Wave] | None = None


def count_booleans(problem: Problem, horizon: int) -> int:
    """Boolean task-placement variables of a model with ``horizon`` waves."""
    old = sum(sum(row) for row in problem.initial)
    new = problem.total_desired
    return (old + new) * problem.n_instances * horizon


class NaiveModel(WaveRules):
    """One boolean per (task, instance, wave), for old and new tasks alike."""

    refill_cuts = False  # a first attempt has the rules only, no redundant cuts

    def __init__(self, problem: Problem, horizon: int, *, ecs_rules: bool) -> None:
        self.p = problem
        self.H = horizon
        self.m = cp_model.CpModel()
        self.booleans = 0
        self._variables()
        self._stops()
        self._starts()
        self._placement(ecs_rules)

    # ------------------------------------------------------------ variables

    def _variables(self) -> None:
        p, m = self.p, self.m
        n_i = p.n_instances
        # old[s][t][w][i] and new[s][t][w][i]; wave 0 is the initial state (constants).
        self.old: list[list[list[list]]] = []
        self.new: list[list[list[list]]] = []
        for s in range(p.n_services):
            where = [i for i in range(n_i) for _ in range(p.initial[i][s])]
            olds = []
            for t, home in enumerate(where):
                waves: list[list] = [[1 if i == home else 0 for i in range(n_i)]]
                for w in range(1, self.H + 1):
                    waves.append([m.new_bool_var(f"o{s}_{t}_{w}_{i}") for i in range(n_i)])
                    for i in range(n_i):  # an old task only stops, never moves
                        if w > 1:
                            m.add_implication(waves[w][i], waves[w - 1][i])
                        elif i != home:
                            m.add(waves[w][i] == 0)
                olds.append(waves)
            news = []
            for _ in range(p.services[s].desired):
                waves = [[0] * n_i]
                for w in range(1, self.H + 1):
                    waves.append([m.new_bool_var(f"n{s}_{t}_{w}_{i}") for i in range(n_i)])
                    m.add_at_most_one(waves[w])  # on one instance at most
                    if w > 1:
                        for i in range(n_i):  # once started, it stays
                            m.add_implication(waves[w - 1][i], waves[w][i])
                news.append(waves)
            self.old.append(olds)
            self.new.append(news)
            self.booleans += (len(olds) + len(news)) * n_i * self.H

    def old_sum(self, w: int, s: int):
        return sum(sum(task[w]) for task in self.old[s])

    def new_sum(self, w: int, s: int):
        return sum(sum(task[w]) for task in self.new[s])

    def old_on(self, w: int, i: int, s: int) -> list:
        return [task[w][i] for task in self.old[s]]

    def new_on(self, w: int, i: int, s: int) -> list:
        return [task[w][i] for task in self.new[s]]

    # ------------------------------------------------------------ wave rules

    def old_here(self, w: int, i: int, s: int):
        return sum(self.old_on(w, i, s))

    def new_here(self, w: int, i: int, s: int):
        return sum(self.new_on(w, i, s))

    # ------------------------------------------------------------ solving

    def _state(self, solver: cp_model.CpSolver, w: int) -> State:
        def count(tasks: list, i: int) -> int:
            return sum(1 for task in tasks if _value(solver, task[w][i]))

        n_i = self.p.n_instances
        old = tuple(
            tuple(count(self.old[s], i) for s in range(self.p.n_services)) for i in range(n_i)
        )
        new = tuple(
            tuple(count(self.new[s], i) for s in range(self.p.n_services)) for i in range(n_i)
        )
        return State(old, new)


def _value(solver: cp_model.CpSolver, x) -> int:
    return x if isinstance(x, int) else solver.value(x)


def final_state_fits(problem: Problem, time_limit: float, seed: int = 0) -> bool | None:
    """Every new task on some instance at once, one boolean per task × instance."""
    p = problem
    m = cp_model.CpModel()
    x = [
        [
            [m.new_bool_var(f"x{s}_{t}_{i}") for i in range(p.n_instances)]
            for t in range(svc.desired)
        ]
        for s, svc in enumerate(p.services)
    ]
    for tasks in x:
        for row in tasks:
            m.add_exactly_one(row)
    for i in range(p.n_instances):
        for rule in p.rows[i]:  # planner's placement rows, no old task left
            users = [b * task[i] for s, b in enumerate(rule.new) if b for task in x[s]]
            if users:
                m.add(sum(users) <= rule.limit)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit, 0.01)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.solve(m)
    if status in FEASIBLE:
        return True
    if status == cp_model.INFEASIBLE:
        return False
    return None


def plan_of(states: list[State]) -> list[Wave]:
    """The waves between consecutive states, trailing empty waves dropped."""
    waves: list[Wave] = []
    for a, b in zip(states, states[1:], strict=False):
        stops, starts = [], []
        for i, (ra, rb) in enumerate(zip(a.old, b.old, strict=True)):
            stops += [(s, i, x - y) for s, (x, y) in enumerate(zip(ra, rb, strict=True)) if x > y]
        for i, (ra, rb) in enumerate(zip(a.new, b.new, strict=True)):
            starts += [(s, i, y - x) for s, (x, y) in enumerate(zip(ra, rb, strict=True)) if y > x]
        waves.append(Wave(tuple(sorted(stops)), tuple(sorted(starts))))
    while waves and waves[-1].empty:
        waves.pop()
    return waves


def naive_verdict(
    problem: Problem,
    time_limit: float = 120.0,
    *,
    seed: int = 0,
    tries: int | None = None,
    max_booleans: int | None = None,
) -> NaiveVerdict:
    """safe / at-risk / hangs from the boolean model, or ``unknown`` at the time limit.

    ``max_booleans``: give up (``unknown``) rather than build a larger model; None for no
    limit. Plans and dead paths are replayed through :mod:`planner.model.rollout`.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    out = NaiveVerdict("unknown", "")

    def left() -> float:
        return max(0.01, deadline - time.perf_counter())

    def done(verdict: str, proof: str) -> NaiveVerdict:
        out.verdict, out.proof = verdict, proof
        out.wall_seconds = time.perf_counter() - t0
        if out.plan is not None:
            replay(problem, out.plan)
        if out.dead_path is not None:
            states = replay(problem, out.dead_path, ecs_rules=True)
            if not is_dead(problem, states[-1]):
                raise AssertionError("naive model: the dead path does not end dead")
        return out

    def model(horizon: int, ecs_rules: bool) -> NaiveModel | None:
        size = count_booleans(problem, horizon)
        if max_booleans is not None and size > max_booleans:
            return None
        out.booleans = max(out.booleans, size)
        out.horizons.append(horizon)
        return NaiveModel(problem, horizon, ecs_rules=ecs_rules)

    start = initial_state(problem)
    if is_complete(problem, start):
        out.plan = []
        return done("safe", "nothing to replace")
    default = simulate(problem)
    complete_run: Run | None = default if default.complete else None
    dead_run: Run | None = None if default.complete else default
    rng = random.Random(seed)
    n_tries = tries if tries is not None else (24 if problem.total_desired <= 40 else 4)
    for _ in range(n_tries):
        if complete_run and dead_run:
            break
        run = simulate(problem, rng)
        if run.complete and complete_run is None:
            complete_run = run
        if run.dead and dead_run is None:
            dead_run = run

    if complete_run is None:
        if is_dead(problem, start):
            out.dead_path = []
            return done("hangs", "the first wave can neither stop nor start a task")
        if final_state_fits(problem, left(), seed) is False:
            out.dead_path = dead_run.waves if dead_run else None
            return done("hangs", "the end state does not fit the cluster")

    if dead_run is None:
        horizon = len(default.waves) + 1
        while True:
            nm = model(horizon, ecs_rules=True)
            if nm is None:
                return done("unknown", f"ECS runs of {horizon} waves: model too large")
            nm.target_unfinished()
            ans = nm.solve(left(), 1, seed)
            out.solver_seconds += ans.seconds
            if ans.status == "none":
                out.plan = (complete_run or default).waves
                return done("safe", f"no run by ECS rules is unfinished after {horizon} waves")
            if ans.status == "unknown":
                return done("unknown", f"time limit while checking ECS runs of {horizon} waves")
            if ans.dead:
                states = ans.states or []
                waves = plan_of(states)
                dead_run = Run(waves=waves, states=states[: len(waves) + 1])
                break
            if horizon >= max_waves(problem):
                raise AssertionError("an ECS run outlived the wave bound")
            horizon = next_horizon(horizon, problem)

    out.dead_path = dead_run.waves
    if complete_run is not None:
        out.plan = complete_run.waves
        return done("at-risk", "a run completes, and a run by ECS rules dies")

    horizon = max(2 * len(dead_run.waves) + 2, 2)
    while True:
        horizon = min(horizon, max_waves(problem))
        nm = model(horizon, ecs_rules=False)
        if nm is None:
            return done("unknown", f"plans of {horizon} waves: model too large")
        nm.target_complete()
        ans = nm.solve(left(), 1, seed)
        out.solver_seconds += ans.seconds
        if ans.status == "found":
            out.plan = plan_of(ans.states or [])
            return done("at-risk", "found a completing plan; a run by ECS rules dies")
        if ans.status == "unknown":
            return done("unknown", f"time limit while searching plans of {horizon} waves")
        if horizon >= max_waves(problem):
            return done("hangs", f"no plan completes within {horizon} waves")
        horizon = next_horizon(horizon, problem)
