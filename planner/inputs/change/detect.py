"""Which kind of change a file holds, from its content, and the one entry that reads it.

:func:`detect` looks at the text, never constructs anything from it: a Terraform plan as
``terraform show -json PLANFILE`` prints it (``format_version`` with ``resource_changes``
or ``planned_values``), a CloudFormation or CDK template (``Resources`` or
``AWSTemplateFormatVersion``, JSON or YAML with its short-form tags), an ecspresso
configuration (``service_definition`` / ``task_definition``, YAML, JSON or Jsonnet) or one
of ecspresso's service or task definition files (the ECS API's shapes). What is none of
them is refused naming the formats read and ``--change-format``; a Terraform state file
and a binary plan are refused with the command that makes the right file.

:func:`read_change` runs the reader of the kind, importing its module by name only then.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.inputs.change.model import FORMATS, Change
from planner.inputs.files import read_limited

#: Change files larger than this are refused unread (a plan of a large workspace is a few
#: MB; this leaves room).
MAX_CHANGE_BYTES = 50_000_000

#: The reader of each format: module (under planner.inputs.change) and function.
READERS = {
    "terraform": ("terraform", "read_terraform"),
    "cloudformation": ("cloudformation", "read_cloudformation"),
    "ecspresso": ("ecspresso", "read_ecspresso"),
}

PLAN_COMMAND = "terraform show -json PLANFILE > plan.json"

_CFN_TEXT = re.compile(r"^(AWSTemplateFormatVersion|Resources)\s*:", re.MULTILINE)
_ECSPRESSO_TEXT = re.compile(
    r"""^\s*["']?(service_definition|task_definition)["']?\s*:""", re.MULTILINE
)
#: Top-level keys of the ECS API's shapes that ecspresso keeps in its definition files.
_SERVICE_KEYS = {"serviceName", "desiredCount", "deploymentConfiguration", "launchType"}
_TASK_KEYS = {"containerDefinitions", "taskDefinition"}


def read_text(path: str | Path) -> str:
    """A change file's text, refused when it is not text (a binary plan, say)."""
    name = str(path)
    raw = read_limited(
        Path(path),
        name,
        MAX_CHANGE_BYTES,
        kind="a change file",
        missing="no such change file",
        hint="is this a change file?",
    )
    if raw.startswith(b"PK"):  # a zip: what `terraform plan -out` writes
        raise PlannerError(
            "is a binary Terraform plan (terraform plan -out); planner reads its JSON: "
            f"{PLAN_COMMAND}",
            file=name,
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        raise PlannerError(
            "is not a text file; planner reads a Terraform plan's JSON "
            f"({PLAN_COMMAND}), a CloudFormation or CDK template, or ecspresso's files",
            file=name,
        )
    return text


def detect(path: str | Path, text: str | None = None) -> str:
    """The format of a change file, one of :data:`FORMATS`.

    Raises
    ------
    PlannerError
        For a Terraform state file or binary plan (with the command that makes a plan's
        JSON), and for a file of no format planner reads.
    """
    name = str(path)
    if text is None:
        text = read_text(path)
    data: Any = None
    with contextlib.suppress(ValueError, RecursionError):
        data = json.loads(text)
    if isinstance(data, dict):
        found = _from_json(data, name)
        if found is not None:
            return found
    else:
        if _CFN_TEXT.search(text):
            return "cloudformation"
        if _ECSPRESSO_TEXT.search(text) or (
            name.endswith(".jsonnet") and re.search(r"\b(containerDefinitions|serviceName)\b", text)
        ):
            return "ecspresso"
    raise PlannerError(
        "is not a change planner reads: a Terraform plan's JSON "
        f"({PLAN_COMMAND}), a CloudFormation or CDK template (Resources), or an ecspresso "
        "config or service/task definition; name the format with --change-format "
        + "|".join(FORMATS),
        file=name,
    )


def _from_json(data: dict[str, Any], name: str) -> str | None:
    if "format_version" in data and ("resource_changes" in data or "planned_values" in data):
        return "terraform"
    if "terraform_version" in data and ("values" in data or "resources" in data):
        raise PlannerError(
            "is a Terraform state, not a plan: planner reads what the change will do, "
            f"{PLAN_COMMAND} (after terraform plan -out PLANFILE)",
            file=name,
        )
    if "Resources" in data or "AWSTemplateFormatVersion" in data:
        return "cloudformation"
    if {"service_definition", "task_definition"} & set(data):
        return "ecspresso"
    if _TASK_KEYS & set(data) or _SERVICE_KEYS & set(data):
        return "ecspresso"
    return None


def read_change(
    path: str | Path,
    format: str | None = None,
    *,
    parameters: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Change:
    """Read one change file with the reader of its format.

    Parameters
    ----------
    path
        The file, named in every message as given.
    format
        One of :data:`FORMATS`; None: :func:`detect`.
    parameters
        CloudFormation parameters (``--parameter Name=Value``), over the template's
        defaults.
    env
        The environment ecspresso's ``{{ env }}`` / ``{{ must_env }}`` read (default: the
        process's).

    Raises
    ------
    PlannerError
        Naming the file, and where it can, the resource and field.
    """
    import os

    if format is None:
        format = detect(path)
    elif format not in READERS:
        raise PlannerError(
            f"--change-format must be one of {', '.join(FORMATS)}, got {format!r}", file=str(path)
        )
    module_name, function = READERS[format]
    try:
        module = importlib.import_module(f"planner.inputs.change.{module_name}")
    except ImportError:
        raise PlannerError(
            f"this planner has no {format} reader yet; it reads "
            + ", ".join(f for f in FORMATS if _available(f)),
            file=str(path),
        ) from None
    reader = getattr(module, function)
    if format == "terraform":
        return reader(path)  # type: ignore[no-any-return]
    if format == "cloudformation":
        return reader(path, dict(parameters or {}))  # type: ignore[no-any-return]
    return reader(path, os.environ if env is None else env)  # type: ignore[no-any-return]


def _available(format: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(f"planner.inputs.change.{READERS[format][0]}") is not None
