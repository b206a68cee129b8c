"""``planner percents`` for a person: the grid of every setting's verdict, the
recommendation and why, and the safe settings best first."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from planner.deciding.percents import PercentOptions, preference
from planner.deciding.verdicts import Verdict
from planner.outputs.formatting import STATUS_STYLES, about, percent_text, tasks


def why(options: PercentOptions) -> str:
    """Why the recommended row was chosen, in a sentence or two."""
    if options.recommended is None:
        open_ = sum(1 for row in options.rows if row["verdict"] in (Verdict.UNKNOWN, "failed"))
        failed = sum(1 for row in options.rows if row["verdict"] == "failed")
        if failed:
            return (
                f"No setting is recommended: none was proven safe, and {open_} of "
                f"{len(options.rows)} settings have no verdict ({failed} failed: see their "
                "error; the others unknown). Nothing here says that no setting is safe."
            )
        if open_:
            return (
                f"No setting is recommended: none was proven safe, and {open_} of "
                f"{len(options.rows)} settings are unknown (the time limit came before a "
                "proof; a longer --time-limit may decide them). Nothing here says that no "
                "setting is safe."
            )
        return (
            "No setting is recommended: none is safe on this cluster (under each one the "
            "rollout hangs, or ECS's own choices can hang it). More instances or a "
            "smaller task would help: `planner solve` checks which."
        )
    r = options.rows[options.recommended]
    safe = [row for row in options.rows if row["verdict"] == Verdict.SAFE]
    same_lower = [row for row in safe if row["lower"] == r["lower"]]
    parts = [f"it is safe (one of {len(safe)} safe settings)"]
    if r["lower"] == options.desired:
        every = "its" if options.desired == 1 else "all"
        parts.append(f"it keeps {every} {tasks(options.desired)} running throughout")
    elif r["lower"] == 0:
        parts.append("no safe setting keeps any task running throughout (expect a short outage)")
    else:
        parts.append(
            f"no safe setting keeps more than {r['lower']} of {tasks(options.desired)} "
            "running throughout"
        )
    extra = r["upper"] - options.desired
    if len(same_lower) > 1:
        parts.append(
            f"with that, it surges least: at most {tasks(r['upper'])} at once"
            + (f" ({extra} above desired)" if extra > 0 else "")
        )
    waves = r["waves"]
    if waves is not None:
        secs = r["estimatedDurationSeconds"]
        parts.append(f"{waves} wave{'s' if waves != 1 else ''}, about {about(secs)}")
    return "Recommended because " + "; ".join(parts) + "."


def _groups(keys: list[Any], signature: Callable[[Any], Any]) -> list[list[Any]]:
    """Adjacent keys with the same signature, grouped."""
    out: list[list[Any]] = []
    for key in keys:
        if out and signature(out[-1][0]) == signature(key):
            out[-1].append(key)
        else:
            out.append([key])
    return out


def _span(values: Iterable[int]) -> str:
    v = list(values)
    return str(v[0]) if v[0] == v[-1] else f"{v[0]}–{v[-1]}"


def _joined(ranges: list[list[Any]]) -> list[Any]:
    """The range from the first one's start to the last one's end."""
    return [ranges[0][0], ranges[-1][1]]


def _grid(options: PercentOptions) -> Table:
    """Every setting's verdict: rows the lower bound, columns the upper bound; neighbouring
    columns (rows) with the same verdicts and no marked cell merged."""
    rows = options.rows
    by_pair = {(r["lower"], r["upper"]): i for i, r in enumerate(rows)}
    lowers = sorted({r["lower"] for r in rows})
    uppers = sorted({r["upper"] for r in rows})
    marks = {options.current, options.recommended} - {None}

    def verdict(lo: int, up: int) -> str:
        return rows[by_pair[lo, up]]["verdict"]

    col_groups = _groups(
        uppers,
        lambda up: (
            tuple(verdict(lo, up) for lo in lowers),
            ("marked", up) if any(by_pair[lo, up] in marks for lo in lowers) else None,
        ),
    )
    row_groups = _groups(
        lowers,
        lambda lo: (
            tuple(verdict(lo, up) for up in uppers),
            ("marked", lo) if any(by_pair[lo, up] in marks for up in uppers) else None,
        ),
    )
    table = Table(show_lines=False)
    table.add_column("", justify="left", no_wrap=True)
    for g in col_groups:
        span = _joined([rows[by_pair[lowers[0], up]]["maximumPercent"] for up in g])
        table.add_column(
            f"max {percent_text(span)}\n→ upper {_span(g)}", justify="center", no_wrap=True
        )
    for rg in row_groups:
        mn = _joined([rows[by_pair[lo, uppers[0]]]["minimumHealthyPercent"] for lo in rg])
        cells: list[Text | str] = [f"min {percent_text(mn)} → lower {_span(rg)}"]
        for cg in col_groups:
            word = verdict(rg[0], cg[0])
            cell = Text(word, style=STATUS_STYLES[word])
            idx = {by_pair[lo, up] for lo in rg for up in cg}
            if options.recommended in idx:
                cell.append(" ★", style="bold")
            if options.current in idx:
                cell = Text("[") + cell + Text("]")
            cells.append(cell)
        table.add_row(*cells)
    return table


def _safe_settings(options: PercentOptions, console: Console) -> None:
    """The safe settings, best first (the first eight, and the file's own if it is safe)."""
    rows = options.rows
    safe = sorted(
        (i for i, r in enumerate(rows) if r["verdict"] == Verdict.SAFE),
        key=lambda i: preference(rows[i]),
    )
    if not safe:
        return
    best = Table(title="Safe settings, best first", title_justify="left")
    for col in ("minimum %", "maximum %", "bounds", "waves", "≈ time", ""):
        best.add_column(col, justify="right" if col in ("waves", "≈ time") else "left")
    shown = safe[:8]
    if options.current is not None and options.current in safe and options.current not in shown:
        shown.append(options.current)
    for i in shown:
        r = rows[i]
        tag = []
        if i == options.recommended:
            tag.append("★ recommended")
        if i == options.current:
            tag.append("the file's setting")
        best.add_row(
            percent_text(r["minimumHealthyPercent"]),
            percent_text(r["maximumPercent"]),
            f"{r['lower']}–{r['upper']}",
            str(r["waves"]),
            about(r["estimatedDurationSeconds"]),
            ", ".join(tag),
        )
    console.print()
    console.print(best)
    if len(safe) > len(shown):
        console.print(f"  … and {len(safe) - len(shown)} more safe settings (--format json)")


def render_percents(options: PercentOptions, console: Console) -> None:
    """The grid a person reads at a glance, then the recommendation and why."""
    rows = options.rows
    head = Text()
    head.append(" PERCENTS ", style="bold reverse")
    head.append(
        f"  {options.scenario}: service {options.service}, {tasks(options.desired)}, on "
        f"{options.fleet}"
        + (
            " (with ECS's scheduler as configured: --placement ecs)"
            if rows and rows[0].get("placement") == "ecs"
            else ""
        )
    )
    console.print(head)
    for note in options.notes:
        console.print(f"  note: {note}", highlight=False)
    console.print(
        "\n[bold]Verdict of every setting[/bold]: rows minimumHealthyPercent (lower bound), "
        "columns maximumPercent (upper bound)",
        highlight=False,
    )
    console.print(_grid(options))
    mn_now, mx_now = options.current_percents
    console.print(
        f"  [ ] the file's setting: minimumHealthyPercent {mn_now}, maximumPercent {mx_now} "
        f"(bounds {options.current_bounds[0]}–{options.current_bounds[1]})"
        + (f": {rows[options.current]['verdict']}" if options.current is not None else ""),
        highlight=False,
    )
    if options.recommended is not None:
        console.print("  ★ recommended", highlight=False)
    for r in rows:
        if r["verdict"] == "failed":  # no verdict: say why, never leave it out
            console.print(
                Text(
                    f"  failed: minimumHealthyPercent {percent_text(r['minimumHealthyPercent'])}"
                    f", maximumPercent {percent_text(r['maximumPercent'])}: {r['error']}",
                    style="bold red",
                )
            )
    console.print()
    if options.recommended is not None:
        r = rows[options.recommended]
        console.print(
            Text.assemble(
                ("Recommended: ", "bold"),
                f"minimumHealthyPercent {percent_text(r['minimumHealthyPercent'])}, "
                f"maximumPercent {percent_text(r['maximumPercent'])} "
                f"(bounds {r['lower']}–{r['upper']})",
            )
        )
    console.print(why(options), highlight=False)
    _safe_settings(options, console)
    console.print(
        "\n[dim]percent ranges: whole percents that give the same bounds (minimum rounds up, "
        "maximum rounds down, docs/ROLLOUT.md §2); verdicts as `planner solve`; the other services "
        "as in the file[/dim]",
        highlight=False,
    )
