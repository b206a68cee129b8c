"""The cost of ECS's scheduler as configured (ROLLOUT.md §8) at scale.

    python -m benchmarks.scheduler [--runs 100]

On the L scenarios (40 services, ~1,000 tasks, 350 instances; benchmarks.generate), times
the scheduler runs every solve makes (planner.deciding.scheduler.summarise) and writes
``benchmarks/SCHEDULER.md`` with the machine's load. The target: 100 runs within 10 % of
a solve's default time limit (60 s), i.e. 6 s. A solve caps them at min(5 s, a tenth of
its limit) whatever their cost, and says how many it made.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.generate import SEEDS, generate
from planner.deciding.scheduler import summarise
from planner.model.problem import compile_problem

TARGET_SECONDS = 6.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "SCHEDULER.md")
    args = parser.parse_args()
    rows = []
    load_before = os.getloadavg()
    for seed in SEEDS["L"]:
        problem = compile_problem(generate("L", seed))
        problem.rows, problem.attributes  # noqa: B018 - built once per solve anyway
        t0 = time.perf_counter()
        summary = summarise(problem, most=args.runs, seconds=10_000)
        secs = time.perf_counter() - t0
        rows.append((seed, problem, summary, secs))
        print(f"L-{seed}: {summary.runs} runs in {secs:.1f} s")
    lines = [
        "# Scheduler runs at scale",
        "",
        f"Written by `python -m benchmarks.scheduler` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC;",
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average before "
        f"{load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f}, after "
        f"{os.getloadavg()[0]:.2f}.",
        "",
        "| scenario | instances | services | tasks | runs | completed | hung | seconds | per run |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for seed, p, s, secs in rows:
        lines.append(
            f"| L-{seed} | {p.n_instances} | {p.n_services} | {p.total_desired} | {s.runs} "
            f"| {s.completed} | {s.hung} | {secs:.1f} | {secs / s.runs:.2f} |"
        )
    worst = max(secs for *_, secs in rows)
    verdict = "met" if worst <= TARGET_SECONDS else "missed"
    lines += [
        "",
        f"Target: {args.runs} runs within {TARGET_SECONDS:g} s (10 % of the default 60 s "
        f"limit): **{verdict}** (worst {worst:.1f} s). A solve spends at most min(5 s, a "
        "tenth of its time limit) on them and reports how many runs it made.",
        "",
    ]
    args.output.write_text("\n".join(lines))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
