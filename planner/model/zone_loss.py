"""Losing a zone (ROLLOUT.md §10) as a problem of the wave model: the restart of every
service's missing tasks on what the zone's loss leaves (:func:`lose`).

- The zone's instances and every task on them are gone. The cluster is taken at rest
  (:func:`at_rest`): every service runs its current revision (a deployment under way is
  not modelled) and restarts its missing tasks as starts of ROLLOUT.md §3 on what is
  left: a rollout whose old tasks are none, whose new tasks are the missing ones (the
  tasks still running in the other zones count as new already), lower bound 0, upper
  bound the desired count. Constraints bind (memberOf, distinctInstance), capacity and
  ports as ever. DAEMON services are static load: their tasks go with their instances.
- A capacity provider's Auto Scaling group relaunches its lost instances in its other
  zones (EC2 Auto Scaling keeps its desired capacity: health-check replacement, and
  ``balanced-best-effort``, the default, launches in a healthy zone when one fails); a
  group whose zones are all the lost one relaunches none. Managed scaling then grows it
  further, up to ``maxSize``, by the scale-out step of :mod:`planner.model.scaling`. The
  lost instances no longer count toward ``maxSize``. A group without a capacity provider
  stays as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from planner.errors import PlannerError
from planner.model.problem import Problem, compile_problem
from planner.model.providers import ManagedScaling
from planner.model.rollout import State
from planner.model.scenario import Scenario

__all__ = ["Lost", "at_rest", "folded", "lose", "unfolded", "zones_of"]


def zones_of(scenario: Scenario) -> list[str]:
    """The zones the cluster names: its instances', then its capacity providers'."""
    out: list[str] = []
    for g in scenario.instance_groups:
        for k in range(min(g.count or 0, len(g.zones))):
            if g.zones[k] not in out:
                out.append(g.zones[k])
    for cp in scenario.capacity_providers:
        out += [z for z in cp.zones if z not in out]
    return out


def at_rest(scenario: Scenario) -> Scenario:
    """The cluster at rest: every service at its current revision, a rolling deployment of
    itself (so that its tasks are the problem's own, ROLLOUT.md §3), DAEMON services
    static load; no circuit breaker (it judges deployments, not restarts)."""
    for k, svc in enumerate(scenario.services):
        if svc.new_placement is not None:
            raise PlannerError(
                "planner zones asks of a cluster at rest; a deployment under way "
                "(newPlacement) is not modelled: give where the running revision's tasks run",
                file=scenario.path,
                field=f"services[{k}].newPlacement",
            )
    if scenario.open_groups:
        k = scenario.open_groups[0]
        raise PlannerError(
            "planner zones needs every group's count (planner solve finds a missing one)",
            file=scenario.path,
            field=f"cluster.instances[{k}].count",
        )
    services = tuple(
        replace(
            svc,
            deploy=svc.scheduling_strategy != "DAEMON",
            new_task_definition=svc.task_definition,
            strategy="ROLLING",
            deployment_controller="ECS",
            circuit_breaker=None,
        )
        for svc in scenario.services
    )
    return replace(scenario, services=services)


def _in_zone(scenario: Scenario, groups: tuple[int, ...], zone: str) -> int:
    """How many instances of these groups run in ``zone`` (round-robin, as compiled)."""
    n = 0
    for k in groups:
        g = scenario.instance_groups[k]
        n += sum(1 for j in range(g.count or 0) if g.zones and g.zones[j % len(g.zones)] == zone)
    return n


@dataclass(frozen=True)
class Lost:
    """What a zone's loss takes, beside the restart problem it leaves."""

    instances: int
    tasks: dict[str, int]
    #: Per group of a capacity provider, the instances it relaunches at once.
    relaunched: tuple[int, ...]


def lose(rest: Scenario, zone: str) -> tuple[Problem, Lost]:
    """The restart after losing ``zone`` (this module's model) as a problem of the wave
    model: the zone's instances closed (``lost with its zone``) and empty, in place (so
    instance numbers are the file's), every task left running as new, each group's
    launchable instances in its other zones up to ``maxSize`` less the instances left,
    the first of them launched where the group relaunches what it lost.
    ``rest``: from :func:`at_rest`. :class:`DoesNotFit` where the running tasks do not fit.
    """
    providers, sizes, relaunch = [], [], []
    for cp in rest.capacity_providers:
        gone = _in_zone(rest, cp.groups, zone)
        others = tuple(z for z in cp.zones if z != zone)
        running = sum(rest.instance_groups[k].count or 0 for k in cp.groups)
        if cp.zones and not others:  # every zone of the group lost: nothing to launch
            providers.append(replace(cp, zones=(), min_size=0, max_size=running))
            sizes.append(running)
            relaunch.append(0)
        elif cp.scales:  # launchable: maxSize less the instances left (the lost ones count
            # as running here until _restart drops them)
            providers.append(replace(cp, zones=others, max_size=cp.max_size + gone))
            sizes.append(cp.max_size)
            relaunch.append(gone)
        else:  # the group keeps its size (the lost ones relaunched) and grows no further
            on = ManagedScaling()
            providers.append(replace(cp, zones=others, max_size=running + gone, scaling=on))
            sizes.append(running)
            relaunch.append(gone)
    problem = compile_problem(replace(rest, capacity_providers=tuple(providers)))
    return _restart(problem, zone, sizes, relaunch)


def _restart(
    problem: Problem, zone: str, sizes: list[int], relaunch: list[int]
) -> tuple[Problem, Lost]:
    """:func:`lose`'s surgery on the compiled problem: per capacity provider's group, the
    most instances it may run (``sizes``) and how many it relaunches at once."""
    launchable = {i for g in problem.groups for i in g.launchable}
    gone = {
        i for i, inst in enumerate(problem.instances) if inst.zone == zone and i not in launchable
    }
    running = [
        tuple(a + b for a, b in zip(o, n, strict=True))
        for o, n in zip(problem.initial, problem.start_new, strict=True)
    ]
    lost_tasks = {
        svc.name: sum(running[i][s] for i in gone) for s, svc in enumerate(problem.services)
    }
    zero = tuple(0 for _ in problem.services)
    instances = tuple(
        replace(inst, closed=f"lost with its zone {zone}") if i in gone else inst
        for i, inst in enumerate(problem.instances)
    )
    groups = tuple(
        replace(
            g,
            running=tuple(i for i in g.running if i not in gone),
            max_size=sizes[k],
        )
        for k, g in enumerate(problem.groups)
    )
    relaunched = tuple(min(n, len(g.launchable)) for n, g in zip(relaunch, groups, strict=True))
    restart = replace(
        problem,
        instances=instances,
        services=tuple(
            replace(svc, lower=0, upper=svc.desired, all_at_once=False) for svc in problem.services
        ),
        initial=tuple(zero for _ in instances),
        initial_new=tuple(zero if i in gone else row for i, row in enumerate(running)),
        snapshot=True,
        groups=groups,
        start_added=(),
    )
    if any(relaunched):
        restart = restart.at(relaunched)
    return restart, Lost(len(gone), lost_tasks, relaunched)


#: The attribute that marks an instance where a distinctInstance service still runs a task,
#: in :func:`folded` (``{}``: the service's index).
RUNS_HERE = "planner.restart-runs.{}"


def folded(problem: Problem) -> Problem:
    """The restart of :func:`lose` with the tasks still running folded into their
    instances' static load: each service wants only its missing tasks (desired, upper
    bound), none running. A distinctInstance service's instances are marked
    (:data:`RUNS_HERE`) and its memberOf excludes them. The same placements, so the same
    runs by ECS rules under ``--placement any`` (the scheduler's strategies count the
    tasks per instance, and a capacity provider's split counts them per group: neither
    is the same here); a state here is the state there with the folded tasks added.

    Why: the volume proofs (:mod:`planner.solvers.volume`) bound what the tasks can fill
    by every task a service may run; here only the missing ones can move."""
    running = problem.start_new
    instances = list(problem.instances)
    for i, row in enumerate(running):
        if not any(row) or instances[i].closed:
            continue
        inst = instances[i]
        static = list(inst.static)
        ports = set(inst.static_ports)
        attributes = list(inst.attributes)
        names = list(inst.static_names)
        for s, n in enumerate(row):
            if not n:
                continue
            svc = problem.services[s]
            static = [a + n * b for a, b in zip(static, svc.new.vector, strict=True)]
            ports |= svc.new.ports
            names.append(svc.name)
            if svc.distinct:
                attributes.append((RUNS_HERE.format(s), "yes"))
        instances[i] = replace(
            inst,
            static=tuple(static),  # type: ignore[arg-type]
            static_ports=frozenset(ports),
            attributes=tuple(attributes),
            static_names=tuple(names),
        )
    totals = [sum(row[s] for row in running) for s in range(problem.n_services)]
    services = tuple(
        replace(
            svc,
            desired=svc.desired - totals[s],
            lower=0,
            upper=svc.desired - totals[s],
            member_of=svc.member_of
            + ((f"attribute:{RUNS_HERE.format(s)} !exists",) if svc.distinct else ()),
        )
        for s, svc in enumerate(problem.services)
    )
    zero = tuple(0 for _ in services)
    return replace(
        problem,
        instances=tuple(instances),
        services=services,
        initial=tuple(zero for _ in instances),
        initial_new=(),
    )


def unfolded(problem: Problem, state: State) -> State:
    """A state of :func:`folded` ``(problem)`` as a state of ``problem``: the folded tasks
    added back to the new ones."""
    new = tuple(
        tuple(a + b for a, b in zip(run, more, strict=True))
        for run, more in zip(problem.start_new, state.new, strict=True)
    )
    return State(problem.initial, new, state.added)
