"""What a scenario file expects of its own verdict (its ``expect:`` field, CONTRACT.md).

A scenario written to show a hang expects it: ``planner batch`` passes a scenario whose
expectation is met and fails one whose expectation is not, so a folder of examples
passes its own gate (``planner solve`` reports it, its exit code stays the verdict's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from planner.errors import PlannerError
from planner.model.units import one_of_problem
from planner.model.verdicts import Verdict

#: The verdicts a scenario may expect (``unknown`` is no verdict to expect).
EXPECTED_VERDICTS = (Verdict.SAFE, Verdict.AT_RISK, Verdict.HANGS)
#: The reason codes of ROLLOUT.md §5.
REASON_CODES = (
    "deployment-configuration",
    "cpu",
    "memory",
    "port",
    "eni",
    "placement-constraint",
    "final-state",
)
#: How a deployment on a cluster that reacts ends (CONTRACT.md's ``outcome.kind``).
OUTCOME_KINDS = ("completes", "completes-after-scale-out", "rolls-back", "fails", "stuck")


@dataclass(frozen=True)
class Expectation:
    """What a scenario expects of its solve.

    Parameters
    ----------
    verdict
        The verdict (``--placement any``, the default).
    reasons
        Reason codes each among the result's reasons (more may come).
    outcome
        How a cluster that reacts ends (ROLLOUT.md §10): ``outcome.kind``.
    placement_ecs
        The verdict with ``--placement ecs`` (ECS's scheduler as configured), where it
        differs from ``verdict``; None: the same. With it given and different, only the
        verdict is checked under ``ecs`` (``reasons`` and ``outcome`` are ``verdict``'s).
    """

    verdict: str
    reasons: tuple[str, ...] = ()
    outcome: str | None = None
    placement_ecs: str | None = None

    def __post_init__(self) -> None:
        for field, value, allowed in (
            ("verdict", self.verdict, EXPECTED_VERDICTS),
            ("placementEcs", self.placement_ecs, EXPECTED_VERDICTS),
            ("outcome", self.outcome, OUTCOME_KINDS),
        ):
            if value is not None and (said := one_of_problem(value, allowed)):
                raise PlannerError(said, field=f"expect.{field}")
        for k, code in enumerate(self.reasons):
            if said := one_of_problem(code, REASON_CODES):
                raise PlannerError(said, field=f"expect.reasons[{k}]")

    def verdict_for(self, placement: str) -> str:
        """The verdict expected with ``--placement`` ``placement`` (``any`` or ``ecs``)."""
        if placement == "ecs" and self.placement_ecs is not None:
            return self.placement_ecs
        return self.verdict

    def unmet(
        self, verdict: str, reasons: Iterable[str], outcome: str | None, placement: str = "any"
    ) -> list[str]:
        """What a solve's ``verdict``, ``reasons`` and outcome kind miss of the expectation,
        one phrase each; empty when it is met."""
        want = self.verdict_for(placement)
        if verdict != want:
            return [f"verdict {verdict}, expected {want}"]
        if want != self.verdict:  # (placement ecs, its own verdict): reasons are verdict's
            return []
        out = []
        have = list(reasons)
        missing = [r for r in self.reasons if r not in have]
        if missing:
            out.append(
                f"reasons {', '.join(have) or 'none'}, expected {', '.join(missing)} among them"
            )
        if self.outcome is not None and outcome != self.outcome:
            out.append(f"outcome {outcome or 'none'}, expected {self.outcome}")
        return out

    def to_json(self) -> dict[str, object]:
        """As the file's mapping form writes it."""
        return {
            "verdict": self.verdict,
            **({"reasons": list(self.reasons)} if self.reasons else {}),
            **({"outcome": self.outcome} if self.outcome else {}),
            **({"placementEcs": self.placement_ecs} if self.placement_ecs else {}),
        }

    def __str__(self) -> str:
        """``hangs (port)``, ``at-risk; with --placement ecs: safe``."""
        text = self.verdict + (f" ({', '.join(self.reasons)})" if self.reasons else "")
        if self.outcome:
            text += f", outcome {self.outcome}"
        if self.placement_ecs and self.placement_ecs != self.verdict:
            text += f"; with --placement ecs: {self.placement_ecs}"
        return text
