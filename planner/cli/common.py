"""What every ``planner`` command shares: formats, options, printing and failing.

Exit codes (docs/CONTRACT.md): 0 safe; 1 at-risk or hangs; 2 bad input or usage; 3 unknown;
4 internal error (a plan or dead path that does not replay: a bug, never a verdict), or
sweep cells that failed (each marked in the output). ``batch``: the worst scenario's.
``solve`` and ``batch`` take ``--fail-on`` (:mod:`planner.cli.gate`): a verdict it does not
list exits 0.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
    "sweep cells that failed (marked in the output); batch: the worst scenario's. solve and "
    "batch: --fail-on narrows the verdicts that fail (default hangs, at-risk, unknown; the "
    "others exit 0); in batch a scenario with expect: exits 0 when met, 1 when not. The "
    "model and the file format: docs/ROLLOUT.md and docs/CONTRACT.md in planner's "
    "repository, and its README."
)


class Format(StrEnum):
    text = "text"
    json = "json"


TimeLimit = Annotated[
    float, typer.Option("--time-limit", min=0.1, help="Seconds before the verdict is unknown.")
]
Workers = Annotated[
    int, typer.Option("--workers", min=1, help="CP-SAT workers (1: the same choices each run).")
]
SolveWorkers = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="CP-SAT workers (default: 2 on a machine of two cores or more; 1: the same "
        "choices each run; --repeatable: the same answer).",
        show_default=False,
    ),
]
Seed = Annotated[int, typer.Option("--seed", min=0, help="Random seed of the search.")]
Repeatable = Annotated[
    bool,
    typer.Option(
        "--repeatable",
        help="Cut the search by counted work, not the clock, with one CP-SAT worker: the "
        "same answer on every run, on any machine as fast as the reference; the time limit "
        "stays the cut-off (README: Work budgets).",
    ),
]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")]
Fmt = Annotated[Format, typer.Option("--format", "-f", help="text or json.")]


class SolveFormat(StrEnum):
    text = "text"
    json = "json"
    html = "html"
    github = "github"


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


class BatchFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"
    html = "html"
    github = "github"


def fail(exc: PlannerError | InternalError) -> typer.Exit:
    """Print ``exc`` on stderr, no traceback; exit 2 (bad input) or 4 (internal error)."""
    if isinstance(exc, InternalError):
        Console(stderr=True, soft_wrap=True).print(f"[bold red]{exc}[/bold red]", highlight=False)
        return typer.Exit(code=InternalError.exit_code)
    said = Text("error:", style="bold red")
    said.append(f" {exc}")  # as text: a message may hold brackets (an address, a name)
    Console(stderr=True, soft_wrap=True).print(said, highlight=False)
    return typer.Exit(code=2)


def emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(PlannerError(f"cannot write: {exc.strerror}", file=str(output))) from None


#: Columns of text written to a pipe or a file, unless ``COLUMNS`` says otherwise.
PIPE_WIDTH = 100


def terminal_width() -> int | None:
    """``COLUMNS`` when set (also when piped); a terminal's own width; else 100."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) >= 40:
        return int(columns)
    return None if sys.stdout.isatty() else PIPE_WIDTH


def rich_text(render, output: Path | None) -> str:
    """Text from a rich renderer: coloured on a terminal, plain into a pipe or a file."""
    if output is None:
        console = Console(highlight=False, width=terminal_width())
        with console.capture() as cap:
            render(console)
        return cap.get()
    buf = io.StringIO()
    render(Console(file=buf, highlight=False, width=terminal_width() or PIPE_WIDTH, no_color=True))
    return buf.getvalue()


def whole_deadline(time_limit: float | None) -> Deadline | None:
    """A sweep's whole-command deadline, made as the command starts (None: no bound)."""
    return None if time_limit is None else Deadline(time_limit)


def sweep_seconds(deadline: Deadline | None) -> float | None:
    """What a sweep may spend of its command's deadline: what is left once loading (and
    starting a cluster) took theirs, less the reserve for printing or drawing the answer
    (:data:`~planner.running.clock.RESERVE`). Its cells run in other processes, so they
    get seconds, not the deadline's clock."""
    from planner.running.clock import RESERVE

    if deadline is None:
        return None
    return max(0.1, deadline.less(RESERVE.seconds(deadline)).left())


def as_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@contextmanager
def dask_client(scheduler: str | None) -> Iterator[Any]:
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
        raise fail(exc) from None
    try:
        yield client
    finally:
        client.close()


def failed_cells(n: int, what: str) -> None:
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


def whole_time_limit(whole: str, each: str, unanswered: str) -> Any:
    """The ``--time-limit`` of a sweep: seconds for the ``whole`` command (default: no bound
    but each ``each``'s); ``unanswered`` says what becomes of what is not answered by then."""
    return typer.Option(
        None,
        "--time-limit",
        min=0.1,
        help=f"Seconds for the whole {whole} (default: no bound but each {each}'s); {unanswered}.",
    )
