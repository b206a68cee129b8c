"""Sweeps on a Dask cluster: a LocalCluster of two worker processes, started here. The
table, the percent grid and the batch equal the serial run row for row; a worker killed
mid-sweep loses no cell; a scheduler that does not answer is a clear error."""

import os
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import planner
from planner.cli import app
from planner.deciding.batch import batch
from planner.deciding.percents import sweep_percents
from planner.deciding.tables import capacity_table
from planner.errors import PlannerError
from planner.running import sweep
from planner.running.sweep import Failed, run_cells

distributed = pytest.importorskip("distributed", reason="dask.distributed is a dependency")

ROOT = Path(__file__).resolve().parents[1]
#: Solver cells (the task grows), so the cells really go to the workers.
SPEC = {
    "instanceTypes": ["t3.small", "c5.large"],
    "tasks": [{"cpu": 512, "memory": 512, "new": {"cpu": 1024}}],
    "desiredCounts": [1, 2, 3],
    "hostPorts": ["dynamic", "fixed"],
}


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as lc:
        yield lc


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster, set_as_default=False) as c:  # as the CLI's: not default
        yield c


def test_the_table_equals_the_serial_one(client):
    serial = capacity_table(SPEC, jobs=1)
    assert (serial["method"] == "solver").sum() >= 6  # cells that went to the workers
    on_cluster = capacity_table(SPEC, client=client)
    pd.testing.assert_frame_equal(serial, on_cluster)


def test_the_percent_grid_equals_the_serial_one(client):
    s = planner.load_scenario(ROOT / "scenarios/examples/at-risk.yaml")
    serial = sweep_percents(s, time_limit=20, jobs=1)
    on_cluster = sweep_percents(s, time_limit=20, client=client)
    assert on_cluster.rows == serial.rows and len(serial.rows) >= 4
    assert {r["verdict"] for r in serial.rows} >= {"safe", "hangs"}


def test_the_batch_equals_the_serial_one(client):
    paths = [ROOT / "scenarios/seed", ROOT / "tests/data/exports/stuck-deployment"]
    serial = batch(paths, time_limit=20, jobs=1)
    on_cluster = batch(paths, time_limit=20, client=client)

    def verdicts(result):
        return [(r["scenario"], r["status"], r.get("reasons"), r.get("why")) for r in result.rows]

    assert verdicts(on_cluster) == verdicts(serial) and len(serial.rows) == 10


def _slow_double(shared: float, x: int) -> tuple[int, int, float]:
    time.sleep(shared)
    return 2 * x, os.getpid(), time.time()


def test_a_worker_killed_mid_sweep_loses_no_cell(client):
    before = client.run(os.getpid)  # worker address -> process id
    victim = sorted(before.values())[0]
    killed_at: list[float] = []

    def kill() -> None:
        time.sleep(1.0)
        killed_at.append(time.time())
        os.kill(victim, signal.SIGKILL)

    threading.Thread(target=kill, daemon=True).start()
    got = run_cells(_slow_double, list(range(24)), 0.2, client=client)
    assert not any(isinstance(g, Failed) for g in got)
    assert [g[0] for g in got] == [2 * x for x in range(24)]  # every cell, in order
    assert killed_at, "the worker was not killed"
    after = [g for g in got if g[2] > killed_at[0]]
    assert after, "the sweep ended before the kill: nothing was tested"
    assert victim not in {g[1] for g in after}  # the dead worker answered nothing more
    client.wait_for_workers(2, timeout=60)  # its nanny restarts it for the next tests


def _raise(shared: None, x: int) -> int:
    if x == 1:
        raise RuntimeError("cell one breaks")
    return x


def test_a_failed_cell_on_the_cluster_is_reported_not_dropped(client):
    assert run_cells(_raise, [0, 1, 2], None, client=client) == [
        0,
        Failed("RuntimeError: cell one breaks"),
        2,
    ]


def test_the_shared_part_is_sent_once(client):
    seen = run_cells(_shared_id, list(range(10)), {"catalog": list(range(5000))}, client=client)
    per_worker: dict[int, set[int]] = {}
    for pid, ident in seen:
        per_worker.setdefault(pid, set()).add(ident)
    assert all(len(ids) == 1 for ids in per_worker.values())


def _shared_id(shared: object, x: int) -> tuple[int, int]:
    return os.getpid(), id(shared)


def test_the_cli_sends_the_table_to_a_scheduler_address(cluster, tmp_path, monkeypatch):
    spec = tmp_path / "t.table.yml"
    spec.write_text(
        "instanceTypes: [t3.small]\ntasks: [{cpu: 512, memory: 512, new: {cpu: 1024}}]\n"
        "desiredCounts: [2, 3]\n"
    )
    local = CliRunner().invoke(app, ["table", str(spec), "-f", "csv", "--jobs", "1"])
    remote = CliRunner().invoke(
        app, ["table", str(spec), "-f", "csv", "--scheduler", cluster.scheduler_address]
    )
    assert local.exit_code == remote.exit_code == 0, remote.output
    assert remote.stdout == local.stdout and "solver" in local.stdout
    monkeypatch.setattr(sweep, "CONNECT_SECONDS", 1.0)
    env = CliRunner().invoke(
        app, ["table", str(spec), "-f", "csv"], env={"DASK_SCHEDULER_ADDRESS": "tcp://127.0.0.1:9"}
    )
    assert env.exit_code == 2 and "tcp://127.0.0.1:9" in env.stderr  # the variable is used


def test_a_scheduler_that_does_not_answer_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(sweep, "CONNECT_SECONDS", 1.0)
    res = CliRunner().invoke(
        app, ["table", "scenarios/tables/web-tier.table.yml", "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert res.exit_code == 2
    assert res.stderr.startswith("error: no Dask scheduler answers at tcp://127.0.0.1:9 within 1 s")
    assert "Traceback" not in res.output


def test_a_scheduler_without_workers_is_refused():
    empty = distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0")
    with empty as lc, pytest.raises(PlannerError, match="has no workers"):
        sweep.connect(lc.scheduler_address)


def _noted_double(shared: str, x: int) -> tuple[int, int, float]:
    """:func:`_slow_double`, leaving a file behind once a cell is done."""
    time.sleep(0.2)
    Path(shared, f"done-{x}").touch()
    return 2 * x, os.getpid(), time.time()


def test_a_cluster_lost_mid_sweep_marks_the_cells_left_as_failed(tmp_path):
    """The scheduler goes away while cells are out: what came back is kept, the rest are
    failed with the reason, and nothing raises. The cluster closes once the first cells
    are done (files they leave), not after a fixed time: a loaded machine starts the
    worker late."""
    lc = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = distributed.Client(lc, set_as_default=False)
    try:

        def close() -> None:
            while len(list(tmp_path.glob("done-*"))) < 2:
                time.sleep(0.05)
            time.sleep(0.5)  # what is done comes back
            lc.close()

        threading.Thread(target=close, daemon=True).start()
        got = run_cells(
            _noted_double, list(range(40)), str(tmp_path), client=client,
            deadline=time.time() + 60,
        )  # fmt: skip
    finally:
        client.close()
    done = [g for g in got if not isinstance(g, Failed)]
    lost = [g for g in got if isinstance(g, Failed)]
    assert done and lost, "the cluster was not lost mid-sweep"
    assert all(g[0] == 2 * k for k, g in enumerate(got) if not isinstance(g, Failed))
    assert all("cluster" in f.error or "worker" in f.error for f in lost), lost[:3]
