"""The Markdown verdict table (planner/outputs/summary.py)."""

from pathlib import Path

import planner
from planner.outputs.summary import COLUMNS, cell, solve_summary, summary_table

ROOT = Path(__file__).resolve().parent.parent


def _table(text: str) -> list[list[str]]:
    """The table's rows, each a list of cells (split on unescaped pipes)."""
    import re

    rows = [line for line in text.splitlines() if line.startswith("| ")]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", r)[1:-1]] for r in rows]


def test_a_hang_row_names_service_verdict_why_runs_fix_and_the_gate():
    path = ROOT / "scenarios/seed/port-conflict.yaml"
    text = solve_summary(planner.solve(planner.load_scenario(path), time_limit=30))
    assert text.startswith("### planner solve: fails the gate (exit 1)\n\nFails on: hangs, ")
    head, row = _table(text)
    assert tuple(head) == COLUMNS
    got = dict(zip(COLUMNS, row, strict=True))
    assert got["scenario"] == f"`{path}`"
    assert (got["services"], got["verdict"]) == ("rj-api", "**hangs**")
    assert got["gate"] == "fails (as the file expects: hangs (port))"
    assert got["why"].startswith("[port] service rj-api was unable to place a task")
    assert got["scheduler runs"] == "0 of 100 complete, 100 hang"
    assert got["first checked fix"] == "one more t3.small (placement by ECS's spread)"
    assert got["rollout"] == "—" and got["solve"].endswith(" s")


def test_an_at_risk_that_the_policy_lets_through_passes():
    path = ROOT / "scenarios/examples/shop-static-load.yaml"
    result = planner.solve(planner.load_scenario(path), time_limit=30)
    text = solve_summary(result, frozenset({"hangs"}))
    assert text.startswith("### planner solve: passes the gate (exit 0)\n\nFails on: hangs.\n")
    got = dict(zip(COLUMNS, _table(text)[1], strict=True))
    assert got["gate"].startswith("passes") and got["verdict"] == "**at-risk**"
    assert got["scheduler runs"] == "100 of 100 complete, 0 hang"


def test_cells_escape_pipes_and_keep_one_line():
    assert cell("a | b\nc") == "a \\| b c"
    assert cell("") == "—" and cell(None) == "—"
    rows = [{"scenario": "x|y.yaml", "status": "bad-input", "error": "x|y.yaml:1: bad\nthing"}]
    [_, row] = _table(summary_table(rows, "planner batch"))
    assert row[0] == "`x\\|y.yaml`" and row[4] == "x\\|y.yaml:1: bad thing"
    assert row[3] == "fails"
