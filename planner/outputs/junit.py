"""``planner batch --junit FILE``: the batch as JUnit XML, which CI systems show as tests.

The format is the one Ant's JUnit task wrote and CI systems read (GitLab, GitHub
actions that publish test reports, Jenkins, Azure Pipelines): ``testsuites`` holding one
``testsuite`` holding a ``testcase`` per scenario. A case passes when the scenario is
safe; hangs and at-risk are a ``failure`` (the deployment would fail the gate), with
ECS's words as the message (after the outcome line, on a cluster that reacts: how the
deployment ends) and the why, fixes and proof as its text; unknown, bad input and a
planner failure are an ``error`` (no verdict). The schema holds no properties per case,
so the outcome is in the message and the text, not a property. ``tests/data/junit.xsd`` is the
schema the tests check it against.

Every string is XML-escaped by :mod:`xml.etree.ElementTree`; characters XML 1.0 cannot
hold at all (control characters) are replaced, so no input makes the file unreadable.
"""

from __future__ import annotations

import re
import socket
import time
import xml.etree.ElementTree as ET
from typing import Any

from planner.deciding.batch import BatchResult
from planner.deciding.verdicts import Verdict
from planner.outputs.formatting import message, minimum_text
from planner.outputs.reacting_text import outcome_line

#: XML 1.0 allows tab, newline, carriage return and printable characters only.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: What kind of JUnit outcome each status is (None: passed).
OUTCOME: dict[str, str | None] = {
    Verdict.SAFE: None, Verdict.AT_RISK: "failure", Verdict.HANGS: "failure",
    Verdict.UNKNOWN: "error", "bad-input": "error", "failed": "error",
}  # fmt: skip


def _clean(text: Any) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def _classname(scenario: str) -> str:
    """The folder of a scenario, dotted, as JUnit's class name (``planner.scenarios.seed``):
    CI systems group cases by it."""
    parts = [p for p in re.split(r"[\\/]+", scenario)[:-1] if p not in ("", ".", "..")]
    return ".".join(["planner", *parts])


def _details(row: dict[str, Any]) -> str:
    from planner.deciding.fixes import is_safe_fix

    lines = [f"verdict: {row['status']}"]
    if row.get("outcome"):
        lines.append(outcome_line(row["outcome"]))
    if row.get("reasons"):
        lines.append(f"reasons: {', '.join(row['reasons'])}")
    lines += [f"why: {w}" for w in row.get("why", [])]
    lines += [
        f"fix (checked: {'safe' if is_safe_fix(f) else 'it ends'}): {f}"
        for f in row.get("fixes", [])
    ]
    if row.get("proof"):
        lines.append(f"proof: {row['proof']}")
    if row.get("error"):
        lines.append(f"error: {row['error']}")
    if minimum_text(row.get("minimum")):
        lines.append(f"minimum: {minimum_text(row.get('minimum'))}")
    lines.append(f"planner solve {row['scenario']}: the plan, why and the fixes")
    return "\n".join(lines)


def to_junit(result: BatchResult, name: str = "planner batch") -> str:
    """The JUnit XML document of a batch."""
    failures = sum(OUTCOME[r["status"]] == "failure" for r in result.rows)
    errors = sum(OUTCOME[r["status"]] == "error" for r in result.rows)
    total = f"{result.wall_seconds:.3f}"
    counts = {"tests": str(len(result.rows)), "failures": str(failures), "errors": str(errors)}
    root = ET.Element("testsuites", {"name": _clean(name), **counts, "time": total})
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": "planner",
            **counts,
            "skipped": "0",
            "time": total,
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
            "hostname": _clean(socket.gethostname()),
        },
    )
    props = ET.SubElement(suite, "properties")
    ET.SubElement(
        props,
        "property",
        {"name": "timeLimitSecondsPerScenario", "value": f"{result.time_limit:g}"},
    )
    ET.SubElement(props, "property", {"name": "exitCode", "value": str(result.exit_code)})
    for row in result.rows:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "name": _clean(row["scenario"]),
                "classname": _clean(_classname(row["scenario"])),
                "time": f"{row.get('wallSeconds') or 0:.3f}",
            },
        )
        kind = OUTCOME[row["status"]]
        if kind is not None:
            said = message(row)
            if row.get("outcome"):  # how it ends first: what a gate acts on
                said = " — ".join(x for x in (outcome_line(row["outcome"]), said) if x)
            outcome = ET.SubElement(
                case, kind, {"type": row["status"], "message": _clean(said or row["status"])}
            )
            outcome.text = _clean(_details(row))
        else:
            out = ET.SubElement(case, "system-out")
            out.text = _clean(_details(row))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
