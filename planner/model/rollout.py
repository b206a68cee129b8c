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

Which tasks ECS itself stops and starts within ECS rules is its scheduler's choice
(ROLLOUT.md §8): :func:`scheduler_wave` makes one wave so, and :func:`simulate` a run of
them, ECS's own run (:mod:`planner.deciding.scheduler` builds its runs and summary on
them); a :class:`Policy` makes other choices ECS rules allow, an adversary's.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from planner.errors import OutOfTime
from planner.model import placement, scaling
from planner.model.horizon import max_waves
from planner.model.placement import REASON_ORDER, configuration_message, placement_message
from planner.model.policy import Policy
from planner.model.problem import Problem, Service
from planner.model.state import Matrix, State, counts, remember
from planner.running import work
from planner.running.clock import Deadline

# re-exported: placement and state own them
__all__ = ["REASON_ORDER", "Matrix", "State", "placement_message"]


Moves = tuple[tuple[int, int, int], ...]  # (service, instance, count), count > 0


@dataclass(frozen=True)
class Wave:
    """One wave: ``stops`` then ``starts``, each as (service, instance, count) triples;
    then ``launch``, per group the instances its scale-out adds (ROLLOUT.md §10; empty:
    none, or not given: :func:`apply_wave` works it out either way)."""

    stops: Moves = ()
    starts: Moves = ()
    launch: tuple[int, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.stops and not self.starts and not any(self.launch)


class InvalidWave(ValueError):
    """A wave that the rules do not allow (replay found a bad plan)."""


# ---------------------------------------------------------------- states and fit


def initial_state(problem: Problem) -> State:
    """The state before the first wave: every old task where it runs, and the new ones
    already running (none, unless the scenario is a snapshot: ROLLOUT.md §9)."""
    added = problem.added_at_start if problem.reacts else ()  # () on a fixed fleet
    return State(problem.initial, problem.start_new, added)


def launched(problem: Problem, state: State) -> tuple[int, ...]:
    """Per group, its launched instances in ``state`` (ROLLOUT.md §10)."""
    return state.added or problem.added_at_start


def view(problem: Problem, state: State) -> Problem:
    """The problem as ``state`` sees it: the launched instances open, the others closed."""
    return problem.at(state.added) if state.added else problem


def grown(problem: Problem, state: State) -> tuple[int, ...]:
    """Per group, its launched instances after the scale-out that follows a wave ending
    in ``state`` (:func:`planner.model.scaling.grown`)."""
    if not problem.reacts:
        return launched(problem, state)
    rooms = [start_room(problem, state, s) for s in range(problem.n_services)]
    return scaling.grown(problem, state.old, state.new, launched(problem, state), rooms)


def is_complete(problem: Problem, state: State) -> bool:
    """Every deploying service has no old task left and all its new tasks running."""
    return all(
        state.old_total(s) == 0 and state.new_total(s) == svc.desired
        for s, svc in enumerate(problem.services)
    )


def failures(problem: Problem, state: State, i: int, s: int) -> tuple[str, ...]:
    """The requirements one more new task of service ``s`` fails on instance ``i``.

    Empty when it fits. Codes as in ROLLOUT.md §5, in :data:`placement.REASON_ORDER`; a
    full dynamic port range is a ``port`` failure.
    """
    return placement.failures(view(problem, state).rows[i], state.old[i], state.new[i], s)


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


def _moved(before: State, after: State, wave: Wave) -> None:
    """``after``'s counts as arrays, from ``before``'s and the moves of ``wave``."""
    old, new = (a.copy() for a in counts(before))
    for s, i, n in wave.stops:
        old[i, s] -= n
    for s, i, n in wave.starts:
        new[i, s] += n
    remember(after, old, new)


def _apply(matrix: Matrix, moves: Moves, sign: int) -> Matrix:
    """``matrix`` with ``moves`` applied; the rows no move touches are shared."""
    changed: dict[int, list[int]] = {}
    for s, i, n in moves:
        row = changed.get(i)
        if row is None:
            row = changed[i] = list(matrix[i])
        row[s] += sign * n
    if not changed:
        return matrix
    rows = list(matrix)
    for i, row in changed.items():
        rows[i] = tuple(row)
    return tuple(rows)


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
    base, problem = problem, view(problem, state)
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
    if any(old[i][s] < 0 for s, i, _ in wave.stops):  # only those cells changed
        raise InvalidWave("stops a task that is not running there")
    mid = State(old, state.new, state.added)
    started = _totals(wave.starts, S)
    for s in range(S):
        room = start_room(problem, mid, s)
        if started[s] > room:
            name = problem.services[s].name
            raise InvalidWave(f"{name}: starts {started[s]} new tasks, room for {room}")
    after = State(old, _apply(state.new, wave.starts, +1), state.added)
    _moved(state, after, wave)
    loads = None  # every placement row of every instance as arrays, built once if needed
    if wave.starts:  # the instances started on hold their tasks: every row kept
        loads = placement.ArrayLoads(problem.row_arrays, *counts(after))
        over = loads.over(np.unique([i for _, i, _ in wave.starts]))
        if over.size:
            raise InvalidWave(f"the tasks started on instance {over[0]} do not fit there")
    if ecs_rules:
        for s in range(S):
            if start_room(problem, after, s) > 0:
                if loads is None:
                    loads = placement.ArrayLoads(problem.row_arrays, *counts(after))
                fitting = np.flatnonzero(loads.fits(s))
                if fitting.size:
                    name = problem.services[s].name
                    raise InvalidWave(f"not maximal: {name} still fits on instance {fitting[0]}")
    if not base.reacts:
        return after
    before, added = launched(base, state), grown(base, after)
    launch = tuple(b - a for a, b in zip(before, added, strict=True))
    if wave.launch and wave.launch != launch:
        raise InvalidWave(f"the groups launch {launch}, not {wave.launch}")
    return State(after.old, after.new, added)


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


def can_start_somewhere(
    problem: Problem, state: State, s: int, loads: placement.ArrayLoads | None = None
) -> bool:
    """Whether ``s`` has room and one more new task of it fits on some instance
    (``loads``: the state's, as arrays, if the caller has them)."""
    problem = view(problem, state)
    if start_room(problem, state, s) <= 0:
        return False
    if loads is None:
        loads = placement.ArrayLoads(problem.row_arrays, *counts(state))
    return bool(loads.fits(s).any())


def is_dead(problem: Problem, state: State) -> bool:
    """Not complete, nothing may be stopped, nothing can be started (ROLLOUT.md §4)."""
    if is_complete(problem, state):
        return False
    S = problem.n_services
    if any(stop_allowance(problem, state, s) for s in range(S)):
        return False
    seen = view(problem, state)
    loads = placement.ArrayLoads(seen.row_arrays, *counts(state))
    if any(can_start_somewhere(problem, state, s, loads) for s in range(S)):
        return False
    return not problem.reacts or grown(problem, state) == launched(problem, state)


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
    problem = view(problem, state)
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
        if j == i or not _candidate(problem, inst, s):
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


def _candidate(problem: Problem, inst, s: int) -> bool:
    """Whether ECS considers ``inst`` for ``s``: open, and its provider's if it has one."""
    providers = problem.services[s].providers
    return not inst.closed and (providers is None or inst.provider in providers)


def closest_instance(problem: Problem, state: State, s: int) -> tuple[int, str]:
    """The instance failing the fewest requirements for ``s``, and the first one it fails.

    Instances closed to new tasks (DRAINING, agent disconnected, not launched) and those
    outside the service's capacity providers are not candidates, as ECS does not consider
    them; unless no instance is a candidate.
    """
    fails = [failures(problem, state, i, s) for i in range(problem.n_instances)]
    open_ = [i for i, inst in enumerate(problem.instances) if _candidate(problem, inst, s)]
    if not open_:
        return placement.closest(fails)
    k, reason = placement.closest([fails[i] for i in open_])
    return open_[k], reason


# ---------------------------------------------------------------- one wave as ECS makes it


class Cluster:
    """What ECS's choices look at during a wave, kept up to date task by task, as arrays
    over the instances (:class:`planner.model.placement.ArrayLoads`)."""

    def __init__(self, problem: Problem, state: State) -> None:
        problem = view(problem, state)
        self.p = problem
        shape = (problem.n_instances, problem.n_services)
        old, new = (a.reshape(shape) for a in counts(state))
        self.loads = placement.ArrayLoads(problem.row_arrays, old, new)
        self.old = old.copy()
        #: per service, its tasks (old and new) per instance
        self.here = (old + new).T.copy()
        self.attrs = problem.attributes

    def stop_options(self, s: int) -> list[int]:
        """Where the scheduler may stop one old task of ``s``: by its strategy (§8)."""
        svc = self.p.services[s]
        holders = np.flatnonzero(self.old[:, s])
        free = placement.After(self.loads, svc.old.cpu, svc.old.memory, +1)
        return placement.stop_choices(
            svc.placement_strategy, holders, self.here[s], self.attrs, free
        )

    def start_options(self, s: int) -> list[int]:
        """Where the scheduler may start one new task of ``s``: by its strategy (§8)."""
        svc = self.p.services[s]
        fits = np.flatnonzero(self.loads.fits(s))
        if not fits.size:
            return []
        left = placement.After(self.loads, svc.new.cpu, svc.new.memory, -1)
        return placement.start_choices(svc.placement_strategy, fits, self.here[s], self.attrs, left)

    def stop(self, s: int, i: int) -> None:
        self.old[i, s] -= 1
        self.here[s, i] -= 1
        self.loads.change(i, s, False, -1)

    def start(self, s: int, i: int, n: int = 1) -> None:
        self.here[s, i] += n
        self.loads.change(i, s, True, +n)

    def olds(self) -> Matrix:
        return tuple(map(tuple, self.old.tolist()))

    def news(self) -> Matrix:
        return tuple(map(tuple, (self.here.T - self.old).tolist()))

    def copy(self) -> Cluster:
        out = Cluster.__new__(Cluster)
        out.p, out.attrs = self.p, self.attrs
        out.loads = self.loads.copy()
        out.old = self.old.copy()
        out.here = self.here.copy()
        return out


def scheduler_wave(
    problem: Problem,
    state: State,
    rng: random.Random | None = None,
    order: Sequence[int] | None = None,
    policy: Policy | None = None,
) -> Wave:
    """One wave of ECS's scheduler from ``state`` (ROLLOUT.md §8), a wave by ECS rules.

    Stops exactly as many old tasks as the lower bound allows, one at a time, each where
    its service's strategy points (:func:`planner.model.placement.stop_choices`); then
    starts until no service with room fits anywhere, one task at a time, the services
    taking turns, each task placed by its service's strategy
    (:func:`planner.model.placement.start_choices`). ``rng`` draws ties and the order of
    each round of turns; without it, ties go to the first instance and services take
    turns in file order. ``order``: services place in this priority, each all it can
    before the next. ``policy``: its choices instead of the strategies' (and its ``rng``
    and ``order`` instead of these).
    """
    S = problem.n_services
    c = Cluster(problem, state)
    stop_options, start_options = c.stop_options, c.start_options
    if policy is not None:
        rng, order = policy.rng, policy.order
        stop_options = partial(policy.stop_options, c)
        start_options = partial(policy.start_options, c)
    any_turn = policy is not None and rng is not None  # any service may place next
    stops: dict[tuple[int, int], int] = {}
    # what the wave costs, for a work budget (planner.running.work): choices that weigh
    # every instance, those that level, and batches of starts made without weighing
    weighed = levelled = batches = 0
    for s in range(S):
        allowed = stop_allowance(problem, state, s)
        if policy is not None and rng is None and allowed:  # a policy's, one weighing
            weighed += 1
            batches += allowed
            for i in policy.stops(c, s, allowed):
                c.stop(s, i)
                stops[s, i] = stops.get((s, i), 0) + 1
            continue
        for _ in range(allowed):
            weighed += 1
            options = stop_options(s)
            i = rng.choice(options) if rng else options[0]
            c.stop(s, i)
            stops[s, i] = stops.get((s, i), 0) + 1
    mid = State(c.olds(), state.new)
    remember(mid, c.old.copy(), counts(state)[1])
    room = [start_room(problem, mid, s) for s in range(S)]
    starts: dict[tuple[int, int], int] = {}

    def place(s: int) -> bool:
        nonlocal weighed
        if not room[s]:
            return False
        weighed += 1
        options = start_options(s)
        if not options:
            return False
        i = rng.choice(options) if rng else options[0]
        c.start(s, i)
        starts[s, i] = starts.get((s, i), 0) + 1
        room[s] -= 1
        return True

    for s in order or ():
        if policy is None or rng:
            while place(s):
                pass
            continue
        # a policy's turn: batches of starts, each on the cluster before the next choice
        weighed += 1
        levelled += policy.levels(s)  # a levelled turn weighs every resource once
        each = policy.weighs_each_batch(s)
        for i, n in policy.turn(c, s, room[s]):
            weighed, batches = (weighed + 1, batches) if each else (weighed, batches + 1)
            c.start(s, i, n)
            starts[s, i] = starts.get((s, i), 0) + n
            room[s] -= n
    turn = list(range(S))
    while True:  # turns, until no service places (also completes a partial order)
        if rng:
            turn = turn if any_turn else list(range(S))  # a policy shuffles on its last draw
            rng.shuffle(turn)
        placed = False
        for s in turn:
            if place(s):
                placed = True
                if any_turn:
                    break  # a new draw of who goes next
        if not placed:
            break
    work.charge(work.wave_cost(problem.n_instances, S, weighed, levelled, batches, policy is None))
    if not problem.reacts:
        return Wave(moves_of(stops), moves_of(starts))
    before = launched(problem, state)
    added = grown(problem, State(c.olds(), c.news(), state.added))
    launch = tuple(b - a for a, b in zip(before, added, strict=True))
    return Wave(moves_of(stops), moves_of(starts), launch if any(launch) else ())


def moves_of(counts: dict[tuple[int, int], int]) -> Moves:
    """``{(service, instance): count}`` as :data:`Moves`, in order, zero counts dropped."""
    return tuple((s, i, n) for (s, i), n in sorted(counts.items()) if n)


# ---------------------------------------------------------------- a run


@dataclass
class Run:
    """A run by ECS rules: its waves, its states, and how it ended."""

    waves: list[Wave] = field(default_factory=list)
    states: list[State] = field(default_factory=list)
    complete: bool = False

    @property
    def dead(self) -> bool:
        return not self.complete


def simulate(
    problem: Problem,
    rng: random.Random | None = None,
    start: State | None = None,
    policy: Policy | None = None,
    wave_of: Callable[[State], Wave] | None = None,
    deadline: Deadline | float | None = None,
) -> Run:
    """Waves from ``start`` until the rollout completes or dies: by default ECS's own
    run, the scheduler's (:func:`scheduler_wave`: each service's strategy, ties to the
    first instance, turns in file order). ``rng``: every choice at random by ECS rules
    (``Policy(rng=rng)``); ``policy``: its choices; ``wave_of`` makes each wave instead.
    Past ``deadline`` (a :class:`~planner.running.clock.Deadline`, on a work clock too,
    or a ``time.perf_counter()`` value), :class:`~planner.errors.OutOfTime`: a run cut
    short is neither complete nor dead."""
    if policy is None and rng is not None:
        policy = Policy(rng=rng)
    state = start or initial_state(problem)
    run = Run(states=[state])
    for _ in range(max_waves(problem)):  # no run is longer (planner.model.horizon)
        if work.past(deadline):
            raise OutOfTime("a run by ECS rules was cut short by the deadline")
        if is_complete(problem, state):
            run.complete = True
            return run
        wave = wave_of(state) if wave_of else scheduler_wave(problem, state, policy=policy)
        if wave.empty:
            return run
        state = apply_wave(problem, state, wave)
        run.waves.append(wave)
        run.states.append(state)
    run.complete = is_complete(problem, state)
    return run
