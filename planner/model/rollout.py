"""The wave model of spec/ROLLOUT.md §3–§5 in plain Python. No solver here.

A :class:`State` says, for every instance ``i`` and deploying service ``s``, how many old
and how many new tasks run there. A :class:`Wave` stops old tasks, then starts new ones.
Everything the solvers return is replayed through :func:`replay` before it is reported
(:func:`planner.deciding.verdict.check_evidence`). The tests check these rules against an oracle
written from ROLLOUT.md alone (``tests/oracle.py``), which shares none of them.

Two rule sets:

- the *general* rules (any stops the lower bound allows, any starts that fit and the upper
  bound allows) decide whether a rollout is possible at all;
- *ECS rules* (stop exactly as many as the lower bound allows, start a maximal set) are
  what the scheduler does, and decide whether it can hang on its own choices.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from planner.errors import OutOfTime
from planner.model import placement
from planner.model.horizon import max_waves
from planner.model.placement import REASON_ORDER, configuration_message, placement_message
from planner.model.problem import Problem, Service

Matrix = tuple[tuple[int, ...], ...]

__all__ = ["REASON_ORDER", "placement_message"]  # re-exported: placement owns them


@dataclass(frozen=True)
class State:
    """Old and new task counts: ``old[i][s]``, ``new[i][s]``."""

    old: Matrix
    new: Matrix

    def old_total(self, s: int) -> int:
        return self._totals[0][s]

    def new_total(self, s: int) -> int:
        return self._totals[1][s]

    @cached_property
    def _totals(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Per service, old and new tasks in all (a state is immutable: counted once)."""
        return tuple(map(sum, zip(*self.old, strict=True))), tuple(  # type: ignore[return-value]
            map(sum, zip(*self.new, strict=True))
        )


Moves = tuple[tuple[int, int, int], ...]  # (service, instance, count), count > 0


@dataclass(frozen=True)
class Wave:
    """One wave: ``stops`` then ``starts``, each as (service, instance, count) triples."""

    stops: Moves = ()
    starts: Moves = ()

    @property
    def empty(self) -> bool:
        return not self.stops and not self.starts


class InvalidWave(ValueError):
    """A wave that the rules do not allow (replay found a bad plan)."""


# ---------------------------------------------------------------- states and fit


def initial_state(problem: Problem) -> State:
    """The state before the first wave: every old task where it runs, and the new ones
    already running (none, unless the scenario is a snapshot: ROLLOUT.md §9)."""
    return State(problem.initial, problem.start_new)


def is_complete(problem: Problem, state: State) -> bool:
    """Every deploying service has no old task left and all its new tasks running."""
    return all(
        state.old_total(s) == 0 and state.new_total(s) == svc.desired
        for s, svc in enumerate(problem.services)
    )


def instance_ok(problem: Problem, state: State, i: int) -> bool:
    """Whether instance ``i`` holds its tasks: every placement row kept."""
    return placement.holds(problem.rows[i], state.old[i], state.new[i])


def failures(problem: Problem, state: State, i: int, s: int) -> tuple[str, ...]:
    """The requirements one more new task of service ``s`` fails on instance ``i``.

    Empty when it fits. Codes as in ROLLOUT.md §5, in :data:`placement.REASON_ORDER`; a
    full dynamic port range is a ``port`` failure.
    """
    return placement.failures(problem.rows[i], state.old[i], state.new[i], s)


def fits(problem: Problem, state: State, i: int, s: int) -> bool:
    """Whether one more new task of ``s`` fits on instance ``i``."""
    return not failures(problem, state, i, s)


# ---------------------------------------------------------------- bounds


def stop_allowance(problem: Problem, state: State, s: int) -> int:
    """How many old tasks of ``s`` may stop now (ROLLOUT.md §3 step 1).

    Rolling: keep ``old + healthy new ≥ lower``; every new task counts as healthy at the
    start of a wave. All-at-once strategies (§6) stop the blue set only once the whole
    green set runs.
    """
    return stops_allowed(problem.services[s], state.old_total(s), state.new_total(s))


def stops_allowed(svc: Service, old: int, new: int) -> int:
    """:func:`stop_allowance` from the service's counts alone."""
    if svc.all_at_once:
        return old if new >= svc.desired else 0
    return max(0, min(old, old + new - svc.lower))


def start_room(problem: Problem, state: State, s: int) -> int:
    """How many new tasks of ``s`` may start now (§3 step 2): ``old + new ≤ upper``."""
    return room_for(problem.services[s], state.old_total(s), state.new_total(s))


def room_for(svc: Service, old: int, new: int) -> int:
    """:func:`start_room` from the service's counts alone."""
    return max(0, min(svc.upper - old - new, svc.desired - new))


# ---------------------------------------------------------------- one wave


def _apply(matrix: Matrix, moves: Moves, sign: int) -> Matrix:
    rows = [list(r) for r in matrix]
    for s, i, n in moves:
        rows[i][s] += sign * n
    return tuple(tuple(r) for r in rows)


def _totals(moves: Moves, n_services: int) -> list[int]:
    out = [0] * n_services
    for s, _, n in moves:
        out[s] += n
    return out


def apply_wave(problem: Problem, state: State, wave: Wave, *, ecs_rules: bool = False) -> State:
    """The state after ``wave``; :class:`InvalidWave` if the rules do not allow it.

    With ``ecs_rules`` the wave must also stop exactly as many old tasks as allowed and
    start a maximal set of new ones (ROLLOUT.md §4).
    """
    S = problem.n_services
    for s, i, n in (*wave.stops, *wave.starts):
        if not (0 <= s < S and 0 <= i < problem.n_instances and n > 0):
            raise InvalidWave(f"bad move {(s, i, n)}")
    stopped = _totals(wave.stops, S)
    for s in range(S):
        allowed = stop_allowance(problem, state, s)
        if stopped[s] > allowed or (ecs_rules and stopped[s] != allowed):
            name = problem.services[s].name
            raise InvalidWave(f"{name}: stops {stopped[s]} old tasks, {allowed} allowed")
    old = _apply(state.old, wave.stops, -1)
    if any(v < 0 for row in old for v in row):
        raise InvalidWave("stops a task that is not running there")
    mid = State(old, state.new)
    started = _totals(wave.starts, S)
    for s in range(S):
        room = start_room(problem, mid, s)
        if started[s] > room:
            name = problem.services[s].name
            raise InvalidWave(f"{name}: starts {started[s]} new tasks, room for {room}")
    after = State(old, _apply(state.new, wave.starts, +1))
    for i in {i for _, i, _ in wave.starts}:
        if not instance_ok(problem, after, i):
            raise InvalidWave(f"the tasks started on instance {i} do not fit there")
    if ecs_rules:
        loads = None  # arrays over the instances, built only if some service has room
        for s in range(S):
            if start_room(problem, after, s) > 0:
                if loads is None:
                    loads = placement.ArrayLoads(problem.row_arrays, after.old, after.new)
                fitting = np.flatnonzero(loads.fits(s))
                if fitting.size:
                    name = problem.services[s].name
                    raise InvalidWave(f"not maximal: {name} still fits on instance {fitting[0]}")
    return after


def replay(
    problem: Problem, plan: Sequence[Wave], *, ecs_rules: bool = False, start: State | None = None
) -> list[State]:
    """Every state along ``plan`` from ``start`` (default: the initial state)."""
    states = [start or initial_state(problem)]
    for k, wave in enumerate(plan, 1):
        try:
            states.append(apply_wave(problem, states[-1], wave, ecs_rules=ecs_rules))
        except InvalidWave as exc:
            raise InvalidWave(f"wave {k}: {exc}") from None
    return states


# ---------------------------------------------------------------- dead states


def can_start_somewhere(problem: Problem, state: State, s: int) -> bool:
    return start_room(problem, state, s) > 0 and any(
        fits(problem, state, i, s) for i in range(problem.n_instances)
    )


def is_dead(problem: Problem, state: State) -> bool:
    """Not complete, nothing may be stopped, nothing can be started (ROLLOUT.md §4)."""
    if is_complete(problem, state):
        return False
    S = problem.n_services
    if any(stop_allowance(problem, state, s) for s in range(S)):
        return False
    return not any(can_start_somewhere(problem, state, s) for s in range(S))


@dataclass(frozen=True)
class Blocked:
    """Why one service cannot go on in a dead state, in ECS's words."""

    service: str
    reason: str
    message: str
    instance: int | None = None
    #: Planner's words beside ECS's: the constraint that excludes the closest instance,
    #: and the instances that fail for another reason than it does ('' if none).
    detail: str = ""


def explain(problem: Problem, state: State) -> list[Blocked]:
    """For each unfinished service, why it can neither stop nor start (§5)."""
    out: list[Blocked] = []
    for s, svc in enumerate(problem.services):
        old, new = state.old_total(s), state.new_total(s)
        if old == 0 and new == svc.desired:
            continue
        if stop_allowance(problem, state, s) > 0 or can_start_somewhere(problem, state, s):
            continue
        if start_room(problem, state, s) == 0:
            out.append(
                Blocked(svc.name, "deployment-configuration", configuration_message(svc.name))
            )
            continue
        i, reason = closest_instance(problem, state, s)
        row = placement.failing_row(problem.rows[i], state.old[i], state.new[i], s, reason)
        message = placement_message(svc.name, i, reason, row.what)
        out.append(Blocked(svc.name, reason, message, i, other_reasons(problem, state, s, i, row)))
    return out


#: The most other reasons :func:`other_reasons` names (one instance each).
OTHER_REASONS = 3


def other_reasons(problem: Problem, state: State, s: int, i: int, row: placement.Row) -> str:
    """Planner's words beside ECS's event for ``s``, whose closest instance ``i`` fails
    ``row``: which constraint excludes ``i`` where it passes the resource filters (ECS's
    event names the constraint's type only); then, per other way the instances fail, the
    closest instance that passes ``row`` and why it fails instead ("instance 3 has port 80
    free but 256 CPU units left, taken by worker"). '' when every instance fails as ``i``.
    """
    names = [svc.name for svc in problem.services]
    said: list[str] = []
    if row.reason == "placement-constraint" and not row.what.startswith("status "):
        words = placement.failing_words(
            row, state.old[i], state.new[i], s, names[s], names, problem.instances[i]
        )
        said.append(f"container-instance {i} passes the resource and port filters, but {words}")
    ways: dict[tuple[str, ...], int] = {}
    for j, inst in enumerate(problem.instances):
        if j == i or inst.closed:
            continue
        rows = problem.rows[j]
        same = [r for r in rows if r.what == row.what]  # its row of the same requirement
        if placement.failures(same, state.old[j], state.new[j], s):
            continue  # fails as the closest one does
        fails = placement.failures(rows, state.old[j], state.new[j], s)
        if fails and fails not in ways:  # (the first of those failing alike is closest)
            ways[fails] = j
    picked = sorted(ways.items(), key=lambda kv: placement.closeness(*kv))
    for _, j in picked[:OTHER_REASONS]:
        why = placement.contrast(
            problem.rows[j], state.old[j], state.new[j], s, names, problem.instances[j], row
        )
        said.append(f"instance {j} {why}")
    if len(picked) > OTHER_REASONS:
        said.append(f"instances fail in {len(picked) - OTHER_REASONS} more ways")
    return "; ".join(said)


def closest_instance(problem: Problem, state: State, s: int) -> tuple[int, str]:
    """The instance failing the fewest requirements for ``s``, and the first one it fails.

    Instances closed to new tasks (DRAINING, agent disconnected) are not candidates, as
    ECS does not consider them; unless every instance is closed.
    """
    fails = [failures(problem, state, i, s) for i in range(problem.n_instances)]
    open_ = [i for i, inst in enumerate(problem.instances) if not inst.closed]
    if not open_:
        return placement.closest(fails)
    k, reason = placement.closest([fails[i] for i in open_])
    return open_[k], reason


# ---------------------------------------------------------------- a run by ECS rules


@dataclass
class Run:
    """A run by ECS rules: its waves, its states, and how it ended."""

    waves: list[Wave] = field(default_factory=list)
    states: list[State] = field(default_factory=list)
    complete: bool = False

    @property
    def dead(self) -> bool:
        return not self.complete


@dataclass(frozen=True)
class Policy:
    """How a run by ECS rules makes its choices (all of them allowed by ECS rules).

    ``order``: services start in this priority, each placing all it can before the next
    (None: services take turns one task at a time, as ECS's scheduler interleaves them).
    ``pack``: place on the instance left with the least room (binpack) instead of the one
    with the fewest tasks of the service (spread). ``level``: on the one with the most
    room (worst fit), which levels the room left across instances, so that a task of the
    service placed last may find too little on every one. ``levelled``: services placed
    so whatever ``pack`` says (spread thin: a service on a fixed host port then blocks as
    many instances as it has tasks). ``rng``: random choices instead.
    """

    order: tuple[int, ...] | None = None
    pack: bool = False
    level: bool = False
    levelled: tuple[int, ...] = ()
    rng: random.Random | None = None


def ecs_wave(
    problem: Problem, state: State, rng: random.Random | None = None, policy: Policy | None = None
) -> Wave:
    """One wave by ECS rules: stop the most allowed, then start until nothing fits.

    By default the choices follow ECS's default spread: stop where the service has the
    most tasks, start where it has the fewest (ties: lowest index), services taking turns
    one task at a time. ``rng`` (or ``policy``) makes other choices ECS may make.
    """
    policy = policy or Policy(rng=rng)
    rng = policy.rng
    S, n = problem.n_services, problem.n_instances
    # arrays over the instances: one pass per choice, not one fit check per instance
    loads = placement.ArrayLoads(problem.row_arrays, state.old, state.new)
    old = np.array(state.old, dtype=np.int64).reshape(n, S)
    here = old + np.array(state.new, dtype=np.int64).reshape(n, S)
    stops: dict[tuple[int, int], int] = {}
    for s in range(S):
        for _ in range(stop_allowance(problem, state, s)):
            where = np.flatnonzero(old[:, s] > 0)
            # at random, or where s has the most tasks (ties: the first)
            i = rng.choice(where.tolist()) if rng else int(where[np.argmax(here[where, s])])
            old[i, s] -= 1
            here[i, s] -= 1
            loads.change(i, s, False, -1)
            stops[s, i] = stops.get((s, i), 0) + 1
    cur_old = State(tuple(map(tuple, old.tolist())), state.new)
    room = [start_room(problem, cur_old, s) for s in range(S)]
    starts: dict[tuple[int, int], int] = {}

    def place(s: int) -> bool:
        if room[s] == 0:
            return False
        where = np.flatnonzero(loads.fits(s))
        if not where.size:
            return False
        if rng:
            i = rng.choice(where.tolist())
        elif policy.level or s in policy.levelled:  # the most room left, resource by
            left = loads.room(where)  # resource (ties: the first)
            i = int(where[np.lexsort((where, *(-left).T[::-1]))[0]])
        elif policy.pack:  # the least room left, resource by resource (ties: the first)
            left = loads.room(where)
            i = int(where[np.lexsort((where, *left.T[::-1]))[0]])
        else:  # the fewest tasks of s (ties: the first)
            i = int(where[np.argmin(here[where, s])])
        loads.change(i, s, True, +1)
        here[i, s] += 1
        starts[s, i] = starts.get((s, i), 0) + 1
        room[s] -= 1
        return True

    if policy.order is not None:
        for s in policy.order:
            while place(s):
                pass
    order = list(range(S))
    while True:  # (also completes a partial order: the set must be maximal)
        if rng:
            rng.shuffle(order)
        progressed = False
        for s in order:
            if place(s):
                progressed = True
                if rng:
                    break
        if not progressed:
            break
    return Wave(_moves(stops), _moves(starts))


def _moves(d: dict[tuple[int, int], int]) -> Moves:
    return tuple((s, i, c) for (s, i), c in sorted(d.items()) if c)


def simulate(
    problem: Problem,
    rng: random.Random | None = None,
    start: State | None = None,
    policy: Policy | None = None,
    wave_of: Callable[[State], Wave] | None = None,
    deadline: float | None = None,
) -> Run:
    """Run ECS rules from ``start`` until the rollout completes or dies; ``wave_of``
    makes each wave instead of :func:`ecs_wave` (the scheduler's, say). Past
    ``deadline`` (a ``time.perf_counter()`` value), :class:`~planner.errors.OutOfTime`:
    a run cut short is neither complete nor dead."""
    state = start or initial_state(problem)
    run = Run(states=[state])
    for _ in range(max_waves(problem)):  # no run is longer (planner.model.horizon)
        if deadline is not None and time.perf_counter() > deadline:
            raise OutOfTime("a run by ECS rules was cut short by the deadline")
        if is_complete(problem, state):
            run.complete = True
            return run
        wave = wave_of(state) if wave_of else ecs_wave(problem, state, rng, policy)
        if wave.empty:
            return run
        state = apply_wave(problem, state, wave)
        run.waves.append(wave)
        run.states.append(state)
    run.complete = is_complete(problem, state)
    return run
