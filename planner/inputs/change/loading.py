"""A cluster with changes laid over it, as one validated scenario: what ``solve --change``,
``batch --change`` and :func:`planner.load_change` run."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs.change.apply import Applied, apply_changes, blame
from planner.inputs.change.detect import read_change
from planner.inputs.change.model import Change
from planner.inputs.located import Located
from planner.model.scenario import Scenario


def load_change(
    cluster: str | Path | Mapping[str, Any],
    changes: str | Path | Iterable[str | Path],
    *,
    change_format: str | None = None,
    parameters: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    cluster_name: str | None = None,
) -> tuple[Scenario, Applied]:
    """The scenario of ``cluster`` with ``changes`` applied, and what was applied.

    Parameters
    ----------
    cluster
        A scenario file, an import folder (AWS CLI exports; its ``clusters.json`` gives
        the cluster's name), or a scenario mapping.
    changes
        Change files: Terraform plans' JSON, CloudFormation or CDK templates, ecspresso
        files; each read by its kind (:func:`~planner.inputs.change.detect.detect`).
    change_format
        ``terraform``, ``cloudformation`` or ``ecspresso`` for every file (default: each
        detected).
    parameters
        CloudFormation parameters over the templates' defaults.
    env
        The environment ecspresso's templates read (default: the process's).
    cluster_name
        The cluster's name, where the caller knows it (a live cluster); a service the
        change puts on another cluster is not this one's.

    Returns
    -------
    tuple
        The validated scenario, and the :class:`~planner.inputs.change.apply.Applied`
        (services deploying, where each is declared, notes). When the changes touch no
        service of the cluster, ``applied.nothing`` says so, and every service of the
        scenario keeps still.

    Raises
    ------
    PlannerError
        Naming the file (the change's or the cluster's), and line or resource, and field.
    """
    paths = [changes] if isinstance(changes, str | Path) else list(changes)
    if not paths:
        raise PlannerError("give at least one change file")
    read = [read_change(p, change_format, parameters=parameters, env=env) for p in paths]
    located, base, found_name = cluster_document(cluster)
    return apply_read(located, base, read, cluster_name or found_name)


def apply_read(
    located: Located, base: Path, read: list[Change], cluster_name: str | None
) -> tuple[Scenario, Applied]:
    """The changes already read, laid over a cluster's document, and loaded."""
    from planner.inputs.loading import scenario_from_data

    if any("desiredCount" in sc.fields for c in read for sc in c.services):
        located = _placed(located, base)
    applied = apply_changes(located.data, read, cluster_name=cluster_name, base_dir=base)
    mapping = applied.mapping
    name = mapping.get("name") or (
        "scenario" if located.file == "<mapping>" else Path(located.file).stem
    )
    mapping["name"] = f"{name} + {', '.join(Path(c.file).name for c in read)}"
    try:
        scenario = scenario_from_data(Located(mapping, located.lines, located.file), base_dir=base)
    except PlannerError as exc:
        raise blame(exc, applied) from None
    return scenario, applied


def _placed(located: Located, base: Path) -> Located:
    """The cluster's document with every service's old tasks written out where they run
    (``placement``), so that a change to a desired count keeps them there (the loader would
    otherwise place the new count); daemons and services already placed keep theirs."""
    from planner.inputs.loading import scenario_from_data
    from planner.model.problem import old_placement

    services = located.data.get("services") if isinstance(located.data, dict) else None
    if not isinstance(services, list) or all(
        not isinstance(s, dict) or "placement" in s or s.get("schedulingStrategy") == "DAEMON"
        for s in services
    ):
        return located
    placed = old_placement(scenario_from_data(located, base_dir=base))
    data = copy.deepcopy(located.data)
    for svc, where in zip(data["services"], placed, strict=True):
        if "placement" not in svc and svc.get("schedulingStrategy") != "DAEMON":
            svc["placement"] = list(where)
    return Located(data, located.lines, located.file)


def cluster_document(cluster: str | Path | Mapping[str, Any]) -> tuple[Located, Path, str | None]:
    """The cluster's scenario document, the folder its task-definition paths are relative
    to, and the cluster's name where the source gives it."""
    from planner.inputs.importing import import_folder
    from planner.inputs.yamlsafe import load_yaml

    if isinstance(cluster, Mapping):
        return Located(dict(cluster), {}, "<mapping>"), Path.cwd(), None
    path = Path(cluster)
    if path.is_dir():
        mapping, _ = import_folder(path)
        return Located(mapping, {}, str(path)), path, export_cluster_name(path)
    return load_yaml(path), path.parent, None


def export_cluster_name(folder: Path) -> str | None:
    """``clusterName`` of an export folder's ``clusters.json`` (describe-clusters), if it
    has one cluster."""
    file = folder / "clusters.json"
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    clusters = data.get("clusters") if isinstance(data, dict) else None
    if isinstance(clusters, list) and len(clusters) == 1 and isinstance(clusters[0], dict):
        name = clusters[0].get("clusterName")
        return name if isinstance(name, str) and name else None
    return None
