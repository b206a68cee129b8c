"""The four verdicts and their exit codes, where the deciding layer and its callers import
them: their one home is :mod:`planner.model.verdicts` (below the inputs, so that a
scenario's ``expect:`` is read in the same words)."""

from planner.model.verdicts import EXIT_CODES, FAILING, VERDICTS, Verdict

__all__ = ["EXIT_CODES", "FAILING", "VERDICTS", "Verdict"]
