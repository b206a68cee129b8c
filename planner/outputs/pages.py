"""The sweeps' pages: ``planner percents``, ``planner table`` and ``planner batch`` with
``--format html``.

Each is one self-contained HTML file in the style of the solve's page
(:mod:`planner.outputs.report`): no script, no network, every string from an input escaped
(:func:`html.escape`), charts as inline SVG with text drawn as outlines.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from planner.deciding.batch import BatchResult
from planner.deciding.percents import PercentOptions
from planner.deciding.tables import GROUP_KEY, records
from planner.model.catalog import catalog_info
from planner.outputs import percents_text
from planner.outputs.formatting import cell_text, message, minimum_text, percent_text
from planner.outputs.report import _COLOURS, _STYLE, _pyplot, _svg

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]


def _page(title: str, body: list[str]) -> str:
    return (
        "\n".join(
            [
                "<!doctype html>",
                '<html lang="en"><head><meta charset="utf-8">',
                f"<title>{escape(title)}</title>",
                f"<style>{_STYLE}{_GRID_STYLE}</style></head><body>",
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
            cells.append(f'<td class="{_COLOURS[word]}{mark}">{text}</td>')
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


def table_html(df: pd.DataFrame) -> str:
    """``planner table --format html``: the capacity table as a page: every row with its
    cost, the cheapest type per combination marked ★, empty cells where there is no
    answer, and what the figures assume."""
    e = escape
    rows = records(df)
    cols = [c for c in df.columns if c != "cheapest"]
    head = "<tr>" + "".join(f"<th>{e(c)}</th>" for c in cols) + "<th>cheapest</th></tr>"
    lines = ["<table>", head]
    for r in rows:
        cells = []
        for c in cols:
            cells.append(f"<td>{e(cell_text(r[c], c))}</td>")
        star = "★" if r["cheapest"] else ""
        lines.append("<tr>" + "".join(cells) + f"<td>{star}</td></tr>")
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


def _cost_chart(df: pd.DataFrame) -> str:
    """Per combination (task size, count, setting, port mode: one column each), the hourly
    cost of the safe count for every instance type (one marker per type), the cheapest
    drawn as a star; '' when no row has a cost."""
    if "hourlyCost" not in df.columns or df["hourlyCost"].isna().all():
        return ""
    plt = _pyplot()
    keys = [c for c in GROUP_KEY if c in df.columns]
    combos = list(dict.fromkeys(tuple(r) for r in df[keys].itertuples(index=False)))
    where = {c: k for k, c in enumerate(combos)}
    x = [where[tuple(r)] for r in df[keys].itertuples(index=False)]
    fig, ax = plt.subplots(figsize=(min(14, 4 + 0.25 * len(combos)), 3.6))
    types = list(dict.fromkeys(df["instanceType"]))
    for name in types:
        rows = [k for k, v in enumerate(df["instanceType"]) if v == name]
        ax.scatter([x[k] for k in rows], [df["hourlyCost"].iloc[k] for k in rows], s=14,
                   label=name)  # fmt: skip
    best = [k for k, v in enumerate(df["cheapest"]) if bool(v)]
    ax.scatter([x[k] for k in best], [df["hourlyCost"].iloc[k] for k in best], marker="*",
               s=90, facecolors="none", edgecolors="black", label="cheapest")  # fmt: skip
    ax.set_xlabel(f"combination ({len(combos)}: {', '.join(keys)}, in the table's order)",
                  fontsize=8)  # fmt: skip
    ax.set_ylabel("USD per hour", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, ncol=max(1, len(types) // 8), loc="upper left",
              bbox_to_anchor=(1.01, 1))  # fmt: skip
    fig.tight_layout()
    return _svg(fig)


def batch_html(result: BatchResult) -> str:
    """``planner batch --format html``: one row per scenario, its status coloured, why it
    is not safe in ECS's words, the least fleet and the plan's length."""
    e = escape
    counts = ", ".join(f"{n} {s}" for s, n in result.counts().items())
    rows = []
    for r in result.rows:
        status = r["status"]
        css = _COLOURS.get(status, "hangs")
        why = "" if status == "safe" else message(r)
        waves = "" if r.get("waves") is None else str(r["waves"])
        secs = r.get("estimatedDurationSeconds")
        rows.append(
            f'<tr><td>{e(r["scenario"])}</td><td class="{css}">{e(status)}</td>'
            f"<td>{e(why)}</td><td>{e(minimum_text(r.get('minimum')))}</td><td>{waves}</td>"
            f"<td>{'' if secs is None else round(secs / 60, 1)}</td>"
            f"<td>{r.get('wallSeconds') or 0:.1f}</td></tr>"
        )
    body = [
        f"<h1>planner batch: {len(result.rows)} scenarios</h1>",
        f"<p>{e(counts)}; worst: <strong>{e(result.worst)}</strong> (exit code "
        f"{result.exit_code}); {result.wall_seconds:.1f} s in all.</p>",
        "<table><tr><th>scenario</th><th>status</th><th>why (ECS's words, or the error)"
        "</th><th>minimum</th><th>waves</th><th>≈ minutes</th><th>solve s</th></tr>",
        *rows,
        "</table>",
        f'<p class="dim">time limit {result.time_limit:g} s per scenario; verdicts as '
        "planner solve, which gives the plan, why and the fixes of each.</p>",
    ]
    return _page("planner batch", body)
