"""Which percent settings work: every pair of bounds a service's percents can give.

ECS turns ``minimumHealthyPercent`` p and ``maximumPercent`` q into the bounds of
ROLLOUT.md §2: lower = ceil(d·p/100), upper = floor(d·q/100), for d desired tasks. Many
percents give the same bounds, so the sweep runs over the distinct pairs of bounds — lower
0..d, upper 1..2d (a larger upper never helps: old and new tasks together are at most 2d)
— each with the ranges of whole percents that produce it, and solves each pair with the
verdict engine, the other services as in the file.

One pair is recommended: safe, then the highest lower bound (availability during the
rollout), then the lowest upper bound (surge: fewest extra tasks at once), then the fewest
waves. If no pair is safe, none is recommended.

Decisions beyond the contract's text
------------------------------------
* Pairs that no whole percent produces (d > 100) do not appear; upper 0 (maximumPercent
  below 100/d: no new task can ever start) does not appear either.
* All-at-once strategies (BLUE_GREEN, LINEAR, CANARY, the CODE_DEPLOY controller) ignore
  the percents: asking for them is a :class:`PlannerError`.
* DAEMON services: ECS wants maximumPercent to stay 100, so only upper = d is listed.
* A group whose ``count`` is omitted is first filled with the least safe count for the
  file's own percents (else the least possible one, else the last tried), and the output
  says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from planner.errors import PlannerError
from planner.model.problem import Problem, lower_bound, upper_bound
from planner.model.scenario import Scenario
from planner.model.timing import estimate
from planner.outputs.render import COLOURS, minutes, tasks
from planner.running.sweep import Failed, run_cells

#: A pair of bounds with the whole-percent ranges that give it.
Range = tuple[int, int | None]

VERDICT_STYLES = {**COLOURS, "failed": "bold red reverse"}


# ---------------------------------------------------------------- percent ranges


def minimum_percent_ranges(desired: int) -> dict[int, tuple[int, int]]:
    """Lower bound → the whole minimumHealthyPercent values [lo, hi] that give it.

    >>> minimum_percent_ranges(3)
    {0: (0, 0), 1: (1, 33), 2: (34, 66), 3: (67, 100)}
    """
    out: dict[int, tuple[int, int]] = {}
    for p in range(0, 101):  # ECS accepts 0..100
        lo = lower_bound(desired, p)
        first, _ = out.get(lo, (p, p))
        out[lo] = (first, p)
    return out


def maximum_percent_ranges(desired: int) -> dict[int, Range]:
    """Upper bound (1..2d) → the whole maximumPercent values [lo, hi] that give it.

    The last range is open (``hi`` None): every maximumPercent from 200 up gives an
    upper bound of at least 2d, which behaves as 2d.

    >>> maximum_percent_ranges(2)
    {1: (50, 99), 2: (100, 149), 3: (150, 199), 4: (200, None)}
    """
    out: dict[int, Range] = {}
    for q in range(0, 201):
        up = upper_bound(desired, q)
        if up == 0:
            continue
        first = out[up][0] if up in out else q
        out[up] = (first, None if q == 200 else q)
    return out


def percent_text(r: Sequence[int | None], unit: str = " %") -> str:
    """A range of whole percents as a person reads it: ``100 %``, ``34–66 %``, ``200+ %``."""
    lo, hi = r
    if hi is None:
        return f"{lo}+{unit}"
    return f"{lo}{unit}" if lo == hi else f"{lo}–{hi}{unit}"


# ---------------------------------------------------------------- the sweep


@dataclass
class PercentOptions:
    """Every distinct percent setting of one service, solved.

    ``rows`` are as in CONTRACT.md (``planner percents --format json``); ``current`` is
    the index of the row the file's own setting gives (None when its upper bound is 0),
    ``recommended`` the index of the recommended row (None when no row is safe).
    """

    scenario: str
    service: str
    desired: int
    current_percents: tuple[int, int]
    current_bounds: tuple[int, int]
    fleet: str
    rows: list[dict[str, Any]]
    current: int | None
    recommended: int | None
    notes: list[str] = field(default_factory=list)

    def why(self) -> str:
        """Why the recommended row was chosen, in a sentence or two."""
        if self.recommended is None:
            open_ = sum(1 for row in self.rows if row["verdict"] in ("unknown", "failed"))
            failed = sum(1 for row in self.rows if row["verdict"] == "failed")
            if failed:
                return (
                    f"No setting is recommended: none was proven safe, and {open_} of "
                    f"{len(self.rows)} settings have no verdict ({failed} failed: see their "
                    "error; the others unknown). Nothing here says that no setting is safe."
                )
            if open_:
                return (
                    f"No setting is recommended: none was proven safe, and {open_} of "
                    f"{len(self.rows)} settings are unknown (the time limit came before a "
                    "proof; a longer --time-limit may decide them). Nothing here says that no "
                    "setting is safe."
                )
            return (
                "No setting is recommended: none is safe on this cluster (under each one the "
                "rollout hangs, or ECS's own choices can hang it). More instances or a "
                "smaller task would help: `planner solve` checks which."
            )
        r = self.rows[self.recommended]
        safe = [row for row in self.rows if row["verdict"] == "safe"]
        same_lower = [row for row in safe if row["lower"] == r["lower"]]
        parts = [f"it is safe (one of {len(safe)} safe settings)"]
        if r["lower"] == self.desired:
            every = "its" if self.desired == 1 else "all"
            parts.append(f"it keeps {every} {tasks(self.desired)} running throughout")
        elif r["lower"] == 0:
            parts.append(
                "no safe setting keeps any task running throughout (expect a short outage)"
            )
        else:
            parts.append(
                f"no safe setting keeps more than {r['lower']} of {tasks(self.desired)} "
                "running throughout"
            )
        extra = r["upper"] - self.desired
        if len(same_lower) > 1:
            parts.append(
                f"with that, it surges least: at most {tasks(r['upper'])} at once"
                + (f" ({extra} above desired)" if extra > 0 else "")
            )
        waves = r["waves"]
        if waves is not None:
            secs = r["estimatedDurationSeconds"]
            parts.append(f"{waves} wave{'s' if waves != 1 else ''}, about {_minutes(secs)}")
        return "Recommended because " + "; ".join(parts) + "."


def _minutes(seconds: int | None) -> str:
    return "?" if seconds is None else minutes(seconds)


def _pick_service(scenario: Scenario, name: str | None) -> int:
    deploying = [k for k, s in enumerate(scenario.services) if s.deploy]
    if name is None:
        if not deploying:
            raise PlannerError("no service deploys (every service has deploy: false)")
        # the first that deploys by its percents: a rolling REPLICA service, if any
        rolling = [
            k
            for k in deploying
            if scenario.services[k].scheduling_strategy == "REPLICA"
            and not scenario.services[k].all_at_once
        ]
        return (rolling or deploying)[0]
    for k, s in enumerate(scenario.services):
        if s.name == name:
            if not s.deploy:
                raise PlannerError(
                    f"service {name!r} has deploy: false; its percents do not apply",
                    file=scenario.path,
                )
            return k
    names = ", ".join(s.name for s in scenario.services)
    raise PlannerError(f"no service named {name!r}; services: {names}", file=scenario.path)


@dataclass(frozen=True)
class _Shared:
    """What every setting's solve needs, sent once to each worker."""

    scenario: Scenario
    problem: Problem
    service: int  # the swept service's index in ``problem.services``
    time_limit: float
    workers: int
    seed: int
    #: The whole sweep's deadline (``time.time()``: settings run in other processes), or None.
    deadline: float | None


def _solve_row(shared: _Shared, bounds: tuple[int, int]) -> tuple[str, int | None, int | None]:
    """Verdict, waves and estimated seconds of one pair of bounds (module level: it runs
    in a pool or on a Dask worker)."""
    from planner.deciding.verdict import analyse

    time_limit = shared.time_limit
    if shared.deadline is not None:
        time_limit = min(time_limit, shared.deadline - time.time())
        if time_limit <= 0.05:
            return "unknown", None, None  # the sweep's time limit came first
    services = list(shared.problem.services)
    lo, up = bounds
    services[shared.service] = replace(services[shared.service], lower=lo, upper=up)
    problem = replace(shared.problem, services=tuple(services))
    a = analyse(problem, time_limit=time_limit, workers=shared.workers, seed=shared.seed)
    if a.plan is None:
        return a.verdict, None, None
    return a.verdict, len(a.plan), sum(estimate(shared.scenario, problem, a.plan))


def recommend(rows: Sequence[dict[str, Any]]) -> int | None:
    """Index of the recommended row: safe, highest lower, lowest upper, fewest waves."""
    safe = [k for k, r in enumerate(rows) if r["verdict"] == "safe"]
    if not safe:
        return None
    return min(safe, key=lambda k: (-rows[k]["lower"], rows[k]["upper"], rows[k]["waves"] or 0))


def sweep_percents(
    scenario: Scenario,
    service: str | None = None,
    *,
    time_limit: float = 10.0,
    workers: int = 1,
    seed: int = 0,
    jobs: int | None = 1,
    progress: bool = False,
    total_time_limit: float | None = None,
    client: Any = None,
) -> PercentOptions:
    """Solve every distinct percent setting of one service; see :func:`percent_options`.

    ``time_limit`` bounds each setting's solve; ``total_time_limit`` the whole sweep:
    settings not decided by then are ``unknown``, and say nothing more. ``client``: a
    ``dask.distributed.Client`` to solve the settings on (:mod:`planner.running.sweep`); a
    setting whose cell failed there is ``failed``, with its ``error``."""
    from planner.deciding.solve import compile_checked

    deadline = None if total_time_limit is None else time.time() + total_time_limit
    k = _pick_service(scenario, service)
    svc = scenario.services[k]
    if svc.all_at_once:
        how = (
            "the CODE_DEPLOY controller"
            if svc.deployment_controller == "CODE_DEPLOY"
            else (f"strategy {svc.strategy}")
        )
        raise PlannerError(
            f"service {svc.name!r} deploys with {how}, which starts the whole new set beside "
            "the old one (2 × desired at once) whatever the percents say, so there are no "
            "percent settings to compare; `planner solve` checks it, or set strategy ROLLING",
            file=scenario.path,
        )
    notes: list[str] = []
    if service is None and sum(1 for x in scenario.services if x.deploy) > 1:
        notes.append(
            f"service {svc.name}: the first rolling REPLICA service that deploys (--service "
            "NAME for another)"
        )
    if scenario.open_groups:
        from planner.deciding.minimum import minimum_instances
        from planner.running.clock import PERCENTS_SCAN

        scan_limit = time_limit * 6
        if total_time_limit is not None:
            scan_limit = min(scan_limit, total_time_limit * PERCENTS_SCAN.fraction)
        minimum, scenario = minimum_instances(
            scenario, time_limit=scan_limit, workers=workers, seed=seed
        )
        which = "safe" if minimum["safe"] else "possible" if minimum["possible"] else None
        counts = ", ".join(f"{g.count} × {g.name}" for g in scenario.instance_groups)
        notes.append(
            f"instance counts omitted: using {counts}, the least {which} count for the file's "
            "own percents"
            if which
            else f"instance counts omitted and no count worked for the file's percents: "
            f"using {counts}"
        )
    problem = compile_checked(scenario)
    s = problem.service_index.index(k)
    d = problem.services[s].desired
    lowers = minimum_percent_ranges(d)
    if svc.scheduling_strategy == "DAEMON":
        uppers: dict[int, Range] = {d: (100, 100)} if d else {}
        notes.append(
            "a DAEMON service: ECS wants maximumPercent to stay 100, so only that is listed"
        )
    else:
        uppers = maximum_percent_ranges(d)
    pairs = [(lo, up) for lo in lowers for up in uppers]
    if d == 0:
        pairs, uppers = [(0, 0)], {0: (0, None)}
    from planner.deciding.verdict import uniform

    if uniform(problem):  # counting answers every row at once: no pool needed
        jobs, client = 1, None
    shared = _Shared(scenario, problem, s, time_limit, workers, seed, deadline)
    solved = run_cells(
        _solve_row, pairs, shared, jobs=jobs, client=client, progress=progress,
        label="percents", deadline=deadline,
    )  # fmt: skip
    rows: list[dict[str, Any]] = []
    for (lo, up), answer in zip(pairs, solved, strict=True):
        mn, mx = lowers[lo], uppers[up]
        failed = answer if isinstance(answer, Failed) else None
        verdict, waves, secs = ("failed", None, None) if isinstance(answer, Failed) else answer
        rows.append(
            {
                "service": svc.name,
                "lower": lo,
                "upper": up,
                "minimumHealthyPercent": [mn[0], mn[1]],
                "maximumPercent": [mx[0], mx[1]],
                "verdict": verdict,
                "waves": waves,
                "estimatedDurationSeconds": secs,
                "placement": problem.placement_mode,  # which ECS rules (ROLLOUT.md §8)
                **({"error": failed.error} if failed else {}),
            }
        )
    best = recommend(rows)
    if best is not None:
        rows[best]["recommended"] = True
    cur = (lower_bound(d, svc.minimum_healthy_percent), upper_bound(d, svc.maximum_percent))
    cur = (cur[0], min(cur[1], 2 * d))
    current = next((i for i, r in enumerate(rows) if (r["lower"], r["upper"]) == cur), None)
    if current is None and cur[1] == 0 and d:
        notes.append(
            f"the file's maximumPercent {svc.maximum_percent} gives upper bound 0: no new "
            "task can ever start, so the rollout hangs"
        )
    fleet = ", ".join(f"{g.count} × {g.name}" for g in scenario.instance_groups)
    return PercentOptions(
        scenario=scenario.name,
        service=svc.name,
        desired=d,
        current_percents=(svc.minimum_healthy_percent, svc.maximum_percent),
        current_bounds=cur,
        fleet=fleet,
        rows=rows,
        current=current,
        recommended=best,
        notes=notes,
    )


def percent_options(
    scenario: Scenario,
    service: str | None = None,
    *,
    time_limit: float = 10.0,
    workers: int = 1,
    seed: int = 0,
    jobs: int | None = 1,
    client: Any = None,
) -> list[dict[str, Any]]:
    """Every distinct (minimumHealthyPercent, maximumPercent) setting of a service, solved.

    Parameters
    ----------
    scenario
        From :func:`planner.load_scenario`; the other services deploy as the file says.
    service
        The service's name; default the first service that deploys.
    time_limit
        Seconds for each setting's solve; past it that row is ``unknown``.
    workers, seed
        CP-SAT's worker count and seed for each solve (one worker is deterministic).
    jobs
        Processes to solve settings side by side; None for every core.
    client
        A ``dask.distributed.Client``: solve the settings on its cluster instead
        (:mod:`planner.running.sweep`); ``jobs`` is then unused.

    Returns
    -------
    list of dict
        One row per distinct pair of bounds, as in CONTRACT.md: ``service, lower, upper,
        minimumHealthyPercent: [lo, hi], maximumPercent: [lo, hi or None], verdict,
        waves, estimatedDurationSeconds``; the recommended row also has
        ``recommended: True``. A setting whose solve failed (it raised, or a cluster lost
        it) has verdict ``failed`` and an ``error``; it is never left out.

    Raises
    ------
    PlannerError
        For an unknown service, one that does not deploy, or an all-at-once strategy.

    Examples
    --------
    >>> import planner
    >>> s = planner.load_scenario("scenarios/seed/deployment-configuration.yaml")
    >>> [(r["minimumHealthyPercent"], r["maximumPercent"], r["verdict"])
    ...  for r in planner.percent_options(s)]  # doctest: +NORMALIZE_WHITESPACE
    [([0, 0], [100, 199], 'safe'), ([0, 0], [200, None], 'safe'),
     ([1, 100], [100, 199], 'hangs'), ([1, 100], [200, None], 'safe')]
    """
    return sweep_percents(
        scenario, service, time_limit=time_limit, workers=workers, seed=seed, jobs=jobs,
        client=client,
    ).rows  # fmt: skip


# ---------------------------------------------------------------- text output


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


def render_percents(options: PercentOptions, console: Console) -> None:
    """The grid a person reads at a glance, then the recommendation and why."""
    rows = options.rows
    by_pair = {(r["lower"], r["upper"]): i for i, r in enumerate(rows)}
    lowers = sorted({r["lower"] for r in rows})
    uppers = sorted({r["upper"] for r in rows})
    marks = {options.current, options.recommended} - {None}

    def verdict(lo: int, up: int) -> str:
        return rows[by_pair[lo, up]]["verdict"]

    # neighbouring columns (rows) with the same verdicts and no marked cell are merged
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
            i = by_pair[rg[0], cg[0]]
            word = rows[i]["verdict"]
            cell = Text(word, style=VERDICT_STYLES[word])
            idx = {by_pair[lo, up] for lo in rg for up in cg}
            if options.recommended in idx:
                cell.append(" ★", style="bold")
            if options.current in idx:
                cell = Text("[") + cell + Text("]")
            cells.append(cell)
        table.add_row(*cells)
    console.print(table)
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
    console.print(options.why(), highlight=False)
    safe = sorted(
        (i for i, r in enumerate(rows) if r["verdict"] == "safe"),
        key=lambda i: (-rows[i]["lower"], rows[i]["upper"], rows[i]["waves"] or 0),
    )
    if safe:
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
                _minutes(r["estimatedDurationSeconds"]),
                ", ".join(tag),
            )
        console.print()
        console.print(best)
        if len(safe) > len(shown):
            console.print(f"  … and {len(safe) - len(shown)} more safe settings (--format json)")
    console.print(
        "\n[dim]percent ranges: whole percents that give the same bounds (minimum rounds up, "
        "maximum rounds down, docs/ROLLOUT.md §2); verdicts as `planner solve`; the other services "
        "as in the file[/dim]",
        highlight=False,
    )
