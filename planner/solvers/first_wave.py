"""No dead state keeps a first wave: a proof of safety from what wave 1 leaves behind.

In the wave model (ROLLOUT.md §3) new tasks never stop, so every state of a run holds,
instance by instance, at least the new tasks its first wave started. A dead state a run
reaches (after wave 1 or later) therefore holds, on the instances where wave 1 can start
tasks, at least the new tasks of one of the ends wave 1 can have by ECS rules (§4: it
stops all the bound allows, then starts all that fits).
:func:`no_dead_state_after_first_wave` lists those ends (:func:`first_wave_ends`, every
vector of new-task counts per service, by a dynamic program over the instances) and asks
CP-SAT for a dead state that keeps one of them. "None" proves that no run by ECS rules
dies; the caller has a run that completes, so the start itself is not dead.

The dead state is a choice of a *pattern* per instance: the old and new tasks of every
service on it, listed from the placement rows (:mod:`planner.model.placement`), with
whether each service's next task fits. Instances alike (the same rows and old tasks) form
a class, which takes as many patterns as it has instances, counted, not ordered. The
linear relaxation of such a model is that of every instance's patterns at once, which
is what lets CP-SAT count places: on honest2 M 85 % three s1 (issue 24), svc000's 47 old
tasks fill the c5.xlarge where they run, so a dead state needs a task of svc009 on a
c5.xlarge for every two of svc000's tasks on a c5.2xlarge, and what wave 1 starts there
leaves too few; refuted in about a tenth of a second, where the models of runs wave by
wave did not settle in minutes (benchmarks/README.md, issue 24's fourteenth session).

Which services a dead state may leave unfinished: those the volumes can block
(:func:`.volume.can_block_everywhere`), as an unfinished service of a dead state fits
nowhere when its bounds leave it room (:func:`applies`); the others are complete. One
model per such service ``t`` and case: ``t`` fits nowhere, with old tasks left at its
lower bound, or with none left and short of its desired count (the stop rule's fixed
point, :meth:`.cpsat.RolloutModel._fixed_point`, each case linear). The other services
that can be blocked keep the fixed point, and nothing more is asked of them: a
relaxation, so "none" stays a proof.

It applies to rolling services on a cluster that does not react, from the start (no
snapshot, no instance closed), and only while the patterns stay few
(:data:`MOST_PATTERNS`, :data:`MOST_COMBINATIONS`, :data:`MOST_CELLS`): a rollout of a
few services, where every pattern on a kind of instance can be listed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
from ortools.sat.python import cp_model

from planner.model import placement
from planner.model.problem import Problem
from planner.model.rollout import room_for, stops_allowed
from planner.running.clock import Deadline
from planner.solvers import cpcall
from planner.solvers.volume import can_block_everywhere

#: Above this many patterns in all (both states, every class), the proof is not tried.
MOST_PATTERNS = 60_000
#: Nor where the counts one instance's patterns are drawn from are more than this (so
#: a rollout of many services is turned away at once: 10 services at 50 instances took
#: 3 s to list 60,000 patterns, 40 at 350 instances 17 s).
MOST_COMBINATIONS = 250_000

Pattern = tuple[tuple[int, ...], tuple[int, ...], tuple[bool, ...]]  # old, new, fits


def applies(problem: Problem) -> bool:
    """Rolling services whose bounds leave room (``upper > lower``: an unfinished service
    of a dead state can then only be one that fits nowhere), no capacity provider that
    may grow, no snapshot, no instance closed."""
    return (
        not problem.reacts
        and not problem.snapshot
        and not problem.initial_new
        and all(not svc.all_at_once and svc.upper > svc.lower for svc in problem.services)
        # without a snapshot every service runs its desired count, at least its lower bound
        and all(
            o0 >= svc.lower for o0, svc in zip(problem.old_totals, problem.services, strict=True)
        )
        and all(inst.closed is None for inst in problem.instances)
    )


def no_dead_state_after_first_wave(problem: Problem, deadline: Deadline | None = None) -> bool:
    """True: no run by ECS rules reaches a dead state after wave 1 (a proof). False: this
    check cannot tell, does not apply, or ``deadline`` came first."""
    if not applies(problem):
        return False
    classes = _classes(problem)
    budget = [MOST_PATTERNS]
    first = []
    for insts in classes:  # (a rollout of many services stops at its first class)
        first.append(_first_wave_patterns(problem, insts[0], budget, deadline))
        if budget[0] < 0:
            return False
    ends = first_wave_ends(problem, classes, first, deadline)
    if not ends:  # (none only if past the deadline: wave 1 always ends somewhere)
        return False
    # the instances where wave 1 can start a task: all its starts are there
    where = [any(any(p[1]) for p in pats) for pats in first]
    # a service a dead state leaves unfinished fits nowhere (its bounds leave it room):
    # the volumes say which can; past the deadline they say all can (no proof lost)
    blockable = [t for t in range(problem.n_services) if can_block_everywhere(problem, t, deadline)]
    for t in blockable:
        dead = []
        for insts in classes:
            dead.append(_dead_patterns(problem, insts[0], t, blockable, budget, deadline))
            if budget[0] < 0:
                return False
        for with_old in (True, False):
            model = _model(problem, classes, dead, where, ends, t, blockable, with_old)
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = 1
            seconds = deadline.left() if deadline is not None else 10.0
            if cpcall.solve(solver, model, seconds, deadline) != cp_model.INFEASIBLE:
                return False
    return True


#: The most cells of :func:`first_wave_ends`'s table of counts (beyond: not tried).
MOST_CELLS = 2_000_000


def first_wave_ends(
    problem: Problem,
    classes: list[list[int]],
    first: list[list[Pattern]],
    deadline: Deadline | None = None,
) -> list[tuple[int, ...]] | None:
    """Every vector of new-task counts per service that wave 1 can end with by ECS rules
    (None: too many to list, or past ``deadline``).

    A dynamic program over the instances, on a table of counts (numpy): for every choice
    of the services left fitting nowhere, the patterns that keep them so, instance after
    instance; a service still fitting somewhere must be at its room. Old tasks are counted
    too where a service stops some but not all of them."""
    starts = _after_first_stops(problem)
    S = problem.n_services
    partial = [s for s, (left, _) in enumerate(starts) if 0 < left < problem.old_totals[s]]
    shape = tuple(room + 1 for _, room in starts) + tuple(
        problem.old_totals[s] + 1 for s in partial
    )
    if 2**S * math.prod(shape) > MOST_CELLS:
        return None
    ends: set[tuple[int, ...]] = set()
    for blocked in itertools.product((True, False), repeat=S):
        table = np.zeros(shape, dtype=bool)
        table[(0,) * len(shape)] = True
        for insts, pats in zip(classes, first, strict=True):
            moves = {
                tuple(p[1]) + tuple(p[0][s] for s in partial)
                for p in pats
                if not any(b and f for b, f in zip(blocked, p[2], strict=True))
            }
            for _ in insts:
                if deadline is not None and deadline.expired:
                    return None
                table = _spread(table, moves)
        at = np.argwhere(table)
        keep = np.ones(len(at), dtype=bool)
        for s, (_, room) in enumerate(starts):
            if not blocked[s]:
                keep &= at[:, s] == room
        for k, s in enumerate(partial):
            keep &= at[:, S + k] == starts[s][0]
        ends.update(tuple(int(v) for v in row[:S]) for row in at[keep])
    return sorted(ends)


def _spread(table: np.ndarray, moves: set[tuple[int, ...]]) -> np.ndarray:
    """The counts ``table`` holds, each plus one of ``moves`` (within the table)."""
    out = np.zeros_like(table)
    for move in moves:
        if any(m >= n for m, n in zip(move, table.shape, strict=True)):
            continue
        src = tuple(slice(0, n - m) for m, n in zip(move, table.shape, strict=True))
        dst = tuple(slice(m, n) for m, n in zip(move, table.shape, strict=True))
        out[dst] |= table[src]
    return out


def _classes(problem: Problem) -> list[list[int]]:
    """Instances alike: the same placement rows and the same old tasks."""
    out: dict[tuple, list[int]] = {}
    for i, rows in enumerate(problem.rows):
        out.setdefault((id(rows), problem.initial[i]), []).append(i)
    return list(out.values())


def _after_first_stops(problem: Problem) -> list[tuple[int, int]]:
    """Per service, its old tasks after wave 1's stops and the starts it may make then."""
    out = []
    for s, svc in enumerate(problem.services):
        old = problem.old_totals[s]
        left = old - stops_allowed(svc, old, 0)
        out.append((left, room_for(svc, left, 0)))
    return out


def _patterns(
    problem: Problem,
    i: int,
    olds: Sequence[range],
    news: Sequence[range],
    budget: list[int],
    deadline: Deadline | None,
) -> list[Pattern]:
    """Every count of old and new tasks per service in the ranges that instance ``i``
    holds, with whether each service's next new task fits, while ``budget[0]`` lasts
    (it is spent, one a pattern; below zero: the list is cut short, as at ``deadline``)."""
    if math.prod(map(len, olds)) * math.prod(map(len, news)) > MOST_COMBINATIONS:
        budget[0] = -1  # too many to look at: not tried
        return []
    rows = problem.rows[i]
    S = len(olds)
    old = [0] * S
    new = [0] * S
    out: list[Pattern] = []

    def go(k: int) -> None:  # counts of services k, k + 1, ... (the tasks only add load)
        if budget[0] < 0:
            return
        if k == 2 * S:
            fits = tuple(not placement.failures(rows, old, new, s) for s in range(S))
            out.append((tuple(old), tuple(new), fits))
            budget[0] -= 1
            if budget[0] % 512 == 0 and deadline is not None and deadline.expired:
                budget[0] = -1
            return
        cells, s = (old, k) if k < S else (new, k - S)
        for n in olds[s] if k < S else news[s]:
            cells[s] = n
            if not placement.holds(rows, old, new):
                break
            go(k + 1)
        cells[s] = 0

    go(0)
    return out


def _first_wave_patterns(
    problem: Problem, i: int, budget: list[int], deadline: Deadline | None = None
) -> list[Pattern]:
    """What instance ``i`` may hold at the end of wave 1: each service's old tasks all,
    none, or any number in between as its stops allow; new tasks up to its starts."""
    olds, news = [], []
    for s, (left, room) in enumerate(_after_first_stops(problem)):
        here = problem.initial[i][s]
        if left == problem.old_totals[s]:
            olds.append(range(here, here + 1))  # it stops none
        elif left == 0:
            olds.append(range(1))  # it stops all
        else:
            olds.append(range(here + 1))
        news.append(range(min(room, placement.most_new(problem.rows[i], s, room)) + 1))
    return _patterns(problem, i, olds, news, budget, deadline)


def _dead_patterns(
    problem: Problem,
    i: int,
    t: int,
    blockable: Sequence[int],
    budget: list[int],
    deadline: Deadline | None = None,
) -> list[Pattern]:
    """What instance ``i`` may hold in a dead state that leaves ``t`` unfinished: ``t``'s
    next task fits nowhere; a service that cannot be blocked has no old task left."""
    olds, news = [], []
    for s, svc in enumerate(problem.services):
        olds.append(range(problem.initial[i][s] + 1) if s in blockable else range(1))
        news.append(range(placement.most_new(problem.rows[i], s, svc.desired) + 1))
    return [p for p in _patterns(problem, i, olds, news, budget, deadline) if not p[2][t]]


def _model(
    problem: Problem,
    classes: list[list[int]],
    dead: list[list[Pattern]],
    where: list[bool],
    ends: list[tuple[int, ...]],
    t: int,
    blockable: Sequence[int],
    with_old: bool,
) -> cp_model.CpModel:
    """A dead state leaving ``t`` unfinished (``with_old``: with old tasks left), holding
    on the instances where wave 1 starts tasks at least the new tasks of one of wave 1's
    ``ends``."""
    m = cp_model.CpModel()
    S = problem.n_services
    # terms per service, summed once at the end (a sum built by += can be shared
    # between two totals by CP-SAT's expression objects)
    olds: list[list] = [[] for _ in range(S)]
    news: list[list] = [[] for _ in range(S)]
    kept: list[list] = [[] for _ in range(S)]  # new tasks where wave 1 can start them
    for c, insts in enumerate(classes):
        ys = [m.new_int_var(0, len(insts), f"y{c}_{k}") for k in range(len(dead[c]))]
        m.add(sum(ys) == len(insts))
        for y, (old, new, _) in zip(ys, dead[c], strict=True):
            for s in range(S):
                if old[s]:
                    olds[s].append(old[s] * y)
                if new[s]:
                    news[s].append(new[s] * y)
                    if where[c]:
                        kept[s].append(new[s] * y)
    y_old = [cp_model.LinearExpr.sum(terms) for terms in olds]
    y_new = [cp_model.LinearExpr.sum(terms) for terms in news]
    first = [m.new_int_var(0, max(e[s] for e in ends), f"first{s}") for s in range(S)]
    m.add_allowed_assignments(first, ends)
    for s, svc in enumerate(problem.services):
        m.add(cp_model.LinearExpr.sum(kept[s]) >= first[s])  # new tasks never stop
        m.add(y_new[s] <= svc.desired)
        if s not in blockable:  # it fits somewhere in any dead state, so it is complete
            m.add(y_new[s] == svc.desired)  # (its patterns hold no old task)
        elif s != t:
            m.add(y_old[s] == _fixed_point(m, problem, s, y_new[s]))
    # t unfinished at the fixed point, one case or the other, each linear: with old
    # tasks left, at its lower bound; or none left, short of its desired count
    svc = problem.services[t]
    if with_old:
        m.add(y_old[t] >= 1)
        m.add(y_old[t] + y_new[t] == svc.lower)
    else:
        m.add(y_old[t] == 0)
        m.add(y_new[t] >= svc.lower)
        m.add(y_new[t] <= svc.desired - 1)
    return m


def _fixed_point(m: cp_model.CpModel, problem: Problem, s: int, new) -> cp_model.IntVar:
    """Old tasks of ``s`` in a state ECS rules reached and that stops nothing more:
    ``max(0, lower − new)`` (:meth:`.cpsat.RolloutModel._fixed_point`; :func:`applies`:
    it ran at least ``lower`` old tasks)."""
    svc = problem.services[s]
    keep = m.new_int_var(0, max(problem.old_totals[s], svc.lower), f"keep{s}")
    m.add_max_equality(keep, [0, svc.lower - new])
    return keep
