"""``--summary FILE``: a Markdown verdict table, appended to FILE (GitHub Actions shows
``$GITHUB_STEP_SUMMARY`` on the run's page; other CI systems take a Markdown file too).

One row per scenario: the services that are stuck (or, when safe, those that deploy),
the verdict, whether it passes the gate (``--fail-on``; in a batch, the scenario's own
expectation), why (the reason codes and ECS's first words), how the scheduler's sampled
runs went, the first checked fix, the rollout's estimated duration and the solve's time.
"""

from __future__ import annotations

from typing import Any

from planner.deciding.batch import BatchResult, result_row
from planner.deciding.gate import (
    DEFAULT_FAIL_ON,
    GATE_VERDICTS,
    expectation_words,
    row_exit,
    worst_exit,
)
from planner.deciding.result import Result
from planner.deciding.verdicts import Verdict
from planner.outputs.formatting import about, message

COLUMNS = ("scenario", "services", "verdict", "gate", "why", "scheduler runs",
           "first checked fix", "rollout", "solve")  # fmt: skip


def cell(text: Any) -> str:
    """Text as one Markdown table cell: ``|`` escaped, lines joined, never empty."""
    said = " ".join(str(text).split()) if text not in (None, "") else "—"
    return said.replace("\\", "\\\\").replace("|", "\\|")


def _row_cells(r: dict[str, Any], fail_on: frozenset[str]) -> list[str]:
    stuck = list(dict.fromkeys(b["service"] for b in r.get("blocked", [])))
    sched = r.get("scheduler") or {}
    runs = (
        f"{sched['completed']} of {sched['runs']} complete, {sched['hung']} hang"
        if sched.get("runs")
        else ""
    )
    gate = "fails" if row_exit(r, fail_on) else "passes"
    if said := expectation_words(r) or r.get("expectationWords"):
        gate += f" ({said})"
    fixes = r.get("fixes") or []
    why = message(r) if r["status"] != Verdict.SAFE else ""
    duration = about(r["estimatedDurationSeconds"]) if r.get("estimatedDurationSeconds") else ""
    solve = f"{r['wallSeconds']:.1f} s" if r.get("wallSeconds") is not None else ""
    return [
        f"`{cell(r['scenario'])}`",
        cell(", ".join(stuck or r.get("services", []))),
        f"**{r['status']}**",
        cell(gate),
        cell(why),
        cell(runs),
        cell(fixes[0] if fixes else ""),
        cell(duration),
        cell(solve),
    ]


def summary_table(
    rows: list[dict[str, Any]], command: str, fail_on: frozenset[str] = DEFAULT_FAIL_ON
) -> str:
    """The Markdown: a heading with the exit code and the policy, the table, a blank line."""
    code = worst_exit(row_exit(r, fail_on) for r in rows)
    policy = ", ".join(v for v in GATE_VERDICTS if v in fail_on) or "nothing"
    lines = [
        f"### {command}: {'fails' if code else 'passes'} the gate (exit {code})",
        "",
        f"Fails on: {policy}.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
        *("| " + " | ".join(_row_cells(r, fail_on)) + " |" for r in rows),
        "",
    ]
    return "\n".join(lines) + "\n"


def solve_summary(result: Result, fail_on: frozenset[str] = DEFAULT_FAIL_ON) -> str:
    """One solve's table (its exit code is the policy's: the expectation is shown only)."""
    row = result_row(result)
    if "asExpected" in row:  # said, but not judged: solve's gate is the policy's
        row = {k: v for k, v in row.items() if k not in ("asExpected", "unmet")} | {
            "expectationWords": expectation_words(row)
        }
    return summary_table([row], "planner solve", fail_on)


def batch_summary(batch: BatchResult) -> str:
    return summary_table(batch.rows, "planner batch", batch.fail_on)
