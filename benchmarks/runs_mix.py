"""Which kind of randomised run by ECS rules finds a dying run, and where only they can.

    python -m benchmarks.runs_mix [--families scale,honest2,unseen,honest] [--sizes M]
                                  [--seeds 3] [--cap 150] [--output benchmarks/RUNS-MIX.md]

For every generated scenario with a service at stake (the benchmark families of
:mod:`benchmarks.scale`, three services and fleet-wide at 50, 70 and 85 % use), each
kind of randomised run of :func:`planner.deciding.ecs_runs.other_runs`, alone, up to
``--cap`` runs from seed 0: every choice at random; the services in a random order, each
task levelled; a service at stake spoiled by the others in a random order; and, beside
them, levelled with a service at stake last. The report gives, per scenario and kind, the
run that first died and the milliseconds per run; whether ECS's default run or the
adversary's fixed runs (``other_runs`` before its randomised ones) died already; and the
counts behind the mix of randomised runs (benchmarks/README.md, sixth session). The
machine's load average before and after is written with it.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from benchmarks import crowded
from planner import load_scenario
from planner.deciding import ecs_runs
from planner.model.horizon import max_waves
from planner.model.problem import Problem, compile_problem
from planner.model.rollout import Policy, simulate
from planner.running.clock import Deadline
from planner.solvers.counts import count_sets

KINDS = ("random", "levelled", "spoiling", "levelled, at stake last")


def _kind(name: str, S: int, stake: list[int]) -> Callable[[random.Random], Policy]:
    def draw(rng: random.Random) -> Policy:
        if name == "random":
            return Policy(rng=rng)
        if name == "levelled":
            order = list(range(S))
            rng.shuffle(order)
            return Policy(order=tuple(order), level=True)
        s = rng.choice(stake)
        others = list(ecs_runs._others(S, s))
        rng.shuffle(others)
        if name == "spoiling":
            return Policy(order=(*others, s), spoil=s)
        return Policy(order=(*others, s), level=True)

    return draw


@dataclass
class Row:
    name: str
    #: whether ECS's default run or one of the adversary's fixed runs died
    fixed_dies: bool
    #: per kind: (the run that first died, or None; milliseconds per run)
    kinds: dict[str, tuple[int | None, float]] = field(default_factory=dict)


def measure(name: str, problem: Problem, cap: int) -> Row | None:
    """The row of one scenario; None where no service is at stake (or only one runs)."""
    S = problem.n_services
    at_stake = count_sets(problem, max_waves(problem), 3.0).at_stake()
    stake = list(range(S)) if at_stake is None else list(at_stake)
    if S < 2 or not stake:
        return None
    fixed = not simulate(problem).complete
    # tries=1: the adversary's fixed runs, then one randomised run, left out here
    runs = list(ecs_runs.other_runs(problem, 0, 1, Deadline(600.0), at_stake))
    fixed = fixed or any(r.dead for r in runs[:-1])
    row = Row(name, fixed)
    for kind in KINDS:
        draw, rng = _kind(kind, S, stake), random.Random(0)
        t0, died, k = time.perf_counter(), None, 0
        for k in range(1, cap + 1):
            if simulate(problem, policy=draw(rng)).dead:
                died = k
                break
        row.kinds[kind] = (died, 1000 * (time.perf_counter() - t0) / k)
    return row


def report(rows: list[Row], load: tuple, seconds: float, cap: int) -> str:
    lines = [
        "# Randomised runs by ECS rules, kind by kind (`python -m benchmarks.runs_mix`)",
        "",
        f"{crowded.header(load, seconds)} Each kind alone, up to {cap} runs, seed 0: "
        "the run that first died (— none), and milliseconds per run.",
        "",
        "| scenario | default or fixed runs die | " + " | ".join(KINDS) + " |",
        "|---|---|" + "--:|" * len(KINDS),
    ]
    for r in rows:
        cells = [f"{d if d else '—'} ({ms:.0f} ms)" for d, ms in (r.kinds[k] for k in KINDS)]
        lines.append(
            f"| {r.name} | {'yes' if r.fixed_dies else 'no'} | " + " | ".join(cells) + " |"
        )
    left = [r for r in rows if not r.fixed_dies]
    lines += ["", f"{len(rows)} scenarios with a service at stake.", ""]
    lines += [
        "| kind | dies in | alone of the kinds | where nothing fixed dies |",
        "|---|--:|--:|--:|",
    ]
    for k in KINDS:
        dies = [r for r in rows if r.kinds[k][0]]
        alone = [r for r in dies if not any(r.kinds[j][0] for j in KINDS if j != k)]
        lines.append(
            f"| {k} | {len(dies)} | {len(alone)} | {sum(1 for r in left if r.kinds[k][0])} "
            f"of {len(left)} |"
        )
    return "\n".join([*lines, ""])


def main(argv: list[str] | None = None) -> None:
    parser = crowded.parser(__doc__, "RUNS-MIX.md")
    parser.add_argument("--cap", type=int, default=150)
    args = parser.parse_args(argv)
    before, t0 = os.getloadavg(), time.perf_counter()
    rows = []
    for family, _, mapping in crowded.scenarios(args):
        name = f"{family} {mapping['name']}"
        row = measure(name, compile_problem(load_scenario(mapping)), args.cap)
        if row is not None:
            print(row, flush=True)
            rows.append(row)
    text = report(rows, (before, os.getloadavg()), time.perf_counter() - t0, args.cap)
    args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
