"""How many waves a search must look at before its answer is a proof.

**Stops may be taken as large as allowed.** If any plan completes, one completes that
stops, in every wave, exactly as many old tasks as the lower bound allows. Take a
completing plan P, list its stops in the order P makes them, and let P' stop, by each
wave, the first ``C'_w`` tasks of that list, where ``C'_w`` is the most the bound allows
given P's new tasks. P has stopped at most ``C'_w`` tasks by then, so P' has stopped a
superset of P's: every start of P still fits (less is in use) and the upper bound still
holds (fewer old tasks run). ``C'_w`` never falls, so each wave of P' stops a whole
number ≥ 0 of further tasks. ECS rules stop the allowed maximum too.

**A plan that stops the most needs at most 2·D + 1 waves** (D = sum of desired counts).
Drop waves that change nothing. With stops taken at their maximum, a wave's stops are
allowed only by tasks that became healthy at the end of the wave before it, so every wave
after the first that starts nothing follows a wave that starts something. At most D waves
start something, so there are at most D + (D + 1) waves.

**A group that grows adds a wave per instance at most** (ROLLOUT.md §10). On a cluster
that reacts, a wave may move no task and only grow a group; it adds at least one
instance, no group shrinks, and at most L instances can be launched in all (L = the sum
of maxSize less the running instances): 2·D + 1 + L waves.

Every run by ECS rules is such a plan until it completes or dies, so it, too, has ended
by wave 2·D + 1: a search that finds no run still going at a horizon ``H`` has seen
every run whole. Searches start at a short horizon and grow it; only the bound above,
or an exhausted run, turns "nothing found" into a proof.
"""

from __future__ import annotations

from planner.model.problem import Problem


def max_waves(problem: Problem) -> int:
    """2·D + 1: no plan with maximal stops and no empty wave is longer; plus one wave per
    instance the groups may launch (ROLLOUT.md §10: a wave that moves no task but grows a
    group adds at least one instance, and no group shrinks)."""
    return 2 * problem.total_desired + 1 + sum(len(g.launchable) for g in problem.groups)


def next_horizon(current: int, problem: Problem) -> int:
    """The next horizon to try: double, up to :func:`max_waves`."""
    return min(max(2 * current, current + 1), max_waves(problem))
