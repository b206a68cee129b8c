"""The adversary's choices in a run by ECS rules (:class:`Policy`): which instance a
task starts on and which old task stops, other than the strategy's, each one ECS may make
(ROLLOUT.md §4). :func:`planner.model.rollout.simulate` runs a problem by them;
:mod:`planner.deciding.ecs_runs` picks them to look for a run that dies."""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Policy:
    """Choices other than the strategy's, all of them allowed by ECS rules (§4): what an
    adversary of the scheduler may make ECS do.

    ``order``: services start in this priority, each placing all it can before the next
    (None: services take turns one task at a time, as ECS's scheduler interleaves them).
    Old tasks stop where the service runs the most tasks. New tasks start on the instance
    with the fewest tasks of the service (spread by instance, zones ignored); ``pack``: on
    the one left with the least room (binpack); ``level``: on the one with the most room
    (worst fit), which levels the room left across instances, so that a task of the
    service placed last may find too little on every one. ``levelled``: services placed
    so whatever ``pack`` says (spread thin: a service on a fixed host port then blocks as
    many instances as it has tasks). ``spoil``: a service the others' new tasks crowd
    out: each goes where a new task of ``spoil`` fits now and would not after it (one
    place fewer for ``spoil`` per task), else where ``spoil`` fits with the least to spare,
    else packed (:meth:`spoiling`). ``rng``: every choice at random instead, the turns too
    (any service may place next).

    Every choice is one of the instances where the task fits (``start_options`` picks
    among ``fits``; :meth:`start_batch` starts no more there than fit, as one at a time
    would), so every policy's run is a run by ECS rules.
    """

    order: tuple[int, ...] | None = None
    pack: bool = False
    level: bool = False
    levelled: tuple[int, ...] = ()
    rng: random.Random | None = None
    spoil: int | None = None

    def stop_options(self, c: Any, s: int) -> list[int]:
        holders = np.flatnonzero(c.old[:, s])
        if self.rng:
            return holders.tolist()
        return [int(holders[np.argmax(c.here[s][holders])])]  # the most (ties: the first)

    def stops(self, c: Any, s: int, k: int) -> Iterator[int]:
        """Where ``k`` old tasks of ``s`` stop, one after another, as :meth:`stop_options`
        picks each (the instance with the most tasks of ``s``, ties the first), the
        caller stopping each before the next: the holders kept in a heap, as a stop
        changes only its own instance's count (no random choice: ``rng`` is None)."""
        holders = np.flatnonzero(c.old[:, s])
        heap = list(zip((-c.here[s][holders]).tolist(), holders.tolist(), strict=True))
        heapq.heapify(heap)
        for _ in range(k):
            i = heapq.heappop(heap)[1]
            yield i
            if c.old[i, s]:
                heapq.heappush(heap, (-int(c.here[s][i]), i))

    def start_options(self, c: Any, s: int) -> list[int]:
        if self.rng:
            return np.flatnonzero(c.loads.fits(s)).tolist()
        batch = self.start_batch(c, s)
        return [] if batch is None else [batch[0]]

    def start_batch(self, c: Any, s: int) -> tuple[int, int] | None:
        """Where the next new task of ``s`` starts (None: it fits nowhere), and how many
        new tasks of ``s`` in a row this policy starts there, when nothing else starts in
        between. Started one at a time, they would go to the same instance: a packed
        choice is the instance with the least room, and starting a task there only makes
        it less, while no other instance changes; a spoiling one that falls back to
        packing stays there, as the target fits on fewer instances after each start. At
        2,800 instances this made a run several times faster (benchmarks/README.md)."""
        where = np.flatnonzero(c.loads.fits(s))
        if not where.size:
            return None
        if self.spoil is not None and s != self.spoil:
            i, packed = self.spoiling(c.loads, s, where)
            return i, c.loads.how_many(i, s) if packed else 1
        if self.level or s in self.levelled:  # the most room left, resource by resource
            left = c.loads.room(where)
            return int(where[np.lexsort((where, *(-left).T[::-1]))[0]]), 1  # (ties: the first)
        if self.pack:  # the least room left, resource by resource (ties: the first)
            i = _packed(c.loads, where)
            return i, c.loads.how_many(i, s)
        return int(where[np.argmin(c.here[s][where])]), 1  # the fewest tasks of s

    def turn(self, c: Any, s: int, room: int) -> Iterator[tuple[int, int]]:
        """A turn of ``s`` in an ordered run: where its new tasks start, as (instance,
        how many), until ``room`` is spent or no more fit; the caller starts each batch on
        ``c`` before asking for the next. The choices :meth:`start_batch` makes one batch
        at a time; spoiling ones made with per-instance arrays that only the instance
        started on changes (at 2,800 instances, 2,800-row arrays made for every task took
        most of a run's time)."""
        if self.pack and self.spoil is None and s not in self.levelled and not self.level:
            yield from _packed_turn(c.loads, s, np.flatnonzero(c.loads.fits(s)), room)
            return
        if self.levels(s) and self.rng is None:
            yield from _levelled_turn(c.loads, s, np.flatnonzero(c.loads.fits(s)), room)
            return
        if self.spoil is None or s == self.spoil:
            while room > 0 and (chosen := self.start_batch(c, s)) is not None:
                yield chosen[0], min(chosen[1], room)
                room -= min(chosen[1], room)
            return
        yield from _spoiling_turn(c.loads, s, self.spoil, room)

    def levels(self, s: int) -> bool:
        """Whether ``s``'s starts go where most room is left (:meth:`start_batch`: the
        costliest choice, weighing every resource of every instance; a turn weighs them
        once, :func:`_levelled_turn`)."""
        return (self.spoil is None or s == self.spoil) and (self.level or s in self.levelled)

    def weighs_each_batch(self, s: int) -> bool:
        """Whether each batch of :meth:`turn` weighs every instance anew (spread
        choices); packed, levelled and spoiling turns weigh them once a turn."""
        packed = self.pack and self.spoil is None and not self.levels(s)
        return not packed and not self.levels(s) and (self.spoil is None or s == self.spoil)

    def spoiling(self, loads: Any, s: int, where: np.ndarray) -> tuple[int, bool]:
        """Of the instances ``where`` a new task of ``s`` fits, the one it takes most from
        ``spoil`` (see the class); and whether it was chosen by packing (``spoil`` fits
        on none of them)."""
        t = self.spoil
        k = loads._needs[t]  # the rows a new task of t needs
        # what a new task of t would leave on those rows (only those: at 2,800 instances
        # copying whole rows of the instances took half of a run's time)
        cells = np.ix_(where, k)
        spare = loads.limit[cells] - loads.load[cells] - loads.new_coef[k, t]
        fits_now = np.all(spare >= 0, axis=1)
        if not fits_now.any():
            return _packed(loads, where), True
        fits_after = np.all(spare >= loads.new_coef[k, s], axis=1)
        taken = where[fits_now & ~fits_after]
        if taken.size:
            return int(taken[0]), False
        # the least to spare for t, in its tightest row
        return int(where[fits_now][np.argmin(spare[fits_now].min(axis=1))]), False


def _least_room_first(loads: Any, where: np.ndarray) -> np.ndarray:
    """The instances ``where``, the least room left first, resource by resource (ties:
    the first instance first)."""
    left = loads.room(where)
    return where[np.lexsort((where, *left.T[::-1]))]


def _packed(loads: Any, where: np.ndarray) -> int:
    """Of the instances ``where``, the one with the least room left."""
    return int(_least_room_first(loads, where)[0])


def _spoiling_turn(loads: Any, s: int, t: int, room: int) -> Iterator[tuple[int, int]]:
    """:meth:`Policy.spoiling`'s choices for a turn of ``s`` spoiling ``t``, with arrays
    over every instance kept up to date: whether a new task of ``s`` fits, and what a new
    task of ``t`` would leave on each of its rows. A start changes only its instance's
    row, so only that row is made again; the same choices, ties to the first instance."""
    k = loads._needs[t]
    need_t, coef_s = loads.new_coef[k, t], loads.new_coef[k, s]
    fits_s = loads.fits(s)
    spare = loads.limit[:, k] - loads.load[:, k] - need_t
    fits_t = np.all(spare >= 0, axis=1)  # a new task of t fits
    after = np.all(spare >= coef_s, axis=1)  # ... and still would after one of s
    while room > 0 and fits_s.any():
        now = fits_s & fits_t
        if not now.any():  # t fits on none of them, and never will again in this turn
            yield from _packed_turn(loads, s, np.flatnonzero(fits_s), room)
            return
        if (taken := now & ~after).any():
            i = int(np.argmax(taken))
        else:  # the least to spare for t, in its tightest row
            i = int(np.argmin(np.where(now, spare.min(axis=1), np.iinfo(np.int64).max)))
        yield i, 1
        room -= 1
        fits_s[i] = loads.fits_at(i, s)
        spare[i] = loads.limit[i, k] - loads.load[i, k] - need_t
        fits_t[i], after[i] = np.all(spare[i] >= 0), np.all(spare[i] >= coef_s)


def _levelled_turn(loads: Any, s: int, where: np.ndarray, room: int) -> Iterator[tuple[int, int]]:
    """Levelled starts of ``s`` (each on the instance with the most room left, resource
    by resource, ties to the first) on the instances ``where`` (where it fits), one task
    at a time: the instances kept in a heap by their room, as a start changes only its
    own instance, which then goes back with its new room while the task still fits
    there (at 50 instances, weighing every instance for every task took two thirds of a
    levelled run's time)."""
    rooms = (-loads.room(where)).tolist()
    heap = [(*left, i) for i, left in zip(where.tolist(), rooms, strict=True)]
    heapq.heapify(heap)
    k = loads.resource
    while room > 0 and heap:
        i = heapq.heappop(heap)[-1]
        yield i, 1
        room -= 1
        if loads.fits_at(i, s):
            heapq.heappush(heap, (*(loads.load[i, k] - loads.limit[i, k]).tolist(), i))


def _packed_turn(loads: Any, s: int, where: np.ndarray, room: int) -> Iterator[tuple[int, int]]:
    """Packed starts of ``s`` on the instances ``where`` (where it fits), as many as fit
    on the one with the least room left, then on the next: sorted once, as a start only
    changes its own instance, which then holds no more."""
    for i in _least_room_first(loads, where).tolist():
        if room <= 0:
            return
        n = min(loads.how_many(i, s), room)
        yield i, n
        room -= n
