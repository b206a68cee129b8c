"""Work budgets against the clock: how the counted work of a ``--workers 1`` solve
(:mod:`planner.running.work`) compares with the wall-clock time it took, and whether two
solves of the same scenario give the same answer.

    python -m benchmarks.work [--sizes M,L] [--families honest2,scale] [--seeds 1]
                              [--repeat 2] [--output benchmarks/WORK.md]

For every generated scenario (the benchmark families of :mod:`benchmarks.scale`, the
three rollouts at 50, 70 and 85 % use, fleet-wide and three services), ``planner.solve``
with one worker on a work budget (``repeatable=True``) at the size's limit (10 s at M, 45 s
at L, 60 s at XL), ``--repeat`` times. The report lists, per solve, the verdict, the
wall-clock seconds, the work counted (reference seconds), their ratio, whether the time
limit cut the budget off, and whether every repeat gave the same JSON (``wallSeconds``
left out). The machine's load average before and after is written with it. A ratio
above 1 / ``BUDGET_SHARE`` (1.25) means that the work not counted would make the solve
cut off on this machine.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

import planner
from benchmarks import crowded, scale
from planner import load_scenario
from planner.running import work


@dataclass
class Solve:
    name: str
    verdict: str
    wall: float
    spent: float
    budget: float
    cut: bool
    same: bool

    @property
    def ratio(self) -> float:
        return self.wall / self.spent if self.spent else 0.0


def solve_repeatedly(mapping: dict, limit: float, repeat: int) -> Solve:
    """``repeat`` solves of ``mapping`` with one worker; the first one's figures."""
    answers, first = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = planner.solve(load_scenario(mapping), time_limit=limit, workers=1, repeatable=True)
        wall = time.perf_counter() - t0
        out = result.to_json()
        out.pop("wallSeconds", None)
        answers.append(json.dumps(out, sort_keys=True, default=str))
        if first is None:
            c = result.work
            first = (str(result.verdict), wall, c.spent, c.budget, c.cut)
    assert first is not None
    return Solve(mapping["name"], *first, same=len(set(answers)) == 1)


def report(rows: list[tuple[str, str, Solve]], load: tuple, seconds: float) -> str:
    lines = [
        "# Work budgets against the clock (`python -m benchmarks.work`)",
        "",
        crowded.header(load, seconds),
        f"Reference machine of the costs: {work.REFERENCE}. Budget: "
        f"{work.BUDGET_SHARE:.0%} of the limit.",
        "",
        "| family | size | scenario | verdict | wall s | work s | budget s | wall / work "
        "| cut off | repeats the same |",
        "|---|---|---|---|--:|--:|--:|--:|---|---|",
    ]
    for family, size, s in rows:
        lines.append(
            f"| {family} | {size} | {s.name} | {s.verdict} | {s.wall:.2f} | {s.spent:.2f} "
            f"| {s.budget:.1f} | {s.ratio:.2f} | {'yes' if s.cut else 'no'} "
            f"| {'yes' if s.same else '**no**'} |"
        )
    cut = sum(s.cut for *_, s in rows)
    differ = sum(not s.same for *_, s in rows)
    lines += ["", f"{len(rows)} scenarios; cut off {cut}; repeats that differ {differ}.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = crowded.parser(__doc__, "WORK.md", families="honest2,scale", seeds=1)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    before, t0 = os.getloadavg(), time.perf_counter()
    rows = []
    for family, size, mapping in crowded.scenarios(args):
        s = solve_repeatedly(mapping, scale.ISSUE_LIMITS[size], args.repeat)
        print(family, size, s, flush=True)
        rows.append((family, size, s))
    text = report(rows, (before, os.getloadavg()), time.perf_counter() - t0)
    args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
