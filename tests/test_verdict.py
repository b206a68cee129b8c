"""Verdicts agree with the oracle on hundreds of tiny scenarios.

The oracle (tests/oracle.py) is an exhaustive search written from ROLLOUT.md alone: it
shares no rule with the package and walks every wave the rules allow, with none of the
solvers' shortcuts (maximal stops, the horizon bound, counting, volumes). The samples are
stratified: 100 safe, 100 at-risk and 100 hangs cases per stream (tests/tiny.py). Every
plan is replayed through the oracle's rules and must complete; every dead path must be a
run by ECS rules ending in a dead state, with the reasons and closest instances of §5.
Tests over a sample count the cases that reached their assertion, per verdict and proof.
"""

import itertools
from collections import Counter
from dataclasses import replace
from functools import cache
from types import SimpleNamespace

import pytest
from builders import at_risk_example, problem, scenario, svc, td
from hypothesis import HealthCheck, given, settings
from tiny import named, sample, scenarios, tiny_cases

from planner.deciding.verdict import analyse, uniform
from planner.model.problem import compile_problem
from planner.model.rollout import Policy, Wave, explain, simulate
from planner.running.clock import Deadline

MIXED = sample("mixed")
BROAD = sample("broad")
ZONED = sample("zoned")
SNAPSHOT = sample("snapshot")
UNIFORM = tiny_cases(seed=7, n=100, uniform=True)
CASES = {c.name: c for c in (*MIXED, *BROAD, *ZONED, *SNAPSHOT, *UNIFORM)}
VERDICTS = ("safe", "at-risk", "hangs")


@cache
def analysed(case_name: str, tries, shortcuts: bool = True, workers: int = 1):
    c = CASES[case_name]
    return analyse(c.problem, tries=tries, shortcuts=shortcuts, time_limit=30, workers=workers)


def _check(case, tries, shortcuts=True, workers=1):
    """The verdict is the oracle's, and its evidence replays under the oracle's rules."""
    o, p = case.oracle, case.problem
    assert o.verdict == case.label, "the stored sample is stale: python tests/tiny.py"
    # the same initial placement (§3, §8: by each service's strategy)
    assert [list(col) for col in o.m.start] == [
        [(p.initial[i][s], p.start_new[i][s]) for i in range(p.n_instances)]
        for s in range(p.n_services)
    ]
    a = analysed(case.name, tries, shortcuts, workers)
    assert a.verdict == case.label, a.proof
    if a.verdict in ("safe", "at-risk"):
        assert o.complete(o.replay(named(p, a.plan), ecs=False))
    else:
        assert a.plan is None
    if a.verdict in ("hangs", "at-risk") and a.dead_path is not None:
        end = o.replay(named(p, a.dead_path), ecs=True)
        assert o.dead(end)
        said = {b.service: (b.reason, b.instance) for b in explain(p, a.dead_end)}
        assert said == o.reasons(end)
    if a.verdict == "at-risk":
        assert a.dead_path is not None  # an at-risk verdict shows its dead run
    if a.verdict == "safe":
        assert a.dead_path is None
    return a


@pytest.mark.parametrize("k", range(len(MIXED)), ids=lambda k: MIXED[k].name)
def test_agrees_with_the_oracle(k):
    _check(MIXED[k], tries=None)


@pytest.mark.parametrize("k", range(0, len(MIXED), 2), ids=lambda k: MIXED[k].name)
def test_agrees_without_random_runs(k):
    """Without randomised ECS runs the verdicts need the proofs and CP-SAT."""
    _check(MIXED[k], tries=0)


@pytest.mark.parametrize("k", range(len(UNIFORM)), ids=lambda k: UNIFORM[k].name)
def test_counting_shortcut_agrees(k):
    assert uniform(UNIFORM[k].problem)
    a = _check(UNIFORM[k], tries=0)
    assert a.proof.startswith("counting")


@pytest.mark.parametrize("k", range(1, len(MIXED), 3), ids=lambda k: MIXED[k].name)
def test_agrees_without_shortcuts(k):
    """Counting and the volume argument off: the verdict rests on runs and CP-SAT alone."""
    _check(MIXED[k], tries=0, shortcuts=False)


#: Every third case of the mixed sample, solved with two CP-SAT workers (``solve``'s
#: default on two cores: CP-SAT's own portfolio, not the one-worker interleaved pair).
TWO_WORKERS = range(2, len(MIXED), 3)


@pytest.mark.parametrize("k", TWO_WORKERS, ids=lambda k: MIXED[k].name)
def test_two_workers_agree_with_the_oracle(k):
    """Counting, volumes and random runs off: the verdict rests on CP-SAT's searches."""
    _check(MIXED[k], tries=0, shortcuts=False, workers=2)


def test_the_two_worker_sample_reaches_cp_sat_proofs_of_every_verdict():
    reached = Counter(
        (a.verdict, a.proof.split(":")[0])
        for a in (analysed(MIXED[k].name, 0, False, 2) for k in TWO_WORKERS)
    )
    assert reached["safe", "CP-SAT"] >= 20, reached
    assert reached["hangs", "CP-SAT"] >= 5, reached
    assert reached["at-risk", "CP-SAT found a completing plan; a run by ECS rules dies"] >= 5


@pytest.mark.parametrize("k", range(len(BROAD)), ids=lambda k: BROAD[k].name)
def test_every_feature_agrees_with_the_oracle(k):
    """ENIs, host and awsvpc modes, static load, DAEMON, blue/green, reserved ports."""
    _check(BROAD[k], tries=None)
    if k % 2:
        _check(BROAD[k], tries=0, shortcuts=False)


@pytest.mark.parametrize("k", range(len(ZONED)), ids=lambda k: ZONED[k].name)
def test_zones_attributes_and_member_of_agree_with_the_oracle(k):
    """ROLLOUT.md §8's instances: zones, types, custom attributes, memberOf (binding)."""
    _check(ZONED[k], tries=None)
    if k % 3 == 0:
        _check(ZONED[k], tries=0, shortcuts=False)


@pytest.mark.parametrize("k", range(len(SNAPSHOT)), ids=lambda k: SNAPSHOT[k].name)
def test_snapshots_agree_with_the_oracle(k):
    """ROLLOUT.md §9, §10: states taken mid-deployment, draining instances, instances
    whose agent is disconnected."""
    _check(SNAPSHOT[k], tries=None)
    if k % 3 == 0:
        _check(SNAPSHOT[k], tries=0, shortcuts=False)


def test_the_snapshot_sample_reaches_what_it_is_about():
    """New tasks running at the start, closed instances, dead at the start ("stuck
    now"), and dead ends where only a closed instance would have room."""
    assert Counter(c.label for c in SNAPSHOT) == dict.fromkeys(VERDICTS, 100)
    running = closed = stuck = finished = 0
    for c in SNAPSHOT:
        running += any(map(any, c.problem.initial_new))
        closed += any(inst.closed for inst in c.problem.instances)
        stuck += c.oracle.dead(c.oracle.m.start)
        finished += c.oracle.complete(c.oracle.m.start)
    assert running >= 100 and closed >= 60 and stuck >= 20, (running, closed, stuck)
    assert finished <= 5, finished  # safe cases are decided, not finished already
    # one service, old and new alike, where a closed or memberOf row admits old tasks but
    # no new ones: counting must not answer (uniform() is False), and the verdicts agree
    alike = [
        c
        for c in SNAPSHOT
        if c.problem.n_services == 1
        and c.problem.services[0].old == c.problem.services[0].new
        and not uniform(c.problem)
    ]
    assert len(alike) >= 10 and any(c.label == "at-risk" for c in alike), len(alike)
    drained = 0
    for c in SNAPSHOT:
        o = c.oracle
        if c.label == "safe" or not any(o.m.closed):
            continue
        for st in o.dead_states:
            opened = [i for i in range(o.m.n) if o.m.closed[i]]
            if any(
                o.fails(st, i, s) == ["placement-constraint"]
                for i in opened
                for s in range(len(o.m.services))
                if o.room(st, s)
            ):
                drained += 1
                break
    assert drained >= 10, drained


def test_the_zoned_sample_reaches_member_of_where_it_matters():
    """memberOf keeps tasks off some instance in many cases, and is the reason of a dead
    end in some: the constraint is exercised, not only parsed."""
    constrained = named_by_it = 0
    for c in ZONED:
        rows = c.problem.rows
        constrained += any(r.what.startswith("memberOf") for rs in rows for r in rs)
        o = c.oracle
        for st in o.dead_states if c.label != "safe" else ():
            if any(reason == "placement-constraint" for reason, _ in o.reasons(st).values()):
                named_by_it += 1
                break
    assert Counter(c.label for c in ZONED) == dict.fromkeys(VERDICTS, 100)
    assert constrained >= 80 and named_by_it >= 20, (constrained, named_by_it)
    # initial placement by strategy: binpack packs old tasks where spread would not
    from planner.model.problem import DoesNotFit, compile_problem

    packed = 0
    for c in ZONED:
        spread = replace(
            c.scenario,
            services=tuple(replace(s, placement_strategy=None) for s in c.scenario.services),
        )
        try:
            packed += compile_problem(spread).initial != c.problem.initial
        except DoesNotFit:  # spread one at a time, they would not even fit
            packed += 1
    assert packed >= 20, packed


def test_at_risk_example():
    from oracle import Oracle

    sc = scenario(
        [(1024, 4000, 3)], [svc("a", 1, td(1024)), svc("b", 2, td(512), td(1024), 0, 100)]
    )
    assert Oracle(sc).verdict == "at-risk"
    a = analyse(compile_problem(sc), tries=0)
    assert a.verdict == "at-risk" and a.plan and a.dead_path


def test_the_samples_reach_every_verdict_and_proof():
    """Every verdict 100 times per stream, and each kind of proof on the sample."""
    for cases in (MIXED, BROAD):
        assert Counter(c.label for c in cases) == dict.fromkeys(VERDICTS, 100)
    assert {c.label for c in UNIFORM} == {"safe", "hangs"}  # one uniform service: no risk
    proofs = Counter()
    for c in MIXED[::2]:
        a = analysed(c.name, 0)
        proofs[a.verdict, a.proof.split(":")[0]] += 1
    for c in MIXED[1::3]:
        a = analysed(c.name, 0, False)
        proofs[a.verdict, a.proof.split(":")[0]] += 1
    assert proofs["safe", "volume"] >= 10, proofs
    assert proofs["safe", "counts"] + proofs["safe", "CP-SAT"] >= 10, proofs
    assert (
        proofs["at-risk", "CP-SAT found a completing plan; a run by ECS rules dies"]
        + proofs["at-risk", "a run completes, and a run by ECS rules dies"]
        >= 60
    ), proofs
    assert proofs["hangs", "CP-SAT"] >= 10, proofs
    assert sum(n for (v, _), n in proofs.items() if v == "hangs") >= 60, proofs


# ------------------------------------------------ proofs of safety: sound on every case


def _no_dead_state(p):
    from planner.solvers import volume

    return volume.no_dead_state(p)


def _never_blocked(p):
    from planner.solvers import volume

    return volume.never_blocked(p)


def _static_none(p):
    from planner.solvers.cpsat import dead_state_exists

    return dead_state_exists(p, 30).status == "none"


@pytest.mark.parametrize(
    ("proof", "every"),
    [
        # the volume argument: no dead state exists at all
        (_no_dead_state, 1),
        # no wave can leave a start unplaced
        (_never_blocked, 1),
        # CP-SAT: no dead state ECS rules could rest in, reachable or not
        (_static_none, 2),
    ],
    ids=["volume", "never-blocked", "static-dead-state"],
)
def test_proofs_of_safety_are_sound(proof, every):
    """Whenever a proof says no run by ECS rules can die, the oracle finds none reachable;
    each proof fires on at least 20 safe cases of the sample (never where one dies)."""
    reached = Counter()
    for c in MIXED[::every] + BROAD[::every]:
        if proof(c.problem):
            assert not c.oracle.ecs_can_die, c.name
            reached[c.label] += 1
    assert reached["safe"] >= 20, reached


@pytest.fixture
def recorded_policies(monkeypatch):
    """The policy of every run the verdict simulates, in order."""
    from planner.deciding import ecs_runs

    policies = []
    real = ecs_runs.simulate

    def recording(problem, *args, policy=None, **kw):
        policies.append(policy)
        return real(problem, *args, policy=policy, **kw)

    monkeypatch.setattr(ecs_runs, "simulate", recording)
    return policies


def test_adversary_runs_are_legal_ecs_runs(recorded_policies):
    """Every run the verdict tries (the adversary's packed, spread, levelled and thin-first
    runs, the random and levelled random-order ones) is a run by ECS rules as the oracle
    reads ROLLOUT.md, and ends complete or dead; each kind of policy reaches both ends."""
    from planner.deciding import ecs_runs

    policies = recorded_policies
    checked = Counter()
    for c in MIXED[::5] + BROAD[::5]:
        p = c.problem
        policies.clear()
        runs = list(ecs_runs.other_runs(p, 0, 6, Deadline(1e9)))
        for policy, run in zip(policies, runs, strict=True):
            end = c.oracle.replay(named(p, run.waves), ecs=True)  # fails if ECS rules forbid
            assert c.oracle.complete(end) or c.oracle.dead(end)
            kind = (
                "random" if policy.rng else "thin-first" if policy.levelled
                else "level" if policy.level else "pack" if policy.pack
                else "spoil" if policy.spoil is not None else "spread"
            )  # fmt: skip
            checked[kind, c.oracle.dead(end)] += 1
    for kind in ("random", "thin-first", "level", "pack", "spread", "spoil"):
        assert checked[kind, True] >= 3 and checked[kind, False] >= 3, checked


def test_on_larger_problems_the_adversary_and_random_runs_take_turns(recorded_policies):
    """Past 40 tasks the hardest services' spoiling runs come first, then the randomised
    runs alternate with the adversary's other runs (only for the target services), then
    go on alone, all of them legal runs by the plain model's ECS rules."""
    from planner.deciding import ecs_runs
    from planner.model.rollout import replay

    p = problem(
        [(4096, 8000, 8)],
        [svc("a", 24, td(512), td(768), 50, 150), svc("b", 20, td(256), td(512), 50, 200),
         svc("c", 6, td(1024), mn=0, mx=100)],
    )  # fmt: skip
    assert p.total_desired > 40
    seen = recorded_policies
    runs = list(itertools.islice(ecs_runs.other_runs(p, 0, None, Deadline(1e9), [2]), 1000))
    # first, before any randomised run, the spoiling runs of the hardest services (c
    # alone here): the others' tasks each where it takes a place of c's, the largest
    # first (a), the most tasks first (a), and as listed (a, b): the same run, made once
    assert (seen[0].spoil, seen[0].order) == (2, (0, 1, 2))
    assert seen[1].pack and seen[1].order == (0, 1, 2) and seen[2].rng is not None
    # then the adversary's other runs for c (packed, spread, levelled, thin-first), each
    # followed by a randomised one (a random draw may repeat one: it is skipped)
    adversary = [
        Policy(order=(0, 1, 2), pack=True), Policy(order=(0, 1, 2)),
        Policy(order=(0, 1, 2), level=True), Policy(order=(2, 0, 1), pack=True, levelled=(2,)),
    ]  # fmt: skip
    at = [seen.index(q) for q in adversary]
    assert at == sorted(at) and at[-1] <= 2 * len(adversary)
    assert seen[at[1] - 1].rng is not None  # taking turns: a randomised run in between
    randomised = [q for q in seen[1:] if q not in adversary]
    assert all(q.rng is not None or q.level or q.spoil == 2 for q in randomised)
    assert any(q.spoil == 2 for q in randomised) and any(q.level for q in randomised)
    # a run with no random choice is made once; on three services the runs end once each
    # of them has been made, none of them cut short
    made = [q for q in seen if q.rng is None]
    assert len(made) == len(set(made)) and len(runs) < 1000
    assert set(made) == ecs_runs._distinct(3, [2], [*adversary, seen[0]])
    for run in runs:
        replay(p, run.waves, ecs_rules=True)  # raises if a wave breaks ECS rules
        assert run.complete or run.dead


@pytest.mark.parametrize("workers", [1, 2])
def test_short_runs_that_die_are_real_and_found_where_the_oracle_has_them(workers):
    """The search over a few waves (CP-SAT, complete then local) finds only runs that the
    oracle replays as runs by ECS rules ending dead, within its wave cap; where the oracle
    says no run dies it finds none; where one dies it finds most. With one worker and
    with two (the searches side by side)."""
    from planner.deciding import short_runs
    from planner.model.horizon import max_waves
    from planner.solvers.counts import count_sets

    reached = Counter()
    for c in MIXED[::3] + BROAD[::3]:
        p = c.problem
        sets = count_sets(p, max_waves(p), 10)
        run, _ = short_runs.short_dead_run(p, sets, simulate(p), Deadline(5), workers, 0)
        dies = c.oracle.ecs_can_die
        if run is not None:
            assert dies, c.name
            assert len(run.waves) <= short_runs.SHORT_RUNS_WAVES
            assert c.oracle.dead(c.oracle.replay(named(p, run.waves), ecs=True)), c.name
        reached[dies, run is not None] += 1
    assert reached[False, False] >= 40 and reached[False, True] == 0, reached
    assert reached[True, True] >= 0.9 * (reached[True, True] + reached[True, False]), reached


def test_short_runs_side_by_side_find_real_runs_where_the_oracle_has_them(monkeypatch):
    """The turns side by side with real CP-SAT: the complete search is made to settle
    nothing, so every case reaches local search at its first horizons (up to three) at
    once (a thread each); every run found replays dead under the oracle's rules, none is found where
    no run dies, and most dying cases are found."""
    from planner.deciding import short_runs
    from planner.model.horizon import max_waves
    from planner.solvers import cpsat
    from planner.solvers.counts import count_sets

    real_solve, real_turns = cpsat.RolloutModel.solve, short_runs.side_by_side
    together = Counter()

    def solve(self, limit, workers=1, seed=0, local_search=False, portfolio=False):
        if not local_search:
            return cpsat.Answer("unknown")
        return real_solve(self, limit, workers, seed, local_search, portfolio)

    def turns(models, seconds, seed):
        together[len(models)] += 1
        return real_turns(models, seconds, seed)

    monkeypatch.setattr(cpsat.RolloutModel, "solve", solve)
    monkeypatch.setattr(short_runs, "side_by_side", turns)
    reached = Counter()
    for c in MIXED[::6] + BROAD[::6]:
        p = c.problem
        sets = count_sets(p, max_waves(p), 10)
        run, _ = short_runs.short_dead_run(p, sets, simulate(p), Deadline(0.4), 2, 0)
        if run is not None:
            assert c.oracle.ecs_can_die, c.name
            assert c.oracle.dead(c.oracle.replay(named(p, run.waves), ecs=True)), c.name
        reached[c.oracle.ecs_can_die, run is not None] += 1
    # (one model alone: a problem of one wave, or the other horizons dropped)
    assert sum(n for k, n in together.items() if k >= 2) >= 80, together
    assert reached[False, False] >= 25 and reached[False, True] == 0, reached
    assert reached[True, True] >= 50, reached


def test_short_runs_search_keeps_to_its_budget(monkeypatch):
    """No budget, no model built; a deadline already passed, nothing either."""

    from planner.deciding import short_runs
    from planner.model.horizon import max_waves
    from planner.solvers.counts import count_sets

    built = []
    monkeypatch.setattr(short_runs, "rollout_model", lambda *a: built.append(a) or 1 / 0)
    p = at_risk_example()
    sets = count_sets(p, max_waves(p), 10)
    default = simulate(p)
    assert short_runs.short_dead_run(p, sets, default, Deadline(0), 1, 0) == (None, 0.0)
    now = [0.0]
    past = Deadline(60, clock=lambda: now[0])
    now[0] = 61.0
    assert short_runs.short_dead_run(p, sets, default, past, 1, 0) == (None, 0.0)
    assert built == []


def test_a_local_search_turn_is_at_least_three_builds_long(monkeypatch):
    """CP-SAT is handed a model within its limit, which takes about as long as building
    it: a turn of local search shorter than three builds would search nothing. With
    models that took 2 s to build (as at 350 instances), on a budget of 20 s, every turn
    is at least 6 s, or all that is left."""
    from planner.deciding import short_runs
    from planner.model.horizon import max_waves
    from planner.solvers import cpsat
    from planner.solvers.counts import count_sets

    now = [0.0]
    real_model = short_runs.rollout_model

    def slow_model(problem, horizon, ecs_rules, deadline, beside=None):
        model = real_model(problem, horizon, ecs_rules, deadline, beside)
        model.build_seconds = 2.0
        return model

    def nothing_settled(self, limit, workers=1, seed=0, local_search=False, portfolio=False):
        now[0] += limit
        return cpsat.Answer("unknown", seconds=limit)

    turns = []

    def turn(models, seconds, seed):
        turns.append((seconds, until.left()))
        now[0] += seconds
        return [cpsat.Answer("unknown", seconds=seconds) for _ in models]

    monkeypatch.setattr(short_runs, "rollout_model", slow_model)
    monkeypatch.setattr(cpsat.RolloutModel, "solve", nothing_settled)
    monkeypatch.setattr(short_runs, "side_by_side", turn)
    p = at_risk_example()
    sets = count_sets(p, max_waves(p), 10)
    until = Deadline(20, clock=lambda: now[0])
    assert short_runs.short_dead_run(p, sets, simulate(p), until, 1, 0)[0] is None
    assert turns, "local search never had a turn"
    assert all(asked >= 6.0 or asked == left for asked, left in turns), turns


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_local_search_runs_at_most_as_many_horizons_side_by_side_as_workers(monkeypatch, workers):
    """Three threads of local search on two cores missed a run that one worker found
    (benchmarks/README.md, issue 24's tenth session): the unsettled horizons' turns run
    side by side in batches of at most ``workers``, every horizon in each round."""
    from planner.deciding import short_runs
    from planner.model.horizon import max_waves
    from planner.solvers import cpsat
    from planner.solvers.counts import count_sets

    now = [0.0]

    def nothing_settled(self, limit, workers=1, seed=0, local_search=False, portfolio=False):
        now[0] += limit
        return cpsat.Answer("unknown", seconds=limit)

    batches = []

    def turn(models, seconds, seed):
        batches.append(tuple(m.H for m in models))
        now[0] += seconds
        return [cpsat.Answer("unknown", seconds=seconds) for _ in models]

    monkeypatch.setattr(cpsat.RolloutModel, "solve", nothing_settled)
    monkeypatch.setattr(short_runs, "side_by_side", turn)
    p = at_risk_example()
    sets = count_sets(p, max_waves(p), 10)
    until = Deadline(20, clock=lambda: now[0])
    assert short_runs.short_dead_run(p, sets, simulate(p), until, workers, 0)[0] is None
    horizons = sorted({h for b in batches for h in b})
    assert len(horizons) == short_runs.SHORT_RUNS_TURNS, batches
    assert all(len(b) <= workers for b in batches), batches
    assert max(len(b) for b in batches) == min(workers, len(horizons)), batches


def test_unknown_names_the_only_services_at_stake():
    from planner.deciding.phases import at_stake
    from planner.model.horizon import max_waves
    from planner.solvers.counts import CountSets, count_sets

    p = at_risk_example()  # a: 1 task; b: 2 tasks
    start = [frozenset({(1, 0)}), frozenset({(2, 0)})]

    def sets(last, settled=1):
        return CountSets(pairs=[start, last], services=p.services, settled=settled)

    only_a = sets([frozenset({(1, 0), (0, 1)}), frozenset({(0, 2)})])
    assert at_stake(p, only_a).startswith(". Only a can be left unfinished")
    assert at_stake(p, sets(only_a.pairs[-1], settled=None)) == ""  # did not settle
    both = sets([frozenset({(1, 0), (0, 1)}), frozenset({(0, 1), (0, 2)})])
    assert at_stake(p, both) == ""  # says nothing
    # ROLLOUT.md §4's example: the real sets leave both services open, so nothing is said.
    real = count_sets(p, max_waves(p))
    assert real.at_stake() == [0, 1]
    assert at_stake(p, real) == ""


# ------------------------------------------------ evidence that does not replay is a bug

BAD_EVIDENCE = {
    # a start on an instance where it does not fit (a's new task needs a whole instance)
    "plan-does-not-replay": lambda a: replace(a, plan=[Wave(starts=((0, 0, 1),))] + list(a.plan)),
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
    from planner.model.rollout import initial_state

    return initial_state(at_risk_example())


@pytest.mark.parametrize("kind", sorted(BAD_EVIDENCE))
def test_evidence_that_does_not_replay_is_an_internal_error(kind, monkeypatch):
    import planner.deciding.verdict as verdict
    from planner.errors import InternalError

    p = at_risk_example()
    good = analyse(p, tries=0)
    assert good.verdict == "at-risk" and good.plan and good.dead_path
    verdict.check_evidence(p, good)  # the real evidence passes
    bad = BAD_EVIDENCE[kind](good)
    with pytest.raises(InternalError, match="internal error"):
        verdict.check_evidence(p, bad)
    # and analyse itself never hands it out
    monkeypatch.setattr(verdict, "decide", lambda *args: BAD_EVIDENCE[kind](good))
    with pytest.raises(InternalError):
        analyse(p)


@pytest.mark.parametrize("command", ["solve", "percents", "minimum"])
def test_a_bad_plan_exits_4_on_every_path(command, monkeypatch, tmp_path):
    """solve, percents and the minimum scan all report the internal error, never a verdict."""
    from pathlib import Path

    from typer.testing import CliRunner

    import planner.deciding.verdict as verdict
    from planner.cli import app

    root = Path(__file__).resolve().parent.parent
    honest = verdict.decide

    def lying(problem, *args):
        a = honest(problem, *args)
        if a.plan:  # a plan that starts a task twice over its upper bound
            s = 0
            a.plan = [Wave(starts=((s, 0, problem.services[s].upper + 1),)), *a.plan]
        return a

    monkeypatch.setattr(verdict, "decide", lying)
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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_verdicts_agree_with_the_oracle_on_generated_scenarios(sc):
    """hypothesis draws the scenarios (and shrinks a disagreement to its smallest)."""
    from oracle import Oracle

    a = analyse(compile_problem(sc), tries=0, time_limit=30)
    assert a.verdict == Oracle(sc).verdict, a.proof


def test_scheduler_runs_settle_an_unknown():
    """A completing plan found before the time limit, and a hanging scheduler run found
    after it: at-risk, with the evidence replayed (and the other way round)."""
    from planner.deciding import scheduler
    from planner.deciding.verdict import Analysis, _with_scheduler_evidence, check_evidence

    p = at_risk_example()
    known = analyse(p, tries=0)
    summary = scheduler.summarise(p)
    assert summary.first_hang is not None and summary.complete_run is not None
    open_plan = Analysis("unknown", "time limit", plan=known.plan)
    settled = _with_scheduler_evidence(open_plan, summary)
    assert settled.verdict == "at-risk" and settled.dead_path == summary.first_hang.waves
    check_evidence(p, settled)
    open_dead = Analysis(
        "unknown", "time limit", dead_path=known.dead_path, dead_end=known.dead_end
    )
    settled = _with_scheduler_evidence(open_dead, summary)
    assert settled.verdict == "at-risk" and settled.plan == summary.complete_run.waves
    check_evidence(p, settled)
    nothing = Analysis("unknown", "time limit")
    assert _with_scheduler_evidence(nothing, summary) is nothing


def test_a_model_past_its_deadline_is_not_built():
    """Building a CP-SAT model of hundreds of instances takes seconds: past the deadline
    it stops (OutOfTime) instead of finishing the build."""

    from planner.errors import OutOfTime
    from planner.solvers.cpsat import RolloutModel

    p = MIXED[0].problem
    now = [0.0]
    deadline = Deadline(60, clock=lambda: now[0])
    RolloutModel(p, 3, ecs_rules=True, deadline=deadline)
    now[0] = 60.0
    with pytest.raises(OutOfTime):
        RolloutModel(p, 3, ecs_rules=True, deadline=deadline)


def test_a_phase_out_of_time_answers_unknown_with_what_the_runs_found(monkeypatch):
    """When the CP-SAT phase runs out of time, the verdict is unknown and carries the
    completing run found before (replayed like any plan)."""
    from planner.errors import OutOfTime
    from planner.solvers import cpsat

    def late(*args, **kwargs):
        raise OutOfTime("test")

    monkeypatch.setattr(cpsat, "RolloutModel", late)
    monkeypatch.setattr(cpsat, "dead_state_exists", late)
    reached = 0
    for case in [c for c in MIXED if c.label == "safe"][:10]:
        a = analyse(case.problem, tries=0, shortcuts=False, time_limit=30)
        if a.proof.startswith("counting"):
            continue  # one uniform service: no solver needed
        assert a.verdict == "unknown", a.proof
        assert a.proof.startswith("time limit") and a.plan is not None, a.proof
        reached += 1
    assert reached >= 5


def test_solve_keeps_a_reserve_of_its_limit_for_what_follows_the_analysis(monkeypatch):
    """The analysis is due the reserve (planner.running.clock.RESERVE: 5 %, at most 1 s)
    before the solve's deadline, on the command's clock (a scripted one here, that
    stands still: the reserve is all that comes off)."""
    import importlib

    import planner
    from planner.running import clock

    solve_module = importlib.import_module("planner.deciding.solve")

    seen = []
    real = solve_module.analyse

    def spy(problem, **kwargs):
        seen.append(kwargs["deadline"].left())
        return real(problem, **kwargs)

    monkeypatch.setattr(solve_module, "analyse", spy)
    for limit, reserve in ((10, 0.5), (60, 1.0)):
        seen.clear()
        deadline = Deadline(limit, clock=lambda: 0.0)
        planner.solve(MIXED[0].scenario, deadline=deadline, repeatable=False)
        assert seen == [limit - reserve] and clock.RESERVE.seconds(Deadline(limit)) == reserve


@pytest.fixture
def scripted(monkeypatch):
    """The short models' search with models that answer as told and a clock that only
    CP-SAT moves (the deadline's own clock, read by every budget). The complete
    search settles horizon 1 only; local search finds a run at the (horizon, seed) pairs
    in ``find_at``, and stops at once at the horizons in ``early``. Turns run off the main
    thread only side by side, and then wait for each other (a barrier of two), and the
    clock moves with the first unsettled horizon's turn only: a round takes the wall of
    one turn. ``run(budget, workers)`` searches with seed 5 from ECS's default run."""
    import threading

    from planner.deciding import short_runs
    from planner.solvers.cpsat import Answer

    s = SimpleNamespace(clock=[0.0], calls=[], stopped=[], find_at={}, early=set())
    both = threading.Barrier(2, timeout=10)

    class Fake:
        build_seconds = 0.0

        def __init__(self, h):
            self.h, self.H, self.hints = h, h, []

        def restrict_counts(self, sets):
            pass

        def target_dead(self):
            pass

        def aim(self, s):
            pass

        def hint(self, states):
            self.hints.append(states)

        def stop(self):
            s.stopped.append(self.h)

        def solve(self, limit, workers, seed, local_search=False, portfolio=False):
            side = threading.current_thread() is not threading.main_thread()
            s.calls.append((self.h, "local" if local_search else "complete", limit, seed, side))
            if not local_search:
                assert portfolio and not self.hints  # the complete search runs unhinted
                return Answer("none" if self.h == 1 else "unknown", seconds=0.0)
            assert self.hints  # local search starts from ECS's default run
            if side:
                both.wait()  # passes only with both turns running at once
            took = 0.0 if self.h in s.early else limit
            if not side or self.h == 2:
                s.clock[0] += took
            if (self.h, seed) in s.find_at:
                return Answer("found", states=[], dead=True, seconds=took)
            return Answer("unknown", seconds=took)

    monkeypatch.setattr(short_runs, "rollout_model", lambda p, h, ecs, until, beside=None: Fake(h))
    monkeypatch.setattr(short_runs, "SHORT_RUNS_TURNS", 2)  # the bookkeeping at two
    p = at_risk_example()
    default = simulate(p)

    def run(budget, workers):
        s.clock[0] = 0.0
        s.calls.clear()
        s.stopped.clear()
        until = Deadline(100.0, clock=lambda: s.clock[0]).within(budget)
        return short_runs.short_dead_run(p, None, default, until, workers, 5)

    def local():
        return [(h, limit, seed) for h, kind, limit, seed, _ in s.calls if kind == "local"]

    s.run, s.local = run, local
    return s


def test_short_runs_search_takes_turns_at_the_first_two_unsettled_horizons(scripted):
    """The bookkeeping: the complete search horizon by horizon until two it cannot
    settle; then local search at those two in turns, the first a quarter of the budget,
    each next turn twice as long with the next seed, from ECS's default run; a run found
    is the answer; a turn that stops early drops its horizon; the budget ends it."""
    s = scripted
    s.find_at[2, 6] = True
    found, spent = s.run(12.0, 1)
    assert found is not None and found.waves == []
    assert [c[0] for c in s.calls if c[1] == "complete"] == [1, 2, 3]  # 1 settled; 2, 3 not
    assert s.local() == [(2, 3.0, 5), (3, 3.0, 5), (2, 6.0, 6)]
    assert not any(side for *_, side in s.calls)  # one worker: one turn at a time
    assert spent == s.clock[0] == 12.0

    s.find_at.clear()
    s.early.add(3)  # h=3 stops at once: dropped after its first turn
    found, spent = s.run(12.0, 1)
    assert found is None
    assert s.local() == [(2, 3.0, 5), (3, 3.0, 5), (2, 6.0, 6), (2, 3.0, 7)]
    assert spent == s.clock[0] == 12.0


def test_with_two_workers_the_short_models_take_their_turns_side_by_side(scripted):
    """As above, with two workers: the unsettled horizons' local search runs at the same
    time, a thread each (the fixture's barrier), with the same seed per round; a round
    takes the wall of one turn; a run found stops the others and is the answer; a
    horizon whose turn stops early is dropped, and the other goes on alone."""
    s = scripted
    s.find_at[3, 6] = True
    found, spent = s.run(12.0, 2)
    assert found is not None and found.waves == []
    assert sorted(s.local()) == [(2, 3.0, 5), (2, 6.0, 6), (3, 3.0, 5), (3, 6.0, 6)]
    assert all(side for _, kind, *_, side in s.calls if kind == "local")  # a thread each
    assert sorted(s.stopped) == [2, 3]  # the run found stops them all
    assert spent == 3.0 + 6.0 and s.clock[0] == 9.0

    s.find_at.clear()
    s.early.add(3)  # h=3 stops at once: dropped after its first turn, h=2 goes on alone
    found, spent = s.run(12.0, 2)
    turns = s.local()
    assert found is None and sorted(turns[:2]) == [(2, 3.0, 5), (3, 3.0, 5)]
    assert turns[2:] == [(2, 6.0, 6), (2, 3.0, 7)] and s.stopped == []
    assert s.clock[0] == 12.0


@pytest.mark.parametrize("workers", [1, 2])
def test_local_search_at_the_full_horizon_runs_alone_only_with_one_worker(monkeypatch, workers):
    """With one worker, local search gets a share of the time before the complete search
    at the full horizon; with two, feasibility jump runs beside the complete searches
    from the start, so that share goes to them. Models that answer as told: nothing in
    the short models, and at the full horizon no unfinished run (so: safe)."""
    from planner.deciding import short_runs
    from planner.solvers.cpsat import Answer

    calls = []

    class Fake:
        build_seconds = 0.0

        def __init__(self, h):
            self.h, self.H, self.full = h, h, False

        def restrict_counts(self, sets):
            pass

        def target_dead(self):
            pass

        def target_unfinished(self):
            self.full = True

        def aim(self, s):
            pass

        def hint(self, states):
            pass

        def solve(self, limit, workers, seed, local_search=False, portfolio=False):
            if not self.full:
                return Answer("unknown", seconds=0.0)
            calls.append((local_search, portfolio, workers))
            return Answer("unknown" if local_search else "none", seconds=0.0)

    monkeypatch.setattr(short_runs, "rollout_model", lambda p, h, ecs, until, beside=None: Fake(h))
    a = analyse(at_risk_example(), tries=0, shortcuts=False, time_limit=5, workers=workers)
    assert a.verdict == "safe" and "no run by ECS rules is unfinished" in a.proof
    if workers == 1:
        assert calls == [(True, False, 1), (False, True, 1)]
    else:
        assert calls == [(False, True, workers)]


def test_the_scheduler_summary_s_first_run_is_ecs_default_run():
    """The scheduler's first run (ties first, turns in file order) is the run ``simulate``
    makes by default, wave for wave and state for state, and stays the summary's
    default run as more runs follow: so the verdict takes it from the summary."""
    from planner.deciding import scheduler

    reached = Counter()
    for c in MIXED[::3] + BROAD[::3] + ZONED[::3] + SNAPSHOT[::3]:
        p = c.problem
        default = simulate(p)
        for most in (1, 1 + 2 * p.n_services):
            summary = scheduler.summarise(p, most=most, deadline=Deadline(1e9))
            assert summary.default_run == default, c.name
        # runs that end otherwise than the default one (a completing and a hanging run)
        both = summary.complete_run is not None and summary.first_hang is not None
        reached[default.complete, both] += 1
    assert all(reached[end, both] >= 5 for end in (True, False) for both in (True, False))


def test_the_verdict_makes_ecs_default_run_only_when_the_summary_lacks_it(monkeypatch):
    """decide takes ECS's default run from the scheduler's summary and simulates it
    only when the first runs' share ran out before the summary made it."""
    from planner.deciding import phases, scheduler

    made = []

    def simulate_once(problem, *args, **kw):
        made.append(kw)
        return simulate(problem, *args, **kw)

    monkeypatch.setattr(phases, "simulate", simulate_once)
    p = at_risk_example()
    a = analyse(p, tries=0)
    assert a.verdict == "at-risk" and made == []
    empty = scheduler.Summary(scheduler.strategies_of(p))  # no run made yet
    again = phases.decide(p, Deadline(30), 1, 0, 0, True, empty)
    assert again.verdict == "at-risk" and len(made) == 1
