"""The benchmark harness's pieces on tiny inputs (no timing asserted: benchmarks/run.py)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ sits beside planner/, not inside it
    sys.path.insert(0, str(ROOT))

from tiny import sample, tiny_cases  # noqa: E402

from benchmarks import ffd, run  # noqa: E402
from benchmarks.generate import generate, realistic  # noqa: E402
from benchmarks.naive import NaiveModel, count_booleans, naive_verdict  # noqa: E402
from planner.model.problem import compile_problem  # noqa: E402
from planner.model.scenario import Agent, InstanceGroup, Scenario, Service, TaskDefinition  # noqa: E402


@pytest.mark.parametrize("seed", [11, 12])
def test_naive_agrees_with_the_oracle(seed):
    for case in tiny_cases(seed, 40):
        assert naive_verdict(case.problem, 30).verdict == case.label, case.name


def test_naive_decides_by_model_alone():
    # No randomised runs: the at-risk and safe answers then need the boolean model.
    seen = Counter()
    for case in sample("mixed")[::5]:
        nv = naive_verdict(case.problem, 30, tries=0)
        assert nv.verdict == case.label, case.name
        if nv.booleans:
            seen[nv.verdict] += 1
    assert min(seen[v] for v in ("safe", "at-risk", "hangs")) >= 3, seen


def test_naive_model_size():
    problem = compile_problem(generate("S", 2))
    model = NaiveModel(problem, 3, ecs_rules=True)
    assert model.booleans == count_booleans(problem, 3)
    assert model.booleans == 2 * problem.total_desired * problem.n_instances * 3


def test_naive_gives_up_on_large_models():
    problem = compile_problem(generate("S", 1))
    nv = naive_verdict(problem, 30, max_booleans=10)
    # S-1 is safe, and its runs complete: only the boolean model could prove it, and ten
    # booleans do not hold it
    assert (nv.verdict, nv.proof) == ("unknown", "ECS runs of 3 waves: model too large")


def _scenario(count, desired, cpu, new_cpu=None, ports=(), lo=100, hi=200, distinct=False):
    old = TaskDefinition(cpu, 256, host_ports=ports)
    new = TaskDefinition(new_cpu or cpu, 256, host_ports=ports)
    svc = Service("api", desired, old, new, lo, hi, distinct_instance=distinct)
    group = InstanceGroup("box", 2048, 4096, count)
    return Scenario("t", (group,), (svc,), Agent())


def test_ffd_counts():
    # Four 1,024-unit tasks: two per 2,048-unit instance; at 100/200 all four new beside.
    est = ffd.estimate(_scenario(None, 4, 1024))
    assert (est.steady, est.peak) == (2, 4)
    # Stop first (0/100): the peak is the end state.
    est = ffd.estimate(_scenario(None, 4, 1024, new_cpu=2048, lo=0, hi=100))
    assert (est.steady, est.peak) == (2, 4)
    # A fixed host port: one task per instance, whatever the room.
    est = ffd.estimate(_scenario(None, 3, 256, ports=(8080,)))
    assert (est.steady, est.peak) == (3, 6)
    # distinctInstance likewise.
    est = ffd.estimate(_scenario(None, 2, 256, distinct=True, lo=50, hi=100))
    assert (est.steady, est.peak) == (2, 2)
    # A task larger than an empty instance: no fleet.
    assert ffd.estimate(_scenario(None, 1, 4096)).steady is None


def test_ffd_sane_on_generated():
    for size, seed in (("S", 1), ("M", 1)):
        scenario = generate(size, seed)
        est = ffd.estimate(scenario)
        group = ffd.chosen_group(scenario)
        cpu = sum(s.desired_count * s.task_definition.cpu for s in scenario.services)
        assert est.steady is not None and est.peak is not None
        assert est.steady >= -(-cpu // group.cpu)  # never below the summed-CPU bound
        assert est.peak >= est.steady


def test_proven_minimum_on_seed():
    scenario = dict(realistic())["seed/port-conflict"]
    fleet = run.proven_minimum(scenario, 20)
    assert (fleet.steady, fleet.peak) == (1, 2)
    assert (fleet.possible, fleet.safe, fleet.status) == (2, 2, "proven")


def test_harness_writes_results(tmp_path):
    rows = []
    limits = run.Limits(planner=10, naive=10, exhaustive=10, minimum=10)
    for name, scenario in realistic():
        if name in ("seed/port-conflict", "examples/at-risk", "seed/cpu-units-minimum"):
            rows.append(run.measure(name, "real", scenario, limits, log=lambda _: None))
    rows.append(run.measure("S-2", "S", generate("S", 2), limits, log=lambda _: None))
    found = {r.name: (r.verdict, r.naive, r.exhaustive) for r in rows}
    assert found == {
        "seed/port-conflict": ("hangs",) * 3,
        "examples/at-risk": ("at-risk",) * 3,
        "S-2": ("safe",) * 3,
        "seed/cpu-units-minimum": ("—",) * 3,  # count omitted: only the minimum is measured
    }
    assert all(r.agree for r in rows)
    assert rows[0].fleet is not None and rows[0].fleet.status == "proven"
    run.plot(rows, tmp_path / "timing.png")
    info = {"platform": "test"}
    path = run.write_results(rows, [], info, "test", run.datetime.now(run.UTC), 1.0, tmp_path, {})
    text = path.read_text()
    assert "| examples/at-risk | real |" in text and "no verdicts disagree" in text
    assert (tmp_path / "timing.png").stat().st_size > 0
