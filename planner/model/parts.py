"""Deploying services that share no instance (:func:`independent_parts`), each part a
problem of its own (:func:`part_problem`), and their runs joined into one
(:func:`joined`).

A service *reaches* an instance where one of its tasks runs at the start, old or new,
or where a new task of it fits with nothing else there (:func:`reaches`, judged by
:class:`~planner.model.placement.ArrayLoads`: memberOf, a type too small, a reserved
port, a closed instance keep it out). Services whose reaches meet are in one part, and so
on, transitively.

Why a rollout is its parts side by side (ROLLOUT.md §3, §4): a service's stops and
starts in a wave depend only on its own counts and on the instances it reaches, and a
task of another part never runs there. So a wave of the whole, cut to a part, is a wave
of that part (by ECS rules, maximal starts included, when the whole's is), and the
waves of the parts' runs, the k-th of each together, are a wave of the whole; a part
that has completed or died does nothing from then on, and doing nothing is what the
rules ask of it. The whole is complete when every part is, and dead when every part is
complete or dead with one at least dead. So: some plan of the whole completes if and
only if one of every part does, and a run by ECS rules of the whole can die if and
only if one of some part can (the others run to their ends beside it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

import numpy as np

from planner.model import placement
from planner.model.problem import Problem
from planner.model.rollout import Wave


def reaches(problem: Problem) -> np.ndarray:
    """Per service (rows) and instance (columns), whether the service may ever use the
    instance (see the module): a new task of it fits there on an empty instance, as
    :class:`~planner.model.placement.ArrayLoads` judges it, or its tasks run there at the
    start."""
    return np.array(list(_reaching(problem))).reshape(problem.n_services, problem.n_instances)


def _reaching(problem: Problem) -> Iterator[np.ndarray]:
    n, S = problem.n_instances, problem.n_services
    empty = placement.ArrayLoads.empty(problem.row_arrays)
    running = np.asarray(problem.initial, dtype=np.int64).reshape(n, S) + np.asarray(
        problem.start_new, dtype=np.int64
    ).reshape(n, S)
    for s in range(S):
        yield empty.fits(s) | (running[:, s] > 0)


def independent_parts(problem: Problem) -> list[tuple[int, ...]]:
    """The deploying services in groups that share no instance, each in file order, the
    groups by their first service; one group where everything meets (at once where a
    service may use every instance, the usual case)."""
    S = problem.n_services
    parent = list(range(S))

    def root(s: int) -> int:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    owner = np.full(problem.n_instances, -1, dtype=np.int64)  # a service that reaches it
    for s, reach in enumerate(_reaching(problem)):
        if reach.all():
            return [tuple(range(S))]  # it meets every service somewhere
        where = np.flatnonzero(reach)
        for t in {root(int(t)) for t in owner[where] if t >= 0}:
            a, b = root(t), root(s)
            if a != b:
                parent[max(a, b)] = min(a, b)
        owner[where[owner[where] < 0]] = s
    groups: dict[int, list[int]] = {}
    for s in range(S):
        groups.setdefault(root(s), []).append(s)
    return [tuple(g) for g in groups.values()]


def part_problem(problem: Problem, services: Sequence[int]) -> Problem:
    """``problem`` with only ``services`` deploying (every instance kept, so instance
    numbers stay; the other parts' tasks never run on what these services reach)."""
    keep = list(services)

    def cut(rows: tuple[tuple[int, ...], ...]) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(row[s] for s in keep) for row in rows)

    return replace(
        problem,
        services=tuple(problem.services[s] for s in keep),
        initial=cut(problem.initial),
        initial_new=cut(problem.initial_new) if problem.initial_new else (),
        service_index=tuple(problem.service_index[s] for s in keep)
        if problem.service_index
        else (),
        shares=tuple(problem.shares[s] for s in keep) if problem.shares else (),
    )


def joined(parts: Sequence[Sequence[int]], runs: Sequence[Sequence[Wave]]) -> list[Wave]:
    """The parts' runs as one run of the whole: wave k is every part's wave k (a part
    whose run has ended does nothing), services numbered as in the whole."""
    out = []
    for k in range(max((len(r) for r in runs), default=0)):
        stops: list[tuple[int, int, int]] = []
        starts: list[tuple[int, int, int]] = []
        for part, run in zip(parts, runs, strict=True):
            if k < len(run):
                stops += [(part[s], i, n) for s, i, n in run[k].stops]
                starts += [(part[s], i, n) for s, i, n in run[k].starts]
        out.append(Wave(tuple(sorted(stops)), tuple(sorted(starts))))
    return out
