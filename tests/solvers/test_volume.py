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


def test_the_sums_a_row_can_carry():
    """Loads of 256 and 384 on a row of 4,096: every multiple of 128 from 256 on; the
    least at or above 3,073 (a new task of 1,024 blocked) is 3,200; none above 4,096."""
    from planner.solvers.volume import _least_from, _sums

    sums = _sums((256, 384), 4096)
    assert [v for v in range(4097) if sums >> v & 1] == [0, *range(256, 4097, 128)]
    assert sums.bit_length() - 1 == 4096
    assert _least_from(sums, 3073) == 3200 and _least_from(sums, 4097) is None
    assert _least_from(_sums((3000,), 4096), 3001) is None  # one task of 3,000 at most


def test_the_sums_prove_no_dead_state_where_the_volumes_alone_cannot(monkeypatch):
    """Each blocked instance carries a sum of its tasks' loads: at least the least such sum
    above limit − need, not merely limit − need + 1, and at most the largest such sum. On
    the sample that proves no dead state exists where the volumes alone could not, and
    the oracle finds each of those rollouts safe, reaching no dead state by ECS rules;
    never the other way round (the program only gains constraints)."""
    from planner.solvers import volume

    proved = 0
    for c in CASES:
        with_sums = volume.no_dead_state(c.problem)
        monkeypatch.setattr(volume, "SUMS_MOST", -1)  # every row by its volume alone
        alone = volume.no_dead_state(c.problem)
        monkeypatch.undo()
        assert with_sums or not alone, c.name
        if with_sums and not alone:
            assert c.label == "safe" and not c.oracle.reaches(True, c.oracle.dead), c.name
            proved += 1
    assert proved >= 3  # 5 of this sample
