"""The benchmark run: planner beside a naive model, FFD and exhaustive search.

    python -m benchmarks.run [--sizes S,M,L,XL] [--quick]

On every scenario (generated S/M/L/XL at the seeds of :data:`benchmarks.generate.SEEDS`,
and the hand-written ones of ``scenarios/``), in the same run:

1. planner's verdict (:func:`planner.deciding.verdict.analyse`, one worker, seed 0) and, on S, M and
   the hand-written scenarios, the minimum fleet (:func:`planner.minimum_instances` on the
   scenario sized in one instance type, count omitted);
2. the naive boolean model (:mod:`benchmarks.naive`), same questions, same order;
3. the first-fit-decreasing fleet (:mod:`benchmarks.ffd`), steady state and rollout peak,
   against planner's minimum;
4. the exhaustive search (``tests/oracle.py``, written from ROLLOUT.md alone) where it
   can finish.

Also ``planner solve`` on the seed scenarios as a subprocess, start-up included. Writes
``RESULTS.md`` and ``timing.png`` next to this file (or to ``--output``).
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import compare, ffd
from benchmarks.generate import SEEDS, generate, realistic
from benchmarks.naive import count_booleans
from planner.deciding.minimum import minimum_instances
from planner.deciding.verdict import analyse
from planner.errors import PlannerError
from planner.model.problem import Problem, compile_problem
from planner.model.scenario import Scenario

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZES = ("S", "M", "L", "XL")


@dataclass(frozen=True)
class Limits:
    """Seconds allowed per scenario, per method (None: not attempted at that size)."""

    planner: float
    naive: float | None
    exhaustive: float | None
    minimum: float | None
    naive_booleans: int = compare.MAX_BOOLEANS  # larger naive models are not built


LIMITS = {
    "real": Limits(planner=30, naive=60, exhaustive=60, minimum=30),
    "S": Limits(planner=10, naive=60, exhaustive=60, minimum=30),
    "M": Limits(planner=60, naive=90, exhaustive=20, minimum=60),
    "L": Limits(planner=90, naive=90, exhaustive=None, minimum=None),
    "XL": Limits(planner=300, naive=None, exhaustive=None, minimum=None),
}
QUICK = {
    k: Limits(
        planner=min(v.planner, 20),
        naive=v.naive and min(v.naive, 20),
        exhaustive=v.exhaustive and min(v.exhaustive, 10),
        minimum=v.minimum and min(v.minimum, 20),
        naive_booleans=v.naive_booleans,
    )
    for k, v in LIMITS.items()
}


# ---------------------------------------------------------------- one scenario


@dataclass
class Fleet:
    """FFD's fleets and planner's minimum, in instances of one type."""

    group: str
    steady: int | None
    peak: int | None
    possible: int | None = None
    safe: int | None = None
    status: str = "—"  # "proven", "none" (no count in the scan works), "unproven"
    seconds: float | None = None
    note: str = ""
    possible_proven: bool = False
    safe_proven: bool = False


@dataclass
class Row:
    """Everything measured on one scenario."""

    name: str
    size: str
    services: int = 0
    tasks: int = 0
    instances: int = 0
    verdict: str = "—"
    proof: str = ""
    wall: float | None = None
    solver: float | None = None
    naive: str = "—"
    naive_wall: float | None = None
    naive_booleans: int = 0
    naive_note: str = ""
    exhaustive: str = "—"
    exhaustive_wall: float | None = None
    fleet: Fleet | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def decided(self) -> bool:
        return self.verdict in ("safe", "at-risk", "hangs")

    @property
    def agree(self) -> bool:
        """No two finished methods disagree."""
        found = {v for v in (self.verdict, self.naive, self.exhaustive) if v in VERDICTS}
        return len(found) <= 1


VERDICTS = compare.VERDICTS


def _exhaustive(scenario: Scenario) -> tuple[str, float]:  # pragma: no cover - child process
    tests = str(Path(__file__).resolve().parent.parent / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    from oracle import Oracle  # the tests' oracle: it shares no rule with planner

    t0 = time.perf_counter()
    verdict = Oracle(scenario).verdict
    return verdict, time.perf_counter() - t0


def run_exhaustive(scenario: Scenario, time_limit: float) -> tuple[str, float]:
    """The exhaustive verdict in a child process, or ``timeout`` after ``time_limit``."""
    t0 = time.perf_counter()
    how, value = compare.in_child(_exhaustive, (scenario,), time_limit)
    if how == "done":
        return value
    return ("timeout" if how == "killed" else "error"), time.perf_counter() - t0


def proven_minimum(scenario: Scenario, time_limit: float) -> Fleet:
    """planner's minimum of :func:`ffd.single_type`, and whether the scan proves it
    (``proven`` / ``undecided`` of :func:`planner.minimum_instances`: a count is the least
    when every cheaper count tried was decided against it; counts below the scan's start
    cannot hold the tasks by summed capacity). "None found" is proven only up to the last
    count tried, and only if every count tried was decided.
    """
    est = ffd.estimate(scenario)
    fleet = Fleet(est.group, est.steady, est.peak)
    t0 = time.perf_counter()
    minimum, _ = minimum_instances(ffd.single_type(scenario), time_limit=time_limit)
    fleet.seconds = time.perf_counter() - t0
    tried = [int(k.rsplit("=", 1)[1]) for k in minimum["tried"]]
    if minimum["possible"]:
        fleet.possible = minimum["possible"][0]["count"]
    if minimum["safe"]:
        fleet.safe = minimum["safe"][0]["count"]
    fleet.possible_proven = minimum["proven"]["possible"]
    fleet.safe_proven = minimum["proven"]["safe"]
    notes = {
        key: f"no verdict at {_counts([int(k.rsplit('=', 1)[1]) for k in open_])}"
        for key, open_ in minimum["undecided"].items()
    }
    if fleet.possible is None and fleet.possible_proven:
        fleet.status = "none"
        fleet.note = f"hangs at every count up to {max(tried)}"
    elif fleet.possible_proven and fleet.safe_proven:
        fleet.status = "proven"
        fleet.note = "" if fleet.safe is not None else f"none safe up to {max(tried)}"
    else:
        fleet.status = "unproven"
        fleet.note = "; ".join(
            f"{key} {'proven' if minimum['proven'][key] else notes[key]}"
            for key in ("possible", "safe")
        )
    return fleet


def _counts(cs: list[int]) -> str:
    return ", ".join(map(str, cs[:4])) + (" …" if len(cs) > 4 else "")


def measure(name: str, size: str, scenario: Scenario, limits: Limits, log=print) -> Row:
    """Run every method on one scenario within ``limits``."""
    row = Row(name, size, services=len(scenario.services))
    row.tasks = sum(s.desired_count for s in scenario.services)
    problem: Problem | None = None
    t0 = time.perf_counter()  # planner's wall time includes compiling the scenario
    if scenario.open_groups:
        row.notes.append("count omitted: fleet only")
    else:
        try:
            problem = compile_problem(scenario)
        except PlannerError as exc:
            row.notes.append(f"does not compile: {exc}")
    if problem is not None:
        row.instances = problem.n_instances
        row.tasks = problem.total_desired + sum(
            s.desired_count for s in scenario.services if not s.deploy
        )
        try:
            a = analyse(problem, time_limit=limits.planner, workers=1, seed=0)
            row.verdict, row.proof, row.solver = a.verdict, a.proof, a.solver_seconds
        except Exception as exc:  # report, do not hide: planner is being changed concurrently
            row.verdict = "error"
            row.proof = f"{type(exc).__name__}: {exc}"
            row.notes.append("planner raised " + traceback.format_exc(limit=2).splitlines()[-1])
        row.wall = time.perf_counter() - t0
        log(f"  planner    {row.verdict:8} {row.wall:8.2f} s  {row.proof[:70]}")

        if limits.naive is not None:
            nv = compare.naive_run(problem, limits.naive, limits.naive_booleans)
            row.naive, row.naive_wall = nv.verdict, nv.wall
            row.naive_booleans, row.naive_note = nv.booleans, nv.note
            log(f"  naive      {row.naive:8} {_f(row.naive_wall):>8} s  {row.naive_note[:70]}")
        else:
            row.naive = "not run"
            row.naive_booleans = count_booleans(problem, 2)
            row.naive_note = f"{row.naive_booleans:,} booleans at 2 waves"

        if limits.exhaustive is not None:
            row.exhaustive, row.exhaustive_wall = run_exhaustive(scenario, limits.exhaustive)
            log(f"  exhaustive {row.exhaustive:8} {_f(row.exhaustive_wall):>8} s")
    if limits.minimum is not None:
        try:
            row.fleet = proven_minimum(scenario, limits.minimum)
        except Exception as exc:
            row.notes.append(f"minimum raised {type(exc).__name__}: {exc}")
        if row.fleet:
            f = row.fleet
            log(
                f"  fleet      {f.group}: FFD {f.steady}/{f.peak}, minimum {f.possible}/{f.safe} "
                f"({f.status}) {_f(f.seconds)} s"
            )
    if not row.agree:
        row.notes.append("VERDICTS DISAGREE")
        log("  !! verdicts disagree")
    return row


# ---------------------------------------------------------------- planner solve


#: How :func:`time_cli` marks a run that gave no verdict (a broken install, a crash).
FAILED = "FAILED"


def time_cli(paths: list[Path], runs: int) -> list[tuple[str, str, float, list[float]]]:
    """``planner solve PATH`` as a subprocess: (file, verdict line, median s, every run)."""
    exe = shutil.which("planner")
    cmd = [exe] if exe else [sys.executable, "-c", "from planner.cli import main; main()"]
    out = []
    for path in paths:
        times = []
        first = ""
        for _ in range(runs):
            t0 = time.perf_counter()
            proc = subprocess.run(
                [*cmd, "solve", str(path)], capture_output=True, text=True, cwd=ROOT
            )
            times.append(time.perf_counter() - t0)
            first = next((ln.strip() for ln in proc.stdout.splitlines() if ln.strip()), "")
            if proc.returncode not in (0, 1, 3):  # no verdict: the run failed
                first = f"{FAILED} (exit {proc.returncode}): {proc.stderr.strip()[-80:]}"
        out.append((str(path.relative_to(ROOT)), first, statistics.median(times), times))
    return out


# ---------------------------------------------------------------- report


def machine() -> dict[str, str]:
    import ortools

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], capture_output=True, text=True, cwd=ROOT, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "?"

    dirty = git("status", "--porcelain", "--", "planner")
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "load average at start (1, 5, 15 min)": load,
        "platform": platform.platform(),
        "cpu": f"{cpu}, {os.cpu_count()} logical cores",
        "python": platform.python_version(),
        "ortools": getattr(ortools, "__version__", "?"),
        "planner": git("rev-parse", "--short", "HEAD")
        + (" (planner/ with uncommitted changes)" if dirty else ""),
    }


def _f(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _ratio(row: Row) -> str:
    naive = compare.Naive(row.naive, row.naive_wall, row.naive_booleans, row.naive_note)
    return compare.ratio(row.verdict, row.wall, naive)


def _diff(estimate: int | None, minimum: int | None) -> str:
    if estimate is None or minimum is None:
        return "—"
    d = estimate - minimum
    return "=" if d == 0 else f"{d:+d}"


def targets(rows: list[Row], cli: list, fleet_rows: list[Row]) -> list[tuple[str, str, str]]:
    """(target, measured, met?) for the issue's targets on this machine."""
    out = []
    if cli:
        worst = max(cli, key=lambda c: c[2])
        failed = [Path(c[0]).name for c in cli if c[1].startswith(FAILED)]
        out.append(
            (
                "a seed scenario: `planner solve` < 2 s wall, start-up included",
                f"`planner solve` failed on {', '.join(failed)}"
                if failed
                else f"median {min(c[2] for c in cli):.2f}–{worst[2]:.2f} s over {len(cli)} "
                f"seed files (slowest: {Path(worst[0]).name})",
                "not measured" if failed else "met" if worst[2] < 2 else "missed",
            )
        )

    def verdict_target(size: str, limit: float) -> None:
        rs = [r for r in rows if r.size == size]
        if not rs:
            return
        ok = [r for r in rs if r.decided and r.wall is not None and r.wall <= limit]
        walls = ", ".join(f"{r.name} {r.verdict} {_f(r.wall, 1)} s" for r in rs)
        out.append(
            (
                f"{size}: a proven verdict in ≤ {limit:g} s",
                walls,
                "met" if len(ok) == len(rs) else f"missed on {len(rs) - len(ok)} of {len(rs)}",
            )
        )

    verdict_target("M", 10)
    fleets = [(r.name, r.fleet) for r in fleet_rows if r.size == "M" and r.fleet]
    if fleets:
        met = [
            f
            for _, f in fleets
            if f.status == "proven" and f.seconds is not None and f.seconds <= 30
        ]
        out.append(
            (
                "M: the minimal safe fleet in ≤ 30 s",
                ", ".join(
                    f"{name} {_v(f.safe)} × {f.group} ({f.status}"
                    + (f": {f.note}" if f.note else "")
                    + f") {_f(f.seconds, 1)} s"
                    for name, f in fleets
                ),
                "met"
                if len(met) == len(fleets)
                else f"missed on {len(fleets) - len(met)} of {len(fleets)}",
            )
        )
    verdict_target("L", 45)
    ms = [r for r in rows if r.size == "M"]
    if ms:
        parts, shown = [], 0
        for r in ms:
            parts.append(f"{r.name} {_ratio(r)} ({r.verdict} / naive {r.naive})")
            if (
                r.naive in VERDICTS
                and r.naive == r.verdict
                and r.wall
                and r.naive_wall
                and r.naive_wall >= 10 * r.wall
            ):
                shown += 1
        out.append(
            (
                "planner ≥ 10× faster than the naive model on M, identical verdicts",
                ", ".join(parts),
                "met" if shown == len(ms) else f"shown on {shown} of {len(ms)}",
            )
        )
    return out


def write_results(
    rows: list[Row],
    cli: list,
    info: dict[str, str],
    command: str,
    started: datetime,
    seconds: float,
    out_dir: Path,
    limits: dict[str, Limits],
) -> Path:
    """RESULTS.md in ``out_dir``."""
    lines = [
        "# Benchmark results",
        "",
        "Written by the harness (`benchmarks/run.py`); do not edit by hand. "
        "What is compared and how: `benchmarks/README.md`.",
        "",
        f"- command: `{command}`",
        f"- date: {started:%Y-%m-%d %H:%M} UTC, run took {seconds / 60:.1f} min",
    ]
    lines += [f"- {k}: {v}" for k, v in info.items()]
    lines += [
        "- planner and the naive model: one CP-SAT worker, seed 0 (deterministic); "
        "time limits per scenario: "
        + "; ".join(
            f"{k} planner {v.planner:g} s, naive "
            + (f"{v.naive:g} s" if v.naive else "not run")
            + ", exhaustive "
            + (f"{v.exhaustive:g} s" if v.exhaustive else "not run")
            + ", minimum "
            + (f"{v.minimum:g} s" if v.minimum else "not run")
            for k, v in limits.items()
        ),
        "",
        "## Targets (2 cores)",
        "",
        "| target | measured | |",
        "|---|---|---|",
    ]
    fleet_rows = [r for r in rows if r.fleet]
    lines += [f"| {t} | {m} | {ok} |" for t, m, ok in targets(rows, cli, fleet_rows)]
    lines += [
        "",
        "## Verdicts and time",
        "",
        "wall: compile + `analyse` in this process (ortools already loaded); solver: CP-SAT's "
        "share of it. ratio: naive wall ÷ planner wall (≥ where the naive model timed out; "
        "no model: both decided by the same model-free runs and checks). "
        "booleans: the naive model's largest task × instance × wave model.",
        "",
        "| scenario | size | services | tasks | instances | planner | wall s | solver s "
        "| naive | naive s | ratio | booleans | exhaustive | exh. s |",
        "|---|---|--:|--:|--:|---|--:|--:|---|--:|--:|--:|---|--:|",
    ]
    for r in rows:
        if r.wall is None:
            continue
        flag = " ⚠" if not r.agree else ""
        lines.append(
            f"| {r.name}{flag} | {r.size} | {r.services} | {r.tasks} | {r.instances} "
            f"| {r.verdict} | {_f(r.wall)} | {_f(r.solver)} | {r.naive} | {_f(r.naive_wall)} "
            f"| {_ratio(r)} | {r.naive_booleans:,} | {r.exhaustive} "
            f"| {_f(r.exhaustive_wall)} |"
        )
    decided = [r for r in rows if r.wall is not None]
    both = [r for r in decided if r.verdict in VERDICTS and r.naive in VERDICTS]
    exh = [r for r in decided if r.verdict in VERDICTS and r.exhaustive in VERDICTS]
    bad = [r.name for r in decided if not r.agree]
    lines += [
        "",
        f"Cross-checks: planner and the naive model both decided {len(both)} scenarios, "
        f"planner and the exhaustive search {len(exh)}; "
        + (f"**they disagree on {', '.join(bad)}**." if bad else "no verdicts disagree."),
        "",
        "![time against tasks and instances](timing.png)",
        "",
        "## Fleet: first-fit decreasing against planner's minimum",
        "",
        "In instances of one type (the scenario's largest). FFD steady: the running tasks "
        "packed; FFD peak: the first wave's tasks (lower old + upper − lower new) or the end "
        "state, whichever needs more. minimum: planner's least count at which the rollout is "
        "possible / safe; proven when every smaller count tried was decided. "
        "Δ: FFD − minimum, against the possible / the safe minimum (— where not proven).",
        "",
        "| scenario | type | FFD steady | FFD peak | min possible | min safe | status "
        "| minimum s | Δ steady | Δ peak |",
        "|---|---|--:|--:|--:|--:|---|--:|--:|--:|",
    ]
    for r, f in ((r, r.fleet) for r in fleet_rows if r.fleet):
        status = f.status + (f" ({f.note})" if f.note else "")
        possible = f.possible if f.possible_proven else None
        safe = f.safe if f.safe_proven else None
        lines.append(
            f"| {r.name} | {f.group} | {_v(f.steady)} | {_v(f.peak)} | {_v(f.possible)} "
            f"| {_v(f.safe)} | {status} | {_f(f.seconds)} "
            f"| {_diff(f.steady, possible)} / {_diff(f.steady, safe)} "
            f"| {_diff(f.peak, possible)} / {_diff(f.peak, safe)} |"
        )
    lines += ["", *fleet_summary(fleet_rows), ""]
    if cli:
        lines += [
            "## `planner solve` on the seed scenarios (subprocess, start-up included)",
            "",
            "| file | first line of output | median s | runs s |",
            "|---|---|--:|---|",
        ]
        lines += [
            f"| {p} | {first.replace('|', '/')} | {med:.2f} | {', '.join(f'{t:.2f}' for t in ts)} |"
            for p, first, med, ts in cli
        ]
        lines.append("")
    notes = [(r.name, n) for r in rows for n in r.notes]
    unknown = [r for r in decided if r.verdict not in VERDICTS]
    if notes or unknown:
        lines += ["## Notes", ""]
        lines += [f"- {r.name}: planner `{r.verdict}`: {r.proof}" for r in unknown]
        lines += [f"- {name}: {n}" for name, n in notes]
        lines.append("")
    path = out_dir / "RESULTS.md"
    path.write_text("\n".join(lines))
    return path


def _v(x: int | None) -> str:
    return "—" if x is None else str(x)


def fleet_summary(rows: list[Row]) -> list[str]:
    """How often and by how much FFD misses planner's proven minima."""
    fleets = [(r.name, r.fleet) for r in rows if r.fleet]
    out = []
    for what, key, proven_key, meaning in (
        ("possible", "possible", "possible_proven", "no rollout completes at that fleet"),
        ("safe", "safe", "safe_proven", "the rollout can hang at that fleet"),
    ):
        proven = [f for _, f in fleets if getattr(f, proven_key) and getattr(f, key) is not None]
        out.append(f"Against the {len(proven)} proven {what} minima:")
        for label, est in (("steady-state FFD", "steady"), ("rollout-peak FFD", "peak")):
            ds = [getattr(f, est) - getattr(f, key) for f in proven if getattr(f, est) is not None]
            over = [d for d in ds if d > 0]
            under = [-d for d in ds if d < 0]
            exact = len(ds) - len(over) - len(under)
            out.append(
                f"- {label}: exact {exact}, over {len(over)}"
                + (f" (by {_span(over)})" if over else "")
                + f", under {len(under)}"
                + (f" (by {_span(under)}: {meaning})" if under else "")
                + "."
            )
        out.append("")
    never = [name for name, f in fleets if f.status == "none"]
    if never:
        out.append(
            f"No instance count makes {len(never)} scenarios possible ({', '.join(never)}): "
            "their bounds or ports hang whatever the fleet, yet FFD still names one."
        )
    return out


def _span(xs: list[int]) -> str:
    lo, hi = min(xs), max(xs)
    return (f"{lo}" if lo == hi else f"{lo}–{hi}") + f", mean {statistics.mean(xs):.1f}"


def plot(rows: list[Row], path: Path) -> None:
    """Time against tasks and against instances, log–log, planner beside the others."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 5), sharey=True)
    series = (  # planner last, on top
        ("exhaustive search", "exhaustive_wall", "exhaustive", "^", "tab:green"),
        ("naive booleans", "naive_wall", "naive", "s", "tab:red"),
        ("planner", "wall", "verdict", "o", "tab:blue"),
    )
    for ax, xkey, xlabel in ((axes[0], "tasks", "tasks"), (axes[1], "instances", "instances")):
        for z, (label, tkey, vkey, marker, color) in enumerate(series):
            done = [
                (getattr(r, xkey), getattr(r, tkey))
                for r in rows
                if getattr(r, tkey) is not None and getattr(r, vkey) in VERDICTS
            ]
            open_ = [
                (getattr(r, xkey), getattr(r, tkey))
                for r in rows
                if getattr(r, tkey) is not None and getattr(r, vkey) not in VERDICTS
            ]
            if done:
                x, y = zip(*done, strict=True)
                ax.scatter(
                    x,
                    [max(v, 1e-3) for v in y],
                    marker=marker,
                    color=color,
                    label=label,
                    alpha=0.8,
                    zorder=2 + z,
                )
            if open_:
                x, y = zip(*open_, strict=True)
                ax.scatter(
                    x,
                    y,
                    marker=marker,
                    facecolors="none",
                    edgecolors=color,
                    s=70,
                    label=f"{label}: no verdict by the time limit",
                    zorder=2 + z,
                )
        for secs, text in ((10, "M target 10 s"), (45, "L target 45 s")):
            ax.axhline(secs, color="grey", lw=0.6, ls="--")
            ax.text(
                0.01,
                secs * 1.08,
                text,
                fontsize=7,
                color="grey",
                transform=ax.get_yaxis_transform(),
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("seconds to a verdict (wall, one worker)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.suptitle(
        "planner (count model) vs naive boolean model vs exhaustive search"
        " (times under 1 ms drawn at 1 ms)",
        fontsize=11,
    )
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    ap.add_argument("--sizes", default="S,M,L,XL", help="comma-separated, of S,M,L,XL")
    ap.add_argument("--quick", action="store_true", help="first seed per size, short limits")
    ap.add_argument("--no-real", action="store_true", help="skip the hand-written scenarios")
    ap.add_argument("--no-cli", action="store_true", help="skip timing `planner solve`")
    ap.add_argument("--output", type=Path, default=HERE, help="folder for RESULTS.md, PNG")
    args = ap.parse_args(argv)
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    if bad := [s for s in sizes if s not in SIZES]:
        ap.error(f"unknown size {bad[0]!r}; sizes are {', '.join(SIZES)}")
    limits = QUICK if args.quick else LIMITS
    command = " ".join(
        ["python -m benchmarks.run", shlex.join(sys.argv[1:] if argv is None else argv)]
    ).strip()
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    info = machine()
    print(" | ".join(f"{k}: {v}" for k, v in info.items()), flush=True)

    def log(msg: str) -> None:
        print(msg, flush=True)

    cli = []
    if not args.no_cli:
        seeds = sorted((ROOT / "scenarios" / "seed").glob("*.yaml"))
        cli = time_cli(seeds[:2] if args.quick else seeds, 1 if args.quick else 3)
        for p, first, med, _ in cli:
            log(f"planner solve {p}: {med:.2f} s  {first[:60]}")

    rows: list[Row] = []
    if not args.no_real:
        for name, scenario in realistic():
            log(f"{name}")
            rows.append(measure(name, "real", scenario, limits["real"], log))
    for size in sizes:
        for seed in SEEDS[size][:1] if args.quick else SEEDS[size]:
            name = f"{size}-{seed}"
            log(f"{name}")
            rows.append(measure(name, size, generate(size, seed), limits[size], log))

    args.output.mkdir(parents=True, exist_ok=True)
    plot(rows, args.output / "timing.png")
    used = {k: v for k, v in limits.items() if k in sizes or (k == "real" and not args.no_real)}
    info["load average at end (1, 5, 15 min)"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    path = write_results(
        rows, cli, info, command, started, time.perf_counter() - t0, args.output, used
    )
    log(f"wrote {path} and {args.output / 'timing.png'} in {(time.perf_counter() - t0):.0f} s")


if __name__ == "__main__":
    main()
