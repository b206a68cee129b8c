"""Losing a zone (ROLLOUT.md §10): each zone of the cluster lost in turn, which services end
short and why, and the least fleet that survives the loss of any one zone.

The restart after a zone's loss is a problem of the wave model
(:func:`planner.model.zone_loss.lose`: the zone's instances and tasks gone, every service
restarting its missing tasks on what is left, capacity providers' groups relaunching in
their other zones). Here it is decided:

- Where services compete for the room left, who goes first decides the shortfall. ECS's
  scheduler as configured is run once in its own turns, then with each service first
  and with each service last (:func:`planner.model.rollout.scheduler_wave` ``order=``):
  the range over those orders is each service's shortfall, fewest to most. Whether some
  plan restores every service at all, and whether every run by ECS rules does, is the
  verdict engine's answer (:func:`planner.deciding.verdict.analyse`) on the same
  problem: ``safe`` (every run restores every service), ``at-risk`` (some run leaves a
  service short: its dead end joins the range), ``hangs`` (no plan restores every one).
- The least fleet: counts from the current ones up, cheapest first (as
  :mod:`planner.deciding.minimum` scans), until every zone's loss is ``safe``.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from planner.deciding.verdict import Analysis, analyse
from planner.deciding.verdicts import Verdict
from planner.errors import OutOfTime, PlannerError
from planner.model.problem import DoesNotFit, Problem
from planner.model.rollout import (
    Run,
    State,
    explain,
    initial_state,
    launched,
    scheduler_wave,
    simulate,
)
from planner.model.scenario import Scenario
from planner.model.zone_loss import at_rest, folded, lose, unfolded, zones_of
from planner.running import clock
from planner.running.clock import Deadline

__all__ = [
    "Short",
    "ZoneLoss",
    "ZoneLosses",
    "counted_zone_safe",
    "least_fleet",
    "lose_zone",
    "zone_losses",
]

#: How far above its current count each group is searched for the least fleet: a group
#: that survives losing one of z zones needs about z / (z − 1) of what it holds, at most
#: twice (two zones); two more for what constraints waste.
GROWTH = 2
#: How many fleets the least-fleet search tries at most (cheapest first).
FLEETS = 400


# ---------------------------------------------------------------- the results


@dataclass(frozen=True)
class Short:
    """A service that a zone's loss leaves short: by how many tasks, over the orders
    tried (``fewest`` to ``tasks``), and why, in ECS's words, in the run where it ends
    shortest."""

    service: str
    tasks: int
    fewest: int
    reason: str
    message: str
    instance: int | None = None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "service": self.service,
            "tasks": self.tasks,
            "fewestTasks": self.fewest,
            "reason": self.reason,
            "message": self.message,
        }
        if self.instance is not None:
            out["instance"] = self.instance
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass
class ZoneLoss:
    """One zone lost: what went, what each order of restarts leaves short, and the
    verdict engine's answer on whether every run restores every service."""

    zone: str
    lost_instances: int
    #: Per service, the tasks that ran in the zone.
    lost_tasks: dict[str, int]
    short: list[Short]
    verdict: Verdict
    proof: str
    #: Per capacity provider, the instances its group relaunches in its other zones.
    relaunched: list[dict[str, Any]] = field(default_factory=list)
    #: Per capacity provider, the most instances it launched beyond those over the runs.
    grown: list[dict[str, Any]] = field(default_factory=list)
    #: Each order tried: its name and what it leaves short (service → tasks).
    runs: list[tuple[str, dict[str, int]]] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``short`` (a run by ECS rules leaves a service short), ``whole`` (every run
        restores every service: proven), or ``unknown``."""
        if self.short or self.verdict in (Verdict.AT_RISK, Verdict.HANGS):
            return "short"
        return "whole" if self.verdict == Verdict.SAFE else "unknown"

    def to_json(self) -> dict[str, Any]:
        return {
            "zone": self.zone,
            "lostInstances": self.lost_instances,
            "short": [s.to_json() for s in self.short],
            "status": self.status,
            "lostTasks": [{"service": k, "tasks": n} for k, n in self.lost_tasks.items() if n],
            "relaunched": self.relaunched,
            "grown": self.grown,
            "verdict": str(self.verdict),
            "proof": self.proof,
            "orders": [{"order": name, "short": short} for name, short in self.runs],
        }


@dataclass
class ZoneLosses:
    """Every zone's loss, and the least fleet that survives any one."""

    scenario: str
    zones: list[ZoneLoss]
    #: Per instance group, the least count found (None: none found; see ``search``).
    least_fleet: list[dict[str, Any]] | None
    search: dict[str, Any]
    method: str
    assumptions: list[str]
    time_limit: float = 0.0
    wall_seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """0 when no zone's loss leaves a service short; 1 when one does; 3 unknown."""
        statuses = {z.status for z in self.zones}
        return 1 if "short" in statuses else 3 if "unknown" in statuses else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "zones": [z.to_json() for z in self.zones],
            "leastFleet": self.least_fleet,
            "leastFleetSearch": self.search,
            "method": self.method,
            "assumptions": self.assumptions,
            "timeLimitSeconds": self.time_limit,
            "wallSeconds": round(self.wall_seconds, 3),
        }


# ---------------------------------------------------------------- one zone's loss


def orders(problem: Problem) -> list[tuple[str, tuple[int, ...] | None]]:
    """The orders tried: ECS's own turns, then each service first and each service last
    (the others in file order, each placing all it can before the next)."""
    names = [svc.name for svc in problem.services]
    S = len(names)
    out: list[tuple[str, tuple[int, ...] | None]] = [("ECS's turns", None)]
    if S > 1:
        for s in range(S):
            out.append((f"{names[s]} first", (s,)))
        for s in range(S):
            rest = tuple(t for t in range(S) if t != s)
            out.append((f"{names[s]} last", (*rest, s)))
    return out


def order_run(problem: Problem, order: tuple[int, ...] | None, deadline: Deadline) -> Run:
    """ECS's scheduler as configured from the loss to where it can do no more, its
    services placing in ``order`` (None: its own turns)."""

    def wave_of(state: State):
        return scheduler_wave(problem, state, order=order)

    return simulate(problem, wave_of=wave_of, deadline=deadline)


def shortfall(problem: Problem, state: State) -> dict[str, int]:
    """Per service, the tasks it still lacks in ``state``."""
    return {
        svc.name: svc.desired - state.new_total(s)
        for s, svc in enumerate(problem.services)
        if svc.desired > state.new_total(s)
    }


def lose_zone(
    rest: Scenario, zone: str, deadline: Deadline, *, workers: int = 1, seed: int = 0
) -> ZoneLoss:
    """One zone's loss: the orders' runs, then the verdict engine, by ``deadline``.
    ``rest``: from :func:`~planner.model.zone_loss.at_rest`."""
    problem, lost = lose(rest, zone)
    ends: list[tuple[str, State]] = []
    for name, order in orders(problem):
        try:
            ends.append((name, order_run(problem, order, deadline).states[-1]))
        except OutOfTime:
            break
    a, dead = engine(problem, deadline, workers, seed)
    runs = [(name, shortfall(problem, end)) for name, end in ends]
    if dead is not None and a.verdict != Verdict.UNKNOWN:
        witness = shortfall(problem, dead)
        if all(witness != short for _, short in runs):  # a run the orders did not find
            ends.append((WITNESS, dead))
            runs.append((WITNESS, witness))
    names = [g.name for g in problem.groups]
    start = launched(problem, initial_state(problem))
    grown = [
        max((launched(problem, end)[k] for _, end in ends), default=start[k]) - start[k]
        for k in range(len(names))
    ]

    def per_group(counts: Sequence[int]) -> list[dict[str, Any]]:
        return [
            {"capacityProvider": names[k], "type": problem.groups[k].type, "count": n}
            for k, n in enumerate(counts)
            if n
        ]

    return ZoneLoss(
        zone,
        lost.instances,
        lost.tasks,
        _shorts(problem, ends, runs),
        a.verdict,
        a.proof,
        per_group(lost.relaunched),
        per_group(grown),
        runs,
    )


def engine(
    problem: Problem, deadline: Deadline, workers: int, seed: int
) -> tuple[Analysis, State | None]:
    """The verdict engine on a restart, and its dead end (None: none) as a state of
    ``problem``. Under ``--placement any`` on a cluster that does not grow, it is asked of
    the restart with the tasks still running folded into static load
    (:func:`~planner.model.zone_loss.folded`: the same runs by ECS rules, and volume
    proofs that count only the missing tasks)."""
    if problem.reacts or problem.placement_mode != "any":
        a = analyse(problem, workers=workers, seed=seed, deadline=deadline)
        return a, a.dead_end
    a = analyse(folded(problem), workers=workers, seed=seed, deadline=deadline)
    return a, None if a.dead_end is None else unfolded(problem, a.dead_end)


#: The name of the verdict engine's dead end among the runs of a zone's loss.
WITNESS = "the verdict engine's run by ECS rules"


def _shorts(
    problem: Problem, ends: list[tuple[str, State]], runs: list[tuple[str, dict[str, int]]]
) -> list[Short]:
    """Per service short in some run: the range over the runs, and why in the run that
    leaves it shortest (the first such)."""
    out: list[Short] = []
    for svc in problem.services:
        counts = [short.get(svc.name, 0) for _, short in runs]
        if not counts or max(counts) == 0:
            continue
        worst = counts.index(max(counts))
        why = {b.service: b for b in explain(problem, ends[worst][1])}
        b = why.get(svc.name)
        out.append(
            Short(
                svc.name,
                max(counts),
                min(counts),
                b.reason if b else "unknown",
                b.message if b else "",
                b.instance if b else None,
                b.detail if b else "",
            )
        )
    return out


# ---------------------------------------------------------------- every zone, and the fleet


def zone_losses(
    scenario: Scenario,
    *,
    time_limit: float = 60.0,
    workers: int = 1,
    seed: int = 0,
    placement: str | None = None,
    fleet: bool = True,
    deadline: Deadline | None = None,
) -> ZoneLosses:
    """Each zone of ``scenario`` lost in turn, and the least fleet that survives the loss
    of any one (this module's model; ROLLOUT.md §10).

    Parameters
    ----------
    scenario
        From :func:`planner.load_scenario`, every group's count given.
    time_limit, deadline
        Seconds for all of it, or the :class:`~planner.running.clock.Deadline` it is due
        by. The losses of the fleet as it is get :data:`~planner.running.clock.ZONE_LOSSES`,
        split evenly between the zones; the least fleet's search the rest.
    workers, seed
        The verdict engine's (CP-SAT's workers; one is deterministic).
    placement
        ``any`` or ``ecs`` (ROLLOUT.md §8); None keeps the scenario's.
    fleet
        Search the least fleet (False: the losses only; ``leastFleet`` is None).

    Returns
    -------
    ZoneLosses
        Per zone, the services it leaves short (the range over the orders, ECS's reason
        and message) and the verdict on the restart; the least fleet; ``exit_code``.
    """
    if deadline is None:
        deadline = Deadline(time_limit)
    t0 = deadline.clock()
    if placement is not None:
        scenario = replace(scenario, placement_mode=placement)
    rest = at_rest(scenario)
    zones = zones_of(scenario)
    if not zones:
        raise PlannerError(
            "the cluster names no availability zone (cluster.instances[].availabilityZones, "
            "or a capacity provider's): there is no zone to lose",
            file=scenario.path,
        )
    work = deadline.less(clock.RESERVE.seconds(deadline))
    losses_by = work.share(clock.ZONE_LOSSES) if fleet else work
    losses = []
    for k, zone in enumerate(zones):
        part = losses_by.within(losses_by.left() / (len(zones) - k))
        losses.append(_checked(rest, zone, part, workers, seed))
    least: list[dict[str, Any]] | None = None
    search: dict[str, Any] = {}
    if fleet:
        least, search = least_fleet(rest, zones, work, workers=workers, seed=seed, current=losses)
    out = ZoneLosses(
        scenario.name, losses, least, search, METHOD, assumptions(scenario), deadline.limit
    )
    out.wall_seconds = deadline.clock() - t0
    return out


def _checked(rest: Scenario, zone: str, deadline: Deadline, workers: int, seed: int) -> ZoneLoss:
    """:func:`lose_zone`, its errors naming the scenario file."""
    try:
        return lose_zone(rest, zone, deadline, workers=workers, seed=seed)
    except DoesNotFit as exc:
        raise PlannerError(exc.message, file=rest.path, field=exc.field) from None


METHOD = (
    "each zone lost in turn; ECS's scheduler as configured restarts the missing tasks "
    "(ROLLOUT.md §3, §8) in its own turns, then with each service first and each last: "
    "the shortfall is the range over those orders; whether every run by ECS rules restores "
    "every service (safe), some does not (at-risk), or no plan does (hangs): planner's "
    "verdict engine (docs/ROLLOUT.md §4: runs, counting, volumes, CP-SAT)"
)


def assumptions(scenario: Scenario) -> list[str]:
    """What the answer rests on, named in the output."""
    out = [
        "a zone's instances and their tasks are gone at once; every service restarts its "
        "missing tasks on what is left, at its current revision, within its constraints "
        "(lower bound 0, upper bound its desired count); DAEMON tasks go with their instances",
    ]
    if scenario.capacity_providers:
        out.append(
            "a capacity provider's Auto Scaling group relaunches its lost instances in its "
            "other zones (desired capacity kept: replace-unhealthy, balanced-best-effort, "
            "the defaults), of its smallest type; managed scaling grows it further up to "
            "maxSize (docs/ROLLOUT.md §10); the lost instances no longer count"
        )
    owned = {k for cp in scenario.capacity_providers for k in cp.groups}
    if any(k not in owned for k in range(len(scenario.instance_groups))):
        out.append("a group without a capacity provider is not replaced")
    out.append("a group's zones are spread round-robin over its instances, in file order")
    return out


def survives(
    scenario: Scenario, zones: list[str], deadline: Deadline, *, workers: int = 1, seed: int = 0
) -> str:
    """Whether the loss of any one zone leaves every service whole: ``whole`` (proven:
    every run by ECS rules restores every service), ``short`` or ``unknown``. The orders'
    runs first, the verdict engine only where none of them is short."""
    unknown = False
    for k, zone in enumerate(zones):
        part = deadline.within(deadline.left() / (len(zones) - k))
        try:
            problem, _ = lose(scenario, zone)
        except DoesNotFit:
            return "short"
        try:
            for _, order in orders(problem):
                if shortfall(problem, order_run(problem, order, part).states[-1]):
                    return "short"
        except OutOfTime:
            return "unknown"
        verdict = engine(problem, part, workers, seed)[0].verdict
        if verdict in (Verdict.AT_RISK, Verdict.HANGS):
            return "short"
        unknown = unknown or verdict == Verdict.UNKNOWN
    return "unknown" if unknown else "whole"


def too_small(scenario: Scenario, counts: dict[int, int], zones: list[str]) -> bool:
    """Whether losing some zone leaves less CPU or memory than every task needs, with
    these group counts: a fleet :func:`survives` rejects anyway, told without a run. Only
    without capacity providers (their groups relaunch and grow)."""
    if scenario.capacity_providers:
        return False
    agent = scenario.agent
    daemons = [s for s in scenario.services if s.scheduling_strategy == "DAEMON"]
    per_instance = [sum(d.task_definition.cpu for d in daemons),
                    sum(d.task_definition.memory for d in daemons)]  # fmt: skip
    need = [0, 0]
    for svc in scenario.services:
        if svc.scheduling_strategy != "DAEMON":
            need[0] += svc.desired_count * svc.task_definition.cpu
            need[1] += svc.desired_count * svc.task_definition.memory
    for zone in zones:
        room = [0, 0]
        for k, g in enumerate(scenario.instance_groups):
            n = counts[k]
            left = n - sum(1 for j in range(n) if g.zones and g.zones[j % len(g.zones)] == zone)
            room[0] += left * max(0, g.cpu - agent.reserved_cpu - per_instance[0])
            room[1] += left * max(0, g.memory - agent.reserved_memory - per_instance[1])
        if room[0] < need[0] or room[1] < need[1]:
            return True
    return False


def with_fleet(scenario: Scenario, counts: dict[int, int]) -> Scenario:
    """``scenario`` with these group counts, a capacity provider's ``maxSize`` raised to
    the instances its group then runs where it was below."""
    raised = tuple(
        replace(cp, max_size=max(cp.max_size, sum(counts[k] for k in cp.groups)))
        for cp in scenario.capacity_providers
    )
    return replace(scenario, capacity_providers=raised).with_counts(counts)


def fleets(scenario: Scenario) -> list[dict[int, int]]:
    """Group counts from the current ones up, each to at most :data:`GROWTH` × its count
    + 2, cheapest first (hourly price, then instances in all), at most :data:`FLEETS`."""
    groups = scenario.instance_groups
    start = tuple(g.count or 0 for g in groups)
    caps = tuple(GROWTH * n + 2 for n in start)
    prices = tuple(g.hourly_usd or 0.0 for g in groups)

    def key(counts: tuple[int, ...]) -> tuple[float, int, tuple[int, ...]]:
        return (
            round(sum(p * n for p, n in zip(prices, counts, strict=True)), 9),
            sum(counts),
            counts,
        )

    heap = [(key(start), start)]
    seen = {start}
    out: list[dict[int, int]] = []
    while heap and len(out) < FLEETS:
        _, counts = heapq.heappop(heap)
        out.append(dict(enumerate(counts)))
        for k in range(len(counts)):
            if counts[k] < caps[k]:
                more = counts[:k] + (counts[k] + 1,) + counts[k + 1 :]
                if more not in seen:
                    seen.add(more)
                    heapq.heappush(heap, (key(more), more))
    return out


def least_fleet(
    rest: Scenario,
    zones: list[str],
    deadline: Deadline,
    *,
    workers: int = 1,
    seed: int = 0,
    current: list[ZoneLoss] | None = None,
) -> tuple[list[dict[str, Any]] | None, dict[str, Any]]:
    """The least fleet, at or above the current counts, that survives the loss of any one
    zone (every zone's loss ``whole``: :func:`survives`), cheapest first (:func:`fleets`).

    Returns ``(fleet, search)``: ``fleet`` as CONTRACT.md's ``leastFleet`` (None where
    none was found), ``search`` how: ``tried``, ``proven`` (no cheaper fleet was left
    undecided), ``undecided``, ``bound`` (why the search stopped short, or None) and
    ``maxSizeRaised`` (capacity providers whose maxSize the fleet raises).
    """
    groups = rest.instance_groups
    candidates = fleets(rest)

    def name(counts: dict[int, int]) -> str:
        return ", ".join(f"{groups[k].name}={n}" for k, n in counts.items())

    found: dict[int, int] | None = None
    undecided: list[str] = []
    bound: str | None = None
    tried = 0
    for k, counts in enumerate(candidates):
        if k and deadline.expired:
            bound = f"the time limit came after {tried} fleet{'s' if tried != 1 else ''}"
            break
        if k == 0 and current is not None:
            statuses = {z.status for z in current}
            status = (
                "short" if "short" in statuses else max(statuses, key=["whole", "unknown"].index)
            )
        elif too_small(rest, counts, zones):
            status = "short"
        else:
            status = survives(
                with_fleet(rest, counts),
                zones,
                deadline.share(clock.ZONE_FLEET),
                workers=workers,
                seed=seed,
            )
        tried += 1
        if status == "whole":
            found = counts
            break
        if status == "unknown":
            undecided.append(name(counts))
    else:
        bound = (
            f"none of the {tried} fleets tried survives (each group up to {GROWTH} × its "
            f"count + 2, cheapest first, at most {FLEETS})"
        )
    search: dict[str, Any] = {
        "from": [{"type": g.name, "count": g.count} for g in groups],
        "tried": tried,
        "proven": not undecided,
        "undecided": undecided,
        "bound": bound,
    }
    if found is None:
        return None, search
    fleet = with_fleet(rest, found)
    search["maxSizeRaised"] = [
        {"capacityProvider": cp.name, "maxSize": cp.max_size}
        for cp, was in zip(fleet.capacity_providers, rest.capacity_providers, strict=True)
        if cp.max_size != was.max_size
    ]
    return [{"type": g.name, "count": found[k]} for k, g in enumerate(groups)], search


def counted_zone_safe(desired: int, slots: list[int], zones: int) -> int | None:
    """The least instances of one type, spread round-robin over ``zones`` zones, that
    hold ``desired`` tasks of one service after losing any one zone, by counting: the
    zone with the most instances (ceil(n / zones)) is the worst to lose, and the tasks of
    one service restart wherever a slot is free, so n − ceil(n / zones) instances of
    ``slots`` tasks each must hold them, for each task size in ``slots``. None where no
    count does (one zone, or a task that fits no instance)."""
    if desired == 0:
        return 0
    if zones < 2 or min(slots, default=0) <= 0:
        return None
    n = math.ceil(desired / min(slots))
    while (n - math.ceil(n / zones)) * min(slots) < desired:
        n += 1
    return n
