"""Deploying in steps, every step proven: what the fix finds on the benchmark families.

    python -m benchmarks.steps [--families scale,honest2,unseen,honest] [--sizes M]
                               [--seeds 3] [--workers 1] [--budget 20]
                               [--output benchmarks/STEPS.md]

For every generated scenario where several services deploy (the families of
:mod:`benchmarks.scale`, three services and fleet-wide at 50, 70 and 85 % use), first
``planner.solve`` at the size's limit (10 s at M, 45 s at L, 60 s at XL) with its fixes,
as a user runs it: the verdict, and the steps fix it names, if any (every step proven,
or the first step only). Then, where the verdict is at-risk or ``unknown``, the search
for proven steps alone (:func:`planner.deciding.fixes.in_steps`) with ``--budget``
seconds: how many steps, by which proofs, in how long. The machine's load average before
and after is written with it.
"""

from __future__ import annotations

import os
import time

import planner
from benchmarks import crowded, scale
from planner import load_scenario
from planner.deciding import fixes
from planner.model.problem import compile_problem
from planner.running.clock import Deadline


def at_limit(result) -> str:
    """The steps fix of a solve, in a few words: "every step (n)", "first step", or —."""
    for fix in result.fixes:
        if fix.kind == "batches":
            if fix.extra.get("checked") == fixes.EVERY_STEP:
                return f"every step ({len(fix.extra['steps']) + 1})"
            return "first step"
    return "—"


def with_budget(mapping: dict, budget: float) -> tuple[str, float]:
    """The proven steps found in ``budget`` seconds ("—": none), and the seconds taken."""
    scenario = load_scenario(mapping)
    problem = compile_problem(scenario)
    t0 = time.perf_counter()
    fix = fixes.in_steps(scenario, problem, Deadline(budget), 0, 0.0)
    seconds = time.perf_counter() - t0
    if fix is None:
        return "—", seconds
    steps = [fix.value, *fix.extra["steps"]]
    sizes = " + ".join(str(len(step)) for step in steps)
    return f"{len(steps)} steps ({sizes} services; {', '.join(fix.extra['proofs'])})", seconds


def report(rows: list[tuple], load: tuple, seconds: float, what: str, budget: float) -> str:
    lines = [
        "# Deploying in steps, every step proven (`python -m benchmarks.steps`)",
        "",
        f"{crowded.header(load, seconds)} {what}",
        "",
        "At the limit: the steps fix of the solve itself (—: none; an at-risk verdict",
        "gets it only where no other fix is found). With the budget: the search for",
        f"proven steps alone, given {budget:g} s (at-risk and `unknown` verdicts only).",
        "",
        "| scenario | verdict | steps fix at the limit | proven steps with the budget | s |",
        "|---|---|---|---|--:|",
    ]
    for name, verdict, fix, steps, secs in rows:
        took = f"{secs:.1f}" if secs is not None else ""
        lines.append(f"| {name} | {verdict} | {fix} | {steps} | {took} |")
    open_ = [r for r in rows if r[1] in ("at-risk", "unknown")]
    proven = [r for r in open_ if r[3] != "—"]
    limit = [r for r in open_ if r[2].startswith("every step")]
    lines += [
        "",
        f"At-risk or `unknown`: {len(open_)}; every step proven at the limit in {len(limit)}, "
        f"with the budget in {len(proven)}.",
    ]
    return "\n".join([*lines, ""])


def main(argv: list[str] | None = None) -> None:
    parser = crowded.parser(__doc__, "STEPS.md")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--budget", type=float, default=20.0)
    args = parser.parse_args(argv)
    before, t0 = os.getloadavg(), time.perf_counter()
    rows = []
    for family, size, mapping in crowded.scenarios(args):
        limit = scale.ISSUE_LIMITS[size]
        result = planner.solve(load_scenario(mapping), time_limit=limit, workers=args.workers)
        verdict = str(result.verdict)
        steps, secs = "", None
        if verdict in ("at-risk", "unknown"):
            steps, secs = with_budget(mapping, args.budget)
        rows.append((f"{family} {mapping['name']}", verdict, at_limit(result), steps, secs))
        print(*rows[-1], sep=" | ", flush=True)
    what = f"Sizes {args.sizes}, {args.seeds} seeds, {args.workers} worker(s)."
    text = report(rows, (before, os.getloadavg()), time.perf_counter() - t0, what, args.budget)
    args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
