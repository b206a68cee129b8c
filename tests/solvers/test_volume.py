"""The volume programs never rule out a state that runs by ECS rules reach.

After every wave of a run by ECS rules, the services left with room fit nowhere: the
joint volume program must find them blockable together, with at most the run's counts
(and, at a dead end, in the dead-state mode too).
"""

import random

import pytest
from tiny import broad_problems, tiny_problems

from planner.rollout import Policy, room_for, simulate
from planner.solvers.volume import can_block_all, can_block_everywhere

PROBLEMS = tiny_problems(seed=991, n=60) + broad_problems(seed=992, n=120)


def _runs(p, k):
    rng = random.Random(k)
    yield simulate(p)
    for s in range(p.n_services):
        yield simulate(
            p, policy=Policy(order=(*[t for t in range(p.n_services) if t != s], s), pack=True)
        )
    for _ in range(4):
        yield simulate(p, rng)


@pytest.mark.parametrize("k", range(len(PROBLEMS)))
def test_every_blocked_set_a_run_reaches_is_blockable(k):
    p = PROBLEMS[k]
    for run in _runs(p, k):
        for w, st in enumerate(run.states[1:], 1):
            olds = [st.old_total(s) for s in range(p.n_services)]
            news = [st.new_total(s) for s in range(p.n_services)]
            blocked = [s for s, svc in enumerate(p.services) if room_for(svc, olds[s], news[s])]
            if not blocked:
                continue
            assert can_block_all(p, blocked, counts=(olds, news)), (w, blocked)
            for s in blocked:
                assert can_block_everywhere(p, s, counts=(olds, news))
        if run.dead:
            end = run.states[-1]
            blocked = [
                s
                for s, svc in enumerate(p.services)
                if room_for(svc, end.old_total(s), end.new_total(s))
            ]
            if blocked:
                assert can_block_all(p, blocked), blocked


def test_blocking_two_services_at_once_can_be_impossible_where_each_alone_is_not():
    hits = 0
    for p in PROBLEMS:
        for a in range(p.n_services):
            for b in range(a + 1, p.n_services):
                if can_block_everywhere(p, a) and can_block_everywhere(p, b):
                    hits += not can_block_all(p, [a, b])
    assert hits  # the joint program is stronger than its parts on this sample
