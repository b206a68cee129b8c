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


# ---------------------------------------------------------------- the honest family (issue 24)

from benchmarks import honest, reacting, scale, sidebyside  # noqa: E402
from planner.inputs.loading import load_scenario  # noqa: E402


def test_honest_seed_is_the_one_fixed_before_any_solve():
    # fixed on 2026-12-04 before any scenario was solved: a change must be deliberate
    assert honest.BASE_SEED == 24_2026_12_04
    a = honest.generate("M", 0.85, "three", 1)
    assert a == honest.generate("M", 0.85, "three", 1)
    assert a != honest.generate("M", 0.85, "three", 2)
    with pytest.raises(ValueError):
        honest.generate("M", 0.85, "few", 1)


@pytest.mark.parametrize("deploying", honest.DEPLOYING)
def test_honest_sizes_load_and_deploying(deploying):
    for size, (services, instances) in (("tiny", (2, 4)), ("M", (10, 50)), ("L", (40, 350))):
        mapping = honest.generate(size, 0.7, deploying, 1)
        st = scale.stats(mapping)
        assert (st["services"], st["instances"]) == (services, instances)
        wanted = {"one": 1, "three": min(3, services), "fleet-wide": services}[deploying]
        assert st["deploying"] == wanted
        assert abs(st["cpu"] - 0.7) <= (0.1 if size == "tiny" else 0.02), st
        assert load_scenario(mapping).name == mapping["name"]


def test_honest_has_the_issues_features():
    """Zones (2–3 per group), a pool attribute per group, memberOf on a third of the
    services naming a pool that exists, only the four strategies, every networking."""
    nets, strategies = Counter(), Counter()
    for seed in (1, 2, 3):
        mapping = honest.generate("L", 0.5, "fleet-wide", seed)
        groups = mapping["cluster"]["instances"]
        pools = {g["attributes"]["pool"] for g in groups}
        assert len(groups) in (2, 3) and len(pools) == len(groups)
        assert all(len(set(g["availabilityZones"])) in (2, 3) for g in groups)
        members = [s for s in mapping["services"] if s.get("placementConstraints")]
        assert len(members) == round(40 / 3)
        for s in members:
            (c,) = s["placementConstraints"]
            assert c["type"] == "memberOf" and c["expression"].split("== ")[1] in pools
        for s in mapping["services"]:
            strategies[str(s.get("placementStrategy"))] += 1
            td = s["taskDefinition"]
            ports = [m.get("hostPort") for m in td.get("portMappings", ())]
            fixed = any(p for p in ports)
            nets[
                "awsvpc" if td.get("networkMode") == "awsvpc" else "fixed" if fixed else str(ports)
            ] += 1
    assert set(strategies) == {str(x) for x in honest.STRATEGIES}
    assert nets["awsvpc"] and nets["[0]"] and nets["[]"] and nets["fixed"]


def test_honest_fits_and_reacts_through_the_harness():
    found, dropped = scale.fitting("M", 0.85, "three", 2, family="honest")
    assert [m["name"] for _, m in found] == [f"M-u85-three-s{s}" for s, _ in found]
    assert dropped >= 0 and "honest" in scale.FAMILIES
    [(_, room)], _ = scale.fitting("M", 0.85, "three", 1, family="honest", mode="room")
    assert room["name"].endswith("-room") and scale.fits(room)
    assert reacting.mapping_max_size(room) == 63
    assert scale.report_name("honest", False) == "HONEST.md"
    assert scale.report_name("honest", True) == "REACTING-HONEST.md"
    assert scale.report_name("scale", True) == "REACTING.md"
    assert scale.report_name("unseen", False) == "UNSEEN.md"


def test_solve_measures_the_peak_memory_of_the_child(tmp_path, monkeypatch):
    """A stand-in for `planner` that holds 200 MiB and prints a verdict: its peak is
    measured (whichever way peak_method chose), the wrapper's own memory is not."""
    grow = (
        "b = bytearray(200 << 20); b[::4096] = b'x' * len(b[::4096]); "
        'print(\'{"verdict": "safe"}\')'
    )
    monkeypatch.setattr(scale, "planner_command", lambda: [sys.executable, "-c", grow])
    path = tmp_path / "x.yaml"
    path.write_text("name: x\n")
    wall, code, data, problem, peak = scale.solve_measured(path, 5, 1)
    assert code == 0 and data == {"verdict": "safe"} and problem == ""
    assert peak is not None and 200 <= peak <= 320, peak
    # the other way, forced: the launcher reports the same child
    monkeypatch.setattr(scale, "_MEASURE", ["launcher"])
    *_, again = scale.solve_measured(path, 5, 1)
    assert again is not None and 200 <= again <= 320, again
    small = tmp_path / "small.yaml"
    small.write_text("name: y\n")
    monkeypatch.setattr(scale, "planner_command", lambda: [sys.executable, "-c", "print(1)"])
    *_, little = scale.solve_measured(small, 5)
    assert little is not None and little < 100


def _side(name, asked, wall, verdict="safe", peak=100.0, limit=10.0):
    run = scale.Run("M", 0.85, "three", name, limit, wall, verdict, "p", 0, 300, 50, 0.85)
    run.asked, run.peak_mib = asked, peak
    run.exit_code = {"safe": 0, "unknown": 3}.get(verdict, 1)
    return run


def test_side_by_side_report_and_one_worker_misses():
    cell = scale.Cell("M", 0.85, "three", dropped=1)
    cell.runs = [
        _side("M-a", 1, 11.0, "unknown", peak=300.0),
        _side("M-a", 2, 7.0, "at-risk", peak=350.0),
        _side("M-b", 1, 2.0),
        _side("M-b", 2, 12.0, "unknown"),  # over limit + 1.5 s
    ]
    text = sidebyside.render(
        [cell],
        asks=[1, 2],
        peak_method="time",
        command="python -m benchmarks.scale --family honest --workers 1,2",
        commit="`abc1234`",
        commit_after="`abc1234`",
        cores=2,
        load_before=(1.0, 1.0, 1.0),
        load_after=(2.0, 2.0, 2.0),
        startup_walls=(0.9, 1.0),
        when="2026-12-04 23:59 UTC",
        family="honest",
        solved_by="",
    )
    row = (
        "| M | 85 % | three | 2 | 1 | 1 of 2 | 1 of 2 | 1 safe, 1 unknown | 1 at-risk, 1 unknown "
        "| 6.5 s | 9.5 s | 11.0 s | 12.0 s | +1.0 s | +2.0 s | 300 | 350 | **missed** |"
    )
    assert row in text
    assert "- M-a: 2 workers at-risk in 7.0 s; 1 unknown in 11.0 s" in text
    assert "- M-b, 2w: 12.0 s of 10 (+2.0 s, unknown, exit 3)" in text
    assert "| M-a | 300 | 50 | 85 % | unknown | 11.0 s | 300 | at-risk | 7.0 s | 350 | p |" in text
    assert "1.00 / 1.00 / 1.00" in text and "GNU `/usr/bin/time -v`" in text


def test_main_runs_each_size_with_its_seeds_and_workers(tmp_path, monkeypatch):
    calls = []

    def fake_cell(size, util, deploying, seeds, limit, folder, family, workers, mode, versus):
        assert versus == []
        calls.append((size, util, deploying, seeds, limit, family, workers))
        cell = scale.Cell(size, util, deploying)
        cell.runs = [_side(f"{size}-x", w, 1.0) for w in workers]
        return cell

    monkeypatch.setattr(scale, "run_cell", fake_cell)
    monkeypatch.setattr(scale, "startup", lambda: 0.5)
    monkeypatch.setattr(scale, "peak_method", lambda: "time")
    scale.main(
        "--family honest --sizes M,XL --seeds M=3,XL=1 --workers 2,1 --deploying fleet-wide "
        f"--utilisations 85 --time-limit 60 --output {tmp_path}".split()
    )
    assert calls == [
        ("M", 0.85, "fleet-wide", 3, 60.0, "honest", [2, 1]),
        ("XL", 0.85, "fleet-wide", 1, 60.0, "honest", [2, 1]),
    ]
    text = (tmp_path / "HONEST.md").read_text()
    assert "| 2w: verdict |" in text and "Honest family" in text
    with pytest.raises(SystemExit):
        scale.main(["--family", "honest", "--seeds", "S=3"])


# ---------------------------------------------------------------- honest2: version 2


def _stuck(mapping):
    """Services whose percents allow no replacement at their count (arithmetic alone)."""
    out = []
    for s in mapping["services"]:
        dc = s["deploymentConfiguration"]
        d, lo, hi = s["desiredCount"], dc["minimumHealthyPercent"], dc["maximumPercent"]
        # ECS: the lower bound rounds up, the upper down (written out, not honest's helper)
        if -(-d * lo // 100) >= d and d * hi // 100 <= d:
            out.append(s["name"])
    return out


def test_honest2_seed_fixed_and_v1_unchanged():
    # fixed on 2026-12-05 before any honest2 scenario was solved
    assert honest.BASE_SEED_2 == 24_2026_12_05 and honest.BASE_SEED == 24_2026_12_04
    v1 = honest.generate("M", 0.85, "fleet-wide", 1)
    assert v1 == honest.generate("M", 0.85, "fleet-wide", 1, version=1)
    assert v1 != honest.generate("M", 0.85, "fleet-wide", 1, version=2)
    assert honest.generate("M", 0.5, "one", 2, version=2) == scale.FAMILIES["honest2"](
        "M", 0.5, "one", 2
    )
    assert [honest.least_replaceable(lo, hi) for lo, hi in honest.PERCENTS] == [1, 1, 2, 2, 1, 4]
    with pytest.raises(ValueError):
        honest.generate("M", 0.85, "one", 1, version=3)
    assert scale.report_name("honest2", False) == "HONEST2.md"


def test_honest_v1_has_services_stuck_by_arithmetic():
    """The flaw version 2 removes, seen by the same check (so the check can fail)."""
    stuck = [_stuck(honest.generate("L", u, "fleet-wide", s)) for u in (0.5, 0.7) for s in (1, 2)]
    assert sum(map(len, stuck)) >= 3, stuck


@pytest.mark.parametrize("size", ["M", "L", "XL"])
def test_honest2_no_service_stuck_by_arithmetic(size):
    seeds = (1, 2) if size == "XL" else (1, 2, 3)
    deployings = ("fleet-wide",) if size == "XL" else honest.DEPLOYING
    for util in honest.UTILISATIONS:
        for deploying in deployings:
            for seed in seeds:
                mapping = honest.generate(size, util, deploying, seed, version=2)
                assert _stuck(mapping) == [], (size, util, deploying, seed)
                st = scale.stats(mapping)  # the budget kept: the CPU share as asked
                assert abs(st["cpu"] - util) <= 0.02, (mapping["name"], st["cpu"])


def test_honest2_fits_through_the_harness():
    found, dropped = scale.fitting("M", 0.7, "three", 2, family="honest2")
    assert len(found) == 2 and dropped >= 0
    assert all(_stuck(m) == [] for _, m in found)


def test_runs_mix_counts_each_kind_of_randomised_run():
    """benchmarks.runs_mix: each kind alone, the first run that died, and the summary."""
    from benchmarks import runs_mix, scale
    from planner import load_scenario
    from planner.model.problem import compile_problem

    (found,), _ = scale.fitting("M", 0.7, "fleet-wide", 1, family="honest")
    row = runs_mix.measure(
        "honest M-u70-fleet-wide-s1", compile_problem(load_scenario(found[1])), 5
    )
    assert row is not None and set(row.kinds) == set(runs_mix.KINDS)
    assert row.fixed_dies  # ECS's default run or one of the adversary's dies there
    died = {k: d for k, (d, _) in row.kinds.items()}
    assert died["spoiling"] == 5 and died["random"] is None  # seed 0, five runs each
    text = runs_mix.report([row], ((0.5, 0, 0), (0.6, 0, 0)), 1.0, 5)
    assert "| honest M-u70-fleet-wide-s1 | yes | — (" in text
    assert "| spoiling | 1 | 1 | 0 of 0 |" in text


def test_deciding_phase_names_the_last_phase_before_the_verdict():
    """benchmarks.deciding_phase: the phase announced last before the report's runs, the
    replay or the fixes; and a solve of a shipped at-risk example names one."""
    import yaml

    from benchmarks import deciding_phase as bench

    phases = ["ECS's scheduler as configured: first runs", "proofs from volumes and counts"]
    assert bench.deciding([*phases, "replaying the evidence"]) == phases[-1]
    assert bench.deciding([*phases, "runs by ECS rules: adversarial and random",
                           "checking fixes", "proofs from volumes and counts"]) == (
        "runs by ECS rules: adversarial and random")  # fmt: skip
    assert bench.deciding(phases) == phases[-1]  # nothing after: the last one
    mapping = yaml.safe_load((ROOT / "scenarios/examples/at-risk.yaml").read_text())
    verdict, phase = bench.solve(mapping, 5.0, 1)
    assert verdict == "at-risk" and phase != "none"
    text = bench.report([("x", verdict, phase)], ((0.5, 0, 0), (0.6, 0, 0)), 1.0, "test")
    assert f"| at-risk | {phase} | 1 |" in text and "| x | at-risk |" in text


def test_steps_names_the_proven_steps_and_the_solves_own_fix():
    """benchmarks.steps: the roomy at-risk scenario (tests/data) in two proven steps, two
    services then eight, by the count sets; a solve's fix read back in a few words."""
    from types import SimpleNamespace

    import yaml

    from benchmarks import steps as bench
    from planner.deciding.result import Fix

    mapping = yaml.safe_load((ROOT / "tests/data/roomy-at-risk.yaml").read_text())
    steps, seconds = bench.with_budget(mapping, 20.0)
    assert steps == "2 steps (2 + 8 services; counts)" and seconds > 0
    every = Fix("x", "batches", then=["b"], checked="every step", steps=[["b"]], proofs=["counts"])
    first = Fix("y", "batches", then=["b"], checked="first step")
    assert bench.at_limit(SimpleNamespace(fixes=[every])) == "every step (2)"
    assert bench.at_limit(SimpleNamespace(fixes=[first])) == "first step"
    assert bench.at_limit(SimpleNamespace(fixes=[])) == "—"
    rows = [("x", "at-risk", "first step", steps, seconds), ("y", "safe", "—", "", None)]
    text = bench.report(rows, ((0.5, 0, 0), (0.6, 0, 0)), 1.0, "test", 20.0)
    assert f"| x | at-risk | first step | {steps} | {seconds:.1f} |" in text
    assert (
        "At-risk or `unknown`: 1; every step proven at the limit in 0, with the budget in 1."
        in text
    )


def test_crowded_benchmarks_share_their_command_line_and_report_header():
    """benchmarks.crowded: the options of work, runs_mix, deciding_phase and steps, and
    the line that opens their reports."""
    from benchmarks import crowded

    args = crowded.parser("Doc.\nmore", "X.md", families="honest", seeds=1).parse_args([])
    assert (args.families, args.sizes, args.seeds, args.output.name) == ("honest", "M", 1, "X.md")
    assert crowded.parser("Doc.", "X.md").parse_args([]).families == crowded.FAMILIES
    line = crowded.header(((0.5, 0, 0), (0.75, 0, 0)), 12.4)
    assert (
        "UTC, commit `" in line and "load average before 0.50 and after 0.75; 12 s in all." in line
    )
