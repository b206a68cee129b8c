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
