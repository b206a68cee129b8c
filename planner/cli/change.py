"""``--change`` and a live ``--cluster`` for ``solve`` and ``batch``: the options, and the
cluster (a scenario file, an import folder, or read live) with the changes laid over it
(:func:`planner.load_change`)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from planner.errors import PlannerError
from planner.running.clock import Deadline

if TYPE_CHECKING:  # pragma: no cover
    from planner.inputs.change.apply import Applied
    from planner.model.scenario import Scenario


class ChangeFormat(StrEnum):
    terraform = "terraform"
    cloudformation = "cloudformation"
    ecspresso = "ecspresso"


ChangeFiles = Annotated[
    list[Path] | None,
    typer.Option(
        "--change",
        help="A change as the team wrote it, laid over the cluster (repeatable): a Terraform "
        "plan's JSON (terraform show -json PLANFILE), a CloudFormation or CDK template, "
        "ecspresso's config or service/task definition. The services it creates or updates "
        "deploy; the others keep still.",
    ),
]
BatchChanges = Annotated[
    list[Path] | None,
    typer.Option(
        "--change",
        help="Change files, or folders of them (*.json, *.yaml, *.yml, *.template, "
        "*.jsonnet), each laid over the one cluster PATH names (a scenario file or an "
        "import folder): one row per change (repeatable).",
    ),
]
ChangeFormatOpt = Annotated[
    ChangeFormat | None,
    typer.Option("--change-format", help="The change files' format (default: detected)."),
]
ParameterOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--parameter",
        help="Name=Value: a CloudFormation parameter, over the template's default (repeatable).",
    ),
]
LiveCluster = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        help="Read the cluster live with boto3 (read-only calls, as planner import --cluster) "
        "instead of a scenario file or import folder.",
    ),
]
Region = Annotated[str | None, typer.Option("--region", help="With --cluster: AWS region.")]
Profile = Annotated[str | None, typer.Option("--profile", help="With --cluster: AWS profile.")]


@dataclass(frozen=True)
class ClusterSource:
    """Where the cluster comes from: a scenario file or import folder, or a live name."""

    path: Path | None
    live: str | None = None
    region: str | None = None
    profile: str | None = None


def parameters(items: list[str] | None) -> dict[str, str]:
    """``--parameter Name=Value`` items as a mapping."""
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise PlannerError(f"--parameter takes Name=Value, got {item!r}")
        out[name] = value
    return out


def batch_changes(
    change: list[Path] | None, change_format: ChangeFormat | None, parameter: list[str] | None
) -> dict[str, Any]:
    """``batch``'s keyword arguments for ``--change`` (none without it)."""
    if not change:
        if parameter:
            raise PlannerError("--parameter goes with --change (a CloudFormation template's)")
        return {}
    return {
        "changes": change,
        "change_format": change_format.value if change_format is not None else None,
        "parameters": parameters(parameter),
    }


def load_cluster(
    source: ClusterSource,
    change: list[Path] | None,
    change_format: ChangeFormat | None,
    parameter: list[str] | None,
    *,
    deadline: Deadline | None = None,
) -> tuple[Scenario, Applied | None]:
    """The scenario to solve, and what the changes applied (None without ``--change``).

    Raises
    ------
    PlannerError
        For usage (both or neither of a path and ``--cluster``), and bad input.
    """
    import planner

    if (source.path is None) == (source.live is None):
        raise PlannerError("give a scenario file or import folder, or --cluster NAME: one of them")
    if parameter and not change:
        raise PlannerError("--parameter goes with --change (a CloudFormation template's)")
    fmt = change_format.value if change_format is not None else None
    if source.live is not None:
        from planner.inputs.live import fetch_export, write_export

        name = source.live.rsplit("/", 1)[-1]
        export = fetch_export(
            source.live, region=source.region, profile=source.profile, deadline=deadline
        )
        with tempfile.TemporaryDirectory() as tmp:
            folder = write_export(export, tmp)
            if not change:
                return planner.import_cluster(folder, deadline=deadline), None
            return planner.load_change(
                folder,
                change,
                change_format=fmt,
                parameters=parameters(parameter),
                cluster_name=name,
            )
    assert source.path is not None
    if change:
        return planner.load_change(
            source.path, change, change_format=fmt, parameters=parameters(parameter)
        )
    if source.path.is_dir():  # an import folder (AWS CLI exports)
        return planner.import_cluster(source.path, deadline=deadline), None
    return planner.load_scenario(source.path), None
