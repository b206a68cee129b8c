"""The wave rules and targets of the CP-SAT rollout models, in per-service sums
(:class:`WaveRules`), how such a model is solved, and what a solve answers
(:class:`Answer`, its plan by :func:`plan_of`).

:class:`planner.solvers.cpsat.RolloutModel` (task counts per instance) and the benchmarks'
naive boolean model differ only in how tasks sit on instances; both take every rule on
totals, the targets and the solving from here. See :mod:`planner.solvers.cpsat` for the
variables and the two questions asked of the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from planner.model import placement
from planner.model.placement import Row
from planner.model.problem import Problem
from planner.model.rollout import State, Wave, moves_of
from planner.running import work
from planner.solvers import cpcall

__all__ = ["FEASIBLE", "INTERLEAVED", "Answer", "WaveRules", "plan_of"]

FEASIBLE = (cp_model.OPTIMAL, cp_model.FEASIBLE)


@dataclass(frozen=True)
class Answer:
    """What one CP-SAT call found."""

    status: str  # "found", "none" (proved: no such run), "unknown" (time limit)
    states: list[State] | None = None
    dead: bool = False
    seconds: float = 0.0

    @property
    def plan(self) -> list[Wave]:
        return plan_of(self.states or [])


def plan_of(states: list[State]) -> list[Wave]:
    """The waves between consecutive states, trailing empty waves dropped."""
    waves: list[Wave] = []
    for a, b in zip(states, states[1:], strict=False):
        stops: dict[tuple[int, int], int] = {}
        starts: dict[tuple[int, int], int] = {}
        for i, (ra, rb) in enumerate(zip(a.old, b.old, strict=True)):
            for s, (x, y) in enumerate(zip(ra, rb, strict=True)):
                if x > y:
                    stops[s, i] = x - y
        for i, (ra, rb) in enumerate(zip(a.new, b.new, strict=True)):
            for s, (x, y) in enumerate(zip(ra, rb, strict=True)):
                if y > x:
                    starts[s, i] = y - x
        waves.append(Wave(moves_of(stops), moves_of(starts)))
    while waves and waves[-1].empty:
        waves.pop()
    return waves


#: The complete searches a one-worker ``portfolio`` solve interleaves (CP-SAT's names):
#: quick restarts without LP found runs that die where the default search did not, and
#: the LP with symmetries (identical instances are interchangeable) proved that no run
#: of an L three-service scale scenario is unfinished far sooner than the default search
#: (measured in benchmarks/README.md).
INTERLEAVED = ("quick_restart_no_lp", "max_lp_sym")


class WaveRules:
    """The wave rules and the targets, in terms of per-service sums only.

    Shared by :class:`RolloutModel` (counts) and the benchmarks' naive boolean model, which
    differ only in how tasks sit on instances. A subclass provides ``p`` (the problem),
    ``m`` (the model), ``H`` (the horizon) and :meth:`old_sum` / :meth:`new_sum`.
    """

    p: Problem
    m: cp_model.CpModel
    H: int
    #: Add the redundant cuts of :meth:`_refills` to the maximal-start rule.
    refill_cuts = True

    def old_sum(self, w: int, s: int) -> Any:
        raise NotImplementedError

    def new_sum(self, w: int, s: int) -> Any:
        raise NotImplementedError

    # ------------------------------------------------------------ wave rules

    def _stops(self) -> None:
        """Each wave stops the most old tasks the bound allows (horizon.py: no loss)."""
        p, m = self.p, self.m
        for s, svc in enumerate(p.services):
            o0 = sum(p.initial[i][s] for i in range(p.n_instances))
            for w in range(1, self.H + 1):
                if svc.all_at_once:
                    full = m.new_bool_var(f"full{w}_{s}")
                    m.add(self.new_sum(w - 1, s) >= svc.desired).only_enforce_if(full)
                    m.add(self.new_sum(w - 1, s) <= svc.desired - 1).only_enforce_if(~full)
                    m.add(self.old_sum(w, s) == 0).only_enforce_if(full)
                    m.add(self.old_sum(w, s) == o0).only_enforce_if(~full)
                    continue
                keep = m.new_int_var(0, max(o0, svc.lower), f"keep{w}_{s}")
                m.add_max_equality(keep, [0, svc.lower - self.new_sum(w - 1, s)])
                if svc.lower <= o0:
                    m.add(self.old_sum(w, s) == keep)
                else:
                    m.add_min_equality(self.old_sum(w, s), [o0, keep])

    def _starts(self) -> None:
        """New tasks start only while ``old + new ≤ upper`` (and ``new ≤ desired``)."""
        p, m = self.p, self.m
        for s, svc in enumerate(p.services):
            for w in range(1, self.H + 1):
                m.add(self.new_sum(w, s) <= svc.desired)
                if svc.all_at_once:
                    continue
                started = m.new_bool_var(f"started{w}_{s}")
                m.add(self.new_sum(w, s) == self.new_sum(w - 1, s)).only_enforce_if(~started)
                m.add(self.old_sum(w, s) + self.new_sum(w, s) <= svc.upper).only_enforce_if(started)

    def old_here(self, w: int, i: int, s: int) -> Any:
        """How many old tasks of ``s`` run on ``i`` after wave ``w`` (a count term)."""
        raise NotImplementedError

    def new_here(self, w: int, i: int, s: int) -> Any:
        """How many new tasks of ``s`` run on ``i`` after wave ``w`` (a count term)."""
        raise NotImplementedError

    def row_load(self, w: int, i: int, row: Row) -> Any:
        """What the tasks on ``i`` put on placement ``row`` after wave ``w``."""
        return sum(a * self.old_here(w, i, s) for s, a in enumerate(row.old) if a) + sum(
            b * self.new_here(w, i, s) for s, b in enumerate(row.new) if b
        )

    def _load(self, w: int, i: int, k: int) -> Any:
        """:meth:`row_load` of row ``k`` of ``i``, built once per model (a model of
        hundreds of instances asks for each many times)."""
        cache = self.__dict__.setdefault("_loads", {})
        key = (w, i, k)
        if key not in cache:
            cache[key] = self.row_load(w, i, self.p.rows[i][k])
        return cache[key]

    def _placement(self, ecs_rules: bool) -> None:
        """Where tasks may run (every placement row, :mod:`planner.model.placement`) and, under
        ECS rules, the maximal-start rule."""
        p, m = self.p, self.m
        for w in range(1, self.H + 1):
            for i in range(p.n_instances):
                if i % 64 == 0:
                    self._check_time()
                for k, row in enumerate(p.rows[i]):
                    load = self._load(w, i, k)
                    if not isinstance(load, int):  # (a constant load was placed as it is)
                        m.add(load <= row.limit)
        if ecs_rules:
            self._maximal_starts()

    def _check_time(self) -> None:
        """Stop building past the deadline (:class:`OutOfTime`): a model of hundreds of
        instances and many waves takes seconds to build, and the time limit is a promise."""
        # under a work budget, the stretch of building since the last look (about 64
        # instances of every service: planner.running.work)
        work.charge(work.BUILD_SECONDS * 64 * self.p.n_services)
        deadline = getattr(self, "deadline", None)
        if deadline is not None:
            deadline.check("building the CP-SAT model")

    def _maximal_starts(self) -> None:
        """ECS rules: after the starts of a wave, no service with room fits anywhere."""
        p, m = self.p, self.m
        ever = {}  # whether a new task of s fits instance i's rows with nothing else there
        for w in range(1, self.H + 1):
            for s, svc in enumerate(p.services):
                self._check_time()
                room = m.new_bool_var(f"room{w}_{s}")
                full = m.new_bool_var(f"atdesired{w}_{s}")
                m.add(self.new_sum(w, s) >= svc.desired).only_enforce_if(full)
                no_room = [room, full]
                if not svc.all_at_once:
                    capped = m.new_bool_var(f"atupper{w}_{s}")
                    m.add(self.old_sum(w, s) + self.new_sum(w, s) >= svc.upper).only_enforce_if(
                        capped
                    )
                    no_room.append(capped)
                m.add_bool_or(no_room)
                for i in range(p.n_instances):
                    rows = p.rows[i]
                    if (id(rows), s) not in ever:
                        ever[id(rows), s] = placement.could_ever_fit(rows, s)
                    fails = self._fail_literals(w, i, s) if ever[id(rows), s] else None
                    if fails is None:
                        continue  # never fits there
                    m.add_bool_or([~room, *fails])
                if self.refill_cuts:
                    self._refills(w, s, room)

    def _fail_literals(self, w: int, i: int, s: int) -> list | None:
        """Literals, each implying that a new task of ``s`` breaks one placement row of
        ``i``; None where it can never fit. A literal says "row ``k`` is loaded above
        ``limit − need``": services that need as much of the row share it."""
        p, m = self.p, self.m
        cache = self.__dict__.setdefault("_fails", {})
        lits = []
        for k, row in enumerate(p.rows[i]):
            need = row.new[s]
            if not need:
                continue
            load = self._load(w, i, k)
            if isinstance(load, int):
                if load + need > row.limit:
                    return None  # fails there whatever the counts
                continue
            key = (w, i, k, need)
            if key not in cache:
                f = m.new_bool_var(f"f{w}_{i}_{k}_{need}")
                m.add(load >= row.limit - need + 1).only_enforce_if(f)
                cache[key] = f
            lits.append(cache[key])
        return lits

    def _refill_terms(self, s: int) -> tuple[list[int], list[tuple[int, bool]], int]:
        """What :meth:`_refills` needs of service ``s``, independent of the wave: the
        services whose tasks may hold a non-resource row a new task of ``s`` needs, the
        services ``t`` whose stops must be refilled (and whether the cut is ``s``'s own),
        and the instances where ``s`` never fits."""
        cache = self.__dict__.setdefault("_refill", {})
        if s in cache:
            return cache[s]
        p = self.p
        svc = p.services[s]
        S = p.n_services
        resource = range(len(placement.DIMENSIONS))  # the first rows of every instance
        distinct_rows = {id(rs): rs for rs in p.rows}.values()
        other_rows = [  # non-resource rows a new task of s needs
            r for rs in distinct_rows for k, r in enumerate(rs) if k not in resource and r.new[s]
        ]
        holders = [u for u in range(S) if any(r.old[u] or r.new[u] for r in other_rows)]
        never = sum(1 for i in range(p.n_instances) if not p.could_ever_fit(i, s))
        one_each = self.__dict__.setdefault("_one_each", {})
        cuts = []
        for t in range(S):
            if t not in one_each:
                holding = [i for i in range(p.n_instances) if p.initial[i][t]]
                one_each[t] = bool(holding) and all(
                    any(r.old[t] and r.limit <= 1 for r in p.rows[i]) for i in holding
                )
            if not one_each[t]:
                continue  # several of its tasks may share an instance
            if any(rs[k].old[t] < rs[k].new[s] for rs in distinct_rows for k in resource):
                continue
            own = t == s and not svc.all_at_once and all(r.old[s] for r in other_rows)
            cuts.append((t, own))
        cache[s] = (holders, cuts, never)
        return cache[s]

    def _refills(self, w: int, s: int, room: Any) -> None:
        """Redundant cuts: if ``s`` ends wave ``w`` with room (so, under ECS rules, fitting
        nowhere), the instances freed in the wave were filled again.

        Read off the placement rows (:mod:`planner.model.placement`). An old task of service
        ``t`` that stops frees at least what a new task of ``s`` takes if ``t``'s old task
        puts as much on every resource row; then ``s`` fits there after the stop, unless a
        task holds one of the other rows a new task of ``s`` needs (a fixed port, its own
        distinctInstance), or ``s`` never fits on that instance (memberOf, a reserved
        port, too small). So every other such instance received a start in the wave. With
        at most one old task of ``t`` per instance (a row of limit ≤ 1 that ``t``'s old
        task loads), its stops are on as many instances: the wave's starts are at least
        ``t``'s stops less those exceptions. For ``t = s``, when every such row of ``s``'s
        new task is one its old task held, the stop itself frees it.
        """
        m = self.m
        holders, cuts, never = self._refill_terms(s)
        if not cuts:
            return
        S = self.p.n_services
        starts = sum(self.new_sum(w, t) - self.new_sum(w - 1, t) for t in range(S))
        held = sum(self.old_sum(w, u) + self.new_sum(w, u) for u in holders)
        for t, own in cuts:
            stops = self.old_sum(w - 1, t) - self.old_sum(w, t)
            if own:
                m.add(starts >= stops).only_enforce_if(room)
            else:
                m.add(starts >= stops - held - never).only_enforce_if(room)

    # ------------------------------------------------------------ solving

    def solve(
        self,
        time_limit: float,
        workers: int = 1,
        seed: int = 0,
        local_search: bool = False,
        portfolio: bool = False,
    ) -> Answer:
        """Solve within ``time_limit`` seconds, and never past the model's deadline
        (:func:`~planner.solvers.cpcall.solve`). ``local_search``: CP-SAT's local search
        only (feasibility jump and friends, one worker, repeatable): it finds solutions,
        often far sooner than the complete search on these models, and never proves that
        there are none (its "none" is reported as unknown). ``portfolio`` (one worker):
        two complete searches interleaved in one thread, still repeatable (:data:`INTERLEAVED`);
        with two workers, the same two side by side; with more, CP-SAT's own portfolio."""
        if getattr(self, "stopped", False):
            return Answer("unknown")
        built = getattr(self, "build_seconds", 0.0)
        if getattr(self, "deadline", None) is not None:
            # handing the model to CP-SAT takes about as long as building it, outside its
            # own clock (measured at 350 instances: benchmarks/README.md):
            # that much comes off the limit, and with less left than half of it, CP-SAT
            # would overrun the time limit for nothing
            if time_limit - built < built / 2:
                return Answer("unknown")
            time_limit -= built
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1 if local_search else workers
        solver.parameters.random_seed = seed
        solver.parameters.use_ls_only = local_search
        if portfolio and workers == 1 and not local_search and getattr(self, "hinted", False):
            # CP-SAT 9.15 aborts the whole process on an interleaved search of a hinted
            # model ("Check failed: heuristics.fixed_search != nullptr"; 50-instance
            # scenarios of both benchmark families, with and without an objective): the
            # hint goes (it served the local search before), the searches stay
            self.m.clear_hints()
            self.hinted = False
        if self.configure(solver, workers, local_search):
            pass
        elif portfolio and workers == 1 and not local_search:
            solver.parameters.interleave_search = True
            solver.parameters.num_workers = len(INTERLEAVED)
            solver.parameters.subsolvers.extend(INTERLEAVED)
        elif portfolio and workers == 2 and not local_search:
            # the same two searches side by side, and CP-SAT's feasibility jump beside
            # them (it adds a first-solution worker to what is listed; the default pair
            # of two workers, LP and feasibility jump, left unknown an L scale scenario
            # that the pair proves safe: benchmarks/README.md)
            solver.parameters.num_workers = len(INTERLEAVED) + 1
            solver.parameters.subsolvers.extend(INTERLEAVED)
        watch = work.stopwatch()
        self._solver = solver  # for stop(), from another thread
        status = cpcall.solve(solver, self.m, time_limit, getattr(self, "deadline", None))
        secs = watch.seconds()
        if status == cp_model.INFEASIBLE:
            return Answer("unknown" if local_search else "none", seconds=secs)
        if status not in FEASIBLE:
            return Answer("unknown", seconds=secs)
        states = [self._state(solver, w) for w in range(self.H + 1)]
        dead = bool(solver.value(self.dead)) if hasattr(self, "dead") else False
        # A feasible but unproven "not dead" leaves the question open.
        if hasattr(self, "dead") and not dead and status != cp_model.OPTIMAL:
            return Answer("unknown", states=states, seconds=secs)
        return Answer("found", states=states, dead=dead, seconds=secs)

    def configure(self, solver: cp_model.CpSolver, workers: int, local_search: bool) -> bool:
        """A subclass's own search parameters for ``solver`` (True: set, the portfolio
        is not applied); here none."""
        return False

    def stop(self) -> None:
        """Stop a :meth:`solve` running in another thread (it answers with what it has:
        for local search, unknown), and every later one before it starts (unknown): the
        runs beside CP-SAT stop the models they watch once one dies
        (:mod:`planner.deciding.beside`), perhaps between two of their solves."""
        self.stopped = True
        solver = getattr(self, "_solver", None)
        if solver is not None:
            solver.stop_search()

    def _state(self, solver: cp_model.CpSolver, w: int) -> State:
        """The state after wave ``w`` in the solver's solution."""
        raise NotImplementedError

    # ------------------------------------------------------------ targets

    def target_complete(self) -> None:
        """Complete at the horizon; fewest waves preferred."""
        p, m = self.p, self.m
        for s, svc in enumerate(p.services):
            m.add(self.old_sum(self.H, s) == 0)
            m.add(self.new_sum(self.H, s) == svc.desired)
        done = []
        for w in range(1, self.H):
            d = m.new_bool_var(f"done{w}")
            for s, svc in enumerate(p.services):
                m.add(self.new_sum(w, s) == svc.desired).only_enforce_if(d)
                m.add(self.old_sum(w, s) == 0).only_enforce_if(d)
            done.append(d)
        if done:
            m.maximize(sum(done))

    def target_unfinished(self) -> None:
        """Not complete at the horizon; a dead end state preferred."""
        p, m = self.p, self.m
        H = self.H
        left = []
        stuck = []
        self.unfinished: list = []
        for s, svc in enumerate(p.services):
            has_old = m.new_bool_var(f"hasold{s}")
            m.add(self.old_sum(H, s) >= 1).only_enforce_if(has_old)
            m.add(self.old_sum(H, s) == 0).only_enforce_if(~has_old)
            short = m.new_bool_var(f"short{s}")
            m.add(self.new_sum(H, s) <= svc.desired - 1).only_enforce_if(short)
            m.add(self.new_sum(H, s) == svc.desired).only_enforce_if(~short)
            left += [has_old, short]
            # "s is left unfinished", for a search aimed at s (:meth:`aim`)
            self.unfinished.append(m.new_bool_var(f"unfinished{s}"))
            m.add_bool_or([has_old, short]).only_enforce_if(self.unfinished[-1])
            # no stop allowed in the next wave
            s_stuck = m.new_bool_var(f"stuck{s}")
            if svc.all_at_once:
                m.add_bool_or([~has_old, short]).only_enforce_if(s_stuck)
                m.add_bool_and([has_old, ~short]).only_enforce_if(~s_stuck)
            else:
                low = m.new_bool_var(f"atlower{s}")
                m.add(self.old_sum(H, s) + self.new_sum(H, s) <= svc.lower).only_enforce_if(low)
                m.add(self.old_sum(H, s) + self.new_sum(H, s) >= svc.lower + 1).only_enforce_if(
                    ~low
                )
                m.add_bool_or([~has_old, low]).only_enforce_if(s_stuck)
                m.add_bool_and([has_old, ~low]).only_enforce_if(~s_stuck)
            stuck.append(s_stuck)
        m.add_bool_or(left)
        self.dead = m.new_bool_var("dead")
        m.add_bool_and(stuck).only_enforce_if(self.dead)
        m.maximize(self.dead)

    def target_dead(self) -> None:
        """Dead at the horizon (not complete, nothing may stop, nothing can start)."""
        self.target_unfinished()
        self.m.clear_objective()
        self.m.add(self.dead == 1)

    def aim(self, s: int | None) -> None:
        """Search only for ends that leave service ``s`` unfinished (None: any), for the
        next :meth:`solve`s (after :meth:`target_unfinished` or :meth:`target_dead`). A
        restriction, never a relaxation: what it finds is a run of the model as it was;
        "none" under it says nothing about other services.

        The literal "``s`` is left unfinished" is fixed true in the model itself (its
        domain), not assumed: CP-SAT's local search found no run under an assumption,
        while with the literal fixed it found scale M 50 % fleet-wide s1's dying run in
        under a second (benchmarks/README.md, issue 24's ninth session)."""
        for k, lit in enumerate(self.unfinished):
            self.m.proto.variables[lit.index].domain[0] = 1 if k == s else 0
