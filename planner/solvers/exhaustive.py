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

:func:`plan_search` does the same over the general rules (any stops the lower bound
allows, any starts that fit): a plan that completes, or none (``hangs``).

It is exact, and exponential: it stops at ``most`` states or at the deadline, and then
proves nothing.
"""

from __future__ import annotations

import itertools
import math
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
from planner.running import work
from planner.running.clock import Deadline


def _check(deadline: Deadline | float | None) -> None:
    work.charge(work.STEP_SECONDS)  # a step of the search, under a work budget
    if work.past(deadline):
        raise OutOfTime("the exhaustive search ran out of time")


def _stop_sets(
    state: State, s: int, n: int, holders: list[int], deadline: Deadline | float | None = None
) -> Iterator[Moves]:
    """Every way to stop ``n`` old tasks of ``s`` on ``holders`` (as counts per instance)."""
    for combo in itertools.combinations_with_replacement(holders, n):
        _check(deadline)
        counts: dict[int, int] = {}
        for i in combo:
            counts[i] = counts.get(i, 0) + 1
        if all(state.old[i][s] >= c for i, c in counts.items()):
            yield tuple((s, i, c) for i, c in sorted(counts.items()))


def _maximal_starts(
    problem: Problem, mid: State, deadline: Deadline | float | None = None
) -> set[Moves]:
    """Every maximal set of starts from ``mid`` (no service with room fits anywhere after)."""
    S, n = problem.n_services, problem.n_instances
    out: set[Moves] = set()
    seen: set[tuple] = set()

    def grow(state: State, placed: dict[tuple[int, int], int]) -> None:
        key = tuple(sorted(placed.items()))
        if key in seen:
            return
        seen.add(key)
        _check(deadline)
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


def _all_starts(
    problem: Problem, mid: State, deadline: Deadline | float | None = None
) -> Iterator[Moves]:
    """Every set of starts the general rules allow from ``mid`` (the empty one too),
    each once: tasks added in (service, instance) order."""
    S, n = problem.n_services, problem.n_instances

    def grow(state: State, placed: list[tuple[int, int]], at: int) -> Iterator[Moves]:
        _check(deadline)
        counts: dict[tuple[int, int], int] = {}
        for key in placed:
            counts[key] = counts.get(key, 0) + 1
        yield tuple((s, i, c) for (s, i), c in sorted(counts.items()))
        for k in range(at, S * n):
            s, i = divmod(k, n)
            if start_room(problem, state, s) > 0 and fits(problem, state, i, s):
                new = [list(r) for r in state.new]
                new[i][s] += 1
                after = State(state.old, tuple(map(tuple, new)), state.added)
                yield from grow(after, [*placed, (s, i)], k)

    yield from grow(mid, [], 0)


def general_waves(
    problem: Problem, state: State, deadline: Deadline | float | None = None
) -> Iterator[Wave]:
    """Every wave the general rules allow from ``state`` (§4: any stops the lower bound
    allows, any starts that fit; before its scale-out)."""
    per_service: list[list[Moves]] = []
    for s in range(problem.n_services):
        holders = [i for i in range(problem.n_instances) if state.old[i][s]]
        per_service.append(
            [m for k in range(stop_allowance(problem, state, s) + 1)
             for m in _stop_sets(state, s, k, holders, deadline)]
        )  # fmt: skip
    for stops in itertools.product(*per_service):
        moves: Moves = tuple(m for ms in stops for m in ms)
        old = [list(r) for r in state.old]
        for s, i, c in moves:
            old[i][s] -= c
        mid = State(tuple(map(tuple, old)), state.new, state.added)
        for starts in _all_starts(problem, mid, deadline):
            if moves or starts:
                yield Wave(moves, starts)
            else:
                yield Wave()  # nothing moves; the scale-out may still grow a group


def ecs_waves(
    problem: Problem, state: State, deadline: Deadline | float | None = None
) -> Iterator[Wave]:
    """Every wave by ECS rules from ``state`` (before its scale-out); :class:`OutOfTime`
    past ``deadline`` (a :class:`~planner.running.clock.Deadline` or a
    ``time.perf_counter()`` value; None: none), also while one state's waves are listed."""
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


def too_big(problem: Problem, most: int = 20_000) -> bool:
    """Whether the first state's waves number more than ``most`` by a rough count: the
    ways to stop old tasks, times the ways to place each service's starts on the
    instances where one fits now (the search could not list them in any time)."""
    state = initial_state(problem)
    ways = 1
    for s in range(problem.n_services):
        k = stop_allowance(problem, state, s)
        holders = sum(1 for i in range(problem.n_instances) if state.old[i][s])
        room = start_room(problem, state, s)
        where = sum(1 for i in range(problem.n_instances) if fits(problem, state, i, s))
        if k and holders:
            ways *= math.comb(holders + k - 1, k)
        if room > 0 and where:
            ways *= math.comb(where + room - 1, room)
        if ways > most:
            return True
    return False


def most_added(states) -> tuple[int, ...]:
    """Per group, the most instances launched in any of ``states``."""
    added = [st.added for st in states if st.added]
    return tuple(map(max, zip(*added, strict=True))) if added else ()


def plan_search(
    problem: Problem, deadline: Deadline | float, most: int = 20_000
) -> tuple[str, list[Wave] | None, list[State] | None, int]:
    """Every state the general rules reach (§4): ``("found", plan, states, seen)`` for a
    plan that completes, ``("none", ...)`` when none does (the rollout hangs), or
    ``("open", ...)`` past ``most`` states. :class:`OutOfTime` past ``deadline``."""
    status, path, states, seen, _ = _visit(problem, deadline, most, ecs_rules=False)
    return status, path, states, seen


def search(
    problem: Problem, deadline: Deadline | float, most: int = 20_000
) -> tuple[str, list[Wave] | None, list[State] | None, int]:
    """Every state ECS rules reach from the start: ``("none", None, states, seen)`` when
    none is dead (every run completes; ``states``: one of each kind seen), ``("found",
    path, states, seen)`` for a run that dies, or ``("open", ...)`` past ``most`` states.
    :class:`OutOfTime` past ``deadline`` (a :class:`~planner.running.clock.Deadline` or a
    ``time.perf_counter()`` value)."""
    status, path, states, seen, every = _visit(problem, deadline, most, ecs_rules=True)
    return status, path, states if status == "found" else every, seen


def _visit(
    problem: Problem, deadline: Deadline | float, most: int, ecs_rules: bool
) -> tuple[str, list[Wave] | None, list[State] | None, int, list[State]]:
    """Breadth first from the start, each state once up to :func:`_key`. By ECS rules
    it looks for a dead state (a complete one ends its run); by the general rules for a
    complete one. Returns (status, path, its states, states seen, every state kept)."""
    start = initial_state(problem)
    parent: dict[State, tuple[State, Wave] | None] = {start: None}
    seen = {_key(problem, start)}
    frontier = [start]
    waves_of = ecs_waves if ecs_rules else general_waves
    while frontier:
        nxt: list[State] = []
        for state in frontier:
            _check(deadline)
            complete = is_complete(problem, state)
            if complete and ecs_rules:
                continue
            if complete or (ecs_rules and is_dead(problem, state)):
                return "found", *_path(parent, state), len(seen), []
            for wave in waves_of(problem, state, deadline):
                after = apply_wave(problem, state, wave, ecs_rules=ecs_rules)
                key = _key(problem, after)
                if key not in seen:
                    if len(seen) >= most:
                        return "open", None, None, len(seen), []
                    seen.add(key)
                    parent[after] = (state, wave)
                    nxt.append(after)
        frontier = nxt
    return "none", None, None, len(seen), list(parent)


def _key(problem: Problem, state: State) -> tuple:
    """``state`` up to swapping instances alike (the same placement rows in its view, the
    same capacity provider): runs from such states are the same runs, instances renamed,
    and growth counts only how many of a group's instances are busy."""
    view = problem.at(state.added) if state.added else problem
    classes: dict[tuple, list] = {}
    for i in range(problem.n_instances):
        key = (id(view.rows[i]), view.instances[i].provider)
        classes.setdefault(key, []).append((state.old[i], state.new[i]))
    return state.added, tuple(tuple(sorted(c)) for c in classes.values())


def _path(parent: dict, state: State) -> tuple[list[Wave], list[State]]:
    waves: list[Wave] = []
    states = [state]
    while parent[state] is not None:
        state, wave = parent[state]
        waves.append(wave)
        states.append(state)
    return waves[::-1], states[::-1]
