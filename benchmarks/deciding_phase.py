"""Which phase of the analysis decides each verdict, on the benchmark families.

    python -m benchmarks.deciding_phase [--families scale,honest2,unseen,honest]
                                        [--sizes M] [--seeds 3] [--workers 1]
                                        [--output benchmarks/DECIDING-PHASE.md]

For every generated scenario (the families of :mod:`benchmarks.scale`, three services and
fleet-wide at 50, 70 and 85 % use), ``planner.solve`` at the size's limit (10 s at M,
45 s at L, 60 s at XL), listening to the phases it announces
(:mod:`planner.running.progress`). The deciding phase is the last one announced before
the report's runs, the replay or the fixes. Where the scheduler's first runs already
hold a dying run and a completing one, the runs by ECS rules announce nothing, so such
verdicts show the phase before them ("proofs from volumes and counts"); the report
names them so. The machine's load average before and after is written with it.
"""

from __future__ import annotations

import os
import time
from collections import Counter

import planner
from benchmarks import crowded, scale
from planner import load_scenario
from planner.running import progress

#: Phases that come after the verdict.
AFTER = ("ECS's scheduler as configured: more runs", "replaying the evidence", "checking fixes")
FIRST_RUNS = "proofs from volumes and counts"


def deciding(phases: list[str]) -> str:
    """The last phase announced before those that follow a verdict (``AFTER``)."""
    last = "none"
    for name in phases:
        if name.startswith(AFTER):
            return last
        last = name
    return last


def solve(mapping: dict, limit: float, workers: int) -> tuple[str, str]:
    """(verdict, deciding phase) of one solve."""
    phases: list[str] = []
    with progress.listening(phases.append):
        result = planner.solve(load_scenario(mapping), time_limit=limit, workers=workers)
    verdict = str(result.verdict)
    phase = deciding(phases)
    if phase == FIRST_RUNS and verdict in ("at-risk", "hangs"):
        phase = "ECS's scheduler's first runs (a run died before the runs by ECS rules)"
    return verdict, phase


def report(rows: list[tuple[str, str, str]], load: tuple, seconds: float, what: str) -> str:
    lines = [
        "# Which phase decides (`python -m benchmarks.deciding_phase`)",
        "",
        f"{crowded.header(load, seconds)} {what}",
        "",
        "| verdict | deciding phase | scenarios |",
        "|---|---|--:|",
    ]
    counts = Counter((v, p) for _, v, p in rows)
    for (verdict, phase), n in sorted(counts.items()):
        lines.append(f"| {verdict} | {phase} | {n} |")
    lines += ["", "| scenario | verdict | deciding phase |", "|---|---|---|"]
    lines += [f"| {name} | {v} | {p} |" for name, v, p in rows]
    return "\n".join([*lines, ""])


def main(argv: list[str] | None = None) -> None:
    parser = crowded.parser(__doc__, "DECIDING-PHASE.md")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    before, t0 = os.getloadavg(), time.perf_counter()
    rows = []
    for family, size, mapping in crowded.scenarios(args):
        verdict, phase = solve(mapping, scale.ISSUE_LIMITS[size], args.workers)
        rows.append((f"{family} {mapping['name']}", verdict, phase))
        print(*rows[-1], sep=" | ", flush=True)
    what = f"Sizes {args.sizes}, {args.seeds} seeds, {args.workers} worker(s)."
    text = report(rows, (before, os.getloadavg()), time.perf_counter() - t0, what)
    args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
