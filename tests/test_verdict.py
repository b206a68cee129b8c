"""Verdicts agree with the exhaustive search on hundreds of tiny scenarios.

The exhaustive search (planner.exhaustive) walks every wave the rules allow, with none of
the solvers' shortcuts (maximal stops, the horizon bound, counting for one uniform
service), so agreement here checks those shortcuts too. Every plan is replayed through the
plain-Python model and every dead path is replayed under ECS rules.
"""

from dataclasses import replace

import pytest
from builders import at_risk_example
from tiny import broad_problems, tiny_problems

from planner.exhaustive import exhaustive
from planner.rollout import Wave, is_complete, is_dead, replay
from planner.verdict import analyse, uniform

MIXED = tiny_problems(seed=20261127, n=300)
UNIFORM = tiny_problems(seed=7, n=100, uniform=True)
BROAD = broad_problems(seed=31, n=300)


def _check(problem, tries):
    expected = exhaustive(problem).verdict
    a = analyse(problem, tries=tries, time_limit=30)
    assert a.verdict == expected, a.proof
    if a.plan is not None:
        assert is_complete(problem, replay(problem, a.plan)[-1])
    if a.verdict in ("hangs", "at-risk"):
        end = replay(problem, a.dead_path, ecs_rules=True)[-1]
        assert is_dead(problem, end)
    else:
        assert a.dead_path is None
    return a


@pytest.mark.parametrize("k", range(len(MIXED)))
def test_agrees_with_exhaustive_search(k):
    _check(MIXED[k], tries=None)


@pytest.mark.parametrize("k", range(0, len(MIXED), 2))
def test_agrees_without_random_runs(k):
    """Without randomised ECS runs every non-trivial verdict comes from CP-SAT."""
    _check(MIXED[k], tries=0)


@pytest.mark.parametrize("k", range(len(UNIFORM)))
def test_counting_shortcut_agrees(k):
    assert uniform(UNIFORM[k])
    _check(UNIFORM[k], tries=0)


def test_the_sample_covers_every_verdict_and_proof():
    verdicts = {exhaustive(p).verdict for p in MIXED}
    assert verdicts == {"safe", "at-risk", "hangs"}
    proofs = {analyse(p, tries=0).proof.split(":")[0] for p in MIXED}
    assert {"CP-SAT", "counting"} <= proofs


def test_at_risk_example():
    a = _check(at_risk_example(), tries=0)
    assert a.verdict == "at-risk"


@pytest.mark.parametrize("k", range(1, len(MIXED), 3))
def test_agrees_without_shortcuts(k):
    """Counting and the volume argument off: the verdict rests on runs and CP-SAT alone."""
    p = MIXED[k]
    a = analyse(p, tries=0, shortcuts=False, time_limit=30)
    assert a.verdict == exhaustive(p).verdict


@pytest.mark.parametrize("k", range(len(MIXED)))
def test_volume_proof_is_sound(k):
    """Whenever the volume argument says no dead state exists, none is reachable."""
    from planner.solvers import volume

    p = MIXED[k]
    if volume.no_dead_state(p):
        assert not exhaustive(p).ecs_dead_reachable


@pytest.mark.parametrize("k", range(0, len(MIXED), 2))
def test_static_dead_state_model_is_sound(k):
    """When no dead state exists at all, none is reachable either."""
    from planner.solvers.cpsat import dead_state_exists

    p = MIXED[k]
    if dead_state_exists(p, 30).status == "none":
        assert not exhaustive(p).ecs_dead_reachable


def test_adversary_runs_are_legal_ecs_runs():
    from planner.rollout import Policy, simulate

    for p in MIXED[:60]:
        for s in range(p.n_services):
            order = tuple(x for x in range(p.n_services) if x != s) + (s,)
            run = simulate(p, policy=Policy(order=order, pack=True))
            replay(p, run.waves, ecs_rules=True)  # raises if ECS rules forbid a wave


@pytest.mark.parametrize("k", range(len(MIXED)))
def test_never_blocked_proof_is_sound(k):
    """Whenever no wave can leave a start unplaced, no dead state is reachable."""
    from planner.solvers import volume

    p = MIXED[k]
    if volume.never_blocked(p):
        assert not exhaustive(p).ecs_dead_reachable


@pytest.mark.parametrize("k", range(len(BROAD)))
def test_every_feature_agrees_with_exhaustive_search(k):
    """ENIs, host and awsvpc modes, static load, DAEMON, blue/green, reserved ports."""
    p = BROAD[k]
    _check(p, tries=None)
    if k % 2:
        assert analyse(p, tries=0, shortcuts=False).verdict == exhaustive(p).verdict


def test_unknown_names_the_only_services_at_stake():
    from planner.solvers.counts import CountSets, count_sets
    from planner.solvers.horizon import max_waves
    from planner.verdict import _at_stake

    p = at_risk_example()  # a: 1 task; b: 2 tasks
    start = [frozenset({(1, 0)}), frozenset({(2, 0)})]

    def sets(last, settled=1):
        return CountSets(pairs=[start, last], services=p.services, settled=settled)

    only_a = sets([frozenset({(1, 0), (0, 1)}), frozenset({(0, 2)})])
    assert _at_stake(p, only_a).startswith(". Only a can be left unfinished")
    assert _at_stake(p, sets(only_a.pairs[-1], settled=None)) == ""  # did not settle
    both = sets([frozenset({(1, 0), (0, 1)}), frozenset({(0, 1), (0, 2)})])
    assert _at_stake(p, both) == ""  # says nothing
    # ROLLOUT.md §4's example: the real sets leave both services open, so nothing is said.
    real = count_sets(p, max_waves(p))
    assert real.at_stake() == [0, 1]
    assert _at_stake(p, real) == ""


# ------------------------------------------------ evidence that does not replay is a bug

BAD_EVIDENCE = {
    # a start on an instance where it does not fit (a's new task needs a whole instance)
    "plan-does-not-replay": lambda a: replace(
        a, plan=[Wave(starts=((0, 0, 1),))] + list(a.plan)
    ),
    # a plan that stops short of completing
    "plan-incomplete": lambda a: replace(a, plan=list(a.plan)[:-1]),
    # a dead path that ECS rules would not take (it starts nothing while room is left)
    "dead-path-not-ecs": lambda a: replace(a, dead_path=[Wave()] + list(a.dead_path)),
    # a dead end other than where the dead path leads
    "dead-end-elsewhere": lambda a: replace(a, dead_end=initial_state_of(a)),
    # a verdict that lacks its evidence
    "at-risk-without-plan": lambda a: replace(a, plan=None),
}


def initial_state_of(_a):
    from planner.rollout import initial_state

    return initial_state(at_risk_example())


@pytest.mark.parametrize("kind", sorted(BAD_EVIDENCE))
def test_evidence_that_does_not_replay_is_an_internal_error(kind, monkeypatch):
    import planner.verdict as verdict
    from planner.errors import InternalError

    p = at_risk_example()
    good = analyse(p, tries=0)
    assert good.verdict == "at-risk" and good.plan and good.dead_path
    verdict.check_evidence(p, good)  # the real evidence passes
    bad = BAD_EVIDENCE[kind](good)
    with pytest.raises(InternalError, match="internal error"):
        verdict.check_evidence(p, bad)
    # and analyse itself never hands it out
    monkeypatch.setattr(verdict, "_decide", lambda *args: BAD_EVIDENCE[kind](good))
    with pytest.raises(InternalError):
        analyse(p)


@pytest.mark.parametrize("command", ["solve", "percents", "minimum"])
def test_a_bad_plan_exits_4_on_every_path(command, monkeypatch, tmp_path):
    """solve, percents and the minimum scan all report the internal error, never a verdict."""
    from pathlib import Path

    from typer.testing import CliRunner

    import planner.verdict as verdict
    from planner.cli import app

    root = Path(__file__).resolve().parent.parent
    honest = verdict._decide

    def lying(problem, *args):
        a = honest(problem, *args)
        if a.plan:  # a plan that starts a task twice over its upper bound
            s = 0
            a.plan = [Wave(starts=((s, 0, problem.services[s].upper + 1),)), *a.plan]
        return a

    monkeypatch.setattr(verdict, "_decide", lying)
    files = {
        "solve": root / "scenarios/seed/port-conflict-two-instances.yaml",
        "percents": root / "scenarios/seed/deployment-configuration.yaml",
        "minimum": root / "scenarios/seed/cpu-units-minimum.yaml",
    }
    args = ["solve" if command == "minimum" else command, str(files[command])]
    if command == "percents":
        args += ["--jobs", "1"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 4, res.output
    assert "internal error" in res.output and "does not replay" in res.output
    assert "Traceback" not in res.output
