"""The volume programs never rule out a state that runs by ECS rules reach.

After every wave of a run by ECS rules, the services left with room fit nowhere: the
joint volume program must find them blockable together, with at most the run's counts
(and, at a dead end, in the dead-state mode too).
"""

import random
from collections import Counter

from tiny import sample

from planner.model.rollout import Policy, room_for, simulate
from planner.solvers.volume import can_block_all, can_block_everywhere

CASES = sample("mixed")[2::5] + sample("broad")[::2]
PROBLEMS = [c.problem for c in CASES]


def _runs(p, k):
    rng = random.Random(k)
    yield simulate(p)
    for s in range(p.n_services):
        yield simulate(
            p, policy=Policy(order=(*[t for t in range(p.n_services) if t != s], s), pack=True)
        )
    for _ in range(4):
        yield simulate(p, rng)


def test_every_blocked_set_a_run_reaches_is_blockable():
    reached = Counter()
    for k, p in enumerate(PROBLEMS):
        for run in _runs(p, k):
            for w, st in enumerate(run.states[1:], 1):
                olds = [st.old_total(s) for s in range(p.n_services)]
                news = [st.new_total(s) for s in range(p.n_services)]
                blocked = [s for s, svc in enumerate(p.services) if room_for(svc, olds[s], news[s])]
                if not blocked:
                    continue
                assert can_block_all(p, blocked, counts=(olds, news)), (k, w, blocked)
                for s in blocked:
                    assert can_block_everywhere(p, s, counts=(olds, news))
                reached["wave", len(blocked)] += 1
            if run.dead:
                end = run.states[-1]
                blocked = [
                    s
                    for s, svc in enumerate(p.services)
                    if room_for(svc, end.old_total(s), end.new_total(s))
                ]
                if blocked:
                    assert can_block_all(p, blocked), (k, blocked)
                    reached["dead end", len(blocked)] += 1
    # blocked sets of one and of two services, in waves and at dead ends
    assert min(reached[key] for key in [("wave", 1), ("wave", 2), ("dead end", 1)]) >= 10, reached
    assert reached["dead end", 2] >= 1, reached


def test_blocking_two_services_at_once_can_be_impossible_where_each_alone_is_not():
    hits = 0
    for p in PROBLEMS:
        for a in range(p.n_services):
            for b in range(a + 1, p.n_services):
                if can_block_everywhere(p, a) and can_block_everywhere(p, b):
                    hits += not can_block_all(p, [a, b])
    assert hits  # the joint program is stronger than its parts on this sample


def test_a_finished_all_at_once_service_still_blocks_others():
    """A dead state where a canary service is done (its whole green set running) and its
    task takes the only instance a distinctInstance service has left (broad-5923)."""
    from builders import problem, svc, td

    from planner.solvers.volume import no_dead_state

    p = problem(
        [(2048, 4000, 2), (1024, 4000, 1)],
        [
            svc("canary", 1, td(1024, 128), td(1024, 256), 0, 100, strategy="CANARY"),
            svc("spread", 3, td(0, 900), td(512, 512), 33, 150, distinct_instance=True),
        ],
    )
    assert can_block_everywhere(p, 1)
    assert not no_dead_state(p)
