"""Shared test settings."""

import pytest
from hypothesis import settings

from planner.running import machine

# Repeatable: the same examples on every run and machine, no example database on disk.
settings.register_profile("planner", derandomize=True, database=None)
settings.load_profile("planner")


@pytest.fixture(autouse=True)
def _one_worker_unless_asked(monkeypatch):
    """``planner solve`` uses the machine's cores unless told: the tests ask for one
    CP-SAT worker by default, so that they are repeatable (``test_machine`` restores the
    default it tests; tests that want more workers pass them)."""
    monkeypatch.setattr(machine, "MOST_DEFAULT_WORKERS", 1)


@pytest.fixture
def volumes_alone(monkeypatch):
    """The volume proofs without the sums a row can carry (planner.solvers.volume), for
    tests of what CP-SAT decides on rollouts the sums prove safe before it is asked."""
    from planner.solvers import volume

    monkeypatch.setattr(volume, "SUMS_MOST", -1)


@pytest.fixture
def no_first_wave(monkeypatch):
    """Without the proof from the first wave (planner.solvers.first_wave), for tests of
    what the later phases decide on rollouts it proves safe before they are asked."""
    from planner.solvers import first_wave

    monkeypatch.setattr(first_wave, "no_dead_state_after_first_wave", lambda *a, **k: False)
