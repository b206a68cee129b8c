"""Which task counts a service can have after each wave of a run by ECS rules.

Under ECS rules a wave stops exactly as many old tasks as the lower bound allows, and
that number depends on the service's own counts only (:func:`planner.rollout.stops_allowed`).
Starts are maximal: a service starts all its room allows (:func:`planner.rollout.room_for`)
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

import time
from dataclasses import dataclass, field

from planner.problem import Problem, Service
from planner.rollout import room_for, stops_allowed
from planner.solvers.volume import can_block_everywhere

Pair = tuple[int, int]


@dataclass
class CountSets:
    """``pairs[w][s]``: the (old, new) counts service ``s`` can have after wave ``w``
    (``w = 0``: before the first wave). ``blockable[w]``: the services that may leave a
    start unplaced in wave ``w`` (``w ≥ 1``). From wave :attr:`settled` on, the sets no
    longer change (None: not reached within the waves computed)."""

    pairs: list[list[frozenset[Pair]]]
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
            if pairs != {(0, svc.desired)}
        ]

    def at(self, w: int) -> list[frozenset[Pair]] | None:
        """The sets after wave ``w`` (beyond the computed waves: the settled ones, or
        None if they did not settle)."""
        if w < len(self.pairs):
            return self.pairs[w]
        return self.pairs[-1] if self.settled is not None else None


def count_sets(problem: Problem, waves: int, time_limit: float = 5.0) -> CountSets:
    """The count sets of the first ``waves`` waves (fewer once they settle, or when
    ``time_limit`` seconds are spent)."""
    deadline = time.perf_counter() + time_limit
    S, n = problem.n_services, problem.n_instances
    start = [
        (
            sum(problem.initial[i][s] for i in range(n)),
            sum(problem.start_new[i][s] for i in range(n)),
        )
        for s in range(S)
    ]
    out = CountSets(
        pairs=[[frozenset({start[s]}) for s in range(S)]],
        services=problem.services,
        blockable=[frozenset()],
    )
    for w in range(1, waves + 1):
        if time.perf_counter() > deadline:
            break
        cur = out.pairs[-1]
        full: list[set[Pair]] = []  # every service starting all its room allows
        ranges: list[set[Pair]] = []  # any number of starts up to that
        for s, svc in enumerate(problem.services):
            f: set[Pair] = set()
            r: set[Pair] = set()
            for o, nw in cur[s]:
                o2 = o - stops_allowed(svc, o, nw)
                room = room_for(svc, o2, nw)
                f.add((o2, nw + room))
                r.update((o2, nw + b) for b in range(room + 1))
            full.append(f)
            ranges.append(r)
        most_old = [max(o for o, _ in full[s]) for s in range(S)]
        most_new = [max(nw for _, nw in full[s]) for s in range(S)]
        # past the deadline a service counts as blockable: a larger set, still sound
        blockable = frozenset(
            s
            for s in range(S)
            if ranges[s] != full[s]
            and (
                time.perf_counter() > deadline
                or can_block_everywhere(
                    problem,
                    s,
                    max(0.01, deadline - time.perf_counter()),
                    counts=(most_old, most_new),
                )
            )
        )
        nxt = [frozenset(ranges[s] if s in blockable else full[s]) for s in range(S)]
        out.pairs.append(nxt)
        out.blockable.append(blockable)
        if nxt == cur:
            out.settled = w - 1
            break
    return out
