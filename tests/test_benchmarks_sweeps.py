"""The sweeps benchmark's scenarios and report on tiny inputs (benchmarks/sweeps.py).

Nothing is timed here: the measurements happen in ``python -m benchmarks.sweeps``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ sits beside planner/, not inside it
    sys.path.insert(0, str(ROOT))

from benchmarks import sweeps  # noqa: E402
from planner.deciding.batch import discover, read  # noqa: E402


def test_the_batch_is_n_readable_scenario_files(tmp_path):
    paths = sweeps.batch_files(tmp_path, 7)
    assert len(paths) == len(set(paths)) == 7
    assert discover([tmp_path]) == sorted(paths)
    for path in paths:
        assert read(path).services  # each one a valid scenario


def test_the_report_gives_rates_speed_ups_and_the_overhead_per_cell():
    m = {
        "cluster_start": 2.0,
        "table_cells": 100,
        "table": {"serial": 10.0, "pool (2 processes)": 5.0, "Dask (2 workers)": 8.0},
        "batch_scenarios": 200,
        "batch": {"serial": 40.0, "pool (2 processes)": 20.0, "Dask (2 workers)": 25.0},
        "batch_counts": {"safe": 190, "at-risk": 10},
        "overhead_cells": 1000,
        "overhead": {"serial": 0.001, "Dask (2 workers)": 2.001},
    }
    text = sweeps.render(m, (0.5, 0.4, 0.3), (1.0, 0.8, 0.6), 10.0)
    assert "| Dask (2 workers) | 8.00 s | 12.5 | 1.25× |" in text
    assert "| pool (2 processes) | 20.00 s | 10.0 | 2.00× |" in text
    assert "**2.00 ms per cell**" in text
    assert "load average before 0.50, 0.40, 0.30, after 1.00, 0.80, 0.60" in text
    assert "200 scenarios (190 safe, 10 at-risk)" in text
