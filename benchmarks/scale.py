"""The scale family: does ``planner solve`` keep to its time limit as clusters grow?

    python -m benchmarks.scale [--quick] [--sizes M,L] [--family scale|unseen|honest]
                               [--output DIR] [--reacting room,max] [--workers 1,2]
                               [--deploying ...] [--utilisations ...] [--seeds M=3,L=1]
                               [--time-limit S]

Generates its own scenarios (not :mod:`benchmarks.generate`'s, nor its seeds) for every
size × utilisation × deploying cell:

- size: M = 10 services on 50 instances, L = 40 on 350, XL = 320 on 2,800 (XL only when
  asked for: ``--sizes M,L,XL``);
- utilisation: the running tasks take 50 %, 70 % or 85 % of the fleet's CPU units;
- deploying: one service, three, or every service ("fleet-wide": an agent or base-image
  update, so the new revision is mostly the same size, sometimes bigger); the others are
  ``deploy: false``, static load.

Each scenario mixes two or three instance types of the catalog, spreads every group over
three availability zones, gives about a quarter of the services a fixed host port, mixes
percent settings and makes some revisions bigger. A seed whose running tasks do not fit
(``compile_problem`` raises DoesNotFit) is dropped, the next one taken, and the drop
counted.

Every scenario is written as a YAML file and solved as a user would, in a subprocess:
``planner solve FILE --format json --time-limit T`` (T: 10 s for M, 45 s for L, 120 s for
XL; ``--quick``: one seed per cell and 5 / 15 / 60 s), timed with ``time.perf_counter``
around the subprocess. Start-up is ``planner solve scenarios/seed/port-conflict.yaml``,
three runs, median. The target: wall ≤ limit + 1.5 s. ``SCALE.md`` (in ``--output``,
default ``benchmarks/``) is written by this harness, never by hand.

``--family unseen`` measures the same cells on :mod:`benchmarks.unseen`'s scenarios
instead: a second generator, written by someone who had not read this one (daemons,
awsvpc, memberOf, placement strategies, memory-heavy services, reserved memory, two-zone
fleets), so that the figures are not tuned to one family. It writes ``UNSEEN.md``.

``--family honest`` measures :mod:`benchmarks.honest`'s scenarios (issue 24: seeds fixed
before any tuning; zones, binpack and AZ-balanced strategies, memberOf on a third of the
services). It writes ``HONEST.md``, always in :mod:`benchmarks.sidebyside`'s form.
``--family honest2`` measures its declared version 2 (no service stuck by its percents'
arithmetic; seed fixed on 2026-12-05) and writes ``HONEST2.md``.

``--workers 1,2`` solves every scenario once per value, one after another, and reports
them side by side (:mod:`benchmarks.sidebyside`); every solve's peak resident memory is
measured (:func:`peak_method`). ``--deploying``, ``--utilisations``, ``--seeds`` (``N`` or
``M=3,L=1``) and ``--time-limit`` narrow a run (e.g. XL fleet-wide only, one seed, 60 s).

``--reacting room,max`` measures the family's reacting variant instead
(:mod:`benchmarks.reacting`: the fleet a capacity provider's Auto Scaling group, every
service on it; ``room``: maxSize 25 % above the running instances, ``max``: at them), each
mode a cell of its own. It writes ``REACTING.md`` (``REACTING-UNSEEN.md`` for the unseen
family).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from benchmarks import compare, honest, reacting, unseen
from planner.inputs.loading import load_scenario
from planner.model.catalog import load_catalog
from planner.model.problem import DoesNotFit, compile_problem

ROOT = Path(__file__).resolve().parents[1]

#: size -> (services, instances)
SIZES: dict[str, tuple[int, int]] = {
    "tiny": (2, 4),  # for the tests only
    "M": (10, 50),
    "L": (40, 350),
    "XL": (320, 2800),
}
#: Seconds of ``--time-limit`` per size: full run, then ``--quick``.
LIMITS = {"tiny": 5.0, "M": 10.0, "L": 45.0, "XL": 120.0}
QUICK_LIMITS = {"tiny": 5.0, "M": 5.0, "L": 15.0, "XL": 60.0}
UTILISATIONS = (0.50, 0.70, 0.85)
DEPLOYING = ("one", "three", "fleet-wide")
#: Scenarios per cell (a quick run takes one).
SEEDS_PER_CELL = 3
#: The target: wall time at most the limit plus this many seconds.
SLACK = 1.5
#: A solve is killed after limit × this + 60 s (reported as ``killed``).
KILL_FACTOR = 3.0
STARTUP_SCENARIO = ROOT / "scenarios" / "seed" / "port-conflict.yaml"

#: Instance types a generated fleet draws two or three from (x86_64, 2–8 vCPUs).
TYPES = (
    "m5.large",
    "m5.xlarge",
    "m5.2xlarge",
    "m6i.large",
    "m6i.xlarge",
    "c5.large",
    "c5.xlarge",
    "c5.2xlarge",
    "r5.large",
    "r5.xlarge",
)
ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
PERCENTS = ((100, 200), (50, 200), (50, 100), (100, 150), (0, 100))
TASK_CPUS = (128, 256, 256, 512, 512, 1024)
#: MiB per CPU unit of a task, before the whole is scaled to the memory share drawn.
MEMORY_RATIOS = (0.5, 1, 2, 2, 4)
FIXED_PORT_SHARE = 0.25
#: Chance that a deploying service's new revision is bigger: fleet-wide, else.
BIGGER = {"fleet-wide": 0.2, "other": 0.5}


def _deploy_count(deploying: str, services: int) -> int:
    return {"one": 1, "three": min(3, services), "fleet-wide": services}[deploying]


def _round(x: float, step: int, least: int) -> int:
    return max(least, int(round(x / step)) * step)


def generate(size: str, utilisation: float, deploying: str, seed: int) -> dict[str, Any]:
    """The scenario (a mapping in the scenario-file format) of one cell and seed.

    Same arguments, same mapping. Whether its running tasks fit is not checked here:
    :func:`fitting` does that.
    """
    n_services, n_instances = SIZES[size]
    rng = random.Random(f"scale/{size}/{utilisation:.2f}/{deploying}/{seed}")
    catalog = load_catalog()

    # the fleet: two or three types, every group round-robin over the zones
    kinds = rng.sample(TYPES, rng.choice((2, 3)) if n_instances >= 3 else 1)
    weights = [rng.uniform(0.5, 1.5) for _ in kinds]
    counts = [max(1, int(n_instances * w / sum(weights))) for w in weights]
    counts[0] += n_instances - sum(counts)
    first = rng.randrange(len(ZONES))
    zones = list(ZONES[first:] + ZONES[:first])
    groups = []
    for k, (kind, count) in enumerate(zip(kinds, counts, strict=True)):
        groups.append({"type": kind, "count": count, "availabilityZones": zones[k:] + zones[:k]})
    fleet_cpu = sum(catalog[g["type"]].cpu_units * g["count"] for g in groups)
    fleet_mem = sum(catalog[g["type"]].memory_mib * g["count"] for g in groups)
    max_cpu = min(catalog[k].cpu_units for k in kinds)
    max_mem = min(catalog[k].memory_mib for k in kinds)

    # the services' running tasks: CPU shares of the target, memory scaled to a share
    target = utilisation * fleet_cpu
    shares = [rng.uniform(0.3, 1.7) for _ in range(n_services)]
    ported = [k > 0 and rng.random() < FIXED_PORT_SHARE for k in range(n_services)]
    specs = []
    for k in range(n_services):
        cpu = min(rng.choice(TASK_CPUS), max_cpu // 2)
        if ported[k]:  # fewer, larger tasks: one per instance at most
            cpu = max_cpu // 2
        desired = max(1, round(target * shares[k] / sum(shares) / cpu))
        if ported[k]:
            desired = min(desired, max(1, n_instances // 2))
        specs.append({"cpu": cpu, "ratio": rng.choice(MEMORY_RATIOS), "desired": desired})
    gap = target - sum(s["cpu"] * s["desired"] for s in specs)
    free = sorted((k for k in range(n_services) if not ported[k]), key=lambda k: -specs[k]["cpu"])
    for k in free:  # coarse first, the smallest tasks last
        new = max(1, specs[k]["desired"] + round(gap / specs[k]["cpu"]))
        gap -= (new - specs[k]["desired"]) * specs[k]["cpu"]
        specs[k]["desired"] = new
    memory_share = utilisation * rng.uniform(0.5, 0.9)
    raw = sum(s["cpu"] * s["ratio"] * s["desired"] for s in specs)
    scale = memory_share * fleet_mem / raw
    for s in specs:
        s["memory"] = min(_round(s["cpu"] * s["ratio"] * scale, 64, 128), max_mem // 2)

    # who deploys, and what
    deployers = set(rng.sample(range(n_services), _deploy_count(deploying, n_services)))
    bigger = BIGGER["fleet-wide" if deploying == "fleet-wide" else "other"]
    services = []
    for k, s in enumerate(specs):
        td: dict[str, Any] = {"cpu": s["cpu"], "memory": s["memory"]}
        if ported[k]:
            td["portMappings"] = [{"containerPort": 8080, "hostPort": 8000 + k}]
        lo, hi = rng.choice(PERCENTS)
        svc: dict[str, Any] = {
            "name": f"svc{k:03d}",
            "desiredCount": s["desired"],
            "taskDefinition": td,
            "deploymentConfiguration": {"minimumHealthyPercent": lo, "maximumPercent": hi},
        }
        if k not in deployers:
            svc["deploy"] = False
        elif rng.random() < bigger:
            new = dict(td)
            grow = rng.choice(("cpu", "memory", "both"))
            factor = rng.choice((1.25, 1.5, 2.0))
            if grow in ("cpu", "both"):
                new["cpu"] = min(_round(s["cpu"] * factor, 64, 128), max_cpu)
            if grow in ("memory", "both"):
                new["memory"] = min(_round(s["memory"] * factor, 64, 128), max_mem)
            svc["newTaskDefinition"] = new
        services.append(svc)
    label = f"{size}-u{round(utilisation * 100)}-{deploying}-s{seed}"
    return {
        "name": label,
        "cluster": {"instances": groups},
        "services": services,
    }


def stats(mapping: dict[str, Any]) -> dict[str, Any]:
    """Figures of a generated mapping: instances, tasks, CPU and memory shares, deploying.

    A DAEMON service (the unseen family has them) counts one task per instance."""
    catalog = load_catalog()
    groups = mapping["cluster"]["instances"]
    services = mapping["services"]
    cpu = sum(catalog[g["type"]].cpu_units * g["count"] for g in groups)
    mem = sum(catalog[g["type"]].memory_mib * g["count"] for g in groups)
    n = sum(g["count"] for g in groups)
    count = {s["name"]: s.get("desiredCount", n) for s in services}
    return {
        "instances": n,
        "types": len(groups),
        "services": len(services),
        "tasks": sum(count.values()),
        "cpu": sum(count[s["name"]] * s["taskDefinition"]["cpu"] for s in services) / cpu,
        "memory": sum(count[s["name"]] * s["taskDefinition"]["memory"] for s in services) / mem,
        "deploying": sum(1 for s in services if s.get("deploy", True)),
        "fixedPorts": sum(1 for s in services if s["taskDefinition"].get("portMappings")),
        "bigger": sum(1 for s in services if "newTaskDefinition" in s),
    }


def fits(mapping: dict[str, Any]) -> bool:
    """Whether planner can place the running tasks (``compile_problem`` succeeds)."""
    try:
        if "capacityProviders" in mapping["cluster"]:
            compile_problem(reacting.load(mapping))
        else:
            compile_problem(load_scenario(mapping))
    except DoesNotFit:
        return False
    return True


#: family -> its generator: (size, utilisation, deploying, seed) -> mapping
FAMILIES: dict[str, Callable[[str, float, str, int], dict[str, Any]]] = {
    "scale": generate,
    "unseen": unseen.generate,
    "honest": honest.generate,
    "honest2": functools.partial(honest.generate, version=2),
}


def fitting(
    size: str,
    utilisation: float,
    deploying: str,
    count: int,
    first_seed: int = 1,
    family: str = "scale",
    mode: str | None = None,
) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    """The first ``count`` seeds from ``first_seed`` on whose running tasks fit, as
    (seed, mapping), and how many seeds were dropped because theirs did not. Every
    mapping is named ``{size}-u{percent}-{deploying}-s{seed}`` (the file's name), and
    ``-room`` or ``-max`` after it in the reacting ``mode`` (:func:`reacting.react`)."""
    found: list[tuple[int, dict[str, Any]]] = []
    dropped = 0
    seed = first_seed
    while len(found) < count:
        mapping = FAMILIES[family](size, utilisation, deploying, seed)
        mapping["name"] = f"{size}-u{round(utilisation * 100)}-{deploying}-s{seed}"
        if mode is not None:
            mapping = reacting.react(mapping, mode)
        if fits(mapping):
            found.append((seed, mapping))
        else:
            dropped += 1
            if dropped > 20 * count:
                raise RuntimeError(f"{size}/{utilisation}/{deploying}: {dropped} seeds dropped")
        seed += 1
    return found, dropped


#: The issue's limits per size (issue 24: 10 s at 50 instances, 45 s at 350, 60 s at
#: 2,800), for the benchmarks that solve only where search decides (:func:`crowded`).
ISSUE_LIMITS = {"M": 10.0, "L": 45.0, "XL": 60.0}


def crowded(
    families: Iterable[str], sizes: Iterable[str], seeds: int
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(family, size, mapping) of every three-service and fleet-wide scenario at each of
    :data:`UTILISATIONS`, the first ``seeds`` whose running tasks fit per cell: where the
    search decides (one service is proven by counting or volumes). For
    :mod:`benchmarks.work`, :mod:`benchmarks.runs_mix` and :mod:`benchmarks.deciding_phase`."""
    for family in families:
        for size in sizes:
            for use in UTILISATIONS:
                for deploying in ("three", "fleet-wide"):
                    found, _ = fitting(size, use, deploying, seeds, family=family)
                    for _, mapping in found:
                        yield family, size, mapping


# ---------------------------------------------------------------------------- running


@dataclass
class Run:
    """One ``planner solve`` of a generated scenario."""

    size: str
    utilisation: float
    deploying: str
    name: str
    limit: float
    wall: float
    verdict: str  # safe, at-risk, hangs, unknown; or error / killed
    proof: str
    exit_code: int | None
    tasks: int = 0
    instances: int = 0
    cpu: float = 0.0
    message: str = ""
    commit: str = ""  # HEAD when the solve started
    workers: int | None = None  # CP-SAT workers, as the JSON says (None: not said)
    outcome: str = ""  # the JSON's outcome.kind on a cluster that reacts
    max_size: int | None = None  # the reacting variant's maxSize
    peak_mib: float | None = None  # the solve's peak resident memory (None: not measured)
    asked: int | None = None  # --workers given to the solve (None: the command's default)

    @property
    def proven(self) -> bool:
        return self.verdict in ("safe", "at-risk", "hangs")

    @property
    def over(self) -> float:
        return self.wall - self.limit


@dataclass
class Cell:
    size: str
    utilisation: float
    deploying: str
    dropped: int = 0
    runs: list[Run] = field(default_factory=list)
    mode: str | None = None  # the reacting variant's mode (room, max), None: the family's own
    #: scenario name -> the naive model and FFD on it (``--compare``)
    compared: dict[str, compare.Compared] = field(default_factory=dict)


def planner_command() -> list[str]:
    """The ``planner`` console script of this interpreter's environment."""
    beside = Path(sys.executable).with_name("planner")
    found = str(beside) if beside.exists() else shutil.which("planner")
    if not found:
        raise SystemExit("no `planner` command: pip install -e . first")
    return [found]


#: GNU time: its -v report has the child's ru_maxrss (wait4's rusage), in KiB
TIME = Path("/usr/bin/time")
_PEAK = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")
#: where GNU time is missing: a Python launcher whose only child is the solve, writing its
#: RUSAGE_CHILDREN ru_maxrss (the child's peak: Linux keeps the largest of the waited-for
#: children) in GNU time's words
LAUNCHER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "open(sys.argv[1], 'w').write(f'Maximum resident set size (kbytes): {kib}\\n')\n"
    "sys.exit(code if code >= 0 else 128 - code)\n"
)
_MEASURE: list[str] = []  # "time" or "launcher", chosen once by :func:`peak_method`


def peak_method() -> str:
    """How a solve's peak memory is measured: ``time`` (GNU ``/usr/bin/time -v``) when it
    reports a 256 MiB allocation as 256–400 MiB (GNU time 1.7 reported 4× too much), else
    ``launcher`` (:data:`LAUNCHER`)."""
    if not _MEASURE:
        _MEASURE.append("launcher")
        if TIME.exists():
            with tempfile.TemporaryDirectory(prefix="planner-peak-") as tmp:
                out = Path(tmp) / "time"
                probe = [
                    sys.executable,
                    "-c",
                    "b = bytearray(256 << 20); b[::4096] = b'x' * (1 << 16)",
                ]
                subprocess.run([str(TIME), "-v", "-o", str(out), *probe], capture_output=True)
                found = _PEAK.search(out.read_text()) if out.exists() else None
                if found and 256 <= int(found.group(1)) / 1024 <= 400:
                    _MEASURE[0] = "time"
    return _MEASURE[0]


def _measured(cmd: list[str], report: Path) -> list[str]:
    if peak_method() == "time":
        return [str(TIME), "-v", "-o", str(report), *cmd]
    return [sys.executable, "-c", LAUNCHER, str(report), *cmd]


def _peak_mib(report: Path) -> float | None:
    try:
        found = _PEAK.search(report.read_text())
    except OSError:
        return None
    return int(found.group(1)) / 1024 if found else None


def solve(
    path: Path, limit: float, workers: int | None = None, command: Sequence[str] | None = None
) -> tuple[float, int | None, dict[str, Any], str]:
    """:func:`solve_measured` without the peak memory."""
    return solve_measured(path, limit, workers, command)[:4]  # type: ignore[return-value]


def solve_measured(
    path: Path, limit: float, workers: int | None = None, command: Sequence[str] | None = None
) -> tuple[float, int | None, dict[str, Any], str, float | None]:
    """``planner solve PATH --format json --time-limit LIMIT`` as a user runs it (with
    ``--workers WORKERS`` if given; else the command's default, the machine's cores):
    (wall seconds, exit code or None if killed, the JSON or {}, what went wrong if the
    JSON is missing: stderr's last line, else why stdout did not parse; then stdout and
    stderr are kept beside PATH as ``.out`` and ``.err``), and the solve's peak resident
    memory in MiB (:func:`peak_method`; None if not reported). ``command``: what stands
    for ``planner solve`` (:func:`benchmarks.reacting.solve_command`). The solve runs in a
    session of its own, killed whole past limit × KILL_FACTOR + 60 s."""
    head = list(command) if command is not None else [*planner_command(), "solve"]
    cmd = [*head, str(path), "--format", "json", "--time-limit", f"{limit:g}"]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    fd, name = tempfile.mkstemp(prefix="planner-peak-", suffix=".txt")
    os.close(fd)
    report = Path(name)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        _measured(cmd, report),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=limit * KILL_FACTOR + 60)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, 9)
        except (OSError, AttributeError, TypeError):
            proc.kill()
        out, err = proc.communicate()
        code = None
    wall = time.perf_counter() - t0
    peak = _peak_mib(report)
    report.unlink(missing_ok=True)
    data: dict[str, Any] = {}
    problem = ""
    try:
        data = json.loads(out) if out.strip() else {}
    except json.JSONDecodeError as e:
        problem = f"stdout ({len(out)} characters) is not JSON: {e}"
    if not isinstance(data, dict) or "verdict" not in data:
        data = data if isinstance(data, dict) else {}
        last = err.strip().splitlines()[-1] if err.strip() else ""
        problem = last or problem or f"no verdict in stdout ({len(out)} characters)"
        path.with_suffix(".out").write_text(out)
        path.with_suffix(".err").write_text(err)
    return wall, code, data, problem, peak


def startup(runs: int = 3) -> float:
    """Median wall of ``planner solve`` on the seed's one-instance port conflict.

    Solved from a copy in a temporary folder (a failed solve leaves its output beside the
    file it solved, never in ``scenarios/``); a solve without a verdict stops the run,
    since its wall would not be a start-up."""
    walls = []
    with tempfile.TemporaryDirectory(prefix="planner-startup-") as tmp:
        path = Path(tmp) / STARTUP_SCENARIO.name
        shutil.copyfile(STARTUP_SCENARIO, path)
        for _ in range(runs):
            wall, _code, data, problem = solve(path, 60)
            if "verdict" not in data:
                raise SystemExit(f"start-up: planner solve {STARTUP_SCENARIO} failed: {problem}")
            walls.append(wall)
    return statistics.median(walls)


class _NoAliases(yaml.SafeDumper):
    """Scenario files as a person writes them: repeated lists spelled out, no anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def run_cell(
    size: str,
    utilisation: float,
    deploying: str,
    seeds: int,
    limit: float,
    folder: Path,
    family: str = "scale",
    workers: int | None | Sequence[int] = None,
    mode: str | None = None,
    versus: Sequence[str] = (),
) -> Cell:
    """Every scenario of the cell solved once per ``workers`` value (a number, None for the
    command's default, or several: each scenario then solved with each, in that order,
    one after another), with its peak memory; then, after its solves, the methods of
    ``versus`` (``naive``, ``ffd``: :func:`benchmarks.compare.compare`) on it."""
    asks: list[int | None] = list(workers) if isinstance(workers, Sequence) else [workers]
    found, dropped = fitting(size, utilisation, deploying, seeds, family=family, mode=mode)
    cell = Cell(size, utilisation, deploying, dropped, mode=mode)
    command = reacting.solve_command() if mode is not None else None
    for _seed, mapping in found:
        path = folder / f"{mapping['name']}.yaml"
        path.write_text(yaml.dump(mapping, Dumper=_NoAliases, sort_keys=False))
        st = stats(mapping)
        for ask in asks:
            head = _git("rev-parse", "--short", "HEAD")
            wall, code, data, err, peak = solve_measured(path, limit, ask, command)
            verdict = data.get("verdict") or ("killed" if code is None else "error")
            run = Run(
                size,
                utilisation,
                deploying,
                mapping["name"],
                limit,
                wall,
                verdict,
                data.get("proof", ""),
                code,
                st["tasks"],
                st["instances"],
                st["cpu"],
                err if verdict in ("error", "killed") else "",
                head,
                data.get("workers"),
                (data.get("outcome") or {}).get("kind", ""),
                reacting.mapping_max_size(mapping),
                peak,
                ask,
            )
            cell.runs.append(run)
            print(
                f"{run.name}{'' if ask is None else f' w{ask}'}: {run.verdict} (exit {code}) "
                f"in {wall:.1f} s of {limit:g}"
                + (f", peak {peak:.0f} MiB" if peak is not None else "")
                + f" [{st['tasks']} tasks] {(run.proof or run.message)[:80]}",
                flush=True,
            )
        if versus:
            beside = compare.compare(mapping, limit, versus)
            cell.compared[mapping["name"]] = beside
            print(f"{mapping['name']} beside: {compare.describe(beside)}", flush=True)
    return cell


# ---------------------------------------------------------------------------- report


def _pct(x: float) -> str:
    return f"{round(x * 100)} %"


def _first_words(text: str, n: int = 14) -> str:
    words = text.replace("|", "/").split()
    return " ".join(words[:n]) + (" …" if len(words) > n else "")


def cell_row(cell: Cell) -> dict[str, Any]:
    """The figures of one cell, as the report's table shows them."""
    runs = cell.runs
    walls = [r.wall for r in runs]
    worst = max(runs, key=lambda r: r.wall) if runs else None
    return {
        "count": len(runs),
        "dropped": cell.dropped,
        "proven": sum(r.proven for r in runs) / len(runs) if runs else math.nan,
        "median": statistics.median(walls) if runs else math.nan,
        "worst": worst.wall if worst else math.nan,
        "ratio": worst.wall / worst.limit if worst else math.nan,
        "over": max(r.over for r in runs) if runs else math.nan,
        "met": not any(_failed(r) for r in runs),
        "verdicts": {v: sum(r.verdict == v for r in runs) for v in _verdicts(runs)},
    }


def _failed(run: Run) -> bool:
    """Over the target (limit + SLACK), or no verdict, or an exit other than 0, 1, 3."""
    return run.over > SLACK or run.exit_code not in (0, 1, 3) or run.verdict in ("error", "killed")


def _verdicts(runs: Iterable[Run]) -> list[str]:
    order = ("safe", "at-risk", "hangs", "unknown", "error", "killed")
    seen = {r.verdict for r in runs}
    return [v for v in order if v in seen] + sorted(seen - set(order))


def _workers_used(cells: Sequence[Cell]) -> str:
    """How many CP-SAT workers the solves used, as their JSON says."""
    used = sorted({r.workers for c in cells for r in c.runs if r.workers is not None})
    if not used:
        return "CP-SAT workers not reported"
    return "CP-SAT workers: " + " or ".join(map(str, used))


def render(
    cells: Sequence[Cell],
    *,
    command: str,
    commit: str,
    commit_after: str = "",
    cores: int | None,
    load_before: Sequence[float],
    load_after: Sequence[float],
    startup_walls: Sequence[float],
    when: str = "",
    family: str = "scale",
    workers: int | None = None,
    solved_by: str = "",
) -> str:
    """SCALE.md's (or UNSEEN.md's, or REACTING.md's) text for the measured cells.
    ``solved_by``: what stood for ``planner solve`` in the reacting variant."""
    limits = sorted({(r.size, r.limit) for c in cells for r in c.runs}, key=lambda x: x[1])
    heads = sorted({r.commit for c in cells for r in c.runs if r.commit})
    changed = bool(commit_after) and commit_after.split()[0] != commit.split()[0]
    changed = changed or len(heads) > 1
    reacts = any(c.mode for c in cells)
    title = "Scale family" if family == "scale" else "Unseen family"
    if reacts:
        title = f"{title}, reacting variant"
    lines = [
        f"# {title}: wall time against `--time-limit`",
        "",
        f"Written by `{command}`{(' on ' + when) if when else ''}; commit {commit}; "
        f"{platform.processor() or platform.machine()}, {cores} cores, Python "
        f"{platform.python_version()}; load average before "
        + " / ".join(f"{x:.2f}" for x in load_before)
        + ", after "
        + " / ".join(f"{x:.2f}" for x in load_after)
        + ".",
        "",
    ]
    if changed:
        lines += [
            f"**The code changed during the run** (commit at the start {commit}, at the end "
            f"{commit_after or '?'}; solves ran on "
            + ", ".join(f"`{h}`" for h in heads)
            + ", shown per scenario below): the figures mix versions.",
            "",
        ]
    lines += [
        "Every scenario is solved as a user runs it, `planner solve FILE --format json "
        "--time-limit T"
        + (f" --workers {workers}" if workers is not None else "")
        + "`, one after another, in a subprocess timed around it (start-up included), "
        + _workers_used(cells)
        + ". Limits: "
        + ", ".join(f"{s} {t:g} s" for s, t in limits)
        + ". Start-up (`planner solve scenarios/seed/port-conflict.yaml`, median of 3 runs): "
        + " and ".join(f"**{x:.2f} s**" for x in startup_walls)
        + (" (before and after the run)" if len(startup_walls) == 2 else "")
        + f". Target: wall ≤ limit + {SLACK:g} s; *worst wall − limit* includes start-up.",
        "",
        (
            "Scenarios: generated by `benchmarks/scale.py` (its own generator and seeds): "
            "M = 10 services on 50 instances, L = 40 on 350, XL = 320 on 2,800; two or three "
            "instance types over three zones; about a quarter of the services on a fixed host "
            "port; mixed percent settings; the running tasks take the given share of the "
            "fleet's CPU; one, three or every service deploys (fleet-wide: mostly the same "
            "size, a fifth bigger; otherwise half bigger)."
            if family == "scale"
            else "Scenarios: generated by `benchmarks/unseen.py`, a second family written "
            "without reading `benchmarks/scale.py` nor tuned against planner's verdicts: "
            "M = 10 services on 50 instances, L = 40 on 350; two to four instance types of "
            "one of five fleet profiles, over two or three zones, some groups in fewer; a "
            "DAEMON log router on most fleets; web, memory-heavy, compute and sidecar "
            "services; dynamic, fixed and awsvpc networking; placement strategies, "
            "distinctInstance and memberOf; reserved memory; percent settings from 0/100 "
            "to 100/200 and a few blue/green; the running tasks take the given share of the "
            "fleet's CPU; one, three or every service deploys (the daemon counts as one)."
        )
        + " *dropped*: seeds whose running tasks did not fit, replaced by the next seed.",
        "",
    ]
    if reacts:
        lines += [reacting.describe(solved_by), ""]
    lines += [
        "| size | CPU used | deploying | "
        + ("cluster | " if reacts else "")
        + "scenarios | dropped | verdicts | proven "
        "| median wall | worst wall | worst ÷ limit | worst wall − limit | target |",
        "|---|--:|---|" + ("---|" if reacts else "") + "--:|--:|---|--:|--:|--:|--:|--:|---|",
    ]
    missed = []
    for c in cells:
        row = cell_row(c)
        verdicts = ", ".join(f"{n} {v}" for v, n in row["verdicts"].items())
        mark = "met" if row["met"] else "**missed**"
        lines.append(
            f"| {c.size} | {_pct(c.utilisation)} | {c.deploying} | "
            + (f"{c.mode} | " if reacts else "")
            + f"{row['count']} "
            f"| {row['dropped']} | {verdicts} | {_pct(row['proven'])} | {row['median']:.1f} s "
            f"| {row['worst']:.1f} s | {row['ratio']:.2f} | {row['over']:+.1f} s | {mark} |"
        )
        if not row["met"]:
            missed.append(c)
    lines.append("")
    if missed:
        lines.append(
            f"**Cells that miss the target** (a wall above limit + {SLACK:g} s, or a run "
            "without a verdict in its JSON or with an exit other than 0, 1 or 3):"
        )
        lines.append("")
        for c in missed:
            bad = [r for r in c.runs if _failed(r)]
            lines.append(
                f"- {c.size}, {_pct(c.utilisation)} CPU, {c.deploying}"
                + (f", {c.mode}" if c.mode else "")
                + ": "
                + "; ".join(
                    f"{r.name} took {r.wall:.1f} s of {r.limit:g} ({r.over:+.1f} s, "
                    f"{r.verdict}, exit {r.exit_code}"
                    + (f": {r.message}" if r.message else "")
                    + ")"
                    for r in bad
                )
            )
    else:
        lines.append(f"Every cell met the target (wall ≤ limit + {SLACK:g} s).")
    unproven = [c for c in cells if c.runs and cell_row(c)["proven"] < 1]
    if unproven:
        lines += [
            "",
            "Cells with scenarios left `unknown` (no proof within the limit): "
            + ", ".join(
                f"{c.size} {_pct(c.utilisation)} {c.deploying}" + (f" {c.mode}" if c.mode else "")
                for c in unproven
            )
            + ".",
        ]
    lines += [
        "",
        "## Every scenario",
        "",
        "| scenario | tasks | instances | "
        + ("maxSize | " if reacts else "")
        + "CPU used | verdict | "
        + ("outcome | " if reacts else "")
        + "exit | wall | wall − limit | proof (first words) |"
        + (" commit |" if changed else ""),
        "|---|--:|--:|"
        + ("--:|" if reacts else "")
        + "--:|---|"
        + ("---|" if reacts else "")
        + "--:|--:|--:|---|"
        + ("---|" if changed else ""),
    ]
    for c in cells:
        for r in c.runs:
            proof = _first_words(r.proof or r.message)
            lines.append(
                f"| {r.name} | {r.tasks} | {r.instances} | "
                + (f"{r.max_size} | " if reacts else "")
                + f"{_pct(r.cpu)} | {r.verdict} | "
                + (f"{r.outcome or '—'} | " if reacts else "")
                + f"{r.exit_code} | {r.wall:.1f} s | {r.over:+.1f} s | {proof} |"
                + (f" `{r.commit}` |" if changed else "")
            )
    lines.append("")
    lines += compare.section(cells)
    return "\n".join(lines)


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def commit() -> str:
    """``git rev-parse --short HEAD``, marked when the work tree has changes."""
    head = _git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return f"`{head}`" + (" (with uncommitted changes)" if dirty else "")


def report_name(family: str, reacts: bool) -> str:
    """The file a run writes: SCALE.md, UNSEEN.md, HONEST.md, or REACTING.md,
    REACTING-UNSEEN.md, REACTING-HONEST.md for the reacting variant."""
    if reacts:
        return "REACTING.md" if family == "scale" else f"REACTING-{family.upper()}.md"
    return f"{family.upper()}.md"


def _listed(
    parser: argparse.ArgumentParser, flag: str, text: str, known: Sequence[str]
) -> list[str]:
    items = [x.strip() for x in text.split(",") if x.strip()]
    for x in items:
        if x not in known:
            parser.error(f"{flag}: {x!r} is not one of {', '.join(known)}")
    return items


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed per cell, short limits")
    parser.add_argument("--sizes", default="M,L", help="of M, L, XL (default M,L)")
    parser.add_argument("--output", type=Path, default=Path(__file__).parent)
    parser.add_argument(
        "--family",
        choices=sorted(FAMILIES),
        default="scale",
        help="scale (this module's generator), unseen (benchmarks/unseen.py), honest "
        "(benchmarks/honest.py) or honest2 (its version 2); default scale",
    )
    parser.add_argument(
        "--keep", type=Path, default=None, help="keep the scenario files in this folder"
    )
    parser.add_argument(
        "--workers",
        default=None,
        help="planner solve --workers: a number, or several (1,2: each scenario solved "
        "with each, reported side by side); default none given, the command's own default",
    )
    parser.add_argument(
        "--reacting",
        default=None,
        help="the family's reacting variant, in these modes: room, max or room,max "
        "(benchmarks/reacting.py); writes REACTING.md (REACTING-UNSEEN.md for unseen)",
    )
    parser.add_argument("--deploying", default=",".join(DEPLOYING), help="of one,three,fleet-wide")
    parser.add_argument(
        "--utilisations", default="50,70,85", help="CPU used, %% (default 50,70,85)"
    )
    parser.add_argument(
        "--seeds", default=None, help="scenarios per cell: N, or per size (M=3,L=1); default 3"
    )
    parser.add_argument("--time-limit", type=float, default=None, help="the limit for every size")
    parser.add_argument(
        "--compare",
        default=None,
        help="also run, on every scenario, after its solves: naive (benchmarks/naive.py, "
        "same limit, in a child killed at limit + 5 s), ffd (benchmarks/ffd.py) or "
        "naive,ffd; reported beside planner's verdicts (not with --reacting)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Long because: the options, then the run, then the report; kept in one place so the
    report's command line says what ran."""
    parser = _parser()
    args = parser.parse_args(argv)
    modes: list[str | None] = [None]
    if args.reacting is not None:
        modes = list(_listed(parser, "--reacting", args.reacting, reacting.MODES))
    sizes = _listed(parser, "--sizes", args.sizes, ["M", "L", "XL"])
    deployings = _listed(parser, "--deploying", args.deploying, DEPLOYING)
    utils = [
        float(u) / 100
        for u in _listed(parser, "--utilisations", args.utilisations, ["50", "70", "85"])
    ]
    versus: list[str] = []
    if args.compare is not None:
        versus = _listed(parser, "--compare", args.compare, compare.WHAT)
        if args.reacting is not None:
            parser.error("--compare: the naive model and FFD do not model a cluster that reacts")
    asks: list[int | None] = [None]
    if args.workers is not None:
        try:
            asks = [int(w) for w in args.workers.split(",") if w.strip()]
        except ValueError:
            parser.error(f"--workers: {args.workers!r} is not a number or numbers")
    limits = dict(QUICK_LIMITS if args.quick else LIMITS)
    if args.time_limit is not None:
        limits = {k: args.time_limit for k in limits}
    seeds = dict.fromkeys(sizes, 1 if args.quick else SEEDS_PER_CELL)
    for item in (args.seeds or "").split(","):
        size, _, n = item.strip().rpartition("=")
        if not n:
            continue
        if not n.isdigit() or (size and size not in sizes):
            parser.error(f"--seeds: {item!r} is not N or SIZE=N of the sizes run")
        seeds.update({size: int(n)} if size else dict.fromkeys(sizes, int(n)))
    command = "python -m benchmarks.scale " + " ".join(sys.argv[1:] if argv is None else list(argv))
    side_by_side = len(asks) > 1 or args.family.startswith("honest")

    load_before = os.getloadavg()
    commit_before = commit()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    method = peak_method()
    first = startup()
    print(f"start-up: {first:.2f} s; peak memory by {method}", flush=True)
    cells = []
    with tempfile.TemporaryDirectory(prefix="planner-scale-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            for util in utils:
                for deploying in deployings:
                    for mode in modes:
                        cells.append(
                            run_cell(
                                size,
                                util,
                                deploying,
                                seeds[size],
                                limits[size],
                                folder,
                                args.family,
                                asks if len(asks) > 1 else asks[0],
                                mode,
                                versus,
                            )
                        )
    again = startup()
    common: dict[str, Any] = {
        "command": command.strip(),
        "commit": commit_before,
        "commit_after": commit(),
        "cores": os.cpu_count(),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "startup_walls": (first, again),
        "when": stamp,
        "family": args.family,
        "solved_by": reacting.solved_by() if args.reacting else "",
    }
    if side_by_side:
        from benchmarks import sidebyside

        text = sidebyside.render(cells, asks=asks, peak_method=method, **common)
    else:
        text = render(cells, workers=asks[0], **common)
    args.output.mkdir(parents=True, exist_ok=True)
    out = args.output / report_name(args.family, args.reacting is not None)
    out.write_text(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
