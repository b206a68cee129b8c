"""A proof that no dead state exists, from volumes alone (no waves, no placement).

In a dead state (ROLLOUT.md §4) every unfinished service can neither stop nor start.
A rolling service with ``upper > lower`` cannot be held by its bounds alone (that needs
``upper ≤ old + new ≤ lower``), so some service ``s`` must have room and fit nowhere:
every instance is *blocked* for it, by CPU, memory, ENIs or dynamic ports (its use there
exceeds capacity − need), by a fixed port some task holds there, or by distinctInstance.

In any dead state a rolling service runs at most ``desired`` tasks (``old + new =
max(lower, new)``, or all new), an all-at-once one at most its blue set and a partial green
set. So the tasks can put at most ``U_d`` units of dimension ``d`` on the cluster. If no
way of blocking every instance fits within those budgets, no dead state exists, whatever
the placement: every run by ECS rules completes. Instances are grouped into classes of
identical ones, so the check is a tiny integer program per service.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from planner.problem import DIMENSIONS, Footprint, Problem
from planner.rollout import room_for, stops_allowed


def _task_types(
    problem: Problem, counts: tuple[list[int], list[int]] | None
) -> list[tuple[int, Footprint, int]]:
    """(service, footprint, most running) for the old (even index) and new (odd) tasks.

    Without ``counts``, the most in a dead state: a rolling service runs at most
    ``desired`` tasks, an all-at-once one its blue set and a partial green set.
    """
    out: list[tuple[int, Footprint, int]] = []
    for t, svc in enumerate(problem.services):
        o0 = sum(problem.initial[i][t] for i in range(problem.n_instances))
        if counts is not None:
            blue, green = min(o0, counts[0][t]), counts[1][t]
        else:
            blue = min(o0, svc.desired)
            green = max(svc.desired - 1, 0) if svc.all_at_once else svc.desired
        out.append((t, svc.old, blue))
        out.append((t, svc.new, green))
    return out


def can_block_everywhere(
    problem: Problem,
    s: int,
    time_limit: float = 5.0,
    counts: tuple[list[int], list[int]] | None = None,
    pair: tuple[int, int] | None = None,
) -> bool:
    """Whether the tasks could block every instance for a new task of ``s``.

    Without ``counts``, in any dead state; with ``counts = (old, new)``, with at most that
    many old and new tasks of each service running. ``pair = (old, new)``: ``s`` itself
    runs at most that many.

    An aggregate integer program: per class of identical instances, how many are blocked
    by which requirement (a resource, a fixed port some task holds there, distinctInstance),
    and how many tasks of each kind sit on them. Tasks bring all their dimensions where
    they sit, an instance holds no more than its capacity, and old tasks stay in the class
    where they ran; which instance of a class holds which task is left open, so a "no" is
    a proof and a "yes" is not.
    """
    svc = problem.services[s]
    need = svc.new.vector
    D = len(DIMENSIONS)
    members: dict[tuple[int, ...], list[int]] = {}
    for i, inst in enumerate(problem.instances):
        if svc.new.ports & inst.blocked_ports():
            continue  # never fits there: blocked for free
        free = tuple(inst.capacity[d] - inst.static[d] for d in range(D))
        if any(need[d] > free[d] for d in range(D)):
            continue
        members.setdefault(free, []).append(i)
    if not members:
        return True
    if counts is not None:
        counts = (list(counts[0]), list(counts[1]))
    types = _task_types(problem, counts)
    if pair is not None:
        types[2 * s] = (s, svc.old, min(types[2 * s][2], pair[0]))
        types[2 * s + 1] = (s, svc.new, min(types[2 * s + 1][2], pair[1]))
    holders = [k for k, (_, fp, most) in enumerate(types) if most and fp.ports & svc.new.ports]
    own = [2 * s, 2 * s + 1] if svc.distinct else []
    m = cp_model.CpModel()
    on_type: dict[int, list] = {k: [] for k in range(len(types))}
    for c, (free, insts) in enumerate(members.items()):
        n = len(insts)
        ways = []
        here: dict[int, list] = {k: [] for k in range(len(types))}
        for d in range(D):
            if not need[d]:
                continue
            y = m.new_int_var(0, n, f"y{c}_{d}")
            ways.append(y)
            xs = []
            for k, (_, fp, most) in enumerate(types):
                if most and any(fp.vector):
                    x = m.new_int_var(0, most, f"x{c}_{d}_{k}")
                    xs.append((x, fp.vector))
                    here[k].append(x)
            # blocked: use above free − need on each such instance
            m.add(sum(x * vec[d] for x, vec in xs) >= y * (free[d] - need[d] + 1))
            for e in range(D):  # and no instance over its capacity
                m.add(sum(x * vec[e] for x, vec in xs) <= y * free[e])
        for key, kinds in (("port", holders), ("distinct", own)):
            if kinds:  # blocked by a task of these kinds on each such instance
                y = m.new_int_var(0, n, f"{key}{c}")
                ways.append(y)
                zs = [m.new_int_var(0, types[k][2], f"z{key}{c}_{k}") for k in kinds]
                for k, z in zip(kinds, zs, strict=True):
                    here[k].append(z)
                m.add(y <= sum(zs))
        if not ways:
            return False
        m.add(sum(ways) == n)
        for k in range(0, len(types), 2):  # old tasks stay where they ran
            if here[k]:
                t_s = types[k][0]
                m.add(sum(here[k]) <= sum(problem.initial[i][t_s] for i in insts))
        for k, placed in here.items():
            on_type[k].extend(placed)
    for k, placed in on_type.items():
        if placed:
            m.add(sum(placed) <= types[k][2])
    for t_s, other in enumerate(problem.services if counts is None else ()):
        # every service is done (all new) or stuck: old = max(0, lower − new), new < desired
        olds, news = on_type[2 * t_s], on_type[2 * t_s + 1]
        if not olds and not news:
            continue
        old_n, new_n = sum(olds), sum(news)
        done = m.new_bool_var(f"done{t_s}")
        if t_s == s:
            m.add(done == 0)
            if not other.all_at_once:  # it has room: old + new < upper
                m.add(old_n + new_n <= other.upper - 1)
        m.add(old_n <= 0).only_enforce_if(done)
        m.add(new_n <= other.desired - 1).only_enforce_if(~done)
        if not other.all_at_once:
            m.add(old_n + new_n <= other.desired)
            m.add(old_n <= other.lower).only_enforce_if(~done)
            m.add(old_n + new_n <= max(other.lower, other.desired - 1)).only_enforce_if(~done)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    return solver.solve(m) != cp_model.INFEASIBLE


def trajectory(problem: Problem) -> list[tuple[list[int], list[int]]] | None:
    """Old and new counts after each wave of a run in which every service always starts
    all its room allows (the counts of any run until its first blocked start).

    None if that run never completes (it stalls on the bounds alone).
    """
    S = problem.n_services
    old = [sum(problem.initial[i][s] for i in range(problem.n_instances)) for s in range(S)]
    new = [0] * S
    out: list[tuple[list[int], list[int]]] = []
    for _ in range(2 * problem.total_desired + 1):
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


def never_blocked(problem: Problem) -> bool:
    """True (a proof) if no run by ECS rules can ever leave a start unplaced.

    Until the first wave in which some service cannot place all its room allows, every
    run has the counts of :func:`trajectory`. At that wave's end the service has room and
    fits nowhere, with at most the trajectory's tasks running (itself one fewer). If the
    volumes rule that out for every wave and service, every run follows the trajectory to
    completion.
    """
    traj = trajectory(problem)
    if traj is None:
        return False
    prev_new = [0] * problem.n_services
    for old, new in traj:
        for s in range(problem.n_services):
            if new[s] > prev_new[s]:  # it starts tasks in this wave: could one be left over?
                cap_new = list(new)
                cap_new[s] -= 1
                if can_block_everywhere(problem, s, counts=(old, cap_new)):
                    return False
        prev_new = new
    return True


def no_dead_state(problem: Problem) -> bool:
    """True: no dead state exists at all (a proof). False: this check cannot tell."""
    for svc in problem.services:
        if not svc.all_at_once and svc.upper <= svc.lower:
            return False  # the bounds alone may hold it
    return not any(can_block_everywhere(problem, s) for s in range(problem.n_services))
