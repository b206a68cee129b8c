"""The verdict by decomposition agrees with the oracle (tests/oracle.py, written from
ROLLOUT.md alone) on pairs of tiny scenarios put side by side: each pair's instances
carry their own pool attribute and its services a memberOf on it, so the services form
groups that share no instance. The oracle searches the whole cluster's states; planner
decides group by group and replays the joined evidence on the whole."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from oracle import Oracle
from tiny import named, sample

from planner.deciding.verdict import analyse
from planner.model.parts import independent_parts, joined, part_problem
from planner.model.problem import compile_problem
from planner.model.rollout import Wave
from planner.model.scenario import Scenario


def _side_by_side(a: Scenario, b: Scenario) -> Scenario:
    """``a`` and ``b`` in one cluster, each in its own pool, each service's old tasks where
    they ran in its own scenario (ECS placed them before the memberOf existed)."""
    pa, pb = compile_problem(a), compile_problem(b)
    n_a, n_b = pa.n_instances, pb.n_instances

    def pooled(sc: Scenario, p, pool: str, before: int, after: int) -> tuple[tuple, tuple]:
        groups = tuple(
            replace(g, name=f"{pool}{g.name}", attributes=(("pool", pool),))
            for g in sc.instance_groups
        )
        services = tuple(
            replace(
                v,
                name=f"{pool}{v.name}",
                member_of=(f"attribute:pool == {pool}",),
                placement=(0,) * before
                + tuple(row[p.service_index.index(k)] for row in p.initial)
                + (0,) * after,
            )
            for k, v in enumerate(sc.services)
        )
        return groups, services

    ga, sa = pooled(a, pa, "a", 0, n_b)
    gb, sb = pooled(b, pb, "b", n_a, 0)
    return Scenario("pair", ga + gb, sa + sb, a.agent)


def _pairs() -> list[tuple[Scenario, object]]:
    """Pairs of the stored stratified sample (its cases' verdicts known): safe beside
    safe, at-risk beside safe or at-risk, hangs beside safe or at-risk, 30 of each
    whole verdict."""
    by = {
        v: [
            c
            for c in sample("mixed")
            if c.label == v and all(s.deploy for s in c.scenario.services)
        ]
        for v in ("safe", "at-risk", "hangs")
    }
    kinds = [("safe", "safe"), ("at-risk", "safe"), ("at-risk", "at-risk"), ("hangs", "safe"),
             ("hangs", "at-risk")]  # fmt: skip
    out = []
    for k in range(15):
        for x, y in kinds:
            if (x, y) == ("safe", "safe") or k % 2 == 0 or x == "at-risk":
                a = by[x][k % len(by[x])]
                # (one agent for the cluster: the partner runs under the same)
                b = next(c for j in range(len(by[y]))
                         if (c := by[y][(k * 7 + 3 + j) % len(by[y])]).scenario.agent
                         == a.scenario.agent)  # fmt: skip
                out.append((_side_by_side(a.scenario, b.scenario), (x, y)))
    return [(sc, compile_problem(sc), kind) for sc, kind in out]


CASES = _pairs()
WHOLE = {("safe", "safe"): "safe", ("at-risk", "safe"): "at-risk",
         ("at-risk", "at-risk"): "at-risk", ("hangs", "safe"): "hangs",
         ("hangs", "at-risk"): "hangs"}  # fmt: skip


@pytest.mark.parametrize("k", range(len(CASES)))
def test_decomposition_agrees_with_the_oracle(k):
    """The verdict is the one the oracle gives each part, put together; on the whole
    cluster the oracle also searches every run by ECS rules (whether one dies) and replays
    the evidence. (Whether a plan of the whole exists is searched part by part only: the
    oracle's general rules on the whole pair take minutes.)"""
    sc, p, kind = CASES[k]
    groups = independent_parts(p)
    assert len(groups) >= 2  # the pools keep them apart
    a = analyse(p, time_limit=30, workers=1)
    assert a.verdict == WHOLE[kind] and a.proof.startswith("decomposition: "), a.proof
    oracle = Oracle(sc)
    if a.verdict != "hangs":
        assert oracle.ecs_can_die == (a.verdict == "at-risk"), a.proof
    if a.plan is not None:
        assert oracle.complete(oracle.replay(named(p, a.plan), ecs=False))
    if a.dead_path is not None:
        assert oracle.dead(oracle.replay(named(p, a.dead_path), ecs=True))
    # and the whole decided as one agrees
    assert analyse(p, time_limit=30, workers=1, split=False).verdict == a.verdict


def test_the_pairs_reach_every_verdict():
    seen = Counter(WHOLE[kind] for *_, kind in CASES)
    assert min(seen[v] for v in ("safe", "at-risk", "hangs")) >= 15, seen


def test_services_that_meet_on_an_instance_are_one_group():
    """Without the pools the tiny pairs' services meet wherever they fit: one group (or
    groups only where a task can never fit the other's instances)."""
    sc, p, _ = CASES[0]
    plain = replace(
        sc,
        instance_groups=tuple(replace(g, attributes=()) for g in sc.instance_groups),
        services=tuple(replace(s, member_of=()) for s in sc.services),
    )
    q = compile_problem(plain)
    assert len(independent_parts(q)) == 1
    assert len(independent_parts(p)) >= 2


def test_a_part_keeps_instance_numbers_and_its_runs_join():
    sc, p = next((sc, p) for sc, p, _ in CASES if len(independent_parts(p)) == 2)
    one, two = independent_parts(p)
    sub = part_problem(p, one)
    assert sub.n_instances == p.n_instances and sub.n_services == len(one)
    assert [s.name for s in sub.services] == [p.services[s].name for s in one]
    waves = joined(
        [one, two],
        [[Wave((), ((0, 0, 1),))], [Wave(((0, 1, 1),), ()), Wave((), ((0, 2, 1),))]],
    )
    assert waves == [
        Wave(((two[0], 1, 1),), ((one[0], 0, 1),)),
        Wave((), ((two[0], 2, 1),)),
    ]


def test_reach_is_where_a_task_runs_or_could_ever_fit():
    """The array pass (placement.ArrayLoads on an empty cluster) says what
    ``Problem.could_ever_fit`` says, instance by instance, on the three stored samples
    (ENIs, ports, memberOf, closed and snapshot instances among them)."""
    from tiny import sample as stored

    from planner.model.parts import reaches

    pairs = 0
    for name in ("mixed", "broad", "zoned"):
        for c in stored(name):
            p, r = c.problem, reaches(c.problem)
            for s in range(p.n_services):
                for i in range(p.n_instances):
                    run = p.initial[i][s] or p.start_new[i][s]
                    assert bool(r[s, i]) == bool(run or p.could_ever_fit(i, s)), (c.name, s, i)
                    pairs += 1
    assert pairs > 3000


def test_a_hang_beside_an_undecided_group_keeps_the_time_limit():
    """A group that hangs, beside one never decided (the decomposition stops at a hang):
    the other's ECS run is made for the joined dead path only while the deadline allows.
    Past it the whole still hangs, with no dead path to show, rather than run on."""
    from planner.deciding.parts import _together
    from planner.running.clock import Deadline

    sc, p, _ = next(c for c in CASES if c[2] == ("hangs", "safe"))
    groups = independent_parts(p)
    hanging = next(
        k
        for k, g in enumerate(groups)
        if analyse(part_problem(p, g), time_limit=30).verdict == "hangs"
    )
    a = analyse(part_problem(p, groups[hanging]), time_limit=30, workers=1)
    assert a.dead_path is not None
    in_time = _together(p, groups, {hanging: a}, Deadline(30))
    assert in_time.verdict == "hangs" and in_time.dead_path is not None
    oracle = Oracle(sc)
    assert oracle.dead(oracle.replay(named(p, in_time.dead_path), ecs=True))
    late = _together(p, groups, {hanging: a}, Deadline(0))
    assert late.verdict == "hangs" and late.dead_path is None
