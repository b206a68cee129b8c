"""The adversary's choices in a run by ECS rules (:class:`Policy`): which instance a
task starts on and which old task stops, other than the strategy's, each one ECS may make
(ROLLOUT.md §4). :func:`planner.model.rollout.simulate` runs a problem by them;
:mod:`planner.deciding.ecs_runs` picks them to look for a run that dies."""

from __future__ import annotations

import random
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
    among ``fits``), so every policy's run is a run by ECS rules.
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

    def start_options(self, c: Any, s: int) -> list[int]:
        where = np.flatnonzero(c.loads.fits(s))
        if self.rng or not where.size:
            return where.tolist()
        if self.spoil is not None and s != self.spoil:
            return [self.spoiling(c.loads, s, where)]
        if self.level or s in self.levelled:  # the most room left, resource by resource
            left = c.loads.room(where)
            return [int(where[np.lexsort((where, *(-left).T[::-1]))[0]])]  # (ties: the first)
        if self.pack:  # the least room left, resource by resource (ties: the first)
            left = c.loads.room(where)
            return [int(where[np.lexsort((where, *left.T[::-1]))[0]])]
        return [int(where[np.argmin(c.here[s][where])])]  # the fewest tasks of s

    def spoiling(self, loads: Any, s: int, where: np.ndarray) -> int:
        """Of the instances ``where`` a new task of ``s`` fits, the one it takes most from
        ``spoil`` (see the class)."""
        t = self.spoil
        k = loads._needs[t]  # the rows a new task of t needs
        need = loads.new_coef[k, t]
        limit = loads.limit[where][:, k]
        load = loads.load[where][:, k]
        fits_now = np.all(load + need <= limit, axis=1)
        fits_after = np.all(load + loads.new_coef[k, s] + need <= limit, axis=1)
        taken = where[fits_now & ~fits_after]
        if taken.size:
            return int(taken[0])
        if fits_now.any():  # the least to spare for t, in its tightest row
            spare = (limit - load - need)[fits_now].min(axis=1)
            return int(where[fits_now][np.argmin(spare)])
        left = loads.room(where)
        return int(where[np.lexsort((where, *left.T[::-1]))[0]])
