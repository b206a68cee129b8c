"""A page a person can look at: ``planner solve --format html``.

One self-contained HTML file (no script, no network): the verdict, why in ECS's words, the
checked fixes, the plan wave by wave, and two charts drawn as inline SVG with matplotlib
(chosen because SVG needs no JavaScript runtime to inline, so the page works offline and
cannot log a script error): per service, old and new tasks over the waves against the
lower and upper bounds; and the cluster's CPU and memory in use per instance (instances
grouped by type and zone) at the start, at the peak and where it ends.

**Safe to share.** Every string from a scenario or an AWS export is escaped
(:func:`html.escape`); in the charts, text is drawn as glyph outlines (``svg.fonttype:
path``), so no input becomes markup, script, style or a URL.
"""

from __future__ import annotations

import io
from html import escape

from planner.deciding.result import Result
from planner.model.problem import Problem
from planner.model.rollout import State, replay
from planner.running.clock import Deadline

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
.verdict { display: inline-block; padding: 0.2em 0.7em; border-radius: 0.3em; color: #fff;
  font-weight: bold; letter-spacing: 0.05em; }
.safe { background: #2e7d32; } .at-risk { background: #b26a00; } .hangs { background: #c62828; }
.unknown { background: #6a1b9a; }
table { border-collapse: collapse; margin: 0.5em 0; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
.dim { color: #666; font-size: 0.9em; } svg { max-width: 100%; height: auto; }
"""

_COLOURS = {"safe": "safe", "at-risk": "at-risk", "hangs": "hangs", "unknown": "unknown",
            "failed": "failed", "bad-input": "failed"}  # fmt: skip


def solve_html(result: Result, problem: Problem, deadline: Deadline | None = None) -> str:
    """The page for one solve; ``problem`` is the compiled scenario the result is about.
    Past ``deadline`` (the command's), the charts are left out, with a line saying so."""
    e = escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>planner: {e(result.scenario)}: {e(result.verdict)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f'<h1><span class="verdict {_COLOURS[result.verdict]}">{e(result.verdict.upper())}'
        f"</span> {e(result.scenario)}</h1>",
    ]
    if result.stuck_now:
        parts.append("<p><strong>Stuck now:</strong> from this state ECS can neither stop nor "
                     "start a task.</p>")  # fmt: skip
    parts.append(f'<p class="dim">{e(result.proof)}</p>')
    if result.dead_state is not None:
        where = "now" if result.stuck_now else f"at wave {result.dead_state.wave}"
        verb = "hangs" if result.verdict == "hangs" else "can hang"
        parts.append(f"<h2>Why: it {verb} {where}</h2><ul>")
        from planner.outputs.render import describe_instance

        for b in result.dead_state.blocked:
            named = describe_instance(result, b.instance)
            which = (
                f' <span class="dim">(container-instance {b.instance} is {e(named)})</span>'
                if named
                else ""
            )
            parts.append(f"<li>[{e(b.reason)}] {e(b.message)}{which}</li>")
        parts.append("</ul>")
    if result.fixes:
        parts.append("<h2>What would fix it (each checked: safe)</h2><ul>")
        parts += [f"<li>{e(f)}</li>" for f in result.fixes]
        parts.append("</ul>")
    states = _states(result, problem)
    if len(states) > 1 and deadline is not None and deadline.expired:
        parts.append('<p class="dim">No charts: the time limit came before they were drawn '
                     "(a longer --time-limit draws them).</p>")  # fmt: skip
    elif len(states) > 1:  # (stuck now: no wave to draw)
        parts.append("<h2>Tasks per service over the waves</h2>")
        parts.append(_counts_chart(result, problem, states))
        if result.plan and len(result.duration_parts) == len(result.plan):
            parts.append("<h2>Tasks per service over estimated time</h2>")
            parts.append(
                '<p class="dim">A wave stops and starts its tasks as it begins; the new ones '
                "count as healthy when it ends. Wave lengths are estimates (see the timing "
                "assumptions below).</p>"
            )
            parts.append(_time_chart(result, problem, states))
        parts.append("<h2>The cluster: CPU and memory in use per instance</h2>")
        parts.append(_heatmap(problem, states))
    parts.append(_plan_table(result))
    parts.append("<h2>Assumptions</h2><ul>")
    parts += [f"<li>{e(a)}</li>" for a in result.assumptions]
    parts.append("</ul></body></html>")
    return "\n".join(parts) + "\n"


def _states(result: Result, problem: Problem) -> list[State]:
    """The states the page draws: along the plan, else along the dead path."""
    waves = result.plan if result.plan else (result.dead_state.choices if result.dead_state else [])
    try:
        return replay(problem, waves, ecs_rules=result.plan is None)
    except Exception:  # pragma: no cover (every plan was replayed before it was reported)
        return []


def _plan_table(result: Result) -> str:
    waves = result.plan or (result.dead_state.choices if result.dead_state else [])
    if not waves:
        return ""
    title = "The plan" if result.plan else "ECS's choices that reach the dead end"
    names = result.service_names
    rows = []
    for k, w in enumerate(waves, 1):
        for s in sorted({s for s, _, _ in (*w.stops, *w.starts)}):
            stopped = sum(n for t, _, n in w.stops if t == s)
            started = sum(n for t, _, n in w.starts if t == s)
            rows.append(f"<tr><td>{k}</td><td>{escape(names[s])}</td><td>{stopped}</td>"
                        f"<td>{started}</td></tr>")  # fmt: skip
    return (
        f"<h2>{title}</h2><table><tr><th>wave</th><th>service</th><th>stops</th>"
        f"<th>starts</th></tr>{''.join(rows)}</table>"
    )


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]  # the element alone, inline


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "path"  # text as outlines: no input as markup
    import matplotlib.pyplot as plt

    return plt


def _per_service(problem: Problem, draw, xlabel: str) -> str:
    """One small chart per service, four to a row, each with the service's lower and upper
    bounds: ``draw(ax, s)`` draws service ``s``'s lines."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    S = problem.n_services
    cols = min(S, 4)
    rows = -(-S // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for s, svc in enumerate(problem.services):
        ax = axes[s // cols][s % cols]
        draw(ax, s)
        ax.axhline(svc.lower, color="grey", linestyle="--", linewidth=1, label="lower")
        ax.axhline(svc.upper, color="grey", linestyle=":", linewidth=1, label="upper")
        ax.set_title(svc.name, fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=7)
    for k in range(S, rows * cols):
        axes[k // cols][k % cols].axis("off")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return _svg(fig)


def _counts_chart(result: Result, problem: Problem, states: list[State]) -> str:
    """Per service, old and new tasks after each wave, against the bounds."""
    from matplotlib.ticker import MaxNLocator

    waves = range(len(states))

    def draw(ax, s: int) -> None:
        ax.plot(waves, [st.old_total(s) for st in states], marker="o", label="old")
        ax.plot(waves, [st.new_total(s) for st in states], marker="o", label="new")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))

    return _per_service(problem, draw, "after wave")


def _time_chart(result: Result, problem: Problem, states: list[State]) -> str:
    """Per service, over the plan's estimated minutes: old tasks running, new tasks running
    and new tasks healthy (a wave's starts turn healthy at its end), against the bounds."""
    ends = [0.0]
    for seconds in result.duration_parts:
        ends.append(ends[-1] + seconds / 60)

    def draw(ax, s: int) -> None:
        # step functions, each value from its time on: wave k runs from ends[k-1] to
        # ends[k]; its stops and starts count from its beginning, its starts are healthy
        # from its end
        old = [st.old_total(s) for st in states]
        new = [st.new_total(s) for st in states]
        ax.step(ends, [*old[1:], old[-1]], where="post", label="old")
        ax.step(ends, [*new[1:], new[-1]], where="post", label="new running")
        ax.step(ends, new, where="post", linestyle="--", label="new healthy")

    return _per_service(problem, draw, "minutes (estimated)")


def _group_ticks(problem: Problem, order: list[int]) -> tuple[list[float], list[str]]:
    """One tick per run of instances of one group and zone, at its middle, named by them."""
    ticks: list[float] = []
    names: list[str] = []
    start = 0
    for k in range(1, len(order) + 1):
        here = problem.instances[order[k - 1]]
        if k == len(order) or (
            (problem.instances[order[k]].group, problem.instances[order[k]].zone)
            != (here.group, here.zone)
        ):
            kind = dict(here.attributes).get("ecs.instance-type", here.label.rsplit("#", 1)[0])
            ticks.append((start + k - 1) / 2)
            names.append(f"{kind} {here.zone}" if here.zone else kind)
            start = k
    return ticks, names


def _group_edges(ticks: list[float]) -> list[float]:
    """Between the groups of :func:`_group_ticks` (each tick is its group's middle)."""
    edges = []
    last = -1  # the last instance of the group before
    for mid in ticks[:-1]:
        last = round(2 * mid) - (last + 1)  # a group runs from last + 1 to 2·mid − (last + 1)
        edges.append(last + 0.5)
    return edges


def _heatmap(problem: Problem, states: list[State]) -> str:
    """CPU and memory in use per instance (columns, grouped by type and zone) at the
    start, at the peak (the most CPU in use) and at the end."""
    import numpy as np

    plt = _pyplot()

    def use(st: State, d: int) -> np.ndarray:
        out = []
        for i in range(problem.n_instances):
            row = problem.rows[i][d]
            out.append(row.load(st.old[i], st.new[i]) / max(1, row.limit))
        return np.array(out)

    peak = max(range(len(states)), key=lambda k: float(use(states[k], 0).sum()))
    picks = [("start", states[0]), (f"peak (after wave {peak})", states[peak]),
             ("end", states[-1])]  # fmt: skip
    order = sorted(range(problem.n_instances), key=lambda i: (problem.instances[i].group,
                   problem.instances[i].zone or "", i))  # fmt: skip
    fig, axes = plt.subplots(2, 1, figsize=(10, 3.6), squeeze=False)
    for d, name in ((0, "CPU"), (1, "memory")):
        grid = np.array([use(st, d)[order] for _, st in picks])
        ax = axes[d][0]
        image = ax.imshow(grid, aspect="auto", vmin=0, vmax=1, cmap="viridis",
                          interpolation="nearest")  # fmt: skip
        ax.set_yticks(range(len(picks)), [p for p, _ in picks], fontsize=7)
        ax.set_title(f"{name} in use (share of what tasks may use), instances by type and zone",
                     fontsize=8)  # fmt: skip
        ticks, names = _group_ticks(problem, order)
        ax.set_xticks(ticks, names, fontsize=6, rotation=30, ha="right")
        for edge in _group_edges(ticks):  # a line between groups
            ax.axvline(edge, color="white", linewidth=1.5)
        fig.colorbar(image, ax=ax, fraction=0.02)
    fig.tight_layout()
    return _svg(fig)
