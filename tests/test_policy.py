"""The adversary's choices (planner.model.policy): many new tasks started on one instance
at once go where one at a time would have put them, and turns made with kept arrays or
heaps (spoiling, levelled, the stops) choose what each choice made afresh chooses."""

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

    def turn(self, c, s, room):
        kind = (
            "spoiled"
            if self.spoil is not None and s != self.spoil
            else "levelled"
            if self.levels(s)
            else "packed"
        )
        for made, (i, n) in enumerate(super().turn(c, s, room), 1):
            if n > 1:
                BATCHES.append(kind)
            if made == 2:  # a choice after a start: the kept arrays were read
                BATCHES.append(f"{kind} again")
            yield i, n


@dataclass(frozen=True)
class OneAtATime(Policy):
    """Policy's choices, one task at a time, each made afresh (start_options and
    stop_options)."""

    def stops(self, c, s, k):
        for _ in range(k):
            yield self.stop_options(c, s)[0]

    def turn(self, c, s, room):
        while room > 0 and (options := self.start_options(c, s)):
            yield options[0], 1
            room -= 1


def _policies(p):
    S = p.n_services
    for s in range(S):
        others = tuple(x for x in range(S) if x != s)
        yield {"order": (*others, s), "pack": True}
        yield {"order": (*others, s), "spoil": s}
        yield {"order": (s, *others), "pack": True, "levelled": (s,)}
        yield {"order": (*others, s), "level": True}


def test_a_turn_of_starts_is_what_one_at_a_time_makes():
    """A turn's batches and kept arrays (Policy.turn) against every choice made afresh,
    one task at a time."""
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
    assert runs > 1000
    # the batches were there to compare, and choices made after a start in a turn
    assert BATCHES.count("packed") > 15
    assert BATCHES.count("levelled again") > 50
    assert BATCHES.count("spoiled again") > 15  # (long spoiling turns: the next test)


def test_on_fifty_instances_a_turn_is_what_one_at_a_time_makes():
    """The same on the benchmark's M scenarios (50 instances, 10 services: long spoiling
    turns, the arrays read after many starts), every service spoiled in turn."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/ beside planner/
    from benchmarks import scale
    from planner.inputs.loading import load_scenario
    from planner.model.problem import compile_problem

    BATCHES.clear()
    for family, u in (("honest2", 0.85), ("scale", 0.5)):
        for _, mapping in scale.fitting("M", u, "fleet-wide", 1, family=family)[0]:
            p = compile_problem(load_scenario(mapping))
            for s in range(p.n_services):
                others = tuple(x for x in range(p.n_services) if x != s)
                for kw in (
                    {"order": (*others, s), "spoil": s},
                    {"order": (*others, s), "level": True},
                ):
                    batched = simulate(p, policy=Counted(**kw))
                    single = simulate(p, policy=OneAtATime(**kw))
                    assert batched.waves == single.waves and batched.complete == single.complete
    assert BATCHES.count("spoiled again") > 200
    assert BATCHES.count("levelled again") > 200
    assert BATCHES.count("spoiled") > 50
