"""The phases of a verdict (planner.deciding.phases): what one does when it runs out."""

from __future__ import annotations

from tiny import sample

from planner.deciding.verdict import analyse
from planner.errors import OutOfTime


def test_an_any_dead_state_model_not_built_in_time_is_skipped(monkeypatch):
    """The any-dead-state model is built within its own share; one not built in time
    (OutOfTime) is skipped, and the search for a dying run decides as before: every
    safe case of the stored sample still safe, as the oracle says, without counting
    shortcuts (so the phase is reached)."""
    from planner.solvers import cpsat

    calls = []

    def late(*args, **kw):
        calls.append(kw["deadline"].left())  # its own share, not the analysis' 60 s
        raise OutOfTime("the time limit came while building the CP-SAT model")

    monkeypatch.setattr(cpsat, "dead_state_exists", late)
    safe = [c for c in sample("mixed") if c.label == "safe"][:8]
    assert len(safe) == 8
    for case in safe:
        a = analyse(case.problem, time_limit=60, shortcuts=False)
        assert a.verdict == case.label, a.proof
    assert len(calls) >= 4 and all(left <= 60 / 8 for left in calls), calls
