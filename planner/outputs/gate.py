"""What a deploy gate says of a solve in a line, shared by the text's first line, GitHub
annotations (:mod:`planner.outputs.github`) and the Markdown summary
(:mod:`planner.outputs.summary`): the scheduler's sampled runs, why in a line, the first
checked fix."""

from __future__ import annotations

from typing import Any

from planner.deciding.verdicts import Verdict


def sampled_runs(result: Any) -> str:
    """For an at-risk or unknown verdict whose scheduler runs all complete or all hang,
    that in a few words ("100 of 100 sampled runs of ECS's scheduler as configured
    complete"); else empty: a mixed rate is said below the why, and a safe or hanging
    verdict says it already. The runs are a sample of ECS's choices, not a proof."""
    sched = result.scheduler
    if result.verdict not in (Verdict.AT_RISK, Verdict.UNKNOWN) or not sched:
        return ""
    if not sched["runs"] or sched["hung"] not in (0, sched["runs"]):
        return ""
    return runs_words(sched)


def runs_words(sched: dict[str, Any] | None) -> str:
    """How the scheduler's sampled runs went: "100 of 100 sampled runs of ECS's scheduler
    as configured complete", "2 of 100 ... hang" (empty: no runs)."""
    if not sched or not sched.get("runs"):
        return ""
    runs, hung = sched["runs"], sched["hung"]
    n, said = (runs, "complete") if hung == 0 else (hung, "hang")
    return f"{n} of {runs} sampled runs of ECS's scheduler as configured {said}"
