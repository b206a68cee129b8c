"""Work budgets: the phases of a solve cut by counted work instead of the clock, so that
``--workers 1`` gives the same answer on any machine fast enough (CONTRACT: ``--workers``
and ``--seed`` make runs repeatable).

Under time shares (:mod:`planner.running.clock`), how many runs by ECS rules fit in a
phase, and how far CP-SAT gets, depend on the machine's speed: two solves of honest2 M
70 % fleet-wide s3 at 10 s on the same machine answered ``unknown``, then at-risk
(benchmarks/README.md, issue 24's fourth session). Under a work budget
(:func:`budget`), a :class:`~planner.running.clock.Deadline` runs on a :class:`WorkClock`
instead: it stands still while planner works, and each piece of work moves it on by what
that work costs, counted from the work itself (never measured), in seconds of the
reference machine (:data:`REFERENCE`):

- a wave of a run by ECS rules (:func:`wave_cost`: instances, services and tasks moved);
- a stretch of a CP-SAT model's building (:data:`BUILD_SECONDS` per instance and
  service);
- a CP-SAT search (:data:`CALL_RATES`): its deterministic time (CP-SAT counts its own
  work, and with one worker its search is the same every time it gets the same
  deterministic time), and what handing it the model costs, by the model's size;
- compiling a scenario (:func:`compile_cost`);
- the choices a search of the scheduler's weighs (:func:`choice_cost`), and a step of
  the exhaustive search of every run (:data:`STEP_SECONDS`).

So every share, every run cut short and every CP-SAT limit is the same on every machine.
The time limit stays a promise: the clock's wall-clock cut-off (:class:`WorkClock`,
the command's own deadline) ends every phase at once when it comes first, and the
answer then says so (:attr:`WorkClock.cut`): it may differ on a faster machine. The
budget is :data:`BUDGET_SHARE` of the limit, in reference seconds, so that the work
that is not counted (Python between the counted pieces) fits on the reference machine.

The costs were fitted on the reference machine (``python -m benchmarks.work``, in
benchmarks/README.md): a cost too low lets a phase run longer than its share on the
clock, one too high stops it sooner; neither changes what a phase may conclude, only
how much it looks at.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from planner.running.clock import Deadline

__all__ = [
    "WorkClock",
    "active",
    "budget",
    "charge",
    "keeping",
    "past",
    "stopwatch",
    "wave_cost",
]

#: The machine the costs were fitted on (``env``: 2 cores; benchmarks/README.md).
REFERENCE = "the development machine of issue 24 (x86_64, 2 cores, Python 3.11, OR-Tools 9.15)"
#: The budget's share of the time limit: the rest is for the work not counted.
BUDGET_SHARE = 0.8
#: What a wave of a run by ECS rules costs (:func:`wave_cost`), fitted on 88 runs of 11
#: scenarios from 50 to 2,800 instances in eight policies (ECS's own, at random, packed,
#: levelled, spoiling, spread; ``benchmarks/work.py``): predicted over measured 0.5–1.4,
#: median 1.0. Seconds a wave, per instance and service, per choice...
WAVE_SECONDS = 1.6e-4
WAVE_SECONDS_PER_CELL = 1.2e-7
CHOICE_SECONDS = 1.1e-5
#: ... per instance for each choice a service's strategy weighs (ECS's own runs), each
#: choice a policy weighs, and each turn that levels (it weighs every resource once,
#: then keeps the instances in a heap: each start after is a batch; measured after that
#: change on 12 levelled runs each of four M and L fleet-wide scenarios, wall over
#: counted 0.8–1.2) ...
WAVE_SECONDS_PER_STRATEGY = 1.5e-8
WAVE_SECONDS_PER_CHOICE = 3.2e-9
LEVEL_SECONDS_PER_INSTANCE = 6.7e-8
#: ... and per batch of starts a policy's turn made without weighing them again.
BATCH_SECONDS = 7.6e-6
#: Seconds per thing looked at one by one in a search of the scheduler's choices.
ITEM_SECONDS = 4e-7
#: Seconds per instance and service, each time a model's building looks at the clock
#: (every 64 instances of a wave: :meth:`~planner.solvers.wave_rules.WaveRules._check_time`).
BUILD_SECONDS = 4.4e-6
#: What a CP-SAT call costs, by its search (local search only; two searches interleaved
#: in one thread; any other, the volume programs' and count sets' many small ones): seconds
#: a call, per variable and constraint of the model (what CP-SAT does outside its
#: deterministic time: copying and presolving the model), and per unit of its
#: deterministic time. Fitted (least squares, so that the sums agree) on 372 calls while
#: solving six M scenarios and one L scenario with one worker (``benchmarks/README.md``,
#: issue 24's fifth session).
CALL_RATES = {
    "local-search": (7.7e-3, 1.5e-5, 0.80),
    "interleaved": (1.5e-2, 1.1e-5, 0.99),
    "other": (9.8e-3, 2.6e-5, 1.84),
}
#: Seconds compiling a scenario costs, and per instance and service (fitted at 50 to
#: 2,800 instances: 0.01 s at 50 × 10, 3.0–3.5 s at 2,800 × 320).
COMPILE_SECONDS = 8e-3
COMPILE_SECONDS_PER_CELL = 3.8e-6
#: Seconds per step of the exhaustive search of every run (a choice of stops or starts).
STEP_SECONDS = 5e-6

_active: contextvars.ContextVar[WorkClock | None] = contextvars.ContextVar(
    "planner_work_clock", default=None
)


class WorkClock:
    """A clock that moves only by the work charged to it (:func:`charge`); ``wall``: the
    deadline on the real clock that cuts every phase off. Once it passes, the clock jumps
    far ahead, so every deadline on it has passed, and :attr:`cut` says so."""

    __slots__ = ("budget", "cut", "spent", "wall")

    #: How far the clock jumps once the wall-clock deadline has passed.
    JUMP = 1e12

    def __init__(self, wall: Deadline) -> None:
        self.wall = wall
        self.spent = 0.0
        self.cut = False
        #: The seconds of work the budget holds.
        self.budget = BUDGET_SHARE * wall.left()

    def __call__(self) -> float:
        if not self.cut and self.wall.expired:
            self.cut = True
        return self.spent + (self.JUMP if self.cut else 0.0)

    def charge(self, seconds: float) -> None:
        self.spent += max(0.0, seconds)

    def wall_left(self) -> float:
        """Seconds left on the real clock."""
        return self.wall.left()


def active() -> WorkClock | None:
    """The work clock of the solve under way here (None: phases run on the real clock)."""
    return _active.get()


def charge(seconds: float) -> None:
    """Charge ``seconds`` of work to the active work clock (none: nothing happens)."""
    c = _active.get()
    if c is not None:
        c.charge(seconds)


@contextmanager
def budget(wall: Deadline) -> Iterator[Deadline]:
    """A deadline on a new :class:`WorkClock` (:data:`BUDGET_SHARE` of what ``wall`` has
    left), active until the block ends; ``wall`` cuts it off."""
    c = WorkClock(wall)
    token = _active.set(c)
    try:
        yield Deadline(c.budget, clock=c)
    finally:
        _active.reset(token)


@contextmanager
def keeping(seconds: float) -> Iterator[None]:
    """Within the block, the active budget's wall-clock cut-off comes ``seconds`` sooner:
    what follows the block (replaying the evidence, printing) takes real time that no
    work clock counts (no budget active: nothing changes)."""
    c = _active.get()
    if c is None:
        yield
        return
    wall = c.wall
    c.wall = wall.less(seconds)
    try:
        yield
    finally:
        c.wall = wall


def past(deadline: Deadline | float | None) -> bool:
    """Whether ``deadline`` has passed: a :class:`Deadline` (on whatever clock), or a
    ``time.perf_counter()`` value."""
    if deadline is None:
        return False
    if isinstance(deadline, Deadline):
        return deadline.expired
    return time.perf_counter() > deadline


def stopwatch() -> Stopwatch:
    """Seconds spent from now, on the active work clock if any, else the real clock."""
    return Stopwatch(_active.get())


class Stopwatch:
    """Seconds since it was made (:func:`stopwatch`)."""

    __slots__ = ("clock", "t0")

    def __init__(self, clock: WorkClock | None) -> None:
        self.clock = clock
        self.t0 = clock.spent if clock is not None else time.perf_counter()

    def seconds(self) -> float:
        if self.clock is not None:
            return self.clock.spent - self.t0
        return time.perf_counter() - self.t0


def call_rates(local_search: bool, interleaved: bool) -> tuple[float, float, float]:
    """:data:`CALL_RATES` of a CP-SAT call's search."""
    kind = "local-search" if local_search else "interleaved" if interleaved else "other"
    return CALL_RATES[kind]


def model_size(model: Any) -> int:
    """A CP-SAT model's variables and constraints."""
    return len(model.proto.variables) + len(model.proto.constraints)


def choice_cost(n_instances: int, choices: int, items: int) -> float:
    """What ``choices`` of a strategy's cost (each weighing every instance), with
    ``items`` more things looked at one by one (moves left, or a state's counts), in a
    search of the scheduler's choices (:mod:`planner.deciding.scheduler`)."""
    per_choice = CHOICE_SECONDS + WAVE_SECONDS_PER_STRATEGY * n_instances
    return choices * per_choice + ITEM_SECONDS * items


def compile_cost(n_instances: int, n_services: int) -> float:
    """What compiling a scenario of ``n_instances`` and ``n_services`` (all of them)
    costs."""
    return COMPILE_SECONDS + COMPILE_SECONDS_PER_CELL * n_instances * n_services


def words(clock: WorkClock) -> str:
    """The assumption line of a solve under a work budget."""
    spent = f"{clock.spent:.1f} of {clock.budget:.1f} s of work, counted in reference seconds"
    if clock.cut:
        return (
            f"phases cut by counted work (one worker: repeatable), but the time limit cut "
            f"the budget short ({spent}): on a faster machine, or with a longer limit, "
            "the answer may go further"
        )
    return (
        f"phases cut by counted work, not the clock (one worker: the same answer on any "
        f"machine as fast as the reference; {spent})"
    )


def wave_cost(
    n_instances: int, n_services: int, weighed: int, levelled: int, batches: int, strategy: bool
) -> float:
    """What a wave of a run by ECS rules costs: its arrays (instances × services),
    ``weighed`` choices that each weigh every instance (a stop or start by a strategy,
    ``strategy``, or by a policy), ``levelled`` of them weighing every resource too, and
    ``batches`` of starts a policy's turn made without weighing them again."""
    per_choice = WAVE_SECONDS_PER_STRATEGY if strategy else WAVE_SECONDS_PER_CHOICE
    return (
        WAVE_SECONDS
        + WAVE_SECONDS_PER_CELL * n_instances * n_services
        + CHOICE_SECONDS * weighed
        + per_choice * n_instances * weighed
        + LEVEL_SECONDS_PER_INSTANCE * n_instances * levelled
        + BATCH_SECONDS * batches
    )
