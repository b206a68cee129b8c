"""The four verdicts (ROLLOUT.md §4) and their exit codes: one home for each word."""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """A verdict, equal to its word (``Verdict.AT_RISK == "at-risk"``), so JSON, the text
    and scripts see the contract's words."""

    SAFE = "safe"  #: every run ECS can make completes
    AT_RISK = "at-risk"  #: a run completes, but ECS's own choices can hang it
    HANGS = "hangs"  #: no run completes: the deployment waits forever
    UNKNOWN = "unknown"  #: the time limit came before a proof

    @property
    def exit_code(self) -> int:
        """The command's exit code for this verdict (docs/CONTRACT.md)."""
        return EXIT_CODES[self]


#: The verdicts in the contract's order.
VERDICTS = tuple(Verdict)
#: 0 safe; 1 at-risk or hangs (a deploy gate fails); 3 unknown.
EXIT_CODES: dict[str, int] = {
    Verdict.SAFE: 0,
    Verdict.AT_RISK: 1,
    Verdict.HANGS: 1,
    Verdict.UNKNOWN: 3,
}
#: The verdicts that fail a deploy gate: a run can hang.
FAILING = (Verdict.HANGS, Verdict.AT_RISK)
