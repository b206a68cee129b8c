"""``planner zones``: each zone lost in turn, and the least fleet that survives any one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.cli.common import (
    Fmt,
    Format,
    Output,
    Placement,
    PlacementOpt,
    Seed,
    TimeLimit,
    Workers,
    as_json,
    emit,
    fail,
    rich_text,
)
from planner.errors import InternalError, PlannerError
from planner.running.clock import Deadline


def zones(
    scenario: Annotated[
        Path, typer.Argument(help="A scenario YAML file (README: Scenario files).")
    ],
    format: Fmt = Format.text,
    output: Output = None,
    time_limit: TimeLimit = 60.0,
    workers: Workers = 1,
    seed: Seed = 0,
    placement: PlacementOpt = Placement.any,
    fleet: Annotated[
        bool,
        typer.Option(
            "--fleet/--no-fleet",
            help="Search the least fleet that survives the loss of any one zone.",
        ),
    ] = True,
) -> None:
    """Each zone lost in turn: which services end short, by how many tasks and why; the
    least fleet that survives any one zone. Exit code: 0 no zone's loss leaves a service
    short; 1 one does; 2 bad input; 3 unknown (the time limit came before a proof)."""
    import planner
    from planner.outputs.zones_text import render_zones

    deadline = Deadline(time_limit)
    try:
        loaded = planner.load_scenario(scenario)
        result = planner.zone_losses(
            loaded,
            deadline=deadline,
            workers=workers,
            seed=seed,
            placement=placement.value,
            fleet=fleet,
        )
    except (PlannerError, InternalError) as exc:
        raise fail(exc) from None
    if format is Format.json:
        emit(as_json(result.to_json()), output)
    else:
        emit(rich_text(lambda c: render_zones(result, c), output), output)
    raise typer.Exit(code=result.exit_code)
