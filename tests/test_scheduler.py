"""ECS's scheduler as configured (planner.deciding.scheduler, ROLLOUT.md §8)."""

import json
import random
from collections import Counter
from pathlib import Path

from builders import at_risk_example, problem, svc, td
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiny import named, sample

import planner
from planner.deciding.scheduler import follows, scheduler_run, scheduler_wave, summarise
from planner.model.placement import start_choices, stop_choices
from planner.model.rollout import Wave, initial_state, replay
from planner.running.clock import Deadline

ROOT = Path(__file__).resolve().parent.parent


def test_every_scheduler_run_is_a_run_by_ecs_rules():
    """On the zoned sample (zones, types, attributes, memberOf, every strategy) and the
    mixed one, each scheduler run replays under the oracle's ECS rules and ends complete
    or dead; both endings occur."""
    ends = Counter()
    for c in sample("zoned")[::2] + sample("mixed")[::4] + sample("snapshot")[::3]:
        o, p = c.oracle, c.problem
        for run in (scheduler_run(p), scheduler_run(p, random.Random(c.name))):
            end = o.replay(named(p, run.waves), ecs=True)
            assert o.complete(end) == run.complete, c.name
            assert run.complete or o.dead(end), c.name
            ends[run.complete] += 1
            if not run.complete:
                assert c.label != "safe", c.name  # a hanging run is a witness
    assert ends[True] >= 50 and ends[False] >= 50, ends


def test_the_extreme_orders_find_the_spec_example():
    """ROLLOUT.md §4: if b's new tasks take both free instances first, a is stuck."""
    p = at_risk_example()
    assert not scheduler_run(p, order=[1, 0]).complete
    assert scheduler_run(p, order=[0, 1]).complete
    summary = summarise(p)
    assert summary.runs == 100 and summary.hung >= 1 and summary.completed >= 1
    assert summary.first_hang is not None and not summary.first_hang.complete


def test_spread_by_zone_then_instance():
    # zones a, b, a (round-robin): a task already in zone a, so the next goes to zone b
    attrs = [{"ecs.availability-zone": z} for z in ("a", "b", "a")]
    assert start_choices(None, [0, 1, 2], [1, 0, 0], attrs, {}) == [1]
    # zone a has 1 (instance 0), zone b 1: tied zones, then the instance with fewest
    assert start_choices(None, [0, 1, 2], [1, 1, 0], attrs, {}) == [2]
    # stops: from the zone with most tasks, then the instance with most
    assert stop_choices(None, [0, 1, 2], [2, 1, 1], attrs, {}) == [0]
    assert stop_choices(None, [1, 2], [0, 1, 1], attrs, {}) == [1, 2]  # tied: any of them


def test_binpack_takes_the_least_room_left_and_stops_where_most_is_freed():
    left = {0: (512, 100), 1: (256, 900), 2: (256, 50)}
    assert start_choices((("binpack", "cpu"),), [0, 1, 2], [0, 0, 0], [{}] * 3, left) == [1, 2]
    rules = (("binpack", "cpu"), ("binpack", "memory"))
    assert start_choices(rules, [0, 1, 2], [0, 0, 0], [{}] * 3, left) == [2]
    assert stop_choices((("binpack", "memory"),), [0, 1, 2], [1, 1, 1], [{}] * 3, left) == [1]
    assert start_choices((("random", None),), [2, 0], [5, 0], [{}] * 2, {}) == [2, 0]


def test_a_binpack_service_packs_its_new_tasks():
    p = problem(
        [(2048, 8000, 3)],
        [
            svc(
                "packed",
                2,
                td(512),
                mn=100,
                placement=(1, 1, 0),
                placement_strategy=(("binpack", "cpu"),),
            )
        ],
    )
    wave = scheduler_wave(p, initial_state(p))
    assert wave.starts == ((0, 0, 2),)  # 1536 then 1024 left on instance 0: the least


def test_follows_tells_strategy_choices_from_others():
    p = problem([(4096, 8000, 3)], [svc("web", 2, td(512), mn=100, placement=(1, 1, 0))])
    # spread: the new tasks go to the empty instance 2 first, then instance 0 (tie, first)
    spread = Wave(starts=((0, 0, 1), (0, 2, 1)))
    assert follows(p, [spread]) is True
    packed = Wave(starts=((0, 0, 2),))  # legal under ECS rules, not by spread
    replay(p, [packed], ecs_rules=True)
    assert follows(p, [packed]) is False


def test_json_and_text_report_ecs_as_configured():
    res = planner.solve(planner.load_scenario(ROOT / "scenarios/examples/at-risk.yaml"))
    data = res.to_json()
    sched = data["scheduler"]
    assert set(sched) == {"strategies", "runs", "completed", "hung", "hangRate", "firstHang"}
    assert sched["hangRate"] == sched["hung"] / sched["runs"]
    assert sched["strategies"]["a"] == [
        {"type": "spread", "field": "attribute:ecs.availability-zone"},
        {"type": "spread", "field": "instanceId"},
    ]
    assert sched["runs"] == sched["completed"] + sched["hung"] and sched["hung"] >= 1
    assert sched["firstHang"]["services"] == ["a"] and sched["firstHang"]["reasons"] == ["cpu"]
    assert data["deadState"]["followsStrategy"] is True
    json.dumps(data)  # all of it serialisable


# ---------------------------------------------------------------- --placement ecs


def _ecs_cases():
    return sample("zoned") + sample("mixed")[::3] + sample("snapshot")[1::3]


def test_placement_ecs_agrees_with_the_oracles_scheduler():
    """§4's verdicts with ECS rules narrowed to the scheduler (ties and turns free): the
    package against the oracle's own reading of §8, on every zoned case (zones, memberOf,
    every strategy) and a third of the mixed ones. Some at-risk cases become safe: their
    dead ends need choices the strategies would not make."""
    from dataclasses import replace

    from planner.deciding.verdict import analyse

    seen = Counter()
    for c in _ecs_cases():
        expected = c.oracle.verdict_ecs
        a = analyse(replace(c.problem, placement_mode="ecs"), time_limit=30)
        assert a.verdict == expected, (c.name, a.proof)
        if a.dead_path is not None and a.verdict == "at-risk":
            end = c.oracle.replay(named(c.problem, a.dead_path), ecs=True)
            assert c.oracle.dead(end)
        seen[c.label, expected] += 1
    assert seen["at-risk", "safe"] >= 10 and seen["at-risk", "at-risk"] >= 50, seen
    assert seen["safe", "safe"] >= 100 and seen["hangs", "hangs"] >= 100, seen


def test_placement_ecs_on_the_cli(tmp_path):
    from typer.testing import CliRunner

    from planner.cli import app

    path = ROOT / "scenarios/examples/shop-static-load.yaml"
    runner = CliRunner()
    anyres = runner.invoke(app, ["solve", str(path), "--format", "json"])
    ecsres = runner.invoke(app, ["solve", str(path), "--format", "json", "--placement", "ecs"])
    assert (anyres.exit_code, ecsres.exit_code) == (1, 0)
    a, e = json.loads(anyres.stdout), json.loads(ecsres.stdout)
    assert (a["verdict"], a["placement"]) == ("at-risk", "any")
    assert (e["verdict"], e["placement"]) == ("safe", "ecs")
    assert "ECS's scheduler as configured" in e["proof"]
    text = runner.invoke(app, ["solve", str(path), "--placement", "ecs"]).stdout
    assert "--placement ecs" in text
    rows = json.loads(
        runner.invoke(app, ["percents", str(path), "--placement", "ecs", "--format", "json"]).stdout
    )
    assert {r["placement"] for r in rows} == {"ecs"}
    current = next(r for r in rows if (r["lower"], r["upper"]) == (2, 4))  # the file's 50/100
    assert current["verdict"] == "safe"  # as the solve with --placement ecs says


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_unseen_zoned_cases_agree_with_the_oracle(rng):
    """Zoned scenarios outside the stored samples: the initial placement by strategy and
    the verdicts under both placements agree with the oracle's reading of §3, §4 and §8."""
    from dataclasses import replace

    from hypothesis import assume
    from oracle import Oracle
    from tiny import zoned_scenario

    from planner.deciding.verdict import analyse
    from planner.model.problem import DoesNotFit, compile_problem

    scenario = zoned_scenario(rng)
    try:
        p = compile_problem(scenario)
    except DoesNotFit:
        assume(False)
    assume(p.total_desired <= 6)
    o = Oracle(scenario)
    assert [[pair[0] for pair in col] for col in o.m.start] == [
        [p.initial[i][s] for i in range(p.n_instances)] for s in range(p.n_services)
    ]
    assert analyse(p, time_limit=30).verdict == o.verdict
    assert analyse(replace(p, placement_mode="ecs"), time_limit=30).verdict == o.verdict_ecs


def test_placement_ecs_proves_safe_with_a_plan_even_without_runs():
    """The scheduler search proves safe before any run (or plan) was found: the plan then
    comes from the scheduler's own default run, and it replays."""
    from dataclasses import replace

    from planner.deciding import scheduler
    from planner.deciding.verdict import Analysis, _narrow_to_scheduler, check_evidence
    from planner.model.problem import compile_problem

    scenario = planner.load_scenario(ROOT / "scenarios/examples/shop-static-load.yaml")
    p = replace(compile_problem(scenario), placement_mode="ecs")
    open_question = Analysis("unknown", "time limit")
    open_question.scheduler = scheduler.summarise(p, most=0)
    assert open_question.scheduler.runs == 0
    a = _narrow_to_scheduler(p, open_question, Deadline(30))
    assert a.verdict == "safe" and a.plan
    check_evidence(p, a)


def test_a_summary_cut_by_its_time_makes_the_cut_run_again():
    """seconds=0: the first run is cut short and not counted; asked again, the summary
    makes that same run (the default one), as if never interrupted."""
    p = at_risk_example()
    cut = summarise(p, seconds=0.0)
    assert (cut.runs, cut.completed, cut.hung) == (0, 0, 0)
    again = summarise(p, most=1, seconds=60, summary=cut)
    fresh = summarise(p, most=1, seconds=60)
    assert again.runs == 1
    first = again.complete_run or again.first_hang
    assert first.waves == (fresh.complete_run or fresh.first_hang).waves


def test_the_default_run_may_go_on_to_the_first_deadline(monkeypatch):
    """``first``: ECS's default run is cut short at that deadline, not at the summary's
    own (at 2,800 instances a run takes longer than the first runs' share, and a run cut
    short is made again from the start); the runs after it keep the summary's."""
    from planner.deciding import scheduler

    cut_offs = []
    real = scheduler.scheduler_run

    def spy(problem, rng=None, order=None, deadline=None):
        cut_offs.append(deadline)
        return real(problem, rng, order, deadline=deadline)

    monkeypatch.setattr(scheduler, "scheduler_run", spy)
    share, whole = Deadline(30.0), Deadline(300.0)
    made = summarise(at_risk_example(), most=3, deadline=share, first=whole)
    assert made.runs == 3 and made.default_run is not None
    assert cut_offs[0] is whole
    assert all(c is share for c in cut_offs[1:])
    assert len(cut_offs) == 3


def test_follows_a_wave_of_thousands_of_moves_without_recursion():
    """A fleet-wide wave moves thousands of tasks: the search goes as deep, iteratively
    (it raised RecursionError at 1,000 moves), and the scheduler's own run follows."""
    p = problem([(65536, 262144, 2)], [svc("a", 1500, td(16, 16), td(32, 16), 0, 200)])
    run = scheduler_run(p)
    assert run.complete and sum(n for w in run.waves for *_, n in (*w.stops, *w.starts)) > 2000
    assert follows(p, run.waves, budget=10_000_000) is True


def test_the_scheduler_search_gives_up_on_waves_of_thousands_of_moves():
    """--placement ecs searches the scheduler's states; a wave of thousands of moves is
    beyond it: unknown, not a RecursionError."""
    from planner.deciding.scheduler import search_dead
    from planner.running.clock import Deadline

    p = problem([(65536, 262144, 2)], [svc("a", 1500, td(16, 16), td(32, 16), 0, 200)])
    status, path, _ = search_dead(p, Deadline(30))
    assert (status, path) == ("unknown", None)
