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

from collections import Counter

from ortools.sat.python import cp_model

from planner.problem import DIMENSIONS, Problem


def _task_types(problem: Problem) -> list[tuple[int, tuple[int, ...], int]]:
    """(service, footprint vector, most in a dead state) for old and new tasks."""
    out: list[tuple[int, tuple[int, ...], int]] = []
    for s, svc in enumerate(problem.services):
        blue = svc.desired
        green = max(svc.desired - 1, 0) if svc.all_at_once else svc.desired
        out.append((s, svc.old.vector, blue))
        out.append((s, svc.new.vector, green))
    return out


def _port_holders(problem: Problem, port: int) -> int:
    """Most instances on which deploying tasks can hold ``port`` at once."""
    total = 0
    for svc in problem.services:
        if port in svc.old.ports or port in svc.new.ports:
            total += 2 * svc.desired if svc.all_at_once else svc.desired
    return total


def can_block_everywhere(
    problem: Problem,
    s: int,
    time_limit: float = 5.0,
    counts: tuple[list[int], list[int]] | None = None,
) -> bool:
    """Whether the tasks could block every instance for a new task of ``s``.

    Without ``counts``, in any dead state; with ``counts = (old, new)``, with at most that
    many old and new tasks of each service running.

    An aggregate integer program: per class of identical instances, how many are blocked
    by which requirement, and how many tasks of each kind sit on them. Tasks bring all
    their dimensions where they sit and an instance holds no more than its capacity, but
    which instance of a class holds which task is left open, so a "no" is a proof and a
    "yes" is not.
    """
    svc = problem.services[s]
    need = svc.new.vector
    D = len(DIMENSIONS)
    classes: Counter = Counter()
    for inst in problem.instances:
        if svc.new.ports & inst.blocked_ports():
            continue  # never fits there: blocked for free
        free = tuple(inst.capacity[d] - inst.static[d] for d in range(D))
        if any(need[d] > free[d] for d in range(D)):
            continue
        classes[free] += 1
    if not classes:
        return True
    types = _task_types(problem)
    members: dict[tuple[int, ...], list[int]] = {}
    for i, inst in enumerate(problem.instances):
        free = tuple(inst.capacity[d] - inst.static[d] for d in range(D))
        members.setdefault(free, []).append(i)
    m = cp_model.CpModel()
    if counts is None:
        port_budget = sum(_port_holders(problem, q) for q in svc.new.ports)
        distinct_budget = (2 if svc.all_at_once else 1) * svc.desired if svc.distinct else 0
    else:
        port_budget = sum(
            counts[0][t] * (q in o.old.ports) + counts[1][t] * (q in o.new.ports)
            for q in svc.new.ports
            for t, o in enumerate(problem.services)
        )
        distinct_budget = counts[0][s] + counts[1][s] if svc.distinct else 0
    on_type: dict[int, list] = {k: [] for k in range(len(types))}
    extra: dict[str, list] = {"port": [], "distinct": []}
    for c, (free, n) in enumerate(classes.items()):
        ways = []
        old_here: dict[int, list] = {}
        for d in range(D):
            if not need[d]:
                continue
            y = m.new_int_var(0, n, f"y{c}_{d}")
            ways.append(y)
            xs = []
            for k, (t_s, vec, most) in enumerate(types):
                x = m.new_int_var(0, most, f"x{c}_{d}_{k}")
                xs.append((x, vec))
                on_type[k].append(x)
                if k % 2 == 0:
                    old_here.setdefault(t_s, []).append(x)
            # blocked: use above free − need on each such instance
            m.add(sum(x * vec[d] for x, vec in xs) >= y * (free[d] - need[d] + 1))
            for e in range(D):  # and no instance over its capacity
                m.add(sum(x * vec[e] for x, vec in xs) <= y * free[e])
        for t_s, olds_here in old_here.items():  # old tasks stay where they ran
            ran = sum(problem.initial[i][t_s] for i in members[free])
            m.add(sum(olds_here) <= ran)
        for key, budget in (("port", port_budget), ("distinct", distinct_budget)):
            if budget:
                y = m.new_int_var(0, n, f"{key}{c}")
                ways.append(y)
                extra[key].append(y)
        if not ways:
            return False
        m.add(sum(ways) == n)
    for t_s in range(problem.n_services):
        olds, news = on_type[2 * t_s], on_type[2 * t_s + 1]
        if counts is not None and olds:
            m.add(sum(olds) <= counts[0][t_s])
            m.add(sum(news) <= counts[1][t_s])
    for t_s, other in enumerate(problem.services if counts is None else ()):
        # every service is done (all new) or stuck: old = max(0, lower − new), new < desired
        olds, news = on_type[2 * t_s], on_type[2 * t_s + 1]
        if not olds:
            continue
        done = m.new_bool_var(f"done{t_s}")
        if t_s == s:
            m.add(done == 0)
            if not other.all_at_once:  # it has room: old + new < upper
                m.add(sum(olds) + sum(news) <= other.upper - 1)
        m.add(sum(olds) <= other.desired)
        if other.all_at_once:
            m.add(sum(olds) <= 0).only_enforce_if(done)
            m.add(sum(news) <= other.desired - 1).only_enforce_if(~done)
        else:
            m.add(sum(olds) <= 0).only_enforce_if(done)
            m.add(sum(olds) + sum(news) <= other.desired)
            m.add(sum(olds) <= other.lower).only_enforce_if(~done)
            m.add(sum(news) <= other.desired - 1).only_enforce_if(~done)
            m.add(sum(olds) + sum(news) <= max(other.lower, other.desired - 1)).only_enforce_if(
                ~done
            )
    for key, budget in (("port", port_budget), ("distinct", distinct_budget)):
        if extra[key]:
            m.add(sum(extra[key]) <= budget)
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
            if svc.all_at_once:
                old[s] = 0 if new[s] >= svc.desired else old[s]
                new[s] = svc.desired
            else:
                old[s] = min(old[s], max(0, svc.lower - new[s]))
                new[s] = max(new[s], min(svc.desired, svc.upper - old[s]))
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
