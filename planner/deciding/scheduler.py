"""ECS's scheduler as configured (ROLLOUT.md §8): runs that follow each service's strategy.

§4's ECS rules let ECS place a task on any instance where it fits; the scheduler narrows
that to what ECS plausibly does. A wave (:func:`planner.model.rollout.scheduler_wave`, in
the model, as ECS's own default run is made of them) stops exactly as many old tasks as
the lower bound allows, one at a time, each where the service's stop rule points
(:func:`planner.model.placement.stop_choices`); then starts until no service with room fits
anywhere, one task at a time, the services interleaved, each task placed by its
service's strategy (:func:`planner.model.placement.start_choices`). Where a rule leaves ties,
and in which order the services take turns, ECS does not say: runs draw both at random,
and the extreme orders (each service first, each service last) are tried too. Every wave
of such a run is a wave by ECS rules, so a run that hangs is a witness of ``at-risk`` (or
``hangs``) by itself.

Here: the runs (:func:`runs`) and their summary (:func:`summarise`); every state the
scheduler can reach (:func:`search_dead`); and :func:`follows`, whether a given path (a
solver's dead path, say) is one the scheduler could take.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from planner.errors import OutOfTime
from planner.model import placement
from planner.model.problem import Problem
from planner.model.rollout import (
    Cluster,
    Moves,
    Run,
    State,
    Wave,
    apply_wave,
    explain,
    grown,
    initial_state,
    scheduler_wave,
    simulate,
    start_room,
    stop_allowance,
)
from planner.running import work
from planner.running.clock import Deadline


def scheduler_run(
    problem: Problem,
    rng: random.Random | None = None,
    order: Sequence[int] | None = None,
    start: State | None = None,
    deadline: Deadline | float | None = None,
) -> Run:
    """The scheduler from ``start`` (default: the initial state) until it completes or
    hangs (:class:`~planner.errors.OutOfTime` past ``deadline``)."""
    return simulate(
        problem,
        start=start,
        wave_of=lambda st: scheduler_wave(problem, st, rng, order),
        deadline=deadline,
    )


@dataclass
class Summary:
    """What ECS as configured does: how many runs completed and how the first hang ends."""

    strategies: dict[str, list[dict[str, str | None]]]
    runs: int = 0
    completed: int = 0
    hung: int = 0
    first_hang: Run | None = None
    seconds: float = 0.0
    complete_run: Run | None = field(default=None, repr=False)
    #: The first run (ties first, turns in file order): ECS's own default run, the one
    #: :func:`~planner.model.rollout.simulate` makes by default (None until it is made).
    default_run: Run | None = field(default=None, repr=False)
    #: Where further runs come from (:func:`runs`); dropped once the summary is final.
    source: Iterator[Run | None] | None = field(default=None, repr=False)
    #: When the current call of :func:`summarise` must stop.
    deadline: Deadline | None = field(default=None, repr=False)
    #: When the first run must stop, if not at ``deadline`` (:func:`summarise`).
    first: Deadline | None = field(default=None, repr=False)

    def to_json(self, problem: Problem) -> dict:
        out: dict = {
            "strategies": self.strategies,
            "runs": self.runs,
            "completed": self.completed,
            "hung": self.hung,
            # of the runs made: a sample of ECS's choices, not a probability ECS promises
            "hangRate": round(self.hung / self.runs, 4) if self.runs else None,
        }
        if self.first_hang is not None:
            run = self.first_hang
            blocked = explain(problem, run.states[-1])
            out["firstHang"] = {
                "wave": len(run.waves) + 1,
                "services": [b.service for b in blocked],
                "reasons": sorted({b.reason for b in blocked}),
                "choices": run.waves,  # turned into JSON by the result
            }
        return out


def strategies_of(problem: Problem) -> dict[str, list[dict[str, str | None]]]:
    """Each deploying service's strategy rules as ECS prints them (default filled in)."""
    out = {}
    for svc in problem.services:
        rules = svc.placement_strategy
        rules = placement.DEFAULT_STRATEGY if rules is None else rules
        out[svc.name] = [{"type": t, "field": f} for t, f in rules]
    return out


def runs(
    problem: Problem, seed: int = 0, deadline: Callable[[], Deadline | None] = lambda: None
) -> Iterator[Run | None]:
    """Scheduler runs: ties first and turns in file order; each service first and last;
    then ties and turns drawn at random, without end (the caller stops). A run that
    ``deadline()`` cuts short yields None, and is made again on the next request."""

    def kinds() -> Iterator[tuple[random.Random | None, list[int] | None]]:
        yield None, None
        S = problem.n_services
        if S > 1:
            for s in range(S):
                others = [t for t in range(S) if t != s]
                yield None, [s, *others]
                yield None, [*others, s]
        rng = random.Random(seed)
        while True:
            yield rng, None

    for rng, order in kinds():
        state = rng.getstate() if rng is not None else None
        while True:
            try:
                yield scheduler_run(problem, rng, order, deadline=deadline())
                break
            except OutOfTime:
                if rng is not None and state is not None:
                    rng.setstate(state)  # the same draws next time
                yield None


def summarise(
    problem: Problem,
    *,
    seed: int = 0,
    most: int = 100,
    seconds: float = 5.0,
    summary: Summary | None = None,
    deadline: Deadline | None = None,
    first: Deadline | None = None,
) -> Summary:
    """Up to ``most`` scheduler runs (:func:`runs`) in all, until ``deadline`` (None:
    ``seconds`` from now; a run is cut short at that time); ``summary``: go on from
    where it stopped. ``first``: when the first run (ECS's default run) is cut short
    instead, where the caller needs it anyway (at 2,800 instances a run takes longer
    than the first runs' share, and one cut short is made again from the start)."""
    if deadline is None:
        deadline = Deadline(seconds)
    t0 = deadline.clock()
    if summary is None:
        summary = Summary(strategies_of(problem))
        summary.first = first

        def cut_off() -> Deadline | None:
            due = summary.first if summary.default_run is None and summary.first else None
            return due or summary.deadline

        summary.source = runs(problem, seed, cut_off)
    assert summary.source is not None, "a final summary takes no more runs"
    summary.deadline = deadline
    while summary.runs < most and not deadline.expired:
        run = next(summary.source)
        if run is None:
            break  # cut short by the time: made again if asked for more
        summary.runs += 1
        summary.default_run = summary.default_run or run
        if run.complete:
            summary.completed += 1
            summary.complete_run = summary.complete_run or run
        else:
            summary.hung += 1
            summary.first_hang = summary.first_hang or run
    summary.seconds += deadline.clock() - t0
    return summary


def follows(
    problem: Problem,
    waves: Sequence[Wave],
    budget: int = 20_000,
    deadline: Deadline | None = None,
) -> bool | None:
    """Whether the scheduler could take ``waves`` (ties and turns free): each stop and
    each start, in some order, among the choices of the service's strategy. None when
    the search would look at more than ``budget`` partial orders, or ``deadline``
    passes."""
    state = initial_state(problem)
    left = [budget]
    for wave in waves:
        ok = _wave_follows(problem, state, wave, left, deadline)
        if ok is not True:
            return ok
        state = apply_wave(problem, state, wave)
    return True


def _wave_follows(
    problem: Problem, state: State, wave: Wave, left: list[int], deadline: Deadline | None
) -> bool | None:
    """Depth first over the orders of the wave's moves, each move among the strategy's
    choices: every stop before every start. One cluster, changed move by move and changed
    back on the way up (a wave of thousands of moves is as deep: no recursion, no copy
    per level). Orders reaching the same moves left are looked at once (by their hash:
    the keys of thousands of moves would not fit in memory)."""

    def expand(moves: Moves) -> tuple[tuple[int, int], ...]:
        return tuple(sorted((s, i) for s, i, n in moves for _ in range(n)))

    c = Cluster(problem, state)

    def moves_from(stops: tuple, starts: tuple) -> list[tuple[bool, int, int]]:
        stopping = bool(stops)  # every stop comes before every start
        pending = stops if stopping else starts
        out = []
        services = sorted({s for s, _ in pending})
        # under a work budget: a strategy's choice per service, and the moves left
        work.charge(work.choice_cost(problem.n_instances, len(services), len(pending)))
        for s in services:
            options = set(c.stop_options(s) if stopping else c.start_options(s))
            out += [(stopping, s, i) for i in sorted({i for t, i in pending if t == s})
                    if i in options]  # fmt: skip
        return out

    def apply(move: tuple[bool, int, int], sign: int) -> None:
        stopping, s, i = move
        if stopping:
            c.old[i, s] -= sign
            c.here[s, i] -= sign
            c.loads.change(i, s, False, -sign)
        else:
            c.here[s, i] += sign
            c.loads.change(i, s, True, sign)

    stops, starts = expand(wave.stops), expand(wave.starts)
    if not stops and not starts:
        return True
    seen = {hash((stops, starts))}
    left[0] -= 1
    # frames: [stops, starts, moves to try, next move, the move applied for the child]
    stack: list[list] = [[stops, starts, moves_from(stops, starts), 0, None]]
    while stack:
        frame = stack[-1]
        if frame[4] is not None:
            apply(frame[4], -1)  # back from the child: undo its move
            frame[4] = None
        if frame[3] >= len(frame[2]):
            stack.pop()
            continue
        move = frame[2][frame[3]]
        frame[3] += 1
        stopping, s, i = move
        pending = frame[0] if stopping else frame[1]
        k = pending.index((s, i))
        rest = pending[:k] + pending[k + 1 :]
        child = (rest, frame[1]) if stopping else (frame[0], rest)
        if not child[0] and not child[1]:
            return True
        key = hash(child)
        if key in seen:
            continue
        seen.add(key)
        left[0] -= 1
        if left[0] < 0 or (deadline is not None and deadline.expired):
            return None
        apply(move, +1)
        frame[4] = move
        stack.append([child[0], child[1], moves_from(*child), 0, None])
    return False


# ---------------------------------------------------------------- every choice the scheduler has


class Exhausted(Exception):
    """The search met its budget (states looked at, or the deadline)."""


def successors(problem: Problem, state: State, budget: list[int], deadline: Deadline) -> set[State]:
    """Every state one scheduler wave can lead to from ``state`` (ROLLOUT.md §8), ties and
    the order of the services' turns free: stops one at a time, each where its service's
    stop rule allows, in any order across services; then starts one at a time, each
    service with room taking a turn in any order, each task where its strategy allows,
    until no service with room fits anywhere.

    Raises
    ------
    Exhausted
        When ``budget[0]`` partial waves have been looked at, or ``deadline`` passed.
    """
    S = problem.n_services
    out: set[State] = set()
    seen: set[tuple] = set()

    def key(c: Cluster, room: tuple[int, ...] | None, stops: tuple[int, ...]) -> tuple:
        return (c.old.tobytes(), c.here.tobytes(), room, stops)

    def tick() -> None:
        # under a work budget: the state's key, and a strategy's choice per service
        work.charge(work.choice_cost(problem.n_instances, S, problem.n_instances * S))
        budget[0] -= 1
        if budget[0] < 0 or (budget[0] % 256 == 0 and deadline.expired):
            raise Exhausted

    def starts(c: Cluster, room: tuple[int, ...]) -> None:
        k = key(c, room, ())
        if k in seen:
            return
        seen.add(k)
        tick()
        placed = False
        for s in range(S):
            if not room[s]:
                continue
            for i in c.start_options(s):
                placed = True
                nxt = c.copy()
                nxt.start(s, i)
                starts(nxt, room[:s] + (room[s] - 1,) + room[s + 1 :])
        if not placed:  # maximal: no service with room fits anywhere; then the scale-out
            after = State(c.olds(), c.news(), state.added)
            out.add(State(after.old, after.new, grown(problem, after)) if state.added else after)

    def stops(c: Cluster, left: tuple[int, ...]) -> None:
        k = key(c, None, left)
        if k in seen:
            return
        seen.add(k)
        tick()
        if not any(left):
            mid = State(c.olds(), state.new, state.added)
            starts(c, tuple(start_room(problem, mid, s) for s in range(S)))
            return
        for s in range(S):
            if left[s]:
                for i in c.stop_options(s):
                    nxt = c.copy()
                    nxt.stop(s, i)
                    stops(nxt, left[:s] + (left[s] - 1,) + left[s + 1 :])

    allowed = tuple(stop_allowance(problem, state, s) for s in range(S))
    most = sum(allowed) + sum(problem.services[s].desired for s in range(S))
    if most > MAX_WAVE_MOVES:
        raise Exhausted  # one recursion level per move; their orders are beyond counting
    stops(Cluster(problem, state), allowed)
    out.discard(state)
    return out


#: Most moves a wave may have for :func:`successors` to enumerate its orders (each move is
#: one level of its recursion; far fewer already make more orders than any budget).
MAX_WAVE_MOVES = 400


def search_dead(
    problem: Problem, deadline: Deadline, budget: int = 200_000
) -> tuple[str, list[State] | None, int]:
    """Can ECS's scheduler as configured (ties and turns free) reach a dead state?

    Returns ("found", the states of a run that ends dead, states seen), ("none", None,
    states seen) when every state it can reach was looked at and none is dead, or
    ("unknown", None, states seen) when the budget or the deadline came first.
    """
    from planner.model.rollout import is_dead

    start = initial_state(problem)
    parent: dict[State, State | None] = {start: None}
    todo = [start]
    left = [budget]
    try:
        while todo:
            st = todo.pop()
            if is_dead(problem, st):
                path = [st]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])  # type: ignore[arg-type]
                return "found", path[::-1], len(parent)
            for nxt in successors(problem, st, left, deadline):
                if nxt not in parent:
                    parent[nxt] = st
                    todo.append(nxt)
    except Exhausted:
        return "unknown", None, len(parent)
    return "none", None, len(parent)
