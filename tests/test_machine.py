"""The cores a solve uses by default, and where that default applies."""

import importlib
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.deciding.batch import batch
from planner.running import machine

SEED = Path(__file__).resolve().parents[1] / "scenarios" / "seed"
# the module (``planner.solve`` is also the function the package exports)
solve_module = importlib.import_module("planner.deciding.solve")
SHIPPED = machine.MOST_DEFAULT_WORKERS  # (conftest sets it to one for the other tests)


@pytest.fixture(autouse=True)
def _the_shipped_default(monkeypatch):
    monkeypatch.setattr(machine, "MOST_DEFAULT_WORKERS", SHIPPED)


@pytest.mark.parametrize(("usable", "workers"), [(1, 1), (2, 2), (8, 2)])
def test_the_default_is_one_worker_per_usable_core_up_to_two(monkeypatch, usable, workers):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(usable)), raising=False)
    assert machine.cores() == usable
    assert machine.default_workers() == workers


def test_without_an_affinity_call_every_core_counts(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert machine.cores() == 3
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert machine.cores() == 1


def _solve_records_workers(monkeypatch) -> list[int]:
    seen: list[int] = []
    real = solve_module.analyse

    def analyse(problem, *, workers, **kw):
        seen.append(workers)
        return real(problem, workers=workers, **kw)

    monkeypatch.setattr(solve_module, "analyse", analyse)
    monkeypatch.setattr(machine, "cores", lambda: 3)
    return seen


def test_solve_uses_a_worker_per_core_up_to_two_unless_told_and_says_how_many(monkeypatch):
    seen = _solve_records_workers(monkeypatch)
    runner = CliRunner()
    res = runner.invoke(app, ["solve", str(SEED / "port-conflict.yaml"), "-f", "json"])
    assert json.loads(res.stdout)["workers"] == 2  # three cores: two workers
    res = runner.invoke(
        app, ["solve", str(SEED / "port-conflict.yaml"), "-f", "json", "--workers", "1"]
    )
    assert json.loads(res.stdout)["workers"] == 1
    assert seen == [2, 1]


def test_batch_solves_each_scenario_with_one_worker(monkeypatch, tmp_path):
    """The scenarios of a batch run side by side (--jobs): one worker each, not the
    cores each."""
    seen = _solve_records_workers(monkeypatch)
    folder = tmp_path / "repo"
    folder.mkdir()
    for name in ("port-conflict.yaml", "port-conflict-two-instances.yaml"):
        (folder / name).write_text((SEED / name).read_text())
    result = batch([folder], time_limit=20, jobs=1)
    assert len(result.rows) == 2
    assert seen == [1, 1]
