"""Deploying services that share no instance (:func:`independent_parts`), each part a
problem of its own (:func:`part_problem`), and their runs joined into one
(:func:`joined`).

A service *reaches* an instance where one of its tasks runs at the start, old or new,
or where a new task of it could ever fit, with nothing else there
(:func:`~planner.model.placement.could_ever_fit`: memberOf, a type too small, a
reserved port, a closed instance). Services whose reaches meet are in one part, and so
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

from collections.abc import Sequence
from dataclasses import replace

from planner.model.problem import Problem
from planner.model.rollout import Wave


def reach(problem: Problem, s: int) -> frozenset[int]:
    """The instances service ``s`` may ever use (see the module)."""
    start = problem.start_new
    return frozenset(
        i
        for i in range(problem.n_instances)
        if problem.initial[i][s] or start[i][s] or problem.could_ever_fit(i, s)
    )


def independent_parts(problem: Problem) -> list[tuple[int, ...]]:
    """The deploying services in groups that share no instance, each in file order, the
    groups by their first service; one group where everything meets."""
    S = problem.n_services
    parent = list(range(S))

    def root(s: int) -> int:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    owner: dict[int, int] = {}  # instance -> a service that reaches it
    for s in range(S):
        for i in reach(problem, s):
            if i in owner:
                a, b = root(owner[i]), root(s)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[i] = s
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
