"""``planner import``: a scenario from AWS CLI exports of a cluster, or read live."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from planner.cli.common import Output, emit, fail
from planner.errors import InternalError, PlannerError
from planner.running.clock import Deadline


def import_(
    folder: Annotated[
        Path | None, typer.Argument(help="A folder of AWS CLI exports (README).")
    ] = None,
    output: Output = None,
    deploy: Annotated[
        list[str] | None,
        typer.Option(
            "--deploy",
            help="SERVICE=TASKDEF.json: the revision to roll out; the other services are "
            "written deploy: false (unless ECS is moving them already). Without --deploy, "
            "every service is force-redeployed with the revision it runs.",
        ),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", help="Read the cluster live with boto3 (read-only calls)."),
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="AWS region.")] = None,
    profile: Annotated[str | None, typer.Option("--profile", help="AWS profile.")] = None,
    export_to: Annotated[
        Path | None,
        typer.Option(
            "--save-export",
            help="With --cluster: where the fetched exports go (default: ecs-export-CLUSTER "
            "beside the output); the scenario refers to its task definitions.",
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            min=0.1,
            help="With --cluster: seconds for reading the cluster live (default: no bound); "
            "AWS calls not answered by then are an error.",
        ),
    ] = None,
) -> None:
    """A scenario (YAML) from what `aws ecs describe-*` printed about a cluster, or, with
    --cluster, from the same calls made live. Without --deploy every service is
    force-redeployed with the revision it runs; the scenario's header says which."""
    from planner.inputs.importing import import_folder, import_notes, scenario_yaml
    from planner.inputs.loading import scenario_from_data
    from planner.inputs.yamlsafe import Located

    pairs: dict[str, str] = {}
    for item in deploy or []:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise fail(PlannerError(f"--deploy takes SERVICE=TASKDEF.json, got {item!r}"))
        pairs[name] = path
    if (folder is None) == (cluster is None):
        raise fail(PlannerError("give a folder of exports or --cluster NAME, one of them"))
    if output is not None and not output.parent.is_dir():
        raise fail(PlannerError("cannot write: no such directory", file=str(output)))
    console = Console(stderr=True, soft_wrap=True)
    try:
        base = output.parent if output is not None else Path.cwd()
        if cluster is not None:
            from planner.inputs.live import fetch_export, write_export

            target = export_to or base / f"ecs-export-{cluster.rsplit('/', 1)[-1]}"
            deadline = None if time_limit is None else Deadline(time_limit)
            export = fetch_export(cluster, region=region, profile=profile, deadline=deadline)
            folder = write_export(export, target)
            console.print(f"exports written to {folder}", highlight=False)
        elif output is None and folder is not None:
            base = folder  # task-definition paths relative to the printed scenario's folder
        assert folder is not None
        mapping, warnings = import_folder(folder, pairs, relative_to=base)
        # what is written must load: checked as a scenario file is
        scenario_from_data(Located(mapping, {}, str(folder)), base_dir=base)
    except (PlannerError, InternalError) as exc:
        raise fail(exc) from None
    for w in warnings:
        console.print(f"[yellow]warning:[/yellow] {w}", highlight=False)
    notes = import_notes(mapping, pairs)
    console.print(f"note: {notes[-1]}", highlight=False)
    emit(scenario_yaml(mapping, notes), output)
