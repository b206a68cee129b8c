"""``planner batch``: every scenario under some paths, solved side by side, one summary.

What is a scenario here: a file named on the command line (whatever its name); under a
folder, every ``*.yaml`` / ``*.yml`` file but table specs (``*.table.yml``,
``*.table.yaml``), and every import folder (one holding ``services.json``,
``container-instances.json`` and ``tasks.json``: AWS CLI exports, read as `planner solve
DIR` reads them, and not looked into further). Hidden folders are skipped.

Files are read here, in the calling process: a bad one is a row with status
``bad-input`` and its message (file, line, field), not the end of the batch; the
scenarios that read are sent to the executor of :mod:`planner.running.sweep`, each one a cell
with its own time limit, and come back as one row each, in the order found.

The batch's exit code is the worst row's: a planner failure (4) over bad input (2) over a
failing row (1) over unknown (3) over a passing one (0). A row fails as the gate's policy
says (``fail_on``, :mod:`planner.deciding.gate`: by default hangs and at-risk fail, and
unknown is 3), except that a scenario with an expectation (its ``expect:`` field) passes
when it is met and fails when it is not: a folder of examples passes its own gate.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.deciding.gate import (
    DEFAULT_FAIL_ON,
    GATE_VERDICTS,
    row_exit,
    worst_exit,
)
from planner.deciding.result import Result, fix_json
from planner.deciding.verdicts import EXIT_CODES as VERDICT_EXIT_CODES
from planner.deciding.verdicts import Verdict
from planner.errors import InternalError, PlannerError
from planner.model.scenario import Scenario
from planner.running.sweep import Failed, run_cells

#: A row's status, worst last: the batch's exit code is the worst one's.
SEVERITY = (Verdict.SAFE, Verdict.UNKNOWN, Verdict.AT_RISK, Verdict.HANGS, "bad-input", "failed")
#: A verdict's exit code (:data:`planner.deciding.verdicts.EXIT_CODES`); bad input exits 2 as
#: a PlannerError does, a planner failure 4 as an InternalError does.
EXIT_CODES: dict[str, int] = {
    **VERDICT_EXIT_CODES,
    "bad-input": 2,
    "failed": InternalError.exit_code,
}
#: Files an import folder holds (planner.inputs.importing.FILES).
_EXPORT_FILES = ("services.json", "container-instances.json", "tasks.json")


def is_import_folder(path: Path) -> bool:
    return path.is_dir() and all((path / f).is_file() for f in _EXPORT_FILES)


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """The scenarios under ``paths``, in order (module docstring), each once.

    A path that does not exist is a :class:`PlannerError`; a folder with no scenario in
    it is one too (a gate that checks nothing must not pass)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise PlannerError("no such file or folder", file=str(path))
        if path.is_file() or is_import_folder(path):
            found.append(path)
            continue
        before = len(found)
        for top, dirs, files in os.walk(path):
            here = Path(top)
            keep = []
            for d in sorted(dirs):
                if d.startswith("."):
                    continue
                if is_import_folder(here / d):
                    found.append(here / d)
                else:
                    keep.append(d)
            dirs[:] = keep  # walked next, in order
            for f in sorted(files):
                if f.endswith((".yaml", ".yml")) and not f.endswith((".table.yml", ".table.yaml")):
                    found.append(here / f)
        if len(found) == before:
            raise PlannerError(
                "holds no scenario (*.yaml, *.yml but table specs, or import folders)",
                file=str(path),
            )
    seen: set[Path] = set()
    out = []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


#: In a folder given to ``--change``, the files that are changes (one row each).
CHANGE_SUFFIXES = (".json", ".yaml", ".yml", ".template", ".jsonnet")


def discover_changes(paths: Iterable[str | Path]) -> list[Path]:
    """The change files under ``paths``: files as given; under a folder, every
    :data:`CHANGE_SUFFIXES` file (hidden ones skipped), in order. A folder with none is a
    :class:`PlannerError` (a gate that checks nothing must not pass)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise PlannerError("no such file or folder", file=str(path))
        if path.is_file():
            found.append(path)
            continue
        before = len(found)
        for top, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found += [
                Path(top) / f
                for f in sorted(files)
                if f.endswith(CHANGE_SUFFIXES) and not f.startswith(".")
            ]
        if len(found) == before:
            raise PlannerError(
                f"holds no change file ({', '.join(CHANGE_SUFFIXES)})", file=str(path)
            )
        found[before:] = _without_parts(found[before:])
    return list(dict.fromkeys(found))


def _without_parts(files: list[Path]) -> list[Path]:
    """A folder's change files less the definition files an ecspresso config among them
    names: those are read with their config, not as changes of their own."""
    from planner.inputs.change.detect import detect
    from planner.inputs.change.ecspresso import referenced_files

    parts: set[Path] = set()
    for f in files:
        try:
            kind = detect(f)
        except PlannerError:
            continue
        if kind == "ecspresso":
            parts.update(p.resolve() for p in referenced_files(f))
    return [f for f in files if f.resolve() not in parts]


@dataclass(frozen=True)
class Changes:
    """``batch --change``: each change file, one row, laid over one cluster."""

    cluster: Path
    files: list[Path]
    format: str | None = None
    parameters: dict[str, str] | None = None


def _with_changes(
    paths: Sequence[str | Path], changes: Sequence[str | Path], fmt: str | None, params: Any
) -> Changes:
    if (
        len(paths) != 1
        or not Path(paths[0]).exists()
        or (Path(paths[0]).is_dir() and not is_import_folder(Path(paths[0])))
    ):
        raise PlannerError(
            "with --change, batch takes one cluster: a scenario file or an import folder "
            f"(got {', '.join(map(str, paths)) or 'none'})"
        )
    return Changes(Path(paths[0]), discover_changes(changes), fmt, params)


def read(path: Path) -> Scenario:
    """The scenario of a file or an import folder (:class:`PlannerError` if bad)."""
    from planner.inputs.importing import import_cluster
    from planner.inputs.loading import load_scenario

    if path.is_dir():
        return import_cluster(path)
    return load_scenario(path)


@dataclass(frozen=True)
class _Shared:
    """What every scenario's solve needs, sent once to each worker."""

    time_limit: float
    seed: int
    placement: str | None
    #: The whole batch's deadline (``time.time()``), or None.
    deadline: float | None
    #: Each solve on a work budget (:func:`planner.solve`'s ``repeatable``).
    repeatable: bool = False


def _solve_one(shared: _Shared, scenario: Scenario) -> dict[str, Any]:
    """One scenario, solved, as its row's fields (module level: it runs in a pool or on a
    Dask worker)."""
    from planner.deciding.solve import solve

    limit = shared.time_limit
    if shared.deadline is not None:
        limit = min(limit, shared.deadline - time.time())
        if limit <= 0.05:
            return {
                "status": Verdict.UNKNOWN,
                "proof": "not solved: the batch's time limit came first",
                "wallSeconds": 0.0,
            }
    t0 = time.perf_counter()
    try:
        # one CP-SAT worker each: the scenarios themselves run side by side (--jobs)
        result = solve(
            scenario,
            time_limit=limit,
            workers=1,
            seed=shared.seed,
            placement=shared.placement,
            repeatable=shared.repeatable,
        )
    except PlannerError as exc:  # read, but not a cluster planner can model (DoesNotFit)
        return {"status": "bad-input", "error": str(exc), **error_at(exc)}
    return {**row_of(result), "wallSeconds": round(time.perf_counter() - t0, 3)}


def result_row(result: Result) -> dict[str, Any]:
    """One solve as a batch row, its ``scenario`` the file (or folder) it was read from."""
    return {
        "scenario": result.source or result.scenario,
        **row_of(result),
        "wallSeconds": round(result.wall_seconds, 3),
        **({"change": result.change} if result.change is not None else {}),
    }


def row_of(result: Result) -> dict[str, Any]:
    """A solve's result as a batch row's fields (``planner solve``'s summary and
    annotations read the same): the verdict as ``status``, why, the stuck services, the
    fixes, the plan's length, the outcome, the sampled runs, the expectation."""
    ds = result.dead_state
    return {
        "status": result.verdict,
        "name": result.scenario,
        "services": list(result.service_names),
        "reasons": result.reasons,
        "why": [b.message for b in ds.blocked] if ds is not None else [],
        "blocked": [
            {"service": b.service, "reason": b.reason, "message": b.message}
            for b in (ds.blocked if ds is not None else [])
        ],
        "stuckNow": bool(result.stuck_now),
        "fixes": result.fixes,
        "minimum": result.minimum,
        "waves": len(result.plan) if result.plan is not None else None,
        "estimatedDurationSeconds": result.estimated_duration,
        "proof": result.proof,
        **({"outcome": result.outcome} if result.outcome is not None else {}),
        **({"scheduler": _runs(result.scheduler)} if result.scheduler else {}),
        **result.expectation,
    }


def error_at(exc: PlannerError) -> dict[str, Any]:
    """Where bad input is (``errorAt``: file and line, for annotations), where known."""
    return {"errorAt": {"file": exc.file, "line": exc.line}} if exc.file else {}


def _runs(sched: dict[str, Any]) -> dict[str, Any]:
    """The scheduler's sampled runs, as a row carries them (not the strategies or the
    first hang's choices)."""
    return {k: sched[k] for k in ("runs", "completed", "hung", "hangRate") if k in sched}


@dataclass
class BatchResult:
    """One row per scenario found, in order: ``scenario`` (its path), ``status`` (a
    verdict, ``bad-input`` or ``failed``), and what the solve said."""

    rows: list[dict[str, Any]]
    time_limit: float
    wall_seconds: float = 0.0
    #: The verdicts that fail the gate (``--fail-on``, :mod:`planner.deciding.gate`).
    fail_on: frozenset[str] = DEFAULT_FAIL_ON

    @property
    def worst(self) -> str:
        return max((r["status"] for r in self.rows), key=SEVERITY.index, default=Verdict.SAFE)

    @property
    def exit_code(self) -> int:
        """The worst row's exit code under the policy and the rows' expectations."""
        return worst_exit(row_exit(r, self.fail_on) for r in self.rows)

    def expectations(self) -> dict[str, int]:
        """How many rows met their expectation, missed it, or could not be checked."""
        said = {True: "asExpected", False: "notAsExpected", None: "notChecked"}
        out: dict[str, int] = {}
        for r in self.rows:
            if "asExpected" in r:
                key = said[r["asExpected"]]
                out[key] = out.get(key, 0) + 1
        return out

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in SEVERITY}
        for r in self.rows:
            out[r["status"]] += 1
        return {s: n for s, n in out.items() if n}

    def to_json(self) -> dict[str, Any]:
        rows = [
            {**r, "fixes": [fix_json(f) for f in r["fixes"]]} if "fixes" in r else r
            for r in self.rows
        ]
        return {
            "scenarios": rows,
            "counts": self.counts(),
            "worst": self.worst,
            "failOn": [v.value for v in GATE_VERDICTS if v in self.fail_on],
            **({"expectations": e} if (e := self.expectations()) else {}),
            "exitCode": self.exit_code,
            "timeLimitSecondsPerScenario": self.time_limit,
            "wallSeconds": round(self.wall_seconds, 3),
        }


def batch(
    paths: Sequence[str | Path],
    *,
    time_limit: float = 60.0,
    total_time_limit: float | None = None,
    seed: int = 0,
    placement: str | None = None,
    jobs: int | None = None,
    repeatable: bool = False,
    client: Any = None,
    progress: bool = False,
    changes: Sequence[str | Path] | None = None,
    change_format: str | None = None,
    parameters: dict[str, str] | None = None,
    fail_on: frozenset[str] = DEFAULT_FAIL_ON,
) -> BatchResult:
    """Solve every scenario under ``paths``.

    Parameters
    ----------
    paths
        Files and folders (module docstring: what counts as a scenario).
    time_limit
        Seconds for each scenario's solve.
    total_time_limit
        Seconds for the whole batch (None: no bound but each scenario's); scenarios not
        solved by then are ``unknown`` and say so.
    seed, placement, repeatable
        As for :func:`planner.solve`.
    jobs
        Processes side by side on this machine (None: every core).
    client
        A ``dask.distributed.Client``: solve on its cluster instead (:mod:`planner.running.sweep`).
    changes, change_format, parameters
        Change files and folders of them (:func:`discover_changes`): ``paths`` is then one
        cluster (a scenario file or an import folder), and each change, laid over it
        (:func:`planner.load_change`), is a row (``scenario`` the change file, ``change``
        what it deploys).
    fail_on
        The verdicts that fail the gate (the exit code; :mod:`planner.deciding.gate`).
    """
    t0 = time.perf_counter()
    deadline = None if total_time_limit is None else time.time() + total_time_limit
    with_changes = None
    if changes is not None:
        with_changes = _with_changes(paths, changes, change_format, parameters)
    found = with_changes.files if with_changes is not None else discover(paths)
    rows: list[dict[str, Any]] = []
    todo: list[int] = []
    scenarios: list[Scenario] = []
    for path in found:
        row: dict[str, Any] = {"scenario": str(path)}
        try:
            scenarios.append(_read_row(path, with_changes, row))
            todo.append(len(rows))
        except PlannerError as exc:
            row.update(status="bad-input", error=str(exc), **error_at(exc))
        rows.append(row)
    shared = _Shared(time_limit, seed, placement, deadline, repeatable)
    solved = run_cells(
        _solve_one, scenarios, shared, jobs=jobs, client=client, progress=progress,
        label="scenarios", deadline=deadline,
    )  # fmt: skip
    for k, answer in zip(todo, solved, strict=True):
        if isinstance(answer, Failed):
            rows[k].update(status="failed", error=answer.error)
        else:
            rows[k].update(answer)
    return BatchResult(rows, time_limit, time.perf_counter() - t0, fail_on)


def _read_row(path: Path, changes: Changes | None, row: dict[str, Any]) -> Scenario:
    """A row's scenario: the file's or folder's, or the cluster with the change file
    ``path`` laid over it (``row["change"]`` then says what it deploys)."""
    if changes is None:
        return read(path)
    from planner.inputs.change.loading import load_change

    scenario, applied = load_change(
        changes.cluster, [path], change_format=changes.format, parameters=changes.parameters
    )
    row["cluster"] = str(changes.cluster)
    row["change"] = applied.to_json()
    return scenario
