"""The sweeps' pages: ``planner percents``, ``planner table`` and ``planner batch`` with
``--format html``.

Each is one self-contained HTML file in the style of the solve's page
(:mod:`planner.outputs.report`): no script, no network, every string from an input escaped
(:func:`html.escape`), charts as inline SVG with text drawn as outlines.
"""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING

from planner.deciding.batch import BatchResult
from planner.deciding.percents import PercentOptions
from planner.deciding.tables import GROUP_KEY, records
from planner.deciding.verdicts import Verdict
from planner.model.catalog import catalog_info
from planner.outputs import percents_text
from planner.outputs.formatting import cell_text, message, minimum_text, percent_text
from planner.outputs.html import STATUS_CLASS, STYLE, pyplot, svg
from planner.outputs.reacting_text import outcome_line, outcome_status

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]


def _page(title: str, body: list[str]) -> str:
    return (
        "\n".join(
            [
                "<!doctype html>",
                '<html lang="en"><head><meta charset="utf-8">',
                f"<title>{escape(title)}</title>",
                f"<style>{STYLE}{_GRID_STYLE}{_TABLE_STYLE}</style></head><body>",
                *body,
                "</body></html>",
            ]
        )
        + "\n"
    )


_GRID_STYLE = """
td.safe, td.at-risk, td.hangs, td.unknown, td.failed { color: #fff; text-align: center; }
td.failed { background: #000; }
td.safe { background: #2e7d32; } td.at-risk { background: #b26a00; }
td.hangs { background: #c62828; } td.unknown { background: #6a1b9a; }
td.mark { outline: 3px solid #000; outline-offset: -3px; }
"""


def percents_html(options: PercentOptions) -> str:
    """``planner percents --format html``: the grid of every percent setting as a coloured
    map (rows: minimumHealthyPercent, columns: maximumPercent, settings with the same
    bounds merged), the recommendation ★ and the file's setting [ ], and why."""
    e = escape
    rows = options.rows
    by_pair = {(r["lower"], r["upper"]): i for i, r in enumerate(rows)}
    lowers = sorted({r["lower"] for r in rows})
    uppers = sorted({r["upper"] for r in rows})
    head = ["<tr><th>minimumHealthyPercent → lower \\ maximumPercent → upper</th>"]
    for up in uppers:
        r = rows[by_pair[lowers[0], up]]
        head.append(f"<th>{e(percent_text(r['maximumPercent']))}<br>→ {up}</th>")
    head.append("</tr>")
    grid = ["<table>", "".join(head)]
    for lo in lowers:
        r0 = rows[by_pair[lo, uppers[0]]]
        cells = [f"<tr><th>{e(percent_text(r0['minimumHealthyPercent']))} → {lo}</th>"]
        for up in uppers:
            i = by_pair[lo, up]
            word = rows[i]["verdict"]
            text = e(word) + (" ★" if i == options.recommended else "")
            if i == options.current:
                text = f"[{text}]"
            mark = " mark" if i in (options.current, options.recommended) else ""
            cells.append(f'<td class="{STATUS_CLASS[word]}{mark}">{text}</td>')
        cells.append("</tr>")
        grid.append("".join(cells))
    grid.append("</table>")
    mn, mx = options.current_percents
    body = [
        f"<h1>Percent settings: {e(options.service)} "
        f'<span class="dim">({e(options.scenario)}, {options.desired} tasks on '
        f"{e(options.fleet)})</span></h1>",
        *[f'<p class="dim">note: {e(n)}</p>' for n in options.notes],
        "<p>Every setting's verdict (rows: the lower bound, columns: the upper bound). "
        f"[ ] the file's setting: minimumHealthyPercent {mn}, maximumPercent {mx}; "
        "★ recommended.</p>",
        *grid,
        f"<p>{e(percents_text.why(options))}</p>",
        '<p class="dim">percent ranges: whole percents that give the same bounds (minimum '
        "rounds up, maximum rounds down); verdicts as planner solve; the other services as "
        "in the file.</p>",
    ]
    return _page(f"planner percents: {options.service}", body)


#: The capacity table's columns on the page, what a reader looks for first: the type, what
#: the row is about, the safe count, its cost and the cheapest mark; then the rest.
PAGE_COLUMNS = (
    "instanceType",
    *GROUP_KEY,
    "safeInstances",
    "hourlyCost",
    "cheapest",
    "steadyInstances",
    "possibleInstances",
    "tasksPerInstance",
    "lower",
    "upper",
    "hourlyUsd",
    "arch",
    "zoneSafeInstances",
    "method",
)
#: Columns shown only where some row differs from the default (they are in CSV and JSON).
_OPTIONAL = {"newCpu": "cpu", "newMemory": "memory"}
_TABLE_STYLE = """
table.capacity { font-size: 0.8em; }
table.capacity th, table.capacity td { padding: 0.15em 0.3em; }
table.capacity th { vertical-align: bottom; font-size: 0.9em; }
table.capacity td { white-space: nowrap; }
table.capacity td.method { white-space: normal; }
table.capacity td.num { text-align: right; }
table.capacity .key { font-weight: bold; }
"""


def _header(column: str) -> str:
    """A column's name, a line per word of it (``minimum<br>Healthy<br>Percent``): a
    column is then as wide as its widest value or word, not its whole name."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "<br>", escape(column))


def page_columns(df: pd.DataFrame) -> list[str]:
    """The columns the page shows, in :data:`PAGE_COLUMNS` order: ``newCpu`` and
    ``newMemory`` only where a task changes size, ``strategy`` only where one is not
    ROLLING."""
    shown = []
    for c in PAGE_COLUMNS:
        if c not in df.columns:
            continue
        if c in _OPTIONAL and (df[c] == df[_OPTIONAL[c]]).all():
            continue
        if c == "strategy" and (df[c] == "ROLLING").all():
            continue
        if c == "zoneSafeInstances" and df[c].isna().all():  # the spec names no zones
            continue
        shown.append(c)
    return shown


def table_html(df: pd.DataFrame) -> str:
    """``planner table --format html``: the capacity table as a page: every row with its
    cost, the cheapest type per combination marked ★, empty cells where there is no
    answer, and what the figures assume. The table fits a 1,200-pixel window: the key
    columns come first, headers stack their words, numbers never break."""
    e = escape
    rows = records(df)
    cols = page_columns(df)
    words = ("instanceType", "hostPort", "strategy", "arch", "cheapest")
    key = ("instanceType", "safeInstances", "hourlyCost")
    head = "".join(f"<th>{_header(c)}</th>" for c in cols)
    lines = ['<table class="capacity">', f"<tr>{head}</tr>"]
    for r in rows:
        cells = []
        for c in cols:
            css = [c if c == "method" else "" if c in words else "num"]
            css += ["key"] if c in key else []
            text = ("★" if r[c] else "") if c == "cheapest" else cell_text(r[c], c)
            attr = " ".join(x for x in css if x)
            cells.append(f'<td class="{attr}">{e(text)}</td>' if attr else f"<td>{e(text)}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines.append("</table>")
    chart = _cost_chart(df)
    info = catalog_info()
    name = df.attrs.get("name", "capacity table")
    body = [
        f"<h1>{e(str(name))}: instances needed ({len(rows)} combinations)</h1>",
        "<p>steady: holds the running tasks; possible: some run completes; safe: every run "
        "ECS can make completes. hourlyCost is for the safe count; ★ the cheapest type for "
        "each task size, count and setting; an empty cell has no answer (the task fits no "
        "instance of the type, no count works, or the time limit came: see method).</p>",
        *(
            ["<h2>Hourly cost of the safe count, per combination</h2>", chart, "<h2>Every row</h2>"]
            if chart
            else []
        ),
        *lines,
        f'<p class="dim">prices: on-demand, {e(str(info.region))}, {e(str(info.price_date))}; '
        "instance sizes as ECS registers them (data/instance_types.yaml).</p>",
    ]
    return _page(f"planner table: {name}", body)


#: Most combinations the cost chart names one by one (past it, every k-th, evenly).
MOST_LABELS = 120


def combination_labels(df: pd.DataFrame) -> list[str]:
    """What each combination of a table is (one label per distinct :data:`GROUP_KEY`, in
    the table's order): the task (``256/512`` CPU units / MiB, ``→`` the new size), the
    desired count (``× 4``), the percents (``100–200 %``) or the strategy, the host port.
    Parts that are the same in every combination are left out (the axis says them)."""
    keys = list(dict.fromkeys(tuple(r) for r in df[list(GROUP_KEY)].itertuples(index=False)))
    parts = []
    for cpu, mem, new_cpu, new_mem, count, lo, hi, strategy, port in keys:
        task = f"{cpu}/{mem}" + (
            "" if (cpu, mem) == (new_cpu, new_mem) else f"→{new_cpu}/{new_mem}"
        )
        how = f"{lo}–{hi} %" if strategy == "ROLLING" else str(strategy)
        parts.append((task, f"× {count}", how, str(port)))
    varying = [k for k in range(4) if len({p[k] for p in parts}) > 1] or [0, 1]
    return [" ".join(p[k] for k in varying) for p in parts]


def _cost_figure(df: pd.DataFrame):  # -> matplotlib Figure
    """The cost chart's figure (:func:`_cost_chart`), one row per combination."""
    plt = pyplot()
    keys = list(GROUP_KEY)
    combos = list(dict.fromkeys(tuple(r) for r in df[keys].itertuples(index=False)))
    where = {c: k for k, c in enumerate(combos)}
    y = [where[tuple(r)] for r in df[keys].itertuples(index=False)]
    labels = combination_labels(df)
    step = -(-len(combos) // MOST_LABELS)  # every combination labelled, up to MOST_LABELS
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.2 * len(combos[::step])))
    types = list(dict.fromkeys(df["instanceType"]))
    for name in types:
        rows = [k for k, v in enumerate(df["instanceType"]) if v == name]
        ax.scatter([df["hourlyCost"].iloc[k] for k in rows], [y[k] for k in rows], s=14,
                   label=name)  # fmt: skip
    best = [k for k, v in enumerate(df["cheapest"]) if bool(v)]
    ax.scatter([df["hourlyCost"].iloc[k] for k in best], [y[k] for k in best], marker="*",
               s=90, facecolors="none", edgecolors="black", label="cheapest")  # fmt: skip
    ax.set_yticks(range(0, len(combos), step), labels[::step], fontsize=7)
    ax.set_ylim(len(combos) - 0.5, -0.5)  # the table's order, top down
    ax.grid(axis="y", color="#eee", linewidth=0.5)
    ax.set_ylabel("task CPU/MiB, desired count, percents or strategy, host port", fontsize=8)
    ax.set_xlabel("USD per hour of the safe count", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=7, ncol=max(1, len(types) // 8), loc="upper left",
              bbox_to_anchor=(1.01, 1))  # fmt: skip
    fig.tight_layout()
    return fig


def _cost_chart(df: pd.DataFrame) -> str:
    """Per combination (task size, count, setting, port mode: one row each, labelled by
    them), the hourly cost of the safe count for every instance type (one marker per
    type), the cheapest drawn as a star; '' when no row has a cost."""
    if "hourlyCost" not in df.columns or df["hourlyCost"].isna().all():
        return ""
    return svg(_cost_figure(df))


def batch_html(result: BatchResult) -> str:
    """``planner batch --format html``: one row per scenario, its status coloured, why it
    is not safe in ECS's words, the least fleet and the plan's length; on a cluster that
    reacts, how the deployment ends (the outcome line)."""
    e = escape
    counts = ", ".join(f"{n} {s}" for s, n in result.counts().items())
    rows = []
    for r in result.rows:
        status = r["status"]
        css = STATUS_CLASS.get(status, "hangs")
        why = "" if status == Verdict.SAFE else message(r)
        waves = "" if r.get("waves") is None else str(r["waves"])
        secs = r.get("estimatedDurationSeconds")
        o = r.get("outcome")
        ends = (
            f'<td class="outcome {outcome_status(o)}">'
            f"{e(outcome_line(o).removeprefix('outcome: '))}</td>"
            if o
            else "<td></td>"
        )
        rows.append(
            f'<tr><td>{e(r["scenario"])}</td><td class="{css}">{e(status)}</td>{ends}'
            f"<td>{e(why)}</td><td>{e(minimum_text(r.get('minimum')))}</td><td>{waves}</td>"
            f"<td>{'' if secs is None else round(secs / 60, 1)}</td>"
            f"<td>{r.get('wallSeconds') or 0:.1f}</td></tr>"
        )
    body = [
        f"<h1>planner batch: {len(result.rows)} scenarios</h1>",
        f"<p>{e(counts)}; worst: <strong>{e(result.worst)}</strong> (exit code "
        f"{result.exit_code}); {result.wall_seconds:.1f} s in all.</p>",
        "<table><tr><th>scenario</th><th>status</th><th>outcome</th><th>why (ECS's words, or "
        "the error)</th><th>minimum</th><th>waves</th><th>≈ minutes</th><th>solve s</th></tr>",
        *rows,
        "</table>",
        f'<p class="dim">time limit {result.time_limit:g} s per scenario; verdicts as '
        "planner solve, which gives the plan, why and the fixes of each.</p>",
    ]
    return _page("planner batch", body)
