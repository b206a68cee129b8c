"""``--format github``: GitHub Actions workflow commands that annotate the pull request.

One annotation per failing service, at the line where the service is declared: the
``name:`` of its entry in a scenario file, the ``serviceName`` in an import folder's
``services.json``, or, with ``--change``, where the change file declares it (an
:class:`~planner.inputs.change.model.Origin`; a Terraform plan has no lines, so its
resource address leads the message). A verdict that fails the gate (``--fail-on``) is an
``::error``, one the gate lets through a ``::warning``. In ``planner batch``, a scenario
whose expectation (``expect:``) is met gets none, one whose expectation is missed gets an
``::error`` at its ``expect:`` line, and bad input an ``::error`` at its file and line.

Escaping is the Actions toolkit's (``@actions/core``, ``command.ts``): in a message ``%``,
CR and LF; in a property also ``:`` and ``,``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.deciding.batch import BatchResult, result_row
from planner.deciding.gate import DEFAULT_FAIL_ON, expectation_words, row_exit
from planner.deciding.result import Result
from planner.deciding.verdicts import Verdict
from planner.inputs.change.model import Origin
from planner.outputs.formatting import message
from planner.outputs.gate import runs_words

__all__ = ["batch_annotations", "command", "github_annotations", "service_origins"]


def escape_data(text: str) -> str:
    """A message, as ``escapeData`` of the Actions toolkit."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (file, title), as ``escapeProperty`` of the Actions toolkit."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(
    level: str,
    text: str,
    *,
    file: str | None = None,
    line: int | None = None,
    title: str | None = None,
) -> str:
    """One workflow command line: ``::error file=F,line=L,title=T::message``."""
    props = [
        f"{key}={escape_property(str(value))}"
        for key, value in (("file", file), ("line", line), ("title", title))
        if value is not None
    ]
    return f"::{level}{' ' + ','.join(props) if props else ''}::{escape_data(text)}\n"


def error_annotation(exc: Any, title: str = "planner: bad input") -> str:
    """A :class:`~planner.errors.PlannerError` (bad input) as an ``::error`` at its file and
    line, so a pull request shows it where the change file is wrong."""
    return command("error", str(exc), file=getattr(exc, "file", None),
                   line=getattr(exc, "line", None), title=title)  # fmt: skip


def service_origins(path: str | Path | None) -> dict[str, Origin]:
    """Where each service is declared, by name: in a scenario file the line of its
    ``name``; in an import folder the line of its ``serviceName`` in ``services.json``.
    Empty where the file cannot be read (its lines are a help, never a new error)."""
    from planner.errors import PlannerError
    from planner.inputs.yamlsafe import load_yaml

    if path is None:
        return {}
    path = Path(path)
    file, key = (path / "services.json", "serviceName") if path.is_dir() else (path, "name")
    try:
        doc = load_yaml(file)
    except PlannerError:
        return {}
    services = doc.data.get("services") if isinstance(doc.data, dict) else None
    out: dict[str, Origin] = {}
    for k, svc in enumerate(services if isinstance(services, list) else []):
        if isinstance(svc, dict) and isinstance(svc.get(key), str):
            out.setdefault(svc[key], Origin(str(file), doc.lines.get(("services", k, key))))
    return out


def github_annotations(
    result: Result,
    origins: Mapping[str, Origin] | None = None,
    *,
    fail_on: frozenset[str] = DEFAULT_FAIL_ON,
) -> str:
    """The annotations of one solve: one per stuck service, at ``origins[name]`` (a
    change's) or else where the scenario declares it; an error if the verdict fails the
    gate under ``fail_on``, else a warning; none for a safe verdict. ``planner solve``'s
    exit code is the policy's alone, so the file's own expectation plays no part."""
    row = {k: v for k, v in result_row(result).items() if k not in ("asExpected", "unmet")}
    return row_annotations(row, origins, fail_on)


def batch_annotations(batch: BatchResult) -> str:
    """The annotations of every row of a batch, in order."""
    return "".join(row_annotations(r, None, batch.fail_on) for r in batch.rows)


def row_annotations(
    row: dict[str, Any],
    origins: Mapping[str, Origin] | None,
    fail_on: frozenset[str],
) -> str:
    """The annotations of one batch row (or one solve's, :func:`github_annotations`)."""
    status = row["status"]
    scenario = row.get("scenario")
    if status in ("bad-input", "failed"):
        at = row.get("errorAt") or {}
        title = "planner: bad input" if status == "bad-input" else "planner: internal error"
        return command("error", str(row.get("error", "")), file=at.get("file", scenario),
                       line=at.get("line"), title=title)  # fmt: skip
    if row.get("asExpected") is True or status == Verdict.SAFE and "asExpected" not in row:
        return ""
    level = "error" if row_exit(row, fail_on) else "warning"
    if row.get("asExpected") is False:
        return command(level, f"{expectation_words(row)}\n{message(row)}",
                       file=scenario, line=_expect_line(scenario),
                       title=f"planner: {status}, not as the file expects")  # fmt: skip
    if status == Verdict.UNKNOWN:
        return command(level, message(row), file=scenario,
                       title="planner: unknown (the time limit came before a proof)")  # fmt: skip
    known = dict(service_origins(scenario))
    known.update(origins or {})
    out = []
    for b in _stuck(row):
        origin = known.get(b["service"]) or (Origin(scenario) if scenario else None)
        text = _service_text(row, b)
        if origin is not None and origin.address and not origin.line:
            text = f"{origin.address}: {text}"  # a plan: no line, the resource's address
        verb = "hangs" if status == Verdict.HANGS else "can hang (at-risk)"
        out.append(
            command(level, text, file=origin.file if origin else None,
                    line=origin.line if origin else None,
                    title=f"planner: {b['service']} {verb} [{b['reason']}]")
        )  # fmt: skip
    return "".join(out)


def _stuck(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The stuck services, each once (the first reason ECS gives), or the row as a whole."""
    seen: dict[str, dict[str, Any]] = {}
    for b in row.get("blocked", []):
        seen.setdefault(b["service"], b)
    if seen:
        return list(seen.values())
    reason = ", ".join(row.get("reasons", [])) or row["status"]
    return [{"service": s, "reason": reason, "message": message(row, reasons=False)}
            for s in row.get("services", [])[:1]]  # fmt: skip


def _service_text(row: dict[str, Any], b: dict[str, Any]) -> str:
    """ECS's words for the service, the checked fix (the service's own first), and for an
    at-risk verdict how the scheduler's sampled runs went."""
    lines = [f"[{b['reason']}] {b['message']}"]
    fixes = row.get("fixes", [])
    own = [f for f in fixes if getattr(f, "service", None) == b["service"]]
    if fix := (own or fixes or [None])[0]:
        lines.append(f"checked fix: {fix}")
    if row["status"] == Verdict.AT_RISK and (said := runs_words(row.get("scheduler"))):
        lines.append(f"{said} (a sample, not a proof)")
    return "\n".join(lines)


def _expect_line(scenario: str | None) -> int | None:
    from planner.errors import PlannerError
    from planner.inputs.yamlsafe import load_yaml

    if scenario is None or not Path(scenario).is_file():
        return None
    try:
        return load_yaml(scenario).lines.get(("expect",))
    except PlannerError:
        return None
