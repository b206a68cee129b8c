"""CP-SAT's model with the groups' growth (planner.solvers.cpsat_reacting), asked its two
questions horizon by horizon (planner.solvers.reacting_search): can a run by ECS rules
die, does any plan complete.

Against cases worked by hand from ROLLOUT.md §10 (self-written: no public input
describes a capacity provider's scale-out wave by wave); against the exhaustive search
of runs (planner.solvers.exhaustive) and the reacting oracle (tests/oracle_reacting.py,
written from ROLLOUT.md alone) on generated tiny cases; and on mid-size rollouts that the
exhaustive search cannot finish. Every run and plan CP-SAT returns has been replayed
through the plain model (run_of); the tests replay them again where they say so.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import replace

import pytest
from oracle_reacting import Case, Provider, Row, Svc, Type
from tiny_reacting import stream, tiny_reacting_cases, to_scenario

from planner import InstanceGroup, Scenario, Service, TaskDefinition
from planner.deciding.verdict import analyse
from planner.deciding.verdicts import Verdict
from planner.errors import PlannerError
from planner.model.problem import DoesNotFit, Problem, compile_problem
from planner.model.providers import CapacityProvider, StrategyItem
from planner.model.rollout import is_complete, is_dead, replay, simulate
from planner.running.clock import Deadline
from planner.solvers import exhaustive
from planner.solvers.counts import count_sets
from planner.solvers.cpsat_reacting import ScaleOutModel
from planner.solvers.reacting_search import completing_plan, dead_run, plan_bound
from planner.solvers.volume import never_blocked, no_dead_state

SMALL = Type("t.small", 1024, 2048)
LARGE = Type("t.large", 2048, 4096)
#: Generous: the answers are CP-SAT's, deterministic on one worker; no test is timed.
LIMIT = 120.0


def _problem(case: Case) -> Problem:
    return compile_problem(to_scenario(case))


def _one(rows, provider, svc) -> Problem:
    return _problem(Case("hand", tuple(rows), (provider,), (svc,)))


def _verdict(problem: Problem) -> tuple[str, object, object]:
    """CP-SAT's verdict alone: (verdict, the dead run's answer, the plan's answer)."""
    dead = dead_run(problem, Deadline(LIMIT), start=simulate(problem))
    plan = completing_plan(problem, Deadline(LIMIT))
    verdict = {
        ("none", "found"): "safe",
        ("found", "found"): "at-risk",
        ("found", "none"): "hangs",
    }.get((dead.status, plan.status), "unknown")
    return verdict, dead, plan


def _checked(problem: Problem, dead, plan) -> None:
    """The runs replay: the dead one by ECS rules into a dead state, the plan complete."""
    if dead.run is not None:
        end = replay(problem, dead.run.waves, ecs_rules=True)[-1]
        assert end == dead.run.states[-1] and is_dead(problem, end)
    if plan.run is not None:
        assert is_complete(problem, replay(problem, plan.run.waves)[-1])


# ---------------------------------------------------------------- worked by hand


def test_a_full_group_grows_by_two():
    """Two small instances (1,024 units), each full with one old task of 1,024 units; the
    group may grow to 5. min 100 / max 200: lower 2, upper 4.
    Wave 1: nothing may stop (2 + 0 − 2 = 0), nothing fits. PROVISIONING: min(4 − 2,
    2 − 0) = 2 tasks, one per empty small instance: E = 2; M = 2 busy + 2 = 4; the group
    grows to ceil(4 × 100 / 100) = 4, by 2. Wave 2: both new tasks start on the new
    instances; wave 3: both old ones stop. Every run goes so: safe, completes after
    scale-out +2."""
    p = _one(
        [Row(SMALL, 2, "cp")],
        Provider("cp", (SMALL,), 5),
        Svc("api", 2, (1024, 512), (1024, 512), (1, 1), provider="cp"),
    )
    verdict, dead, plan = _verdict(p)
    assert verdict == "safe"
    assert plan.run.states[-1].added == (2,)
    assert plan.run.waves[0].launch == (2,)  # the plan's other waves launch nothing
    assert not any(w.launch for w in plan.run.waves[1:])
    _checked(p, dead, plan)


def test_a_state_a_group_grows_from_is_not_dead():
    """The case above after one wave: nothing stopped, nothing started, but the group
    grew by two, so the state is not dead (the next wave starts on the new instances).
    The model at one wave: no run dead by then; the one run launches two instances."""
    p = _one(
        [Row(SMALL, 2, "cp")],
        Provider("cp", (SMALL,), 5),
        Svc("api", 2, (1024, 512), (1024, 512), (1, 1), provider="cp"),
    )
    model = ScaleOutModel(p, 1, ecs_rules=True)
    model.target_dead()
    assert model.solve(LIMIT).status == "none"
    model = ScaleOutModel(p, 1, ecs_rules=True)
    model.target_unfinished()
    ans = model.solve(LIMIT)
    assert ans.status == "found" and not ans.dead
    assert [st.added for st in ans.states] == [(0,), (2,)]


def test_the_same_at_max_size_hangs():
    """The same group at its maxSize (2): the two PROVISIONING tasks need two instances,
    the group cannot grow. The start is dead (no stop, no start, no scale-out) and no plan
    completes (every instance holds an old task that may stop only once a new one runs):
    hangs, the dead run of no wave."""
    p = _one(
        [Row(SMALL, 2, "cp")],
        Provider("cp", (SMALL,), 2),
        Svc("api", 2, (1024, 512), (1024, 512), (1, 1), provider="cp"),
    )
    verdict, dead, plan = _verdict(p)
    assert verdict == "hangs"
    assert dead.run.waves == []
    assert plan.horizon == plan_bound(p) == 4  # 2 old + 2 new + 0 launchable
    _checked(p, dead, plan)


def test_a_fixed_host_port_with_room_for_one_more_instance():
    """Two large instances, each with one old task on fixed host port 8080 (512 units,
    lots of room left); the group may grow to 3. lower 2, upper 4.
    Wave 1: no stop, no start (both instances hold 8080). PROVISIONING 2 tasks that
    cannot share an instance (the port): E = 2, want 4, +2 clamped to maxSize: +1.
    Wave 2: one new task on the new instance; PROVISIONING 1, but the group is at
    maxSize. Wave 3: one old task stops (2 + 1 − 2 = 1), the new one takes its port.
    Wave 4: the last old one stops. Safe, +1."""
    p = _one(
        [Row(LARGE, 2, "cp")],
        Provider("cp", (LARGE,), 3),
        Svc("api", 2, (512, 512), (512, 512), (1, 1), port=8080, provider="cp"),
    )
    verdict, dead, plan = _verdict(p)
    assert verdict == "safe"
    assert plan.run.states[-1].added == (1,)
    _checked(p, dead, plan)


def test_a_task_only_the_larger_type_of_a_mixed_group_runs():
    """A group of types small (1,024 units) and large (2,048), running one large instance
    with the old task (1,024 units); maxSize 3, so two small instances may be launched.
    The new task takes 1,536 units: 1,024 are left on the large one, and lower 1 keeps the
    old task. ECS's estimate leaves out a task the smallest type cannot run: E = 0, the
    group never grows although it may (the model knows: no growth variable at all). The
    start is dead, and no plan completes (a small instance would not hold it either):
    hangs, stuck."""
    p = _one(
        [Row(LARGE, 1, "cp")],
        Provider("cp", (SMALL, LARGE), 3),
        Svc("api", 1, (1024, 512), (1536, 512), (1,), provider="cp"),
    )
    assert p.reacts  # two instances it may launch
    assert not ScaleOutModel(p, 2, ecs_rules=True)._may_grow(0)
    verdict, dead, plan = _verdict(p)
    assert verdict == "hangs"
    assert dead.run.waves == []
    _checked(p, dead, plan)


def _ec2_beside(max_size: int, other: Service | None = None) -> Problem:
    """Two instances of 2,048 units in a group that may grow to ``max_size``; "b" on
    launch type EC2 (no capacity provider strategy) runs one old task of 1,792 units on
    each, min 100 / max 200: its new tasks need an instance more."""
    group = InstanceGroup("small", 2048, 4096, 2, type="small", zones=("a",))
    launch = (InstanceGroup("small", 2048, 4096, None, type="small"),)
    cp = CapacityProvider("cp", launch, ("a",), 0, max_size, (0,))
    b = Service("b", 2, TaskDefinition(1792, 1024), TaskDefinition(1792, 1024), 100, 200,
                launch_type="EC2")  # fmt: skip
    services = (b,) if other is None else (b, other)
    return compile_problem(Scenario("ec2", (group,), services, capacity_providers=(cp,)))


def test_no_task_provisioning_no_growth_hangs_where_the_full_fleet_completes():
    """ "b"'s tasks never go PROVISIONING (no strategy): the group never grows, though a
    third instance would let "b" complete (the fleet with it open from the start does:
    that proof of hangs fails). No stop before a new task runs, none fits: no plan
    completes within plan_bound = 2 + 2 + 1 = 5 waves: hangs."""
    p = _ec2_beside(3)
    verdict, dead, plan = _verdict(p)
    assert verdict == "hangs" and plan.horizon == plan_bound(p) == 5
    assert analyse(p, time_limit=LIMIT).verdict == Verdict.HANGS


def test_the_verdict_takes_cp_sat_s_hangs_where_the_exhaustive_search_cannot_go():
    """As above on 10 instances, "b" with 10 tasks and beside it "c" (launch type EC2
    too, 10 tasks of 128 units, min 0 / max 200) moving freely in the 256 units left on
    each: too many choices for the exhaustive searches; the full fleet completes; so the
    verdict's proof is CP-SAT's, no plan within 10 + 20 + 10 + 1 = 41 waves."""
    group = InstanceGroup("small", 2048, 4096, 10, type="small", zones=("a",))
    launch = (InstanceGroup("small", 2048, 4096, None, type="small"),)
    cp = CapacityProvider("cp", launch, ("a",), 0, 11, (0,))
    b = Service("b", 10, TaskDefinition(1792, 1024), TaskDefinition(1792, 1024), 100, 200,
                launch_type="EC2")  # fmt: skip
    c = Service("c", 10, TaskDefinition(128, 256), TaskDefinition(128, 256), 0, 200,
                launch_type="EC2")  # fmt: skip
    p = compile_problem(Scenario("ec2", (group,), (b, c), capacity_providers=(cp,)))
    assert exhaustive.too_big(p) and plan_bound(p) == 41
    a = analyse(p, time_limit=LIMIT)
    assert a.verdict == Verdict.HANGS
    assert a.proof == (
        "CP-SAT, scale-out included: no plan completes within 41 waves, the most any plan "
        "needs (each wave stops, starts or launches something)"
    )


def test_a_plan_that_holds_a_start_back_makes_the_group_grow():
    """Beside "b" as above, "a" (strategy on the group) runs one old task of 256 units,
    min 0 / max 200, its new one of 256 units. By ECS rules "a" starts its new task in
    the 256 units left, nothing is PROVISIONING, the group never grows, and "b" is stuck.
    A plan may leave "a"'s start for later: then it is PROVISIONING, fits an empty small
    instance (E = 1), the group grows by one, and "b" moves there: at-risk, the plan found
    by CP-SAT."""
    a = Service("a", 1, TaskDefinition(256, 256), TaskDefinition(256, 256), 0, 200,
                capacity_provider_strategy=(StrategyItem("cp", 0, 1),))  # fmt: skip
    p = _ec2_beside(3, a)
    verdict, dead, plan = _verdict(p)
    assert verdict == "at-risk"
    assert plan.run.states[-1].added == (1,)
    _checked(p, dead, plan)
    result = analyse(p, time_limit=LIMIT)
    assert result.verdict == Verdict.AT_RISK


# ---------------------------------------------------------------- generated tiny cases

SEED, N = 20261205, 102
CASES = tiny_reacting_cases(SEED, N)


def test_the_sample_reaches_every_verdict():
    counts = Counter(c.answer.verdict for c in CASES)
    assert set(counts) == {"safe", "at-risk", "hangs"}
    assert min(counts.values()) >= N // 4, counts


@pytest.mark.parametrize("k", range(len(CASES)), ids=lambda k: CASES[k].name)
def test_cp_sat_agrees_with_the_exhaustive_search_and_the_oracle(k):
    """No run unfinished by CP-SAT ⇔ no dead state reachable by the exhaustive search;
    CP-SAT's verdict is the oracle's; its runs replay."""
    c = CASES[k]
    p = _problem(c.case)
    status, *_ = exhaustive.search(p, time.perf_counter() + LIMIT)
    verdict, dead, plan = _verdict(p)
    assert (dead.status == "none") == (status == "none")
    assert verdict == c.answer.verdict
    _checked(p, dead, plan)


@pytest.mark.parametrize("k", range(len(CASES)), ids=lambda k: CASES[k].name)
def test_volumes_and_counts_on_the_fleet_at_the_start_are_sound(k):
    """The volume proofs and the count sets, on the fleet at the start (instances not
    launched count as blocked), prove safe only where the exhaustive search finds no
    dead state; and every run's counts keep to the sets (the exhaustive search's own)."""
    p = _problem(CASES[k].case)
    sets = count_sets(p, 64)
    proved = no_dead_state(p) or never_blocked(p) or sets.all_complete()
    status, _, states, _ = exhaustive.search(p, time.perf_counter() + LIMIT)
    if proved:
        assert status == "none"
    if status == "none":  # every state a run reaches, so every run's counts
        for st in states:
            assert any(
                all(
                    (st.old_total(s), st.new_total(s)) in sets.at(w)[s] for s in range(p.n_services)
                )
                for w in range(len(sets.pairs))
            )


def test_volumes_and_counts_prove_some_reacting_cases_safe():
    proved = [
        c for c in CASES if no_dead_state(p := _problem(c.case)) or never_blocked(p)
        or count_sets(p, 64).all_complete()
    ]  # fmt: skip
    assert proved and {c.answer.verdict for c in proved} == {"safe"}


def _split_cases(seed: int, n: int) -> list[Problem]:
    """Tiny cases with two providers, each service with a strategy made to name both
    (random base and weight): the split of PROVISIONING tasks the model over-approximates."""
    rng = random.Random(seed)
    out: list[Problem] = []
    for labelled in stream(seed):
        if len(out) == n:
            break
        s = to_scenario(labelled.case)
        if len(s.capacity_providers) < 2:
            continue
        names = [cp.name for cp in s.capacity_providers]
        services = []
        for svc in s.services:
            if svc.capacity_provider_strategy:
                items = (
                    StrategyItem(names[0], rng.choice((0, 0, 1)), rng.choice((1, 2))),
                    StrategyItem(names[1], 0, rng.choice((1, 2))),
                )
                svc = replace(svc, capacity_provider_strategy=items, placement=None)
            services.append(svc)
        try:
            p = compile_problem(replace(s, services=tuple(services)))
        except (DoesNotFit, PlannerError):
            continue  # the old tasks, placed anew, do not fit
        if p.reacts:
            out.append(p)
    return out


SPLIT = _split_cases(SEED, 40)


@pytest.mark.parametrize("k", range(len(SPLIT)))
def test_an_over_approximated_split_stays_sound(k):
    """Where the model over-approximates, its "none" is still a proof and its runs still
    replay: no run unfinished ⇒ the exhaustive search finds no dead state; a run found
    dead ⇒ it replays, so the exhaustive search finds one."""
    p = SPLIT[k]
    status, *_ = exhaustive.search(p, time.perf_counter() + LIMIT)
    dead = dead_run(p, Deadline(LIMIT), start=simulate(p))
    if dead.status == "none":
        assert status == "none"
    if dead.status == "found":
        assert status == "found"
    _checked(p, dead, completing_plan(p, Deadline(LIMIT)))


def test_the_split_sample_is_over_approximated_and_decided():
    exact = Counter(ScaleOutModel(p, 1, ecs_rules=True).exact for p in SPLIT)
    assert exact[False] >= len(SPLIT) // 3, exact


# ---------------------------------------------------------------- mid-size


def _mid(api=(12, 1024, 2048, 1024, 3000)) -> Problem:
    """20 m5.large (2,048 units, 7,680 MiB) in a group that may grow to 26, and 4
    c5.xlarge in one at its maxSize; api and worker on the first, batch on the second
    (self-written: a shape many clusters have, no public input with its numbers)."""
    general = InstanceGroup("m5.large", 2048, 7680, 20, type="m5.large", zones=("a", "b"))
    fixed = InstanceGroup("c5.xlarge", 4096, 7680, 4, type="c5.xlarge", zones=("a",))
    providers = (
        CapacityProvider("general", (replace(general, count=None, zones=()),), ("a", "b"), 0, 26,
                         (0,)),
        CapacityProvider("fixed", (replace(fixed, count=None, zones=()),), ("a",), 0, 4, (1,)),
    )  # fmt: skip

    def svc(name, spec, cp):
        d, oc, om, nc, nm = spec
        return Service(name, d, TaskDefinition(oc, om), TaskDefinition(nc, nm), 100, 200,
                       capacity_provider_strategy=(StrategyItem(cp, 0, 1),))  # fmt: skip

    services = (
        svc("api", api, "general"),
        svc("worker", (10, 512, 1024, 1024, 1024), "general"),
        svc("batch", (6, 1024, 2048, 1024, 2048), "fixed"),
    )
    return compile_problem(
        Scenario("mid", (general, fixed), services, capacity_providers=providers)
    )


def test_a_mid_size_rollout_the_exhaustive_search_cannot_finish_is_proved_safe(volumes_alone):
    """api's new tasks take 3,000 MiB: 22 new tasks (12 of api, 10 of worker at 1,024
    units) beside the old ones fill the 20 instances, and the group grows. The volumes
    alone and the count sets prove nothing here; the exhaustive search cannot list even
    the first wave's choices (22 tasks over 20 instances); CP-SAT proves that no run by
    ECS rules is unfinished after a few waves, in the verdict's own path too. (The sums
    a row can carry prove no dead state exists: the same verdict by another proof, set
    aside here so that CP-SAT's is the one tested.)"""
    from planner.solvers import volume

    p = _mid()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(volume, "SUMS_MOST", 1 << 26)
        assert no_dead_state(p)  # with the sums
    assert not no_dead_state(p) and not never_blocked(p)  # the volumes alone
    sets = count_sets(p, 64)
    assert not sets.all_complete()
    assert exhaustive.too_big(p)  # more than 20,000 ways for the first wave alone
    default = simulate(p)
    found = dead_run(p, Deadline(LIMIT), start=default, sets=sets)
    assert found.status == "none"
    assert found.horizon >= len(default.waves)
    a = analyse(p, time_limit=LIMIT)
    assert a.verdict == Verdict.SAFE


def test_a_mid_size_rollout_where_cp_sat_finds_the_run_that_dies():
    """As above, api at 16 tasks whose new ones take 2,048 units: a whole instance each.
    CP-SAT finds a run by ECS rules that dies (and it replays)."""
    p = _mid(api=(16, 1024, 2048, 2048, 3000))
    found = dead_run(p, Deadline(LIMIT), start=simulate(p), sets=count_sets(p, 64))
    assert found.status == "found"
    end = replay(p, found.run.waves, ecs_rules=True)[-1]
    assert is_dead(p, end)
