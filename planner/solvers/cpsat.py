"""The wave model as a CP-SAT model over task counts.

Variables are counts, never booleans per task: ``old[w][i][s]`` and ``new[w][i][s]`` say
how many old and new tasks of deploying service ``s`` run on instance ``i`` after wave
``w`` (``w = 0`` is the initial state, new tasks already running in a snapshot).
Identical tasks are interchangeable, so a plan is a sequence of count matrices;
:func:`plan_of` turns it into waves that :func:`planner.model.rollout.replay` checks.

Two questions are asked of it (see :mod:`planner.model.horizon` for why the horizon
makes the answers proofs):

- :meth:`~WaveRules.target_complete`: is there a plan, under the general rules, with stops
  at their maximum (without loss of generality), that completes within ``H`` waves?
- :meth:`~WaveRules.target_unfinished`: is there a run by ECS rules (maximum stops,
  maximal starts) that has not completed after ``H`` waves? Among those, one that is dead
  is preferred.

Here: the count variables (:class:`RolloutModel`) and the two one-state questions
(:func:`final_state_fits`, :func:`dead_state_exists`). The rules on per-service totals,
the targets, solving and the answers are in :mod:`planner.solvers.wave_rules` (shared with
the benchmarks' naive boolean model); their names are importable from here too.
"""

from __future__ import annotations

from typing import Any

from ortools.sat.python import cp_model

from planner.errors import OutOfTime
from planner.model import placement
from planner.model.problem import Problem
from planner.model.rollout import State
from planner.running import work
from planner.running.clock import Deadline
from planner.solvers import cpcall
from planner.solvers.counts import CountSets, Pairs
from planner.solvers.wave_rules import FEASIBLE, INTERLEAVED, Answer, WaveRules, plan_of

__all__ = [
    "FEASIBLE",
    "INTERLEAVED",
    "MOST_INTERVALS",
    "Answer",
    "OutOfTime",
    "RolloutModel",
    "WaveRules",
    "dead_state_exists",
    "final_state_fits",
    "plan_of",
]

#: The most intervals of a count set that :meth:`RolloutModel.restrict_counts` gives a
#: literal each; larger sets are added as their bounds.
MOST_INTERVALS = 2000


def most_new_on(problem: Problem, i: int, s: int, cache: dict[tuple[int, int], int]) -> int:
    """Most new tasks of ``s`` that instance ``i`` could ever hold (a tight domain), kept in
    ``cache`` per distinct set of placement rows (instances alike share it)."""
    rows = problem.rows[i]
    if (id(rows), s) not in cache:
        cache[id(rows), s] = placement.most_new(rows, s, problem.services[s].desired)
    return cache[id(rows), s]


class RolloutModel(WaveRules):
    """Builds the count model for ``horizon`` waves; one instance per question."""

    def __init__(
        self,
        problem: Problem,
        horizon: int,
        *,
        ecs_rules: bool,
        free_state: bool = False,
        deadline: Deadline | None = None,
    ) -> None:
        self.p = problem
        self.H = horizon
        self.ecs_rules = ecs_rules
        self.deadline = deadline
        self._sums: dict[tuple, Any] = {}
        watch = work.stopwatch()
        self.m = cp_model.CpModel()
        self._variables()
        if free_state:
            self._fixed_point()
        else:
            self._stops()
            self._starts()
        self._placement(ecs_rules)
        self.build_seconds = watch.seconds()

    # ------------------------------------------------------------ variables

    def _max_new(self, i: int, s: int) -> int:
        """Most new tasks of ``s`` that instance ``i`` could ever hold (a tight domain)."""
        return most_new_on(self.p, i, s, self.__dict__.setdefault("_most", {}))

    def _variables(self) -> None:
        p, m = self.p, self.m
        n_i, n_s = p.n_instances, p.n_services
        self.old: list[list[list]] = [[[p.initial[i][s] for s in range(n_s)] for i in range(n_i)]]
        self.new: list[list[list]] = [[list(row) for row in p.start_new]]
        for w in range(1, self.H + 1):
            olds, news = [], []
            for i in range(n_i):
                if i % 64 == 0:
                    self._check_time()
                olds.append(
                    [
                        m.new_int_var(0, p.initial[i][s], f"o{w}_{i}_{s}") if p.initial[i][s] else 0
                        for s in range(n_s)
                    ]
                )
                news.append(
                    [
                        m.new_int_var(0, ub, f"n{w}_{i}_{s}") if (ub := self._max_new(i, s)) else 0
                        for s in range(n_s)
                    ]
                )
            self.old.append(olds)
            self.new.append(news)
        for w in range(1, self.H + 1):
            for i in range(n_i):
                if i % 64 == 0:
                    self._check_time()
                for s in range(n_s):
                    if not isinstance(self.old[w][i][s], int):
                        m.add(self.old[w][i][s] <= self.old[w - 1][i][s])
                    if not isinstance(self.new[w][i][s], int):
                        m.add(self.new[w][i][s] >= self.new[w - 1][i][s])

    def old_sum(self, w: int, s: int):
        return self._total("old", w, s)

    def new_sum(self, w: int, s: int):
        return self._total("new", w, s)

    def _total(self, kind: str, w: int, s: int):
        """Service ``s``'s old or new tasks after wave ``w``: one variable, defined once
        as the sum over the instances, so that every rule on totals is a short constraint
        (a sum over hundreds of instances, repeated in each rule, made models of
        hundreds of megabytes)."""
        key = (kind, w, s)
        if key not in self._sums:
            cells = self.old if kind == "old" else self.new
            terms = [cells[w][i][s] for i in range(self.p.n_instances)]
            fixed = sum(t for t in terms if isinstance(t, int))
            free = [t for t in terms if not isinstance(t, int)]
            if not free:
                self._sums[key] = fixed
            else:
                most = sum(self.p.initial[i][s] for i in range(self.p.n_instances))
                if kind == "new":
                    most = self.p.services[s].desired
                var = self.m.new_int_var(0, max(most, fixed), f"{kind}{w}_{s}")
                self.m.add(var == fixed + sum(free))
                self._sums[key] = var
        return self._sums[key]

    # ------------------------------------------------------------ wave rules

    def _fixed_point(self) -> None:
        """Old counts of a state that ECS rules can have reached and then stay in.

        After any wave by ECS rules, ``old = max(0, lower − new before the wave)``, and a
        dead state stops nothing more, so ``old = max(0, lower − new)`` (all-at-once: the
        whole blue set, as nothing stops before the whole green set runs).
        """
        p, m = self.p, self.m
        for s, svc in enumerate(p.services):
            o0 = sum(p.initial[i][s] for i in range(p.n_instances))
            for w in range(1, self.H + 1):
                if svc.all_at_once:  # the blue set whole, or the green set done
                    done = m.new_bool_var(f"fixdone{w}_{s}")
                    m.add(self.old_sum(w, s) == 0).only_enforce_if(done)
                    m.add(self.new_sum(w, s) == svc.desired).only_enforce_if(done)
                    m.add(self.old_sum(w, s) == o0).only_enforce_if(~done)
                    m.add(self.new_sum(w, s) <= svc.desired - 1).only_enforce_if(~done)
                    continue
                keep = m.new_int_var(0, max(o0, svc.lower), f"fix{w}_{s}")
                m.add_max_equality(keep, [0, svc.lower - self.new_sum(w, s)])
                m.add(self.old_sum(w, s) == keep)

    def old_here(self, w: int, i: int, s: int):
        return self.old[w][i][s]

    def new_here(self, w: int, i: int, s: int):
        return self.new[w][i][s]

    def restrict_counts(self, sets: CountSets) -> None:
        """Only the (old, new) counts a run by ECS rules can have (:mod:`.counts`).

        Redundant for the ECS-rule model (every run keeps to the sets), but it tells the
        solver at once what volumes alone decide. One literal per interval of the set
        (an old count and a range of new counts); past :data:`MOST_INTERVALS` intervals,
        only the set's bounds (weaker, as sound: the model's own rules still hold).
        """
        m = self.m
        for w in range(1, self.H + 1):
            for s, pairs in enumerate(sets.at(w) or ()):
                o, nw = self.old_sum(w, s), self.new_sum(w, s)
                entries = list(Pairs.of(pairs).entries())
                if len(entries) == 1:
                    ((po, lo, hi),) = entries
                    m.add(o == po)
                    m.add_linear_constraint(nw, lo, hi)
                    continue
                if len(entries) > MOST_INTERVALS:
                    least_old, most_old, least_new, most_new = Pairs.of(pairs).bounds()
                    m.add_linear_constraint(o, least_old, most_old)
                    m.add_linear_constraint(nw, least_new, most_new)
                    continue
                # one literal per interval, not add_allowed_assignments: with a table
                # here, CP-SAT 9.15's presolve called a feasible model infeasible (a
                # snapshot case of the oracle's sample; tests/data/cpsat-presolve-table.txt)
                picks = [m.new_bool_var(f"pair{w}_{s}_{k}") for k in range(len(entries))]
                m.add_exactly_one(picks)
                m.add(o == sum(b * po for b, (po, _, _) in zip(picks, entries, strict=True)))
                # exactly one pick is true, so these sums are its interval's ends
                m.add(nw >= sum(b * lo for b, (_, lo, _) in zip(picks, entries, strict=True)))
                m.add(nw <= sum(b * hi for b, (_, _, hi) in zip(picks, entries, strict=True)))

    # ------------------------------------------------------------ solving

    def hint(self, states: list[State]) -> None:
        """Start the search from a known run (padded to the horizon)."""
        self.hinted = True
        for w in range(1, self.H + 1):
            st = states[min(w, len(states) - 1)]
            for i in range(self.p.n_instances):
                for s in range(self.p.n_services):
                    for var, val in (
                        (self.old[w][i][s], st.old[i][s]),
                        (self.new[w][i][s], st.new[i][s]),
                    ):
                        if not isinstance(var, int):
                            self.m.add_hint(var, val)

    def _state(self, solver: cp_model.CpSolver, w: int) -> State:
        def val(x):
            return x if isinstance(x, int) else solver.value(x)

        old = tuple(tuple(val(x) for x in row) for row in self.old[w])
        new = tuple(tuple(val(x) for x in row) for row in self.new[w])
        return State(old, new)


def final_state_fits(
    problem: Problem,
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
    deadline: Deadline | None = None,
) -> bool | None:
    """Whether every new task (and the static load) fits the cluster at once.

    False proves a hang (reason ``final-state``); None when the time limit (or
    ``deadline``) came first.
    """
    m = cp_model.CpModel()
    p = problem
    most: dict[tuple[int, int], int] = {}
    n = [
        [
            m.new_int_var(0, ub, f"n{i}_{s}") if (ub := most_new_on(p, i, s, most)) else 0
            for s in range(p.n_services)
        ]
        for i in range(p.n_instances)
    ]
    for s, svc in enumerate(p.services):
        m.add(sum(n[i][s] for i in range(p.n_instances)) == svc.desired)
        for i in range(p.n_instances):  # new tasks already running never move (a snapshot)
            if p.start_new[i][s]:
                m.add(n[i][s] >= p.start_new[i][s])
    for i in range(p.n_instances):
        for row in p.rows[i]:  # every placement row, no old task left
            load = sum(b * n[i][s] for s, b in enumerate(row.new) if b)
            if not isinstance(load, int):
                m.add(load <= row.limit)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = cpcall.solve(solver, m, time_limit, deadline)
    if status in FEASIBLE:
        return True
    if status == cp_model.INFEASIBLE:
        return False
    return None


def dead_state_exists(
    problem: Problem,
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
    deadline: Deadline | None = None,
) -> Answer:
    """Is there any dead state that ECS rules could rest in, reachable or not?

    A single state, no waves: old tasks where they ran (some stopped), new tasks anywhere,
    the fixed point of the stop rule, and every unfinished service unable to stop or start.
    "none" proves that no run by ECS rules can die: the rollout is safe if any run
    completes. "found" proves nothing by itself: the state may be unreachable.
    """
    model = RolloutModel(problem, 1, ecs_rules=True, free_state=True, deadline=deadline)
    model.target_dead()
    return model.solve(time_limit, workers, seed)
