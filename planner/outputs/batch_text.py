"""``planner batch`` for a person (text) and for a spreadsheet (CSV)."""

from __future__ import annotations

import csv
import io
from typing import Any

from rich.text import Text

from planner.deciding.batch import BatchResult
from planner.deciding.gate import expectation_words
from planner.deciding.verdicts import Verdict
from planner.outputs.formatting import STATUS_STYLES, about, message, minimum_text
from planner.outputs.reacting_text import outcome_line
from planner.outputs.render import hanging

CSV_COLUMNS = ("scenario", "name", "status", "reasons", "message", "minimum", "waves",
               "estimatedDurationSeconds", "outcome", "outcomeText", "wallSeconds")  # fmt: skip


def to_csv(result: BatchResult) -> str:
    """One line per scenario, the columns of :data:`CSV_COLUMNS`; ``message`` is empty for
    a safe one."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    for r in result.rows:
        out.writerow(
            [r["scenario"], r.get("name", ""), r["status"], ";".join(r.get("reasons", [])),
             "" if r["status"] == Verdict.SAFE else message(r, reasons=False),
             minimum_text(r.get("minimum")),
             r.get("waves") if r.get("waves") is not None else "",
             r.get("estimatedDurationSeconds") or "", *_outcome_cells(r),
             r.get("wallSeconds", "")]
        )  # fmt: skip
    return buf.getvalue()


def _outcome_cells(r: dict[str, Any]) -> list[str]:
    """The ``outcome`` and ``outcomeText`` cells: the kind (CONTRACT.md's; on some runs
    only where the status is at-risk) and the line; empty where the scenario does not
    react."""
    o = r.get("outcome")
    if not o:
        return ["", ""]
    return [o.get("kind", ""), outcome_line(o).removeprefix("outcome: ")]


def _extra(r: dict[str, Any]) -> list[str]:
    """A row's minimum, plan length and solve time, as far as it has them."""
    extra = []
    if minimum := minimum_text(r.get("minimum")):
        extra.append(f"minimum {minimum}")
    if r.get("waves") is not None:
        n = r["waves"]
        secs = r.get("estimatedDurationSeconds")
        took = "" if secs is None else about(secs)
        extra.append(f"{n} wave{'' if n == 1 else 's'}, about {took}")
    if r.get("wallSeconds") is not None:
        extra.append(f"{r['wallSeconds']:.1f} s")
    return extra


def render_batch(result: BatchResult, console: Any) -> None:
    """The summary a person reads: counts and the exit code, then one entry per scenario
    (status, path, minimum, duration), with why for every one that is not safe."""
    head = Text()
    head.append(" BATCH ", style="bold reverse")
    counts = ", ".join(f"{n} {s}" for s, n in result.counts().items())
    expected = result.expectations()
    met = (
        f"; as expected: {expected.get('asExpected', 0)} of {sum(expected.values())}"
        if expected
        else ""
    )
    gate = "passes the gate" if result.exit_code == 0 else "fails the gate"
    head.append(
        f"  {len(result.rows)} scenarios: {counts}{met}; worst verdict: {result.worst}; "
        f"{gate} (exit {result.exit_code}); {result.wall_seconds:.1f} s"
    )
    console.print(head, highlight=False)
    for r in result.rows:
        prefix = Text("  ")
        prefix.append(f"{r['status'].upper():<9}", style=STATUS_STYLES[r["status"]])
        prefix.append(" ")
        line = Text(r["scenario"])
        if extra := _extra(r):
            line.append(f" ({'; '.join(extra)})", style="dim")
        hanging(console, prefix, line)
        if (r.get("change") or {}).get("nothing"):  # batch --change: nothing deployed
            hanging(console, Text(" " * len(prefix.plain)), Text(r["change"]["nothing"]))
        if r.get("outcome"):  # how it ends, on a cluster that reacts (ROLLOUT.md §10)
            hanging(console, Text(" " * len(prefix.plain)), Text(outcome_line(r["outcome"])))
        if r["status"] != Verdict.SAFE and (said := message(r)):
            hanging(console, Text(" " * len(prefix.plain)), Text(said))
        if said := expectation_words(r):
            style = "dim" if r["asExpected"] else "bold red"
            hanging(console, Text(" " * len(prefix.plain)), Text(said, style=style))
    console.print(
        Text(
            f"time limit {result.time_limit:g} s per scenario; the verdicts are planner "
            "solve's (planner solve FILE for the plan, why and fixes)",
            style="dim",
        ),
        highlight=False,
    )
