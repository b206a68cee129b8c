"""One clock (planner.running.clock): the deadline a command hands down, its named shares,
and that it reaches every CP-SAT call. Every test runs on a scripted clock (a list the
test, or each CP-SAT call, moves), never on the real one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from builders import problem, svc, td
from builders import scripted_clock as scripted
from ortools.sat.python import cp_model
from tiny import sample

from planner.errors import OutOfTime
from planner.running import clock as shares
from planner.running.clock import SHARES, Deadline, Share

ROOT = Path(__file__).resolve().parent.parent
MIXED = sample("mixed")
BROAD = sample("broad")


# ------------------------------------------------------------------ the deadline itself


def test_a_deadline_counts_down_on_its_clock_and_its_parts_never_outlive_it():
    now, tick = scripted(100.0)
    d = Deadline(10, clock=tick)
    assert (d.left(), d.expired, d.limit) == (10, False, 10)
    now[0] = 104.0
    assert d.left() == 6
    assert d.part(0.5).left() == 3  # half of what is left
    assert d.within(60).left() == 6  # a sub-deadline ends no later than its parent
    assert d.within(2).limit == 2 and d.within(60).limit == 6
    assert d.less(1).left() == 5 and d.less(1).limit == 9
    now[0] = 110.0
    assert d.expired and d.left() == 0 and d.within(5).left() == 0
    with pytest.raises(OutOfTime, match="while building"):
        d.check("building")


def test_a_share_is_of_what_is_left_or_of_the_limit_within_its_bounds():
    now, tick = scripted()
    d = Deadline(100, clock=tick)
    now[0] = 60.0
    assert Share("x", 0.25, "why").seconds(d) == 10  # a quarter of the 40 left
    assert Share("x", 0.25, "why", of="limit").seconds(d) == 25  # of the 100
    assert Share("x", 0.25, "why", most=5.0).seconds(d) == 5
    assert Share("x", 0.01, "why", least=1.0).seconds(d) == 1
    assert d.share(Share("x", 1.0, "why", of="limit")).left() == 40  # never past d


def test_every_share_is_named_once_with_a_reason():
    constants = [v for v in vars(shares).values() if isinstance(v, Share)]
    names = [s.name for s in constants]
    assert len(names) == len(set(names)) == len(SHARES) >= 20  # every one in the table
    for s in constants:
        assert 0 < s.fraction <= 1 and len(s.why.split()) >= 8, s.name
    table = shares.shares_table()
    assert all(f"| {n} |" in table for n in names)


# ------------------------------------------------------------ every CP-SAT call, on the clock


@pytest.fixture
def cp_sat_clock(monkeypatch):
    """CP-SAT itself (CpSolver.solve, whoever calls it) on a scripted clock: each call is
    recorded with the time limit it was given, the caller, and what the command's
    deadline (``state.top``) had left; then the clock moves by the whole limit, as if
    the search used all of it, and the real search answers (or "unknown",
    ``state.answer_unknown``)."""

    class State:
        now = [0.0]
        top: Deadline | None = None
        calls: list[tuple[float, float, str]] = []
        answer_unknown = False

    real = cp_model.CpSolver.solve

    def solve(self, model, *args, **kwargs):
        asked = self.parameters.max_time_in_seconds
        caller = sys._getframe(2).f_code.co_qualname  # past planner.solvers.cpcall.solve
        left = State.top.left() if State.top is not None else float("inf")
        State.calls.append((asked, left, caller))
        State.now[0] += asked
        if State.answer_unknown:
            return cp_model.UNKNOWN
        return real(self, model, *args, **kwargs)

    monkeypatch.setattr(cp_model.CpSolver, "solve", solve)
    State.calls = []
    return State


@pytest.mark.parametrize("shortcuts", [True, False])
def test_every_cp_sat_call_of_an_analysis_gets_no_more_than_the_deadline_has_left(
    cp_sat_clock, shortcuts
):
    """Volume programs, the end-state check, the dead-state question, the short and full
    models, the plan search: each CP-SAT call gets at most what the analysis' deadline
    had left, so that even if each used all of it, together they stay within the
    limit (3 s on the scripted clock: the volume programs' 5 s each would not fit)."""
    from planner.deciding.verdict import analyse

    s = cp_sat_clock
    callers = set()
    for c in MIXED[::4] + BROAD[::4]:
        s.now[0] = 0.0
        s.calls.clear()
        s.top = Deadline(3.0, clock=lambda: s.now[0])
        a = analyse(c.problem, shortcuts=shortcuts, deadline=s.top)
        assert a.verdict in ("safe", "at-risk", "hangs", "unknown")
        for asked, left, caller in s.calls:
            assert asked <= left + 1e-9, (c.name, caller, asked, left)
            callers.add(caller)
        assert s.now[0] <= 3.0 + 1e-9, c.name  # the searches, end to end, within the limit
    volume = {"_BlockProgram.feasible"}  # can_block_all's program (planner.solvers.volume)
    expected = {"WaveRules.solve", "final_state_fits"} | (volume if shortcuts else set())
    assert expected <= callers, callers


def test_a_solve_whose_clock_runs_out_answers_unknown_with_what_is_known(cp_sat_clock):
    """Every CP-SAT call runs to its time limit and settles nothing: the solve answers
    ``unknown`` with the completing run it found, its clock within the limit (the
    planner's own phases stop, not only CP-SAT)."""
    import planner

    s = cp_sat_clock
    s.answer_unknown = True
    # safe, but only CP-SAT proves it (ECS's runs all complete; no volume proof holds)
    scenario = planner.load_scenario(
        ROOT / "scenarios/examples/bigger-revision-four-instances.yaml"
    )
    s.top = Deadline(10.0, clock=lambda: s.now[0])
    # the clock's shares (one worker would cut them by counted work: tests/test_work.py)
    result = planner.solve(scenario, deadline=s.top, workers=1, repeatable=False)
    assert result.verdict == "unknown" and result.proof.startswith("time limit"), result.proof
    assert result.plan, "the completing run found before is kept"
    assert s.calls and all(asked <= left + 1e-9 for asked, left, _ in s.calls)
    assert s.now[0] <= 10.0 + 1e-9
    assert result.time_limit == 10.0


def test_without_time_left_no_cp_sat_call_is_made(cp_sat_clock):
    """A deadline already passed: the analysis answers unknown and CP-SAT is never asked."""
    from planner.deciding.verdict import analyse

    s = cp_sat_clock
    for c in MIXED[:10]:
        s.now[0] = 0.0
        s.top = Deadline(0.0, clock=lambda: s.now[0])
        a = analyse(c.problem, deadline=s.top)
        assert a.verdict in ("unknown", "safe", "hangs"), a.proof  # safe: nothing to do, say
    assert s.calls == []


# ------------------------------------------------------------------------- volume programs


def _three_services():
    return problem(
        [(4096, 8000, 8)],
        [svc("a", 24, td(512), td(768), 50, 150), svc("b", 20, td(256), td(512), 50, 200),
         svc("c", 6, td(1024), mn=50, mx=150)],
    )  # fmt: skip


def test_the_volume_programs_stop_asking_when_the_time_is_out(cp_sat_clock):
    """Each volume program gets what the deadline has left (at most VOLUME_CALL's 5 s);
    once it has passed, none is asked and the answer is "no proof"."""
    from planner.solvers import volume

    s = cp_sat_clock
    s.answer_unknown = True  # each program runs to its limit: the clock moves by all of it
    p = _three_services()
    s.top = Deadline(30.0, clock=lambda: s.now[0])
    assert volume.no_dead_state(p, s.top) is False
    # the first program: 5 s at most (VOLUME_CALL), not the 30 left
    assert [asked for asked, *_ in s.calls] == [shares.VOLUME_CALL.most]
    # (unknown: "it could block", no proof, so no more are needed; a deadline that has
    # passed asks none at all)
    s.calls.clear()
    s.now[0] = 0.0
    s.top = Deadline(2.0, clock=lambda: s.now[0])
    s.answer_unknown = False
    infeasible_every_time = []

    def never_blocked_answer(self, model, *a, **k):
        infeasible_every_time.append(self.parameters.max_time_in_seconds)
        s.now[0] += self.parameters.max_time_in_seconds
        return cp_model.INFEASIBLE  # "cannot block": the next service is asked

    cp_model.CpSolver.solve = never_blocked_answer  # (restored by the fixture's monkeypatch)
    assert volume.no_dead_state(p, s.top) is False  # cut short: no proof
    assert infeasible_every_time == [2.0]  # the first took all that was left; no more asked
    infeasible_every_time.clear()
    s.now[0] = 0.0
    assert volume.no_dead_state(p, None) is True  # without a deadline: every service asked
    assert infeasible_every_time == [shares.VOLUME_CALL.most] * 3


def test_never_blocked_stops_at_the_deadline(cp_sat_clock, monkeypatch):
    """The wave-by-wave volume proof asks no program once its deadline has passed."""
    from planner.solvers import volume

    s = cp_sat_clock
    asked = []

    def cannot_block(self, model, *a, **k):
        asked.append(self.parameters.max_time_in_seconds)
        s.now[0] += 1.0
        return cp_model.INFEASIBLE

    monkeypatch.setattr(cp_model.CpSolver, "solve", cannot_block)
    p = _three_services()
    assert volume.never_blocked(p) is True
    everything = len(asked)
    assert everything == 3
    asked.clear()
    s.now[0] = 0.0
    assert volume.never_blocked(p, Deadline(1.5, clock=lambda: s.now[0])) is False
    assert asked == [1.5, 0.5]  # each what was left; then none


# ------------------------------------------------------------------- the command's deadline


def test_the_solve_command_hands_one_deadline_to_the_solve_and_the_page(monkeypatch, tmp_path):
    """``planner solve --time-limit 7 --format html``: the page gets the command's deadline,
    made from --time-limit, and the solve the same one brought the drawing share earlier
    (the charts are drawn after it, within the limit)."""
    from typer.testing import CliRunner

    import planner
    from planner.cli import app
    from planner.outputs import report

    seen = {}
    real_solve, real_page = planner.solve, report.solve_html

    def solve(loaded, **kwargs):
        seen["solve"] = kwargs["deadline"]
        return real_solve(loaded, **kwargs)

    def page(result, problem, deadline=None):
        seen["page"] = deadline
        return real_page(result, problem, deadline=deadline)

    monkeypatch.setattr(planner, "solve", solve)
    monkeypatch.setattr(report, "solve_html", page)
    scenario = ROOT / "scenarios/seed/port-conflict-two-instances.yaml"
    out = tmp_path / "page.html"
    res = CliRunner().invoke(
        app, ["solve", str(scenario), "--time-limit", "7", "--format", "html", "-o", str(out)]
    )
    assert res.exit_code in (0, 1, 3), res.output
    from planner.running.clock import DRAWING

    assert seen["page"].limit == 7
    assert seen["solve"].end == seen["page"].end - DRAWING.seconds(Deadline(7))


def test_a_page_drawn_past_the_deadline_says_its_charts_were_left_out():
    import planner
    from planner.outputs.report import solve_html

    scenario = planner.load_scenario(ROOT / "scenarios/seed/port-conflict-two-instances.yaml")
    result = planner.solve(scenario, time_limit=30, workers=1)
    now, tick = scripted()
    late = Deadline(1.0, clock=tick)
    now[0] = 2.0
    page = solve_html(result, result.problem, deadline=late)
    assert "No more charts: the time limit came" in page and "<svg" not in page
    assert "<svg" in solve_html(result, result.problem, deadline=Deadline(60, clock=tick))


def test_a_page_whose_deadline_passes_while_drawing_stops_at_the_next_chart(monkeypatch):
    """Each chart asks the clock: one drawn past the deadline is the last (a scripted clock
    that a chart moves by 5 s, with 3 s left when the page starts)."""
    import planner
    from planner.outputs import report

    scenario = planner.load_scenario(ROOT / "scenarios/examples/at-risk.yaml")
    result = planner.solve(scenario, time_limit=30, workers=1)
    now, tick = scripted()
    drawn = []
    real = report._counts_chart

    def slow_chart(*args, **kwargs):
        drawn.append(1)
        now[0] += 5.0
        return real(*args, **kwargs)

    monkeypatch.setattr(report, "_counts_chart", slow_chart)
    monkeypatch.setattr(report, "_dead_cluster", lambda *a: "<svg>dead end</svg>")
    page = report.solve_html(result, result.problem, deadline=Deadline(3.0, clock=tick))
    assert "dead end" in page and len(drawn) == 2  # the pair of the at-risk figure, then
    assert "No more charts" in page and "estimated time" not in page  # nothing more


def test_the_readme_shows_the_shares_as_the_code_has_them():
    """README's table of shares is the code's (a share changed in one place only fails)."""
    from pathlib import Path

    from planner.running.clock import shares_table

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- shares: generated by planner.running.clock.shares_table() -->")
    end = readme.index("<!-- /shares -->")
    shown = readme[start:end].split("\n", 1)[1].strip()
    assert shown == shares_table(), "regenerate it: planner.running.clock.shares_table()"
