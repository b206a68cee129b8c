"""``planner table`` for a person (text) and for documents and spreadsheets (Markdown, CSV)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from planner.deciding.tables import GROUP_KEY, records
from planner.inputs.table_spec import FIXED_PORT
from planner.model.catalog import catalog_info
from planner.model.scenario import Agent
from planner.outputs.formatting import cell_text
from planner.outputs.render import hanging

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]


def to_markdown(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (no extra dependency)."""
    rows = records(df)
    cols = list(df.columns)
    right = {c for c in cols if c not in ("instanceType", "strategy", "hostPort", "method")}
    lines = [
        "| " + " | ".join(cols) + " |",
        "|" + "|".join("---:" if c in right else ":---" for c in cols) + "|",
    ]
    for r in rows:
        lines.append("| " + " | ".join(cell_text(r[c], c) for c in cols) + " |")
    return "\n".join(lines) + "\n"


def to_csv(df: pd.DataFrame) -> str:
    """CSV with a header row; empty fields where there is no answer."""
    return df.to_csv(index=False, na_rep="", float_format="%.4f", lineterminator="\n")


#: Columns shown as left-aligned words; every other one is a number, right-aligned.
_WORDS = ("instanceType", "arch", "hostPort", "strategy")


@dataclass(frozen=True)
class _Shown:
    """What the text shows of a table: its rows, and which optional columns say something."""

    rows: list[dict[str, Any]]
    new: bool  # some task changes size
    strategy: bool  # some configuration is not ROLLING
    arch: bool  # the types are of more than one CPU architecture
    several: bool  # more than one type: "cheapest" says something
    zones: bool = False  # the spec names zones: the least fleet that survives losing one

    @classmethod
    def of(cls, df: pd.DataFrame) -> _Shown:
        rows = records(df)
        return cls(
            rows,
            any((r["cpu"], r["memory"]) != (r["newCpu"], r["newMemory"]) for r in rows),
            any(r["strategy"] != "ROLLING" for r in rows),
            len({r["arch"] for r in rows}) > 1,  # an arm64 type needs images built for it
            len({r["instanceType"] for r in rows}) > 1,
            any(r.get("zoneSafeInstances") is not None for r in rows),
        )

    def columns(self) -> list[tuple[str, str]]:
        """(column, header) of the wide table, in order."""
        cols = [("instanceType", "type")]
        if self.arch:
            cols.append(("arch", "arch"))
        cols += [("cpu", "CPU"), ("memory", "MiB")]
        if self.new:
            cols += [("newCpu", "new CPU"), ("newMemory", "new MiB")]
        cols += [("desiredCount", "tasks"), ("minimumHealthyPercent", "min %"),
                 ("maximumPercent", "max %")]  # fmt: skip
        if self.strategy:
            cols.append(("strategy", "strategy"))
        cols += [
            ("hostPort", "host port"),
            ("tasksPerInstance", "per inst."),
            ("steadyInstances", "steady"),
            ("possibleInstances", "possible"),
            ("safeInstances", "safe"),
        ]
        if self.zones:
            cols.append(("zoneSafeInstances", "zone-safe"))
        return cols + [("hourlyCost", "USD/h")]

    def task(self, r: dict[str, Any]) -> str:
        """``256 CPU / 512 MiB`` (``→ …`` where the new task differs)."""
        task = f"{r['cpu']} CPU / {r['memory']} MiB"
        if self.new and (r["cpu"], r["memory"]) != (r["newCpu"], r["newMemory"]):
            task += f" → {r['newCpu']} CPU / {r['newMemory']} MiB"
        return task

    def combination(self, r: dict[str, Any]) -> str:
        """What a row is about besides its type: task, count, setting, host port."""
        how = f"{r['minimumHealthyPercent']}/{r['maximumPercent']} %"
        if self.strategy and r["strategy"] != "ROLLING":
            how = r["strategy"]
        return f"{self.task(r)} × {r['desiredCount']}, {how}, {r['hostPort']} port"


def _wide(shown: _Shown, title: str, *, stacked: bool = False) -> Table:
    """One line per row, a column per field; ``stacked``: a header's words one per line.
    Nothing in it wraps, so it is as wide as :func:`_natural_width` says."""
    table = Table(title=title, title_justify="left")
    for key, head in shown.columns():
        head = head.replace(" ", "\n") if stacked else head
        table.add_column(head, justify="left" if key in _WORDS else "right", no_wrap=True)
    if shown.several:
        table.add_column("", no_wrap=True)
    for r in shown.rows:
        cells = [cell_text(r[key], key) or "—" for key, _ in shown.columns()]
        if shown.several:
            cells.append("★" if r["cheapest"] else "")
        table.add_row(*cells)
    return table


#: The narrow layout's words for the counts, in order.
_COUNT_WORDS = (("steady", "steadyInstances"), ("possible", "possibleInstances"),
                ("safe", "safeInstances"))  # fmt: skip


def _narrow(shown: _Shown, title: str, console: Console) -> None:
    """For a console narrower than the wide table: the rows grouped by combination, one
    line per type, every value whole (lines break between words only)."""
    console.print(title, highlight=False)
    hanging(
        console,
        Text("  "),
        Text(
            "each line: the type, tasks per instance, the least steady, possible and safe "
            "instance counts, USD/h of the safe count; ★ the cheapest type",
            style="dim",
        ),
    )
    names = {r["instanceType"]: r["instanceType"] for r in shown.rows}
    if shown.arch:
        names = {r["instanceType"]: f"{r['instanceType']} {r['arch']}" for r in shown.rows}
    width = max(len(n) for n in names.values())
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in shown.rows:
        groups.setdefault(tuple(r[c] for c in GROUP_KEY), []).append(r)
    for rows in groups.values():
        console.print(Text(shown.combination(rows[0]), style="bold"), highlight=False)
        for r in rows:
            said = [f"{cell_text(r['tasksPerInstance'], 'tasksPerInstance') or '—'}/inst."]
            said += [f"{w} {cell_text(r[c], c) or '—'}" for w, c in _COUNT_WORDS]
            if shown.zones:
                said.append(f"zone-safe {cell_text(r['zoneSafeInstances'], '') or '—'}")
            if cost := cell_text(r["hourlyCost"], "hourlyCost"):
                said.append(f"{cost} USD/h")
            line = f"{names[r['instanceType']].ljust(width)}  {', '.join(said)}"
            if shown.several and r["cheapest"]:
                line += " ★"
            hanging(console, Text("  "), Text(line))


def _natural_width(table: Table, console: Console) -> int:
    """The columns of text ``table`` takes with nothing cut or wrapped: each column as
    wide as its longest line (header or value), its padding, and the lines between
    columns. Wider than the console, rich would cut values: the caller must not print it."""
    wide = console.options.update_width(10**6)
    left, right = table.padding[3], table.padding[1]
    width = 0
    for column in table.columns:
        width += max(
            Measurement.get(console, wide, c).maximum for c in (column.header, *column.cells)
        )
        width += left + right
    return width + len(table.columns) + 1  # a line before each column and after the last


def render_table(df: pd.DataFrame, console: Console) -> None:
    """The table for a person, then the cheapest type for each task and count.

    Nothing is cut: where the table is wider than the console, its headers stack their
    words; where it still is, the rows are shown grouped by combination instead, one line
    per type."""
    shown = _Shown.of(df)
    rows = shown.rows
    name = df.attrs.get("name", "capacity table")
    title = f"{name}: instances needed ({len(rows)} combinations)"
    for stacked in (False, True):
        table = _wide(shown, title, stacked=stacked)
        if _natural_width(table, console) <= console.width:
            console.print(table)
            break
    else:
        _narrow(shown, title, console)
    _cheapest(shown, console)
    _notes(rows, console)
    _assumptions(df, console)


def _cheapest(shown: _Shown, console: Console) -> None:
    """The cheapest type of each combination, in the spec's order."""
    rows = shown.rows
    # in the spec's order: rows run through the instance types outermost
    first: dict[tuple[Any, ...], int] = {}
    for k, r in enumerate(rows):
        first.setdefault(tuple(r[c] for c in GROUP_KEY), k)
    best = sorted(
        (r for r in rows if r["cheapest"]), key=lambda r: first[tuple(r[c] for c in GROUP_KEY)]
    )
    if not (best and shown.several):
        return
    console.print("\n[bold]Cheapest type[/bold] for each task size and count (★):")
    for r in best:
        arch = f" ({r['arch']})" if shown.arch else ""
        said = f"{r['safeInstances']} × {r['instanceType']}{arch}, {r['hourlyCost']:.4f} USD/h"
        hanging(console, Text("  "), Text(f"{shown.combination(r)}: {said}"))
    if shown.arch:
        console.print(
            "  (types of more than one CPU architecture: an arm64 type needs images built "
            "for arm64)",
            highlight=False,
        )


def _notes(rows: list[dict[str, Any]], console: Console) -> None:
    """How many rows have no answer, and why."""
    missing = sum(1 for r in rows if r["steadyInstances"] is None)
    unsafe = [r for r in rows if r["steadyInstances"] is not None and r["safeInstances"] is None]
    late = sum(1 for r in unsafe if "time limit" in str(r["method"]))
    stuck = len(unsafe) - late
    notes = []
    if missing:
        notes.append(f"{missing} combinations where the task fits no instance of the type (—)")
    if stuck:
        notes.append(
            f"{stuck} where no instance count makes the rollout safe (the percents leave no "
            "room, or a larger new task never fits)"
        )
    if late:
        notes.append(
            f"{late} where the time limit came before a safe count was found: undecided, "
            "not unsafe (the method column in --format csv says at which count)"
        )
    for n in notes:
        console.print(f"  note: {n}", highlight=False)


def _assumptions(df: pd.DataFrame, console: Console) -> None:
    """What the figures mean and assume: the agent, memory, the fixed port, the prices."""
    agent = df.attrs.get("agent")
    info = catalog_info()
    text_agent = ""
    if isinstance(agent, Agent):
        text_agent = (
            f"agent keeps {agent.reserved_cpu} CPU units and {agent.reserved_memory} MiB per "
            "instance; "
        )
    console.print(
        "\n[dim]steady: holds the running tasks; possible: some run completes; safe: every run "
        + (
            "ECS's scheduler as configured can make completes (--placement ecs). "
            if df.attrs.get("placement") == "ecs"
            else "ECS can make completes. "
        )
        + f"{text_agent}memory as ECS registers it "
        f"(data/instance_types.yaml); fixed host port {FIXED_PORT}; prices on-demand, "
        f"{info.region}, {info.price_date}; USD/h is for the safe fleet."
        + (
            " zone-safe: the least fleet, spread round-robin over the spec's zones, that "
            "holds every task after losing any one zone (the running and the new size), "
            "not the rollout's: a fleet needs the larger of it and safe."
            if "zoneSafeInstances" in df.columns and df["zoneSafeInstances"].notna().any()
            else ""
        )
        + "[/dim]",
        highlight=False,
    )
