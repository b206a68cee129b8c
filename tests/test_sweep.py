"""Running many cells: in this process, in a process pool, on a Dask cluster; a failed cell
is reported, never dropped; the shared part is sent once."""

import os

import pytest
from rich.console import Console

from planner.errors import PlannerError
from planner.running import sweep
from planner.running.sweep import Failed, run_cells


def _scaled(shared: int, x: int) -> int:
    if x == 13:
        raise ValueError("thirteen\nsecond line")
    return shared * x


def _pid(shared: None, x: int) -> int:
    return os.getpid()


def _shared_id(shared: object, x: int) -> tuple[int, int]:
    return os.getpid(), id(shared)


def _bad_input(shared: None, x: int) -> int:
    raise PlannerError("bad cell", file="f.yaml", line=3, field="services[0]")


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_in_order_and_a_failed_cell_is_reported(jobs):
    got = run_cells(_scaled, [1, 2, 13, 4], 10, jobs=jobs)
    assert got == [10, 20, Failed("ValueError: thirteen"), 40]


def test_a_pool_runs_in_other_processes_and_sends_the_shared_part_once_per_worker():
    pids = run_cells(_pid, list(range(8)), None, jobs=2)
    assert os.getpid() not in pids
    seen = run_cells(_shared_id, list(range(12)), {"big": list(range(1000))}, jobs=2)
    per_process = {}
    for pid, ident in seen:
        per_process.setdefault(pid, set()).add(ident)
    assert all(len(ids) == 1 for ids in per_process.values())  # one copy per worker


@pytest.mark.parametrize("jobs", [1, 2])
def test_bad_input_in_a_cell_is_the_commands_error(jobs):
    with pytest.raises(PlannerError) as caught:
        run_cells(_bad_input, [1, 2], None, jobs=jobs)
    assert str(caught.value) == "f.yaml:3: services[0]: bad cell"  # whole, from a worker


def test_nothing_to_do():
    assert run_cells(_scaled, [], 1, jobs=4) == []


def test_progress_bar_after_a_moment(monkeypatch, capsys):
    monkeypatch.setattr(sweep, "PROGRESS_AFTER", 0.0)
    assert run_cells(_scaled, [1, 2, 3], -1, progress=True) == [-1, -2, -3]
    assert capsys.readouterr().err == ""  # not a terminal: no bar
    terminal = lambda stderr: Console(stderr=stderr, force_terminal=True)  # noqa: E731
    monkeypatch.setattr(sweep, "Console", terminal)
    assert run_cells(_scaled, [1, 2, 3], -1, progress=True) == [-1, -2, -3]
    assert "100%" in capsys.readouterr().err


def test_the_scheduler_address_comes_from_the_option_or_the_environment(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    assert sweep.scheduler_address(None) is None
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://10.0.0.1:8786")
    assert sweep.scheduler_address(None) == "tcp://10.0.0.1:8786"
    assert sweep.scheduler_address("tcp://127.0.0.1:1") == "tcp://127.0.0.1:1"
