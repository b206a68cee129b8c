"""A verdict and its evidence: the :class:`Analysis` type, the replay of its plan and dead
path before it leaves (:func:`check_evidence`), and the small makers of verdicts the
phases of :mod:`planner.deciding.phases` share (:func:`hangs`, :func:`at_risk`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.deciding.scheduler import Summary
from planner.deciding.verdicts import Verdict
from planner.errors import InternalError
from planner.model.problem import Problem
from planner.model.rollout import (
    InvalidWave,
    Run,
    State,
    Wave,
    explain,
    initial_state,
    is_complete,
    is_dead,
    replay,
)


@dataclass
class Analysis:
    """A verdict on a compiled problem with its evidence."""

    verdict: Verdict
    proof: str
    plan: list[Wave] | None = None
    dead_path: list[Wave] | None = None
    dead_end: State | None = None
    solver_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    #: ECS as configured (:mod:`planner.deciding.scheduler`): its runs, and how the first hang ends.
    scheduler: Summary | None = None
    #: Whether the dead path is one the scheduler could take (None: not decided).
    follows_strategy: bool | None = None
    #: On a cluster that reacts, per group the most instances any run by ECS rules
    #: launches, where every run was seen (None: not known; ROLLOUT.md §10).
    most_added: tuple[int, ...] | None = None


def check_evidence(problem: Problem, a: Analysis) -> None:
    """Replay the evidence of ``a`` through :mod:`planner.model.rollout` before it is reported.

    The plan must complete under the general rules; the dead path must be a run by ECS
    rules ending in ``a.dead_end``, a dead state. A verdict must carry the evidence it
    claims: ``hangs`` no plan, ``safe`` no dead path, ``at-risk`` both.

    Raises
    ------
    InternalError
        If any of it does not hold: a bug, never a verdict.
    """
    if a.plan is not None:
        try:
            end = replay(problem, a.plan)[-1]
        except InvalidWave as exc:
            raise InternalError(f"the plan behind '{a.verdict}' does not replay: {exc}") from None
        if not is_complete(problem, end):
            raise InternalError(f"the plan behind '{a.verdict}' does not complete the rollout")
    if a.dead_path is not None:
        try:
            end = replay(problem, a.dead_path, ecs_rules=True)[-1]
        except InvalidWave as exc:
            raise InternalError(
                f"the dead path behind '{a.verdict}' is not a run by ECS rules: {exc}"
            ) from None
        if end != a.dead_end or not is_dead(problem, end):
            raise InternalError(f"the dead path behind '{a.verdict}' does not end dead")
    wrong = (
        (a.verdict == Verdict.HANGS and a.plan is not None)
        or (a.verdict == Verdict.SAFE and (a.dead_path is not None or a.plan is None))
        or (a.verdict == Verdict.AT_RISK and (a.plan is None or a.dead_path is None))
    )
    if wrong:
        raise InternalError(f"the verdict '{a.verdict}' lacks its evidence ({a.proof})")


def attach_dead(problem: Problem, a: Analysis, run: Run | None) -> None:
    if run is not None:  # check_evidence replays the path before it is reported
        a.dead_path = run.waves
        a.dead_end = run.states[-1] if run.states else initial_state(problem)


def hangs(problem: Problem, run: Run | None, proof: str, final_state: bool = False) -> Analysis:
    a = Analysis(Verdict.HANGS, proof)
    if final_state:
        a.notes.append("final-state")
    attach_dead(problem, a, run)
    return a


def at_risk(problem: Problem, plan: list[Wave], dead: Run, proof: str, spent: float) -> Analysis:
    a = Analysis(Verdict.AT_RISK, proof, plan=plan, solver_seconds=spent)
    attach_dead(problem, a, dead)
    return a


def blocked(problem: Problem, a: Analysis):
    """Why the dead end of ``a`` is dead, per service."""
    return explain(problem, a.dead_end) if a.dead_end is not None else []
