"""Which task counts a service can have after each wave of a run by ECS rules.

Under ECS rules a wave stops exactly as many old tasks as the lower bound allows, and
that number depends on the service's own counts only (:func:`planner.model.rollout.stops_allowed`).
Starts are maximal: a service starts all its room allows (:func:`planner.model.rollout.room_for`)
unless, at the wave's end, it fits on no instance. If the volumes of
:func:`planner.solvers.volume.can_block_everywhere` rule that out for the wave, whatever
the placement, the service's counts after the wave are forced.

So, wave by wave, each service has a set of (old, new) counts that contains every run's:
one pair for a service that cannot be blocked, a range of starts for one that can. The
sets are an over-approximation (each service's is computed as if the others could take
any of their pairs at once), which is what makes them safe to add to a model of the
runs: no run by ECS rules is cut off.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from planner.model.problem import Problem, Service
from planner.running.clock import Deadline
from planner.solvers.volume import can_block_everywhere

Pair = tuple[int, int]
Interval = tuple[int, int]


class Pairs:
    """A set of (old, new) counts, kept as intervals: for each old count, the new counts
    as sorted, disjoint, non-adjacent closed intervals.

    A service of 584 tasks at 100/200 % has 171,405 pairs after two waves, but only 585
    old counts with one interval each: the sets of large services are built, compared and
    handed to CP-SAT by their intervals, never pair by pair.
    """

    __slots__ = ("rows", "_len")

    def __init__(self, rows: dict[int, list[Interval]]):
        out = []
        for o in sorted(rows):
            merged: list[list[int]] = []
            for lo, hi in sorted(rows[o]):
                if merged and lo <= merged[-1][1] + 1:
                    merged[-1][1] = max(merged[-1][1], hi)
                else:
                    merged.append([lo, hi])
            if merged:
                out.append((o, tuple((lo, hi) for lo, hi in merged)))
        self.rows: tuple[tuple[int, tuple[Interval, ...]], ...] = tuple(out)
        self._len = sum(hi - lo + 1 for _, ivs in self.rows for lo, hi in ivs)

    @classmethod
    def of(cls, pairs: Iterable[Pair]) -> Pairs:
        if isinstance(pairs, Pairs):
            return pairs
        rows: dict[int, list[Interval]] = {}
        for o, nw in pairs:
            rows.setdefault(o, []).append((nw, nw))
        return cls(rows)

    def entries(self) -> Iterator[tuple[int, int, int]]:
        """(old, lowest new, highest new) per interval."""
        for o, ivs in self.rows:
            for lo, hi in ivs:
                yield o, lo, hi

    def bounds(self) -> tuple[int, int, int, int]:
        """Least and most old, least and most new."""
        news = [x for _, ivs in self.rows for iv in ivs for x in iv]
        return self.rows[0][0], self.rows[-1][0], min(news), max(news)

    def __iter__(self) -> Iterator[Pair]:
        for o, lo, hi in self.entries():
            for nw in range(lo, hi + 1):
                yield o, nw

    def __contains__(self, pair: object) -> bool:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            return False
        o, nw = pair
        return any(lo <= nw <= hi for row, ivs in self.rows if row == o for lo, hi in ivs)

    def __len__(self) -> int:
        return self._len

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Pairs):
            return self.rows == other.rows
        if isinstance(other, (set, frozenset)):
            return self._len == len(other) and all(p in self for p in other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.rows)

    def __repr__(self) -> str:
        return f"Pairs({dict(self.rows)!r})"


def step(svc: Service, pairs: Pairs) -> tuple[Pairs, Pairs]:
    """One wave of ECS rules from every pair of ``pairs``: (the counts if the service
    starts all its room allows, the counts if it starts any number up to that).

    The rules of :func:`planner.model.rollout.stops_allowed` and
    :func:`~planner.model.rollout.room_for`,
    taken an interval at a time. Rolling, with lower bound L, upper U, desired D: while
    ``old + new ≤ L`` nothing stops; once ``new ≥ L`` every old task may stop; between,
    old tasks stop down to ``L − new``. Starts then fill up to ``min(U − old, D)`` new
    tasks (never fewer than there are). All at once: the old set stops once every new
    task runs. (tests/solvers/test_counts.py checks this against the rules pair by pair.)
    """
    L, U, D = svc.lower, svc.upper, svc.desired
    full: dict[int, list[Interval]] = {}
    ranges: dict[int, list[Interval]] = {}

    def fill(o2: int, a: int, b: int) -> None:  # new counts a..b, o2 old left after stops
        c = min(U - o2, D)
        full.setdefault(o2, []).append((max(a, c), max(b, c)))
        ranges.setdefault(o2, []).append((a, max(b, c)))

    middle: list[Interval] = []  # new counts whose old tasks stop down to L − new
    for o, a, b in pairs.entries():
        if svc.all_at_once:
            if a < D:
                fill(o, a, min(b, D - 1))
            if b >= D:  # every new task runs: the old set stops, nothing more starts
                fill(0, max(a, D), b)
            continue
        if a <= L - o:  # nothing stops
            fill(o, a, min(b, L - o))
        lo, hi = max(a, L - o + 1), min(b, L - 1)
        if lo <= hi:
            middle.append((lo, hi))
        lo = max(a, L, L - o + 1)  # every old task stops
        if lo <= b:
            fill(0, lo, b)
    for lo, hi in Pairs({0: middle}).rows[0][1] if middle else ():
        for nw in range(lo, hi + 1):
            fill(L - nw, nw, nw)
    return Pairs(full), Pairs(ranges)


@dataclass
class CountSets:
    """``pairs[w][s]``: the (old, new) counts service ``s`` can have after wave ``w``
    (``w = 0``: before the first wave). ``blockable[w]``: the services that may leave a
    start unplaced in wave ``w`` (``w ≥ 1``). From wave :attr:`settled` on, the sets no
    longer change (None: not reached within the waves computed)."""

    pairs: list[list[Pairs]]
    services: tuple[Service, ...] = ()
    blockable: list[frozenset[int]] = field(default_factory=list)
    settled: int | None = None

    def all_complete(self) -> bool:
        """Settled with every service at (0, desired): every run by ECS rules completes.

        A dead state stops and starts nothing, so its counts would stay in every later
        wave's sets.
        """
        return self.at_stake() == []

    def at_stake(self) -> list[int] | None:
        """The services a run by ECS rules could leave unfinished: those whose settled set
        is anything but {(0, desired)}. None if the sets did not settle (anything may).

        A dead state's counts stay in every later wave's sets, so a service outside this
        list is complete in every dead state, as in every run that ends.
        """
        if self.settled is None:
            return None
        return [
            s
            for s, (pairs, svc) in enumerate(zip(self.pairs[-1], self.services, strict=True))
            if not (len(pairs) == 1 and (0, svc.desired) in pairs)
        ]

    def at(self, w: int) -> list[Pairs] | None:
        """The sets after wave ``w`` (beyond the computed waves: the settled ones, or
        None if they did not settle)."""
        if w < len(self.pairs):
            return self.pairs[w]
        return self.pairs[-1] if self.settled is not None else None


def count_sets(problem: Problem, waves: int, time_limit: float | Deadline = 5.0) -> CountSets:
    """The count sets of the first ``waves`` waves (fewer once they settle, or when
    ``time_limit`` seconds are spent or it passes, a :class:`~planner.running.clock.Deadline`:
    a wave not finished in time is left out, and :meth:`CountSets.at` knows nothing past
    the last one)."""
    deadline = time_limit if isinstance(time_limit, Deadline) else Deadline(time_limit)
    S, n = problem.n_services, problem.n_instances
    start = [
        (
            sum(problem.initial[i][s] for i in range(n)),
            sum(problem.start_new[i][s] for i in range(n)),
        )
        for s in range(S)
    ]
    out = CountSets(
        pairs=[[Pairs.of([start[s]]) for s in range(S)]],
        services=problem.services,
        blockable=[frozenset()],
    )
    for w in range(1, waves + 1):
        cur = out.pairs[-1]
        full: list[Pairs] = []  # every service starting all its room allows
        ranges: list[Pairs] = []  # any number of starts up to that
        for s, svc in enumerate(problem.services):
            if deadline.expired:
                return out
            f, r = step(svc, cur[s])
            full.append(f)
            ranges.append(r)
        bounds = [f.bounds() for f in full]
        most_old = [b[1] for b in bounds]
        most_new = [b[3] for b in bounds]
        blockable = frozenset(
            s
            for s in range(S)
            if ranges[s] != full[s]
            and (
                deadline.expired  # a larger set, still sound
                or can_block_everywhere(problem, s, deadline, counts=(most_old, most_new))
            )
        )
        nxt = [ranges[s] if s in blockable else full[s] for s in range(S)]
        out.pairs.append(nxt)
        out.blockable.append(blockable)
        if nxt == cur:
            out.settled = w - 1
            break
    return out
