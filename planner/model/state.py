"""A state of a rollout (:class:`State`): old and new task counts per instance and
service, as ROLLOUT.md §3 has them, and the same counts as arrays (:func:`counts`) for
the runs that place thousands of tasks (:mod:`planner.model.rollout`)."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from functools import cached_property

import numpy as np

Matrix = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class State:
    """Old and new task counts: ``old[i][s]``, ``new[i][s]``; and per capacity provider's
    group, how many of its launchable instances it has launched (``added``; empty: as at
    the start, ROLLOUT.md §10)."""

    old: Matrix
    new: Matrix
    added: tuple[int, ...] = ()

    def old_total(self, s: int) -> int:
        return self._totals[0][s]

    def new_total(self, s: int) -> int:
        return self._totals[1][s]

    @cached_property
    def _totals(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Per service, old and new tasks in all (a state is immutable: counted once)."""
        hit = _recent(self)
        if hit is not None:
            return tuple(hit[0].sum(axis=0).tolist()), tuple(hit[1].sum(axis=0).tolist())
        return tuple(map(sum, zip(*self.old, strict=True))), tuple(  # type: ignore[return-value]
            map(sum, zip(*self.new, strict=True))
        )


#: The last few states' counts as arrays, by the state's id (a weak reference tells a
#: state from a later one at the same address). Few, not one per state: at 2,800
#: instances × 320 services the arrays take 14 MB a state, and a run keeps its states.
#: Shared by the threads of a process (a Dask worker may run analyses in several): one
#: thread's states may push out another's, which are then made again.
_ARRAYS: dict[int, tuple[weakref.ref, np.ndarray, np.ndarray]] = {}
_KEPT = 8
_LOCK = threading.Lock()


def counts(state: State) -> tuple[np.ndarray, np.ndarray]:
    """``state``'s old and new counts as read-only int64 arrays (instances × services).

    Made once for the last few states: at 2,800 instances × 320 services turning the
    tuples into an array takes 20 ms, and a wave of a run looked at its state's counts a
    dozen times (benchmarks/README.md)."""
    hit = _recent(state)
    if hit is not None:
        return hit
    n = len(state.old)
    shape = (n, len(state.old[0]) if n else 0)  # (no instance: no service either, here)
    old, new = (np.array(m, dtype=np.int64).reshape(shape) for m in (state.old, state.new))
    remember(state, old, new)
    return old, new


def remember(state: State, old: np.ndarray, new: np.ndarray) -> None:
    """Keep ``old`` and ``new`` (equal to ``state``'s counts: the caller's promise) as its
    arrays, so that :func:`counts` need not make them."""
    old.flags.writeable = new.flags.writeable = False
    with _LOCK:
        while len(_ARRAYS) >= _KEPT:
            del _ARRAYS[next(iter(_ARRAYS))]
        _ARRAYS[id(state)] = (weakref.ref(state), old, new)


def _recent(state: State) -> tuple[np.ndarray, np.ndarray] | None:
    hit = _ARRAYS.get(id(state))
    if hit is None or hit[0]() is not state:
        return None
    return hit[1], hit[2]
