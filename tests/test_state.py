"""A state's counts as arrays (planner.model.state): made from the tuples, or kept from
the wave that made the state, they are the tuples' counts."""

import numpy as np
import pytest
from tiny import broad_problems

from planner.model import state as state_module
from planner.model.rollout import Policy, simulate
from planner.model.state import State, counts


def test_the_arrays_a_run_keeps_are_its_states_counts():
    kept = 0
    for p in broad_problems(7, 40, max_tasks=16):
        run = simulate(p, policy=Policy(order=tuple(range(p.n_services)), pack=True))
        for st in run.states:
            primed = state_module._recent(st) is not None  # kept by the wave that made it
            kept += primed
            old, new = counts(st)
            assert old.tolist() == [list(r) for r in st.old]
            assert new.tolist() == [list(r) for r in st.new]
            fresh = State(st.old, st.new, st.added)  # the same counts, made from the tuples
            assert [st.old_total(s) for s in range(p.n_services)] == [
                fresh.old_total(s) for s in range(p.n_services)
            ]
            assert [st.new_total(s) for s in range(p.n_services)] == [
                fresh.new_total(s) for s in range(p.n_services)
            ]
    assert kept > 40  # the waves' arrays were there to check


def test_the_arrays_are_read_only_and_only_the_last_few_are_kept():
    states = [State(((k, 1),), ((0, k),)) for k in range(state_module._KEPT + 3)]
    for st in states:
        old, _ = counts(st)
        with pytest.raises(ValueError):
            old[0, 0] = 9
    assert len(state_module._ARRAYS) <= state_module._KEPT
    assert state_module._recent(states[0]) is None  # dropped: made again when asked
    assert np.array_equal(counts(states[0])[1], [[0, 0]])


def test_threads_that_share_the_arrays_each_get_their_own_states_counts():
    """Analyses in several threads of one process (a Dask worker's) push each other's
    arrays out, never mix them up."""
    from concurrent.futures import ThreadPoolExecutor

    def check(k: int) -> int:
        seen = 0
        for j in range(300):
            st = State(((k, j % 7),), ((j, k),))
            old, new = counts(st)
            assert old.tolist() == [[k, j % 7]] and new.tolist() == [[j, k]]
            assert st.old_total(1) == j % 7 and st.new_total(0) == j
            seen += 1
        return seen

    with ThreadPoolExecutor(4) as pool:
        assert sum(pool.map(check, range(8))) == 2400
    assert len(state_module._ARRAYS) <= state_module._KEPT
