"""Every type of the catalog solves (issue 23: "every type of the current generations
solves"): a one-service cluster of four instances of the type, a rolling update of two
tasks that fit one instance each, is safe, in both network modes (four: a type with two
ENIs holds one awsvpc task, old or new). Self-written scenarios
(there is no public one per instance type); each takes milliseconds."""

from __future__ import annotations

import pytest

import planner
from planner.deciding.verdicts import Verdict
from planner.model.catalog import InstanceType, load_catalog

CATALOG = load_catalog()


def _scenario(t: InstanceType, network_mode: str) -> dict:
    # a task that fits the instance whatever it is: a quarter vCPU, at most half its memory
    task = {"cpu": 256, "memory": min(256, t.memory_mib // 2), "networkMode": network_mode}
    return {
        "cluster": {"instances": [{"type": t.name, "count": 4}]},
        "services": [{"name": "web", "desiredCount": 2, "taskDefinition": task}],
    }


def _check(t: InstanceType, network_mode: str) -> None:
    scenario = planner.load_scenario(_scenario(t, network_mode))
    group = scenario.instance_groups[0]
    assert (group.cpu, group.memory, group.enis) == (t.cpu_units, t.memory_mib, t.enis)
    assert group.arch == t.arch
    result = planner.solve(scenario, time_limit=10)
    assert result.verdict is Verdict.SAFE, (t.name, network_mode, result.verdict)


@pytest.mark.parametrize("network_mode", ["bridge", "awsvpc"])
def test_every_type_of_the_catalog_solves(network_mode: str) -> None:
    """All of them, in one test per mode: about 1,300 solves of a few milliseconds."""
    checked = {"x86_64": 0, "arm64": 0}
    for t in CATALOG.values():
        _check(t, network_mode)
        checked[t.arch] += 1
    assert checked["x86_64"] >= 900 and checked["arm64"] >= 380, checked  # the sample ran


def test_the_types_teams_run_solve_one_by_one() -> None:
    for name in ("t4g.small", "c7i.large", "m6a.large", "r7g.xlarge", "m5.8xlarge", "c6g.16xlarge"):
        _check(CATALOG[name], "awsvpc")
