"""Every run by ECS rules, state by state, for small problems: a proof by exhaustion.

On a cluster that reacts (ROLLOUT.md §10) a wave ends with a scale-out that depends on
where the tasks run, which the counting and volume arguments do not see; this search
follows :func:`planner.model.rollout.apply_wave` itself. From each state it makes every
wave ECS rules allow (:func:`ecs_waves`: exactly as many stops as the lower bound allows,
on any instances that run old tasks; then every maximal set of starts), each followed by
the scale-out the plain model works out, and visits each state once. When every
reachable state has been seen and none is dead, every run completes (the wave horizon of
:mod:`planner.model.horizon` bounds every run, so no run goes on forever either); the
first dead state found is a run that dies.

It is exact, and exponential: it stops at ``most`` states or at the deadline, and then
proves nothing.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator

from planner.errors import OutOfTime
from planner.model.problem import Problem
from planner.model.rollout import (
    Moves,
    State,
    Wave,
    apply_wave,
    fits,
    initial_state,
    is_complete,
    is_dead,
    start_room,
    stop_allowance,
)


def _stop_sets(
    state: State, s: int, n: int, holders: list[int], deadline: float = math.inf
) -> Iterator[Moves]:
    """Every way to stop ``n`` old tasks of ``s`` on ``holders`` (as counts per instance);
    :class:`OutOfTime` past ``deadline`` (tens of holders have millions of ways)."""
    for k, combo in enumerate(itertools.combinations_with_replacement(holders, n)):
        if k % 1024 == 1023 and time.perf_counter() > deadline:
            raise OutOfTime("the exhaustive search of runs by ECS rules ran out of time")
        counts: dict[int, int] = {}
        for i in combo:
            counts[i] = counts.get(i, 0) + 1
        if all(state.old[i][s] >= c for i, c in counts.items()):
            yield tuple((s, i, c) for i, c in sorted(counts.items()))


def _maximal_starts(problem: Problem, mid: State, deadline: float) -> set[Moves]:
    """Every maximal set of starts from ``mid`` (no service with room fits anywhere
    after). :class:`OutOfTime` past ``deadline``: on tens of instances one state has more
    such sets than a limit of seconds can list."""
    S, n = problem.n_services, problem.n_instances
    out: set[Moves] = set()
    seen: set[tuple] = set()

    def grow(state: State, placed: dict[tuple[int, int], int]) -> None:
        key = tuple(sorted(placed.items()))
        if key in seen:
            return
        if time.perf_counter() > deadline:
            raise OutOfTime("the exhaustive search of runs by ECS rules ran out of time")
        seen.add(key)
        extended = False
        for s in range(S):
            if start_room(problem, state, s) <= 0:
                continue
            for i in range(n):
                if fits(problem, state, i, s):
                    extended = True
                    new = [list(r) for r in state.new]
                    new[i][s] += 1
                    after = State(state.old, tuple(map(tuple, new)), state.added)
                    placed[s, i] = placed.get((s, i), 0) + 1
                    grow(after, placed)
                    placed[s, i] -= 1
                    if not placed[s, i]:
                        del placed[s, i]
        if not extended:
            out.add(tuple((s, i, c) for (s, i), c in sorted(placed.items()) if c))

    grow(mid, {})
    return out


def ecs_waves(problem: Problem, state: State, deadline: float = math.inf) -> Iterator[Wave]:
    """Every wave by ECS rules from ``state`` (before its scale-out); :class:`OutOfTime`
    past ``deadline`` (a ``time.perf_counter()`` value)."""
    S = problem.n_services
    per_service: list[list[Moves]] = []
    for s in range(S):
        k = stop_allowance(problem, state, s)
        holders = [i for i in range(problem.n_instances) if state.old[i][s]]
        per_service.append(list(_stop_sets(state, s, k, holders, deadline)) if k else [()])
    for stops in itertools.product(*per_service):
        moves: Moves = tuple(m for ms in stops for m in ms)
        old = [list(r) for r in state.old]
        for s, i, c in moves:
            old[i][s] -= c
        mid = State(tuple(map(tuple, old)), state.new, state.added)
        for starts in _maximal_starts(problem, mid, deadline):
            yield Wave(moves, starts)


def most_added(states) -> tuple[int, ...]:
    """Per group, the most instances launched in any of ``states``."""
    added = [st.added for st in states if st.added]
    return tuple(map(max, zip(*added, strict=True))) if added else ()


def search(
    problem: Problem, deadline: float, most: int = 20_000
) -> tuple[str, list[Wave] | None, list[State] | None, int | tuple[int, ...]]:
    """Every state ECS rules reach from the start: ``("none", ...)`` when none is dead
    (every run completes), ``("found", path, states, seen)`` for a run that dies, or
    ``("open", ...)`` past ``most`` states. :class:`OutOfTime` past ``deadline`` (a
    ``time.perf_counter()`` value)."""
    start = initial_state(problem)
    parent: dict[State, tuple[State, Wave] | None] = {start: None}
    frontier = [start]
    while frontier:
        nxt: list[State] = []
        for state in frontier:
            if time.perf_counter() > deadline:
                raise OutOfTime("the exhaustive search of runs by ECS rules ran out of time")
            if is_complete(problem, state):
                continue
            if is_dead(problem, state):
                return "found", *_path(parent, state), len(parent)
            for wave in ecs_waves(problem, state, deadline):
                after = apply_wave(problem, state, wave, ecs_rules=True)
                if after not in parent:
                    if len(parent) >= most:
                        return "open", None, None, len(parent)
                    parent[after] = (state, wave)
                    nxt.append(after)
        frontier = nxt
    return "none", None, list(parent), len(parent)


def _path(parent: dict, state: State) -> tuple[list[Wave], list[State]]:
    waves: list[Wave] = []
    states = [state]
    while parent[state] is not None:
        state, wave = parent[state]
        waves.append(wave)
        states.append(state)
    return waves[::-1], states[::-1]
