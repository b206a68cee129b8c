"""The one place the planner hands a model to CP-SAT (:func:`solve`), so that every
call, the rollout models' (:mod:`planner.solvers.cpsat`) and the volume programs'
(:mod:`planner.solvers.volume`) alike, gets its time limit from the command's deadline
(:class:`~planner.running.clock.Deadline`)."""

from __future__ import annotations

from typing import Any

from ortools.sat.python import cp_model

from planner.running import work
from planner.running.clock import Deadline

#: Below this many seconds CP-SAT is not started at all: it would answer "unknown" anyway.
LEAST_SECONDS = 1e-3


def solve(
    solver: cp_model.CpSolver, model: cp_model.CpModel, seconds: float, deadline: Deadline | None
) -> Any:
    """CP-SAT's status for ``model``, searched for ``seconds`` at most, and never past
    ``deadline``: with less than :data:`LEAST_SECONDS` left, ``UNKNOWN`` without a search
    (without a deadline, the search gets at least that).

    Under a work budget (:mod:`planner.running.work`) ``seconds`` are work: CP-SAT gets
    as much of its deterministic time, which is charged afterwards, and only the
    budget's wall-clock cut-off as its time limit; so, with one worker, the same search
    every time."""
    if deadline is not None:
        seconds = min(seconds, deadline.left())
        if seconds < LEAST_SECONDS:
            return cp_model.UNKNOWN
    clock = work.active()
    if clock is None:
        solver.parameters.max_time_in_seconds = max(seconds, LEAST_SECONDS)
        return solver.solve(model)
    params = solver.parameters
    fixed, per_size, per_unit = work.call_rates(params.use_ls_only, params.interleave_search)
    handing = fixed + per_size * work.model_size(model)
    params.max_deterministic_time = max(seconds - handing, LEAST_SECONDS) / per_unit
    params.max_time_in_seconds = max(clock.wall_left(), LEAST_SECONDS)
    status = solver.solve(model)
    clock.charge(handing + per_unit * solver.deterministic_time)
    return status
