"""The CP-SAT count model of :mod:`planner.solvers.cpsat` on a cluster that reacts
(ROLLOUT.md §10): groups that grow after a wave that left tasks PROVISIONING.

**Variables.** The count model's ``old[w][i][s]`` and ``new[w][i][s]`` over every
instance, the launchable ones too (the problem with all of them open gives the placement
rows), and per group ``g`` and wave ``w`` its launched instances ``launched[g][w]``
(``w = 0``: as at the start), in unary: a literal "``launched[g][w] > k``" per
launchable instance ``k``, ordered in ``k`` and non-decreasing in ``w``. Launchable
instance ``k`` is *open* in wave ``w`` iff ``launched[g][w-1] > k``: it takes no new task
before (new tasks never move, so none is there either), and the maximal-start rule of
ECS rules looks only at open instances (its "fails here" clause gains "not open").

**Growth.** After wave ``w``'s starts, the group's growth follows
:func:`planner.model.scaling.grown`, written as constraints:

- a service's PROVISIONING tasks are its room after the wave (``room_for``: exact);
  with one item in its strategy they all go to that item's group (exact); with several,
  any split that adds up to the room (an over-approximation of ECS's base-then-weight
  split);
- the estimate ``E`` (first-fit packing of a group's PROVISIONING tasks onto empty
  instances of its type): with one service that fits, ``ceil(p / k)`` (``k`` = its tasks
  that an empty instance holds; first-fit fills each bin to ``k``: exact); with several,
  a table of :func:`~planner.model.scaling.pack` over their counts when it is small
  (exact: ``add_element``), else between the largest ``ceil(p_s / k_s)`` (no packing
  does better) and their sum (first-fit opens at most that many bins for each service's
  tasks); when the launchable instances differ in their rows (a zone in a memberOf),
  between 0 and one bin per task;
- ``busy`` (the group's instances running a task, or a service that does not deploy) is
  exact, one literal per instance; ``want = ceil((busy + E) × 100 / target)`` exact;
  the group grows iff ``E ≥ 1``, ``want`` exceeds its size and it is below ``maxSize``,
  by ``want − size`` clamped to the step sizes and ``maxSize`` (exact).

So the model's runs contain every run of the plain model (each growth it allows
includes the plain model's), and where nothing is over-approximated (:attr:`exact`) they
are exactly those runs. Instances alike are taken in one order (:meth:`_symmetry`),
which keeps at least one run of every set of runs that differ only in which of them
holds what; the count sets, where added (:meth:`restrict_counts`), hold for every run.

**Why its answers are proofs.** ECS rules (:meth:`ScaleOutModel.target_unfinished`): the
first ``H`` waves of a real run by ECS rules are a model run; a real run that has ended
before (complete, or dead: its next wave stops nothing, starts nothing and grows nothing,
so the state stays) is one padded with its last state. So "no model run is unfinished
after ``H`` waves" means every real run completes within ``H`` waves: ``safe``. A model
run that ends dead (no stop allowed, every service with room fitting no open instance,
no growth after its last wave) counts only once it replays through
:func:`planner.model.rollout.replay` with ECS rules
(:func:`~planner.solvers.reacting_search.run_of`): where the model is exact it does;
where not, a run that does not replay proves nothing.

General rules, with ``free_stops``: any number of stops the lower bound allows, as
taking them at their maximum is no longer without loss of generality (a stop that
empties an instance lowers ``busy``, and so the growth). A completing plan can be cut to
:func:`~planner.solvers.reacting_search.plan_bound` waves: each wave that changes the
state stops an old task, starts a new one or launches an instance, and one that changes
nothing repeats the state (what follows a state depends on it alone). So "no model plan
completes within that bound" means no plan completes: with a run that dies, ``hangs``.
A plan the model finds counts once it replays. The searches horizon by horizon:
:mod:`planner.solvers.reacting_search`.
"""

from __future__ import annotations

import math
from typing import Any

from ortools.sat.python import cp_model

from planner.model import placement, scaling
from planner.model.problem import Problem
from planner.model.rollout import State
from planner.running.clock import Deadline
from planner.solvers.cpsat import RolloutModel

__all__ = ["MOST_TABLE", "ScaleOutModel"]

#: The most entries of an estimate table (:func:`~planner.model.scaling.pack` over the
#: counts of a group's services) written out; a larger product of counts is bounded.
MOST_TABLE = 5000


class ScaleOutModel(RolloutModel):
    """The count model with the groups' growth (this module's docstring)."""

    def __init__(
        self,
        problem: Problem,
        horizon: int,
        *,
        ecs_rules: bool,
        free_stops: bool = False,
        deadline: Deadline | None = None,
    ) -> None:
        self.base = problem
        self.free_stops = free_stops
        #: Whether no growth rule is over-approximated (its runs replay).
        self.exact = True
        full = problem.at(tuple(len(g.launchable) for g in problem.groups))
        super().__init__(full, horizon, ecs_rules=ecs_rules, deadline=deadline)

    # ------------------------------------------------------------ variables

    def _variables(self) -> None:
        super()._variables()
        self._launched()

    def _launched(self) -> None:
        """``launched[g][t]`` in unary, and no new task on an instance not yet open."""
        m, H = self.m, self.H
        start = self.base.added_at_start
        self.launched: list[list[Any]] = []
        self.above: dict[tuple[int, int, int], Any] = {}  # (g, k, t): launched[g][t] > k
        self.slot: dict[int, tuple[int, int]] = {}  # launchable instance: (g, k)
        for g, group in enumerate(self.base.groups):
            n, s0 = len(group.launchable), start[g]
            for k, i in enumerate(group.launchable):
                if k >= s0:
                    self.slot[i] = (g, k)
            if not self._may_grow(g):
                self.launched.append([s0] * (H + 1))
                continue
            row: list[Any] = [s0]
            for t in range(1, H + 1):
                lits = [m.new_bool_var(f"up{g}_{k}_{t}") for k in range(s0, n)]
                for k, lit in enumerate(lits, s0):
                    self.above[g, k, t] = lit
                    if k > s0:
                        m.add_implication(lit, self.above[g, k - 1, t])
                    if t > 1:
                        m.add_implication(self.above[g, k, t - 1], lit)
                row.append(s0 + sum(lits))
            self.launched.append(row)
        for i, (g, k) in self.slot.items():
            self._check_time()
            for w in range(1, H + 1):
                for s in range(self.p.n_services):
                    var = self.new[w][i][s]
                    if isinstance(var, int):
                        continue
                    lit = self.open_literal(g, k, w)
                    if lit is None:
                        m.add(var == 0)
                    else:
                        m.add(var == 0).only_enforce_if(~lit)

    def _may_grow(self, g: int) -> bool:
        """Whether group ``g`` can launch anything: it scales, has room below maxSize,
        and some service's strategy sends it tasks that fit an empty instance of it."""
        group = self.base.groups[g]
        if not group.scales or self.base.added_at_start[g] >= len(group.launchable):
            return False
        return bool(self._fitting(g))

    def open_literal(self, g: int, k: int, w: int) -> Any:
        """The literal "launchable instance ``k`` of ``g`` is open in wave ``w``"
        (``launched[g][w-1] > k``); None where it cannot be."""
        if w - 1 == 0 or (g, k, w - 1) not in self.above:
            return None
        return self.above[g, k, w - 1]

    def increase(self, g: int, w: int) -> Any:
        """The instances group ``g`` launches after wave ``w``."""
        return self.launched[g][w] - self.launched[g][w - 1]

    # ------------------------------------------------------------ wave rules

    def _stops(self) -> None:
        if not self.free_stops:
            super()._stops()
            return
        p, m = self.p, self.m
        for s, svc in enumerate(p.services):
            for w in range(1, self.H + 1):
                before, after = self.old_sum(w - 1, s), self.old_sum(w, s)
                if svc.all_at_once:  # stops only once the whole green set runs
                    full = m.new_bool_var(f"full{w}_{s}")
                    m.add(self.new_sum(w - 1, s) >= svc.desired).only_enforce_if(full)
                    m.add(self.new_sum(w - 1, s) <= svc.desired - 1).only_enforce_if(~full)
                    m.add(after == before).only_enforce_if(~full)
                    continue
                # any stops down to old − allowance = min(old, max(0, lower − new))
                keep = m.new_int_var(0, max(svc.lower, 0), f"keep{w}_{s}")
                m.add_max_equality(keep, [0, svc.lower - self.new_sum(w - 1, s)])
                least = m.new_int_var(0, max(svc.lower, 0), f"least{w}_{s}")
                m.add_min_equality(least, [before, keep])
                m.add(after >= least)

    def _fail_literals(self, w: int, i: int, s: int) -> list | None:
        """ECS rules look only at open instances: a launchable instance not yet open
        is one more reason a task does not start there."""
        lits = super()._fail_literals(w, i, s)
        if lits is None or i not in self.slot:
            return lits
        lit = self.open_literal(*self.slot[i], w)
        return None if lit is None else [*lits, ~lit]

    def _placement(self, ecs_rules: bool) -> None:
        super()._placement(ecs_rules)
        self._symmetry()
        for g in range(len(self.base.groups)):
            if self._may_grow(g):
                for w in range(1, self.H + 1):
                    self._check_time()
                    self._growth(g, w)

    # ------------------------------------------------------------ symmetry

    def _symmetry(self) -> None:
        """Instances alike (the same rows, tasks at the start and group, never closed
        for want of a launch) are interchangeable: swapping two of them whole, wave by
        wave, maps a run to a run. So the model may take them sorted by any key of their
        trajectory: here their counts after each wave, each wave's read as one number,
        in lexicographic order (:meth:`_lex`). Launchable instances that open in the
        same wave are interchangeable likewise; they are sorted by the waves they are
        open (launch order already sorts those), then their counts after the last wave."""
        if self.H < 1:
            return
        classes: dict[tuple, list[int]] = {}
        p = self.p
        for i in range(p.n_instances):
            if i in self.slot:
                continue
            member = next(  # a group's instance counts towards its growth
                (g for g, gr in enumerate(self.base.groups) if i in (*gr.running, *gr.launchable)),
                -1,
            )
            key = (
                id(p.rows[i]),
                p.initial[i],
                p.start_new[i],
                member,
                bool(p.instances[i].static_names),
            )
            classes.setdefault(key, []).append(i)
        for members in classes.values():
            self._check_time()
            for a, b in zip(members, members[1:], strict=False):
                self._lex(a, b)
        for g, group in enumerate(self.base.groups):
            ks = [k for k in range(len(group.launchable)) if (g, k, 1) in self.above]
            for k in ks[:-1]:
                a, b = group.launchable[k], group.launchable[k + 1]
                if p.rows[a] is not p.rows[b]:
                    continue  # (a zone in a memberOf): not interchangeable
                opened = [sum(self.above[g, j, t] for t in range(1, self.H)) for j in (k, k + 1)]
                span = self._span(b)
                self.m.add(span * opened[0] + self._key(a) >= span * opened[1] + self._key(b))

    def _lex(self, a: int, b: int) -> None:
        """Instance ``a``'s keys, wave by wave, at least ``b``'s, lexicographically: a
        literal per wave says "equal so far"."""
        m = self.m
        tie = None  # equal in every wave before (None: no wave yet)
        for w in range(1, self.H + 1):
            ka, kb = self._key(a, w), self._key(b, w)
            if isinstance(ka, int) and isinstance(kb, int):
                continue
            still = m.new_bool_var(f"tie{w}_{a}")
            if tie is None:
                m.add(ka >= kb)
                m.add(ka >= kb + 1).only_enforce_if(~still)
            else:
                m.add(ka >= kb).only_enforce_if(tie)
                m.add(ka >= kb + 1).only_enforce_if([tie, ~still])
                m.add_implication(still, tie)
            tie = still

    def _cells(self, i: int, w: int = 0) -> list[tuple[Any, int]]:
        """Instance ``i``'s counts after wave ``w`` (0: the first, or for a launchable
        instance the last), each with its largest value."""
        out = []
        w = w or (self.H if i in self.slot else 1)
        for s in range(self.p.n_services):
            out.append((self.old[w][i][s], self.p.initial[i][s]))
            out.append((self.new[w][i][s], self._max_new(i, s)))
        return out

    def _span(self, i: int) -> int:
        """One more than the largest :meth:`_key` of an instance like ``i``."""
        return math.prod(most + 1 for _, most in self._cells(i))

    def _key(self, i: int, w: int = 0) -> Any:
        """Instance ``i``'s counts after wave ``w`` (as :meth:`_cells`) as one number
        (lexicographic)."""
        key, weight = 0, 1
        for cell, most in reversed(self._cells(i, w)):
            key += weight * cell
            weight *= most + 1
        return key

    # ------------------------------------------------------------ growth

    def _room(self, w: int, s: int) -> Any:
        """Service ``s``'s room after wave ``w`` (:func:`planner.model.rollout.room_for`)."""
        cache = self.__dict__.setdefault("_rooms", {})
        if (w, s) not in cache:
            svc, m = self.p.services[s], self.m
            r = m.new_int_var(0, svc.desired, f"room{w}_{s}_left")
            o, n = self.old_sum(w, s), self.new_sum(w, s)
            # r = max(0, min(upper − old − new, desired − new))
            cap = m.new_int_var(-svc.desired - svc.upper, svc.upper, f"cap{w}_{s}")
            m.add_min_equality(cap, [svc.upper - o - n, svc.desired - n])
            m.add_max_equality(r, [0, cap])
            cache[w, s] = r
        return cache[w, s]

    def _provisioning(self, w: int, s: int, g: int) -> Any:
        """Service ``s``'s PROVISIONING tasks for group ``g`` after wave ``w``."""
        shares = self.base.shares[s]
        groups = [sh.group for sh in shares]
        if g not in groups:
            return 0
        if len(set(groups)) == 1:
            return self._room(w, s)
        cache = self.__dict__.setdefault("_split", {})
        if (w, s) not in cache:  # any split of the room (over-approximated)
            self.exact = False
            m, desired = self.m, self.p.services[s].desired
            parts = {h: m.new_int_var(0, desired, f"prov{w}_{s}_{h}") for h in set(groups)}
            m.add(sum(parts.values()) == self._room(w, s))
            cache[w, s] = parts
        return cache[w, s][g]

    def _next_rows(self, g: int) -> list[tuple[placement.Row, ...]]:
        """The distinct rows of the instances group ``g`` may launch next."""
        group = self.base.groups[g]
        rows = [self.p.rows[i] for i in group.launchable[self.base.added_at_start[g] :]]
        return list({id(r): r for r in rows}.values())

    def _fitting(self, g: int) -> dict[int, int]:
        """Per service sending tasks to ``g`` that fit an empty instance it may launch,
        the most of them such an instance holds (the least over the instances)."""
        out: dict[int, int] = {}
        for s, shares in enumerate(self.base.shares):
            if any(sh.group == g for sh in shares):
                most = [
                    placement.most_new(r, s, self.p.services[s].desired) for r in self._next_rows(g)
                ]
                if max(most) > 0:
                    out[s] = min(k for k in most if k > 0)
        return out

    def _estimate(self, g: int, w: int) -> tuple[Any, int]:
        """ECS's estimate of the empty instances the PROVISIONING tasks need (the
        module's docstring: exact, or bounded), and its largest value."""
        m = self.m
        fitting = self._fitting(g)
        counts = {s: self._provisioning(w, s, g) for s in fitting}
        most = sum(self.p.services[s].desired for s in fitting)
        est = m.new_int_var(0, most, f"est{w}_{g}")
        if len(self._next_rows(g)) > 1:  # the next instance's rows vary: bounded loosely
            self.exact = False
            m.add(est <= sum(counts.values()))
            return est, most
        if len(fitting) == 1:
            ((s, k),) = fitting.items()
            m.add(k * est >= counts[s])
            m.add(k * est <= counts[s] + k - 1)
            return est, most
        services = sorted(fitting)
        sizes = [self.p.services[s].desired + 1 for s in services]
        if math.prod(sizes) <= MOST_TABLE:
            tables = self.__dict__.setdefault("_tables", {})
            if g not in tables:
                tables[g] = scaling.pack_table(self._next_rows(g)[0], services, sizes)
            table = tables[g]
            index = m.new_int_var(0, len(table) - 1, f"estix{w}_{g}")
            stride, terms = 1, []
            for s, size in zip(services, sizes, strict=True):
                terms.append(stride * counts[s])
                stride *= size
            m.add(index == sum(terms))
            m.add_element(index, table, est)
            return est, most
        self.exact = False
        bins = []
        for s, k in fitting.items():
            c = m.new_int_var(0, self.p.services[s].desired, f"bins{w}_{g}_{s}")
            m.add(k * c >= counts[s])
            m.add(k * c <= counts[s] + k - 1)
            m.add(est >= c)
            bins.append(c)
        m.add(est <= sum(bins))
        return est, most

    def _busy(self, w: int, i: int) -> Any:
        """1 if instance ``i`` runs a task after wave ``w`` (or a service's that does not
        deploy), else 0, as a literal or a constant."""
        if self.p.instances[i].static_names:
            return 1
        terms = [
            x for s in range(self.p.n_services) for x in (self.old[w][i][s], self.new[w][i][s])
        ]
        fixed = sum(x for x in terms if isinstance(x, int))
        free = [x for x in terms if not isinstance(x, int)]
        if fixed or not free:
            return int(fixed > 0)
        b = self.m.new_bool_var(f"busy{w}_{i}")
        self.m.add(sum(free) >= 1).only_enforce_if(b)
        self.m.add(sum(free) == 0).only_enforce_if(~b)
        return b

    def _growth(self, g: int, w: int) -> None:
        """``launched[g][w]`` from the state after wave ``w``'s starts
        (:func:`planner.model.scaling.target_size`)."""
        m, group = self.m, self.base.groups[g]
        n = len(group.launchable)
        est, most = self._estimate(g, w)
        busy = sum(self._busy(w, i) for i in (*group.running, *group.launchable))
        size = len(group.running) + self.launched[g][w - 1]
        top = math.ceil(100 * (len(group.running) + n + most) / group.target)
        want = m.new_int_var(0, top, f"want{w}_{g}")
        m.add(group.target * want >= 100 * (busy + est))
        m.add(group.target * want <= 100 * (busy + est) + group.target - 1)
        estimates, wants, below = (m.new_bool_var(f"{x}{w}_{g}") for x in ("e", "w", "b"))
        m.add(est >= 1).only_enforce_if(estimates)
        m.add(est == 0).only_enforce_if(~estimates)
        m.add(want >= size + 1).only_enforce_if(wants)
        m.add(want <= size).only_enforce_if(~wants)
        m.add(self.launched[g][w - 1] <= n - 1).only_enforce_if(below)
        m.add(self.launched[g][w - 1] >= n).only_enforce_if(~below)
        grows = m.new_bool_var(f"grows{w}_{g}")
        m.add_bool_and([estimates, wants, below]).only_enforce_if(grows)
        m.add_bool_or([~estimates, ~wants, ~below]).only_enforce_if(~grows)
        raw = m.new_int_var(group.min_step, max(top, group.min_step), f"raw{w}_{g}")
        m.add_max_equality(raw, [want - size, group.min_step])
        step = m.new_int_var(0, n, f"step{w}_{g}")
        m.add_min_equality(step, [raw, group.max_step, n - self.launched[g][w - 1]])
        m.add(self.increase(g, w) == step).only_enforce_if(grows)
        m.add(self.increase(g, w) == 0).only_enforce_if(~grows)

    # ------------------------------------------------------------ targets and solving

    def configure(self, solver: cp_model.CpSolver, workers: int, local_search: bool) -> bool:
        """One worker: CP-SAT's default search without the LP relaxation; two: that and
        the LP with symmetries side by side; more: CP-SAT's own portfolio. (On mid-size
        reacting rollouts the search without LP proved "no run unfinished" 1.5–6 times
        sooner than the interleaved pair of :data:`~planner.solvers.wave_rules.INTERLEAVED`;
        the count sets narrow the model, and the LP mostly costs time.)"""
        if local_search or workers > 2:
            return False
        if workers == 1:
            solver.parameters.linearization_level = 0
        else:
            solver.parameters.subsolvers.extend(("no_lp", "max_lp_sym"))
        return True

    def target_unfinished(self) -> None:
        """Not complete at the horizon; a dead state preferred: nothing may stop, no
        service with room fits an open instance (ECS rules' last wave) and no group
        grew after the last wave (so the next one opens nothing either)."""
        super().target_unfinished()
        for g in range(len(self.base.groups)):
            if self._may_grow(g):
                self.m.add(self.increase(g, self.H) == 0).only_enforce_if(self.dead)

    def hint(self, states: list[State]) -> None:
        super().hint(states)
        for (g, k, t), lit in self.above.items():
            added = states[min(t, len(states) - 1)].added
            if added:
                self.m.add_hint(lit, added[g] > k)

    def _state(self, solver: cp_model.CpSolver, w: int) -> State:
        plain = super()._state(solver, w)
        if not self.base.reacts:  # a fixed fleet's states keep no launched counts
            return plain
        added = tuple(
            row[w] if isinstance(row[w], int) else solver.value(row[w]) for row in self.launched
        )
        return State(plain.old, plain.new, added)
