"""The adversary's and randomised runs by ECS rules in a thread of their own, beside
CP-SAT's search for a run that dies (:class:`RunsBeside`), when there are two workers or
more.

The runs are Python, one core's work; CP-SAT leaves Python while it searches. One after
the other, at 10 s, the runs took 3 s of a crowded M rollout's time before CP-SAT's
search began, on rollouts where they found nothing: two workers then had no more time
for the search than one, and their local searches shared the cores three ways. Side by
side, the runs keep their share of the clock (:data:`~planner.running.clock.OTHER_RUNS`),
and CP-SAT runs with one worker fewer while they go on (:meth:`RunsBeside.cores`): going
on for as long as CP-SAT searched, they left its local search one core throughout, and
found fewer of scale M 50 % fleet-wide s1's dying run (one of seeds 0–2, against
three). Whichever finds a run that dies first stops the other: the runs stop between two
runs, CP-SAT's searches at once (:meth:`~planner.solvers.wave_rules.WaveRules.stop` on
every model :meth:`watch`\\ ed).

Sound as the two in turn are: each run is a run by ECS rules whichever thread made it,
and a run that dies is replayed with the rest of the evidence. Not used under a work
budget (``--repeatable``), nor where ``tries`` fixes the runs: which thread finds its run
first depends on the machine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from planner.model.rollout import Run

if TYPE_CHECKING:
    from planner.solvers.cpsat import RolloutModel


class RunsBeside:
    """The ``runs`` (:func:`~planner.deciding.ecs_runs.other_runs`, which end with their
    share of the clock) in a thread, until one dies, they end, or :meth:`close`."""

    def __init__(self, runs: Iterator[Run]) -> None:
        self.dead: Run | None = None
        self.runs = 0
        self._stop = threading.Event()
        self._models: list[RolloutModel] = []
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._go, args=(runs,), daemon=True)
        self._thread.start()

    def _go(self, runs: Iterator[Run]) -> None:
        try:
            for run in runs:
                if self._stop.is_set():
                    return
                self.runs += 1
                if run.dead:
                    with self._lock:
                        self.dead = run
                        models = list(self._models)
                    for m in models:
                        m.stop()
                    return
        except BaseException as e:  # raised again in the caller's thread, by close()
            self._error = e

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def cores(self, workers: int) -> int:
        """CP-SAT's workers of ``workers`` while the runs go on: one fewer, at least one."""
        return max(1, workers - 1) if self.running else workers

    def watch(self, model: RolloutModel) -> None:
        """Stop ``model``'s search once a run dies (at once if one has)."""
        with self._lock:
            self._models.append(model)
            dead = self.dead is not None
        if dead:
            model.stop()

    def close(self) -> Run | None:
        """Stop the runs, wait for the one under way, and give the run that died if one
        did (an error in the thread is raised here)."""
        self._stop.set()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.dead


def cores(beside: RunsBeside | None, workers: int) -> int:
    """CP-SAT's workers of ``workers``: one fewer while runs go on ``beside`` it."""
    return workers if beside is None else beside.cores(workers)


def died(beside: RunsBeside | None) -> bool:
    """A run by ECS rules ``beside`` CP-SAT has died."""
    return beside is not None and beside.dead is not None
