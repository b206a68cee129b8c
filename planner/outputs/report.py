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

from html import escape

from planner.deciding.result import Result
from planner.deciding.verdicts import Verdict
from planner.model.problem import NOT_LAUNCHED, Problem
from planner.model.rollout import State, replay, view
from planner.outputs.html import STATUS_CLASS, STYLE, pyplot, svg
from planner.outputs.reacting_text import launch_words, outcome_line, outcome_status
from planner.running.clock import Deadline


def solve_html(result: Result, problem: Problem, deadline: Deadline | None = None) -> str:
    """The page for one solve; ``problem`` is the compiled scenario the result is about.
    Past ``deadline`` (the command's), the charts are left out, with a line saying so."""
    e = escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>planner: {e(result.scenario)}: {e(result.verdict)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f'<h1><span class="verdict {STATUS_CLASS[result.verdict]}">{e(result.verdict.upper())}'
        f"</span> {e(result.scenario)}</h1>",
    ]
    parts += _outcome(result)
    if result.stuck_now:
        parts.append("<p><strong>Stuck now:</strong> from this state ECS can neither stop nor "
                     "start a task.</p>")  # fmt: skip
    parts.append(f'<p class="dim">{e(result.proof)}</p>')
    ds = result.dead_state
    if ds is not None:
        verb = "hangs" if result.verdict == Verdict.HANGS else "can hang"
        where = "now" if result.stuck_now else f"(the run can do nothing from wave {ds.wave} on)"
        parts.append(f"<h2>Why: it {verb} {where}</h2><ul>")
        from planner.outputs.render import describe_instance

        for b in ds.blocked:
            named = describe_instance(result, b.instance)
            which = (
                f' <span class="dim">(container-instance {b.instance} is {e(named)})</span>'
                if named
                else ""
            )
            detail = f"<br>{e(b.detail[:1].upper() + b.detail[1:])}." if b.detail else ""
            parts.append(
                f"<li>[{e(b.reason)}] <strong>{e(b.service)}</strong>, "
                f"{e(result.stuck_words(b.service))}: {e(b.message)}{which}{detail}</li>"
            )
        parts.append("</ul>")
    if result.fixes:
        from planner.deciding.fixes import is_safe_fix

        checked = (
            "each checked: safe"
            if all(map(is_safe_fix, result.fixes))
            else "each checked by a solve"
        )
        head = "What is proven instead" if result.verdict == "unknown" else "What would fix it"
        parts.append(f"<h2>{head} ({checked})</h2><ul>")
        parts += [f"<li>{e(f)}</li>" for f in result.fixes]
        parts.append("</ul>")
    plan = _replayed(problem, result.plan) if result.plan else []
    dead = _replayed(problem, ds.choices) if ds is not None else []
    parts += _charts(result, problem, plan, dead, deadline)
    parts.append(_plan_table(result))
    parts.append("<h2>Assumptions</h2><ul>")
    parts += [f"<li>{e(a)}</li>" for a in result.assumptions]
    parts.append("</ul></body></html>")
    return "\n".join(parts) + "\n"


def _outcome(result: Result) -> list[str]:
    """How the deployment ends (ROLLOUT.md §10), under the verdict: the outcome line in a
    block of its status's colour, and the rollback's own verdict where there is one."""
    o = result.outcome
    if o is None:
        return []
    e = escape
    line = outcome_line(o).removeprefix("outcome: ")
    parts = [
        f'<p class="outcome {outcome_status(o)}" data-kind="{e(o.get("kind", ""))}">'
        f"<strong>Outcome:</strong> {e(line)}</p>"
    ]
    rb = o.get("rollback")
    if rb is not None:
        verdict = rb.get("verdict", "unknown")
        said = ", ".join(rb.get("services", []))
        dead = (rb.get("deadState") or {}).get("services", [])
        why = "".join(f"<li>[{e(d['reason'])}] {e(d['message'])}</li>" for d in dead)
        parts.append(
            f"<p>The rollback ({e(said)}), solved as a rollout of its own from the dead end: "
            f'<span class="verdict {STATUS_CLASS.get(verdict, "unknown")}">{e(verdict.upper())}'
            f"</span></p>" + (f"<ul>{why}</ul>" if why else "")
        )
    return parts


def _charts(
    result: Result, problem: Problem, plan: list[State], dead: list[State], deadline
) -> list[str]:
    """The page's charts, each drawn only while ``deadline`` (the command's) has time left:
    once it has passed, the rest are left out with a line saying so."""
    parts: list[str] = []
    ds = result.dead_state

    def late() -> bool:
        if deadline is None or not deadline.expired:
            return False
        parts.append('<p class="dim">No more charts: the time limit came before they were '
                     "drawn (a longer --time-limit draws them).</p>")  # fmt: skip
        return True

    if (plan or dead) and late():
        return parts
    if dead:
        at = "now" if result.stuck_now else f"at wave {ds.wave}"  # type: ignore[union-attr]
        parts.append(f"<h2>The dead end: the cluster {at}</h2>")
        parts.append(
            '<p class="dim">Per instance (numbered as in ECS\'s events), the CPU units and '
            "memory each service's tasks take where the run can do nothing: old tasks hatched, "
            "new ones solid, the stuck services outlined in red, the services that do not "
            "deploy in grey; the black mark is what tasks may use. Below, per stuck service, "
            "why a new task of it fits on no instance.</p>"
        )
        parts.append(_dead_cluster(result, problem, dead[-1]))
    if (plan or dead) and late():
        return parts
    if plan and dead:  # at-risk: the run that hangs beside the plan that completes
        parts.append("<h2>Tasks per service over the waves</h2>")
        parts.append(
            '<div class="pair"><figure><figcaption>The plan: it completes</figcaption>'
            f"{_counts_chart(result, problem, plan)}</figure><figure><figcaption>ECS's "
            f"choices that hang it</figcaption>{_counts_chart(result, problem, dead, True)}"
            "</figure></div>"
        )
    elif plan or dead:
        parts.append("<h2>Tasks per service over the waves</h2>")
        parts.append(_counts_chart(result, problem, plan or dead, not plan))
    states = plan or dead
    if len(states) > 1:  # (stuck now: no wave to draw)
        if result.plan and len(result.duration_parts) == len(result.plan):
            if late():
                return parts
            parts.append("<h2>Tasks per service over estimated time</h2>")
            parts.append(
                '<p class="dim">A wave stops and starts its tasks as it begins; the new ones '
                "count as healthy when it ends. Wave lengths are estimates (see the timing "
                "assumptions below).</p>"
            )
            parts.append(_time_chart(result, problem, states))
        if late():
            return parts
        parts.append("<h2>The cluster: CPU and memory in use per instance</h2>")
        parts.append(_heatmap(problem, states))
    return parts


def not_launched(problem: Problem, state: State) -> set[int]:
    """The instances a group may launch but has not in ``state`` (ROLLOUT.md §10)."""
    shown = view(problem, state)
    return {i for g in problem.groups for i in g.launchable if shown.instances[i].closed}


def _replayed(problem: Problem, waves: list) -> list[State]:
    """The states along ``waves`` from the initial state (every plan and dead path was
    replayed before it was reported)."""
    try:
        return replay(problem, waves)
    except Exception:  # pragma: no cover (see above)
        return []


def _states(result: Result, problem: Problem) -> list[State]:
    """The states of the plan, else of the dead path."""
    waves = result.plan if result.plan else (result.dead_state.choices if result.dead_state else [])
    return _replayed(problem, waves)


def _plan_table(result: Result) -> str:
    waves = result.plan or (result.dead_state.choices if result.dead_state else [])
    if not waves:
        return ""
    title = "The plan" if result.plan else "ECS's choices that reach the dead end"
    names = result.service_names
    rows = []
    groups = getattr(result.problem, "groups", None)
    for k, w in enumerate(waves, 1):
        if any(w.launch):  # the wave's scale-out: the instances its groups launch
            rows.append(f'<tr><td>{k}</td><td colspan="3">{escape(launch_words(w, groups))}'
                        "</td></tr>")  # fmt: skip
        for s in sorted({s for s, _, _ in (*w.stops, *w.starts)}):
            stopped = sum(n for t, _, n in w.stops if t == s)
            started = sum(n for t, _, n in w.starts if t == s)
            rows.append(f"<tr><td>{k}</td><td>{escape(names[s])}</td><td>{stopped}</td>"
                        f"<td>{started}</td></tr>")  # fmt: skip
    return (
        f"<h2>{title}</h2><table><tr><th>wave</th><th>service</th><th>stops</th>"
        f"<th>starts</th></tr>{''.join(rows)}</table>"
    )


def _per_service(problem: Problem, draw, xlabel: str, marked: dict[int, str] | None = None) -> str:
    """One small chart per service, four to a row, each with the service's lower and upper
    bounds: ``draw(ax, s)`` draws service ``s``'s lines. ``marked``: services whose title
    says more, in red (the stuck ones: "stuck from wave 1")."""
    plt = pyplot()
    from matplotlib.ticker import MaxNLocator

    marked = marked or {}
    S = problem.n_services
    cols = min(S, 4)
    rows = -(-S // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for s, svc in enumerate(problem.services):
        ax = axes[s // cols][s % cols]
        draw(ax, s)
        ax.axhline(svc.lower, color="grey", linestyle="--", linewidth=1, label="lower")
        ax.axhline(svc.upper, color="grey", linestyle=":", linewidth=1, label="upper")
        lo, hi = ax.get_ylim()
        ax.set_ylim(min(lo, -0.25), max(hi, svc.upper + 0.25))  # from 0: counts read true
        if s in marked:
            ax.set_title(f"{svc.name}: {marked[s]}", fontsize=9, color=_STUCK)
        else:
            ax.set_title(svc.name, fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=7)
    for k in range(S, rows * cols):
        axes[k // cols][k % cols].axis("off")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return svg(fig)


#: The colour of what is stuck, in every chart.
_STUCK = "#c62828"


def _counts_chart(result: Result, problem: Problem, states: list[State], dead: bool = False) -> str:
    """Per service, old and new tasks after each wave, against the bounds. ``dead``: the
    states are the run that hangs: drawn on to the wave that can do nothing (a red line),
    each stuck service titled with the wave it stops moving and shaded from there."""
    from matplotlib.ticker import MaxNLocator

    ds = result.dead_state
    end = ds.wave if dead and ds is not None else len(states) - 1
    waves = list(range(len(states)))
    stuck: dict[int, str] = {}
    if dead and ds is not None:
        names = [svc.name for svc in problem.services]
        for b in ds.blocked:
            if b.service in names:
                stuck[names.index(b.service)] = result.stuck_words(b.service).split(" (")[0]

    def draw(ax, s: int) -> None:
        old = [st.old_total(s) for st in states]
        new = [st.new_total(s) for st in states]
        ax.plot(waves, old, marker="o", label="old")
        ax.plot(waves, new, marker="o", label="new")
        if dead and end > waves[-1]:  # nothing moves from the last state to the dead wave
            ax.plot([waves[-1], end], [old[-1]] * 2, color="C0", linestyle=":")
            ax.plot([waves[-1], end], [new[-1]] * 2, color="C1", linestyle=":")
        if dead:
            ax.axvline(end, color=_STUCK, linewidth=1.2, label="can do nothing")
        if s in stuck and ds is not None:
            ax.axvspan(ds.stuck_from(s) - 1, end, color=_STUCK, alpha=0.08, linewidth=0)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))

    return _per_service(problem, draw, "after wave", stuck)


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
    launchable = {i for g in problem.groups for i in g.launchable}
    start = 0
    for k in range(1, len(order) + 1):
        here = problem.instances[order[k - 1]]
        if k == len(order) or (
            (problem.instances[order[k]].group, problem.instances[order[k]].zone)
            != (here.group, here.zone)
        ):
            kind = dict(here.attributes).get("ecs.instance-type", here.label.rsplit("#", 1)[0])
            ticks.append((start + k - 1) / 2)
            name = f"{kind} {here.zone}" if here.zone else kind
            if order[k - 1] in launchable:  # a group's instances to launch
                name += f"\n{here.provider} may launch"
            names.append(name)
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

    plt = pyplot()

    def use(st: State, d: int) -> np.ndarray:
        out = []
        idle = not_launched(problem, st)  # no capacity yet: blank, not an empty instance
        for i in range(problem.n_instances):
            row = problem.rows[i][d]
            out.append(np.nan if i in idle else row.load(st.old[i], st.new[i]) / max(1, row.limit))
        return np.array(out)

    peak = max(range(len(states)), key=lambda k: float(np.nansum(use(states[k], 0))))
    picks = [("start", states[0]), (f"peak (after wave {peak})", states[peak]),
             ("end", states[-1])]  # fmt: skip
    order = sorted(range(problem.n_instances), key=lambda i: (problem.instances[i].group,
                   problem.instances[i].zone or "", i))  # fmt: skip
    fig, axes = plt.subplots(2, 1, figsize=(10, 3.6), squeeze=False)
    for d, name in ((0, "CPU"), (1, "memory")):
        grid = np.array([use(st, d)[order] for _, st in picks])
        ax = axes[d][0]
        cmap = plt.get_cmap("viridis").with_extremes(bad="#e0e0e0")  # not launched: grey
        image = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", vmin=0, vmax=1, cmap=cmap,
                          interpolation="nearest")  # fmt: skip
        ax.set_yticks(range(len(picks)), [p for p, _ in picks], fontsize=7)
        grey = "; grey: not launched" if problem.groups else ""
        ax.set_title(f"{name} in use (share of what tasks may use), instances by type and "
                     f"zone{grey}", fontsize=8)  # fmt: skip
        ticks, names = _group_ticks(problem, order)
        ax.set_xticks(ticks, names, fontsize=6, rotation=30, ha="right")
        for edge in _group_edges(ticks):  # a line between groups
            ax.axvline(edge, color="white", linewidth=1.5)
        fig.colorbar(image, ax=ax, fraction=0.02)
    fig.tight_layout()
    return svg(fig)


#: The reason strip of :func:`_dead_cluster`: per failure, its short word and colour.
_WHY_CELL = {
    "cpu": ("cpu", "#ef9a9a"), "memory": ("mem", "#ffcc80"), "port": ("port", "#ce93d8"),
    "eni": ("eni", "#90caf9"), "placement-constraint": ("rule", "#b0bec5"),
    "closed": ("closed", "#9e9e9e"), "": ("fits", "#c8e6c9"),
    NOT_LAUNCHED: ("not\nlaunched", "#eeeeee"),
}  # fmt: skip


def _dead_cluster(result: Result, problem: Problem, state: State) -> str:
    """The cluster where the run can do nothing: per instance (numbered as ECS's events
    number them; grouped by type and zone), the CPU units and MiB each service's tasks
    take, stacked (old hatched, new solid; the stuck services outlined in red; the static
    load grey), with what tasks may use marked; and per stuck service, a strip saying why
    one more new task of it does not fit on each instance (the instance ECS names boxed)."""
    plt = pyplot()
    ds = result.dead_state
    names = [svc.name for svc in problem.services]
    blocked = [b for b in (ds.blocked if ds else []) if b.service in names]
    stuck = [names.index(b.service) for b in blocked]
    n = problem.n_instances
    order = sorted(range(n), key=lambda i: (problem.instances[i].group,
                   problem.instances[i].zone or "", i))  # fmt: skip
    strip = max(1, len(stuck))
    fig, axes = plt.subplots(
        3, 1, figsize=(min(16.0, 6.0 + 0.32 * n), 5.2 + 0.3 * strip), squeeze=False,
        gridspec_kw={"height_ratios": [3, 3, 0.5 + 0.45 * strip]}, sharex=True,
    )  # fmt: skip
    idle = not_launched(problem, state)
    _use_panels(problem, state, order, stuck, axes, idle)
    _why_strip(problem, state, order, stuck, blocked, axes[2][0], idle)
    _legend(problem, stuck, axes, bool(idle))
    fig.tight_layout()
    return svg(fig)


def _use_panels(
    problem: Problem, state: State, order: list[int], stuck: list[int], axes, idle: set[int]
) -> None:
    """CPU units and MiB per instance: the static load, then each service's old and new
    tasks stacked, with the capacity marked (dashed grey where a group has not launched
    the instance: no capacity yet) and the type-and-zone groups named."""
    import numpy as np

    x = np.arange(problem.n_instances)
    for d, (ax,) in zip((0, 1), axes[:2], strict=True):
        bottom = np.array([problem.instances[i].static[d] for i in order], dtype=float)
        ax.bar(x, bottom, width=0.8, color="#bdbdbd")
        for s in range(problem.n_services):
            for kind, counts in (("old", state.old), ("new", state.new)):
                coef = problem.rows[0][d].old[s] if kind == "old" else problem.rows[0][d].new[s]
                h = np.array([coef * counts[i][s] for i in order], dtype=float)
                on = h > 0  # (no empty bar: its outline would show)
                if not on.any():
                    continue
                ax.bar(x[on], h[on], bottom=bottom[on], width=0.8, color=f"C{s % 10}",
                       alpha=0.45 if kind == "old" else 0.95,
                       hatch="///" if kind == "old" else None,
                       edgecolor=_STUCK if s in stuck else "white",
                       linewidth=1.4 if s in stuck else 0.5)  # fmt: skip
                bottom += h
        cap = [problem.instances[i].capacity[d] for i in order]
        shut = np.array([i in idle for i in order])
        ax.hlines(np.array(cap)[~shut], x[~shut] - 0.42, x[~shut] + 0.42, color="black",
                  linewidth=2)  # fmt: skip
        if shut.any():
            ax.hlines(np.array(cap)[shut], x[shut] - 0.42, x[shut] + 0.42, color="#9e9e9e",
                      linewidth=1.2, linestyles="dashed")  # fmt: skip
        ax.set_ylabel("CPU units" if d == 0 else "MiB", fontsize=8)
        ax.set_ylim(0, max(max(cap), float(bottom.max())) * 1.08 or 1)
        ax.tick_params(labelsize=7)
        ticks, groups = _group_ticks(problem, order)
        for edge in _group_edges(ticks):
            ax.axvline(edge, color="grey", linewidth=0.8, linestyle="--")
        if d == 0:
            for mid, name in zip(ticks, groups, strict=True):
                ax.text(mid, 1.01, name, transform=ax.get_xaxis_transform(), ha="center",
                        va="bottom", fontsize=7, color="#444")  # fmt: skip


def _why_strip(
    problem: Problem, state: State, order: list[int], stuck: list[int], blocked, ax, idle
) -> None:
    """Per stuck service, a row saying why one more new task does not fit on each instance
    (the instance ECS names boxed); a legend of the colours where too narrow for words."""
    import numpy as np
    from matplotlib.patches import Patch

    from planner.model.placement import failing_row
    from planner.model.rollout import failures

    plt = pyplot()
    n, strip = problem.n_instances, max(1, len(stuck))
    names = [svc.name for svc in problem.services]
    x = np.arange(n)
    said: dict[str, str] = {}
    for row, (s, b) in enumerate(zip(stuck, blocked, strict=True)):
        for k, i in enumerate(order):
            if i in idle:
                code = NOT_LAUNCHED
            elif view(problem, state).instances[i].closed:
                code = "closed"
            else:
                fails = failures(problem, state, i, s)
                code = fails[0] if fails else ""
            word, colour = _WHY_CELL[code]
            if code == "placement-constraint":  # which one: memberOf, distinct
                what = failing_row(problem.rows[i], state.old[i], state.new[i], s, code).what
                word = "distinct" if what == "distinctInstance" else what.split("(")[0]
            boxed = i == b.instance
            ax.add_patch(plt.Rectangle((k - 0.45, row - 0.42), 0.9, 0.84, facecolor=colour,
                                       edgecolor="black" if boxed else "none",
                                       linewidth=2 if boxed else 0))  # fmt: skip
            if n <= 48:
                ax.text(k, row, word, ha="center", va="center", fontsize=6)
            said[word] = colour
    if n > 48:  # too narrow for words: a legend of the colours instead
        ax.legend(handles=[Patch(facecolor=c, label=w) for w, c in said.items()], fontsize=7,
                  loc="upper left", bbox_to_anchor=(1.01, 1.4))  # fmt: skip
    ax.set_ylim(strip - 0.5, -0.5)
    rows = [
        f"why not {names[s]}" + (": its bounds" if b.reason == "deployment-configuration" else "")
        for s, b in zip(stuck, blocked, strict=True)
    ]  # (held by its bounds: it fits, the percents stop it)
    ax.set_yticks(range(len(stuck)), rows or [""], fontsize=7)
    step = max(1, n // 40)
    ax.set_xticks(x[::step], [str(i) for i in order][::step], fontsize=7)
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_xlabel("container-instance (boxed: the one ECS's event names)", fontsize=8)


def _legend(problem: Problem, stuck: list[int], axes, idle: bool = False) -> None:
    """The services' colours, old and new tasks, the stuck outline and the static load."""
    from matplotlib.patches import Patch

    names = [svc.name for svc in problem.services]
    S = problem.n_services
    handles = [Patch(facecolor=f"C{s % 10}", label=names[s]) for s in range(S)]
    handles += [
        Patch(facecolor="white", edgecolor="grey", hatch="///", label="old tasks"),
        Patch(facecolor="grey", label="new tasks"),
        Patch(facecolor="white", edgecolor=_STUCK, linewidth=1.4, label="stuck service"),
    ]
    if idle:
        handles.append(Patch(facecolor="white", edgecolor="#9e9e9e", linestyle="--",
                             label="not launched (its group may launch it)"))  # fmt: skip
    static = sorted({name for inst in problem.instances for name in inst.static_names})
    if any(any(inst.static) for inst in problem.instances):
        some = ", ".join(static[:4]) + (" …" if len(static) > 4 else "")
        handles.append(Patch(facecolor="#bdbdbd", label=f"not deploying: {some}" if static
                             else "services that do not deploy"))  # fmt: skip
    two_lines = any(g.launchable for g in problem.groups)  # "… may launch" under a group
    axes[0][0].set_title("CPU units in use per instance (black mark: what tasks may use)",
                         fontsize=8, pad=24 if two_lines else 14)  # fmt: skip
    axes[1][0].set_title("memory in use per instance (MiB)", fontsize=8)
    axes[0][0].legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
