"""The ``planner`` command: thin typer commands over the library.

Exit codes (docs/CONTRACT.md): 0 safe; 1 at-risk or hangs; 2 bad input or usage; 3 unknown;
4 internal error (a plan or dead path that does not replay: a bug, never a verdict), or
sweep cells that failed (each marked in the output). ``batch``: the worst scenario's.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from planner.errors import InternalError, PlannerError
from planner.running.clock import Deadline

EPILOG = (
    "Verdicts: safe (every run ECS can make completes), at-risk (a run completes, but ECS's "
    "own choices can hang it), hangs (no run completes), unknown (the time limit came "
    "before a proof). Exit codes: 0 safe; 1 at-risk or hangs (a deploy gate fails); 2 bad "
    "input or usage; 3 unknown; 4 internal error (a bug in planner, never a verdict) or "
    "sweep cells that failed (marked in the output); batch: the worst scenario's. The "
    "model and the file format: docs/ROLLOUT.md and docs/CONTRACT.md in planner's "
    "repository, and its README."
)

app = typer.Typer(
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Tells, before you deploy, whether an ECS deployment completes or hangs, and what "
    "it needs to complete.",
    epilog=EPILOG,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            sys.stdout.write(f"planner {version('planner')}\n")
        except PackageNotFoundError:  # pragma: no cover (run from a checkout, not installed)
            sys.stdout.write("planner (not installed)\n")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            metavar="",  # a plain flag: typer would show "<bool>" as if it took a value
            help="Print planner's version.",
        ),
    ] = False,
) -> None:
    """Tells, before you deploy, whether an ECS deployment completes or hangs, and what it
    needs to complete."""


class Format(StrEnum):
    text = "text"
    json = "json"


TimeLimit = Annotated[
    float, typer.Option("--time-limit", min=0.1, help="Seconds before the verdict is unknown.")
]
Workers = Annotated[int, typer.Option("--workers", min=1, help="CP-SAT workers (1: repeatable).")]
SolveWorkers = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="CP-SAT workers (default: 2 on a machine of two cores or more; 1: repeatable).",
        show_default=False,
    ),
]
Seed = Annotated[int, typer.Option("--seed", min=0, help="Random seed of the search.")]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")]
Fmt = Annotated[Format, typer.Option("--format", "-f", help="text or json.")]


class SolveFormat(StrEnum):
    text = "text"
    json = "json"
    html = "html"


class Placement(StrEnum):
    any = "any"
    ecs = "ecs"


PlacementOpt = Annotated[
    Placement,
    typer.Option(
        "--placement",
        help="any: ECS may place a task wherever it fits (the sound worst case, default); "
        "ecs: ECS's scheduler as configured, by each service's placement strategy.",
    ),
]


def _fail(exc: PlannerError | InternalError) -> typer.Exit:
    """Print ``exc`` on stderr, no traceback; exit 2 (bad input) or 4 (internal error)."""
    if isinstance(exc, InternalError):
        Console(stderr=True, soft_wrap=True).print(f"[bold red]{exc}[/bold red]", highlight=False)
        return typer.Exit(code=InternalError.exit_code)
    said = Text("error:", style="bold red")
    said.append(f" {exc}")  # as text: a message may hold brackets (an address, a name)
    Console(stderr=True, soft_wrap=True).print(said, highlight=False)
    return typer.Exit(code=2)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _fail(PlannerError(f"cannot write: {exc.strerror}", file=str(output))) from None


#: Columns of text written to a pipe or a file, unless ``COLUMNS`` says otherwise.
PIPE_WIDTH = 100


def _width() -> int | None:
    """``COLUMNS`` when set (also when piped); a terminal's own width; else 100."""
    import os

    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) >= 40:
        return int(columns)
    return None if sys.stdout.isatty() else PIPE_WIDTH


def _render(render, output: Path | None) -> str:
    """Text from a rich renderer: coloured on a terminal, plain into a pipe or a file."""
    if output is None:
        console = Console(highlight=False, width=_width())
        with console.capture() as cap:
            render(console)
        return cap.get()
    buf = io.StringIO()
    render(Console(file=buf, highlight=False, width=_width() or PIPE_WIDTH, no_color=True))
    return buf.getvalue()


def _deadline(time_limit: float | None) -> Deadline | None:
    """A sweep's whole-command deadline, made as the command starts (None: no bound)."""
    return None if time_limit is None else Deadline(time_limit)


def _total(deadline: Deadline | None) -> float | None:
    """What a sweep may spend of its command's deadline: what is left once loading (and
    starting a cluster) took theirs, less the reserve for printing or drawing the answer
    (:data:`~planner.running.clock.RESERVE`). Its cells run in other processes, so they
    get seconds, not the deadline's clock."""
    from planner.running.clock import RESERVE

    if deadline is None:
        return None
    return max(0.1, deadline.less(RESERVE.seconds(deadline)).left())


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@app.command(epilog=EPILOG)
def solve(
    scenario: Annotated[
        Path,
        typer.Argument(help="A scenario YAML file, or a folder of AWS CLI exports (import)."),
    ],
    format: Annotated[
        SolveFormat,
        typer.Option(
            "--format", "-f", help="text, json, or html (one self-contained page with charts)."
        ),
    ] = SolveFormat.text,
    output: Output = None,
    time_limit: TimeLimit = 60.0,
    workers: SolveWorkers = None,
    seed: Seed = 0,
    placement: PlacementOpt = Placement.any,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            help="List the ECS API fields of the file that planner ignores (on stderr).",
        ),
    ] = False,
) -> None:
    """The verdict (safe, at-risk, hangs, unknown), why, the plan and its duration."""
    import planner
    from planner.outputs.render import render_text

    deadline = Deadline(time_limit)  # one clock: import, solve and drawing all on it
    try:
        if scenario.is_dir():  # an import folder (AWS CLI exports)
            loaded = planner.import_cluster(scenario, deadline=deadline)
        else:
            loaded = planner.load_scenario(scenario)
        for field in loaded.ignored if verbose else ():
            Console(stderr=True, soft_wrap=True).print(
                f"ignored (an ECS API field planner does not use): {field}", highlight=False
            )
        from planner.running.progress import shown

        # the phase and the time left on stderr: a terminal only, text only
        with shown(time_limit, enabled=None if format is SolveFormat.text else False):
            result = planner.solve(
                loaded,
                deadline=deadline,
                workers=workers,
                seed=seed,
                placement=placement.value,
            )
    except (PlannerError, InternalError) as exc:
        raise _fail(exc) from None
    if format is SolveFormat.json:
        _emit(_json(result.to_json()), output)
    elif format is SolveFormat.html:
        from planner.outputs.report import solve_html

        _emit(solve_html(result, result.problem, deadline=deadline), output)
    else:
        _emit(_render(lambda c: render_text(result, c), output), output)
    raise typer.Exit(code=result.exit_code)


@app.command("instance-types")
def instance_types(format: Fmt = Format.text, output: Output = None) -> None:
    """The instance-type catalog, as ECS registers each type."""
    from rich.table import Table

    from planner.model.catalog import PUBLIC_NAMES, catalog_info, load_catalog

    try:
        catalog = load_catalog()
        info = catalog_info()
    except (PlannerError, InternalError) as exc:
        raise _fail(exc) from None
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
        _emit(_json({"region": info.region, "priceDate": info.price_date, "types": rows}), output)
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

    _emit(_render(render, output), output)


class TableFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"


Jobs = Annotated[
    int | None,
    typer.Option("--jobs", "-j", min=1, help="Processes side by side (default: every core)."),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="A Dask scheduler (tcp://HOST:8786) to send the cells to; default the "
        "DASK_SCHEDULER_ADDRESS variable, else this machine's cores (--jobs).",
    ),
]


@contextmanager
def _cluster(scheduler: str | None) -> Iterator[Any]:
    """A connected ``dask.distributed.Client`` for ``--scheduler`` (or the variable), closed
    afterwards; None to run on this machine. A scheduler that does not answer: exit 2."""
    from planner.running.sweep import connect, scheduler_address

    address = scheduler_address(scheduler)
    if address is None:
        yield None
        return
    try:
        client = connect(address)
    except PlannerError as exc:
        raise _fail(exc) from None
    try:
        yield client
    finally:
        client.close()


def _failed_cells(n: int, what: str) -> None:
    """After the output: cells with no answer make the command exit 4, said on stderr."""
    if n:
        Console(stderr=True, soft_wrap=True).print(
            Text(
                f"{n} {what} failed (each marked in the output with its error): a cell that "
                "raised, or that the cluster lost past its retries.",
                style="bold red",
            )
        )
        raise typer.Exit(code=InternalError.exit_code)


@app.command(epilog=EPILOG)
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
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            min=0.1,
            help="Seconds for the whole command (default: no bound "
            "but each setting's); settings not decided by then are unknown.",
        ),
    ] = None,
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

    deadline = _deadline(time_limit)
    try:
        loaded = planner.load_scenario(scenario)
        loaded = replace(loaded, placement_mode=placement.value)
        with _cluster(scheduler) as client:
            options = sweep_percents(
                loaded,
                service,
                time_limit=per_cell,
                total_time_limit=_total(deadline),
                workers=workers,
                seed=seed,
                jobs=jobs,
                progress=True,
                client=client,
            )
    except (PlannerError, InternalError) as exc:
        raise _fail(exc) from None
    if format is SolveFormat.json:
        _emit(_json(options.rows), output)
    elif format is SolveFormat.html:
        from planner.outputs.pages import percents_html

        _emit(percents_html(options), output)
    else:
        _emit(_render(lambda c: render_percents(options, c), output), output)
    _failed_cells(sum(r["verdict"] == "failed" for r in options.rows), "settings")


@app.command(epilog=EPILOG)
def table(
    spec: Annotated[
        Path, typer.Argument(help="A table spec YAML file (README: Percents and capacity tables).")
    ],
    format: Annotated[
        TableFormat, typer.Option("--format", "-f", help="text, json, csv, markdown or html.")
    ] = TableFormat.text,
    output: Output = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            min=0.1,
            help="Seconds for the whole table (default: no bound but "
            "each cell's); cells not answered by then say so.",
        ),
    ] = None,
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

    deadline = _deadline(time_limit)
    try:
        loaded = load_table_spec(spec)
        with _cluster(scheduler) as client:
            df = tables.capacity_table(
                loaded,
                jobs=jobs,
                time_limit=per_cell,
                total_time_limit=_total(deadline),
                seed=seed,
                progress=True,
                placement=placement.value,
                client=client,
            )
    except (PlannerError, InternalError) as exc:
        raise _fail(exc) from None
    if format is TableFormat.json:
        text = _json(tables.records(df))
    elif format is TableFormat.csv:
        text = table_text.to_csv(df)
    elif format is TableFormat.markdown:
        text = table_text.to_markdown(df)
    elif format is TableFormat.html:
        from planner.outputs.pages import table_html

        text = table_html(df)
    else:
        text = _render(lambda c: table_text.render_table(df, c), output)
    _emit(text, output)
    _failed_cells(int(df["method"].str.startswith("failed").sum()), "cells")


class BatchFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"
    html = "html"


@app.command(epilog=EPILOG)
def batch(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Scenario files and folders: every *.yaml/*.yml under a folder (not table "
            "specs) and every import folder of AWS CLI exports."
        ),
    ],
    format: Annotated[
        BatchFormat, typer.Option("--format", "-f", help="text, json, csv or html.")
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
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            min=0.1,
            help="Seconds for the whole batch (default: no bound but each scenario's); "
            "scenarios not solved by then are unknown.",
        ),
    ] = None,
    per_scenario: Annotated[
        float,
        typer.Option("--time-limit-per-scenario", min=0.1, help="Seconds for each scenario."),
    ] = 60.0,
    seed: Seed = 0,
    placement: PlacementOpt = Placement.any,
    jobs: Jobs = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Every scenario under the paths, solved side by side: one summary (a repository's
    gate). Exit code: the worst scenario's (4 failed, 2 bad input, 1 hangs or at-risk, 3
    unknown, 0 all safe)."""
    from planner.deciding.batch import batch as run_batch
    from planner.outputs.batch_text import render_batch, to_csv

    deadline = _deadline(time_limit)
    try:
        with _cluster(scheduler) as client:
            result = run_batch(
                paths,
                time_limit=per_scenario,
                total_time_limit=_total(deadline),
                seed=seed,
                placement=placement.value,
                jobs=jobs,
                client=client,
                progress=True,
            )
    except (PlannerError, InternalError) as exc:
        raise _fail(exc) from None
    if junit is not None:
        from planner.outputs.junit import to_junit

        _emit(to_junit(result), junit)
    if format is BatchFormat.json:
        text = _json(result.to_json())
    elif format is BatchFormat.csv:
        text = to_csv(result)
    elif format is BatchFormat.html:
        from planner.outputs.pages import batch_html

        text = batch_html(result)
    else:
        text = _render(lambda c: render_batch(result, c), output)
    _emit(text, output)
    raise typer.Exit(code=result.exit_code)


@app.command("import")
def import_(
    folder: Annotated[
        Path | None, typer.Argument(help="A folder of AWS CLI exports (README).")
    ] = None,
    output: Output = None,
    deploy: Annotated[
        list[str] | None,
        typer.Option(
            "--deploy",
            help="SERVICE=TASKDEF.json: the revision to roll out; the other services are "
            "written deploy: false (unless ECS is moving them already). Without --deploy, "
            "every service is force-redeployed with the revision it runs.",
        ),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", help="Read the cluster live with boto3 (read-only calls)."),
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="AWS region.")] = None,
    profile: Annotated[str | None, typer.Option("--profile", help="AWS profile.")] = None,
    export_to: Annotated[
        Path | None,
        typer.Option(
            "--save-export",
            help="With --cluster: where the fetched exports go (default: ecs-export-CLUSTER "
            "beside the output); the scenario refers to its task definitions.",
        ),
    ] = None,
) -> None:
    """A scenario (YAML) from what `aws ecs describe-*` printed about a cluster, or, with
    --cluster, from the same calls made live. Without --deploy every service is
    force-redeployed with the revision it runs; the scenario's header says which."""
    from planner.inputs.importing import import_folder, import_notes, scenario_yaml
    from planner.inputs.loading import scenario_from_data
    from planner.inputs.yamlsafe import Located

    pairs: dict[str, str] = {}
    for item in deploy or []:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise _fail(PlannerError(f"--deploy takes SERVICE=TASKDEF.json, got {item!r}"))
        pairs[name] = path
    if (folder is None) == (cluster is None):
        raise _fail(PlannerError("give a folder of exports or --cluster NAME, one of them"))
    if output is not None and not output.parent.is_dir():
        raise _fail(PlannerError("cannot write: no such directory", file=str(output)))
    console = Console(stderr=True, soft_wrap=True)
    try:
        base = output.parent if output is not None else Path.cwd()
        if cluster is not None:
            from planner.inputs.live import fetch_export, write_export

            target = export_to or base / f"ecs-export-{cluster.rsplit('/', 1)[-1]}"
            folder = write_export(fetch_export(cluster, region=region, profile=profile), target)
            console.print(f"exports written to {folder}", highlight=False)
        elif output is None and folder is not None:
            base = folder  # task-definition paths relative to the printed scenario's folder
        assert folder is not None
        mapping, warnings = import_folder(folder, pairs, relative_to=base)
        # what is written must load: checked as a scenario file is
        scenario_from_data(Located(mapping, {}, str(folder)), base_dir=base)
    except (PlannerError, InternalError) as exc:
        raise _fail(exc) from None
    for w in warnings:
        console.print(f"[yellow]warning:[/yellow] {w}", highlight=False)
    notes = import_notes(mapping, pairs)
    console.print(f"note: {notes[-1]}", highlight=False)
    _emit(scenario_yaml(mapping, notes), output)


@app.command()
def schema(output: Output = None) -> None:
    """The scenario file's JSON Schema, for editors (yaml-language-server) and CI."""
    from planner.inputs.schema import schema_text

    _emit(schema_text(), output)


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except (PlannerError, InternalError) as exc:  # anything a command did not catch itself
        try:
            raise _fail(exc)
        except typer.Exit as done:
            sys.exit(done.exit_code)
