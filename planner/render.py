"""Text output for a person under pressure: verdict first, then why, the fix, the plan."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from planner.result import Result
from planner.rollout import Wave

COLOURS = {
    "safe": "bold green",
    "at-risk": "bold yellow",
    "hangs": "bold red",
    "unknown": "bold magenta",
}
HEADLINES = {
    "safe": "every run ECS can make completes",
    "at-risk": "a run completes, but ECS's own choices can hang it",
    "hangs": "no run completes: the deployment waits forever",
    "unknown": "the time limit came before a proof",
}


def _tasks(n: int) -> str:
    return f"{n} task" if n == 1 else f"{n} tasks"


def _minutes(seconds: int) -> str:
    m, s = divmod(seconds, 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


def wave_table(result: Result, waves: list[Wave], title: str) -> Table:
    """Waves as rows, instances as columns; a cell lists what stops (−) and starts (+)."""
    used = sorted({i for w in waves for _, i, _ in (*w.stops, *w.starts)})
    table = Table(title=title, title_justify="left", show_lines=False, pad_edge=False)
    table.add_column("wave", justify="right")
    for i in used:
        table.add_column(f"inst {i}")
    if result.duration_parts and waves is result.plan:
        table.add_column("≈ time", justify="right")
    for k, w in enumerate(waves, 1):
        cells = []
        for i in used:
            change: dict[int, list[str]] = {}
            for s, j, n in w.stops:
                if j == i:
                    change.setdefault(s, []).append(f"−{n}")
            for s, j, n in w.starts:
                if j == i:
                    change.setdefault(s, []).append(f"+{n}")
            cells.append(
                Text(
                    ", ".join(f"{result.service_names[s]} {''.join(v)}" for s, v in change.items())
                )
            )
        row: list[str | Text] = [str(k), *cells]
        if result.duration_parts and waves is result.plan:
            row.append(_minutes(result.duration_parts[k - 1]))
        table.add_row(*row)
    return table


def describe_instance(result: Result, i: int | None) -> str:
    """An instance by name, type and zone ("i-0abc, c5.large in us-east-1a"), for ECS's
    "container-instance N" (empty when unknown)."""
    if i is None or result.problem is None or i >= len(result.problem.instances):
        return ""
    inst = result.problem.instances[i]
    attrs = dict(inst.attributes)
    kind = attrs.get("ecs.instance-type")
    if kind == inst.label:  # named after its type (a group of one): say it once
        kind = None
    parts = [inst.label, *([kind] if kind else [])]
    return " ".join(parts) + (f" in {inst.zone}" if inst.zone else "")


def _instance_groups(result: Result) -> list[str]:
    """Per instance, its type and zone ("m5.large in us-east-1a"): how a plan at scale
    names where tasks go."""
    types: list[str] = []
    for g in result.instances:
        types += [g["type"]] * (g["count"] or 0)
    zones = result.zones or [None] * len(types)
    return [f"{t} in {z}" if z else t for t, z in zip(types, zones, strict=False)]


def _where(moves, s: int, groups: list[str], labels: list[str]) -> str:
    """Where service ``s``'s moves go: per type and zone, with the instance's name when it
    is one (``2 on 2 × m5.large in us-east-1a``, ``1 on i-0abc (c5.large in us-east-1b)``)."""
    count: Counter[str] = Counter()
    names: dict[str, set[int]] = {}
    for t, i, n in moves:
        if t == s:
            count[groups[i]] += n
            names.setdefault(groups[i], set()).add(i)
    parts = []
    for g, n in count.most_common():
        one = names[g]
        if len(one) == 1:
            (i,) = one
            parts.append(f"{n} on {labels[i]} ({g})" if labels[i] != g else f"{n} on {g}")
        else:
            parts.append(f"{n} on {len(one)} × {g}")
    return ", ".join(parts)


def print_waves(console: Console, result: Result, waves: list[Wave], title: str) -> None:
    """Waves × services, as indented lines: what each service stops and starts, where
    (instances grouped by type and zone), and its old + new tasks after the wave against
    its bounds. Readable at any cluster size and width: lines wrap between words, and no
    number or name is cut (the per-instance grid, :func:`wave_table`, is not)."""
    names = result.service_names
    index = {n: k for k, n in enumerate(names)}
    old = [0] * len(names)
    new = [0] * len(names)
    for e in result.initial:
        old[index[e["service"]]] += e["count"]
    for e in result.initial_new or []:
        new[index[e["service"]]] += e["count"]
    bounds = {svc["name"]: svc for svc in result.services}
    groups = _instance_groups(result)
    labels = result.instance_labels or [str(i) for i in range(len(groups))]
    timed = bool(result.duration_parts) and waves is result.plan
    console.print(Text(title, style="italic"))
    for k, w in enumerate(waves, 1):
        when = f" (≈ {_minutes(result.duration_parts[k - 1])})" if timed else ""
        console.print(Text(f"  wave {k}{when}", style="bold"))
        for s in sorted({s for s, _, _ in (*w.stops, *w.starts)}):
            stopped = sum(n for t, _, n in w.stops if t == s)
            started = sum(n for t, _, n in w.starts if t == s)
            old[s] -= stopped
            new[s] += started
            b = bounds[names[s]]
            moves = ", ".join(
                x for x in (f"−{stopped}" if stopped else "", f"+{started}" if started else "") if x
            )
            line = Text(f"{names[s]}: {moves} → {old[s]} old + {new[s]} new")
            line.append(f" (bounds {b['lower']}–{b['upper']}, {b['desiredCount']} wanted)")
            console.print(Padding(line, (0, 0, 0, 4), expand=False), highlight=False)
            for verb, done, moved in (("stops", stopped, w.stops), ("starts", started, w.starts)):
                if done:  # wrapped lines keep the indent
                    where = Text(f"{verb} {_where(moved, s, groups, labels)}", style="dim")
                    console.print(Padding(where, (0, 0, 0, 8), expand=False), highlight=False)


def print_plan(console: Console, result: Result, waves: list[Wave], title: str) -> None:
    """The per-instance grid where it fits the console (few instances), else waves ×
    services (:func:`print_waves`)."""
    used = {i for w in waves for _, i, _ in (*w.stops, *w.starts)}
    longest = max(
        (len(result.service_names[s]) + 4 for w in waves for s, _, _ in (*w.stops, *w.starts)),
        default=0,
    )
    if len(used) <= 8 and 8 + len(used) * (longest + 3) <= console.width:
        console.print(wave_table(result, waves, title))
    else:
        print_waves(console, result, waves, title)


def instance_legend(result: Result) -> str:
    """'instances 0–3: m5.large; 4: t3.small' — what the column numbers stand for."""
    parts, first = [], 0
    for g in result.instances:
        n = g["count"] or 0
        if n:
            span = f"{first}" if n == 1 else f"{first}–{first + n - 1}"
            parts.append(f"{span}: {g['type']}")
        first += n
    return "instances " + "; ".join(parts)


def scheduler_line(sched: dict) -> str:
    """One sentence on the scheduler runs (ROLLOUT.md §8)."""
    runs, hung = sched["runs"], sched["hung"]
    rules = {
        name: ", ".join(f"{r['type']}({r['field']})" if r["field"] else r["type"] for r in rule)
        for name, rule in sched["strategies"].items()
    }
    by_rules: dict[str, list[str]] = {}
    for name, text in rules.items():
        by_rules.setdefault(text, []).append(name)
    if len(by_rules) == 1 and len(rules) > 1:
        said = f"every service: {next(iter(by_rules))}"
    else:  # services sharing their rules named together
        said = "; ".join(f"{', '.join(names)}: {text}" for text, names in by_rules.items())
    if not hung:
        return f"{runs} runs of the scheduler ({said}): every one completes."
    first = sched["firstHang"]
    return (
        f"{runs} runs of the scheduler ({said}): {hung} hang; the first at wave "
        f"{first['wave']}, {', '.join(first['services'])} stuck on "
        f"{', '.join(first['reasons'])}."
    )


def _known(result: Result, console: Console) -> None:
    """For an ``unknown``: what is known, in the order a person needs it."""
    console.print("\n[bold]What is known[/bold] (no proof came in time):")
    sched = result.scheduler
    if sched is not None:
        hung = sched["hung"]
        console.print(
            f"  • ECS's scheduler as configured: {sched['runs']} runs, {sched['completed']} "
            f"complete, {hung} hang"
            + (f" (the first at wave {sched['firstHang']['wave']})" if hung else ""),
            highlight=False,
        )
    console.print(f"  • {result.proof}", highlight=False)
    if result.plan:
        console.print(
            "  • a completing plan exists (below): the rollout is possible; what is open is "
            "whether ECS's own choices can hang it",
            highlight=False,
        )
    if result.time_limit is not None:
        console.print(
            f"  • it ran out of its {result.time_limit:g} s; a longer --time-limit (say "
            f"{4 * result.time_limit:g}) may decide it",
            highlight=False,
        )


def render_text(result: Result, console: Console) -> None:
    """Print ``result`` for a person."""
    head = Text()
    head.append(f" {result.verdict.upper()} ", style=COLOURS[result.verdict] + " reverse")
    head.append(f"  {result.scenario}: {HEADLINES[result.verdict]}")
    if result.placement == "ecs":
        head.append(" (with ECS's scheduler as configured: --placement ecs)")
    console.print(head)
    if result.stuck_now:
        console.print(
            "  [bold red]stuck now:[/bold red] from this state ECS can neither stop nor start "
            "a task; the deployment waits until something changes (why and fixes below).",
            highlight=False,
        )
    fleet = ", ".join(f"{g['count']} × {g['type']}" for g in result.instances)
    svcs = ", ".join(
        f"{s['name']} ({_tasks(s['desiredCount'])}, bounds {s['lower']}–{s['upper']})"
        for s in result.services
    )
    console.print(f"  cluster: {fleet}; deploying: {svcs}")
    console.print(f"  {instance_legend(result)}", highlight=False)
    if result.minimum:
        m = result.minimum
        for key in ("possible", "safe"):
            val = m.get(key)
            text = ", ".join(f"{g['count']} × {g['type']}" for g in val) if val else "none found"
            if open_ := m.get("undecided", {}).get(key):
                some = "; ".join(open_[:3]) + (" …" if len(open_) > 3 else "")
                text += (
                    f" (not proven least: no verdict in time at {some})"
                    if val
                    else f" (no verdict in time at {some})"
                )
            console.print(f"  minimum for a {key} rollout: {text}", highlight=False)
    if result.verdict == "unknown":
        _known(result, console)
    if result.closed:
        shut = ", ".join(
            f"{result.instance_labels[c['instance']]} ({c['status']})" for c in result.closed
        )
        console.print(f"  taking no new tasks: {shut}", highlight=False)
    ds = result.dead_state
    if ds is not None:
        where = "hangs" if result.verdict == "hangs" else "can hang"
        at = "now" if result.stuck_now else f"at wave {ds.wave}"
        console.print(f"\n[bold]Why[/bold] — {where} {at}:")
        for b in ds.blocked:
            console.print(escape(f"  [{b.reason}] {b.message}"), highlight=False)
            which = describe_instance(result, b.instance)
            if which:  # ECS names the instance by number: which one that is
                console.print(escape(f"    (container-instance {b.instance} is {which})"))
        if "final-state" in result.reasons:
            console.print(
                escape(
                    "  [final-state] even the end state (every new task) does not fit the cluster."
                )
            )
        follows = {
            True: "  These choices follow the services' placement strategies: ECS as "
            "configured can make them.",
            False: "  These choices are ones ECS may make but its placement strategies would "
            "not (strategies are best effort): a smaller risk than a hang ECS as configured "
            "reaches.",
            None: "  Whether these choices follow the placement strategies was not decided "
            "(too many orders to check).",
        }
        if ds.choices:  # (stuck now: no choice was made)
            console.print(follows[ds.follows_strategy], highlight=False)
    if result.scheduler is not None and result.verdict != "unknown":  # (unknown: said above)
        console.print(f"\n[bold]ECS as configured[/bold] — {scheduler_line(result.scheduler)}")
    if result.fixes:
        console.print("\n[bold]What would fix it[/bold] (each checked: safe):")
        for f in result.fixes:
            console.print(f"  • {f}")
    elif result.verdict in ("hangs", "at-risk"):
        console.print(
            "\n[bold]What would fix it:[/bold] no single change planner tries "
            "(one to three more instances, dynamic port, percents) makes it safe."
        )
    if result.plan:
        total = _minutes(result.estimated_duration or 0)
        console.print()
        print_plan(console, result, result.plan, f"Plan: {len(result.plan)} waves, about {total}")
    elif result.plan == []:
        console.print("\n  Nothing to do: every service already runs its new tasks.")
    if ds is not None and ds.choices:
        console.print()
        print_plan(
            console,
            result,
            ds.choices,
            f"ECS choices that reach the dead end (wave {ds.wave} can do nothing)",
        )
    console.print(f"\n[dim]proof: {result.proof}[/dim]", highlight=False)
    t = result.timing
    console.print(
        f"[dim]timing: start {t['taskStartSeconds']} s (estimate), healthy after "
        f"{t['healthyWithoutLoadBalancerSeconds']} s, or {t['healthCheckIntervalSeconds']} s × "
        f"{t['healthyThresholdCount']} behind a load balancer; deregistration "
        f"{t['deregistrationDelay']} s, stop timeout {t['stopTimeout']} s[/dim]",
        highlight=False,
    )
    for a in result.assumptions:
        console.print(f"[dim]assumes: {a}[/dim]", highlight=False)
