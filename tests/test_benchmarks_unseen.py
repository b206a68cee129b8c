"""The "unseen" benchmark family (benchmarks/unseen.py): format, sizes, load, determinism.

Nothing is timed here; the verdicts are not looked at either (the family must not be tuned
to them).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ sits beside planner/, not inside it
    sys.path.insert(0, str(ROOT))

from benchmarks import unseen  # noqa: E402
from planner.inputs.loading import load_scenario  # noqa: E402
from planner.model.catalog import load_catalog  # noqa: E402
from planner.model.problem import DoesNotFit, compile_problem  # noqa: E402

UTILISATIONS = (0.50, 0.70, 0.85)
DEPLOYING = ("one", "three", "fleet-wide")
SEEDS = (1, 2, 3)
#: |CPU share - utilisation|: tiny fleets have few, coarse tasks
TOLERANCE = {"tiny": 0.07, "M": 0.01, "L": 0.01}


def _n_instances(scenario: dict) -> int:
    return sum(g["count"] for g in scenario["cluster"]["instances"])


def _cpu_share(scenario: dict) -> float:
    catalog = load_catalog()
    groups = scenario["cluster"]["instances"]
    fleet = sum(g["count"] * catalog[g["type"]].cpu_units for g in groups)
    used = 0
    for s in scenario["services"]:
        daemon = s.get("schedulingStrategy") == "DAEMON"
        used += (_n_instances(scenario) if daemon else s["desiredCount"]) * s["taskDefinition"][
            "cpu"
        ]
    return used / fleet


def test_generate_is_deterministic_and_ignores_the_global_random_state():
    random.seed(1)
    a = unseen.generate("M", 0.70, "three", 4)
    random.seed(2)
    b = unseen.generate("M", 0.70, "three", 4)
    assert a == b
    assert unseen.generate("M", 0.70, "three", 5) != a
    assert unseen.generate("M", 0.85, "three", 4) != a


def test_unknown_arguments_are_refused():
    with pytest.raises(ValueError):
        unseen.generate("XXL", 0.5, "one", 1)
    with pytest.raises(ValueError):
        unseen.generate("M", 0.5, "all", 1)


@pytest.mark.parametrize("size", ["tiny", "M", "L"])
@pytest.mark.parametrize("deploying", DEPLOYING)
def test_sizes_and_deploying_counts(size, deploying):
    n_services, n_instances = unseen.SIZES[size]
    expected = {"one": 1, "three": min(3, n_services), "fleet-wide": n_services}[deploying]
    for u in UTILISATIONS:
        for seed in SEEDS:
            m = unseen.generate(size, u, deploying, seed)
            assert len(m["services"]) == n_services
            assert _n_instances(m) == n_instances
            assert all(g["count"] >= 1 for g in m["cluster"]["instances"])
            assert 1 <= len(m["cluster"]["instances"]) <= 4
            names = [s["name"] for s in m["services"]]
            assert len(set(names)) == len(names)
            deploying_now = [s for s in m["services"] if s.get("deploy", True)]
            assert len(deploying_now) == expected
            assert all(s.get("deploy") is False for s in m["services"] if s not in deploying_now)


@pytest.mark.parametrize("size", ["tiny", "M", "L"])
def test_running_tasks_take_the_asked_share_of_the_fleets_cpu(size):
    for u in UTILISATIONS:
        for deploying in DEPLOYING:
            for seed in SEEDS:
                share = _cpu_share(unseen.generate(size, u, deploying, seed))
                assert abs(share - u) <= TOLERANCE[size], (size, u, deploying, seed, share)


def test_memory_of_the_running_tasks_stays_under_the_fleets():
    catalog = load_catalog()
    for u in UTILISATIONS:
        for seed in SEEDS:
            m = unseen.generate("M", u, "fleet-wide", seed)
            reserved = m["cluster"].get("agent", {}).get("reservedMemory", 0)
            fleet = sum(
                g["count"] * (catalog[g["type"]].memory_mib - reserved)
                for g in m["cluster"]["instances"]
            )
            used = 0
            for s in m["services"]:
                td = s["taskDefinition"]
                n = s.get("desiredCount", _n_instances(m))
                used += n * td.get("memoryReservation", td["memory"])
            assert used <= 0.76 * fleet


def test_the_family_uses_its_features():
    """Over a few M scenarios: several types, zones, every network kind, strategies,
    constraints, percents and bigger revisions appear (the family is not one shape)."""
    seen: set[str] = set()
    for seed in range(1, 9):
        for deploying in DEPLOYING:
            m = unseen.generate("M", 0.70, deploying, seed)
            for g in m["cluster"]["instances"]:
                seen.add("type:" + g["type"])
                seen.add(f"zones:{len(g['availabilityZones'])}")
            for s in m["services"]:
                td = s["taskDefinition"]
                seen.add("net:" + td.get("networkMode", "bridge"))
                ports = [p.get("hostPort") for p in td.get("portMappings", [])]
                seen.update("port:" + ("fixed" if p else "dynamic") for p in ports)
                seen.update("constraint:" + c["type"] for c in s.get("placementConstraints", []))
                seen.update("strategy:" + r["type"] for r in s.get("placementStrategy", []))
                config = s.get("deploymentConfiguration", {})
                seen.add("percents:{}/{}".format(*config.values()) if config else "daemon")
                if "newTaskDefinition" in s:
                    seen.add("bigger:" + deploying)
    assert len([x for x in seen if x.startswith("type:")]) >= 5
    assert {"zones:1", "zones:2", "zones:3", "net:awsvpc", "net:bridge"} <= seen
    assert {"port:fixed", "port:dynamic", "constraint:distinctInstance", "daemon"} <= seen
    assert {"strategy:spread", "strategy:binpack", "strategy:random"} <= seen
    assert {"percents:100/200", "percents:50/100", "percents:0/100", "percents:75/125"} <= seen
    assert {"bigger:one", "bigger:three", "bigger:fleet-wide"} <= seen


@pytest.mark.parametrize("size", ["tiny", "M"])
def test_scenarios_load_and_most_fit(size, tmp_path):
    fits = total = 0
    misfits = []
    for u in UTILISATIONS:
        for deploying in DEPLOYING:
            for seed in SEEDS:
                path = tmp_path / f"{size}-{u}-{deploying}-{seed}.yaml"
                path.write_text(yaml.safe_dump(unseen.generate(size, u, deploying, seed)))
                scenario = load_scenario(path)  # raises on any field the format lacks
                assert len(scenario.services) == unseen.SIZES[size][0]
                total += 1
                try:
                    compile_problem(scenario)
                    fits += 1
                except DoesNotFit:
                    misfits.append((u, deploying, seed))
                    assert u > 0.5, "at half the fleet's CPU every seed should fit"
    assert total == 27
    assert fits >= 24, misfits
