"""Every run by ECS rules keeps to the count sets, wave by wave.

Checked against every state the exhaustive search reaches at each wave on tiny
scenarios, and through the ECS-rule model, which must answer as before with the sets
added.
"""

import pytest
from tiny import broad_problems, tiny_problems

from planner.exhaustive import exhaustive, successors
from planner.rollout import initial_state, is_dead, replay
from planner.solvers.counts import count_sets
from planner.solvers.cpsat import RolloutModel
from planner.solvers.horizon import max_waves

PROBLEMS = tiny_problems(seed=777, n=80) + broad_problems(seed=778, n=80)


@pytest.mark.parametrize("k", range(len(PROBLEMS)))
def test_every_ecs_run_keeps_to_the_sets(k):
    p = PROBLEMS[k]
    sets = count_sets(p, max_waves(p))
    level = {initial_state(p)}
    for w in range(max_waves(p) + 1):
        for st in level:
            for s in range(p.n_services):
                assert (st.old_total(s), st.new_total(s)) in sets.at(w)[s], (w, s)
        level = {nxt for st in level for nxt in successors(p, st, ecs_rules=True)}
        if not level:
            break


def test_the_sets_are_exact_where_volumes_decide_and_ranges_elsewhere():
    singles = ranges = 0
    for p in PROBLEMS:
        sets = count_sets(p, max_waves(p))
        for w in range(1, len(sets.pairs)):
            for s in range(p.n_services):
                if s in sets.blockable[w]:
                    ranges += 1
                else:  # one pair in, one pair out: the counts are forced
                    assert len(sets.pairs[w][s]) <= len(sets.pairs[w - 1][s])
                    singles += len(sets.pairs[w][s]) == 1
    assert singles and ranges  # both kinds occur in the sample


@pytest.mark.parametrize("k", range(0, len(PROBLEMS), 2))
def test_ecs_model_with_the_sets_still_finds_every_dead_run(k):
    p = PROBLEMS[k]
    model = RolloutModel(p, max_waves(p), ecs_rules=True)
    model.restrict_counts(count_sets(p, max_waves(p)))
    model.target_unfinished()
    ans = model.solve(30)
    ex = exhaustive(p)
    assert ans.status in ("found", "none")
    assert (ans.status == "found") == ex.ecs_dead_reachable
    if ans.status == "found":
        assert ans.dead
        assert is_dead(p, replay(p, ans.plan, ecs_rules=True)[-1])


@pytest.mark.parametrize("k", range(len(PROBLEMS)))
def test_all_complete_sets_prove_that_no_run_dies(k):
    p = PROBLEMS[k]
    if count_sets(p, max_waves(p)).all_complete():
        assert not exhaustive(p).ecs_dead_reachable


@pytest.mark.parametrize("k", range(len(PROBLEMS)))
def test_only_the_services_at_stake_are_unfinished_in_a_reachable_dead_state(k):
    p = PROBLEMS[k]
    stake = count_sets(p, max_waves(p)).at_stake()
    if stake is None:
        return
    seen = {initial_state(p)}
    todo = list(seen)
    while todo:  # every state a run by ECS rules reaches
        st = todo.pop()
        if is_dead(p, st):
            for s, svc in enumerate(p.services):
                if s not in stake:
                    assert (st.old_total(s), st.new_total(s)) == (0, svc.desired), s
        for nxt in successors(p, st, ecs_rules=True):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)


def test_services_at_stake_occur_and_narrow_down():
    narrowed = dead_with_stake = 0
    for p in PROBLEMS:
        stake = count_sets(p, max_waves(p)).at_stake()
        if stake is not None and 0 < len(stake) < p.n_services:
            narrowed += 1
            dead_with_stake += exhaustive(p).ecs_dead_reachable
    assert narrowed and dead_with_stake  # the check above is not vacuous
