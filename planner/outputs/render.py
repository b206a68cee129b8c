"""Text output for a person under pressure: verdict first, then why, the fix, the plan."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from planner.deciding.gate import expectation_words
from planner.deciding.result import DeadState, Result
from planner.deciding.verdicts import Verdict
from planner.model.problem import NOT_LAUNCHED
from planner.model.rollout import Wave
from planner.outputs.gate import sampled_runs
from planner.outputs.reacting_text import (
    launch_words,
    launchable_kinds,
    launchable_legend,
    outcome_line,
    outcome_status,
)
from planner.running.machine import cores

COLOURS: dict[str, str] = {
    Verdict.SAFE: "bold green",
    Verdict.AT_RISK: "bold yellow",
    Verdict.HANGS: "bold red",
    Verdict.UNKNOWN: "bold magenta",
}
HEADLINES: dict[str, str] = {
    Verdict.SAFE: "every run ECS can make completes",
    Verdict.AT_RISK: "a run completes, but ECS's own choices can hang it",
    Verdict.HANGS: "no run completes: the deployment waits forever",
    Verdict.UNKNOWN: "the time limit came before a proof",
}


def tasks(n: int) -> str:
    """``1 task``, ``3 tasks``."""
    return f"{n} task" if n == 1 else f"{n} tasks"


def minutes(seconds: int) -> str:
    """``1 min 40 s``, ``30 s``: an estimated duration as a person reads it."""
    m, s = divmod(int(seconds), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


def wave_table(result: Result, waves: list[Wave], title: str) -> Table:
    """Waves as rows, instances as columns; a cell lists what stops (−) and starts (+)."""
    used = sorted({i for w in waves for _, i, _ in (*w.stops, *w.starts)})
    table = Table(title=title, title_justify="left", show_lines=False, pad_edge=False)
    table.add_column("wave", justify="right")
    for i in used:
        table.add_column(f"inst {i}")
    groups = getattr(result.problem, "groups", None)
    grows = any(any(w.launch) for w in waves)
    if grows:
        table.add_column("scale-out")
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
        if grows:
            row.append(launch_words(w, groups))
        if result.duration_parts and waves is result.plan:
            row.append(minutes(result.duration_parts[k - 1]))
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
    named = [  # an imported group is named by type and zone already
        f"{t} in {z}" if z and not t.endswith(f" in {z}") else t
        for t, z in zip(types, zones, strict=False)
    ]
    launchable = launchable_kinds(getattr(result, "problem", None))  # a group's, after
    return named + [launchable[i] for i in sorted(launchable) if i >= len(named)]


def _where(moves, s: int | None, groups: list[str], labels: list[str]) -> str:
    """Where service ``s``'s moves go (None: every service's): per type and zone, with the
    instance's name when it is one (``2 on 2 × m5.large in us-east-1a``, ``1 on i-0abc
    (c5.large in us-east-1b)``)."""
    count: Counter[str] = Counter()
    names: dict[str, set[int]] = {}
    for t, i, n in moves:
        if s is None or t == s:
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


def _counts_before(result: Result) -> tuple[list[int], list[int]]:
    """Per service (in ``service_names`` order), its old and new tasks before wave 1."""
    index = {n: k for k, n in enumerate(result.service_names)}
    old = [0] * len(index)
    new = [0] * len(index)
    for e in result.initial:
        old[index[e["service"]]] += e["count"]
    for e in result.initial_new or []:
        new[index[e["service"]]] += e["count"]
    return old, new


def print_waves(console: Console, result: Result, waves: list[Wave], title: str) -> None:
    """Waves × services, as indented lines: what each service stops and starts, where
    (instances grouped by type and zone), and its old + new tasks after the wave against
    its bounds. Readable at any cluster size and width: lines wrap between words, and no
    number or name is cut (the per-instance grid, :func:`wave_table`, is not)."""
    names = result.service_names
    old, new = _counts_before(result)
    bounds = {svc["name"]: svc for svc in result.services}
    groups = _instance_groups(result)
    labels = result.instance_labels or [str(i) for i in range(len(groups))]
    timed = bool(result.duration_parts) and waves is result.plan
    console.print(Text(title, style="italic"))
    for k, w in enumerate(waves, 1):
        when = f" (≈ {minutes(result.duration_parts[k - 1])})" if timed else ""
        console.print(Text(f"  wave {k}{when}", style="bold"))
        if any(w.launch):
            _para(console, Text(launch_words(w, getattr(result.problem, "groups", None))), 4)
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
            _para(console, line, 4)
            for verb, done, moved in (("stops", stopped, w.stops), ("starts", started, w.starts)):
                if done:  # wrapped lines keep the indent
                    where = Text(f"{verb} {_where(moved, s, groups, labels)}", style="dim")
                    _para(console, where, 8)


#: More deploying services than this, and a plan is one table of services × waves.
MATRIX_SERVICES = 6


def _clock(seconds: int) -> str:
    m, s = divmod(seconds, 60)
    return f"{m}:{s:02d}"


def _matrix_blocks(widths: list[int], fixed: int, end: int, room: int) -> list[list[int]] | None:
    """Waves in blocks of columns that fit ``room`` beside the ``fixed`` columns (the last
    block also holds the ``end`` column); None if even one wave per block does not fit."""
    blocks: list[list[int]] = [[]]
    used = fixed
    for k, w in enumerate(widths):
        need = w + 2 + (end + 2 if k == len(widths) - 1 else 0)
        if used + need > room:
            if not blocks[-1]:
                return None
            blocks.append([])
            used = fixed
            if used + need > room:
                return None
        blocks[-1].append(k)
        used += w + 2
    return blocks


def print_matrix(console: Console, result: Result, waves: list[Wave], title: str) -> bool:
    """Services × waves as one table (every deploying service, moved or not): what each
    wave stops (−) and starts (+), old + new at the end against the bounds; the wave
    lengths; then where each wave's tasks go, instances grouped by type and zone. Columns
    of waves go in blocks that fit the console; False (nothing printed) if the service
    names alone are too wide, for :func:`print_waves` to wrap instead."""
    names = result.service_names
    bounds = {svc["name"]: svc for svc in result.services}
    old, new = _counts_before(result)
    cells = [["" for _ in waves] for _ in names]
    for k, w in enumerate(waves):
        for s in range(len(names)):
            stopped = sum(n for t, _, n in w.stops if t == s)
            started = sum(n for t, _, n in w.starts if t == s)
            old[s] -= stopped
            new[s] += started
            cells[s][k] = (
                " ".join(
                    x
                    for x in (f"−{stopped}" if stopped else "", f"+{started}" if started else "")
                    if x
                )
                or "·"
            )
    timed = bool(result.duration_parts) and waves is result.plan
    times = [_clock(x) for x in result.duration_parts] if timed else []
    heads = [str(k) for k in range(1, len(waves) + 1)]
    widths = [
        max(len(heads[k]), len(times[k]) if timed else 0, *(len(c[k]) for c in cells))
        for k in range(len(waves))
    ]
    ends = [f"{old[s]} + {new[s]}" for s in range(len(names))]
    col_name = max(len("service"), *(len(n) for n in names))
    rng = [f"{bounds[n]['lower']}–{bounds[n]['upper']}" for n in names]
    wanted = [str(bounds[n]["desiredCount"]) for n in names]
    col_bounds = max(len("bounds"), *(len(x) for x in rng))
    col_wanted = max(len("wanted"), *(len(x) for x in wanted))
    col_end = max(len("old + new"), *(len(x) for x in ends))
    fixed = 2 + col_name + 2 + col_wanted + 2 + col_bounds
    blocks = _matrix_blocks(widths, fixed, col_end, console.width)
    if blocks is None:
        return False
    say = lambda line: console.print(Text(line.rstrip()), highlight=False, soft_wrap=True)  # noqa: E731
    console.print(Text(title, style="italic"))
    _para(console, "per service and wave: − old tasks it stops, + new tasks it starts; at the "
          "end: old + new tasks")  # fmt: skip
    for block in blocks:
        last = block[-1] == len(waves) - 1
        head = f"  {'service':<{col_name}}  {'wanted':>{col_wanted}}  {'bounds':<{col_bounds}}"
        head += "".join(f"  {heads[k]:>{widths[k]}}" for k in block)
        if last:
            head += f"  {'old + new':>{col_end}}"
        console.print(Text(head.rstrip(), style="bold"), highlight=False, soft_wrap=True)
        for s, name in enumerate(names):
            line = f"  {name:<{col_name}}  {wanted[s]:>{col_wanted}}  {rng[s]:<{col_bounds}}"
            line += "".join(f"  {cells[s][k]:>{widths[k]}}" for k in block)
            if last:
                line += f"  {ends[s]:>{col_end}}"
            say(line)
        if timed:
            label = "≈ min:s (estimated)"
            line = f"  {label:<{col_name + col_wanted + col_bounds + 4}}"
            say(line + "".join(f"  {times[k]:>{widths[k]}}" for k in block))
    groups = _instance_groups(result)
    labels = result.instance_labels or [str(i) for i in range(len(groups))]
    _para(console, "where, per wave (instances by type and zone):")
    for k, w in enumerate(waves, 1):
        parts = []
        for verb, moves in (("stops", w.stops), ("starts", w.starts)):
            if moves:
                total = sum(n for _, _, n in moves)
                parts.append(f"{verb} {total}: {_where(moves, None, groups, labels)}")
        if any(w.launch):
            parts.append(launch_words(w, getattr(result.problem, "groups", None)))
        said = "; ".join(parts) if parts else "nothing"
        _para(console, Text(f"wave {k}: {said}", style="dim"), 4)
    return True


def print_plan(console: Console, result: Result, waves: list[Wave], title: str) -> None:
    """The per-instance grid where it fits the console (few instances); else, with many
    services, one table of services × waves (:func:`print_matrix`); else waves × services
    as lines (:func:`print_waves`)."""
    used = {i for w in waves for _, i, _ in (*w.stops, *w.starts)}
    longest = max(
        (len(result.service_names[s]) + 4 for w in waves for s, _, _ in (*w.stops, *w.starts)),
        default=0,
    )
    groups = getattr(result.problem, "groups", None)
    scale_out = max((len(launch_words(w, groups)) + 3 for w in waves if any(w.launch)), default=0)
    if len(used) <= 8 and 8 + len(used) * (longest + 3) + scale_out <= console.width:
        console.print(wave_table(result, waves, title))
        return
    many = len(result.service_names) > MATRIX_SERVICES
    if not (many and print_matrix(console, result, waves, title)):
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
    return "instances " + "; ".join(parts + launchable_legend(result.problem))


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
        f"{runs} runs of the scheduler ({said}): {hung} hang; the first can do nothing from "
        f"wave {first['wave']} on, with {', '.join(first['services'])} stuck on "
        f"{', '.join(first['reasons'])}."
    )


def _known(result: Result, console: Console) -> None:
    """For an ``unknown``: what is known, in the order a person needs it."""
    console.print("\n[bold]What is known[/bold] (no proof came in time):")
    bullet = Text("  • ")
    sched = result.scheduler
    if sched is not None:
        hung = sched["hung"]
        hanging(
            console,
            bullet,
            Text(
                f"ECS's scheduler as configured: {sched['runs']} runs, {sched['completed']} "
                f"complete, {hung} hang"
                + (
                    f" (the first can do nothing from wave {sched['firstHang']['wave']} on)"
                    if hung
                    else ""
                )
            ),
        )
    hanging(console, bullet, Text(result.proof))
    if result.plan:
        hanging(
            console,
            bullet,
            Text(
                "a completing plan exists (below): the rollout is possible; what is open is "
                "whether ECS's own choices can hang it"
            ),
        )
    if result.time_limit is not None:
        one_of_many = result.workers == 1 and cores() > 1  # more would use the cores
        hanging(
            console,
            bullet,
            Text(
                f"it ran out of its {result.time_limit:g} s"
                + (
                    f" with {result.workers} CP-SAT worker{'s' if result.workers > 1 else ''}"
                    if result.workers
                    else ""
                )
                + f"; a longer --time-limit (say {4 * result.time_limit:g})"
                + (" or --workers 2, on a machine of two cores or more," if one_of_many else "")
                + " may decide it"
            ),
        )


def hanging(console: Console, prefix: Text, body: Text) -> None:
    """``prefix`` then ``body`` wrapped between words within the console's width, its
    lines after the first indented as far as the prefix: nothing cut, nothing padded."""
    indent = len(prefix.plain)
    for k, line in enumerate(body.wrap(console, max(20, console.width - indent))):
        line.rstrip()
        console.print((prefix if k == 0 else Text(" " * indent)) + line, highlight=False,
                      soft_wrap=True)  # fmt: skip


def _para(console: Console, text: str | Text, indent: int = 2) -> None:
    """A paragraph whose wrapped lines keep its indent (:func:`hanging`)."""
    hanging(console, Text(" " * indent), Text(text) if isinstance(text, str) else text)


def render_text(result: Result, console: Console) -> None:
    """Print ``result`` for a person: the headline, the cluster, why (with ECS's choices),
    what would fix it, the plan, and what the figures assume."""
    _headline(result, console)
    _cluster_lines(result, console)
    if result.verdict == Verdict.UNKNOWN:
        _known(result, console)
    closed = [c for c in result.closed or [] if c["status"] != NOT_LAUNCHED]  # (legend)
    if closed:
        shut = ", ".join(f"{result.instance_labels[c['instance']]} ({c['status']})" for c in closed)
        _para(console, f"taking no new tasks: {shut}")
    if result.dead_state is not None:
        _why(result, result.dead_state, console)
    if result.scheduler is not None and result.verdict != Verdict.UNKNOWN:  # (unknown: said above)
        console.print()
        line = Text("ECS as configured", style="bold")
        line.append(f" — {scheduler_line(result.scheduler)}")
        _para(console, line, 0)
    _fixes(result, console)
    _plans(result, console)
    _assumptions(result, console)


def _headline(result: Result, console: Console) -> None:
    head = Text()
    head.append(f" {result.verdict.upper()} ", style=COLOURS[result.verdict] + " reverse")
    said = HEADLINES[result.verdict]
    kind = (result.outcome or {}).get("kind")
    if result.verdict == Verdict.HANGS and kind in ("rolls-back", "fails"):
        said = "no run completes"  # (it ends: the outcome line says how)
    head.append(f"  {result.scenario}: {said}")
    if result.placement == "ecs":
        head.append(" (with ECS's scheduler as configured: --placement ecs)")
    if sampled := sampled_runs(result):
        head.append(f"; {sampled}")
    console.print(head)
    if result.outcome is not None:  # how it ends, for a deploy gate (ROLLOUT.md §10)
        status = outcome_status(result.outcome)
        line = Text("outcome:", style=COLOURS[status])
        line.append(outcome_line(result.outcome).removeprefix("outcome:"))
        _para(console, line)
    if said := expectation_words(result.expectation):  # the file's own expect:
        _para(console, Text(said, style="dim" if result.expectation["asExpected"] else "bold"))
    if result.stuck_now:
        console.print(
            "  [bold red]stuck now:[/bold red] from this state ECS can neither stop nor start "
            "a task; the deployment waits until something changes (why and fixes below).",
            highlight=False,
        )


def _cluster_lines(result: Result, console: Console) -> None:
    """The fleet, the deploying services, and the minimum counts when they were asked."""
    ds = result.dead_state
    counts: Counter[str] = Counter()  # groups of one name (an import's type and zone) summed
    for g in result.instances:
        counts[g["type"]] += g["count"] or 0
    fleet = ", ".join(f"{n} × {name}" for name, n in counts.items())
    svcs = ", ".join(
        f"{s['name']} ({tasks(s['desiredCount'])}, bounds {s['lower']}–{s['upper']})"
        for s in result.services
    )
    if len(result.services) > MATRIX_SERVICES and (result.plan or (ds and ds.choices)):
        n_tasks = sum(s["desiredCount"] for s in result.services)
        svcs = f"{len(result.services)} services, {n_tasks:,} tasks (each with its bounds below)"
    _para(console, f"cluster: {fleet}; deploying: {svcs}")
    _para(console, instance_legend(result))
    m = result.minimum or {}
    parts: list[tuple[str, dict[str, Any], Any]] = []
    if "possible" in m or "safe" in m:
        parts.append(("minimum", m, _fleet_word))
    if m.get("maxSize"):
        parts.append(("least maxSize", m["maxSize"], _size_word))
    for what, part, word in parts:
        for key in ("possible", "safe"):
            val = part.get(key)
            text = ", ".join(word(g) for g in val) if val else "none found"
            if open_ := part.get("undecided", {}).get(key):
                some = "; ".join(open_[:3]) + (" …" if len(open_) > 3 else "")
                text += (
                    f" (not proven least: no verdict in time at {some})"
                    if val
                    else f" (no verdict in time at {some})"
                )
            _para(console, f"{what} for a {key} rollout: {text}")


def _fleet_word(g: dict[str, Any]) -> str:
    return f"{g['count']} × {g['type']}"


def _size_word(m: dict[str, Any]) -> str:
    return f"{m['capacityProvider']} {m['maxSize']}"


#: Whether a dead end's choices follow the placement strategies (None: not decided).
_FOLLOWS = {
    True: "These choices follow the services' placement strategies: ECS as "
    "configured can make them.",
    False: "These choices are ones ECS may make but its placement strategies would "
    "not (strategies are best effort): a smaller risk than a hang ECS as configured "
    "reaches.",
    None: "Whether these choices follow the placement strategies was not decided "
    "(too many orders to check).",
}


def _why(result: Result, ds: DeadState, console: Console) -> None:
    """Why it hangs: each stuck service in ECS's words, the instance ECS names, planner's
    words beside them, and whether the choices follow the strategies."""
    where = "hangs" if result.verdict == Verdict.HANGS else "can hang"
    at = "now" if result.stuck_now else f"(the run can do nothing from wave {ds.wave} on)"
    console.print(f"\n[bold]Why[/bold] — {where} {at}:")
    for b in ds.blocked:
        stuck = result.stuck_words(b.service)
        _para(console, f"[{b.reason}] {b.service}, {stuck}: {b.message}")
        which = describe_instance(result, b.instance)
        if which:  # ECS names the instance by number: which one that is
            _para(console, f"(container-instance {b.instance} is {which})", 4)
        if b.detail:  # planner's words beside ECS's
            _para(console, b.detail[:1].upper() + b.detail[1:] + ".", 4)
    if "final-state" in result.reasons:
        _para(console, "[final-state] even the end state (every new task) does not fit.")
    if ds.choices:  # (stuck now: no choice was made)
        _para(console, _FOLLOWS[ds.follows_strategy])


def _fixes(result: Result, console: Console) -> None:
    if result.fixes:
        from planner.deciding.fixes import is_safe_fix

        checked = (
            "each checked: safe"
            if all(map(is_safe_fix, result.fixes))
            else "each checked by a solve"
        )
        unknown = result.verdict == Verdict.UNKNOWN  # (a batches fix: the rollout is open)
        head = "What is proven instead" if unknown else "What would fix it"
        console.print(f"\n[bold]{head}[/bold] ({checked}):")
        for f in result.fixes:  # wrapped lines under the words, not the bullet
            hanging(console, Text("  • "), Text(f))
    elif result.verdict in (Verdict.HANGS, Verdict.AT_RISK):
        grows = (
            "a larger maxSize or smallest type, " if getattr(result.problem, "groups", ()) else ""
        )
        console.print(
            "\n[bold]What would fix it:[/bold] no single change planner tries "
            f"({grows}one to three more instances, dynamic port, percents) makes it safe."
        )


def _plans(result: Result, console: Console) -> None:
    """The plan that completes and the choices that reach the dead end, wave by wave."""
    ds = result.dead_state
    if result.plan:
        total = minutes(result.estimated_duration or 0)
        o = result.outcome or {}
        if o.get("kind") == "completes-after-scale-out" and o.get("estimatedSeconds"):
            extra = o["estimatedSeconds"] - (result.estimated_duration or 0)
            total = f"{minutes(o['estimatedSeconds'])} with the scale-out ({minutes(extra)})"
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


def _assumptions(result: Result, console: Console) -> None:
    """The proof, and what the figures assume (timing defaults, catalog, agent)."""
    console.print()
    _para(console, Text(f"proof: {result.proof}", style="dim"), 0)
    t = result.timing
    timing = (
        f"timing: start {t['taskStartSeconds']} s (estimate), healthy after "
        f"{t['healthyWithoutLoadBalancerSeconds']} s, or {t['healthCheckIntervalSeconds']} s × "
        f"{t['healthyThresholdCount']} behind a load balancer; deregistration "
        f"{t['deregistrationDelay']} s, stop timeout {t['stopTimeout']} s"
    )
    _para(console, Text(timing, style="dim"), 0)
    for a in result.assumptions:
        _para(console, Text(f"assumes: {a}", style="dim"), 0)
