"""``planner table`` for a person (text) and for documents and spreadsheets (Markdown, CSV)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from planner.deciding.tables import GROUP_KEY, records
from planner.inputs.table_spec import FIXED_PORT
from planner.model.catalog import catalog_info
from planner.model.scenario import Agent
from planner.outputs.formatting import cell_text

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


def render_table(df: pd.DataFrame, console: Console) -> None:
    """The table for a person, then the cheapest type for each task and count."""
    rows = records(df)
    show_new = any((r["cpu"], r["memory"]) != (r["newCpu"], r["newMemory"]) for r in rows)
    show_strategy = any(r["strategy"] != "ROLLING" for r in rows)
    archs = {r["arch"] for r in rows}
    cols: list[tuple[str, str]] = [("instanceType", "type")]
    if len(archs) > 1:  # an arm64 type needs images built for it: say which
        cols.append(("arch", "arch"))
    cols += [
        ("cpu", "CPU"),
        ("memory", "MiB"),
    ]
    if show_new:
        cols += [("newCpu", "new CPU"), ("newMemory", "new MiB")]
    cols += [("desiredCount", "tasks"), ("minimumHealthyPercent", "min %"),
             ("maximumPercent", "max %")]  # fmt: skip
    if show_strategy:
        cols.append(("strategy", "strategy"))
    cols += [
        ("hostPort", "host port"),
        ("tasksPerInstance", "per inst."),
        ("steadyInstances", "steady"),
        ("possibleInstances", "possible"),
        ("safeInstances", "safe"),
        ("hourlyCost", "USD/h"),
    ]
    name = df.attrs.get("name", "capacity table")
    table = Table(
        title=f"{name}: instances needed ({len(rows)} combinations)", title_justify="left"
    )
    for key, head in cols:
        table.add_column(head, justify="left" if key in ("instanceType", "arch", "hostPort",
                         "strategy") else "right", no_wrap=True)  # fmt: skip
    several = len({r["instanceType"] for r in rows}) > 1  # else "cheapest" says nothing
    if several:
        table.add_column("", no_wrap=True)
    for r in rows:
        cells = [cell_text(r[key], key) or "—" for key, _ in cols]
        if several:
            cells.append("★" if r["cheapest"] else "")
        table.add_row(*cells)
    console.print(table)
    # in the spec's order: rows run through the instance types outermost
    first: dict[tuple[Any, ...], int] = {}
    for k, r in enumerate(rows):
        first.setdefault(tuple(r[c] for c in GROUP_KEY), k)
    best = sorted(
        (r for r in rows if r["cheapest"]), key=lambda r: first[tuple(r[c] for c in GROUP_KEY)]
    )
    if best and several:
        console.print("\n[bold]Cheapest type[/bold] for each task size and count (★):")
        for r in best:
            task = f"{r['cpu']} CPU / {r['memory']} MiB"
            if show_new and (r["cpu"], r["memory"]) != (r["newCpu"], r["newMemory"]):
                task += f" → {r['newCpu']} CPU / {r['newMemory']} MiB"
            how = f"{r['minimumHealthyPercent']}/{r['maximumPercent']} %"
            if show_strategy and r["strategy"] != "ROLLING":
                how = r["strategy"]
            arch = f" ({r['arch']})" if len(archs) > 1 else ""
            console.print(
                f"  {task} × {r['desiredCount']}, {how}, {r['hostPort']} port: "
                f"{r['safeInstances']} × {r['instanceType']}{arch}, {r['hourlyCost']:.4f} USD/h",
                highlight=False,
            )
        if len(archs) > 1:
            console.print(
                "  (types of more than one CPU architecture: an arm64 type needs images built "
                "for arm64)",
                highlight=False,
            )
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
        f"{info.region}, {info.price_date}; USD/h is for the safe fleet.[/dim]",
        highlight=False,
    )
