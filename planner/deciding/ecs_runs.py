"""Runs by ECS rules other than ECS's default one (:func:`other_runs`): the adversary's,
per service, and randomised ones; each a legal choice of ECS's, tried before any solver
(:mod:`planner.deciding.phases`)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

from planner.errors import OutOfTime
from planner.model.problem import Problem
from planner.model.rollout import Policy, Run, simulate
from planner.running import clock
from planner.running.clock import Deadline


def other_runs(
    problem: Problem,
    seed: int,
    tries: int | None,
    deadline: Deadline,
    targets: list[int] | None = None,
) -> Iterator[Run]:
    """Runs by ECS rules other than the default one, each a legal choice of ECS's.

    The adversary's runs, per service: every other service starts first (packed tight,
    spread, levelled: each task where most room is left, so that little is left anywhere,
    or spoiling: each task where it takes a place the service would have had), the
    service itself last; or the service first, spread thin (on a fixed
    host port it then blocks an instance per task), the others packed into what is left.
    And randomised runs: every other one with its choices at random, the others levelled
    with the services in a random order. All stop at a quarter of ``deadline``'s length
    (:data:`~planner.running.clock.OTHER_RUNS`).

    ``tries`` caps the randomised runs; None: 24 after the adversary's on problems of up
    to 40 tasks (CP-SAT decides those soon after), and on larger ones taking turns with
    the adversary's, then alone for an eighth of it (:data:`~planner.running.clock.RANDOM_RUNS`;
    at 350 instances the adversary's alone filled the quarter; levelled runs in a random
    order found fleet-wide dead ends there and at 50 instances, after tens to hundreds of
    runs: benchmarks/README.md). ``targets``: the
    services worth the adversary's runs (None: every one), as the count sets say which
    services a run can leave unfinished at all.
    """
    budget = deadline.share(clock.OTHER_RUNS)
    S = problem.n_services
    adversary: list[Policy] = []
    if tries != 0 and S > 1:
        chosen = list(range(S) if targets is None else targets)
        # first, for every service, the others' tasks each where it takes a place of s's
        # (the unseen family's M 50 % fleet-wide s2: the dying run in 0.4 s, where the
        # others and the randomised runs found none in 10 s)
        adversary += [Policy(order=(*_others(S, s), s), spoil=s) for s in chosen]
        for s in chosen:
            others = _others(S, s)
            adversary += [
                Policy(order=(*others, s), pack=True),
                Policy(order=(*others, s)),
                Policy(order=(*others, s), level=True),
                # s first, spread thin, the others packed into the instances it left
                Policy(order=(s, *others), pack=True, levelled=(s,)),
            ]
    rng = random.Random(seed)

    def randomised(k: int) -> Policy:
        if k % 2 and S > 1:  # the services in a random order, each task levelled
            order = list(range(S))
            rng.shuffle(order)
            return Policy(order=tuple(order), level=True)
        return Policy(rng=rng)  # every choice at random

    n_tries = tries if tries is not None else (24 if problem.total_desired <= 40 else None)
    policies: Iterator[Policy]
    if n_tries is not None:  # the adversary's, then the randomised ones
        policies = itertools.chain(adversary, (randomised(k) for k in range(n_tries)))
    else:  # taking turns, the randomised ones going on once the adversary's are done
        policies = (
            p
            for k in itertools.count()
            for p in ((adversary[k],) if k < len(adversary) else ()) + (randomised(k),)
        )
    # once the adversary's are done, randomised runs go on for an eighth of the limit
    eighth = deadline.share(clock.RANDOM_RUNS)
    for k, policy in enumerate(policies):
        if n_tries is None and k >= 2 * len(adversary) and eighth.end < budget.end:
            budget = eighth
        if budget.expired:
            return
        try:
            yield simulate(problem, policy=policy, deadline=budget.perf_counter())
        except OutOfTime:
            return


def _others(S: int, s: int) -> tuple[int, ...]:
    return tuple(x for x in range(S) if x != s)
