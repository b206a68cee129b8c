"""The export folder's files, read and checked: the three listings and the task
definitions (what each file must hold, before anything is built from it)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs.files import read_limited

#: Export files larger than this are refused, having read one byte more.
MAX_BYTES = 20_000_000
#: The three listings an export folder holds (beside task-definitions/*.json).
FILES = ("services.json", "container-instances.json", "tasks.json")
#: The files of a cluster that reacts (ROLLOUT.md §10), each read when what came before
#: names what it holds: ``describe-clusters``, ``describe-capacity-providers``,
#: ``describe-auto-scaling-groups``, ``describe-launch-template-versions`` and
#: ``describe-launch-configurations``. A cluster without capacity providers needs none.
CAPACITY_FILES = (
    "clusters.json",
    "capacity-providers.json",
    "auto-scaling-groups.json",
    "launch-template-versions.json",
    "launch-configurations.json",
)
#: The message for a missing file of :data:`FILES`.
MISSING = (
    "is missing: the folder needs services.json, container-instances.json, tasks.json and "
    "task-definitions/*.json (README: Importing a cluster)"
)


def read_export(path: Path, limit: int = MAX_BYTES, missing: str = MISSING) -> Any:
    """The JSON of one export file, read having read at most ``limit`` + 1 bytes;
    ``missing`` says what to do when there is no such file."""
    raw = read_limited(
        path,
        str(path),
        limit,
        kind="an AWS CLI export (JSON)",
        missing=missing,
        hint="is this an AWS CLI export?",
    )
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise PlannerError("not a text file (JSON expected)", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise PlannerError(
            f"not valid JSON: {exc.msg} (a truncated export?)", file=str(path), line=exc.lineno
        ) from None


def export_list(doc: Any, key: str, path: Path) -> list[dict[str, Any]]:
    """The list ``key`` of an AWS CLI answer, refused when it lists ``failures``."""
    items = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        raise PlannerError(
            f"expected the AWS CLI's JSON with a list {key!r}", file=str(path), field=key
        )
    failures = doc.get("failures") or []
    if failures:
        first = failures[0]
        raise PlannerError(
            f"the export lists failures: {first.get('arn', '?')}: {first.get('reason', '?')}"
            + (f" ({first['detail']})" if first.get("detail") else "")
            + "; export again with the names that exist",
            file=str(path),
            field="failures[0]",
        )
    return items


def need(item: dict[str, Any], key: str, path: Path, where: str) -> Any:
    """``item[key]``, refused (naming the file and ``where.key``) when absent or null."""
    if item.get(key) is None:
        raise PlannerError("is required but missing", file=str(path), field=f"{where}.{key}")
    return item[key]


def resource(ci: dict[str, Any], name: str) -> Any:
    """A container instance's registered resource ``name`` (CPU, MEMORY, PORTS), or None."""
    for r in ci.get("registeredResources") or []:
        if r.get("name") == name:
            return (
                r.get("stringSetValue") if r.get("type") == "STRINGSET" else r.get("integerValue")
            )
    return None


def on_fargate(item: dict[str, Any]) -> bool:
    """A service or task on Fargate: launch type FARGATE, or a capacity provider (a task's
    ``capacityProviderName``, a service's ``capacityProviderStrategy``) FARGATE or
    FARGATE_SPOT."""
    if item.get("launchType") == "FARGATE":
        return True
    if str(item.get("capacityProviderName") or "").startswith("FARGATE"):
        return True
    strategy = item.get("capacityProviderStrategy") or []
    return isinstance(strategy, list) and any(
        isinstance(c, dict) and str(c.get("capacityProvider") or "").startswith("FARGATE")
        for c in strategy
    )


class TaskDefs:
    """The exported task definitions by ARN, as paths relative to the scenario's folder."""

    def __init__(self, root: Path, base: Path, limit: int = MAX_BYTES) -> None:
        self.folder = root / "task-definitions"
        self.base = base
        self.files: dict[str, Path] = {}
        for f in sorted(self.folder.glob("*.json")):
            td = read_export(f, limit)
            body = td.get("taskDefinition", td) if isinstance(td, dict) else None
            arn = body.get("taskDefinitionArn") if isinstance(body, dict) else None
            if not arn:
                raise PlannerError(
                    "expected `aws ecs describe-task-definition` output (taskDefinitionArn)",
                    file=str(f),
                )
            self.files[arn] = f

    def path(self, arn: str, who: str) -> str:
        """The file of ``arn``, relative to the scenario's folder; refused when not exported."""
        if arn not in self.files:
            raise PlannerError(
                f"{who} runs {arn}, whose task definition is not exported: add "
                f"`aws ecs describe-task-definition --task-definition {arn}` to "
                "task-definitions/",
                file=str(self.folder),
            )
        return os.path.relpath(self.files[arn], self.base)
