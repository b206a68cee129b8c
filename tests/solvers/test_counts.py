"""Every run by ECS rules keeps to the count sets, wave by wave.

Checked against every state the oracle (tests/oracle.py) reaches at each wave on a
stratified sample of tiny scenarios, and through the ECS-rule model, which must answer
as before with the sets added.
"""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from tiny import named, sample

from planner.model.horizon import max_waves
from planner.solvers.counts import Pairs, count_sets, step
from planner.solvers.cpsat import RolloutModel

CASES = sample("mixed")[1::4] + sample("broad")[2::4]


def _totals(case, state):
    """(old, new) per service, in the package's service order."""
    o = case.oracle
    by_name = {name: o.totals(state, s) for s, name in enumerate(o.names)}
    return [by_name[svc.name] for svc in case.problem.services]


@pytest.mark.parametrize("k", range(len(CASES)), ids=lambda k: CASES[k].name)
def test_every_ecs_run_keeps_to_the_sets(k):
    c = CASES[k]
    p = c.problem
    sets = count_sets(p, max_waves(p))
    levels = c.oracle.levels()
    assert len(levels) <= max_waves(p) + 1  # every run ends within the horizon bound
    for w, level in enumerate(levels):
        for st in level:
            for s, pair in enumerate(_totals(c, st)):
                assert pair in sets.at(w)[s], (w, s)


def test_the_sets_are_exact_where_volumes_decide_and_ranges_elsewhere():
    singles = ranges = 0
    for c in CASES:
        p = c.problem
        sets = count_sets(p, max_waves(p))
        for w in range(1, len(sets.pairs)):
            for s in range(p.n_services):
                if s in sets.blockable[w]:
                    ranges += 1
                else:  # one pair in, one pair out: the counts are forced
                    assert len(sets.pairs[w][s]) <= len(sets.pairs[w - 1][s])
                    singles += len(sets.pairs[w][s]) == 1
    assert singles and ranges  # both kinds occur in the sample


@pytest.mark.parametrize("k", range(0, len(CASES), 2), ids=lambda k: CASES[k].name)
def test_ecs_model_with_the_sets_still_finds_every_dead_run(k):
    c = CASES[k]
    p = c.problem
    model = RolloutModel(p, max_waves(p), ecs_rules=True)
    model.restrict_counts(count_sets(p, max_waves(p)))
    model.target_unfinished()
    ans = model.solve(30)
    assert ans.status in ("found", "none")
    assert (ans.status == "found") == c.oracle.ecs_can_die
    if ans.status == "found":
        assert ans.dead
        assert c.oracle.dead(c.oracle.replay(named(p, ans.plan), ecs=True))


@pytest.mark.parametrize("k", range(1, len(CASES), 4), ids=lambda k: CASES[k].name)
def test_sets_as_bounds_only_still_find_every_dead_run(k, monkeypatch):
    """Past MOST_INTERVALS intervals a set is added as its bounds only: weaker, and as
    sound; forced here on every set of the sample, the answers are still the oracle's."""
    from planner.solvers import cpsat

    monkeypatch.setattr(cpsat, "MOST_INTERVALS", 1)
    c = CASES[k]
    p = c.problem
    sets = count_sets(p, max_waves(p))
    model = RolloutModel(p, max_waves(p), ecs_rules=True)
    model.restrict_counts(sets)
    model.target_unfinished()
    ans = model.solve(30)
    assert ans.status in ("found", "none")
    assert (ans.status == "found") == c.oracle.ecs_can_die
    if ans.status == "found":
        assert c.oracle.dead(c.oracle.replay(named(p, ans.plan), ecs=True))


def test_the_bounds_only_sets_were_reached():
    """The sample above has sets of more than one interval, so the bounds were used, and
    cases where a run dies as well as cases where none does."""
    wide = Counter()
    for k in range(1, len(CASES), 4):
        p = CASES[k].problem
        sets = count_sets(p, max_waves(p))
        if any(len(list(x.entries())) > 1 for row in sets.pairs for x in row):
            wide[CASES[k].oracle.ecs_can_die] += 1
    assert wide[True] >= 5 and wide[False] >= 5, wide


def test_all_complete_sets_prove_that_no_run_dies():
    reached = Counter()
    for c in CASES:
        if count_sets(c.problem, max_waves(c.problem)).all_complete():
            assert not c.oracle.ecs_can_die, c.name
            reached[c.label] += 1
    assert reached["safe"] >= 10, reached


def test_only_the_services_at_stake_are_unfinished_in_a_reachable_dead_state():
    """Wherever the sets name the services at stake, every reachable dead state leaves
    only those unfinished; the sample has such cases, some of them with dead states that
    the sets narrow down to fewer services than there are."""
    reached = Counter()
    for c in CASES:
        p = c.problem
        stake = count_sets(p, max_waves(p)).at_stake()
        if stake is None:
            continue
        dead = c.oracle.dead_states
        for st in dead:
            for s, pair in enumerate(_totals(c, st)):
                if s not in stake:
                    assert pair == (0, p.services[s].desired), (c.name, s)
        reached["settled"] += 1
        reached["dead states checked"] += len(dead)
        reached["narrowed, with a dead state"] += bool(dead) and 0 < len(stake) < p.n_services
    assert reached["settled"] >= 20 and reached["narrowed, with a dead state"] >= 1, reached


@given(
    desired=hs.integers(1, 12),
    lower_pct=hs.sampled_from([0, 25, 50, 75, 100]),
    upper_pct=hs.sampled_from([100, 125, 150, 200]),
    all_at_once=hs.booleans(),
    pairs=hs.sets(hs.tuples(hs.integers(0, 14), hs.integers(0, 14)), min_size=1, max_size=30),
)
@settings(max_examples=400, deadline=None)
def test_a_step_by_intervals_is_the_rules_pair_by_pair(
    desired, lower_pct, upper_pct, all_at_once, pairs
):
    """step() takes whole intervals at once; pair by pair, with the plain model's own
    stops_allowed and room_for, the sets come out the same."""
    from types import SimpleNamespace

    from planner.model.problem import lower_bound, upper_bound
    from planner.model.rollout import room_for, stops_allowed

    lower, upper = lower_bound(desired, lower_pct), upper_bound(desired, upper_pct)
    if all_at_once:
        lower, upper = desired, 2 * desired
    # the four figures the rules read (a Service has many more)
    svc = SimpleNamespace(desired=desired, lower=lower, upper=upper, all_at_once=all_at_once)
    full, ranges = set(), set()
    for o, nw in pairs:
        o2 = o - stops_allowed(svc, o, nw)
        room = room_for(svc, o2, nw)
        full.add((o2, nw + room))
        ranges.update((o2, nw + b) for b in range(room + 1))
    f, r = step(svc, Pairs.of(pairs))
    assert set(f) == full and f == full and len(f) == len(full)
    assert set(r) == ranges and r == ranges
    assert Pairs.of(pairs) == set(pairs) and all(q in Pairs.of(pairs) for q in pairs)


def test_pairs_keep_intervals_not_pairs():
    """A large service's set stays a few hundred intervals, not a hundred thousand pairs."""
    p = Pairs({o: [(0, 584 - o)] for o in range(585)})
    assert len(p) == 585 * 586 // 2 and len(list(p.entries())) == 585
    assert p.bounds() == (0, 584, 0, 584)
    assert (3, 581) in p and (3, 582) not in p and (600, 0) not in p
    assert Pairs({1: [(0, 2), (3, 5), (8, 9)]}).rows == ((1, ((0, 5), (8, 9))),)
