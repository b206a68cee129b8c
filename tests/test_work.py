"""Work budgets (planner.running.work): with one worker the phases are cut by counted
work, so the same solve gives the same answer on a slower machine; the time limit still
cuts everything off, and the answer says when it did."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from builders import scripted_clock as scripted

from benchmarks import scale
from planner import load_scenario
from planner.deciding.solve import solve
from planner.running import work
from planner.running.clock import Deadline

# ------------------------------------------------------------------ the clock itself


def test_a_work_clock_moves_only_by_what_is_charged():
    now, tick = scripted(50.0)
    wall = Deadline(10, clock=tick)
    with work.budget(wall) as d:
        assert work.active() is not None
        assert d.limit == pytest.approx(10 * work.BUDGET_SHARE)
        now[0] = 55.0  # the real clock moves: the budget does not
        assert d.left() == pytest.approx(8.0)
        work.charge(3.0)
        assert d.left() == pytest.approx(5.0)
        part = d.within(2.0)
        work.charge(2.5)
        assert part.expired and not d.expired
        watch = work.stopwatch()
        work.charge(0.25)
        assert watch.seconds() == pytest.approx(0.25)
    assert work.active() is None
    work.charge(100.0)  # no budget active: nothing to charge


def test_the_time_limit_cuts_a_work_budget_off_and_says_so():
    now, tick = scripted(0.0)
    wall = Deadline(10, clock=tick)
    with work.budget(wall) as d:
        clock = work.active()
        early = d.within(5.0)
        assert not early.expired
        now[0] = 10.5  # past the wall: every deadline on the budget has passed
        assert early.expired and d.expired and d.left() == 0
        assert d.within(1.0).expired  # and so has any part made afterwards
        assert clock is not None and clock.cut
    assert "cut the budget short" in work.words(clock)


def test_keeping_brings_the_cut_off_sooner_for_what_follows():
    """The replay and the printing take real time after the analysis: within ``keeping``
    the wall-clock cut-off comes that much sooner, and after it, where it was."""
    now, tick = scripted(0.0)
    with work.budget(Deadline(10, clock=tick)) as d:
        clock = work.active()
        with work.keeping(2.0):
            now[0] = 8.5
            assert d.expired and clock.cut
        assert clock.wall.end == 10.0
    with work.keeping(2.0):  # no budget: nothing to keep
        assert work.active() is None


def test_past_takes_a_deadline_or_a_perf_counter_value():
    assert not work.past(None)
    assert work.past(time.perf_counter() - 1.0)
    assert not work.past(time.perf_counter() + 60.0)
    now, tick = scripted(0.0)
    d = Deadline(1.0, clock=tick)
    assert not work.past(d)
    now[0] = 2.0
    assert work.past(d)


def test_the_costs_grow_with_the_work():
    small = work.wave_cost(50, 10, 20, 0, 5, True)
    assert work.wave_cost(2800, 320, 20, 0, 5, True) > 100 * small
    assert work.wave_cost(50, 10, 20, 20, 5, False) > work.wave_cost(50, 10, 20, 0, 5, False)
    assert work.compile_cost(2800, 320) == pytest.approx(3.41, abs=0.1)  # 3.0–3.5 s measured


# ------------------------------------------------------------------ the same answer


@pytest.fixture(scope="module")
def crowded():
    """honest2 M, three services at 85 % (seed 1): without the proof from the first wave
    (which proves it safe at once, and which the tests below turn off) open at a few
    seconds, so the answer rests on how many runs and how much CP-SAT each phase got."""
    (found,), _ = scale.fitting("M", 0.85, "three", 1, family="honest2")
    return load_scenario(found[1])


def _answer(result) -> str:
    out = result.to_json()
    out.pop("wallSeconds", None)
    return json.dumps(out, sort_keys=True, default=str)


def test_one_worker_gives_the_same_answer_on_a_slower_machine(crowded, monkeypatch, no_first_wave):
    """A second solve on a machine made slower (every piece of counted work sleeps half as
    long again as it costs) gives the same JSON, word for word, run counts included."""
    # 2.4 s of work in a 12 s limit: room for the slower machine, and for a slow CI runner
    monkeypatch.setattr(work, "BUDGET_SHARE", 0.2)
    first = solve(crowded, time_limit=12.0, workers=1, fixes=False, repeatable=True)
    real = work.WorkClock.charge
    slept = []

    def slower(self, seconds):
        slept.append(seconds)
        time.sleep(0.5 * max(0.0, seconds))
        real(self, seconds)

    monkeypatch.setattr(work.WorkClock, "charge", slower)
    second = solve(crowded, time_limit=12.0, workers=1, fixes=False, repeatable=True)
    assert sum(slept) > 1.0, "the slower machine was never slower"
    assert "phases cut by counted work" in first.assumptions[-1]
    assert "cut the budget short" not in second.assumptions[-1]
    assert "runs by ECS rules" in first.proof  # the runs were counted into the answer
    assert _answer(first) == _answer(second)


def test_without_repeatable_the_clock_cuts_the_phases(crowded, no_first_wave):
    """By default (one worker or two) the phases are cut by the clock's shares."""
    for workers in (1, 2):
        result = solve(crowded, time_limit=1.0, workers=workers, fixes=False)
        assert not any("counted work" in a for a in result.assumptions)
        assert result.work is None


def test_the_command_takes_repeatable(tmp_path):
    """``planner solve --repeatable``: one worker on a work budget, said in the JSON's
    assumptions; the same JSON twice (but the wall time)."""
    from typer.testing import CliRunner

    from planner.cli import app

    path = Path(__file__).resolve().parents[1] / "scenarios/examples/at-risk.yaml"
    outs = []
    for _ in range(2):
        res = CliRunner().invoke(
            app, ["solve", str(path), "--repeatable", "--format", "json", "--time-limit", "5"]
        )
        assert res.exit_code == 1, res.output
        out = json.loads(res.output)
        assert out["workers"] == 1
        assert any("counted work" in a for a in out["assumptions"])
        out.pop("wallSeconds", None)
        outs.append(out)
    assert outs[0] == outs[1]


def test_the_benchmark_solves_twice_and_reports_the_work_against_the_clock():
    from benchmarks import work as bench

    (found,), _ = scale.fitting("M", 0.5, "one", 1)
    solved = bench.solve_repeatedly(found[1], 10.0, 2)
    assert solved.same and not solved.cut and solved.spent > 0
    assert solved.verdict in ("safe", "at-risk", "hangs", "unknown")
    text = bench.report([("scale", "M", solved)], ((0.5, 0, 0), (0.6, 0, 0)), 1.0)
    assert f"| scale | M | {solved.name} | {solved.verdict} |" in text
    assert "1 scenarios; cut off 0; repeats that differ 0." in text


def test_a_batch_hands_repeatable_to_every_solve(monkeypatch):
    """``planner batch --repeatable``: every scenario's solve is on a work budget."""
    from planner.deciding import batch as batch_module
    from planner.deciding import solve as solve_module

    asked = []
    real = solve_module.solve

    def spy(scenario, **kwargs):
        asked.append(kwargs.get("repeatable"))
        return real(scenario, **kwargs)

    monkeypatch.setattr(solve_module, "solve", spy)
    path = Path(__file__).resolve().parents[1] / "scenarios/examples/at-risk.yaml"
    for repeatable in (True, False):
        asked.clear()
        result = batch_module.batch([path], time_limit=5, jobs=1, repeatable=repeatable)
        assert [row["status"] for row in result.rows] == ["at-risk"]
        assert asked == [repeatable]
