"""The adversary's choices (planner.model.policy): many new tasks started on one instance
at once go where one at a time would have put them."""

from dataclasses import dataclass

from tiny import broad_problems

from planner.model.policy import Policy
from planner.model.rollout import simulate

#: Batches of more than one task that the batched runs made (the tests check they did),
#: by the kind of run.
BATCHES: list[str] = []


@dataclass(frozen=True)
class Counted(Policy):
    """Policy's choices, its batches recorded."""

    def start_batch(self, c, s):
        chosen = super().start_batch(c, s)
        if chosen is not None and chosen[1] > 1:
            BATCHES.append("spoiled" if self.spoil is not None else "packed")
        return chosen


@dataclass(frozen=True)
class OneAtATime(Policy):
    """Policy's choices, one task at a time."""

    def start_batch(self, c, s):
        chosen = super().start_batch(c, s)
        return None if chosen is None else (chosen[0], 1)


def _policies(p):
    S = p.n_services
    for s in range(S):
        others = tuple(x for x in range(S) if x != s)
        yield {"order": (*others, s), "pack": True}
        yield {"order": (*others, s), "spoil": s}
        yield {"order": (s, *others), "pack": True, "levelled": (s,)}


def test_a_batch_of_starts_is_what_one_at_a_time_makes():
    BATCHES.clear()
    runs = 0
    for p in broad_problems(5, 200, max_tasks=24):
        for kw in _policies(p):
            batched = simulate(p, policy=Counted(**kw))
            single = simulate(p, policy=OneAtATime(**kw))
            assert batched.waves == single.waves
            assert batched.states == single.states
            assert batched.complete == single.complete
            runs += 1
    assert runs > 800
    # the batches were there to compare: packed, and spoiling ones that fell back to packing
    assert BATCHES.count("packed") > 50
    assert BATCHES.count("spoiled") > 3
