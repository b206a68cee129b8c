"""Shared test settings."""

from hypothesis import settings

# Repeatable: the same examples on every run and machine, no example database on disk.
settings.register_profile("planner", derandomize=True, database=None)
settings.load_profile("planner")
