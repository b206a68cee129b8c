"""The one exception type that reaches the command line."""

from __future__ import annotations


class PlannerError(Exception):
    """Bad input or usage: the CLI prints the message and exits with code 2.

    Parameters
    ----------
    message
        What was expected and what was found, e.g. ``must be a whole number ≥ 0, got "four"``.
    file
        The file the problem is in, if any.
    line
        The 1-based line in ``file``, if known.
    field
        The field path, e.g. ``services[0].desiredCount``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        super().__init__(str(self))

    def __reduce__(self):  # type: ignore[override]
        """Pickled whole (file, line, field kept): it may come back from a worker."""
        return _planner_error, (self.message, self.file, self.line, self.field)

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        elif self.line:
            where = f"line {self.line}: "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


def _planner_error(
    message: str, file: str | None, line: int | None, field: str | None
) -> PlannerError:
    return PlannerError(message, file=file, line=line, field=field)


class InternalError(Exception):
    """planner contradicted itself: a plan or dead path it was about to report does not
    replay through the plain wave model (:mod:`planner.model.rollout`). Never a verdict: the CLI
    prints the message and exits with code 4."""

    exit_code = 4

    def __str__(self) -> str:
        return (
            f"internal error: {self.args[0] if self.args else 'unknown'}. This is a bug in "
            "planner, not a property of your deployment; please report it with the scenario."
        )


class OutOfTime(Exception):  # noqa: N818 (a signal, not an error)
    """The command's deadline (a :class:`planner.running.clock.Deadline`, or a run's
    cut-off taken from one) passed in a phase that cannot stop half-way with an answer: a
    plain-Python run, or building a CP-SAT model. The caller answers with what it knows
    (``unknown``); never shown to a user."""
