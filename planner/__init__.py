"""planner: will an ECS deployment complete or hang, and what does it need to complete?

>>> import planner
>>> scenario = planner.load_scenario("scenarios/seed/port-conflict.yaml")
>>> planner.solve(scenario).verdict
'hangs'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from planner.deciding.batch import batch
from planner.deciding.minimum import least_max_sizes, minimum_instances
from planner.deciding.percents import percent_options
from planner.deciding.result import Result
from planner.deciding.solve import solve
from planner.deciding.tables import capacity_table  # pandas is imported only when it is called
from planner.deciding.verdicts import Verdict
from planner.deciding.zones import ZoneLosses, zone_losses
from planner.errors import InternalError, PlannerError
from planner.inputs.change.loading import load_change
from planner.inputs.importing import import_cluster
from planner.model.scenario import Agent, InstanceGroup, Scenario, Service, TaskDefinition, Timing
from planner.running.clock import Deadline

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any

__all__ = [
    "Agent",
    "Deadline",
    "InstanceGroup",
    "Service",
    "TaskDefinition",
    "Timing",
    "Verdict",
    "InternalError",
    "PlannerError",
    "import_cluster",
    "Result",
    "Scenario",
    "batch",
    "capacity_table",
    "least_max_sizes",
    "load_change",
    "load_scenario",
    "minimum_instances",
    "percent_options",
    "solve",
    "zone_losses",
    "ZoneLosses",
]


def load_scenario(path: str | Path | Mapping[str, Any]) -> Scenario:
    """Read and validate a scenario file (CONTRACT.md), or a mapping with a file's content;
    :class:`PlannerError` if it is bad."""
    from planner.inputs.loading import load_scenario as load

    return load(path)
