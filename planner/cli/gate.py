"""The gate's options of ``planner solve`` and ``planner batch``: ``--fail-on``,
``--format github`` and ``--summary FILE`` (docs/CONTRACT.md, Commands)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from planner.cli.common import fail, rich_text
from planner.errors import PlannerError

if TYPE_CHECKING:
    from planner.deciding.batch import BatchResult
    from planner.deciding.result import Result
    from planner.inputs.change.model import Origin

FAIL_ON_HELP = (
    "The verdicts that fail the gate: hangs, at-risk, unknown; repeat the option or give a "
    "comma list (default: all three). A verdict that fails keeps its exit code (1 hangs or "
    "at-risk, 3 unknown); the others exit 0. Bad input (2) and internal errors (4) always "
    "fail."
)
FailOn = Annotated[
    list[str] | None,
    typer.Option("--fail-on", help=FAIL_ON_HELP, show_default=False, metavar="VERDICTS"),
]
Summary = Annotated[
    Path | None,
    typer.Option(
        "--summary",
        help="Also append a Markdown verdict table to this file (in GitHub Actions: "
        "$GITHUB_STEP_SUMMARY).",
    ),
]


def policy(values: list[str] | None) -> frozenset[str]:
    """``--fail-on`` parsed (:func:`planner.deciding.gate.parse_fail_on`); a word that is
    no verdict: exit 2."""
    from planner.deciding.gate import parse_fail_on

    try:
        return parse_fail_on(values)
    except PlannerError as exc:
        raise fail(exc) from None


def github_text(
    result: Result,
    fail_on: frozenset[str],
    output: Path | None,
    origins: Mapping[str, Origin] | None = None,
) -> str:
    """``--format github``: the annotations, then the text output (the log stays readable)."""
    from planner.outputs.change_text import render_change
    from planner.outputs.github import github_annotations
    from planner.outputs.render import render_text

    def text(console: Console) -> None:
        render_text(result, console)
        render_change(result.change, console)

    notes = github_annotations(result, origins, fail_on=fail_on)
    return notes + rich_text(text, output)


def batch_github_text(result: BatchResult, output: Path | None) -> str:
    from planner.outputs.batch_text import render_batch
    from planner.outputs.github import batch_annotations

    return batch_annotations(result) + rich_text(lambda c: render_batch(result, c), output)


def append_summary(path: Path | None, text: str) -> None:
    """Append ``text`` to ``path`` (created if missing); a file that cannot be written:
    exit 2."""
    if path is None:
        return
    try:
        with path.open("a", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        raise fail(PlannerError(f"cannot write: {exc.strerror}", file=str(path))) from None


def finish_solve(result: Result, fail_on: frozenset[str], summary: Path | None) -> NoReturn:
    """After the output: the summary appended, and the exit code under the policy."""
    from planner.deciding.gate import gate_exit
    from planner.outputs.summary import solve_summary

    if summary is not None:
        append_summary(summary, solve_summary(result, fail_on))
    raise typer.Exit(code=gate_exit(result.verdict, fail_on))


def finish_batch(result: BatchResult, summary: Path | None) -> NoReturn:
    """After the output: the summary appended, and the batch's exit code (the policy's and
    each scenario's expectation, :attr:`BatchResult.exit_code`)."""
    from planner.outputs.summary import batch_summary

    if summary is not None:
        append_summary(summary, batch_summary(result))
    raise typer.Exit(code=result.exit_code)
