"""Scale-out as a step of the wave model (ROLLOUT.md §10), in plain Python.

A capacity provider's Auto Scaling group is compiled into a :class:`Group`: its running
instances, and its *launchable* ones (up to ``maxSize``), appended to the problem's
instances in launch order, of the group's smallest type, their zones continuing the
group's rotation. A launchable instance takes no task until the group has grown past it:
a :class:`~planner.model.rollout.State` says how many each group has launched
(``added``), and :meth:`Problem.at <planner.model.problem.Problem.at>` gives the problem
with exactly those open.

After a wave's starts, the tasks a service still wanted to start (its quota under §3,
less what the wave placed) are PROVISIONING, given to its providers by its strategy
(:func:`provisioning`). :func:`grown` is what the groups launch then:

- the PROVISIONING tasks that fit an empty instance of the group (its smallest type, the
  constraints that hold there) are packed first-fit onto empty instances: E of them;
  a task that fits none is left out of ECS's estimate;
- M = the group's instances running a task after the wave + E; with E > 0 the group
  grows to ceil(M × 100 / targetCapacity) (N = 0, M > 0: ECS's 200 %), by at least
  ``minimumScalingStepSize`` and at most ``maximumScalingStepSize``, never past
  ``maxSize``; none with managed scaling off.

The estimate's packing onto the smallest type is an assumption (ECS documents an
estimate between packing onto the largest and onto the smallest type; the smallest gives
the larger count); so is launching the smallest type, and no scale-in during a rollout.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from planner.model import placement


@dataclass(frozen=True)
class Group:
    """A capacity provider's Auto Scaling group, compiled."""

    name: str
    #: Instance indices of the group's running instances.
    running: tuple[int, ...]
    #: Instance indices of the instances it may launch, in launch order (maxSize − running).
    launchable: tuple[int, ...]
    max_size: int
    target: int = 100
    min_step: int = 1
    max_step: int = 10_000
    warmup: int = 300
    #: Whether managed scaling is on (off: the group never grows).
    scales: bool = True
    #: The type it launches (its smallest).
    type: str = ""


@dataclass(frozen=True)
class Share:
    """A deploying service's item of a capacity provider strategy, on group ``group``."""

    group: int
    base: int = 0
    weight: int = 0


def provisioning(shares: Sequence[Share], pending: int, on_group: Sequence[int]) -> dict[int, int]:
    """Which group each of ``pending`` PROVISIONING tasks of one service goes to.

    ``on_group``: the service's tasks running per group. One task at a time to the item
    whose ``base`` is not yet met, else to the item with the fewest tasks beyond its base
    per unit of weight (ties: the first item): ECS's base-then-weight split, task by task
    (planner's reading of the API's ``base`` and ``weight``).
    """
    if not shares or pending <= 0:
        return {}
    count = {sh.group: on_group[sh.group] for sh in shares}
    out: dict[int, int] = {}
    for _ in range(pending):
        short = [sh for sh in shares if sh.base and count[sh.group] < sh.base]
        if short:
            g = short[0].group
        else:
            weighted = [sh for sh in shares if sh.weight > 0]
            g = min(weighted, key=lambda sh: (count[sh.group] - sh.base) / sh.weight).group
        count[g] += 1
        out[g] = out.get(g, 0) + 1
    return out


def pack(rows: Sequence[placement.Row], tasks: Sequence[int]) -> int:
    """Empty instances with ``rows`` that the new tasks of services ``tasks`` (one entry
    per task) take, packed first-fit in that order; a task that fits no empty instance is
    left out (ROLLOUT.md §10: ECS leaves it out of its estimate)."""
    bins: list[list[int]] = []
    for s in tasks:
        _first_fit(rows, bins, s)
    return len(bins)


def _first_fit(rows: Sequence[placement.Row], bins: list[list[int]], s: int) -> None:
    """One new task of ``s`` into the first of ``bins`` (new tasks per service on an
    instance with ``rows``) it fits, else into a new one, else nowhere."""
    n_services = len(rows[0].new) if rows else 0
    zero = [0] * n_services
    for new in bins:
        new[s] += 1
        if placement.holds(rows, zero, new):
            return
        new[s] -= 1
    new = [0] * n_services
    new[s] = 1
    if placement.holds(rows, zero, new):
        bins.append(new)


def pack_table(
    rows: Sequence[placement.Row], services: Sequence[int], sizes: Sequence[int]
) -> list[int]:
    """:func:`pack` of every count of ``services`` (in increasing order; service ``k``'s
    count below ``sizes[k]``, the first varying fastest), one entry per combination, the
    tasks in service order as :func:`grown` lists them. First-fit in that order, so the
    bins after the first services' tasks are shared by every count of the later ones."""
    out = [0] * math.prod(sizes)

    def fill(level: int, bins: list[list[int]], index: int, stride: int) -> None:
        if level == len(services):
            out[index] = len(bins)
            return
        bins = [list(b) for b in bins]
        for count in range(sizes[level]):
            if count:
                _first_fit(rows, bins, services[level])
            fill(level + 1, bins, index + count * stride, stride * sizes[level])

    fill(0, [], 0, 1)
    return out


def target_size(busy: int, estimate: int, size: int, group: Group) -> int:
    """The group's size after one scale-out: ``busy`` instances running a task, the
    ``estimate`` empty instances the PROVISIONING tasks need, ``size`` instances now."""
    if estimate <= 0 or not group.scales:
        return size
    want = math.ceil((busy + estimate) * 100 / group.target)
    if want <= size:
        return size
    step = min(max(want - size, group.min_step), group.max_step)
    return min(size + step, group.max_size)


def grown(
    problem: Any,
    old: Sequence[Sequence[int]],
    new: Sequence[Sequence[int]],
    added: tuple[int, ...],
    rooms: Sequence[int],
) -> tuple[int, ...]:
    """Per group, its launched instances after one scale-out, from the tasks running
    (``old``, ``new`` per instance and service), the instances launched (``added``) and
    what each service may still start (``rooms``: PROVISIONING where it has a strategy).
    ``problem``: a :class:`~planner.model.problem.Problem` (which holds the groups, so
    this module cannot import it)."""
    tasks: list[list[int]] = [[] for _ in problem.groups]
    members = [set(g.running) | set(g.launchable[: added[k]]) for k, g in enumerate(problem.groups)]
    for s, room in enumerate(rooms):
        if not room or not problem.shares[s]:
            continue
        on = [sum(old[i][s] + new[i][s] for i in m) for m in members]
        for g, n in provisioning(problem.shares[s], room, on).items():
            tasks[g] += [s] * n
    out = list(added)
    full = problem.at(tuple(len(g.launchable) for g in problem.groups))
    for g, group in enumerate(problem.groups):
        if not tasks[g] or not group.scales or added[g] >= len(group.launchable):
            continue
        estimate = pack(full.rows[group.launchable[added[g]]], tasks[g])
        busy = sum(
            1 for i in members[g] if any(old[i]) or any(new[i]) or problem.instances[i].static_names
        )
        size = len(group.running) + added[g]
        out[g] = target_size(busy, estimate, size, group) - len(group.running)
    return tuple(out)
