"""The verdict by decomposition (:func:`decide_parts`): deploying services that share no
instance decided part by part, and the verdicts put together.

Why it is sound is in :mod:`planner.model.parts`: the whole rollout is its parts side by
side, so it hangs where a part hangs, can die where a part can, and is safe where every
part is. Each part's evidence is joined into the whole's (the other parts run ECS's own
run beside a part's dead path, and their plans beside each other), and the whole's is
replayed before it leaves, as every verdict's is (:func:`~planner.deciding.analysis.
check_evidence`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from planner.deciding.analysis import Analysis
from planner.deciding.verdicts import Verdict
from planner.errors import InternalError, OutOfTime
from planner.model.parts import joined, part_problem
from planner.model.problem import Problem
from planner.model.rollout import InvalidWave, Wave, replay, simulate
from planner.running.clock import Deadline

#: How a part is decided: ``(problem, deadline) -> Analysis`` (the verdict's own analysis).
Decider = Callable[[Problem, Deadline], Analysis]


def decide_parts(
    problem: Problem, parts: Sequence[tuple[int, ...]], deadline: Deadline, decide: Decider
) -> Analysis:
    """The verdict on ``problem`` from its ``parts`` (services that share no instance),
    each decided by ``decide`` in an even share of the time left, the smallest first."""
    order = sorted(range(len(parts)), key=lambda k: (_tasks(problem, parts[k]), k))
    answers: dict[int, Analysis] = {}
    for n, k in enumerate(order):
        share = deadline.within(deadline.left() / (len(order) - n))
        answers[k] = decide(part_problem(problem, parts[k]), share)
        if answers[k].verdict == Verdict.HANGS:
            break  # the whole hangs: the other parts do not change that
    return _together(problem, parts, answers, deadline)


def _tasks(problem: Problem, part: tuple[int, ...]) -> int:
    return sum(problem.services[s].desired for s in part)


def _together(
    problem: Problem,
    parts: Sequence[tuple[int, ...]],
    answers: dict[int, Analysis],
    deadline: Deadline,
) -> Analysis:
    """The whole's verdict and evidence from the parts decided so far (see the module);
    a run made here for the dead path stops at ``deadline``."""
    verdicts = {k: a.verdict for k, a in answers.items()}
    names = [
        ", ".join(problem.services[s].name for s in part) for part in parts
    ]  # (for the proof line)
    said = "; ".join(
        f"[{names[k]}] {answers[k].verdict}" if k in answers else f"[{names[k]}] not decided"
        for k in range(len(parts))
    )
    head = f"decomposition: {len(parts)} groups of services that share no instance ({said})"
    plans = [answers[k].plan if k in answers else None for k in range(len(parts))]
    plan = joined(parts, plans) if all(p is not None for p in plans) else None  # type: ignore[arg-type]
    dying = next((k for k in sorted(answers) if answers[k].dead_path is not None), None)
    dead_path = None if dying is None else _dead_path(problem, parts, answers, dying, deadline)
    if Verdict.HANGS in verdicts.values():
        k = next(k for k, v in verdicts.items() if v == Verdict.HANGS)
        verdict, why = Verdict.HANGS, f"[{names[k]}] hangs: {answers[k].proof}"
        plan = None
    elif len(answers) == len(parts) and all(v == Verdict.SAFE for v in verdicts.values()):
        verdict, why = Verdict.SAFE, "every group is safe"
    elif plan is not None and dead_path is not None:
        verdict, why = Verdict.AT_RISK, f"[{names[dying]}] can die: {answers[dying].proof}"  # type: ignore[index]
    else:
        verdict, why = Verdict.UNKNOWN, "time limit: not every group was decided"
    out = Analysis(verdict, f"{head}; {why}", plan=plan)
    out.solver_seconds = sum(a.solver_seconds for a in answers.values())
    for a in answers.values():
        out.notes += [n for n in a.notes if n not in out.notes]
    if dead_path is not None:
        out.dead_path = dead_path
        try:
            out.dead_end = replay(problem, dead_path, ecs_rules=True)[-1]
        except InvalidWave as exc:  # the parts' waves side by side must be the whole's
            raise InternalError(f"the groups' dead paths do not join: {exc}") from None
    return out


def _dead_path(
    problem: Problem,
    parts: Sequence[tuple[int, ...]],
    answers: dict[int, Analysis],
    dying: int,
    deadline: Deadline,
) -> list[Wave] | None:
    """Part ``dying``'s dead path, with every other part running ECS's own run beside it
    to its end (complete or dead: a part's run by ECS rules always ends, within the
    bound of :mod:`planner.model.horizon`): the one its analysis made first, where it
    has one, else made here, by ``deadline``. None where that run is not made in time:
    the whole then has no dead path to show (a part that hangs still makes the whole
    hang; an at-risk verdict needs every part decided, and each decided part has its run).
    """
    runs: list[list[Wave]] = []
    for k, part in enumerate(parts):
        if k == dying:
            runs.append(list(answers[dying].dead_path or []))
            continue
        summary = answers[k].scheduler if k in answers else None
        own = summary.default_run if summary is not None else None
        if own is None:
            try:
                own = simulate(part_problem(problem, part), deadline=deadline)
            except OutOfTime:
                return None
        runs.append(list(own.waves))
    return joined(parts, runs)
