"""The sweeps: ``planner percents``, ``planner table`` and ``planner batch``, each cell or
scenario solved side by side, on this machine or a Dask cluster."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from planner.cli import gate
from planner.cli.change import BatchChanges, ChangeFormatOpt, ParameterOpt, batch_changes
from planner.cli.common import (
    BatchFormat,
    Jobs,
    Output,
    Placement,
    PlacementOpt,
    Repeatable,
    SchedulerOpt,
    Seed,
    SolveFormat,
    TableFormat,
    Workers,
    as_json,
    dask_client,
    emit,
    fail,
    failed_cells,
    rich_text,
    sweep_seconds,
    whole_deadline,
    whole_time_limit,
)
from planner.errors import InternalError, PlannerError


def percents(
    scenario: Annotated[
        Path, typer.Argument(help="A scenario YAML file (README: Scenario files).")
    ],
    service: Annotated[
        str | None, typer.Option("--service", "-s", help="The service (default: the first).")
    ] = None,
    format: Annotated[
        SolveFormat,
        typer.Option("--format", "-f", help="text, json, or html (a page with the grid)."),
    ] = SolveFormat.text,
    output: Output = None,
    time_limit: float | None = whole_time_limit(
        "command", "setting", "settings not decided by then are unknown"
    ),
    per_cell: Annotated[
        float, typer.Option("--time-limit-per-cell", min=0.1, help="Seconds for each setting.")
    ] = 10.0,
    workers: Workers = 1,
    seed: Seed = 0,
    placement: PlacementOpt = Placement.any,
    jobs: Jobs = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Every (minimumHealthyPercent, maximumPercent) setting: verdict, waves, duration."""
    import planner
    from planner.deciding.percents import sweep_percents
    from planner.outputs.percents_text import render_percents

    deadline = whole_deadline(time_limit)
    try:
        loaded = planner.load_scenario(scenario)
        loaded = replace(loaded, placement_mode=placement.value)
        with dask_client(scheduler) as client:
            options = sweep_percents(
                loaded,
                service,
                time_limit=per_cell,
                total_time_limit=sweep_seconds(deadline),
                workers=workers,
                seed=seed,
                jobs=jobs,
                progress=True,
                client=client,
            )
    except (PlannerError, InternalError) as exc:
        raise fail(exc) from None
    if format is SolveFormat.json:
        emit(as_json(options.rows), output)
    elif format is SolveFormat.html:
        from planner.outputs.pages import percents_html

        emit(percents_html(options), output)
    else:
        emit(rich_text(lambda c: render_percents(options, c), output), output)
    failed_cells(sum(r["verdict"] == "failed" for r in options.rows), "settings")


def table(
    spec: Annotated[
        Path, typer.Argument(help="A table spec YAML file (README: Percents and capacity tables).")
    ],
    format: Annotated[
        TableFormat, typer.Option("--format", "-f", help="text, json, csv, markdown or html.")
    ] = TableFormat.text,
    output: Output = None,
    time_limit: float | None = whole_time_limit(
        "table", "cell", "cells not answered by then say so"
    ),
    per_cell: Annotated[
        float,
        typer.Option(
            "--time-limit-per-cell", min=0.1, help="Seconds for each cell the solver answers."
        ),
    ] = 10.0,
    seed: Seed = 0,
    jobs: Jobs = None,
    placement: PlacementOpt = Placement.any,
    scheduler: SchedulerOpt = None,
) -> None:
    """A capacity table: instances needed per type, task size, count and setting."""
    from planner.deciding import tables
    from planner.inputs.table_spec import load_table_spec
    from planner.outputs import table_text

    deadline = whole_deadline(time_limit)
    try:
        loaded = load_table_spec(spec)
        with dask_client(scheduler) as client:
            df = tables.capacity_table(
                loaded,
                jobs=jobs,
                time_limit=per_cell,
                total_time_limit=sweep_seconds(deadline),
                seed=seed,
                progress=True,
                placement=placement.value,
                client=client,
            )
    except (PlannerError, InternalError) as exc:
        raise fail(exc) from None
    if format is TableFormat.json:
        text = as_json(tables.records(df))
    elif format is TableFormat.csv:
        text = table_text.to_csv(df)
    elif format is TableFormat.markdown:
        text = table_text.to_markdown(df)
    elif format is TableFormat.html:
        from planner.outputs.pages import table_html

        text = table_html(df)
    else:
        text = rich_text(lambda c: table_text.render_table(df, c), output)
    emit(text, output)
    failed_cells(int(df["method"].str.startswith("failed").sum()), "cells")


def batch(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Scenario files and folders: every *.yaml/*.yml under a folder (not table "
            "specs) and every import folder of AWS CLI exports."
        ),
    ],
    format: Annotated[
        BatchFormat,
        typer.Option(
            "--format",
            "-f",
            help="text, json, csv, html, or github (GitHub Actions annotations, then the text).",
        ),
    ] = BatchFormat.text,
    output: Output = None,
    junit: Annotated[
        Path | None,
        typer.Option(
            "--junit",
            help="Also write JUnit XML here: one test case per scenario; hangs and at-risk "
            "fail, unknown and bad input are errors.",
        ),
    ] = None,
    time_limit: float | None = whole_time_limit(
        "batch", "scenario", "scenarios not solved by then are unknown"
    ),
    per_scenario: Annotated[
        float,
        typer.Option("--time-limit-per-scenario", min=0.1, help="Seconds for each scenario."),
    ] = 60.0,
    seed: Seed = 0,
    repeatable: Repeatable = False,
    placement: PlacementOpt = Placement.any,
    jobs: Jobs = None,
    scheduler: SchedulerOpt = None,
    change: BatchChanges = None,
    change_format: ChangeFormatOpt = None,
    parameter: ParameterOpt = None,
    fail_on: gate.FailOn = None,
    summary: gate.Summary = None,
) -> None:
    """Every scenario under the paths, solved side by side: one summary (a repository's
    gate). With --change, one cluster (a scenario file or import folder) and each change
    file a row. Exit code: the worst scenario's (4 failed, 2 bad input, 1 fails the gate, 3
    unknown, 0 passes). A scenario fails the gate by --fail-on, except that one with an
    expect: field passes when the verdict is as it expects, and fails (1) when not."""
    from planner.deciding.batch import batch as run_batch
    from planner.outputs.batch_text import render_batch, to_csv

    deadline = whole_deadline(time_limit)
    policy = gate.policy(fail_on)
    try:
        with dask_client(scheduler) as client:
            result = run_batch(
                paths,
                time_limit=per_scenario,
                total_time_limit=sweep_seconds(deadline),
                seed=seed,
                repeatable=repeatable,
                placement=placement.value,
                jobs=jobs,
                client=client,
                progress=True,
                **batch_changes(change, change_format, parameter),
                fail_on=policy,
            )
    except (PlannerError, InternalError) as exc:
        raise fail(exc) from None
    if junit is not None:
        from planner.outputs.junit import to_junit

        emit(to_junit(result), junit)
    if format is BatchFormat.json:
        text = as_json(result.to_json())
    elif format is BatchFormat.csv:
        text = to_csv(result)
    elif format is BatchFormat.html:
        from planner.outputs.pages import batch_html

        text = batch_html(result)
    elif format is BatchFormat.github:
        text = gate.batch_github_text(result, output)
    else:
        text = rich_text(lambda c: render_batch(result, c), output)
    emit(text, output)
    gate.finish_batch(result, summary)
