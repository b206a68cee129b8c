"""Runs by ECS rules other than ECS's default one (:func:`other_runs`): the adversary's,
per service, and randomised ones; each a legal choice of ECS's, tried before any solver
(:mod:`planner.deciding.phases`)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Iterator

from planner.errors import OutOfTime
from planner.model.placement import ArrayLoads
from planner.model.problem import Problem
from planner.model.rollout import (
    Cluster,
    Policy,
    Run,
    initial_state,
    simulate,
    stop_allowance,
)
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
    service itself last; or the service first, spread thin (on a fixed host port it then
    blocks an instance per task), the others packed into what is left. The spoiling runs
    come first, three of them per service, the others in three orders (:func:`_spoilers`):
    the largest first, the most tasks first, and as listed; those of the
    :data:`FIRST_SPOILED` hardest services before any other. And randomised runs, in turn:
    every choice at random; the services in a random order, each task levelled; and a
    service spoiled by the others in a random order (on problems over 40 tasks, of every
    six: one at random, three levelled, two spoiling; three aimed by :class:`Nearness`).
    All stop at half of ``deadline``'s length (:data:`~planner.running.clock.OTHER_RUNS`).

    ``tries`` caps the randomised runs; None: 24 after the adversary's on problems of up
    to 40 tasks (CP-SAT decides those soon after), and on larger ones taking turns with
    the adversary's after the hardest services' spoiling runs, then alone up to three
    eighths of it (:data:`~planner.running.clock.RANDOM_RUNS`; at 350 instances the
    adversary's alone once filled a quarter; levelled runs in a random order found
    fleet-wide dead ends there and at 50 instances, after tens to hundreds of runs:
    benchmarks/README.md). ``targets``: the
    services worth the adversary's runs (None: every one), as the count sets say which
    services a run can leave unfinished at all; they take their turns the hardest to
    place first (:func:`hardest_first`).

    A policy with no random choice makes the same run every time, so each is made once
    (a draw that repeats one is skipped: on three services over four fifths of the draws
    did). On up to :data:`FEW_SERVICES` services, where they can all be listed
    (:func:`_distinct`), the runs end once every one has been made, leaving the time to
    the solvers (where ``tries`` or the 24 on small problems count the randomised runs,
    they end at that count, random ones included).
    """
    budget = deadline.share(clock.OTHER_RUNS)
    S = problem.n_services
    spoiled = list(range(S) if targets is None else targets)  # the services at stake
    adversary: list[Policy] = []
    if tries != 0 and S > 1:
        chosen = hardest_first(problem, spoiled)
        # first, for every service, the others' tasks each where it takes a place of s's
        # (the unseen family's M 50 % fleet-wide s2: the dying run in 0.4 s, where the
        # others and the randomised runs found none in 10 s), in three orders
        adversary += _spoilers(problem, chosen)
        for s in chosen:
            others = _others(S, s)
            adversary += [
                Policy(order=(*others, s), pack=True),
                Policy(order=(*others, s)),
                Policy(order=(*others, s), level=True),
                # s first, spread thin, the others packed into the instances it left
                Policy(order=(s, *others), pack=True, levelled=(s,)),
            ]
    # the spoiling runs of the hardest few go before any randomised run: at 2,800
    # instances only a handful of runs fit the budget, and these are the ones that died
    # there (benchmarks/README.md)
    first = [p for p in adversary if p.spoil in chosen[:FIRST_SPOILED]] if adversary else []
    adversary = [p for p in adversary if all(p is not q for q in first)]
    rng = random.Random(seed)
    few = problem.total_desired <= 40

    near = Nearness(problem, spoiled)  # which service the randomised runs leave last

    def randomised(k: int) -> Policy:
        return _randomised(k, S, spoiled, few, rng, near)

    n_tries = tries if tries is not None else (24 if few else None)
    policies: Iterator[Policy]
    if n_tries is not None:  # the adversary's, then the randomised ones
        policies = itertools.chain(first, adversary, (randomised(k) for k in range(n_tries)))
    else:  # taking turns, the randomised ones going on once the adversary's are done
        policies = itertools.chain(
            first,
            (
                p
                for k in itertools.count()
                for p in ((adversary[k],) if k < len(adversary) else ()) + (randomised(k),)
            ),
        )
    # once the adversary's are done, randomised runs go on up to three eighths of the limit
    alone = deadline.share(clock.RANDOM_RUNS)
    # (where the randomised runs are counted, they end at their count anyway)
    distinct = _distinct(S, spoiled, [*first, *adversary]) if n_tries is None else None
    for k, policy in enumerate(_made_once(policies, distinct)):
        if n_tries is None and k >= len(first) + 2 * len(adversary) and alone.end < budget.end:
            budget = alone
        if budget.expired:
            return
        try:
            run = simulate(problem, policy=policy, deadline=budget)
        except OutOfTime:
            return
        near.saw(policy, run)
        yield run


def _made_once(policies: Iterable[Policy], distinct: set[Policy] | None) -> Iterator[Policy]:
    """``policies``, each with no random choice once (it makes the same run each time);
    ending once every one of ``distinct`` has come (None: at their end)."""
    made: set[Policy] = set()
    for policy in policies:
        if policy.rng is None:
            if policy in made:
                if distinct is not None and made >= distinct:
                    return
                continue
            made.add(policy)
        yield policy


def _randomised(
    k: int,
    S: int,
    spoiled: list[int],
    few: bool,
    rng: random.Random,
    near: Nearness | None = None,
) -> Policy:
    """The ``k``-th randomised run's policy (:func:`other_runs`): on problems over 40
    tasks (not ``few``), every choice at random in one run of six, levelled in three,
    spoiling one of ``spoiled`` in two; up to 40, a third each. Of every six, the second
    and fourth (levelled; up to 40 tasks the fourth is at random) and the sixth
    (spoiling) leave last a service drawn from ``near``
    (:class:`Nearness`: the nearer it came to a dead end so far, the likelier), the
    others in a random order.

    Of 64 M scenarios of four families, 13 had no dying run among ECS's default one and
    the adversary's; randomised runs died in three of them, levelled ones in two,
    spoiling ones in one, and none with every choice at random (benchmarks/README.md,
    sixth session; ``python -m benchmarks.runs_mix``)."""
    levelled = k % 3 == 1 or (not few and k % 6 == 3)
    aimed = k % 6 in GUIDED and S > 1 and (levelled or k % 3 == 2)
    guided = near.draw(rng) if near is not None and aimed else None
    if levelled and guided is not None:  # the others in a random order, levelled, it last
        others = list(_others(S, guided))
        rng.shuffle(others)
        return Policy(order=(*others, guided), level=True)
    if levelled and S > 1:  # the services in a random order, each task levelled
        order = list(range(S))
        rng.shuffle(order)
        return Policy(order=tuple(order), level=True)
    if k % 3 == 2 and S > 1 and spoiled:  # one spoiled by the others in a random order
        s = guided if guided is not None else rng.choice(spoiled)
        others = list(_others(S, s))
        rng.shuffle(others)
        return Policy(order=(*others, s), spoil=s)
    return Policy(rng=rng)  # every choice at random


#: Which of every six randomised runs draw the service they leave last from
#: :class:`Nearness`: the second and fourth (levelled) and the sixth (spoiling).
GUIDED = (1, 3, 5)


class Nearness:
    """How near each service at stake came to a dead end in the runs made so far, for the
    randomised runs to aim at (:func:`_randomised`). Of the runs whose order leaves it
    last with no random choice (the adversary's, and the randomised levelled and
    spoiling ones), at the end of each wave where it was still unfinished: the instances
    a new task of it fitted on, plus the services (itself included) that may stop a task
    in the next wave, each of which could free room; the least such sum so far. A dead
    state makes it 0: the service fits nowhere and no service may stop a task.

    On the scale family's M 70 % fleet-wide s2 every levelled run that died left svc000
    unfinished and placed it last, and svc000's new task fitted on fewer instances than
    any other's. On scale L 70 % fleet-wide s3 spoiling runs crowd every service out
    (each fitted on no instance at some wave's end), but only svc033 was left so while
    few services could still stop a task (5–7, the others 12–14); its levelled runs died
    9 times in 60. Drawing the last service by this sum found a dying run there with 5 of
    seeds 0–5 (3 of 6 with the second levelled run not guided, 1 of 6 counting the
    instances alone); on the M scenario with 11 of seeds 0–11 as before (median the
    238th run, against the 169th); on the other 35 fleet-wide M scenarios, seeds 0–2, at
    the same run on 33, sooner on one and up to 7 runs later on one (benchmarks/README.md,
    issue 24's twelfth and thirteenth sessions). It only changes which runs are drawn:
    each is still a run by ECS rules."""

    def __init__(self, problem: Problem, stake: list[int]) -> None:
        self.problem = problem
        self.stake = set(stake)
        #: service -> the least sum so far (instances it fitted on + services that may stop)
        self.nearest: dict[int, int] = {}

    def saw(self, policy: Policy, run: Run) -> None:
        """Note how near the service ``policy`` leaves last came to a dead end in ``run``
        (nothing for a policy with random choices or no order)."""
        if policy.order is None or policy.rng is not None:
            return
        t = policy.spoil if policy.spoil is not None else policy.order[-1]
        if t not in self.stake:
            return
        problem = self.problem
        desired = problem.services[t].desired
        for state in run.states[1:]:
            if state.old_total(t) or state.new_total(t) != desired:
                fits = int(Cluster(problem, state).loads.fits(t).sum())
                stoppers = sum(
                    stop_allowance(problem, state, s) > 0 for s in range(problem.n_services)
                )
                self.nearest[t] = min(self.nearest.get(t, fits + stoppers), fits + stoppers)

    def draw(self, rng: random.Random) -> int | None:
        """A service to leave last, the nearer the likelier (weight 1 / (1 + sum)²: one
        at a dead end is drawn 100 times as often as one at 9); None before any run was
        seen."""
        if not self.nearest:
            return None
        services = sorted(self.nearest)
        weights = [1 / (1 + self.nearest[t]) ** 2 for t in services]
        return rng.choices(services, weights)[0]


#: Services whose spoiling runs (all three orders) come before any randomised run.
FIRST_SPOILED = 3

#: The most services whose runs with no random choice are all listed, so that the runs
#: end once each has been made (:func:`_distinct`): 5! = 120 levelled orders.
FEW_SERVICES = 5


def _distinct(S: int, spoiled: list[int], adversary: list[Policy]) -> set[Policy] | None:
    """Every policy with no random choice :func:`other_runs` can make on ``S`` services
    (None: more than :data:`FEW_SERVICES`, or one service, where every randomised run has
    every choice at random): the adversary's, and the randomised levelled runs in every
    order and spoiling runs of each of ``spoiled`` in every order of the others.

    Once each has been made, the runs end: only runs with every choice at random are left.
    On the 23 three-service M scenarios of four families where ECS's default run
    completes and the count sets leave a service at stake, the first run that died was
    one of these in all 17 where one died (at most the 60th run), and among the first
    five dying runs of each none had every choice at random; in the other six, 1,073 to
    3,955 runs each found none in 7.5 s, and 82 % of all the runs made were repeats of a
    policy already run. Of 64 M scenarios of the sixth session, no run with every choice
    at random died where the others had not (benchmarks/README.md, issue 24's eleventh
    session)."""
    if S > FEW_SERVICES or S < 2:
        return None
    out = set(adversary)
    for order in itertools.permutations(range(S)):
        out.add(Policy(order=order, level=True))
    for s in spoiled:
        for others in itertools.permutations(_others(S, s)):
            out.add(Policy(order=(*others, s), spoil=s))
    return out


def hardest_first(problem: Problem, services: Iterable[int]) -> list[int]:
    """``services``, the hardest to place first: where a new task fits on the fewest
    instances at the start (at 2,800 instances a run takes seconds, and only the first
    few services get an adversary's run; there, spoiling those that fit nowhere yet
    killed three runs of four, benchmarks/README.md)."""
    loads = Cluster(problem, initial_state(problem)).loads
    return sorted(services, key=lambda s: (int(loads.fits(s).sum()), s))


def _spoilers(problem: Problem, chosen: list[int]) -> list[Policy]:
    """For each of ``chosen``, the others' new tasks each where it takes a place of the
    service's, the others in three orders: the largest first (their new tasks' share of
    the cluster's CPU units or memory, the larger), the most tasks first, and as listed.

    The order decides which places are left: on the unseen family's M 85 % three-service
    s1 the run in file order completes and the largest-first one dies in 4 waves (found
    by CP-SAT's local search only after 26 s); of 10 M scenarios left ``unknown`` at 10 s,
    largest-first found a dying run in 3, most-tasks-first in 2, file order in none
    (benchmarks/README.md)."""
    S = problem.n_services
    services = problem.services
    loads = ArrayLoads.empty(problem.row_arrays)
    totals = [float(loads.limit[:, k].sum()) for k in loads.resource[:2]]
    cpu, memory = (t if t > 0 else 1.0 for t in (totals or [1.0, 1.0]))

    def largest(x: int) -> float:
        new = services[x].new
        return -services[x].desired * max(new.cpu / cpu, new.memory / memory)

    def most(x: int) -> int:
        return -services[x].desired

    out: list[Policy] = []
    for key in (largest, most, None):
        for s in chosen:
            others = _others(S, s)
            order = tuple(sorted(others, key=lambda x: (key(x), x))) if key else others
            out.append(Policy(order=(*order, s), spoil=s))
    return out


def _others(S: int, s: int) -> tuple[int, ...]:
    return tuple(x for x in range(S) if x != s)
