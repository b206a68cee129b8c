"""A proof that no dead state exists, from volumes alone (no waves, no placement).

In a dead state (ROLLOUT.md §4) every unfinished service can neither stop nor start.
A rolling service with ``upper > lower`` cannot be held by its bounds alone (that needs
``upper ≤ old + new ≤ lower``), so some service ``s`` must have room and fit nowhere:
every instance is *blocked* for it, by CPU, memory, ENIs or dynamic ports (its use there
exceeds capacity − need), by a fixed port some task holds there, or by distinctInstance.

In any dead state a rolling service runs at most ``desired`` tasks (``old + new =
max(lower, new)``, or all new), an all-at-once one at most its blue set and a partial
green set, or its whole green set once done (a done service's tasks still block others).
So the tasks can put at most ``U_d`` units of dimension ``d`` on the cluster. If no way of
blocking every instance fits within those budgets, no dead state exists, whatever the
placement: every run by ECS rules completes. Instances are grouped into classes of
identical ones, so the check is a tiny integer program per service.

Each instance's row carries a sum of its tasks' loads, so a blocked one carries at least
the least such sum above ``limit − need`` (and any one at most the largest sum up to
``limit``): with tasks of 256 and 384 CPU units on 4,096, blocking a task of 1,024 takes
3,200, not 3,073 (:func:`_sums`; every load counted any number of times, so the sums are
a superset of what the tasks can make, and the bounds hold for every instance, hence for
a class's total). On the scale family's L 50 % fleet-wide s3 that proved no dead state
exists, where the volumes alone left two services blockable and the run ended
``unknown`` (benchmarks/README.md, issue 24's eleventh session). The same program for
several services at once (:func:`can_block_all`) says whether they can all be blocked
together, which :mod:`planner.solvers.counts` asks wave by wave.

Every program runs for what its deadline has left, at most
:data:`~planner.running.clock.VOLUME_CALL` each; past the deadline none is asked, and
the answer is "no proof".
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

from ortools.sat.python import cp_model

from planner.model import placement
from planner.model.horizon import max_waves
from planner.model.placement import Row
from planner.model.problem import Footprint, Problem
from planner.model.rollout import room_for, stops_allowed
from planner.running import clock
from planner.running.clock import Deadline
from planner.solvers import cpcall


def _task_types(
    problem: Problem, counts: tuple[list[int], list[int]] | None
) -> list[tuple[int, Footprint, int]]:
    """(service, footprint, most running) for the old (even index) and new (odd) tasks.

    Without ``counts``, the most in a dead state: a rolling service runs at most
    ``desired`` tasks, an all-at-once one its blue set and a partial green set, or, once
    done, its whole green set (the program's done / stuck constraints tell the two apart).
    """
    out: list[tuple[int, Footprint, int]] = []
    for t, svc in enumerate(problem.services):
        o0 = problem.old_totals[t]
        if counts is not None:
            blue, green = min(o0, counts[0][t]), counts[1][t]
        else:
            blue = min(o0, svc.desired)
            green = svc.desired  # a finished all-at-once service runs all of them
        out.append((t, svc.old, blue))
        out.append((t, svc.new, green))
    return out


def can_block_everywhere(
    problem: Problem,
    s: int,
    deadline: Deadline | None = None,
    counts: tuple[list[int], list[int]] | None = None,
    pair: tuple[int, int] | None = None,
) -> bool:
    """Whether the tasks could block every instance for a new task of ``s``.

    Without ``counts``, in any dead state; with ``counts = (old, new)``, with at most that
    many old and new tasks of each service running. ``pair = (old, new)``: ``s`` itself
    runs at most that many. See :func:`can_block_all`.
    """
    return can_block_all(problem, [s], deadline, counts, pairs=None if pair is None else {s: pair})


#: Above this many ways of blocking one instance for every service at once,
#: :func:`can_block_all` answers "yes" (no proof) rather than build the program.
MAX_COMBINATIONS = 256


def can_block_all(
    problem: Problem,
    blocked: Sequence[int],
    deadline: Deadline | None = None,
    counts: tuple[list[int], list[int]] | None = None,
    pairs: dict[int, tuple[int, int]] | None = None,
) -> bool:
    """Whether the tasks could block every instance for a new task of every service in
    ``blocked`` at once (``counts``, ``pairs``: as for :func:`can_block_everywhere`).
    The program runs until ``deadline`` (None: none), at most
    :data:`~planner.running.clock.VOLUME_CALL`; past it, "yes" (no proof) unasked.

    An aggregate integer program (:class:`_BlockProgram`): per class of identical instances
    (identical placement rows, :mod:`planner.model.placement`), how many are blocked by which
    combination of rows (per service: one row its new task would break, a resource, a fixed
    port some task holds there, distinctInstance), and how many tasks of each kind sit on
    them. Tasks load every row where they sit, no instance breaks a row, and old tasks stay
    in the class where they ran; which instance of a class holds which task is left open,
    so a "no" is a proof and a "yes" is not.
    """
    B = list(dict.fromkeys(blocked))
    combos = _combinations(problem, B)
    if isinstance(combos, bool):
        return combos
    program = _BlockProgram(problem, B, _capped(_task_types(problem, counts), pairs))
    for c, (rows, insts) in enumerate(problem.classes):
        program.add_class(c, rows, insts, combos[c])
    program.add_type_totals()
    if counts is None:
        program.add_dead_state()
    return program.feasible(deadline)


def _capped(
    types: list[tuple[int, Footprint, int]], pairs: dict[int, tuple[int, int]] | None
) -> list[tuple[int, Footprint, int]]:
    """``types`` with each service of ``pairs`` running at most its (old, new) there."""
    for t, (o, nw) in (pairs or {}).items():
        types[2 * t] = (t, types[2 * t][1], min(types[2 * t][2], o))
        types[2 * t + 1] = (t, types[2 * t + 1][1], min(types[2 * t + 1][2], nw))
    return types


def _ways(s: int, rows: tuple[Row, ...]) -> list:
    """The rows that can keep a new task of ``s`` off an instance with these rows (each a
    way to block it there); ["free"] where it never fits anyway."""
    if not placement.could_ever_fit(rows, s):
        return ["free"]
    return [k for k, row in enumerate(rows) if row.new[s]]


def _combinations(problem: Problem, B: list[int]) -> list[list[tuple]] | bool:
    """Per class of instances, every way of blocking one instance for all of ``B`` at once
    (a row, or "free", per service); or the answer without a program, at the first class
    (in order) that gives one: False where a service cannot be blocked at all, True (no
    proof) past :data:`MAX_COMBINATIONS`."""
    out = []
    for rows, _ in problem.classes:
        combos = list(itertools.product(*(_ways(s, rows) for s in B)))
        if any(not w for w in combos) or not combos:
            return False  # a service with no way to be blocked here
        if len(combos) > MAX_COMBINATIONS:
            return True
        out.append(combos)
    return out


#: The largest row limit whose sums are listed (:func:`_sums`, a bit each: 8 MiB at most);
#: above it, the volumes alone. The most memory in data/instance_types.yaml, in MiB, is
#: half of it.
SUMS_MOST = 1 << 26
#: Sums are kept for rows up to this limit (128 KiB each, a thousand at most): CPU units
#: and the memory of all but the largest instances.
SUMS_KEPT = 1 << 20


def _sums(loads: tuple[int, ...], limit: int) -> int:
    """The loads one instance's row can carry, as bits of an integer (bit ``v``: some
    tasks load it with exactly ``v``): every sum of ``loads``, each any number of
    times, up to ``limit`` (a superset of what the tasks can make: no type is capped)."""
    return _kept_sums(loads, limit) if limit <= SUMS_KEPT else _all_sums(loads, limit)


def _all_sums(loads: tuple[int, ...], limit: int) -> int:
    mask = (1 << (limit + 1)) - 1
    reach = 1  # nothing on it: 0
    for a in loads:
        shift = a
        while 0 < shift <= limit:  # any number of a's: 1, 2, 4, ... at a time
            reach = (reach | (reach << shift)) & mask
            shift *= 2
    return reach


_kept_sums = functools.lru_cache(maxsize=1024)(_all_sums)


def _least_from(sums: int, low: int) -> int | None:
    """The least of the loads ``sums`` (:func:`_sums`) of at least ``low`` (None: none)."""
    above = sums >> max(low, 0)
    return None if above == 0 else max(low, 0) + (above & -above).bit_length() - 1


class _BlockProgram:
    """The integer program of :func:`can_block_all`, built step by step: the classes of
    instances, each task type's total, and (in any dead state) every service done or
    stuck. Task types as :func:`_task_types` gives them (even: old tasks, odd: new)."""

    def __init__(
        self, problem: Problem, B: list[int], types: list[tuple[int, Footprint, int]]
    ) -> None:
        self.problem, self.B, self.types = problem, B, types
        self.m = cp_model.CpModel()
        self.live = [k for k, (_, _, most) in enumerate(types) if most]
        self.alive = set(self.live)
        #: Per live task type, its count variables on every combination of every class.
        self.on_type: dict[int, list] = {k: [] for k in self.live}

    def terms(self, row: Row) -> list[tuple[int, int]]:
        """(task type, what one task of it puts on ``row``) for the live types that load
        it (even types: old tasks, odd: new)."""
        return [(2 * t, a) for t, a in row.old_terms if 2 * t in self.alive] + [
            (2 * t + 1, b) for t, b in row.new_terms if 2 * t + 1 in self.alive
        ]

    def add_class(self, c: int, rows: tuple[Row, ...], insts: Sequence[int], combos) -> None:
        """Class ``c``'s instances (``insts``, with placement rows ``rows``), each blocked by
        one of ``combos``: how many by each, and the tasks on them."""
        m, n = self.m, len(insts)
        if all(w == "free" for combo in combos for w in combo):
            return
        ys = []
        here: dict[int, list] = {k: [] for k in self.live}
        for j, combo in enumerate(combos):
            y = m.new_int_var(0, n, f"y{c}_{j}")
            ys.append(y)
            xs = {k: m.new_int_var(0, self.types[k][2], f"x{c}_{j}_{k}") for k in self.live}
            for k, x in xs.items():
                here[k].append(x)
            for r, row in enumerate(rows):
                load = sum(xs[k] * a for k, a in self.terms(row))
                needs = [row.new[s] for s, w in zip(self.B, combo, strict=True) if w == r]
                if isinstance(load, int):  # no task can load this row
                    if needs:
                        m.add(y == 0)  # so it blocks nothing: no instance is blocked so
                    continue
                if not 0 <= row.limit <= SUMS_MOST:  # the volumes alone
                    m.add(load <= y * row.limit)  # every row kept on every such instance
                    if needs:  # blocked by this row: its load above limit − need there
                        m.add(load >= y * (row.limit - min(needs) + 1))
                    continue
                # what one instance's row can carry: a sum of its tasks' loads, so the
                # most is the largest such sum, and blocked means one above limit − need
                sums = _sums(tuple(sorted({a for _, a in self.terms(row)})), row.limit)
                m.add(load <= y * (sums.bit_length() - 1))
                if needs:
                    least = _least_from(sums, row.limit - min(needs) + 1)
                    m.add(y == 0 if least is None else load >= y * least)
        m.add(sum(ys) == n)
        for k in self.live:
            if k % 2 == 0:  # old tasks stay where they ran
                t_s = self.types[k][0]
                m.add(sum(here[k]) <= sum(self.problem.initial[i][t_s] for i in insts))
            self.on_type[k].extend(here[k])

    def add_type_totals(self) -> None:
        """No more tasks of a type than it can run."""
        for k, placed in self.on_type.items():
            if placed:
                self.m.add(sum(placed) <= self.types[k][2])

    def add_dead_state(self) -> None:
        """In a dead state every service is done (all new) or stuck: old = max(0, lower −
        new), new < desired; a service of ``B`` has room."""
        m = self.m
        for t_s, other in enumerate(self.problem.services):
            olds, news = self.on_type.get(2 * t_s, []), self.on_type.get(2 * t_s + 1, [])
            if not olds and not news:
                continue
            old_n, new_n = sum(olds), sum(news)
            done = m.new_bool_var(f"done{t_s}")
            if t_s in self.B:
                m.add(done == 0)
                if not other.all_at_once:  # it has room: old + new < upper
                    m.add(old_n + new_n <= other.upper - 1)
            m.add(old_n <= 0).only_enforce_if(done)
            m.add(new_n <= other.desired - 1).only_enforce_if(~done)
            if not other.all_at_once:
                m.add(old_n + new_n <= other.desired)
                m.add(old_n <= other.lower).only_enforce_if(~done)
                m.add(old_n + new_n <= max(other.lower, other.desired - 1)).only_enforce_if(~done)

    def feasible(self, deadline: Deadline | None) -> bool:
        """False only where CP-SAT proves the program infeasible (one worker, at most
        :data:`~planner.running.clock.VOLUME_CALL`, never past ``deadline``)."""
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        # without presolve: with the sums' bounds, presolve took CP-SAT past 10 s on the
        # first program of an XL rollout that it answers in 0.8 s without; on 23 M, L and
        # XL rollouts the volume phase took 30.2 s in all against 39.5 s, with the same
        # answers (benchmarks/README.md, issue 24's eleventh session)
        solver.parameters.cp_model_presolve = False
        seconds = clock.VOLUME_CALL.most
        return cpcall.solve(solver, self.m, seconds, deadline) != cp_model.INFEASIBLE


def trajectory(problem: Problem) -> list[tuple[list[int], list[int]]] | None:
    """Old and new counts after each wave of a run in which every service always starts
    all its room allows (the counts of any run until its first blocked start).

    None if that run never completes (it stalls on the bounds alone).
    """
    S = problem.n_services
    old = [sum(problem.initial[i][s] for i in range(problem.n_instances)) for s in range(S)]
    new = [sum(problem.start_new[i][s] for i in range(problem.n_instances)) for s in range(S)]
    out: list[tuple[list[int], list[int]]] = []
    for _ in range(max_waves(problem)):
        if all(old[s] == 0 and new[s] == svc.desired for s, svc in enumerate(problem.services)):
            return out
        prev = (list(old), list(new))
        for s, svc in enumerate(problem.services):
            old[s] -= stops_allowed(svc, old[s], new[s])
            new[s] += room_for(svc, old[s], new[s])
        if (old, new) == prev:
            return None
        out.append((list(old), list(new)))
    return None


def never_blocked(problem: Problem, deadline: Deadline | None = None) -> bool:
    """True (a proof) if no run by ECS rules can ever leave a start unplaced.

    Until the first wave in which some service cannot place all its room allows, every
    run has the counts of :func:`trajectory`. At that wave's end the service has room and
    fits nowhere, with at most the trajectory's tasks running (itself one fewer). If the
    volumes rule that out for every wave and service, every run follows the trajectory to
    completion. Past ``deadline``, False (no proof): no program is asked any more.
    """
    traj = trajectory(problem)
    if traj is None:
        return False
    n = problem.n_instances
    prev_new = [sum(problem.start_new[i][s] for i in range(n)) for s in range(problem.n_services)]
    for old, new in traj:
        for s in range(problem.n_services):
            if new[s] > prev_new[s]:  # it starts tasks in this wave: could one be left over?
                cap_new = list(new)
                cap_new[s] -= 1
                if deadline is not None and deadline.expired:
                    return False
                if can_block_everywhere(problem, s, deadline, counts=(old, cap_new)):
                    return False
        prev_new = new
    return True


def no_dead_state(problem: Problem, deadline: Deadline | None = None) -> bool:
    """True: no dead state exists at all (a proof). False: this check cannot tell (or
    ``deadline`` came first: no program is asked past it)."""
    for svc in problem.services:
        if not svc.all_at_once and svc.upper <= svc.lower:
            return False  # the bounds alone may hold it
    for s in range(problem.n_services):
        if deadline is not None and deadline.expired:
            return False
        if can_block_everywhere(problem, s, deadline):
            return False
    return True
