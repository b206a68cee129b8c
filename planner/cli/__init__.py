"""The ``planner`` command: thin typer commands over the library.

One module a group of commands: :mod:`~planner.cli.solve` (``solve``, ``instance-types``,
``schema``), :mod:`~planner.cli.sweeps` (``percents``, ``table``, ``batch``),
:mod:`~planner.cli.gate` (the gate's options of ``solve`` and ``batch``),
:mod:`~planner.cli.aws` (``import``), :mod:`~planner.cli.zones` (``zones``); what they
share (formats, options, printing, failing) in :mod:`~planner.cli.common`.

Exit codes (docs/CONTRACT.md): 0 safe; 1 at-risk or hangs; 2 bad input or usage; 3 unknown;
4 internal error (a plan or dead path that does not replay: a bug, never a verdict), or
sweep cells that failed (each marked in the output). ``batch``: the worst scenario's.
``--fail-on`` (``solve``, ``batch``; :mod:`~planner.cli.gate`): a verdict it does not list
exits 0; in ``batch`` a scenario's ``expect:`` decides its own row.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from planner.cli import aws, solve, sweeps, zones
from planner.cli.common import EPILOG, fail
from planner.errors import InternalError, PlannerError

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
        from planner.running.install import installed_version

        # None: run from a checkout that was not installed
        sys.stdout.write(f"planner {installed_version() or '(not installed)'}\n")
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


app.command(epilog=EPILOG)(solve.solve)
app.command("instance-types")(solve.instance_types)
app.command(epilog=EPILOG)(sweeps.percents)
app.command(epilog=EPILOG)(sweeps.table)
app.command(epilog=EPILOG)(sweeps.batch)
app.command(epilog=EPILOG)(zones.zones)
app.command("import")(aws.import_)
app.command()(solve.schema)


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except (PlannerError, InternalError) as exc:  # anything a command did not catch itself
        try:
            raise fail(exc)
        except typer.Exit as done:
            sys.exit(done.exit_code)
