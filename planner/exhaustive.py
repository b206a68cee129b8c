"""Exhaustive search over every wave the rules allow, for tiny scenarios.

This is the reference the solvers are checked against: it uses the rules of
:mod:`planner.rollout` as they are written (any number of stops up to the allowance under
the general rules, exactly the allowance under ECS rules), with none of the shortcuts the
solvers rely on, so it also checks those shortcuts. Its cost grows exponentially: use it on
a few instances and a few tasks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from planner.problem import Problem
from planner.rollout import (
    State,
    fits,
    instance_ok,
    is_complete,
    is_dead,
    start_room,
    stop_allowance,
)


@dataclass(frozen=True)
class Exhaustive:
    """What the full state graph says."""

    possible: bool
    ecs_dead_reachable: bool
    states_seen: int

    @property
    def verdict(self) -> str:
        if not self.possible:
            return "hangs"
        return "at-risk" if self.ecs_dead_reachable else "safe"


def _splits(caps: list[int], total: int) -> Iterator[tuple[int, ...]]:
    """Every way to take exactly ``total`` from bins with the given caps."""
    if not caps:
        if total == 0:
            yield ()
        return
    head, rest = caps[0], caps[1:]
    for k in range(min(head, total), -1, -1):
        if total - k <= sum(rest):
            for tail in _splits(rest, total - k):
                yield (k, *tail)


def _stop_options(problem: Problem, state: State, exact: bool) -> Iterator[State]:
    S, n = problem.n_services, problem.n_instances
    per_service: list[list[tuple[int, ...]]] = []
    for s in range(S):
        allowed = stop_allowance(problem, state, s)
        caps = [state.old[i][s] for i in range(n)]
        totals = [allowed] if exact else range(allowed + 1)
        per_service.append([v for t in totals for v in _splits(caps, t)])

    def rec(s: int, old: list[list[int]]) -> Iterator[State]:
        if s == S:
            yield State(tuple(tuple(r) for r in old), state.new)
            return
        for vec in per_service[s]:
            for i in range(n):
                old[i][s] -= vec[i]
            yield from rec(s + 1, old)
            for i in range(n):
                old[i][s] += vec[i]

    yield from rec(0, [list(r) for r in state.old])


def _start_options(problem: Problem, mid: State, maximal: bool) -> Iterator[State]:
    """Every start set after the stops ``mid``: any that fits, or only the maximal ones."""
    S, n = problem.n_services, problem.n_instances
    room = [start_room(problem, mid, s) for s in range(S)]
    new = [list(r) for r in mid.new]

    def current() -> State:
        return State(mid.old, tuple(tuple(r) for r in new))

    def rec(i: int, s: int, left: list[int]) -> Iterator[State]:
        if i == n:
            st = current()
            if maximal and any(
                start_room(problem, st, t) > 0 and any(fits(problem, st, j, t) for j in range(n))
                for t in range(S)
            ):
                return
            yield st
            return
        if s == S:
            if instance_ok(problem, current(), i):
                yield from rec(i + 1, 0, left)
            return
        base = new[i][s]
        for k in range(left[s] + 1):
            new[i][s] = base + k
            if k and not instance_ok(problem, current(), i):
                break  # more of the same cannot fit either
            left[s] -= k
            yield from rec(i, s + 1, left)
            left[s] += k
        new[i][s] = base

    yield from rec(0, 0, room)


def successors(problem: Problem, state: State, *, ecs_rules: bool) -> set[State]:
    """Every state one wave away (the state itself excluded)."""
    out: set[State] = set()
    for mid in _stop_options(problem, state, exact=ecs_rules):
        for after in _start_options(problem, mid, maximal=ecs_rules):
            if after != state:
                out.add(after)
    return out


def _reach(problem: Problem, start: State, ecs_rules: bool, stop_at) -> tuple[bool, int]:
    seen = {start}
    todo = [start]
    while todo:
        state = todo.pop()
        if stop_at(state):
            return True, len(seen)
        for nxt in successors(problem, state, ecs_rules=ecs_rules):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False, len(seen)


def exhaustive(problem: Problem, start: State | None = None) -> Exhaustive:
    """Search the whole state graph under both rule sets."""
    from planner.rollout import initial_state

    start = start or initial_state(problem)
    possible, n1 = _reach(problem, start, False, lambda st: is_complete(problem, st))
    dead, n2 = _reach(problem, start, True, lambda st: is_dead(problem, st))
    return Exhaustive(possible, dead, n1 + n2)
