"""planner.deciding.percents: every percent setting's bounds, verdict and the recommended one."""

import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from builders import reacting, scenario, svc, td
from typer.testing import CliRunner

import planner
from planner.cli import app
from planner.deciding.percents import (
    maximum_percent_ranges,
    minimum_percent_ranges,
    percent_options,
    recommend,
    sweep_percents,
)
from planner.errors import PlannerError
from planner.model.problem import lower_bound, upper_bound
from planner.outputs.percents_text import why

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "scenarios" / "seed"
ROW_FIELDS = {
    "service",
    "lower",
    "upper",
    "minimumHealthyPercent",
    "maximumPercent",
    "verdict",
    "waves",
    "estimatedDurationSeconds",
    "placement",  # added compatibly: any or ecs (ROLLOUT.md §8)
}
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def _row_for(rows, p, q):
    """The row whose percent ranges hold minimumHealthyPercent p and maximumPercent q."""
    for r in rows:
        (mlo, mhi), (xlo, xhi) = r["minimumHealthyPercent"], r["maximumPercent"]
        if mlo <= p <= mhi and xlo <= q and (xhi is None or q <= xhi):
            return r
    return None


# ---------------------------------------------------------------- ranges


@pytest.mark.parametrize("d", [1, 2, 3, 7, 10, 99, 100, 101, 150, 333])
def test_minimum_ranges_are_ecs_rounding_up(d):
    ranges = minimum_percent_ranges(d)
    covered = []
    for lower, (lo, hi) in ranges.items():
        assert lo <= hi
        covered += range(lo, hi + 1)
        for p in range(lo, hi + 1):
            assert lower_bound(d, p) == lower
    assert covered == list(range(0, 101))  # contiguous, in order, every percent once
    assert set(ranges) == {lower_bound(d, p) for p in range(101)}  # no pair ECS cannot give


@pytest.mark.parametrize("d", [1, 2, 3, 7, 10, 99, 100, 101, 150, 333])
def test_maximum_ranges_are_ecs_rounding_down_last_open(d):
    ranges = maximum_percent_ranges(d)
    assert min(ranges) >= 1 and max(ranges) == 2 * d
    assert ranges[2 * d] == (200, None)
    for q in range(0, 401):
        upper = min(upper_bound(d, q), 2 * d)  # more than 2d behaves as 2d
        if upper == 0:
            assert all(lo > q for lo, _ in ranges.values())
            continue
        lo, hi = ranges[upper]
        assert lo <= q and (hi is None or q <= hi)
    assert set(ranges) == {min(upper_bound(d, q), 2 * d) for q in range(401)} - {0}


def test_more_than_100_tasks_skip_pairs_no_percent_gives():
    lowers, uppers = minimum_percent_ranges(150), maximum_percent_ranges(150)
    assert len(lowers) == 101  # not 151: 1 % already gives ceil(1.5) = 2
    assert 1 not in lowers and lowers[2] == (1, 1)
    assert uppers[1] == (1, 1) and 2 not in uppers  # 1 % gives 1, 2 % gives 3


# ---------------------------------------------------------------- the seed's first case


def test_seed_case_1_min_100_hangs_exactly_below_max_200():
    s = planner.load_scenario(SEED / "deployment-configuration.yaml")
    rows = percent_options(s)
    assert [(r["lower"], r["upper"], r["verdict"]) for r in rows] == [
        (0, 1, "safe"),
        (0, 2, "safe"),
        (1, 1, "hangs"),
        (1, 2, "safe"),
    ]
    for q in range(100, 301):
        r = _row_for(rows, 100, q)
        assert r["verdict"] == ("hangs" if q < 200 else "safe"), q
    # everything else completes: every other whole-percent setting with an upper bound ≥ 1
    for p in range(0, 101):
        for q in range(100, 301):
            if p >= 1 and q < 200:
                continue
            assert _row_for(rows, p, q)["verdict"] == "safe", (p, q)
    [hang] = [r for r in rows if r["verdict"] == "hangs"]
    assert hang["minimumHealthyPercent"] == [1, 100]
    assert hang["maximumPercent"] == [100, 199]
    assert hang["waves"] is None and hang["estimatedDurationSeconds"] is None
    [best] = [r for r in rows if r.get("recommended")]
    assert (best["lower"], best["upper"]) == (1, 2)  # keeps the task running, surges by one
    assert best["maximumPercent"] == [200, None]


@pytest.mark.parametrize("p", [0, 1, 34, 50, 66, 67, 100])
@pytest.mark.parametrize("q", [100, 120, 133, 134, 150, 166, 167, 199, 200, 250])
def test_rows_agree_with_solving_the_percents_themselves(p, q):
    """A row's verdict is the oracle's for any percent in its ranges, and its bounds are
    ROLLOUT.md §2's arithmetic; its waves and duration are what `planner solve` reports."""
    from math import ceil, floor

    from oracle import Oracle

    s = planner.load_scenario(SEED / "cpu-units-two-instances.yaml")  # 3 tasks, 2 t2.micro
    rows = _cached_rows(SEED / "cpu-units-two-instances.yaml")
    changed = replace(
        s, services=(replace(s.services[0], minimum_healthy_percent=p, maximum_percent=q),)
    )
    row = _row_for(rows, p, q)
    assert row["verdict"] == Oracle(changed).verdict
    assert (row["lower"], row["upper"]) == (ceil(3 * p / 100), min(floor(3 * q / 100), 6))
    result = planner.solve(changed, fixes=False)
    if result.plan is not None:
        assert row["waves"] == len(result.plan)
        assert row["estimatedDurationSeconds"] == result.estimated_duration


_ROWS: dict = {}


def _cached_rows(path):
    if path not in _ROWS:
        _ROWS[path] = percent_options(planner.load_scenario(path))
    return _ROWS[path]


# ---------------------------------------------------------------- rows and recommendation


def test_rows_have_exactly_the_contract_fields_and_one_recommendation():
    rows = _cached_rows(SEED / "cpu-units-two-instances.yaml")
    assert len(rows) == 4 * 6  # lower 0..3 × upper 1..6
    for r in rows:
        assert set(r) - {"recommended"} == ROW_FIELDS
        assert r["service"] == "web" and r["placement"] == "any"
    assert sum(1 for r in rows if r.get("recommended")) == 1
    assert all(r["recommended"] is True for r in rows if "recommended" in r)
    best = next(r for r in rows if r.get("recommended"))
    # safe, highest lower (3 = all tasks), then lowest upper: one extra task at a time
    assert (best["lower"], best["upper"], best["verdict"]) == (3, 4, "safe")
    assert best["minimumHealthyPercent"] == [67, 100]
    assert best["maximumPercent"] == [134, 166]


def test_recommend_order():
    def row(lower, upper, verdict, waves):
        return {"lower": lower, "upper": upper, "verdict": verdict, "waves": waves}

    rows = [
        row(3, 4, "at-risk", 2),  # never: not safe
        row(2, 4, "safe", 3),
        row(2, 3, "safe", 5),  # highest safe lower, then lowest upper
        row(1, 3, "safe", 1),
    ]
    assert recommend(rows) == 2
    rows.append(row(2, 3, "safe", 4))  # same bounds, fewer waves
    assert recommend(rows) == 4
    assert recommend([row(1, 1, "hangs", None), row(0, 1, "at-risk", 1)]) is None


def test_no_safe_setting_means_no_recommendation():
    s1 = scenario([(1024, 1024, 1)], [svc("api", 1, td(2048))])
    with pytest.raises(PlannerError):  # does not even fit: a bad scenario, not a sweep
        sweep_percents(s1)
    # the new task is larger than any instance: nothing completes, nothing recommended
    s2 = scenario([(1024, 1024, 2)], [svc("api", 2, td(256), td(2048))])
    options = sweep_percents(s2)
    assert options.recommended is None
    assert not any(r.get("recommended") for r in options.rows)
    assert {r["verdict"] for r in options.rows} == {"hangs"}
    assert "No setting is recommended" in why(options)


def test_a_grid_with_unknowns_does_not_say_that_no_setting_is_safe():
    s2 = scenario([(1024, 1024, 2)], [svc("api", 2, td(256), td(2048))])
    options = sweep_percents(s2)
    assert "none is safe on this cluster" in why(options)
    options.rows[0]["verdict"] = "unknown"  # as when a cell's time limit came first
    said = why(options)
    assert "none is safe" not in said and "Nothing here says that no setting is safe" in said
    assert f"1 of {len(options.rows)} settings are unknown" in said


def test_bounds_that_forbid_completion_are_hangs_by_arithmetic():
    """maximumPercent 30 of 3 tasks: upper bound 0, no new task can ever start, whatever
    the cluster; a proof by counts, not a time limit."""
    from planner.deciding.verdict import analyse
    from planner.model.problem import compile_problem

    s = scenario([(4096, 8192, 3)], [svc("api", 3, td(256), td(512), 0, 30)])
    a = analyse(compile_problem(s), time_limit=0.2)
    assert a.verdict == "hangs" and a.proof.startswith("arithmetic"), a.proof
    rows = {(r["lower"], r["upper"]): r["verdict"] for r in sweep_percents(s, time_limit=0.2).rows}
    assert rows[(3, 3)] == "hangs"  # neither a stop nor a start, from the first wave


def test_other_services_keep_their_file_settings():
    s = planner.load_scenario(ROOT / "scenarios/examples/at-risk.yaml")
    rows_a = percent_options(s, service="a")
    rows_b = percent_options(s, service="b")
    assert {r["service"] for r in rows_a} == {"a"} and {r["service"] for r in rows_b} == {"b"}
    file_a = _row_for(rows_a, 100, 200)
    assert file_a["verdict"] == "at-risk"  # the file's own setting: the §4 example


def test_parallel_rows_equal_serial_rows():
    s = planner.load_scenario(ROOT / "scenarios/examples/at-risk.yaml")
    assert percent_options(s, service="b", jobs=2) == percent_options(s, service="b", jobs=1)


def test_daemon_lists_only_maximum_100():
    s = planner.load_scenario(ROOT / "tests/data/daemon.yaml")
    rows = percent_options(s, service="log-agent")
    assert {tuple(r["maximumPercent"]) for r in rows} == {(100, 100)}
    assert [r["lower"] for r in rows] == [0, 1, 2, 3]


def test_open_count_uses_the_minimum_and_says_so():
    s = planner.load_scenario(SEED / "cpu-units-minimum.yaml")
    options = sweep_percents(s)
    assert options.fleet == "2 × t2.micro"
    assert any("instance counts omitted" in n for n in options.notes)


def test_current_row_is_found_and_clipped():
    s = planner.load_scenario(SEED / "deployment-configuration.yaml")  # 100 / 150, one task
    options = sweep_percents(s)
    assert options.current_bounds == (1, 1)
    assert options.rows[options.current]["verdict"] == "hangs"
    s300 = replace(s, services=(replace(s.services[0], maximum_percent=300),))
    options = sweep_percents(s300)
    assert options.current_bounds == (1, 2)  # 300 % behaves as 200 %
    s50 = replace(s, services=(replace(s.services[0], maximum_percent=50),))
    options = sweep_percents(s50)
    assert options.current is None
    assert any("upper bound 0" in n for n in options.notes)


@pytest.mark.parametrize(
    ("path", "service", "message"),
    [
        # blue/green starts the whole green set whatever the percents say
        ("scenarios/examples/blue-green.yaml", None, "BLUE_GREEN"),
        # CODE_DEPLOY forces the defaults
        ("tests/data/code-deploy.yaml", None, "CODE_DEPLOY"),
        ("scenarios/seed/deployment-configuration.yaml", "nope", "no service named 'nope'"),
    ],
)
def test_bad_requests_are_planner_errors(path, service, message):
    s = planner.load_scenario(ROOT / path)
    with pytest.raises(PlannerError, match=message):
        percent_options(s, service=service)


def test_static_service_is_refused():
    s = scenario(
        [(2048, 2048, 2)],
        [svc("web", 1, td(256)), svc("metrics", 1, td(256), deploy=False)],
    )
    with pytest.raises(PlannerError, match="deploy: false"):
        percent_options(s, service="metrics")


# ---------------------------------------------------------------- command line


def test_cli_json_is_the_rows():
    res = run("percents", SEED / "deployment-configuration.yaml", "--format", "json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert len(rows) == 4 and rows[3]["recommended"] is True
    assert rows[1]["maximumPercent"] == [200, None]


def test_cli_text_grid_marks_current_and_recommended(tmp_path):
    out = tmp_path / "p.txt"
    res = run("percents", SEED / "deployment-configuration.yaml", "--output", out)
    assert res.exit_code == 0, res.output
    text = out.read_text()
    assert "[hangs]" in text  # the file's setting, 100 / 150
    assert "safe ★" in text
    assert "Recommended because it is safe" in text
    assert "max 200+ %" in text and "min 1–100 %" in text


def test_cli_bad_input_exits_2():
    res = run("percents", ROOT / "scenarios/examples/blue-green.yaml")
    assert res.exit_code == 2
    assert "BLUE_GREEN" in res.stderr and "Traceback" not in res.output
    res = run("percents", SEED / "port-conflict.yaml", "--service", "nope")
    assert res.exit_code == 2
    assert run("percents", ROOT / "nope.yaml").exit_code == 2


def test_solve_and_percents_start_without_pandas():
    import subprocess

    code = "import sys, planner.cli, planner.deciding.percents; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_whole_sweep_keeps_its_time_limit():
    """A sweep whose total limit has passed decides nothing more: every setting the
    solver would answer is unknown, and the grid claims nothing beyond that."""
    s2 = scenario([(1024, 1024, 2)], [svc("api", 2, td(256), td(2048))])
    options = sweep_percents(s2, total_time_limit=0.01)
    verdicts = {r["verdict"] for r in options.rows}
    assert verdicts <= {"unknown", "hangs"} and "unknown" in verdicts
    assert "none is safe" not in why(options)
    res = CliRunner().invoke(
        app,
        ["percents", str(Path("scenarios/seed/port-conflict.yaml")), "--time-limit-per-cell",
         "5", "--time-limit", "60", "--format", "json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output


def test_the_default_service_is_the_first_rolling_replica_and_is_named():
    daemon = svc("agent", 0, td(128), scheduling_strategy="DAEMON", mx=100, mn=0)
    s = scenario([(4096, 8192, 2)], [daemon, svc("api", 2, td(256), td(512))])
    options = sweep_percents(s, time_limit=5)
    assert options.service == "api"
    assert any("service api: the first rolling REPLICA service" in n for n in options.notes)


def test_a_failed_setting_is_marked_and_the_command_exits_4(monkeypatch):
    """A setting whose solve raises keeps its row, verdict failed with its error; the grid
    is printed and says nothing about the failed setting; the exit code is 4."""
    from planner.deciding import percents

    real = percents._solve_row

    def breaks_on_lower_zero(shared, bounds):
        if bounds[0] == 0:
            raise RuntimeError("lost")
        return real(shared, bounds)

    monkeypatch.setattr(percents, "_solve_row", breaks_on_lower_zero)
    seed = Path(__file__).resolve().parents[1] / "scenarios/seed/deployment-configuration.yaml"
    res = CliRunner().invoke(app, ["percents", str(seed), "-f", "json", "--jobs", "1"])
    assert res.exit_code == 4
    rows = json.loads(res.stdout)
    failed = [r for r in rows if r["verdict"] == "failed"]
    assert failed and all(r["lower"] == 0 and r["error"] == "RuntimeError: lost" for r in failed)
    assert all(r["verdict"] in ("safe", "hangs") for r in rows if r["lower"] != 0)
    text = CliRunner().invoke(app, ["percents", str(seed), "--jobs", "1"])
    assert text.exit_code == 4 and "failed" in text.stdout


# ---------------------------------------------------------------- a cluster that reacts


def _reacting(max_size: int, desired: int = 2):
    """One instance full by CPU (two tasks of 1,024 units), a new revision that needs
    more memory: every new task waits for the capacity provider's group to grow."""
    return reacting(
        [(2048, 4096, 1)], [svc("a", desired, td(1024, 1024), td(1024, 1500))], max_size
    )


@pytest.mark.parametrize("max_size", [1, 2, 3])
def test_each_setting_is_judged_with_scale_out(max_size):
    """Each row's verdict is that of `planner solve` on the reacting cluster with the
    row's percents; with the group at its maxSize every setting that must start before it
    stops hangs, and with room to grow some become safe."""
    base = _reacting(max_size)
    rows = percent_options(base, time_limit=20)
    assert len(rows) == 3 * 4  # lower 0..2, upper 1..4
    for r in rows:
        lo, hi = r["minimumHealthyPercent"][0], r["maximumPercent"][0]
        one = replace(base.services[0], minimum_healthy_percent=lo, maximum_percent=hi)
        alone = planner.solve(replace(base, services=(one,)), time_limit=20, fixes=False)
        assert r["verdict"] == alone.verdict, (r, alone.proof)
    by = {(r["lower"], r["upper"]): r["verdict"] for r in rows}
    assert by[2, 4] == ("hangs" if max_size == 1 else "safe")  # 100/200 needs one more
    assert by[0, 2] == "safe"  # 0/100: stop both, start both where they were


def test_a_reacting_row_with_the_group_grown_is_its_own():
    """Rows share nothing of each other's views of the grown group (a copy of a problem
    with other bounds once kept its original's launched views, and their bounds)."""
    rows = {(r["lower"], r["upper"]): r for r in percent_options(_reacting(3), time_limit=20)}
    assert rows[2, 4]["verdict"] == "safe" and rows[2, 2]["verdict"] == "hangs"
    assert rows[2, 4]["waves"] and rows[2, 2]["waves"] is None
