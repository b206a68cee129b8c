"""Planner beside the naive model and FFD, scenario by scenario (issue 24).

Used by ``python -m benchmarks.run`` (the naive model's run and the ratio) and by
``python -m benchmarks.scale --compare naive,ffd`` (every family: scale, unseen, honest,
honest2), so that one run, at one machine load, shows the three side by side:

- **naive** (:mod:`benchmarks.naive`): :func:`naive_run` is what ``run.py`` records — not
  run when its two-wave model is over :data:`MAX_BOOLEANS` booleans, ``timeout`` when the
  limit came undecided, ``unknown`` when a later model would be too large. The scale
  harness runs it in a child process (:func:`naive_in_child`) with the planner solve's time
  limit, killed at the limit + :data:`GRACE` s (the naive model may not look at the clock
  while it builds a model): ``killed`` then. Its wall includes loading and compiling the
  scenario, not Python's start-up (planner's, measured around ``planner solve``, does).
- **FFD** (:mod:`benchmarks.ffd`): the instances first-fit decreasing says the steady and
  the peak loads need, in one instance type, :func:`benchmarks.ffd.chosen_group` (the
  fleet's type with the most CPU, then memory), every other placement rule but
  distinctInstance and fixed ports left out (no memberOf, no strategy). Against the fleet's
  instance count, every type counted alike: on a fleet of several types that is generous
  to FFD (a smaller instance counted as a largest one). As a gate, FFD says the rollout
  *fits* when its peak is at most the fleet's instance count.
- :func:`ratio`: naive wall ÷ planner wall, "≥ N×" when the naive model ran out of time
  undecided (or was killed), "no model" when both decided from the same model-free runs.
"""

from __future__ import annotations

import multiprocessing
import queue as queues
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks import ffd
from benchmarks.naive import count_booleans, naive_verdict
from planner.inputs.loading import load_scenario
from planner.model.problem import Problem, compile_problem
from planner.model.scenario import Scenario

VERDICTS = ("safe", "at-risk", "hangs")
#: Naive models larger than this many booleans are not built (L at two waves needs 1.4 M,
#: and building it in Python took 146 s).
MAX_BOOLEANS = 1_000_000
#: Seconds past its time limit before the naive model's child is killed.
GRACE = 5.0
WHAT = ("naive", "ffd")


@dataclass
class Naive:
    """The naive model on one scenario, as a report shows it."""

    verdict: str = "—"  # a verdict, timeout, unknown, not run, killed, error
    wall: float | None = None
    booleans: int = 0  # the largest model built (or, not run: the two-wave model's size)
    note: str = ""


def naive_run(problem: Problem, limit: float, max_booleans: int = MAX_BOOLEANS) -> Naive:
    """:func:`naive_verdict` as the benchmarks record it (one worker, seed 0)."""
    first = count_booleans(problem, 2)
    if first > max_booleans:
        return Naive("not run", None, first, f"{first:,} booleans at 2 waves")
    nv = naive_verdict(problem, limit, seed=0, max_booleans=max_booleans)
    verdict = nv.verdict
    if verdict == "unknown" and "too large" not in nv.proof:
        verdict = "timeout"
    return Naive(verdict, nv.wall_seconds, nv.booleans, nv.proof)


def in_child(target: Callable[..., Any], args: tuple[Any, ...], seconds: float) -> tuple[str, Any]:
    """``target(*args)`` in a forked child: ("done", its value), ("killed", None) when it
    had not returned after ``seconds`` (killed, SIGKILL), ("error", text) when it raised or
    died without a value."""
    ctx = multiprocessing.get_context("fork")
    box = ctx.Queue()

    def child() -> None:  # pragma: no cover - runs in the child
        try:
            box.put(("done", target(*args)))
        except BaseException as exc:  # report it; the parent decides
            box.put(("error", f"{type(exc).__name__}: {exc}"))

    proc = ctx.Process(target=child, daemon=True)
    deadline = time.perf_counter() + seconds
    proc.start()
    try:
        while True:
            try:
                got = box.get(timeout=0.2)
                proc.join()
                return got
            except queues.Empty:
                if not proc.is_alive() and box.empty():
                    return "error", f"the child died (exit {proc.exitcode}) without a value"
                if time.perf_counter() > deadline:
                    proc.kill()
                    proc.join()
                    return "killed", None
    finally:
        box.close()


def _naive_of(mapping: dict[str, Any], limit: float, max_booleans: int) -> Naive:
    t0 = time.perf_counter()
    out = naive_run(compile_problem(load_scenario(mapping)), limit, max_booleans)
    if out.wall is not None:
        out.wall = time.perf_counter() - t0  # loading and compiling included, as planner's
    return out


def naive_in_child(
    mapping: dict[str, Any],
    limit: float,
    grace: float = GRACE,
    max_booleans: int = MAX_BOOLEANS,
) -> Naive:
    """:func:`naive_run` on a scenario mapping, in a child killed at ``limit + grace``."""
    t0 = time.perf_counter()
    how, value = in_child(_naive_of, (mapping, limit, max_booleans), limit + grace)
    wall = time.perf_counter() - t0
    if how == "done":
        return value
    if how == "killed":
        return Naive("killed", wall, 0, f"no verdict by {limit + grace:g} s (limit + {grace:g})")
    return Naive("error", None, 0, str(value))


def ratio(verdict: str, wall: float | None, naive: Naive) -> str:
    """naive wall ÷ planner wall where planner decided: "≥" where the naive model ran out of
    time undecided or was killed; "no model" where both decided without a model."""
    if wall is None or naive.wall is None or verdict not in VERDICTS:
        return "—"
    r = naive.wall / max(wall, 1e-3)
    if naive.verdict in ("timeout", "killed"):
        return f"≥ {r:,.0f}×" if r >= 10 else f"≥ {r:.1f}×"
    if naive.booleans == 0:
        return "no model"  # decided by the same model-free runs and checks as planner
    if naive.verdict in VERDICTS:
        return f"{r:,.0f}×" if r >= 10 else f"{r:.1f}×"
    return "—"


@dataclass
class Ffd:
    """FFD's fleets for one scenario, against the scenario's own fleet."""

    group: str  # the instance type FFD sizes in
    steady: int | None  # None: some task fits no empty instance of that type
    peak: int | None
    fleet: int  # the scenario's instances, every type counted alike
    types: int  # instance groups in the scenario
    seconds: float = 0.0

    @property
    def gate(self) -> str:
        """What FFD would conclude as a gate: the peak fits in the fleet, or not."""
        if self.peak is None:
            return "a task fits no instance"
        return "fits" if self.peak <= self.fleet else "does not fit"

    @property
    def share(self) -> str:
        """FFD's peak instances ÷ the fleet's instances."""
        return "—" if self.peak is None else f"{self.peak / self.fleet:.2f}"


def ffd_of(scenario: Scenario) -> Ffd:
    """:func:`benchmarks.ffd.estimate` on ``scenario``, beside its fleet."""
    t0 = time.perf_counter()
    est = ffd.estimate(scenario)
    fleet = sum(g.count or 0 for g in scenario.instance_groups)
    n = len(scenario.instance_groups)
    return Ffd(est.group, est.steady, est.peak, fleet, n, time.perf_counter() - t0)


def reading(verdict: str, f: Ffd | None) -> str:
    """The rows worth reading: FFD's gate against planner's verdict."""
    if f is None:
        return ""
    if f.gate == "fits" and verdict in ("hangs", "at-risk"):
        return f"FFD waves it through; planner: {verdict}"
    if f.gate != "fits" and verdict == "safe":
        if f.steady is None or f.steady > f.fleet:
            return "FFD stops it, its steady packing over the fleet too; planner: safe"
        return "FFD stops it; planner: safe"
    return ""


@dataclass
class Compared:
    """The naive model and FFD on one scenario (None: not asked for)."""

    naive: Naive | None = None
    ffd: Ffd | None = None


def compare(mapping: dict[str, Any], limit: float, what: Sequence[str]) -> Compared:
    """The methods of ``what`` (of :data:`WHAT`) on one scenario mapping."""
    out = Compared()
    if "ffd" in what:
        out.ffd = ffd_of(load_scenario(mapping))
    if "naive" in what:
        out.naive = naive_in_child(mapping, limit)
    return out


def describe(c: Compared) -> str:
    """One line for the harness's log."""
    parts = []
    if c.naive is not None:
        n = c.naive
        wall = "" if n.wall is None else f" in {n.wall:.1f} s"
        parts.append(f"naive {n.verdict}{wall} ({n.booleans:,} booleans) {n.note[:50]}")
    if c.ffd is not None:
        f = c.ffd
        parts.append(
            f"FFD {f.steady}/{f.peak} × {f.group} of {f.fleet}: {f.gate} ({f.seconds:.1f} s)"
        )
    return "; ".join(parts)


# ---------------------------------------------------------------------------- report


def _planner_run(runs: Sequence[Any]) -> Any:
    """The solve a comparison is made against: the one-worker one where there is one (the
    naive model runs one CP-SAT worker), else the first."""
    return next((r for r in runs if r.asked == 1), None) or next(
        (r for r in runs if r.asked is None and r.workers == 1), runs[0]
    )


def _f(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f} s"


def _v(x: int | None) -> str:
    return "—" if x is None else str(x)


READING = (
    "Beside each solve, in the same run and so at the same machine load (recorded once, "
    "above): **naive**, the naive boolean model (`benchmarks/naive.py`: one boolean per "
    "task × instance × wave, the same rules and questions, one CP-SAT worker, seed 0) with "
    "the same time limit, in a child process killed at limit + {grace:g} s (*killed*); "
    "*not run* where its two-wave model is over {most:,} booleans; *timeout*: the limit "
    "came undecided. Its wall includes loading and compiling the file, not Python's "
    "start-up, which planner's wall includes: the ratio *naive ÷ planner* (naive wall ÷ "
    "planner wall, where planner decided) understates planner's lead on short solves; "
    "*≥ N×*: the naive model ran out of time (or was killed) undecided; *no model*: both "
    "decided from the same model-free runs. **FFD**, first-fit decreasing as an autoscaler "
    "sizes a fleet (`benchmarks/ffd.py`): the instances the running tasks (*steady*) and "
    "the rollout's peak (the first wave's old and new tasks, or the end state, whichever "
    "needs more) need, all of one type (*FFD type*: the fleet's type with the most CPU), "
    "with no memberOf and no strategy, against the fleet's instances, every type counted "
    "alike (generous to FFD where the fleet has smaller types); *peak ÷ fleet* is FFD's "
    "peak over the fleet; *FFD gate*: what FFD would conclude, the peak *fits* in the fleet "
    "or not. *reading* marks the rows where the gate and planner differ: FFD waves through "
    "a rollout planner finds can hang (*hangs*, *at-risk*), or stops one planner proves "
    "*safe*; where FFD's *steady* is already over the fleet (the running tasks do fit: "
    "the harness checks it), the gate says more about FFD's packing than about the "
    "rollout (FFD sorts by CPU alone, so tasks with a fixed host port or an ENI, placed "
    "after the instances are full of CPU, open instances of their own). planner: the solve "
    "with one worker where the run had one, else the first."
)


def section(cells: Sequence[Any], *, grace: float = GRACE) -> list[str]:
    """The report's section on the naive model and FFD (empty: nothing compared)."""
    rows = []
    for c in cells:
        for name, cmp in getattr(c, "compared", {}).items():
            runs = [r for r in c.runs if r.name == name]
            if runs:
                rows.append((name, _planner_run(runs), cmp))
    if not rows:
        return []
    lines = [
        "## Beside the naive model and FFD",
        "",
        READING.format(grace=grace, most=MAX_BOOLEANS),
        "",
        "| scenario | planner | planner wall | naive | naive wall | naive booleans "
        "| naive ÷ planner | FFD type | FFD steady | FFD peak | fleet | peak ÷ fleet "
        "| FFD gate | reading |",
        "|---|---|--:|---|--:|--:|--:|---|--:|--:|--:|--:|---|---|",
    ]
    for name, run, cmp in rows:
        n, f = cmp.naive, cmp.ffd
        naive = "—" if n is None else n.verdict
        if n is not None and n.verdict in VERDICTS and run.verdict in VERDICTS:
            naive += "" if n.verdict == run.verdict else " ⚠ **disagrees**"
        lines.append(
            f"| {name} | {run.verdict} | {_f(run.wall)} | {naive} "
            + (
                "| — | — | — "
                if n is None
                else f"| {_f(n.wall)} | {n.booleans:,} | {ratio(run.verdict, run.wall, n)} "
            )
            + (
                "| — | — | — | — | — | — "
                if f is None
                else f"| {f.group}{f' (of {f.types} types)' if f.types > 1 else ''} "
                f"| {_v(f.steady)} | {_v(f.peak)} | {f.fleet} | {f.share} | {f.gate} "
            )
            + f"| {reading(run.verdict, f)} |"
        )
    lines += ["", *summary(rows), ""]
    return lines


def summary(rows: Sequence[tuple[str, Any, Compared]]) -> list[str]:
    """Counts: the naive model's verdicts and agreement; FFD's gate against planner's."""
    out = []
    naive = [(run, c.naive) for _, run, c in rows if c.naive is not None]
    if naive:
        by: dict[str, int] = {}
        for _, n in naive:
            by[n.verdict] = by.get(n.verdict, 0) + 1
        both = [(r, n) for r, n in naive if r.verdict in VERDICTS and n.verdict in VERDICTS]
        bad = [r.name for r, n in both if r.verdict != n.verdict]
        planner = sum(r.verdict in VERDICTS for r, _ in naive)
        out.append(
            f"- naive model: {', '.join(f'{k} {v}' for k, v in by.items())} of {len(naive)} "
            f"(planner decided {planner}); both decided {len(both)}, "
            + (f"**disagreeing on {', '.join(bad)}**." if bad else "no verdicts disagree.")
        )
    ffds = [(run, c.ffd) for _, run, c in rows if c.ffd is not None]
    if ffds:
        fits = [(r, f) for r, f in ffds if f.gate == "fits"]
        through = [r.name for r, _ in fits if r.verdict in ("hangs", "at-risk")]
        stops = [r.name for r, f in ffds if f.gate != "fits" and r.verdict == "safe"]
        over = [r.name for r, f in ffds if f.steady is None or f.steady > f.fleet]
        out.append(
            f"- FFD gate: the peak fits on {len(fits)} of {len(ffds)}; it waves through "
            f"{len(through)} that planner finds can hang"
            + (f" ({', '.join(through)})" if through else "")
            + f", and stops {len(stops)} that planner proves safe"
            + (f" ({', '.join(stops)})" if stops else "")
            + f"; its steady packing alone is over the fleet on {len(over)}"
            + (f" ({', '.join(over)})" if over else "")
            + "."
        )
    return out
