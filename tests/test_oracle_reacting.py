"""The reacting oracle (tests/oracle_reacting.py) on cases worked by hand from ROLLOUT.md
§10, and planner against it on generated tiny cases (tests/tiny_reacting.py).

The hand-worked cases are self-written: no public input describes a capacity provider's
scale-out wave by wave. Each comment works the expected answer out from the spec.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import replace

import pytest
from oracle import Oracle
from oracle_reacting import KINDS, Breaker, Case, Provider, Row, Svc, Type, solve
from tiny_reacting import STRATA, distribution, tiny_reacting_cases, to_scenario

import planner

SMALL = Type("t.small", 1024, 2048)
LARGE = Type("t.large", 2048, 4096)


def _one(rows, provider, svc) -> Case:
    return Case("hand", tuple(rows), (provider,), (svc,))


# ---------------------------------------------------------------- (a) worked by hand


def test_a_full_group_grows_by_two():
    """Two small instances (1,024 units), each full with one old task of 1,024 units; the
    group may grow to 5. min 100 / max 200: lower 2, upper 4.
    Wave 1: nothing may stop (2 + 0 − 2 = 0), nothing fits. PROVISIONING: min(4 − 2,
    2 − 0) = 2 tasks, one per empty small instance: E = 2; M = 2 busy + 2 = 4; the group
    grows to ceil(4 × 100 / 100) = 4, by 2 (within [1, 10,000] and maxSize 5).
    Wave 2: both new tasks start on the new instances. Wave 3: both old ones stop.
    Every run goes so: safe, +2 by ECS rules and by any run, in 3 waves."""
    case = _one(
        [Row(SMALL, 2, "cp")],
        Provider("cp", (SMALL,), 5),
        Svc("api", 2, (1024, 512), (1024, 512), (1, 1), provider="cp"),
    )
    a = solve(case)
    assert a.verdict == "safe"
    assert a.kinds == {"completes-after-scale-out"}
    assert a.added == (2, 2)
    assert a.added_any == 2
    assert a.waves == (3, 3)


def test_the_same_at_max_size_is_stuck():
    """The same group at its maxSize (2): the PROVISIONING tasks need two instances, the
    group cannot grow. The start is dead (wave 0): no stop, no start, no scale-out; no
    breaker: stuck, reason max-size; no run completes: hangs."""
    case = _one(
        [Row(SMALL, 2, "cp")],
        Provider("cp", (SMALL,), 2),
        Svc("api", 2, (1024, 512), (1024, 512), (1, 1), provider="cp"),
    )
    a = solve(case)
    assert (a.verdict, a.kinds) == ("hangs", {"stuck"})
    assert a.reasons == {"api": "max-size"}
    assert a.dead_wave == 0
    assert a.failed_placements == {} and a.rollback is None


def test_a_fixed_port_with_room_for_one_more_instance():
    """Two large instances, each with one old task on fixed host port 8080 (512 units,
    lots of room left); the group may grow to 3. lower 2, upper 4.
    Wave 1: no stop (2 + 0 − 2 = 0); no start: both instances hold 8080. PROVISIONING: 2
    tasks, which cannot share an instance (the port): E = 2, M = 2 + 2 = 4, want 4, so +2,
    clamped to maxSize − 2 = 1: +1.
    Wave 2: one new task on the new instance. PROVISIONING now min(4 − 3, 2 − 1) = 1: E =
    1, M = 4 > 3 but the group is at maxSize: no growth.
    Wave 3: stop one old (2 + 1 − 2 = 1), start one new where it stopped (the port is free
    there, and only there). Wave 4: stop the last old. Safe, +1 on every run, 4 waves."""
    a = solve(_port_case(max_size=3))
    assert a.verdict == "safe"
    assert a.kinds == {"completes-after-scale-out"}
    assert (a.added, a.added_any, a.waves) == ((1, 1), 1, (4, 4))


def test_a_fixed_port_with_room_for_two_more_instances():
    """As above with maxSize 4: E = 2 (the port keeps the two PROVISIONING tasks apart),
    +2 in wave 1; both new tasks start in wave 2, both old ones stop in wave 3."""
    a = solve(_port_case(max_size=4))
    assert a.kinds == {"completes-after-scale-out"}
    assert (a.added, a.added_any, a.waves) == ((2, 2), 2, (3, 3))


def _port_case(max_size: int) -> Case:
    return _one(
        [Row(LARGE, 2, "cp")],
        Provider("cp", (LARGE,), max_size),
        Svc("api", 2, (512, 512), (512, 512), (1, 1), port=8080, provider="cp"),
    )


def test_a_task_only_the_larger_type_of_a_mixed_group_runs():
    """A group of types small (1,024 units) and large (2,048), running one large
    instance with the old task (1,024 units); maxSize 3. The new task takes 1,536 units:
    the large instance has 1,024 left; lower 1 keeps the old task.
    ECS's estimate leaves out a task the smallest type cannot run: E = 0, the group does
    not grow although it may. The start is dead: stuck, too big for the smallest type
    (not max-size: the group is below it); hangs."""
    case = _one(
        [Row(LARGE, 1, "cp")],
        Provider("cp", (SMALL, LARGE), 3),
        Svc("api", 1, (1024, 512), (1536, 512), (1,), provider="cp"),
    )
    a = solve(case)
    assert (a.verdict, a.kinds) == ("hangs", {"stuck"})
    assert a.reasons == {"api": "too-big-for-smallest-type"}
    assert a.dead_wave == 0


def _breaker_case(rollback: bool) -> Case:
    """One small instance at maxSize 1 holding both old tasks (512 units each); the new
    task takes 1,024. min 50 / max 100: lower 1, upper 2."""
    return _one(
        [Row(SMALL, 1, "cp")],
        Provider("cp", (SMALL,), 1),
        Svc(
            "api",
            2,
            (512, 512),
            (1024, 512),
            (2,),
            min_percent=50,
            max_percent=100,
            provider="cp",
            breaker=Breaker(True, rollback),
        ),
    )


def test_the_breaker_without_rollback():
    """Wave 1: stop one old (2 + 0 − 1 = 1): 512 units free; the new task needs 1,024;
    the group is at maxSize. Then nothing may stop (1 + 0 − 1 = 0), nothing fits: dead at
    wave 1, reason max-size. No run completes (the instance never holds a new task beside
    an old one, and a lone new task would need both old ones stopped): hangs.
    The breaker gives up after ceil(50 % × 2) = 1, raised to the floor of 3, failed
    placements; without rollback nothing rolls back: the deployment is FAILED where it
    stands (kind ``fails``)."""
    a = solve(_breaker_case(rollback=False))
    assert (a.verdict, a.kinds) == ("hangs", {"fails"})
    assert a.dead_wave == 1
    assert a.reasons == {"api": "max-size"}
    assert a.failed_placements == {"api": 3}
    assert a.rollback is None


def test_the_breaker_with_rollback_that_completes():
    """As above; the rollback from the dead state (1 old-revision task, counted as the
    rollback's own, 512 units free): it wants 2, room min(2 − 0 − 1, 2 − 1) = 1, and an
    old-revision task fits the 512 units: one wave, complete. Safe."""
    a = solve(_breaker_case(rollback=True))
    assert (a.verdict, a.kinds) == ("hangs", {"rolls-back"})
    assert a.failed_placements == {"api": 3}
    assert a.rollback == "safe"
    assert a.rollbacks == {"safe"}


def test_the_breaker_with_rollback_that_is_stuck():
    """One small instance at maxSize 1: api (breaker, rollback) runs 2 old tasks of 256
    units, its new one takes 1,024 (min 50 / max 100: lower 1, upper 2); web (no breaker)
    runs 1 of 512, its new one takes 768 (min 0 / max 100: lower 0, upper 1).
    Wave 1 by ECS rules: api stops 1, web stops 1: 768 units free; api's new task does
    not fit, web's does (768): web completes. Dead: api has 1 old task (256), nothing may
    stop, 1,024 fits nowhere, the group is at maxSize. Only api is unfinished and its
    breaker is on: rolls back, threshold 3. The rollback wants one more old-revision task
    (256 units) on an instance web's new task fills: it hangs at its start — api ends one
    task short of its old count."""
    case = Case(
        "hand",
        (Row(SMALL, 1, "cp"),),
        (Provider("cp", (SMALL,), 1),),
        (
            Svc("api", 2, (256, 256), (1024, 256), (2,), min_percent=50, max_percent=100,
                provider="cp", breaker=Breaker(True, True)),
            Svc("web", 1, (512, 256), (768, 256), (1,), min_percent=0, max_percent=100,
                provider="cp"),
        ),
    )  # fmt: skip
    a = solve(case)
    assert (a.verdict, a.kinds) == ("hangs", {"rolls-back"})
    assert a.reasons == {"api": "max-size"}
    assert a.failed_placements == {"api": 3}
    assert a.rollback == "hangs"


def test_a_native_blue_green_whose_green_set_does_not_fit():
    """BLUE_GREEN: the green set starts beside the blue one (lower 2, upper 4). Two small
    instances at maxSize 2, one blue task of 768 units on each; a green task takes 512,
    and 256 are left on each. The start is dead (no stop before the green set is whole):
    after 24 h the deployment fails and keeps blue, which still runs whole: rolls back,
    the rollback complete at once (safe); no breaker, no threshold."""
    case = _one(
        [Row(SMALL, 2, "cp")],
        Provider("cp", (SMALL,), 2),
        Svc("api", 2, (768, 512), (512, 512), (1, 1), all_at_once=True, provider="cp"),
    )
    a = solve(case)
    assert (a.verdict, a.kinds) == ("hangs", {"rolls-back"})
    assert a.reasons == {"api": "max-size"}
    assert a.failed_placements == {}
    assert a.rollback == "safe"


# ---------------------------------------------------------------- (b) generated cases

SEED, N = 20261204, 280
CASES = tiny_reacting_cases(SEED, N)


def test_the_sample_reaches_every_stratum():
    """The generated sample holds every (verdict, outcome kind) of STRATA; the numbers are
    those the comparison below runs on."""
    counts = distribution(CASES)
    assert set(counts) <= set(STRATA)
    assert all(counts[s] > 0 for s in STRATA), counts
    kinds = Counter(kind for _, kind in counts.elements())
    assert all(kinds[k] > 0 for k in KINDS), kinds
    assert len(CASES) == N


@pytest.mark.parametrize("k", range(0, len(CASES), 3), ids=lambda k: CASES[k].name)
def test_generated_cases_are_valid_scenarios(k):
    """Every case is a scenario planner takes: its instances, placements and providers."""
    c = CASES[k]
    s = to_scenario(c.case)
    assert sum(g.count for g in s.instance_groups) == sum(r.count for r in c.case.rows)
    assert [svc.placement for svc in s.services] == [svc.placement for svc in c.case.services]


@pytest.mark.parametrize("k", range(0, len(CASES), 2), ids=lambda k: CASES[k].name)
def test_a_fixed_fleet_agrees_with_the_fixed_oracle(k):
    """With managed scaling off and every service on launch type EC2 the cluster does not
    react: the verdict is tests/oracle.py's, written apart from this one."""
    case = CASES[k].case
    fixed = replace(
        case,
        providers=tuple(replace(p, enabled=False) for p in case.providers),
        services=tuple(replace(s, provider=None, breaker=None) for s in case.services),
    )
    assert solve(fixed).verdict == Oracle(to_scenario(fixed)).verdict


def _has_outcome() -> bool:
    result = planner.Result
    return hasattr(result, "outcome") or (
        dataclasses.is_dataclass(result)
        and "outcome" in {f.name for f in dataclasses.fields(result)}
    )


@pytest.mark.skipif(
    not _has_outcome(),
    reason="planner.Result has no outcome yet (the reacting wave model, ROLLOUT.md §10, "
    "is being added); runs on its own once it has",
)
@pytest.mark.parametrize("k", range(len(CASES)), ids=lambda k: CASES[k].name)
def test_planner_agrees_with_oracle(k):
    c = CASES[k]
    result = planner.solve(to_scenario(c.case), time_limit=10)
    assert result.verdict == c.answer.verdict, (c.case, c.answer)
    assert result.outcome is not None, c.case
    assert result.outcome["kind"] in c.answer.kinds, (c.case, c.answer, result.outcome)
