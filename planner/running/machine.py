"""What this machine offers the solvers: its cores."""

from __future__ import annotations

import os

#: The most CP-SAT workers a solve gets by default: two run the verdict's two complete
#: searches side by side (:data:`planner.solvers.cpsat.INTERLEAVED`), the configuration
#: the scale benchmarks measure; more run CP-SAT's own portfolio, which is not measured
#: on them (``--workers N`` asks for it).
MOST_DEFAULT_WORKERS = 2


def cores() -> int:
    """The cores this process may run on (its CPU affinity where the system says, else
    every core)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows: no affinity call
        return max(1, os.cpu_count() or 1)


def default_workers() -> int:
    """CP-SAT workers for a solve when none are asked for: one per core, at most
    :data:`MOST_DEFAULT_WORKERS` (``--workers 1`` is the repeatable choice)."""
    return min(cores(), MOST_DEFAULT_WORKERS)
