"""One clock for a command: the :class:`Deadline` handed down from ``--time-limit``, and
every share of it, named, with why (:data:`SHARES`).

A command makes one deadline when it starts; every phase below it (import, model
building, each CP-SAT call, scheduler runs, fixes, the minimum's scan, rendering) asks
it how much is left, or takes a sub-deadline (:meth:`Deadline.share`) that ends no later
than its parent. A sub-deadline never outlives the one it came from, so no phase can
spend time its caller did not have. The clock is a function (default
``time.monotonic``), so tests run the whole thing on a scripted clock.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from planner.errors import OutOfTime

__all__ = ["SHARES", "Deadline", "Share", "shares_table"]


@dataclass(frozen=True)
class Share:
    """A part of a deadline given to one phase: ``fraction`` of the time left when asked
    (``of="left"``) or of the deadline's own length (``of="limit"``), kept between
    ``least`` and ``most`` seconds, and never past the deadline itself."""

    name: str
    fraction: float
    why: str
    of: Literal["left", "limit"] = "left"
    least: float = 0.0
    most: float = math.inf

    def seconds(self, deadline: Deadline) -> float:
        base = deadline.left() if self.of == "left" else deadline.limit
        return min(self.most, max(self.least, self.fraction * base))


# ------------------------------------------------------------------ the shares, in one place
# (solve: planner.deciding.solve)
RESERVE = Share(
    "reserve",
    0.05,
    most=1.0,
    of="limit",
    why="what follows the analysis (the result, printing or drawing it) needs a moment "
    "that the analysis must not spend",
)
DRAWING = Share(
    "drawing",
    1 / 5,
    most=5.0,
    of="limit",
    why="an HTML page draws up to five matplotlib charts, a second or two on a loaded "
    "machine: with --format html the analysis leaves a fifth (at most 5 s) for them",
)
FIXES = Share(
    "fixes",
    1.0,
    most=20.0,
    why="fixes only colour a report whose verdict is already known, so they get at most "
    "20 s of what is left",
)
BATCHES = Share(
    "batches",
    0.15,
    of="limit",
    most=10.0,
    why="where several services deploy, an unknown verdict still names a checked first "
    "step (deploying in two steps); its solves need time the analysis would otherwise "
    "spend: 15 %, at most 10 s, kept back from the analysis only there (and only where "
    "that is four times what compiling the scenario took: room for a few steps)",
)
FIX_CHECK = Share(
    "fix-check",
    1.0,
    most=10.0,
    why="each candidate fix is one full analysis; 10 s each leaves room for the next ones",
)
# (analyse: planner.deciding.verdict, its phases, ecs_runs and short_runs; solvers.volume)
FIRST_RUNS = Share(
    "first-runs",
    1 / 20,
    most=1.0,
    of="limit",
    why="ECS's scheduler's default and extreme orders are the most plausible witnesses and "
    "cheap; a twentieth (at most 1 s) finds them without delaying the proofs (the default "
    "run alone may go on past it: every analysis needs it, and at 2,800 instances it takes "
    "seconds)",
)
REPLAY = Share(
    "replay",
    1 / 4,
    of="limit",
    why="replaying the evidence takes about 3 µs per instance and service (4 µs kept) and must fit "
    "after the verdict; never more than a quarter, so large clusters still get the rest",
)
SCHEDULER_SEARCH = Share(
    "scheduler-search",
    1 / 2,
    why="with --placement ecs the verdict under any placement is half the work; the "
    "search of the scheduler's own states gets the other half",
)
REPORT_RUNS = Share(
    "report-runs",
    1 / 10,
    most=5.0,
    of="limit",
    why="more scheduler runs only fill the report's summary (a safe rollout needs none), "
    "so they get a tenth, at most 5 s",
)
FOLLOWS = Share(
    "follows",
    1 / 10,
    least=1.0,
    of="limit",
    why="whether the scheduler could take the dead path colours the report, not the "
    "verdict: a tenth (at least 1 s)",
)
VOLUME = Share(
    "volume",
    1 / 4,
    why="the volume proofs are many tiny integer programs that settle in milliseconds; a "
    "quarter keeps a pathological one from starving the runs and CP-SAT",
)
VOLUME_CALL = Share(
    "volume-call",
    1.0,
    most=5.0,
    why="one volume program that takes seconds will not settle; 5 s each at most, so the "
    "next service or wave gets its turn",
)
COUNT_SETS = Share(
    "count-sets",
    1 / 8,
    why="the count sets narrow CP-SAT's models but are not a verdict alone; an eighth",
)
FIRST_WAVE = Share(
    "first-wave",
    1 / 8,
    why="the proof from what wave 1 leaves behind lists every pattern of a few services "
    "on each kind of instance and settles in under a second where it applies; an eighth",
)
OTHER_RUNS = Share(
    "other-runs",
    1 / 2,
    of="limit",
    why="the adversary's and random runs by ECS rules find most witnesses long before "
    "CP-SAT would: at 50 instances they decide 34 of 72 crowded rollouts, CP-SAT's short "
    "runs and plans 4; up to half (benchmarks/README.md, issue 24's eighth session)",
)
RANDOM_RUNS = Share(
    "random-runs",
    3 / 8,
    of="limit",
    why="random runs go on alone after the adversary's up to three eighths of the limit "
    "(fleet-wide dead ends took tens to hundreds of runs at 50 and 350 instances; with "
    "an eighth, one at 50 instances was left unknown: benchmarks/README.md)",
)
DEAD_STATE = Share(
    "dead-state",
    1 / 8,
    why="at scale a dead state mostly exists and the runs are what is open, so asking "
    "whether any exists gets an eighth, building the model included (not built in time: "
    "skipped)",
)
SHORT_RUNS = Share(
    "short-runs",
    3 / 4,
    why="runs that die do so within a few waves on the benchmarks, found far sooner in "
    "short models; where a short horizon stays unsettled the full horizon rarely settles "
    "(it unrolls more waves of the same model): three quarters, the full horizon the rest "
    "(all of it once every short horizon is settled)",
)
SHORT_HORIZON = Share(
    "short-horizon",
    1 / 12,
    why="the complete search at each short horizon proves 'none dead yet' in moments or "
    "not at all: a twelfth of what is left each",
)
FIRST_TURN = Share(
    "first-turn",
    1 / 4,
    least=0.25,
    why="local search's first turn at the unsettled short horizons (each next one twice "
    "as long): a quarter, since restarting costs it its way",
)
LOCAL_SEARCH = Share(
    "local-search",
    0.2,
    why="with one worker, local search at the full horizon finds dying runs the complete "
    "search misses; a fifth before the complete search takes the rest",
)
# (minimum: planner.deciding.minimum)
MINIMUM_QUICK = Share(
    "minimum-quick",
    0.02,
    least=0.5,
    of="limit",
    why="each count of the first pass needs only the proofs without search, so an easy "
    "safe count above hard ones is still found: a fiftieth (at least 0.5 s) each",
)
MINIMUM_SCAN = Share(
    "minimum-scan",
    1 / 2,
    of="limit",
    why="the quick passes over the counts get at most half, the careful checks of the "
    "chosen counts the rest",
)
MINIMUM_COUNT = Share(
    "minimum-count",
    1 / 4,
    of="limit",
    why="one count's careful check gets a quarter at most, so the neighbours around the "
    "minimum get theirs",
)
LEAST_MAX_SIZE = Share(
    "least-max-size",
    1 / 2,
    why="with --least-max-size the scan of the capacity providers' maxSize gets half of "
    "what is left (with counts omitted, their scan half before it, its verdict reused); "
    "the verdict at the file's own maxSize the rest",
)
# (a cluster that reacts: planner.deciding.reacting)
REACTING_SEARCH = Share(
    "reacting-search",
    1 / 4,
    why="on a cluster that reacts, the exhaustive searches (every run by ECS rules, every "
    "plan) run only where the first wave's choices can be listed, and settle such "
    "rollouts in moments or not at all: a quarter of what is left each, before CP-SAT",
)
REACTING_FLEET = Share(
    "reacting-fleet",
    1 / 2,
    why="where a run dies and none completes, the fleet with every instance a group may "
    "launch proves hangs at once when the new tasks fit nowhere even there; half, "
    "CP-SAT's search for a plan with the growth the rest",
)
REACTING_CP_SAT = Share(
    "reacting-cp-sat",
    3 / 4,
    why="CP-SAT's model with the groups' growth gets three quarters of what is left: a "
    "run it finds that dies may need the rollback solved from its dead state (ROLLBACK), "
    "and the report its runs",
)
ROLLBACK = Share(
    "rollback",
    1 / 3,
    why="when the circuit breaker rolls back, the rollback is solved as a rollout of its "
    "own, from the dead state: a third of what is left, so the outcome stays within the "
    "limit",
)
# (losing a zone: planner.deciding.zones)
ZONE_LOSSES = Share(
    "zone-losses",
    1 / 2,
    of="limit",
    why="each zone's loss on the fleet as it is is the answer a gate acts on: together "
    "they get half, split evenly between the zones, and the search for the least fleet "
    "that survives any one zone the rest",
)
ZONE_FLEET = Share(
    "zone-fleet",
    1 / 20,
    least=0.5,
    of="limit",
    why="each candidate fleet loses every zone in turn; a twentieth (at least 0.5 s) each, "
    "so one hard fleet does not stop the search before an easy larger one",
)
# (sweeps: planner.deciding.percents, tables)
PERCENTS_SCAN = Share(
    "percents-scan",
    1 / 2,
    of="limit",
    why="the minimum count before a percent sweep is half of the sweep's total at most, "
    "the settings the rest",
)
#: Without a total limit, the minimum count before a percent sweep gets this many times
#: one setting's limit: the scan is a first pass over the counts and then careful checks
#: of a few, each up to :data:`MINIMUM_COUNT` (a quarter) of the scan, so that each
#: careful check gets about one and a half settings' time. (Not a :class:`Share`: it
#: multiplies a limit rather than dividing a deadline.)
PERCENTS_SCAN_SETTINGS = 6

#: Every share by name (README's table, ``shares_table``).
SHARES: dict[str, Share] = {
    s.name: s
    for s in (
        RESERVE,
        DRAWING,
        FIXES,
        BATCHES,
        FIX_CHECK,
        FIRST_RUNS,
        REPLAY,
        SCHEDULER_SEARCH,
        REPORT_RUNS,
        FOLLOWS,
        VOLUME,
        VOLUME_CALL,
        COUNT_SETS,
        FIRST_WAVE,
        OTHER_RUNS,
        RANDOM_RUNS,
        DEAD_STATE,
        SHORT_RUNS,
        SHORT_HORIZON,
        FIRST_TURN,
        LOCAL_SEARCH,
        MINIMUM_QUICK,
        MINIMUM_SCAN,
        MINIMUM_COUNT,
        LEAST_MAX_SIZE,
        PERCENTS_SCAN,
        REACTING_SEARCH,
        REACTING_FLEET,
        REACTING_CP_SAT,
        ROLLBACK,
        ZONE_LOSSES,
        ZONE_FLEET,
    )
}


def shares_table() -> str:
    """The shares as a Markdown table (name, fraction, of, bounds, why)."""
    lines = ["| share | fraction | of | bounds | why |", "|---|---|---|---|---|"]
    for s in SHARES.values():
        bounds = ", ".join(
            b
            for b in (
                f"≥ {s.least:g} s" if s.least else "",
                f"≤ {s.most:g} s" if s.most != math.inf else "",
            )
            if b
        )
        lines.append(f"| {s.name} | {s.fraction:.3g} | {s.of} | {bounds} | {s.why} |")
    return "\n".join(lines)


class Deadline:
    """When a phase must be done, on ``clock`` (a function of seconds; default
    ``time.monotonic``). ``limit``: the seconds it was made with."""

    __slots__ = ("clock", "end", "limit")

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.limit = max(0.0, seconds)
        self.end = clock() + self.limit

    @classmethod
    def _ending(cls, clock: Callable[[], float], end: float, limit: float) -> Deadline:
        d = cls.__new__(cls)
        d.clock, d.end, d.limit = clock, end, max(0.0, limit)
        return d

    def __repr__(self) -> str:
        return f"Deadline({self.left():.3f} s left of {self.limit:g})"

    def left(self) -> float:
        """Seconds left (0 once passed)."""
        return max(0.0, self.end - self.clock())

    @property
    def expired(self) -> bool:
        return self.clock() >= self.end

    def check(self, what: str) -> None:
        """Raise :class:`~planner.errors.OutOfTime` once passed (``what`` was under way)."""
        if self.expired:
            raise OutOfTime(f"the time limit came while {what}")

    def within(self, seconds: float) -> Deadline:
        """A sub-deadline ``seconds`` from now, or this one's end if that comes first."""
        now = self.clock()
        end = min(self.end, now + max(0.0, seconds))
        return Deadline._ending(self.clock, end, end - now)

    def part(self, fraction: float) -> Deadline:
        """A sub-deadline of ``fraction`` of what is left."""
        return self.within(fraction * self.left())

    def share(self, share: Share) -> Deadline:
        """The sub-deadline of a named :class:`Share`."""
        return self.within(share.seconds(self))

    def less(self, seconds: float) -> Deadline:
        """This deadline brought ``seconds`` earlier (time kept for what follows)."""
        return Deadline._ending(self.clock, self.end - seconds, self.limit - seconds)
