"""planner: will an ECS deployment complete or hang, and what does it need to complete?

>>> import planner
>>> scenario = planner.load_scenario("scenarios/seed/port-conflict.yaml")
>>> planner.solve(scenario).verdict
'hangs'
"""

from __future__ import annotations

from planner.errors import PlannerError
from planner.loading import load_scenario
from planner.minimum import minimum_instances
from planner.result import Result
from planner.scenario import Scenario
from planner.solve import solve  # binds the function over the submodule's name

__all__ = [
    "PlannerError",
    "Result",
    "Scenario",
    "load_scenario",
    "minimum_instances",
    "solve",
]
