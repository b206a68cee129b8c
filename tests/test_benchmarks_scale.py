"""The scale family's generator and report on tiny inputs (benchmarks/scale.py).

Nothing is timed and no long solve runs here: the harness's solves happen in
``python -m benchmarks.scale``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ sits beside planner/, not inside it
    sys.path.insert(0, str(ROOT))

from benchmarks import run, scale  # noqa: E402
from planner.inputs.loading import load_scenario  # noqa: E402
from planner.model.problem import compile_problem  # noqa: E402

CELLS = [(u, d) for u in scale.UTILISATIONS for d in scale.DEPLOYING]


def test_same_seed_same_scenario():
    a = scale.generate("tiny", 0.7, "three", 4)
    assert a == scale.generate("tiny", 0.7, "three", 4)
    assert a != scale.generate("tiny", 0.7, "three", 5)
    assert a != scale.generate("tiny", 0.85, "three", 4)


def test_own_seeds_not_generate_py():
    # the scale family's scenarios are named by size, utilisation, deploying and seed
    assert scale.generate("tiny", 0.5, "one", 1)["name"] == "tiny-u50-one-s1"


@pytest.mark.parametrize(("utilisation", "deploying"), CELLS)
def test_cpu_share_and_deploying_count(utilisation, deploying):
    for seed in range(1, 6):
        mapping = scale.generate("tiny", utilisation, deploying, seed)
        st = scale.stats(mapping)
        assert st["instances"] == 4 and st["services"] == 2
        assert abs(st["cpu"] - utilisation) <= 0.03, (seed, st)
        assert st["memory"] < 1
        assert st["deploying"] == {"one": 1, "three": 2, "fleet-wide": 2}[deploying]
        for svc in mapping["services"]:
            if svc.get("deploy") is False:
                assert "newTaskDefinition" not in svc


def test_sizes_as_specified():
    for size, (services, instances) in (("M", (10, 50)), ("L", (40, 350))):
        mapping = scale.generate(size, 0.7, "three", 1)
        st = scale.stats(mapping)
        assert (st["services"], st["instances"], st["deploying"]) == (services, instances, 3)
        assert st["types"] in (2, 3)
        assert abs(st["cpu"] - 0.7) <= 0.01
        fleet = scale.generate(size, 0.7, "fleet-wide", 1)
        assert scale.stats(fleet)["deploying"] == services


def test_features_mixed():
    # over a few M seeds: fixed ports, bigger revisions, every percent setting, zones
    ports = bigger = 0
    percents = set()
    for seed in range(1, 6):
        mapping = scale.generate("M", 0.7, "three", seed)
        st = scale.stats(mapping)
        ports += st["fixedPorts"]
        bigger += st["bigger"]
        for svc in mapping["services"]:
            dc = svc["deploymentConfiguration"]
            percents.add((dc["minimumHealthyPercent"], dc["maximumPercent"]))
        for group in mapping["cluster"]["instances"]:
            assert sorted(group["availabilityZones"]) == list(scale.ZONES)
    assert ports > 0 and bigger > 0
    assert percents == set(scale.PERCENTS)


@pytest.mark.parametrize(("utilisation", "deploying"), CELLS)
def test_fitting_scenarios_load_and_compile(utilisation, deploying):
    found, dropped = scale.fitting("tiny", utilisation, deploying, 3)
    assert len(found) == 3 and dropped >= 0
    seeds = [seed for seed, _ in found]
    assert seeds == sorted(seeds) and seeds[-1] == 3 + dropped
    for _seed, mapping in found:
        problem = compile_problem(load_scenario(mapping))
        assert problem.n_instances == 4
        assert sum(s.desired for s in problem.services) == sum(
            s["desiredCount"] for s in mapping["services"] if s.get("deploy", True)
        )


def test_dropped_seeds_are_counted(monkeypatch):
    calls = []

    def fits(mapping):
        calls.append(mapping["name"])
        return len(calls) not in (1, 3)  # seeds 1 and 3 do not fit

    monkeypatch.setattr(scale, "fits", fits)
    found, dropped = scale.fitting("tiny", 0.5, "one", 2)
    assert [seed for seed, _ in found] == [2, 4] and dropped == 2


def _run(name, wall, limit=10.0, verdict="safe", code=0, proof="volume: no dead state"):
    size = name.split("-")[0]
    return scale.Run(size, 0.7, "one", name, limit, wall, verdict, proof, code, 200, 50, 0.7)


def _render(cells):
    return scale.render(
        cells,
        command="python -m benchmarks.scale --quick",
        commit="`abc1234`",
        cores=2,
        load_before=(0.5, 0.4, 0.3),
        load_after=(1.5, 1.2, 0.9),
        startup_walls=(0.66, 0.70),
    )


def test_report_figures():
    ok = scale.Cell("M", 0.7, "one", dropped=1)
    ok.runs = [
        _run("M-a", 2.0),
        _run("M-b", 4.0, verdict="hangs", code=1),
        _run("M-c", 11.2, verdict="unknown", code=3, proof="no proof within the limit"),
    ]
    row = scale.cell_row(ok)
    assert row["count"] == 3 and row["dropped"] == 1
    assert row["proven"] == pytest.approx(2 / 3)
    assert row["median"] == 4.0 and row["worst"] == 11.2
    assert row["ratio"] == pytest.approx(1.12)
    assert row["over"] == pytest.approx(1.2)
    assert row["met"]  # 1.2 s over: within the 1.5 s allowed

    late = scale.Cell("L", 0.85, "fleet-wide")
    late.runs = [
        _run("L-a", 50.0, limit=45.0, verdict="unknown", code=3),
        _run("L-b", 30.0, limit=45.0),
    ]
    assert not scale.cell_row(late)["met"]

    text = _render([ok, late])
    assert "| M | 70 % | one | 3 | 1 | 1 safe, 1 hangs, 1 unknown | 67 % | 4.0 s | 11.2 s " in text
    assert "| 1.12 | +1.2 s | met |" in text
    assert "| L | 85 % | fleet-wide | 2 | 0 | 1 safe, 1 unknown | 50 % | 40.0 s | 50.0 s " in text
    assert "| 1.11 | +5.0 s | **missed** |" in text
    assert "**Cells that miss the target**" in text
    assert "- L, 85 % CPU, fleet-wide: L-a took 50.0 s of 45 (+5.0 s, unknown, exit 3)" in text
    assert "`abc1234`" in text and "2 cores" in text
    assert "0.50 / 0.40 / 0.30" in text and "1.50 / 1.20 / 0.90" in text
    assert "**0.66 s** and **0.70 s**" in text
    # one line per scenario, with its proof's first words
    expected = (
        "| M-c | 200 | 50 | 70 % | unknown | 3 | 11.2 s | +1.2 s | no proof within the limit |"
    )
    assert expected in text
    assert sum(line.startswith(("| M-", "| L-")) for line in text.splitlines()) == 5


def test_report_all_met_and_errors():
    cell = scale.Cell("M", 0.5, "three")
    cell.runs = [_run("M-x", 3.0)]
    text = _render([cell])
    assert "Every cell met the target" in text and "missed" not in text
    # an internal error (exit 4) misses the target whatever its wall time
    cell.runs = [_run("M-y", 1.0, verdict="error", code=4, proof="")]
    cell.runs[0].message = "internal error: plan does not replay"
    text = _render([cell])
    assert "**missed**" in text and "internal error: plan does not replay" in text


def test_first_words():
    assert scale._first_words("a b c d e f g h i j", 3) == "a b c …"
    assert scale._first_words("x | y") == "x / y"


def test_report_a_run_without_verdict_misses():
    cell = scale.Cell("L", 0.85, "fleet-wide")
    cell.runs = [_run("L-z", 20.0, limit=45.0, verdict="error", code=1, proof="")]
    cell.runs[0].message = "stdout (12 characters) is not JSON: Expecting value"
    assert not scale.cell_row(cell)["met"]
    text = _render([cell])
    assert "L-z took 20.0 s of 45 (-25.0 s, error, exit 1: stdout (12 characters)" in text


def test_report_says_when_the_code_changed():
    cell = scale.Cell("M", 0.5, "one")
    cell.runs = [_run("M-p", 1.0), _run("M-q", 2.0)]
    cell.runs[0].commit, cell.runs[1].commit = "aaa1111", "bbb2222"
    text = _render([cell])
    assert "**The code changed during the run**" in text
    assert (
        "| M-q | 200 | 50 | 70 % | safe | 0 | 2.0 s | -8.0 s | volume: no dead state | `bbb2222` |"
        in text
    )
    cell.runs[1].commit = "aaa1111"
    assert "changed during the run" not in _render([cell])


def test_solve_keeps_output_that_is_not_json(tmp_path, monkeypatch):
    # a stand-in for `planner` that prints no JSON (extra arguments go to its sys.argv)
    monkeypatch.setattr(
        scale, "planner_command", lambda: [sys.executable, "-c", "print('not json'); exit(1)"]
    )
    path = tmp_path / "x.yaml"
    path.write_text("name: x\n")
    wall, code, data, problem = scale.solve(path, 5)
    assert code == 1 and data == {} and wall >= 0
    assert problem.startswith("stdout (9 characters) is not JSON")
    assert (tmp_path / "x.out").read_text() == "not json\n"


def test_the_unseen_family_runs_through_the_same_harness():
    """--family unseen: the same cells, named alike, from benchmarks/unseen.py; a DAEMON
    service counts one task per instance."""
    found, dropped = scale.fitting("M", 0.7, "three", 2, family="unseen")
    assert [m["name"] for _, m in found] == ["M-u70-three-s1", "M-u70-three-s2"]
    for seed, mapping in found:
        assert mapping["services"] != scale.generate("M", 0.7, "three", seed)["services"]
        st = scale.stats(mapping)
        assert (st["services"], st["instances"], st["deploying"]) == (10, 50, 3)
        assert abs(st["cpu"] - 0.7) <= 0.02, st
    _, second = found[1]  # seed 2 has a daemon (seed 1 has none)
    (daemon,) = [s for s in second["services"] if s.get("schedulingStrategy") == "DAEMON"]
    assert "desiredCount" not in daemon
    counted = {s["name"]: s.get("desiredCount") for s in second["services"]}
    assert scale.stats(second)["tasks"] == 50 + sum(n for n in counted.values() if n)


def test_scenario_files_have_no_yaml_anchors(tmp_path):
    """Repeated lists (the unseen family shares its strategies) are written out in full."""
    _, mapping = scale.fitting("M", 0.7, "three", 1, family="unseen")[0][0]
    assert "&id" in scale.yaml.safe_dump(mapping)  # what the plain dumper would write
    text = scale.yaml.dump(mapping, Dumper=scale._NoAliases, sort_keys=False)
    assert "&id" not in text and "*id" not in text
    path = tmp_path / "x.yaml"
    path.write_text(text)
    assert load_scenario(path).name == mapping["name"]


def test_startup_solves_a_copy_and_stops_on_a_failed_solve(monkeypatch):
    """A failed solve writes its output beside the file it solved: the start-up scenario
    is copied out of scenarios/ first, and a solve without a verdict is no start-up."""
    seen = []

    def fake(path, limit):
        assert path.read_text() == scale.STARTUP_SCENARIO.read_text()
        seen.append(path)
        return 0.5, 1, {"verdict": "hangs"}, ""

    monkeypatch.setattr(scale, "solve", fake)
    assert scale.startup(runs=3) == 0.5
    assert len(seen) == 3 and all(p.parent != scale.STARTUP_SCENARIO.parent for p in seen)
    assert not seen[0].exists()  # the temporary folder is gone after the run
    monkeypatch.setattr(scale, "solve", lambda path, limit: (0.1, 1, {}, "no module"))
    with pytest.raises(SystemExit, match="no module"):
        scale.startup(runs=1)


def test_report_says_the_workers_each_solve_used():
    cell = scale.Cell("M", 0.5, "three")
    cell.runs = [_run("M-x", 3.0), _run("M-y", 2.0)]
    assert "CP-SAT workers not reported" in _render([cell])
    cell.runs[0].workers = cell.runs[1].workers = 2
    assert "CP-SAT workers: 2." in _render([cell])
    cell.runs[1].workers = 1
    assert "CP-SAT workers: 1 or 2." in _render([cell])


def test_solve_passes_workers_only_when_asked(tmp_path, monkeypatch):
    seen = []

    class Done:
        returncode = 0

        def __init__(self, cmd, **kw):
            seen.append(cmd)

        def communicate(self, timeout=None):
            return '{"verdict": "safe", "workers": 2}', ""

    monkeypatch.setattr(scale.subprocess, "Popen", Done)
    path = tmp_path / "x.yaml"
    scale.solve(path, 10)
    scale.solve(path, 10, 1)
    assert "--workers" not in seen[0]
    assert seen[1][-2:] == ["--workers", "1"]


# ---------------------------------------------------------------- --compare naive,ffd

from benchmarks import compare  # noqa: E402


def _one_service(desired, lo, hi, count=2, cpu=1024, name="x"):
    """Self-written: one service on ``count`` m5.large (2,048 CPU units each)."""
    return {
        "name": name,
        "cluster": {"instances": [{"type": "m5.large", "count": count}]},
        "services": [
            {
                "name": "a",
                "desiredCount": desired,
                "taskDefinition": {"cpu": cpu, "memory": 512},
                "deploymentConfiguration": {"minimumHealthyPercent": lo, "maximumPercent": hi},
            }
        ],
    }


def test_ffd_gate_says_when_the_peak_does_not_fit():
    # 4 tasks of 1,024 fill 2 instances; at 100/200 the first wave wants 4 old + 4 new
    crowded = compare.ffd_of(load_scenario(_one_service(4, 100, 200)))
    assert (crowded.steady, crowded.peak, crowded.fleet) == (2, 4, 2)
    assert crowded.gate == "does not fit" and crowded.share == "2.00"
    # one task at 50/100: FFD sees room to spare, ECS's arithmetic allows no replacement
    stuck = compare.ffd_of(load_scenario(_one_service(1, 50, 100)))
    assert (stuck.peak, stuck.gate) == (1, "fits")
    assert compare.reading("hangs", stuck) == "FFD waves it through; planner: hangs"
    assert compare.reading("safe", stuck) == ""
    assert compare.reading("safe", crowded) == "FFD stops it; planner: safe"
    assert compare.reading("hangs", crowded) == ""
    big = compare.ffd_of(load_scenario(_one_service(1, 100, 200, cpu=4096, count=1)))
    assert big.peak is None and big.gate == "a task fits no instance"


def test_naive_in_a_child_gives_the_verdict_in_process():
    mapping = _one_service(2, 50, 200)
    here = compare.naive_run(compile_problem(load_scenario(mapping)), 20)
    there = compare.naive_in_child(mapping, 20)
    assert (there.verdict, there.booleans) == (here.verdict, here.booleans) == ("safe", 24)
    stuck = compare.naive_in_child(_one_service(1, 50, 100), 20)
    assert (stuck.verdict, stuck.booleans) == ("hangs", 0)
    # over the booleans allowed: not built, its size said
    big = compare.naive_in_child(mapping, 20, max_booleans=10)
    assert (big.verdict, big.wall, big.booleans) == ("not run", None, 16)


def test_naive_in_a_child_is_killed_past_the_limit(monkeypatch):
    import time

    monkeypatch.setattr(compare, "_naive_of", lambda *a: time.sleep(60))
    out = compare.naive_in_child(_one_service(2, 50, 200), 0.2, grace=0.3)
    assert out.verdict == "killed" and "0.5 s" in out.note

    def boom(*a):
        raise RuntimeError("no")

    monkeypatch.setattr(compare, "_naive_of", boom)
    out = compare.naive_in_child(_one_service(2, 50, 200), 5)
    assert out.verdict == "error" and "RuntimeError: no" in out.note


def test_ratio_as_run_py_gives_it():
    N = compare.Naive
    assert compare.ratio("safe", 1.0, N("safe", 25.0, 100)) == "25×"
    assert compare.ratio("safe", 2.0, N("safe", 3.0, 100)) == "1.5×"
    assert compare.ratio("hangs", 1.0, N("timeout", 12.0, 100)) == "≥ 12×"
    assert compare.ratio("hangs", 2.0, N("killed", 15.0, 0)) == "≥ 7.5×"
    assert compare.ratio("hangs", 1.0, N("hangs", 0.01, 0)) == "no model"
    assert compare.ratio("unknown", 1.0, N("safe", 3.0, 100)) == "—"
    assert compare.ratio("safe", 1.0, N("not run", None, 2_000_000)) == "—"
    row = run.Row("M-1", "M", verdict="safe", wall=1.0, naive="timeout", naive_wall=30.0)
    row.naive_booleans = 5
    assert run._ratio(row) == "≥ 30×"


def test_report_section_beside_the_naive_model_and_ffd():
    cell = scale.Cell("M", 0.7, "one")
    cell.runs = [
        _run("M-a", 2.0),
        _run("M-b", 4.0, verdict="hangs", code=1),
        _run("M-c", 9.0, verdict="at-risk", code=1),
    ]
    stuck = compare.ffd_of(load_scenario(_one_service(1, 50, 100)))
    crowded = compare.ffd_of(load_scenario(_one_service(4, 100, 200)))
    cell.compared = {
        "M-a": compare.Compared(compare.Naive("timeout", 12.0, 900), crowded),
        "M-b": compare.Compared(compare.Naive("hangs", 0.1, 0), stuck),
        "M-c": compare.Compared(compare.Naive("safe", 20.0, 500), None),
    }
    text = _render([cell])
    assert "## Beside the naive model and FFD" in text
    assert (
        "| M-a | safe | 2.0 s | timeout | 12.0 s | 900 | ≥ 6.0× | m5.large | 2 | 4 | 2 | 2.00 "
        "| does not fit | FFD stops it; planner: safe |"
    ) in text
    assert (
        "| M-b | hangs | 4.0 s | hangs | 0.1 s | 0 | no model | m5.large | 1 | 1 | 2 | 0.50 "
        in text
    )
    assert "| fits | FFD waves it through; planner: hangs |" in text
    assert "| M-c | at-risk | 9.0 s | safe ⚠ **disagrees** | 20.0 s | 500 | 2.2× | — |" in text
    assert "**disagreeing on M-c**" in text
    assert "waves through 1 that planner finds can hang (M-b), and stops 1" in text
    assert "steady packing alone is over the fleet on 0." in text
    # nothing compared: no section
    cell.compared = {}
    assert "Beside the naive model" not in _render([cell])


def test_run_cell_compares_each_scenario_after_its_solves(tmp_path, monkeypatch):
    def fake_solve(path, limit, workers=None, command=None):
        return 1.0, 0, {"verdict": "safe", "proof": "p", "workers": 1}, "", 50.0

    monkeypatch.setattr(scale, "solve_measured", fake_solve)
    monkeypatch.setattr(scale, "_git", lambda *a: "abc1234")
    cell = scale.run_cell("tiny", 0.5, "one", 2, 5.0, tmp_path, "honest2", [1, 2], None, ["ffd"])
    names = [r.name for r in cell.runs]
    assert len(names) == 4 and set(cell.compared) == set(names)
    for beside in cell.compared.values():
        assert beside.naive is None and beside.ffd is not None and beside.ffd.fleet == 4
    text = sidebyside_render([cell])
    assert "## Beside the naive model and FFD" in text and "| — | — | — |" in text


def sidebyside_render(cells):
    from benchmarks import sidebyside

    return sidebyside.render(
        cells,
        asks=[1, 2],
        peak_method="time",
        command="python -m benchmarks.scale --family honest2 --compare ffd",
        commit="`abc1234`",
        commit_after="`abc1234`",
        cores=2,
        load_before=(1.0, 1.0, 1.0),
        load_after=(2.0, 2.0, 2.0),
        startup_walls=(0.9, 1.0),
        when="2026-12-05 01:00 UTC",
        family="honest2",
        solved_by="",
    )


def test_main_passes_compare_and_refuses_it_with_reacting(tmp_path, monkeypatch):
    calls = []

    def fake_cell(size, util, deploying, seeds, limit, folder, family, workers, mode, versus):
        calls.append((family, versus))
        cell = scale.Cell(size, util, deploying)
        cell.runs = [_run(f"{size}-x", 1.0)]
        return cell

    monkeypatch.setattr(scale, "run_cell", fake_cell)
    monkeypatch.setattr(scale, "startup", lambda: 0.5)
    monkeypatch.setattr(scale, "peak_method", lambda: "time")
    scale.main(
        "--family honest2 --sizes M --deploying one --utilisations 50 --compare naive,ffd "
        f"--output {tmp_path}".split()
    )
    assert calls == [("honest2", ["naive", "ffd"])]
    assert "Honest family, version 2" in (tmp_path / "HONEST2.md").read_text()
    for bad in (["--compare", "naive", "--reacting", "room"], ["--compare", "boolean"]):
        with pytest.raises(SystemExit):
            scale.main(["--sizes", "M", *bad])


def test_reading_says_when_ffds_own_packing_is_over_the_fleet():
    over = compare.Ffd("m5.large", steady=5, peak=6, fleet=4, types=1)
    assert compare.reading("safe", over) == (
        "FFD stops it, its steady packing over the fleet too; planner: safe"
    )
    rows = [("M-x", _run("M-x", 1.0), compare.Compared(None, over))]
    assert "its steady packing alone is over the fleet on 1 (M-x)." in compare.summary(rows)[0]
