"""``planner solve``, ``planner instance-types`` and ``planner schema``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from planner.cli import gate
from planner.cli.change import (
    ChangeFiles,
    ChangeFormatOpt,
    ClusterSource,
    LiveCluster,
    ParameterOpt,
    Profile,
    Region,
    load_cluster,
)
from planner.cli.common import (
    Fmt,
    Format,
    Output,
    Placement,
    PlacementOpt,
    Repeatable,
    Seed,
    SolveFormat,
    SolveWorkers,
    TimeLimit,
    as_json,
    emit,
    fail,
    rich_text,
)
from planner.errors import InternalError, PlannerError
from planner.running.clock import DRAWING, Deadline


def solve(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help="A scenario YAML file, or a folder of AWS CLI exports (import); with "
            "--cluster NAME, none."
        ),
    ] = None,
    format: Annotated[
        SolveFormat,
        typer.Option(
            "--format",
            "-f",
            help="text, json, html (one self-contained page with charts), or github "
            "(GitHub Actions annotations at each failing service's line, then the text).",
        ),
    ] = SolveFormat.text,
    output: Output = None,
    time_limit: TimeLimit = 60.0,
    workers: SolveWorkers = None,
    seed: Seed = 0,
    repeatable: Repeatable = False,
    placement: PlacementOpt = Placement.any,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            help="List the ECS API fields of the file that planner ignores (on stderr).",
        ),
    ] = False,
    least_max_size: Annotated[
        bool,
        typer.Option(
            "--least-max-size",
            help="Also find each capacity provider's least maxSize for a possible and for a "
            "safe rollout (JSON minimum.maxSize); the verdict stays the file's maxSize's.",
        ),
    ] = False,
    change: ChangeFiles = None,
    change_format: ChangeFormatOpt = None,
    parameter: ParameterOpt = None,
    cluster: LiveCluster = None,
    region: Region = None,
    profile: Profile = None,
    fail_on: gate.FailOn = None,
    summary: gate.Summary = None,
) -> None:
    """The verdict (safe, at-risk, hangs, unknown), why, the plan and its duration. With
    --change, of the change as the team wrote it (Terraform plan JSON, CloudFormation or
    CDK template, ecspresso files), laid over the cluster: the services it touches deploy."""
    import planner
    from planner.outputs.change_text import render_change
    from planner.outputs.render import render_text

    deadline = Deadline(time_limit)  # one clock: import, solve and drawing all on it
    policy = gate.policy(fail_on)
    try:
        source = ClusterSource(scenario, cluster, region, profile)
        loaded, applied = load_cluster(source, change, change_format, parameter, deadline=deadline)
        for field in loaded.ignored if verbose else ():
            Console(stderr=True, soft_wrap=True).print(
                f"ignored (an ECS API field planner does not use): {field}", highlight=False
            )
        from planner.running.progress import shown

        # the phase and the time left on stderr: a terminal only, text only
        with shown(time_limit, enabled=None if format is SolveFormat.text else False):
            result = planner.solve(
                loaded,
                # a page's charts take their time after the analysis (clock.DRAWING)
                deadline=deadline.less(DRAWING.seconds(deadline))
                if format is SolveFormat.html
                else deadline,
                workers=1 if repeatable else workers,
                seed=seed,
                repeatable=repeatable,
                placement=placement.value,
                least_max_size=least_max_size,
            )
        if applied is not None:
            result.change = applied.to_json()
    except (PlannerError, InternalError) as exc:
        raise _refused(exc, format) from None
    if format is SolveFormat.json:
        emit(as_json(result.to_json()), output)
    elif format is SolveFormat.html:
        from planner.outputs.report import solve_html

        emit(solve_html(result, result.problem, deadline=deadline), output)
    elif format is SolveFormat.github:
        origins = applied.origins if applied is not None else None
        emit(gate.github_text(result, policy, output, origins), output)
    else:

        def text(console: Console) -> None:
            render_text(result, console)
            render_change(result.change, console)

        emit(rich_text(text, output), output)
    gate.finish_solve(result, policy, summary)


def _refused(exc: PlannerError | InternalError, format: SolveFormat) -> Any:
    """The exit for an error (:func:`fail`); with ``--format github``, first an ``::error``
    at the file's line, so that the pull request shows it where the file is wrong."""
    if format is SolveFormat.github:
        from planner.outputs.github import error_annotation

        bad = isinstance(exc, PlannerError)
        title = "planner: bad input" if bad else "planner: internal error"
        typer.echo(error_annotation(exc, title), nl=False)
    return fail(exc)


def instance_types(format: Fmt = Format.text, output: Output = None) -> None:
    """The instance-type catalog, as ECS registers each type."""
    from rich.table import Table

    from planner.model.catalog import PUBLIC_NAMES, catalog_info, load_catalog

    try:
        catalog = load_catalog()
        info = catalog_info()
    except (PlannerError, InternalError) as exc:
        raise fail(exc) from None
    rows: list[dict[str, Any]] = [
        {
            "type": t.name,
            "vcpu": t.vcpu,
            "cpuUnits": t.cpu_units,
            "memoryMiB": t.memory_mib,
            "nominalMemoryMiB": t.nominal_memory_mib,
            "enis": t.enis,
            "trunkEnis": t.trunk_enis,
            "hourlyUsd": t.hourly_usd,
            "arch": t.arch,
            "estimated": [PUBLIC_NAMES[f] for f in t.estimated],
        }
        for t in catalog.values()
    ]
    if format is Format.json:
        emit(as_json({"region": info.region, "priceDate": info.price_date, "types": rows}), output)
        return

    def render(console: Console) -> None:
        table = Table(
            title=f"Instance types (prices: on-demand, {info.region}, {info.price_date})",
            title_justify="left",
        )
        for col in (
            "type",
            "vCPU",
            "CPU units",
            "memory MiB (ECS)",
            "nominal",
            "ENIs",
            "trunk",
            "USD/h",
            "arch",
        ):
            table.add_column(
                col, justify="left" if col in ("type", "arch") else "right", no_wrap=True
            )
        for r in rows:

            def star(value: object, key: str, row: dict[str, Any] = r) -> str:
                return f"{value}{'*' if key in row['estimated'] else ''}"

            table.add_row(
                r["type"],
                str(r["vcpu"]),
                str(r["cpuUnits"]),
                star(r["memoryMiB"], "ecsMemoryMiB"),
                star(r["nominalMemoryMiB"], "memoryMiB"),
                star(r["enis"], "enis"),
                "—" if r["trunkEnis"] is None else star(r["trunkEnis"], "trunkEnis"),
                "—" if r["hourlyUsd"] is None else f"{r['hourlyUsd']:.4f}",
                r["arch"],
            )
        console.print(table)
        console.print(
            "* estimated (data/instance_types.yaml says how, per type); the others are "
            "measured or documented."
        )

    emit(rich_text(render, output), output)


def schema(output: Output = None) -> None:
    """The scenario file's JSON Schema, for editors (yaml-language-server) and CI."""
    from planner.inputs.schema import schema_text

    emit(schema_text(), output)
